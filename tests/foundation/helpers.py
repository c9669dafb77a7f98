"""Plain helpers shared by the foundation tests (fixtures live in conftest.py)."""

from __future__ import annotations

import os
import re
import secrets
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask

from app.auth.services import start_session
from app.core.extensions import db
from app.models import User
from tests.conftest import PASSWORD  # noqa: F401  (re-exported: every test user's password)

IN_CI = os.environ.get("CI") == "true"
ROLES = ("lobby", "manager", "supervisor", "admin")
LOGIN_ERROR_RE = re.compile(r'data-testid="login-error">(.*?)</div>', re.S)
HTML_LANG_RE = re.compile(r'<html lang="([^"]+)"')


def service_unavailable(reason: str) -> None:
    """Skip with a visible reason on a dev machine; with CI=true a missing service is a failure."""
    if IN_CI:
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


def session_for(some_app: Flask, user: User):
    """A client of `some_app` holding a live server-side session for `user`."""
    client = some_app.test_client()
    token = start_session(user, ip="127.0.0.1", user_agent="pytest")
    db.session.commit()
    with client.session_transaction() as sess:
        sess["sid"] = token
    client._token_page = "/account/password"
    return client


def login_with_form(client, username: str, password: str, **kw):
    """Sign in through the real login form; afterwards the client picks up its new CSRF token."""
    client.forget_csrf()
    client._token_page = "/login"
    response = client.form("/login", {"username": username, "password": password}, **kw)
    client.forget_csrf()
    if response.status_code in (302, 303):
        client._token_page = "/account/password"
    return response


def login_error(response) -> str | None:
    """The text of the sign-in error box, or None when there is none."""
    found = LOGIN_ERROR_RE.search(response.get_data(as_text=True))
    return found.group(1).strip() if found else None


def html_lang(response) -> str | None:
    found = HTML_LANG_RE.search(response.get_data(as_text=True))
    return found.group(1) if found else None


def location_path(response) -> str:
    """The path of a redirect's Location header (without query)."""
    return urlsplit(response.headers.get("Location", "")).path


def assert_sent_to_login(response, *, what: str = "") -> None:
    """302 to /login for a page, or 401 + HX-Redirect (and no login form) for htmx."""
    label = f" ({what})" if what else ""
    assert response.status_code == 302, f"expected 302 to /login{label}, got {response.status_code}"
    assert location_path(response) == "/login", f"redirected to {response.headers.get('Location')}{label}"


def assert_hx_sent_to_login(response, *, what: str = "") -> None:
    label = f" ({what})" if what else ""
    assert response.status_code == 401, f"expected 401 for htmx{label}, got {response.status_code}"
    assert urlsplit(response.headers.get("HX-Redirect", "")).path == "/login", f"no HX-Redirect to /login{label}"
    body = response.get_data(as_text=True)
    assert 'name="password"' not in body and "<form" not in body, f"login form swapped into a fragment{label}"


PG_ADMIN_URL = os.environ.get("MIGRATION_TEST_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@contextmanager
def throwaway_postgres_url(prefix: str):
    """The URL of a new, empty PostgreSQL database, dropped afterwards (skips or fails as service_unavailable
    says when there is no PostgreSQL)."""
    try:
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with admin.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "no PostgreSQL here"
        service_unavailable(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {type(exc).__name__}")
    name = f"{prefix}_{secrets.token_hex(4)}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
