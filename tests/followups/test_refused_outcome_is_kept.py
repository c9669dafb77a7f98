"""Found in the try-out: after a call the manager types a long outcome that mentions the customer's new mobile
number. The refusal is right, but the typed outcome is thrown away: the follow-up row (my day or the customer's
panel) and the appointment's forms (customer panel, calendar, my day) come back empty, although the appointment's
message even says "此处已将号码遮蔽，其余内容保留" (the number is masked here, the rest is kept). Expected, as on
every other form (README, Privacy): the text comes back as typed with the number masked."""

from __future__ import annotations

import pytest

from app.appointments.booking import BookingRequest, book
from app.core import clock
from app.core.extensions import db
from tests.customers.helpers import body
from tests.followups.conftest import MONDAY, TODAY, plan

TYPED = "客户说换了新号码13912345678，下周三上午再打过去确认理财到期安排"
KEPT = "下周三上午再打过去确认理财到期安排"


@pytest.mark.parametrize(("action", "field"), [("complete", "outcome"), ("cancel", "reason")])
@pytest.mark.parametrize("where", ["day", "panel"])
def test_a_refused_follow_up_outcome_comes_back_masked(monday, world, customer, manager_client, action, field, where):
    row = plan(customer, world.manager, due=TODAY)
    response = manager_client.hx("POST", f"/follow-ups/{row.id}/{action}",
                                 {field: TYPED, "version": str(row.version), "where": where})
    assert response.status_code == 422
    page = body(response)
    assert "13912345678" not in page
    assert KEPT in page and "139****5678" in page, "the typed text was thrown away"


def _meeting_just_over(world, customer, origin: str):
    """An appointment that ended a moment ago (it can be marked done) and the done form's values."""
    from datetime import timedelta

    clock.freeze(MONDAY - timedelta(hours=1))
    appointment = book(world.manager, customer, BookingRequest(
        mode="direct", starts=(MONDAY - timedelta(minutes=30),), minutes=30, place="branch", location=None,
        purpose="理财面谈"))[0]
    db.session.commit()
    clock.freeze(MONDAY)
    data = {"outcome": TYPED, "version": str(appointment.version)}
    if origin:
        data["from"] = origin
    return appointment, data


@pytest.mark.parametrize("origin", ["", "day", "calendar"])
def test_a_refused_appointment_outcome_comes_back_masked(world, customer, client_for, origin):
    appointment, data = _meeting_just_over(world, customer, origin)
    page = body(client_for(world.manager).hx("POST", f"/appointments/{appointment.id}/done", data))
    assert "13912345678" not in page
    assert KEPT in page, "the typed outcome was thrown away (the message says the rest is kept)"


@pytest.mark.parametrize("where", ["day", "panel"])
def test_without_javascript_a_refused_follow_up_outcome_comes_back_masked(monday, world, customer, manager_client,
                                                                          where):
    row = plan(customer, world.manager, due=TODAY)
    response = manager_client.form(f"/follow-ups/{row.id}/complete",
                                   {"outcome": TYPED, "version": str(row.version), "where": where})
    assert response.status_code == 422
    page = body(response)
    assert "<html" in page and "13912345678" not in page
    assert KEPT in page and "139****5678" in page, "the typed text was thrown away by a redirect"


@pytest.mark.parametrize("origin", ["", "day", "calendar"])
def test_without_javascript_a_refused_appointment_outcome_comes_back_masked(world, customer, client_for, origin):
    appointment, data = _meeting_just_over(world, customer, origin)
    response = client_for(world.manager).form(f"/appointments/{appointment.id}/done", data)
    page = body(response)
    assert response.status_code != 302 and "<html" in page and "13912345678" not in page
    assert KEPT in page, "the typed outcome was thrown away by a redirect"


def test_an_unknown_follow_up_action_is_not_found(monday, world, customer, manager_client):
    row = plan(customer, world.manager, due=TODAY)
    response = manager_client.hx("POST", f"/follow-ups/{row.id}/archive", {"version": str(row.version)})
    assert response.status_code == 404
