"""Sign-in: hashing, brute force, first admin, password rules, forced change, language (security.md B1–B3)."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select, text

from app.core import clock
from app.core.extensions import db
from app.models import AuditEvent, LoginFailure, User, UserSession
from tests.foundation.helpers import (
    PASSWORD,
    assert_sent_to_login,
    html_lang,
    location_path,
    login_error,
    login_with_form,
)

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
NEW_PASSWORD = "seven calm rivers under bridges"
ONE_TIME_RE = re.compile(r"One-time password[^:]*: (\S+)")


def dump_database() -> str:
    """Every row of every table as text, as a leaked backup would show it."""
    out = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(text(f'SELECT * FROM "{table.name}"')):
            out.append(repr(tuple(row)))
    return "\n".join(out)


def user_named(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


# B1 -------------------------------------------------------------------------------------------


def test_passwords_are_stored_as_argon2id_and_never_in_plain_text(app, world, anon):
    assert world.manager.password_hash.startswith("$argon2id$")
    login_with_form(anon, "manager", "a wrong password typed by mistake")
    login_with_form(anon, "manager", PASSWORD)
    dump = dump_database()
    assert PASSWORD not in dump
    assert "a wrong password typed by mistake" not in dump


def test_a_hash_with_old_parameters_is_upgraded_at_sign_in(app, world, anon):
    old_hash = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=2).hash(PASSWORD)
    world.manager.password_hash = old_hash
    db.session.commit()

    assert login_with_form(anon, "manager", PASSWORD).status_code == 302
    db.session.refresh(world.manager)
    new_hash = world.manager.password_hash
    assert new_hash != old_hash
    assert new_hash.startswith("$argon2id$")
    cfg = app.config
    assert f"m={cfg['PASSWORD_MEMORY_COST']},t={cfg['PASSWORD_TIME_COST']},p={cfg['PASSWORD_PARALLELISM']}" in new_hash
    # The upgraded hash still opens the account.
    other = app.test_client()
    assert login_with_form(other, "manager", PASSWORD).status_code == 302


def test_a_wrong_password_does_not_rehash(app, world, anon):
    old_hash = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=2).hash(PASSWORD)
    world.manager.password_hash = old_hash
    db.session.commit()
    login_with_form(anon, "manager", "not the password at all")
    db.session.refresh(world.manager)
    assert world.manager.password_hash == old_hash


# B3 -------------------------------------------------------------------------------------------


def test_five_failures_lock_the_account_for_fifteen_minutes(app, world, anon):
    clock.freeze(T0)
    wrong = [login_with_form(anon, "manager", f"wrong password {n}") for n in range(5)]
    assert {r.status_code for r in wrong} == {200}
    assert all(login_error(r) for r in wrong)

    locked = login_with_form(anon, "manager", PASSWORD)
    assert locked.status_code == wrong[0].status_code
    assert login_error(locked), "the refusal must say why"
    assert 'name="username"' in locked.get_data(as_text=True)  # same page: the form again, with an error
    assert_sent_to_login(anon.get("/my-day"))
    assert db.session.scalar(select(func.count()).select_from(UserSession)) == 0

    clock.freeze(T0 + timedelta(minutes=14))
    assert login_with_form(anon, "manager", PASSWORD).status_code == 200

    clock.freeze(T0 + timedelta(minutes=15, seconds=1))
    assert login_with_form(anon, "manager", PASSWORD).status_code == 302
    assert anon.get("/my-day").status_code == 200


def test_a_lock_on_one_account_does_not_lock_others(app, world, anon):
    for n in range(6):
        login_with_form(anon, "manager", f"wrong password {n}")
    other = app.test_client()
    assert login_with_form(other, "colleague", PASSWORD).status_code == 302


def test_an_unknown_user_looks_exactly_like_a_wrong_password(app, world):
    wrong = login_with_form(app.test_client(), "manager", "not the password")
    unknown = login_with_form(app.test_client(), "nobody-by-this-name", "not the password")
    assert wrong.status_code == unknown.status_code == 200
    assert login_error(wrong) == login_error(unknown)
    assert login_error(wrong)


def test_unknown_users_are_locked_too(app, world):
    # Otherwise "locked" vs "wrong password" after five tries would reveal which names exist.
    client = app.test_client()
    known = [login_with_form(client, "manager", f"wrong {n}") for n in range(6)]
    unknown = [login_with_form(client, "ghost", f"wrong {n}") for n in range(6)]
    assert [login_error(r) for r in known] == [login_error(r) for r in unknown]


def test_login_posts_are_limited_to_twenty_a_minute_per_address(app, world):
    client = app.test_client()
    token = client.csrf_token()
    address = {"REMOTE_ADDR": "10.20.30.40"}
    statuses = [
        client.post("/login", data={"username": f"user{n}", "password": "x", "csrf_token": token},
                    environ_base=address).status_code
        for n in range(21)
    ]
    assert statuses[:20] == [200] * 20
    assert statuses[20] == 429
    # Another address still signs in: the limit is per IP, not global.
    elsewhere = app.test_client()
    token = elsewhere.csrf_token()
    response = elsewhere.post("/login", data={"username": "manager", "password": PASSWORD, "csrf_token": token},
                              environ_base={"REMOTE_ADDR": "10.20.30.41"})
    assert response.status_code == 302


def test_sign_in_attempts_are_audited(app, world, anon):
    login_with_form(anon, "manager", "wrong password")
    login_with_form(anon, "ghost", "wrong password")
    login_with_form(anon, "manager", PASSWORD)
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["login_failed", "login_failed", "login"]
    assert events[0].details.get("username") == "manager" and events[0].actor_id is None
    assert events[1].details.get("username") == "ghost"
    assert events[2].actor_id == world.manager.id
    assert all(e.ip for e in events)
    assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 1  # the success cleared manager's


def test_a_deactivated_user_cannot_sign_in(app, world, anon):
    world.manager.active = False
    db.session.commit()
    response = login_with_form(anon, "manager", PASSWORD)
    assert response.status_code == 200
    assert login_error(response) == login_error(login_with_form(app.test_client(), "ghost", "x"))


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_next_only_accepts_local_paths(app, world, anon, target):
    anon.forget_csrf()
    response = anon.form(f"/login?next={target}", {"username": "manager", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/my-day"


def test_next_sends_back_to_the_page_asked_for(app, world, anon):
    response = anon.form("/login?next=/account/password", {"username": "manager", "password": PASSWORD})
    assert response.headers["Location"] == "/account/password"


# No default accounts, first admin from the CLI (B2) ----------------------------------------


def test_a_fresh_database_has_no_accounts(app, anon):
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    for username, password in (("admin", "admin"), ("admin", "123456"), ("root", "root")):
        assert login_with_form(anon, username, password).status_code == 200
    assert_sent_to_login(anon.get("/admin/"))


def test_create_admin_prints_a_one_time_password_that_must_be_changed(app, anon):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-admin", "--username", "chief"])
    assert result.exit_code == 0, result.output
    found = ONE_TIME_RE.findall(result.output)
    assert len(found) == 1
    one_time = found[0]
    assert result.output.count(one_time) == 1
    admin = user_named("chief")
    assert admin.role == "admin" and admin.must_change_password
    assert admin.password_hash.startswith("$argon2id$") and one_time not in dump_database()

    response = login_with_form(anon, "chief", one_time)
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/password"
    for path in ("/", "/admin/"):
        redirected = anon.get(path)
        assert redirected.status_code == 302 and location_path(redirected) == "/account/password", path

    changed = anon.form("/account/password", {"current_password": one_time, "new_password": NEW_PASSWORD,
                                               "confirm": NEW_PASSWORD})
    assert changed.status_code == 303
    db.session.refresh(admin)
    assert not admin.must_change_password
    assert anon.get("/admin/").status_code == 200


def test_create_admin_twice_for_one_name_fails(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["create-admin", "--username", "chief"]).exit_code == 0
    first_hash = user_named("chief").password_hash
    again = runner.invoke(args=["create-admin", "--username", "chief", "--employee-no", "A0002"])
    assert again.exit_code != 0
    assert "already exists" in again.output
    assert not ONE_TIME_RE.search(again.output)
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
    assert user_named("chief").password_hash == first_hash


# Password change rules (B2) -----------------------------------------------------------------


def change(client, new: str, *, current: str = PASSWORD, confirm: str | None = None):
    return client.form("/account/password", {"current_password": current, "new_password": new,
                                              "confirm": new if confirm is None else confirm})


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("short pass", "Use at least 12 characters."),
        ("password1234", "This password is too common. Choose a longer passphrase."),
        ("aaaaaaaaaaaaaaaa", "This password is too common. Choose a longer passphrase."),
        ("my name is englishmgr ok", "Do not use your name, username or the bank's name in the password."),
        ("yinjian is my employer", "Do not use your name, username or the bank's name in the password."),
    ],
)
def test_weak_new_passwords_are_refused_and_nothing_changes(app, make_user, client_for, new, message):
    user = make_user("manager", username="englishmgr", language="en")
    db.session.commit()
    client = client_for(user)
    before = user.password_hash
    response = change(client, new)
    assert response.status_code == 200
    assert message in html.unescape(response.get_data(as_text=True))
    db.session.refresh(user)
    assert user.password_hash == before
    assert client.get("/my-day").status_code == 200  # nothing was revoked either


def test_wrong_current_password_or_mismatch_changes_nothing(app, make_user, client_for):
    user = make_user("manager", language="en")
    db.session.commit()
    client = client_for(user)
    before = user.password_hash
    wrong = change(client, NEW_PASSWORD, current="not my password")
    assert "The current password is wrong." in wrong.get_data(as_text=True)
    mismatch = change(client, NEW_PASSWORD, confirm=NEW_PASSWORD + "x")
    assert "The two passwords differ." in mismatch.get_data(as_text=True)
    db.session.refresh(user)
    assert user.password_hash == before


def test_a_long_passphrase_is_accepted(app, world, client_for):
    passphrase = "correct horse battery staple " * 2 + "and a 64 char tail"
    assert len(passphrase) >= 64
    client = client_for(world.manager)
    assert change(client, passphrase).status_code == 303
    assert login_with_form(app.test_client(), "manager", passphrase).status_code == 302
    assert "password_change" in audit_actions()


def test_must_change_password_is_enforced_on_every_page(app, world, client_for):
    world.manager.must_change_password = True
    db.session.commit()
    client = client_for(world.manager)
    for path in ("/", "/my-day", "/lobby", "/team", "/admin/", "/reauthenticate"):
        response = client.get(path)
        assert response.status_code == 302 and location_path(response) == "/account/password", path
        hx = client.get(path, headers={"HX-Request": "true"})
        assert hx.headers.get("HX-Redirect") == "/account/password", path
        assert "<form" not in hx.get_data(as_text=True)
    assert client.get("/account/password").status_code == 200
    assert change(client, NEW_PASSWORD).status_code == 303
    assert client.get("/my-day").status_code == 200


# Language --------------------------------------------------------------------------------------


def test_the_login_page_is_chinese_by_default(app, anon):
    response = anon.get("/login")
    assert html_lang(response) == "zh-CN"  # the wording itself is checked by test_i18n


def test_an_english_user_gets_english_after_sign_in(app, make_user, anon):
    make_user("manager", username="alice", language="en")
    db.session.commit()
    response = login_with_form(anon, "alice", PASSWORD)
    page = anon.get(response.headers["Location"])
    assert page.status_code == 200
    assert html_lang(page) == "en"


def test_the_login_page_language_can_be_chosen(app, anon):
    assert anon.get("/language/en").status_code == 302
    assert html_lang(anon.get("/login")) == "en"
    anon.get("/language/xx")  # unknown codes are ignored
    assert html_lang(anon.get("/login")) == "en"
