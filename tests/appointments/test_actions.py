"""Actions on an appointment: the transitions table, who may act (policies without HTTP, then routes),
htmx rows, CSRF, reschedule history, .ics parsed back, time zones and masking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from app.appointments import actions, transitions
from app.appointments.booking import BookingRequest, book
from app.core import clock, policies
from app.core.extensions import db
from app.core.refusals import InvalidInput
from app.models import Appointment
from tests.appointments.conftest import MONDAY_8AM
from tests.appointments.helpers import appointments, booking, statuses
from tests.customers.helpers import body, tr


def _direct(world, customer, start=MONDAY_8AM + timedelta(hours=2), mode="direct") -> Appointment:
    rows = book(world.manager, customer, BookingRequest(mode=mode, starts=(start,), minutes=30, place="branch",
                                                        location=None, purpose="贷款咨询"))
    db.session.commit()
    return rows[0]


# ---------------------------------------------------------------- the table and the policies, without HTTP


def test_the_transitions_table():
    assert transitions.TRANSITIONS["choose"] == (frozenset({"held"}), "confirmed")
    assert transitions.TRANSITIONS["done"][0] == frozenset({"confirmed"})
    row = Appointment(status="held")
    assert transitions.actions_for(row) == ["choose", "cancel"]
    row.status = "done"
    assert transitions.actions_for(row) == []
    with pytest.raises(InvalidInput):
        transitions.apply(row, "cancel")


def test_who_may_act(monday, world, customer, make_user):
    appointment = _direct(world, customer)
    assert policies.can_act_on_appointment(world.manager, appointment)  # staff member and owner
    assert policies.can_act_on_appointment(world.supervisor, appointment)
    assert not policies.can_act_on_appointment(world.colleague, appointment)
    assert not policies.can_act_on_appointment(world.admin, appointment)
    assert not policies.can_act_on_appointment(world.lobby, appointment)
    assert not policies.can_act_on_appointment(world.other_supervisor, appointment)
    # The staff member who is not the owner (a supervisor booked for a colleague's calendar) may act too.
    appointment.staff_id = world.colleague.id
    assert policies.can_act_on_appointment(world.colleague, appointment)
    assert policies.can_book_appointment(world.manager, customer)
    assert policies.can_book_appointment(world.supervisor, customer)
    assert not policies.can_book_appointment(world.colleague, customer)
    assert not policies.can_book_appointment(world.admin, customer)
    assert not policies.can_book_appointment(world.other_manager, customer)


def test_done_and_no_show_only_after_the_start(monday, world, customer):
    appointment = _direct(world, customer)
    with pytest.raises(InvalidInput):
        actions.mark_done(world.manager, appointment, "谈妥", None)
    db.session.rollback()
    clock.freeze(appointment.start_at + timedelta(minutes=40))
    actions.mark_done(world.manager, appointment, "客户同意购买理财", "下周送合同")
    db.session.commit()
    assert (appointment.status, appointment.next_step) == ("done", "下周送合同")


# ---------------------------------------------------------------- routes


@pytest.mark.parametrize(("who", "wanted"), [("manager", 200), ("supervisor", 200), ("colleague", 403),
                                             ("admin", 403), ("other_manager", 404)])
def test_cancel_per_role(monday, world, customer, client_for, who, wanted):
    appointment = _direct(world, customer)
    client = client_for(getattr(world, who))
    response = client.hx("POST", f"/appointments/{appointment.id}/cancel", {"reason": "客户出差"})
    assert response.status_code == wanted
    assert statuses() == (["cancelled"] if wanted == 200 else ["confirmed"])
    if wanted == 200:
        assert f'id="appointment-{appointment.id}"' in body(response)  # the row replaces itself
        assert appointments()[0].cancel_reason == "客户出差"


def test_a_cancel_reason_with_a_mobile_is_refused(monday, world, customer, manager_client):
    appointment = _direct(world, customer)
    manager_client.hx("POST", f"/appointments/{appointment.id}/cancel", {"reason": "改约13912345678"})
    assert statuses() == ["confirmed"]


def test_actions_need_the_csrf_token(monday, world, customer, manager_client):
    appointment = _direct(world, customer)
    manager_client.csrf_token(manager_client._token_page)
    response = manager_client.post(f"/appointments/{appointment.id}/cancel", data={"reason": "x"},
                                   headers={"HX-Request": "true"})
    assert response.status_code == 400
    response = manager_client.post(f"/appointments/customer/{customer.id}/book",
                                   data=booking("2026-12-07T10:00", mode="direct"))
    assert response.status_code == 400
    assert statuses() == ["confirmed"]


def test_confirm_a_proposed_time_without_javascript(monday, world, customer, manager_client):
    appointment = _direct(world, customer, mode="propose")
    response = manager_client.form(f"/appointments/{appointment.id}/confirm")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/appointments/customer/{customer.id}")
    assert statuses() == ["confirmed"]


def test_reschedule_keeps_history_and_frees_the_old_time(monday, world, customer, manager_client):
    appointment = _direct(world, customer)
    response = manager_client.hx("POST", f"/appointments/{appointment.id}/reschedule",
                                 {"new_date": "2026-12-08", "new_time": "15:00"})
    assert response.status_code == 200
    old, new = appointments()
    assert (old.status, new.status, old.successor_id) == ("rescheduled", "confirmed", new.id)
    assert new.start_at == datetime(2026, 12, 8, 7, 0, tzinfo=UTC)
    assert 'value="2026-12-07T10:00"' in body(response)
    # moving onto a taken time is refused, nothing changes
    other = _direct(world, customer, start=datetime(2026, 12, 9, 2, 0, tzinfo=UTC))
    response = manager_client.hx("POST", f"/appointments/{other.id}/reschedule",
                                 {"new_date": "2026-12-08", "new_time": "15:15"})
    assert tr("This time is no longer free. Please choose another time.") in body(response)
    assert statuses() == ["rescheduled", "confirmed", "confirmed"]


def test_no_show_and_done_from_the_row(monday, world, customer, client_for):
    first = _direct(world, customer)
    second = _direct(world, customer, start=MONDAY_8AM + timedelta(hours=3))
    clock.freeze(MONDAY_8AM + timedelta(hours=5))
    manager_client = client_for(world.manager)  # signed in after the clock moved (sessions idle out)
    assert manager_client.hx("POST", f"/appointments/{first.id}/no-show").status_code == 200
    response = manager_client.hx("POST", f"/appointments/{second.id}/done",
                                 {"outcome": "已办卡", "next_step": "三天后回访"})
    assert "三天后回访" in body(response)
    assert statuses() == ["no_show", "done"]


def test_events_show_on_the_customer_timeline(monday, world, customer, manager_client):
    appointment = _direct(world, customer)
    manager_client.hx("POST", f"/appointments/{appointment.id}/cancel", {"reason": "客户出差"})
    page = body(manager_client.get(f"/customers/{customer.id}"))
    assert tr("Appointment booked") in page and tr("Appointment cancelled") in page
    assert "2026-12-07 10:00" in page
    assert f"/appointments/customer/{customer.id}" in page  # the panel loads from the customer page


# ---------------------------------------------------------------- time zones, .ics, masking


def test_a_booking_at_0015_on_1_january_shows_on_1_january(world, customer, client_for):
    clock.freeze(datetime(2026, 12, 20, tzinfo=UTC))
    start = datetime(2026, 12, 31, 16, 15, tzinfo=UTC)  # 2027-01-01 00:15 Asia/Shanghai
    appointment = _direct(world, customer, start=start)
    page = body(client_for(world.manager).get(f"/appointments/customer/{customer.id}"))
    assert "1月1日（周五）00:15" in page
    assert appointment.start_at == start


def test_ics_parses_back(monday, world, customer, manager_client):
    appointment = _direct(world, customer)
    response = manager_client.get(f"/appointments/{appointment.id}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    event = next(iter(calendar.walk("VEVENT")))
    assert str(event["uid"]) == f"appointment-{appointment.id}@yinjian"
    assert event.decoded("dtstart") == appointment.start_at and event.decoded("dtend") == appointment.end_at
    assert event["dtstart"].to_ical().endswith(b"Z")
    text = response.data.decode()
    assert "贷款咨询" in str(event["summary"]) and "张" in str(event["summary"])
    assert "13812345678" not in text and "张三" not in text and "138****5678" in text
    again = Calendar.from_ical(manager_client.get(f"/appointments/{appointment.id}.ics").data)
    assert str(next(iter(again.walk("VEVENT")))["uid"]) == str(event["uid"])  # stable


def test_messages_name_surname_and_title_and_never_a_number(monday, world, make_customer, manager_client):
    woman = make_customer(world.manager, name="欧阳娜", mobile="13812345678", id_number="11010519491231002X")
    manager_client.form(f"/appointments/customer/{woman.id}/book", booking("2026-12-07T10:00", "2026-12-07T14:00"))
    page = body(manager_client.get(f"/appointments/customer/{woman.id}"))
    assert "欧阳女士您好，我是城东支行的客户经理" in page
    assert "13812345678" not in page
    unknown = make_customer(world.manager, name="王五")
    manager_client.form(f"/appointments/customer/{unknown.id}/book", booking("2026-12-08T10:00", mode="direct"))
    page = body(manager_client.get(f"/appointments/customer/{unknown.id}"))
    assert "您好，已为您确认约见" in page and "王先生" not in page
