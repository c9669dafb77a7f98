"""The signed session cookie (Flask's own): refused when forged, tampered with or older than
PERMANENT_SESSION_LIFETIME; flashed messages show once."""

from __future__ import annotations

from datetime import timedelta

import itsdangerous.timed

from app.core import clock
from tests.foundation.helpers import PASSWORD, assert_sent_to_login, login_with_form


class MovedClock:
    """itsdangerous' clock, moved forward by `offset` seconds."""

    offset = 0.0
    real = itsdangerous.timed.time

    @classmethod
    def time(cls) -> float:
        return cls.real.time() + cls.offset


def cookie_of(client, app) -> str:
    return client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value


def test_an_old_cookie_ages_out(app, world, anon, monkeypatch):
    assert login_with_form(anon, "manager", PASSWORD).status_code in (302, 303)
    assert anon.get("/my-day").status_code == 200
    monkeypatch.setattr(app, "permanent_session_lifetime", timedelta(minutes=5))
    monkeypatch.setattr(itsdangerous.timed, "time", MovedClock)
    start = clock.now()
    MovedClock.offset = 4 * 60
    clock.freeze(start + timedelta(minutes=4))
    assert anon.get("/my-day").status_code == 200  # remembered, and young enough
    MovedClock.offset = 6 * 60
    clock.freeze(start + timedelta(minutes=6))  # within the server's idle limit: only the cookie is too old
    assert_sent_to_login(anon.get("/my-day"))


def test_a_tampered_cookie_is_anonymous(app, world, anon):
    assert login_with_form(anon, "manager", PASSWORD).status_code in (302, 303)
    assert anon.get("/my-day").status_code == 200
    real = cookie_of(anon, app)
    payload, timestamp, signature = real.rsplit(".", 2)
    forged = f"{payload}.{timestamp}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    name = app.config["SESSION_COOKIE_NAME"]
    anon.set_cookie(name, forged)
    assert_sent_to_login(anon.get("/my-day"))
    anon.set_cookie(name, real)
    assert anon.get("/my-day").status_code == 200


def test_flashed_messages_show_once(app, world, manager_client):
    # A session holding more than strings (the flash list) is never remembered: pages must not replay it.
    new = "seven calm rivers under bridges"
    response = manager_client.form("/account/password", {"current_password": PASSWORD, "new_password": new,
                                                          "confirm": new})
    assert response.status_code == 303
    page = manager_client.get("/my-day").get_data(as_text=True)
    assert 'role="alert"' in page
    again = manager_client.get("/my-day").get_data(as_text=True)
    assert 'class="alert alert-' not in again
