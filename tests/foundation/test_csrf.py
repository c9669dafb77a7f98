"""CSRF with protection ON (security.md D1–D3, D5): validation runs, and its failures are visible."""

from __future__ import annotations

import time

import flask_wtf.csrf
import pytest
from itsdangerous import SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select
from wtforms import ValidationError

from app.core.extensions import csrf, db
from app.models import UserSession
from tests.conftest import CSRF_RE
from tests.foundation.helpers import PASSWORD

NEW_PASSWORD = "seven calm rivers under bridges"


@pytest.fixture
def csrf_calls(monkeypatch):
    """Count flask_wtf.csrf.validate_csrf results, proving validation really ran (Flask-Security style)."""
    counts = {"success": 0, "failure": 0}
    original = flask_wtf.csrf.validate_csrf

    def counting(*args, **kwargs):
        try:
            result = original(*args, **kwargs)
        except ValidationError:
            counts["failure"] += 1
            raise
        counts["success"] += 1
        return result

    monkeypatch.setattr(flask_wtf.csrf, "validate_csrf", counting)
    return counts


def live_sessions(user) -> int:
    return len(db.session.scalars(
        select(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    ).all())


def test_csrf_is_on_for_every_unsafe_method_and_nothing_is_exempt(app):
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
    assert app.config.get("WTF_CSRF_CHECK_DEFAULT", True) is True
    assert set(app.config["WTF_CSRF_METHODS"]) >= {"POST", "PUT", "PATCH", "DELETE"}
    assert "X-CSRFToken" in app.config["WTF_CSRF_HEADERS"]
    assert not csrf._exempt_views and not csrf._exempt_blueprints


def test_logout_without_a_token_is_refused(app, world, manager_client, csrf_calls):
    response = manager_client.post("/logout")
    assert response.status_code == 400
    assert csrf_calls == {"success": 0, "failure": 1}
    assert live_sessions(world.manager) == 1
    assert manager_client.get("/my-day").status_code == 200


def test_password_change_without_a_token_is_refused(app, world, manager_client, csrf_calls):
    before = world.manager.password_hash
    response = manager_client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 400
    assert csrf_calls["failure"] == 1
    db.session.refresh(world.manager)
    assert world.manager.password_hash == before


def test_the_login_form_needs_a_token_too(app, world, anon, csrf_calls):
    response = anon.post("/login", data={"username": "manager", "password": PASSWORD})
    assert response.status_code == 400
    assert csrf_calls["failure"] == 1
    assert live_sessions(world.manager) == 0


def test_a_token_from_another_session_is_refused(app, world, client_for, csrf_calls):
    victim = client_for(world.manager)
    attacker = client_for(world.colleague)
    stolen = attacker.csrf_token(attacker._token_page)
    response = victim.post("/account/language", data={"language": "en", "csrf_token": stolen})
    assert response.status_code == 400
    hx = victim.post("/account/language", data={"language": "en"},
                     headers={"HX-Request": "true", "X-CSRFToken": stolen})
    assert hx.status_code == 400
    assert csrf_calls["failure"] == 2
    db.session.refresh(world.manager)
    assert world.manager.language == "zh_Hans_CN"


def test_a_garbage_token_is_refused(app, world, manager_client, csrf_calls):
    response = manager_client.post("/logout", data={"csrf_token": "not-a-token"})
    assert response.status_code == 400
    assert live_sessions(world.manager) == 1


def test_htmx_sends_the_token_in_the_header(app, world, manager_client, csrf_calls):
    response = manager_client.hx("POST", "/account/language", {"language": "en"})
    assert response.status_code == 303
    assert csrf_calls == {"success": 1, "failure": 0}
    db.session.refresh(world.manager)
    assert world.manager.language == "en"


def test_the_alternative_header_name_works(app, world, manager_client, csrf_calls):
    token = manager_client.csrf_token(manager_client._token_page)
    response = manager_client.post("/logout", headers={"HX-Request": "true", "X-CSRF-Token": token})
    assert response.status_code == 303
    assert live_sessions(world.manager) == 0


def test_the_page_carries_the_token_for_htmx(app, world, manager_client):
    body = manager_client.get("/my-day").get_data(as_text=True)
    assert '<body hx-headers=\'{"X-CSRFToken": "' in body


def test_a_bad_token_on_an_htmx_request_refreshes_the_page(app, world, manager_client, csrf_calls):
    response = manager_client.post("/account/language", data={"language": "en"},
                                   headers={"HX-Request": "true", "X-CSRFToken": "stale"})
    assert response.status_code == 400
    assert response.headers.get("HX-Refresh") == "true"
    body = response.get_data(as_text=True)
    assert "<html" not in body and 'role="alert"' in body
    # The plain-form variant is a full page the user can read, not a bare 400.
    page = manager_client.post("/account/language", data={"language": "en", "csrf_token": "stale"})
    assert page.status_code == 400 and "<html" in page.get_data(as_text=True)
    assert "HX-Refresh" not in page.headers


def test_a_token_from_hours_ago_still_works_while_the_session_lives(app, world, manager_client, monkeypatch):
    # D3: WTF_CSRF_TIME_LIMIT is None, so the session's own idle/absolute limits bound the token.
    assert app.config["WTF_CSRF_TIME_LIMIT"] is None
    manager_client.get("/my-day")
    with manager_client.session_transaction() as sess:
        raw = sess["csrf_token"]
    serializer = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token")
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 2 * 3600)
        old_token = serializer.dumps(raw)
    with pytest.raises(SignatureExpired):  # the token really is two hours old
        serializer.loads(old_token, max_age=3600)
    response = manager_client.post("/account/language", data={"language": "en"},
                                   headers={"HX-Request": "true", "X-CSRFToken": old_token})
    assert response.status_code == 303


def page_token(client, path: str) -> str:
    """The page's token; every copy of it on the page (htmx header, hidden fields) is the same."""
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    tokens = {header or field for header, field in CSRF_RE.findall(response.get_data(as_text=True))}
    assert len(tokens) == 1, tokens
    return tokens.pop()


def test_each_session_has_its_own_token_and_it_keeps_working(app, world, client_for):
    # Every copy of the token on a page is the same; it serves the session's forms, never another session's.
    alice, bob = client_for(world.manager), client_for(world.colleague)
    first = page_token(alice, "/my-day")
    page_token(alice, "/account/password")  # a Flask-WTF form's hidden field agrees with the htmx header
    other = page_token(bob, "/my-day")
    assert other != first
    with alice.session_transaction() as sess:
        raw = sess["csrf_token"]
    assert URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").loads(first) == raw
    response = alice.post("/account/language", data={"language": "en", "csrf_token": first})
    assert response.status_code == 303
    refused = bob.post("/account/language", data={"language": "en", "csrf_token": first})
    assert refused.status_code == 400


def test_a_token_with_a_deadline_is_signed_fresh_for_each_request(app, world, manager_client, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_TIME_LIMIT", 3600)
    ticks = iter(range(int(time.time()), int(time.time()) + 1000))  # a new second for each signature
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: next(ticks))
    first = page_token(manager_client, "/customers/")
    second = page_token(manager_client, "/customers/")
    assert first != second  # each carries its own signing time, so each expires an hour after its page


# D5 --------------------------------------------------------------------------------------------

HTTPS = {"base_url": "https://localhost"}


def test_https_post_without_referer_is_refused(app, world, manager_client, csrf_calls):
    token = manager_client.csrf_token(manager_client._token_page)
    response = manager_client.post("/account/language", data={"language": "en", "csrf_token": token}, **HTTPS)
    assert response.status_code == 400
    db.session.refresh(world.manager)
    assert world.manager.language == "zh_Hans_CN"


def test_https_post_with_a_foreign_referer_is_refused(app, world, manager_client):
    token = manager_client.csrf_token(manager_client._token_page)
    response = manager_client.post("/account/language", data={"language": "en", "csrf_token": token},
                                   headers={"Referer": "https://evil.example/account/password"}, **HTTPS)
    assert response.status_code == 400


def test_https_post_with_a_same_host_referer_passes(app, world, manager_client, csrf_calls):
    token = manager_client.csrf_token(manager_client._token_page)
    response = manager_client.post("/account/language", data={"language": "en", "csrf_token": token},
                                   headers={"Referer": "https://localhost/account/password"}, **HTTPS)
    assert response.status_code == 303
    assert csrf_calls["success"] == 1
    db.session.refresh(world.manager)
    assert world.manager.language == "en"


def test_referrer_policy_keeps_the_referer_on_same_origin_requests(app, world, anon, manager_client):
    # no-referrer would make every HTTPS form fail the check above.
    for response in (anon.get("/login"), manager_client.get("/my-day"), manager_client.get("/my-day", **HTTPS)):
        assert response.headers["Referrer-Policy"] == "same-origin"
