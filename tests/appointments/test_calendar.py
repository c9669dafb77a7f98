"""The calendar at /appointments: week (Monday first) and day views in Asia/Shanghai, navigation without full
reloads, the team view's scope, every action from the calendar (version check, overlap refused), masking,
and a fixed number of SQL statements for the week."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from app.appointments.booking import TAKEN, BookingRequest, book
from app.appointments.calendar import calendar_rows
from app.core import clock, policies
from app.core.extensions import db
from app.models import Appointment
from tests.appointments.conftest import MONDAY_8AM
from tests.appointments.helpers import appointments
from tests.customers.helpers import body, tr

HX = {"HX-Request": "true"}


def _book(actor, customer, start, mode="direct", minutes=30, purpose="理财方案面谈") -> list[Appointment]:
    starts = start if isinstance(start, tuple) else (start,)
    rows = book(actor, customer, BookingRequest(mode=mode, starts=starts, minutes=minutes, place="branch",
                                                location=None, purpose=purpose))
    db.session.commit()
    return rows


def _days(page: str) -> list[str]:
    return re.findall(r'data-testid="calendar-day" data-day="([0-9-]+)"', page)


def _day_section(page: str, day: str) -> str:
    start = page.index(f'data-day="{day}"')
    following = page.find('data-testid="calendar-day"', start + 10)
    return page[start:following if following != -1 else len(page)]


def _calendar_form(event_id: int, version: int, **fields) -> dict:
    return {"from": "calendar", "view": "week", "day": "2026-12-07", "version": str(version), **fields}


def test_the_css_grid_spans_the_heading_and_every_band():
    # app.css spans each day over 18 grid rows: the heading plus these bands (before, 6 + 8 slots, break, after).
    assert len(calendar_rows()) == 17


# ---------------------------------------------------------------- days and weeks in Asia/Shanghai


def test_a_booking_at_0015_on_1_january_shows_on_1_january(world, customer, client_for):
    clock.freeze(datetime(2026, 12, 20, tzinfo=UTC))
    _book(world.manager, customer, datetime(2026, 12, 31, 16, 15, tzinfo=UTC))  # 2027-01-01 00:15 CST
    manager_client = client_for(world.manager)
    page = body(manager_client.get("/appointments/?day=2027-01-01"))
    assert _days(page) == [f"2026-12-{d}" for d in (28, 29, 30, 31)] + ["2027-01-01", "2027-01-02", "2027-01-03"]
    assert "00:15-00:45" in _day_section(page, "2027-01-01")
    assert 'data-testid="calendar-event"' not in _day_section(page, "2026-12-31")
    day = body(manager_client.get("/appointments/?view=day&day=2027-01-01"))
    assert _days(day) == ["2027-01-01"] and "00:15-00:45" in day and "张三" in day


def test_the_default_is_this_week_monday_first(world, customer, client_for):
    clock.freeze(datetime(2026, 12, 13, 15, 30, tzinfo=UTC))  # Sunday 23:30 in Shanghai (Sunday UTC too)
    page = body(client_for(world.manager).get("/appointments/"))
    assert _days(page)[0] == "2026-12-07" and _days(page)[-1] == "2026-12-13"
    assert "<html" in page and 'data-testid="calendar-feed-opener"' in page
    clock.freeze(datetime(2026, 12, 13, 16, 30, tzinfo=UTC))  # Monday 00:30 in Shanghai, still Sunday in UTC
    assert _days(body(client_for(world.manager).get("/appointments/")))[0] == "2026-12-14"


def test_appointments_are_placed_by_time_with_name_place_purpose_and_status(monday, world, customer,
                                                                            manager_client):
    _book(world.manager, customer, MONDAY_8AM + timedelta(hours=2), minutes=60, purpose="贷款咨询")  # 10:00
    _book(world.manager, customer, MONDAY_8AM + timedelta(hours=12), mode="propose")  # 20:00, after hours
    page = body(manager_client.get("/appointments/"))
    monday_column = _day_section(page, "2026-12-07")
    cells = re.findall(r'<div class="cal-cell[^"]*">(.*?)</div>\s*(?=<div class="cal-cell|</section>)', monday_column,
                       re.S)
    assert len(cells) == len(calendar_rows())
    busy = [i for i, cell in enumerate(cells) if "calendar-event" in cell]
    rows = calendar_rows()
    assert [rows[i].label for i in busy] == ["10:00", tr("From %(time)s", time="17:30")]
    assert "10:00-11:00" in monday_column and "张三" in monday_column and "贷款咨询" in monday_column
    assert tr("At the branch") in monday_column
    assert tr("Confirmed") in monday_column and tr("Proposed") in monday_column


def test_navigation_swaps_the_body_and_links_work_without_javascript(monday, world, customer, manager_client):
    page = body(manager_client.get("/appointments/"))
    assert 'hx-get="/appointments/?view=week&amp;day=2026-11-30"' in page
    assert 'href="/appointments/?view=week&amp;day=2026-12-14"' in page
    assert 'hx-push-url="true"' in page and 'hx-target="#calendar-body"' in page
    fragment = manager_client.get("/appointments/?view=week&day=2026-11-30", headers=HX)
    assert fragment.status_code == 200 and "<html" not in body(fragment)
    assert body(fragment).lstrip().startswith('<div id="calendar-body"')
    assert _days(body(fragment))[0] == "2026-11-30"
    assert "HX-Request" in fragment.headers["Vary"]
    day = manager_client.get("/appointments/?view=day&day=2026-12-09", headers=HX)
    assert _days(body(day)) == ["2026-12-09"]
    assert 'day=2026-12-08' in body(day) and 'day=2026-12-10' in body(day)  # previous and next day
    for nonsense in ("2026-13-45", "x", "1900-01-01"):  # a bad day falls back to today, never a 500
        assert _days(body(manager_client.get(f"/appointments/?day={nonsense}")))[0] == "2026-12-07"
    assert _days(body(manager_client.get("/appointments/?view=month")))[0] == "2026-12-07"


def test_superseded_times_are_not_shown(monday, world, customer, manager_client):
    first, second = _book(world.manager, customer, (MONDAY_8AM + timedelta(hours=2), MONDAY_8AM + timedelta(hours=6)),
                          mode="offer")
    page = body(manager_client.get("/appointments/"))
    assert page.count('data-status="held"') == 2
    first.status = "released"
    db.session.commit()
    page = body(manager_client.get("/appointments/"))
    assert page.count('data-testid="calendar-event"') == 1


# ---------------------------------------------------------------- whose calendar


def test_team_view_for_the_supervisor_own_branch_only(monday, world, customer, make_customer, client_for):
    colleague_customer = make_customer(world.colleague, name="李四")
    foreign = make_customer(world.other_manager, name="王五")
    _book(world.manager, customer, MONDAY_8AM + timedelta(hours=2))
    _book(world.colleague, colleague_customer, MONDAY_8AM + timedelta(hours=3))
    _book(world.other_manager, foreign, MONDAY_8AM + timedelta(hours=2))
    supervisor = client_for(world.supervisor)
    team = body(supervisor.get("/appointments/"))
    assert "张三" in team and "李四" in team and "王五" not in team
    assert tr("With %(name)s", name=world.colleague.display_name) in team
    assert 'data-testid="calendar-staff-picker"' in team
    assert f'<option value="{world.other_manager.id}"' not in team
    one = body(supervisor.get(f"/appointments/?staff={world.colleague.id}"))
    assert "李四" in one and "张三" not in one
    assert supervisor.get(f"/appointments/?staff={world.other_manager.id}").status_code == 404
    assert supervisor.get(f"/appointments/?staff={world.other_manager.id}", headers=HX).status_code == 404
    assert supervisor.get("/appointments/?staff=999999").status_code == 404
    assert supervisor.get("/appointments/?staff=abc").status_code == 404
    assert supervisor.get(f"/appointments/?staff={world.lobby.id}").status_code == 403  # no calendar of theirs
    assert client_for(world.other_supervisor).get(f"/appointments/?staff={world.manager.id}").status_code == 404


def test_the_calendar_policies_without_http(world):
    assert policies.can_view_calendar(world.manager) and policies.can_view_calendar(world.supervisor)
    assert not policies.can_view_calendar(world.lobby) and not policies.can_view_calendar(world.admin)
    assert policies.can_view_team_calendar(world.supervisor) and not policies.can_view_team_calendar(world.manager)
    assert policies.can_view_staff_calendar(world.manager, world.manager)
    assert not policies.can_view_staff_calendar(world.manager, world.colleague)
    assert policies.can_view_staff_calendar(world.supervisor, world.colleague)
    assert not policies.can_view_staff_calendar(world.supervisor, world.lobby)
    assert not policies.can_view_staff_calendar(world.supervisor, world.other_manager)
    assert not policies.can_view_staff_calendar(world.other_supervisor, world.manager)
    assert policies.can_subscribe_calendar(world.manager) and not policies.can_subscribe_calendar(world.admin)


def test_managers_see_only_their_own_calendar(monday, world, customer, client_for):
    _book(world.manager, customer, MONDAY_8AM + timedelta(hours=2))
    colleague = client_for(world.colleague)
    assert "张三" not in body(colleague.get("/appointments/"))
    assert colleague.get("/appointments/?staff=team").status_code == 403
    assert colleague.get(f"/appointments/?staff={world.manager.id}").status_code == 403
    assert colleague.get(f"/appointments/?staff={world.colleague.id}").status_code == 200
    assert 'data-testid="calendar-staff-picker"' not in body(colleague.get("/appointments/"))
    assert client_for(world.other_manager).get(f"/appointments/?staff={world.manager.id}").status_code == 404
    assert client_for(world.lobby).get("/appointments/").status_code == 403
    assert client_for(world.admin).get("/appointments/").status_code == 403


def test_a_customer_the_viewer_does_not_work_is_masked(monday, world, customer, client_for):
    appointment = _book(world.manager, customer, MONDAY_8AM + timedelta(hours=2))[0]
    appointment.staff_id = world.colleague.id  # in the colleague's calendar, the manager's customer
    db.session.commit()
    page = body(client_for(world.colleague).get("/appointments/"))
    assert 'data-testid="calendar-event"' in page and "张三" not in page and "张*" in page


def test_the_week_is_a_fixed_number_of_statements(monday, world, customer, make_customer, client_for, queries):
    supervisor = client_for(world.supervisor)
    _book(world.manager, customer, MONDAY_8AM + timedelta(hours=2))
    supervisor.get("/appointments/")  # warm the per-process caches (labels, reference data)
    with queries() as few:
        assert supervisor.get("/appointments/").status_code == 200
    for i in range(12):
        other = make_customer(world.colleague if i % 2 else world.manager)
        _book(other.owner, other, MONDAY_8AM + timedelta(days=i % 5, hours=4 + i // 5))
    with queries() as many:
        page = body(supervisor.get("/appointments/"))
    assert page.count('data-testid="calendar-event"') == 13
    assert len(many) == len(few), many
    manager = client_for(world.manager)
    with queries() as own:
        assert body(manager.get("/appointments/")).count('data-testid="calendar-event"') == 7
    assert len(own) <= len(few)


# ---------------------------------------------------------------- acting from the calendar


def test_confirm_and_choose_from_the_calendar(monday, world, customer, manager_client):
    proposed = _book(world.manager, customer, MONDAY_8AM + timedelta(hours=2), mode="propose")[0]
    first, second = _book(world.manager, customer, (MONDAY_8AM + timedelta(hours=3), MONDAY_8AM + timedelta(hours=6)),
                          mode="offer")
    response = manager_client.hx("POST", f"/appointments/{proposed.id}/confirm",
                                 _calendar_form(proposed.id, proposed.version))
    assert response.status_code == 200 and "<html" not in body(response)
    assert body(response).lstrip().startswith('<div id="calendar-body"') and tr("Saved.") in body(response)
    response = manager_client.hx("POST", f"/appointments/{second.id}/choose", _calendar_form(second.id, second.version))
    page = body(response)
    assert [a.status for a in appointments()] == ["confirmed", "released", "confirmed"]
    assert page.count('data-testid="calendar-event"') == 2 and 'data-status="held"' not in page


def test_cancel_no_show_and_done_from_the_calendar(monday, world, customer, client_for):
    later = _book(world.manager, customer, MONDAY_8AM + timedelta(hours=30))[0]
    past = _book(world.manager, customer, MONDAY_8AM + timedelta(hours=1))[0]
    other = _book(world.manager, customer, MONDAY_8AM + timedelta(hours=1, minutes=30))[0]
    clock.freeze(MONDAY_8AM + timedelta(hours=3))
    manager_client = client_for(world.manager)
    response = manager_client.hx("POST", f"/appointments/{later.id}/cancel",
                                 _calendar_form(later.id, later.version, reason="客户出差"))
    assert response.status_code == 200 and "客户出差" in body(response)
    manager_client.hx("POST", f"/appointments/{other.id}/no-show", _calendar_form(other.id, other.version))
    response = manager_client.hx("POST", f"/appointments/{past.id}/done", _calendar_form(
        past.id, past.version, outcome="客户同意购买理财", next_step="周五送合同"))
    assert "客户同意购买理财" in body(response) and "周五送合同" in body(response)
    db.session.expire_all()
    assert (later.status, later.cancel_reason) == ("cancelled", "客户出差")
    assert (other.status, past.status, past.next_step) == ("no_show", "done", "周五送合同")


def test_reschedule_from_the_calendar_and_an_overlap_is_refused(monday, world, customer, manager_client):
    moving = _book(world.manager, customer, MONDAY_8AM + timedelta(hours=2))[0]
    _book(world.manager, customer, MONDAY_8AM + timedelta(hours=6))  # 14:00 is taken
    response = manager_client.hx("POST", f"/appointments/{moving.id}/reschedule", _calendar_form(
        moving.id, moving.version, new_date="2026-12-07", new_time="14:00"))
    assert response.status_code == 200 and tr(str(TAKEN)) in body(response)
    assert [a.status for a in appointments()] == ["confirmed", "confirmed"]
    response = manager_client.hx("POST", f"/appointments/{moving.id}/reschedule", _calendar_form(
        moving.id, moving.version, new_date="2026-12-08", new_time="09:30"))
    assert "09:30-10:00" in _day_section(body(response), "2026-12-08")
    assert [a.status for a in appointments()] == ["rescheduled", "confirmed", "confirmed"]


def test_an_action_on_an_older_copy_is_refused(monday, world, customer, manager_client):
    appointment = _book(world.manager, customer, MONDAY_8AM + timedelta(hours=2))[0]
    shown = appointment.version
    appointment.purpose = "另一个标签页改过"
    db.session.commit()
    response = manager_client.hx("POST", f"/appointments/{appointment.id}/cancel",
                                 _calendar_form(appointment.id, shown, reason="客户出差"))
    assert response.status_code == 200 and "calendar-body" in body(response)
    assert tr("This appointment was changed meanwhile (in another tab or by a colleague); it now shows how it "
              "stands. Please check and try again.") in body(response)
    assert appointments()[0].status == "confirmed"


def test_a_missing_reason_is_refused_where_the_user_looks(monday, world, customer, manager_client):
    appointment = _book(world.manager, customer, MONDAY_8AM + timedelta(hours=2))[0]
    response = manager_client.hx("POST", f"/appointments/{appointment.id}/cancel",
                                 _calendar_form(appointment.id, appointment.version, reason=" "))
    assert response.status_code == 200 and tr("Please give a reason.") in body(response)
    assert appointments()[0].status == "confirmed"


def test_without_javascript_an_action_returns_to_the_same_calendar(monday, world, customer, manager_client):
    appointment = _book(world.manager, customer, MONDAY_8AM + timedelta(hours=2), mode="propose")[0]
    response = manager_client.form(f"/appointments/{appointment.id}/confirm", {
        **_calendar_form(appointment.id, appointment.version), "view": "day", "day": "2026-12-07"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/appointments/?view=day&day=2026-12-07")


@pytest.mark.parametrize("who", ["colleague", "other_manager"])
def test_acting_from_the_calendar_keeps_the_policy(monday, world, customer, client_for, who):
    appointment = _book(world.manager, customer, MONDAY_8AM + timedelta(hours=2), mode="propose")[0]
    response = client_for(getattr(world, who)).hx("POST", f"/appointments/{appointment.id}/confirm",
                                                  _calendar_form(appointment.id, appointment.version))
    assert response.status_code == (403 if who == "colleague" else 404)
    assert appointments()[0].status == "proposed"


def test_the_customer_panel_carries_the_version_too(monday, world, customer, manager_client):
    appointment = _book(world.manager, customer, MONDAY_8AM + timedelta(hours=2), mode="propose")[0]
    page = body(manager_client.get(f"/appointments/customer/{customer.id}"))
    assert f'name="version" value="{appointment.version}"' in page
    response = manager_client.hx("POST", f"/appointments/{appointment.id}/confirm", {"version": "99"})
    assert response.status_code == 200 and appointments()[0].status == "proposed"
    assert 'id="appointments-panel"' in body(response)


def test_the_supervisor_acts_from_the_team_view(monday, world, make_customer, supervisor_client):
    colleague_customer = make_customer(world.colleague, name="李四")
    proposed = _book(world.colleague, colleague_customer, MONDAY_8AM + timedelta(hours=2), mode="propose")[0]
    response = supervisor_client.hx("POST", f"/appointments/{proposed.id}/confirm", {
        **_calendar_form(proposed.id, proposed.version), "staff": "team"})
    assert response.status_code == 200 and "李四" in body(response)
    assert tr("With %(name)s", name=world.colleague.display_name) in body(response)  # still the team view
    assert appointments()[0].status == "confirmed"


def test_an_events_actions_are_fetched_on_opening_with_the_calendars_state(monday, world, customer, manager_client):
    confirmed = _book(world.manager, customer, MONDAY_8AM + timedelta(hours=2))[0]
    week = body(manager_client.get("/appointments/?view=week&day=2026-12-07"))
    assert f"/appointments/{confirmed.id}/actions?view=week&amp;day=2026-12-07" in week
    assert f'id="cal-outcome-{confirmed.id}"' not in week  # the forms are not drawn until opened
    opened = manager_client.get(f"/appointments/{confirmed.id}/actions?view=week&day=2026-12-07", headers=HX)
    page = body(opened)
    assert opened.status_code == 200 and "<html" not in page
    assert f'action="/appointments/{confirmed.id}/cancel"' in page and 'name="csrf_token"' in page
    assert 'name="from" value="calendar"' in page and 'name="day" value="2026-12-07"' in page
    assert f'name="version" value="{confirmed.version}"' in page
    odd = body(manager_client.get(f"/appointments/{confirmed.id}/actions?day=%22%3E%3Cscript%3E", headers=HX))
    assert "<script>" not in odd  # the state goes back escaped, and the calendar validates it again
