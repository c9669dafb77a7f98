"""Shared fixtures: one app per run, a clean database per test, users per role, signed-in clients."""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import g, has_app_context, request
from flask.testing import FlaskClient
from sqlalchemy import event, text

from app import create_app
from app.auth.passwords import hash_password
from app.auth.services import start_session
from app.core import clock, worker_copies
from app.core.config import TestConfig
from app.core.extensions import db, limiter
from app.core.privacy import PFI_PATTERNS
from app.models import Branch, Role, Team, User

PASSWORD = "correct horse battery staple"
CSRF_RE = re.compile(r'"X-CSRFToken":\s*"([^"]+)"|name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
# Endpoints allowed to return a full personal number (the audited reveal).
PFI_ALLOWED_ENDPOINTS = {"customers.reveal"}

IN_CI = os.environ.get("CI") == "true"
USING_POSTGRES = (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql")


class Client(FlaskClient):
    """A test client that knows its CSRF token, like a browser that loaded a page."""

    _token: str | None = None

    def open(self, *args, **kwargs):
        # The suite keeps one app context pushed, which Flask reuses for each request: give every
        # request a fresh `g`, as a real server would (Flask-Login and Flask-Babel cache in it).
        if has_app_context():
            g.__dict__.clear()
        return super().open(*args, **kwargs)

    def csrf_token(self, path: str = "/login") -> str:
        if self._token is None:
            response = self.get(path)
            match = CSRF_RE.search(response.get_data(as_text=True))
            assert match, f"no CSRF token on {path}"
            self._token = match.group(1) or match.group(2)
        return self._token

    def forget_csrf(self) -> None:
        self._token = None

    def form(self, path: str, data: dict | None = None, *, htmx: bool = False, headers: dict | None = None, **kw):
        """POST a form with the CSRF token in the body (as a plain form would)."""
        payload = dict(data or {})
        payload.setdefault("csrf_token", self.csrf_token(self._token_page))
        hdrs = dict(headers or {})
        if htmx:
            hdrs["HX-Request"] = "true"
        return self.post(path, data=payload, headers=hdrs, **kw)

    def hx(self, method: str, path: str, data: dict | None = None, *, headers: dict | None = None, **kw):
        """An htmx request: HX-Request plus the X-CSRFToken header from <body hx-headers>."""
        hdrs = {"HX-Request": "true", **(headers or {})}
        if method.upper() != "GET":
            hdrs.setdefault("X-CSRFToken", self.csrf_token(self._token_page))
        return self.open(path, method=method.upper(), data=data, headers=hdrs, **kw)

    _token_page = "/login"


@pytest.fixture(scope="session")
def app():
    application = create_app(TestConfig)
    application.test_client_class = Client
    application.config["PFI_VIOLATIONS"] = []

    @application.after_request
    def _no_unmasked_pfi(response):
        # The whole suite fails on any full mobile or ID number outside the audited reveal (security.md F1).
        checked = response.mimetype in ("text/html", "text/csv", "application/json")
        if checked and not response.direct_passthrough and request.endpoint not in PFI_ALLOWED_ENDPOINTS:
            body = response.get_data(as_text=True)
            for pattern in PFI_PATTERNS.values():
                found = pattern.search(body)
                if found:
                    application.config["PFI_VIOLATIONS"].append((request.path, found.group(0)))
        return response

    with application.app_context():
        if USING_POSTGRES:
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        db.create_all()
        yield application
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_state(app):
    """Each test starts with empty tables, reset rate limits, a real clock and no PFI leaks."""
    limiter.reset()
    worker_copies.clear_all()  # rows are deleted with plain SQL below, which no copy can see
    app.config["PFI_VIOLATIONS"].clear()
    yield
    clock.freeze(None)
    db.session.rollback()
    db.session.remove()
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    else:
        # team.leader_id and user.team_id point at each other: unlink before deleting rows.
        db.session.execute(text('UPDATE "team" SET leader_id = NULL'))
        for table in tables:
            db.session.execute(text(f'DELETE FROM "{table}"'))
    db.session.commit()
    violations = list(app.config["PFI_VIOLATIONS"])
    assert not violations, f"unmasked personal data in responses: {violations}"


_seq = itertools.count(1)


@pytest.fixture
def make_branch():
    def make(name: str | None = None, code: str | None = None) -> Branch:
        n = next(_seq)
        branch = Branch(code=code or f"B{n:03d}", name=name or f"测试支行{n}")
        db.session.add(branch)
        db.session.flush()
        return branch

    return make


_password_hash: dict[str, str] = {}


@pytest.fixture
def make_user(app):
    def make(role: str = "manager", branch: Branch | None = None, *, username: str | None = None,
             specialty: str | None = None, team: Team | None = None, language: str = "zh_Hans_CN",
             display_name: str | None = None, active: bool = True) -> User:
        n = next(_seq)
        if "hash" not in _password_hash:
            _password_hash["hash"] = hash_password(PASSWORD)
        user = User(
            username=username or f"{role}{n}",
            display_name=display_name or f"员工{n}",
            employee_no=f"E{n:05d}",
            role=role,
            specialty=specialty if specialty else ("wealth" if role == "manager" else None),
            branch_id=branch.id if branch else None,
            team_id=team.id if team else None,
            password_hash=_password_hash["hash"],
            language=language,
            active=active,
        )
        db.session.add(user)
        db.session.flush()
        return user

    return make


class World:
    """Two branches and a user of every role; `other_*` live in the second branch."""

    def __init__(self, make_branch, make_user):
        self.branch = make_branch("城东支行", "CD01")
        self.other_branch = make_branch("城西支行", "CX01")
        self.team = Team(branch_id=self.branch.id, name="财富团队")
        db.session.add(self.team)
        db.session.flush()
        self.lobby = make_user(Role.LOBBY, self.branch, username="lobby")
        self.manager = make_user(Role.MANAGER, self.branch, username="manager", team=self.team)
        self.colleague = make_user(Role.MANAGER, self.branch, username="colleague", specialty="credit", team=self.team)
        self.supervisor = make_user(Role.SUPERVISOR, self.branch, username="supervisor", team=self.team)
        self.admin = make_user(Role.ADMIN, None, username="admin")
        self.other_manager = make_user(Role.MANAGER, self.other_branch, username="manager2")
        self.other_supervisor = make_user(Role.SUPERVISOR, self.other_branch, username="supervisor2")
        db.session.commit()

    def by_role(self, role: str) -> User:
        return {"lobby": self.lobby, "manager": self.manager, "supervisor": self.supervisor, "admin": self.admin}[role]


@pytest.fixture
def world(make_branch, make_user) -> World:
    return World(make_branch, make_user)


def sign_in(app, user: User) -> Client:
    """A client with a live server-side session for `user` (the login form is tested separately)."""
    client: Client = app.test_client()
    token = start_session(user, ip="127.0.0.1", user_agent="pytest")
    db.session.commit()
    with client.session_transaction() as sess:
        sess["sid"] = token
    client._token_page = "/account/password"
    return client


@pytest.fixture
def client_for(app):
    return lambda user: sign_in(app, user)


@pytest.fixture
def anon(app) -> Client:
    return app.test_client()


@pytest.fixture
def lobby_client(app, world):
    return sign_in(app, world.lobby)


@pytest.fixture
def manager_client(app, world):
    return sign_in(app, world.manager)


@pytest.fixture
def supervisor_client(app, world):
    return sign_in(app, world.supervisor)


@pytest.fixture
def admin_client(app, world):
    return sign_in(app, world.admin)


@pytest.fixture
def other_branch_client(app, world):
    return sign_in(app, world.other_manager)


@contextmanager
def count_queries() -> Iterator[list[str]]:
    """Collect the SQL statements run inside the block."""
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


@pytest.fixture
def queries():
    return count_queries
