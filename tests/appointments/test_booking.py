"""Booking as the seeds teach it: two offered times held, one chosen and confirmed, the other released;
booking directly; overlaps refused (held times included) with a clear message and nothing written."""

from __future__ import annotations

from sqlalchemy import event

from app.core.extensions import db
from app.models import AuditEvent
from tests.appointments.helpers import appointments, booking, statuses
from tests.customers.helpers import body, count, tr

TAKEN = "This time is no longer free. Please choose another time."


def test_the_panel_shows_the_four_steps_and_free_slots(monday, manager_client, customer):
    page = body(manager_client.get(f"/appointments/customer/{customer.id}"))
    assert tr("Offer two concrete times, and confirm the chosen one again before the call ends.") in page
    assert 'value="2026-12-07T09:00"' in page and 'value="2026-12-07T11:30"' in page
    assert 'value="2026-12-07T12:00"' not in page  # lunch is not working time
    assert "138****5678" in page


def test_offer_two_holds_both_and_choosing_one_releases_the_other(monday, manager_client, customer):
    response = manager_client.form(f"/appointments/customer/{customer.id}/book",
                                   booking("2026-12-07T10:00", "2026-12-08T14:00"))
    assert response.status_code == 303
    first, second = appointments()
    assert (first.status, second.status) == ("held", "held") and first.offer_id == second.offer_id
    page = body(manager_client.get(f"/appointments/customer/{customer.id}"))
    assert 'value="2026-12-07T10:00"' not in page  # a held time is not free
    assert "1) 12月7日（周一）10:00" in page and "2) 12月8日（周二）14:00" in page

    response = manager_client.hx("POST", f"/appointments/{second.id}/choose")
    assert response.status_code == 200
    assert statuses() == ["released", "confirmed"]
    page = body(response)
    assert 'value="2026-12-07T10:00"' in page  # free again
    assert "已为您确认约见" in page
    assert count(AuditEvent, AuditEvent.action == "appointment_choose") == 1


def test_the_answer_to_an_offer_shows_the_held_times_and_the_message_and_books_again_on_request(
        monday, manager_client, customer):
    response = manager_client.hx("POST", f"/appointments/customer/{customer.id}/book",
                                 booking("2026-12-07T10:00", "2026-12-08T14:00"))
    assert response.status_code == 200
    page = body(response)
    assert page.count('data-testid="appointment-row"') == 2 and 'data-status="held"' in page
    assert "1) 12月7日（周一）10:00" in page and tr("Both times are held until the customer chooses.") in page
    assert 'data-testid="booking-form"' not in page  # the task now is the message, not another booking
    again = body(manager_client.hx("GET", f"/appointments/customer/{customer.id}?minutes=30"))
    assert 'data-testid="booking-form"' in again and 'value="2026-12-07T10:00"' not in again  # held: not free
    assert f'href="/appointments/customer/{customer.id}?minutes=30"' in page


def test_the_answer_is_read_in_the_bookings_own_transaction(monday, manager_client, customer):
    """One connection for the whole booking: reading the panel after the commit took a second one (on
    PostgreSQL a ping, a BEGIN and a ROLLBACK more); the answer still shows the rows just written."""
    manager_client.hx("GET", f"/appointments/customer/{customer.id}")  # warm: the CSRF token's page
    db.session.rollback()  # the test's own session hands its connection back
    checkouts: list[object] = []

    def checked_out(*args) -> None:
        checkouts.append(args)

    event.listen(db.engine.pool, "checkout", checked_out)
    try:
        response = manager_client.hx("POST", f"/appointments/customer/{customer.id}/book",
                                     booking("2026-12-07T10:00", "2026-12-08T14:00"))
    finally:
        event.remove(db.engine.pool, "checkout", checked_out)
    assert response.status_code == 200 and body(response).count('data-testid="appointment-row"') == 2
    assert len(checkouts) == 1
    db.session.rollback()
    assert statuses() == ["held", "held"]


def test_book_directly_confirms_one(monday, manager_client, customer):
    response = manager_client.form(f"/appointments/customer/{customer.id}/book",
                                   booking("2026-12-07T09:30", mode="direct"))
    assert response.status_code == 303
    assert statuses() == ["confirmed"]
    assert appointments()[0].booked_by_id == appointments()[0].staff_id


def test_offer_needs_exactly_two_times(monday, manager_client, customer):
    response = manager_client.hx("POST", f"/appointments/customer/{customer.id}/book", booking("2026-12-07T09:30"))
    assert response.status_code == 200 and tr("Choose exactly two times to offer.") in body(response)
    assert statuses() == []


def test_a_typed_time_counts_as_a_choice(monday, manager_client, customer):
    response = manager_client.form(f"/appointments/customer/{customer.id}/book",
                                   booking("2026-12-07T09:30", typed_date="2026-12-09", typed_time="18:30"))
    assert response.status_code == 303
    assert [a.start_at.hour for a in appointments()] == [1, 10]  # 09:30 and 18:30 Shanghai


def test_overlap_with_a_held_time_is_refused_and_nothing_is_written(monday, manager_client, customer, make_customer, world):
    manager_client.form(f"/appointments/customer/{customer.id}/book", booking("2026-12-07T10:00", "2026-12-07T14:00"))
    other = make_customer(world.manager, name="李四")
    response = manager_client.form(f"/appointments/customer/{other.id}/book",
                                   booking("2026-12-07T13:00", "2026-12-07T14:00"))
    assert response.status_code == 409 and tr(TAKEN) in body(response)
    assert statuses() == ["held", "held"]  # the free 13:00 of the refused offer was not written either
    response = manager_client.form(f"/appointments/customer/{other.id}/book",
                                   booking("2026-12-07T10:00", "2026-12-07T16:00"))  # the first of the two taken
    assert response.status_code == 409 and statuses() == ["held", "held"]
    response = manager_client.hx("POST", f"/appointments/customer/{other.id}/book",
                                 booking("2026-12-07T10:00", mode="direct", minutes="60"))
    assert response.status_code == 409 and body(response).count(tr(TAKEN)) == 1  # said once, where the times are
    assert "data-swap-errors" in body(response)
    # 60 minutes from 09:30 runs into the held 10:00
    response = manager_client.form(f"/appointments/customer/{other.id}/book",
                                   booking(mode="direct", minutes="60", typed_date="2026-12-07", typed_time="09:30"))
    assert response.status_code == 409
    assert len(appointments()) == 2
    db.session.rollback()


def test_a_released_or_cancelled_time_can_be_booked_again(monday, manager_client, customer):
    manager_client.form(f"/appointments/customer/{customer.id}/book", booking("2026-12-07T10:00", "2026-12-07T14:00"))
    first, second = appointments()
    manager_client.form(f"/appointments/{second.id}/choose")
    response = manager_client.form(f"/appointments/customer/{customer.id}/book",
                                   booking("2026-12-07T10:00", mode="direct"))
    assert response.status_code == 303
    assert statuses() == ["released", "confirmed", "confirmed"]


def test_a_time_in_the_past_is_refused(monday, manager_client, customer):
    response = manager_client.hx("POST", f"/appointments/customer/{customer.id}/book",
                                 booking(mode="direct", typed_date="2026-12-06", typed_time="10:00"))
    assert tr("The time has already passed.") in body(response)
    assert statuses() == []


def test_demo_data_has_every_status_and_no_double_booking(app):
    from sqlalchemy import select

    from app.core.demo import build_demo
    from app.models import Appointment, AppointmentStatus

    build_demo(customers_per_branch=12)
    db.session.commit()
    rows = db.session.scalars(select(Appointment)).all()
    assert {a.status for a in rows} == {s.value for s in AppointmentStatus}
    blocking = [a for a in rows if a.status in ("proposed", "held", "confirmed")]
    for a in blocking:
        assert not any(b.id != a.id and b.staff_id == a.staff_id and b.start_at < a.end_at and b.end_at > a.start_at
                       for b in blocking)
