"""Role × route matrix for every appointments.* endpoint (security.md A1, A2, A7). Callers: lobby, the
owning manager, a colleague of the branch, the branch supervisor, admin, a manager of the other branch."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.appointments import feed as feeds
from app.appointments.booking import BookingRequest, book
from app.core import clock
from app.core.extensions import db
from app.models import Appointment, AuditEvent
from tests.appointments.conftest import MONDAY_8AM
from tests.matrix import CALLERS, assert_every_route_has_a_row, case_ids, cases, check_cell, user_of


def _aid(kind: str):
    return lambda ctx: {"appointment_id": ctx[kind].id}


def _cid(ctx) -> dict:
    return {"customer_id": ctx["customer"].id}


def _staff(ctx) -> dict:
    return {"staff": ctx["world"].manager.id, "day": "2026-12-07"}


def _none(ctx) -> dict:
    return {}


def _token(ctx) -> dict:
    return {"token": ctx["token"]}


EXPECTED = {
    #                                              lobby mgr coll sup admin other
    ("appointments.panel", "GET"):               ((403, 200, 200, 200, 200, 404), _cid, None),
    ("appointments.book_for", "POST"):           ((403, 303, 403, 303, 403, 404), _cid, lambda: {
        "slots": ["2026-12-08T10:00"], "mode": "direct", "minutes": "30", "place": "branch",
        "purpose": "面谈"}),
    ("appointments.choose", "POST"):             ((403, 303, 403, 303, 403, 404), _aid("held"), None),
    ("appointments.confirm", "POST"):            ((403, 303, 403, 303, 403, 404), _aid("proposed"), None),
    ("appointments.cancel", "POST"):             ((403, 303, 403, 303, 403, 404), _aid("confirmed"),
                                                  lambda: {"reason": "客户出差"}),
    ("appointments.no_show", "POST"):            ((403, 303, 403, 303, 403, 404), _aid("past"), None),
    ("appointments.done", "POST"):               ((403, 303, 403, 303, 403, 404), _aid("past"),
                                                  lambda: {"outcome": "已面谈"}),
    ("appointments.reschedule", "POST"):         ((403, 303, 403, 303, 403, 404), _aid("confirmed"),
                                                  lambda: {"new_date": "2026-12-09", "new_time": "11:00"}),
    # A calendar event's action forms: who may act on it (a colleague may not, another branch never sees it).
    ("appointments.event_actions", "GET"):       ((403, 200, 403, 200, 403, 404), _aid("confirmed"), None),
    ("appointments.download_ics", "GET"):        ((403, 200, 200, 200, 200, 404), _aid("confirmed"), None),
    # The manager's week: their own, their supervisor's pick; a colleague may not, another branch never sees it.
    ("appointments.calendar", "GET"):            ((403, 200, 403, 200, 403, 404), _staff, None),
    # Each caller's own subscription (lobby and admin hold no appointments).
    ("appointments.feed_settings", "GET"):       ((403, 200, 200, 200, 403, 200), _none, None),
    ("appointments.create_feed", "POST"):        ((403, 200, 200, 200, 403, 200), _none, None),
    ("appointments.revoke_feed", "POST"):        ((403, 200, 200, 200, 403, 200), _none, None),
    # The token is the credential: whoever holds it reads the manager's feed, signed in or not.
    ("appointments.feed", "GET"):                ((200, 200, 200, 200, 200, 200), _token, None),
}


def test_every_route_has_a_row(app):
    assert_every_route_has_a_row(app, "appointments", EXPECTED)


@pytest.fixture
def ctx(world, customer):
    clock.freeze(MONDAY_8AM - timedelta(days=1))
    def one(mode, hours):
        rows = book(world.manager, customer, BookingRequest(mode=mode, starts=(MONDAY_8AM + timedelta(hours=hours),),
                                                            minutes=30, place="branch", location=None, purpose="面谈"))
        return rows[0]
    past, confirmed, proposed = one("direct", 1), one("direct", 28), one("propose", 29)
    held = book(world.manager, customer, BookingRequest(mode="offer", starts=(
        MONDAY_8AM + timedelta(hours=30), MONDAY_8AM + timedelta(hours=31)), minutes=30, place="phone",
        location=None, purpose="电话沟通"))[0]
    token = feeds.create_feed(world.manager)
    db.session.commit()
    clock.freeze(MONDAY_8AM + timedelta(hours=2))  # `past` has started
    return {"world": world, "customer": customer, "past": past, "confirmed": confirmed, "proposed": proposed,
            "held": held, "token": token}


def _snapshot():
    db.session.expire_all()
    return (db.session.execute(select(Appointment.id, Appointment.status, Appointment.version)
                               .order_by(Appointment.id)).all(), db.session.scalars(select(AuditEvent.id)).all())


@pytest.mark.parametrize(("endpoint", "method", "caller"), cases(EXPECTED), ids=case_ids(EXPECTED))
def test_role_route_matrix(app, world, ctx, client_for, endpoint, method, caller):
    statuses, url_args, data = EXPECTED[(endpoint, method)]
    client = client_for(user_of(world, caller))
    if method == "POST":
        client.csrf_token(client._token_page)
    # A refused request may still write its audit row; the appointments themselves must not change.
    check_cell(app, client, endpoint, method, statuses[CALLERS.index(caller)], url_args(ctx),
               data() if data else {}, lambda: _snapshot()[0])
