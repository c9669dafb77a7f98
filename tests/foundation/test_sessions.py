"""Server-side sessions: cookie flags, fixation, logout, timeouts, revocation (security.md C1–C5, A6)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.core import clock
from app.core.extensions import db
from app.models import UserSession
from tests.foundation.helpers import (
    PASSWORD,
    assert_hx_sent_to_login,
    assert_sent_to_login,
    login_with_form,
)

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


def cookie_value(client, app) -> str | None:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    return cookie.value if cookie else None


def replay(app, value: str):
    """A brand-new browser presenting a captured session cookie."""
    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], value)
    return thief


def stored_sid(client) -> str | None:
    with client.session_transaction() as sess:
        return sess.get("sid")


# C1 -------------------------------------------------------------------------------------------


def session_cookie_headers(response) -> list[str]:
    return [h for h in response.headers.getlist("Set-Cookie") if h.startswith("__Host-session=")]


def assert_host_cookie(header: str) -> None:
    assert re.match(r"^__Host-session=[^;]+; ", header), header
    attributes = [part.strip() for part in header.split(";")[1:]]
    lowered = [a.lower() for a in attributes]
    assert "secure" in lowered, header
    assert "httponly" in lowered, header
    assert "samesite=lax" in lowered, header
    assert "path=/" in lowered, header
    assert not any(a.startswith("domain=") for a in lowered), header


def test_session_cookie_is_a_secure_host_only_cookie(build_app, make_user):
    https_app = build_app(SESSION_COOKIE_SECURE=True)
    assert https_app.config["SESSION_COOKIE_NAME"] == "__Host-session"
    user = make_user("manager")
    db.session.commit()
    client = https_app.test_client()
    https = {"base_url": "https://localhost"}

    page = client.get("/login", **https)
    for header in session_cookie_headers(page):
        assert_host_cookie(header)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)

    response = client.post(
        "/login",
        data={"username": user.username, "password": PASSWORD, "csrf_token": token},
        headers={"Referer": "https://localhost/login"},
        **https,
    )
    assert response.status_code == 302
    headers = session_cookie_headers(response)
    assert len(headers) == 1, response.headers.getlist("Set-Cookie")
    assert_host_cookie(headers[0])
    assert client.get("/my-day", **https).status_code == 200


def test_plain_http_test_config_uses_a_non_host_cookie_name(app):
    # Browsers drop a __Host- cookie without Secure; the plain-http name must not pretend.
    assert app.config["SESSION_COOKIE_SECURE"] is False
    assert not app.config["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


# C2 -------------------------------------------------------------------------------------------


def test_sign_in_issues_a_new_session_and_the_old_cookie_stays_anonymous(app, world, anon):
    anon.get("/login")
    before = cookie_value(anon, app)
    assert before, "the login page sets a (pre-login) cookie for its CSRF token"

    response = login_with_form(anon, "manager", PASSWORD)
    assert response.status_code == 302
    after = cookie_value(anon, app)
    assert after and after != before
    assert anon.get("/my-day").status_code == 200

    assert_sent_to_login(replay(app, before).get("/my-day"))


def test_a_session_id_planted_before_sign_in_is_replaced(app, world, anon):
    with anon.session_transaction() as sess:
        sess["sid"] = "attacker-chosen-token"
    login_with_form(anon, "manager", PASSWORD)
    sid = stored_sid(anon)
    assert sid and sid != "attacker-chosen-token"


def test_logout_ends_the_session_on_the_server(app, world, anon):
    login_with_form(anon, "manager", PASSWORD)
    captured = cookie_value(anon, app)
    assert replay(app, captured).get("/my-day").status_code == 200

    response = anon.form("/logout")
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"

    assert_sent_to_login(replay(app, captured).get("/my-day"))
    assert_sent_to_login(anon.get("/my-day"))
    rows = db.session.scalars(select(UserSession).where(UserSession.user_id == world.manager.id)).all()
    assert rows and all(row.revoked_at is not None for row in rows)


# C3 -------------------------------------------------------------------------------------------


def test_idle_timeout_after_thirty_minutes(app, world, client_for):
    clock.freeze(T0)
    page = client_for(world.manager)
    htmx = client_for(world.manager)
    htmx.csrf_token(htmx._token_page)  # the page was loaded before the user walked away

    clock.freeze(T0 + timedelta(minutes=29))
    assert page.get("/my-day").status_code == 200

    clock.freeze(T0 + timedelta(minutes=29 + 31))
    assert_sent_to_login(page.get("/my-day"))
    # htmx: a POST after the idle timeout gets HX-Redirect, never the login page inside the target.
    assert_hx_sent_to_login(htmx.hx("POST", "/account/language", {"language": "en"}))
    assert_hx_sent_to_login(htmx.hx("GET", "/my-day"))
    db.session.refresh(world.manager)
    assert world.manager.language == "zh_Hans_CN"


def test_an_active_session_is_still_cut_after_twelve_hours(app, world, client_for):
    clock.freeze(T0)
    client = client_for(world.manager)
    step = timedelta(minutes=10)
    for n in range(1, 73):  # up to exactly 12 h after sign-in
        clock.freeze(T0 + n * step)
        assert client.get("/my-day").status_code == 200, f"cut early, after {n * 10} minutes"
    clock.freeze(T0 + 73 * step)
    assert_sent_to_login(client.get("/my-day"))


def test_configured_timeouts_match_the_bar(app):
    assert app.config["SESSION_IDLE_TIMEOUT"] == timedelta(minutes=30)
    assert app.config["SESSION_ABSOLUTE_TIMEOUT"] == timedelta(hours=12)


def test_an_active_user_stays_signed_in_although_the_cookie_is_not_re_signed(app, world, anon, monkeypatch):
    """The cookie keeps its sign-in signature; Flask checks that signature's age, so it must allow the
    whole absolute lifetime while the server enforces the idle limit."""
    import itsdangerous.timed

    real_time = itsdangerous.timed.time

    class Later:
        offset = 0.0

        @staticmethod
        def time() -> float:
            return real_time.time() + Later.offset

    assert login_with_form(anon, "manager", PASSWORD).status_code in (302, 303)
    monkeypatch.setattr(itsdangerous.timed, "time", Later)
    start = clock.now()
    for minutes in range(10, 130, 10):  # a page every 10 minutes for two hours
        Later.offset = minutes * 60
        clock.freeze(start + timedelta(minutes=minutes))
        assert anon.get("/my-day").status_code == 200, f"signed out after {minutes} minutes of work"
    Later.offset = 160 * 60  # 40 minutes without a page: the server's idle limit ends it
    clock.freeze(start + timedelta(minutes=160))
    assert_sent_to_login(anon.get("/my-day"))


def test_the_cookie_lives_for_the_browser_session_and_is_not_resent_on_every_page(app, world, anon):
    response = login_with_form(anon, "manager", PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "Expires=" not in cookie and "Max-Age" not in cookie  # the server ends sessions, not the browser
    assert anon.get("/my-day").status_code == 200  # the first page stores the CSRF secret in the cookie
    page = anon.get("/my-day")
    assert page.status_code == 200
    assert "Set-Cookie" not in page.headers  # nothing to re-sign: the session cookie did not change


# C4 -------------------------------------------------------------------------------------------


def test_no_response_ever_sets_a_remember_cookie(app, world, anon):
    remember = app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    responses = [anon.get("/login"), login_with_form(anon, "manager", PASSWORD)]
    assert responses[-1].status_code == 302
    for path in ("/", "/my-day", "/account/password", "/reauthenticate"):
        responses.append(anon.get(path))
    responses.append(anon.form("/account/language", {"language": "en"}))
    responses.append(anon.form("/logout"))
    responses.append(anon.get("/my-day"))
    for response in responses:
        for header in response.headers.getlist("Set-Cookie"):
            assert not header.startswith(remember), header
            assert "remember" not in header.split("=", 1)[0].lower(), header


# C5 and A6 ------------------------------------------------------------------------------------


def test_password_change_signs_out_every_other_session(app, world, client_for):
    first = client_for(world.manager)
    second = client_for(world.manager)
    assert second.get("/my-day").status_code == 200

    response = first.form(
        "/account/password",
        {"current_password": PASSWORD, "new_password": "seven calm rivers under bridges", "confirm": "seven calm rivers under bridges"},
    )
    assert response.status_code == 303
    assert first.get("/my-day").status_code == 200  # the changing browser gets a fresh session
    assert_sent_to_login(second.get("/my-day"))
    assert_hx_sent_to_login(second.hx("GET", "/my-day"))


def test_deactivated_user_is_signed_out_on_the_next_request(app, world, client_for):
    client = client_for(world.manager)
    assert client.get("/my-day").status_code == 200
    world.manager.active = False
    db.session.commit()
    assert_sent_to_login(client.get("/my-day"))


def test_reactivation_does_not_revive_a_session_refused_while_inactive(app, world, client_for):
    client = client_for(world.manager)
    world.manager.active = False
    db.session.commit()
    assert_sent_to_login(client.get("/my-day"))
    world.manager.active = True
    db.session.commit()
    assert_sent_to_login(client.get("/my-day"))


def test_role_change_takes_effect_on_the_next_request(app, world, client_for):
    client = client_for(world.manager)
    assert client.get("/my-day").status_code == 200
    world.manager.role = "lobby"
    db.session.commit()
    assert client.get("/my-day").status_code == 403
    assert client.get("/lobby").status_code == 200


def test_each_browser_gets_its_own_session_row(app, world, client_for):
    a, b = client_for(world.manager), client_for(world.manager)
    assert stored_sid(a) != stored_sid(b)
    # The cookie holds only a random token; the table stores its hash, not the token.
    tokens = {stored_sid(a), stored_sid(b)}
    hashes = set(db.session.scalars(select(UserSession.token_hash)))
    assert not tokens & hashes


def test_a_forged_session_id_is_anonymous(app, world):
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["sid"] = "x" * 43
    assert_sent_to_login(client.get("/my-day"))
