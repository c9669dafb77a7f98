"""Found in the try-out: a typed booking date far in the future (9999-12-31) or at the start of the calendar
(0001-01-01) must be refused at its field like any other bad time, and must never break the customer's panel."""

from __future__ import annotations

from tests.appointments.helpers import booking, statuses
from tests.customers.helpers import body


def test_a_booking_at_the_end_of_the_calendar_is_refused_and_the_panel_keeps_working(monday, manager_client, customer):
    response = manager_client.hx("POST", f"/appointments/customer/{customer.id}/book",
                                 booking(mode="direct", typed_date="9999-12-31", typed_time="23:59"))
    # Expected: a message at the time fields (as for a past time), nothing written.
    assert response.status_code in (200, 409, 422), f"the booking answered {response.status_code}"
    assert statuses() == [], "a booking in the year 9999 was saved"
    # And in any case the customer's appointment panel must still open.
    assert manager_client.get(f"/appointments/customer/{customer.id}").status_code == 200


def test_a_booking_at_the_start_of_the_calendar_is_refused_at_its_field(monday, manager_client, customer):
    response = manager_client.hx("POST", f"/appointments/customer/{customer.id}/book",
                                 booking(mode="direct", typed_date="0001-01-01", typed_time="00:00"))
    # Expected: the panel with "that time is past" (as for 2026-11-01), not the "not found" error page.
    assert response.status_code == 200, f"the booking answered {response.status_code}"
    assert 'data-testid="appointments-panel"' in body(response)
    assert statuses() == []


def _confirmed(world, customer):
    from datetime import timedelta

    from app.appointments.booking import BookingRequest, book
    from app.core.extensions import db
    from tests.appointments.conftest import MONDAY_8AM

    rows = book(world.manager, customer, BookingRequest(mode="direct", starts=(MONDAY_8AM + timedelta(hours=2),),
                                                        minutes=30, place="branch", location=None, purpose="贷款咨询"))
    db.session.commit()
    return rows[0]


def test_a_reschedule_to_the_start_of_the_calendar_is_refused_at_its_field(monday, world, customer, manager_client):
    appointment = _confirmed(world, customer)
    response = manager_client.hx("POST", f"/appointments/{appointment.id}/reschedule",
                                 {"version": str(appointment.version), "new_date": "0001-01-01", "new_time": "00:00"})
    # Expected: the panel with "that time is past" (as for 0001-01-01 10:00), not the "not found" error page.
    assert response.status_code == 200, f"the reschedule answered {response.status_code}"
    assert statuses() == ["confirmed"]


def test_a_reschedule_to_the_year_9999_is_refused(monday, world, customer, manager_client):
    appointment = _confirmed(world, customer)
    manager_client.hx("POST", f"/appointments/{appointment.id}/reschedule",
                      {"version": str(appointment.version), "new_date": "9999-12-31", "new_time": "23:45"})
    # Follow-ups refuse a date more than two years ahead; an appointment 8,000 years ahead is a typo too.
    assert statuses() == ["confirmed"], "the appointment was moved to the year 9999"
    assert manager_client.get(f"/appointments/customer/{customer.id}").status_code == 200
