"""'Appointment booked' at the lobby books a real appointment: the specialist and one of their free times are
chosen in the walk-in form, the appointment is written through the one booking path in the walk-in's
transaction, and the walk-in links it. The clock stands at Wednesday 2 December 2026, 10:00 in Beijing."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import func, select

from app.appointments import booking
from app.core.extensions import db
from app.lobby import presence
from app.models import Appointment, AuditEvent, Referral, WalkIn
from tests.customers.helpers import body, field_errors, tr
from tests.lobby.conftest import submission_key

TOMORROW_9 = "2026-12-03T09:00"  # Thursday 09:00 Beijing = 01:00 UTC
TODAY_14 = "2026-12-02T14:00"  # Wednesday 14:00 Beijing = 06:00 UTC


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _key(lobby_client) -> str:
    return submission_key(body(lobby_client.hx("POST", "/lobby/lookup", {"mobile": "13812345678"})))


def _booking_form(lobby_client, customer, key: str, specialist_id: int, need: str = "loan"):
    return lobby_client.hx("POST", "/lobby/walk-ins/booking", {
        "submission_key": key, "customer_id": str(customer.id), "need": need, "specialist_id": str(specialist_id)})


def _book(lobby_client, customer, key: str, specialist_id: int, slot: str, need: str = "loan"):
    return lobby_client.hx("POST", "/lobby/walk-ins", {
        "submission_key": key, "customer_id": str(customer.id), "need": need, "specialist_id": str(specialist_id),
        "booking": "1", "slot": slot, "action": "booked"})


def _slot_options(html: str) -> list[str]:
    found = re.search(r'<select[^>]*name="slot"[^>]*>(.*?)</select>', html, re.S)
    return re.findall(r'value="([^"]+)"', found.group(1)) if found else []


def test_choosing_to_book_shows_the_specialists_free_times_and_keeps_the_form(lobby_client, customer, world):
    key = _key(lobby_client)
    html = body(_booking_form(lobby_client, customer, key, world.colleague.id))
    assert 'data-testid="walk-in-booking"' in html and "<html" not in html
    assert submission_key(html) == key  # the same form: its submit is still the one walk-in
    options = _slot_options(html)
    assert options[:3] == ["2026-12-02T10:00", "2026-12-02T10:30", "2026-12-02T11:00"]  # working hours, Beijing
    assert "2026-12-02T12:00" not in options and "2026-12-02T13:30" in options  # lunch is not offered
    # The colleague is busy at 10:30: picking them again leaves that time out.
    db.session.add(Appointment(branch_id=customer.branch_id, customer_id=customer.id, staff_id=world.colleague.id,
                               start_at=datetime(2026, 12, 2, 2, 30, tzinfo=UTC),
                               end_at=datetime(2026, 12, 2, 3, 0, tzinfo=UTC), purpose="x", status="confirmed",
                               booked_by_id=world.manager.id))
    db.session.commit()
    assert "2026-12-02T10:30" not in _slot_options(body(_booking_form(lobby_client, customer, key,
                                                                      world.colleague.id)))


def test_without_javascript_the_booking_form_is_a_page(lobby_client, customer, world):
    response = lobby_client.form("/lobby/walk-ins/booking", {"submission_key": "plain-key-0001",
                                                            "customer_id": str(customer.id), "need": "loan",
                                                            "specialist_id": str(world.colleague.id)})
    html = body(response)
    assert response.status_code == 200 and "<html" in html and 'data-testid="walk-in-slot"' in html
    assert 'formaction="/lobby/walk-ins/booking"' in html  # "show free times" re-posts the chosen specialist


def test_a_booked_walk_in_creates_one_confirmed_appointment_and_links_it(lobby_client, customer, world, client_for):
    key = _key(lobby_client)
    response = _book(lobby_client, customer, key, world.colleague.id, TODAY_14)
    html = body(response)
    assert response.status_code == 200, html
    appointment = db.session.scalars(select(Appointment)).one()
    walk_in = db.session.scalars(select(WalkIn)).one()
    assert (appointment.staff_id, appointment.customer_id, appointment.status, appointment.booked_by_id) == (
        world.colleague.id, customer.id, "confirmed", world.lobby.id)
    assert appointment.start_at == datetime(2026, 12, 2, 6, 0, tzinfo=UTC)
    assert appointment.end_at == datetime(2026, 12, 2, 6, 30, tzinfo=UTC)
    assert appointment.purpose == tr("Lobby booking: %(need)s", need=tr("Loan"))
    assert (walk_in.appointment_id, walk_in.outcome, walk_in.queue_status) == (appointment.id, "booked", "done")
    assert walk_in.referral_id is None and _count(Referral) == 0
    assert walk_in.handed_to_id == world.colleague.id  # the specialist it was booked with
    assert 'data-testid="walk-in-handed-to"' not in html  # no referral was sent
    # The queue's done row names the specialist it was booked with, not the officer who logged it.
    queue = body(lobby_client.get("/lobby/queue", headers={"HX-Request": "true"}))
    row = queue.split(f'id="walk-in-{walk_in.id}"')[1].split("</li>")[0]
    assert world.colleague.display_name in row and world.lobby.display_name not in row
    # The answer says what was booked: day, time, specialist.
    shown = html.split('data-testid="walk-in-appointment"')[1].split("</div>")[0]
    assert "14:00-14:30" in shown and world.colleague.display_name in shown and "12" in shown
    assert _count(AuditEvent, AuditEvent.action == "appointment_direct") == 1
    # The specialist's calendar and my day show it.
    colleague = client_for(world.colleague)
    assert "14:00-14:30" in body(colleague.get("/appointments/?view=day&day=2026-12-02"))
    assert "14:00" in body(colleague.get("/my-day/appointments"))


def test_a_time_taken_meanwhile_is_refused_at_the_slot_and_nothing_is_written(lobby_client, customer, world):
    key = _key(lobby_client)
    html = body(_booking_form(lobby_client, customer, key, world.colleague.id))
    assert TOMORROW_9 in _slot_options(html)
    # Someone else books the colleague at that time before the officer submits.
    db.session.add(Appointment(branch_id=customer.branch_id, customer_id=customer.id, staff_id=world.colleague.id,
                               start_at=datetime(2026, 12, 3, 1, 0, tzinfo=UTC),
                               end_at=datetime(2026, 12, 3, 1, 30, tzinfo=UTC), purpose="x", status="confirmed",
                               booked_by_id=world.manager.id))
    db.session.commit()
    audits = _count(AuditEvent)
    response = _book(lobby_client, customer, key, world.colleague.id, TOMORROW_9)
    assert response.status_code == 422
    assert tr(str(booking.TAKEN)) in field_errors(response, "walk-in-slot")
    assert _count(WalkIn) == 0 and _count(Appointment) == 1 and _count(AuditEvent) == audits
    assert submission_key(body(response)) == key and TOMORROW_9 not in _slot_options(body(response))


def test_a_double_submit_books_once(lobby_client, customer, world):
    key = _key(lobby_client)
    first = _book(lobby_client, customer, key, world.colleague.id, TOMORROW_9)
    second = _book(lobby_client, customer, key, world.colleague.id, TOMORROW_9)
    assert first.status_code == second.status_code == 200
    assert _count(WalkIn) == 1 and _count(Appointment) == 1
    assert 'data-testid="walk-in-appointment"' in body(second)


def test_a_time_outside_working_hours_or_unreadable_is_refused(lobby_client, customer, world):
    key = _key(lobby_client)
    for slot in ("2026-12-03T12:00", "2026-12-05T10:00", "2026-12-03T09:10", "tomorrow", ""):
        response = _book(lobby_client, customer, key, world.colleague.id, slot)
        assert response.status_code == 422, slot
        assert field_errors(response, "walk-in-slot"), slot
    assert _count(WalkIn) == 0 and _count(Appointment) == 0


def test_another_branchs_specialist_or_customer_is_refused(lobby_client, customer, foreign_customer, world):
    key = _key(lobby_client)
    response = _book(lobby_client, customer, key, world.other_manager.id, TOMORROW_9)
    assert response.status_code == 422
    assert field_errors(response, "walk-in-specialist")
    response = _book(lobby_client, foreign_customer, key, world.colleague.id, TOMORROW_9)
    assert response.status_code == 404
    assert _booking_form(lobby_client, foreign_customer, key, world.colleague.id).status_code == 404
    assert _count(WalkIn) == 0 and _count(Appointment) == 0


def test_an_away_specialist_is_refused_for_booking_and_hand_off(lobby_client, customer, world):
    presence.set_presence(world.colleague, world.colleague, False)
    db.session.commit()
    key = _key(lobby_client)
    response = _book(lobby_client, customer, key, world.colleague.id, TOMORROW_9)
    assert response.status_code == 422
    assert tr("This specialist is away today. Choose a colleague who is present.") in field_errors(
        response, "walk-in-specialist")
    response = lobby_client.hx("POST", "/lobby/walk-ins", {"submission_key": key, "customer_id": str(customer.id),
                                                           "need": "loan", "specialist_id": str(world.colleague.id),
                                                           "action": "handoff"})
    assert response.status_code == 422
    assert _count(WalkIn) == 0 and _count(Appointment) == 0 and _count(Referral) == 0


def test_a_new_visitor_is_handed_off_not_booked(lobby_client, world):
    key = submission_key(body(lobby_client.hx("GET", "/lobby/visitor")))
    response = lobby_client.hx("POST", "/lobby/walk-ins", {"submission_key": key, "visitor_name": "李先生",
                                                           "need": "wealth", "specialist_id": str(world.manager.id),
                                                           "booking": "1", "slot": TOMORROW_9, "action": "booked"})
    assert response.status_code == 422
    assert _count(WalkIn) == 0 and _count(Appointment) == 0


def test_the_booking_form_never_shows_another_branchs_or_an_away_specialists_times(lobby_client, customer, world):
    db.session.add(Appointment(branch_id=customer.branch_id, customer_id=customer.id, staff_id=world.manager.id,
                               start_at=datetime(2026, 12, 2, 2, 0, tzinfo=UTC),
                               end_at=datetime(2026, 12, 2, 2, 30, tzinfo=UTC), purpose="x", status="confirmed",
                               booked_by_id=world.manager.id))
    presence.set_presence(world.colleague, world.colleague, False)
    db.session.commit()
    key = _key(lobby_client)
    for asked in (world.other_manager.id, world.colleague.id):  # shown instead: the one present, the manager
        options = _slot_options(body(_booking_form(lobby_client, customer, key, asked)))
        assert options[0] == "2026-12-02T10:30"  # the manager's 10:00 is taken
