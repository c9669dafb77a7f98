"""My day: follow-ups due today and overdue (oldest first, days overdue shown), today's appointments in time
order, referrals waiting; Asia/Shanghai day boundaries; in-place actions and the navigation count; a fixed
number of statements whatever the number of items."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest

from app.appointments.booking import BookingRequest, book
from app.core import clock
from app.core.extensions import db
from app.referrals import sending
from tests.conftest import count_queries
from tests.customers.helpers import body
from tests.followups.conftest import MONDAY, TODAY, follow_ups, pending_return_visits, plan

ROW_RE = re.compile(r'id="follow-up-(\d+)"')


def _row_ids(page: str) -> list[int]:
    return [int(i) for i in ROW_RE.findall(page)]


MY_DAY = ("/my-day", "/my-day/follow-ups", "/my-day/appointments", "/my-day/referrals")


def _whole_my_day(client) -> str:
    """My day as the browser shows it: the page, then the three sections it loads."""
    return "".join(body(client.get(url, headers={"HX-Request": "true"} if url != "/my-day" else None))
                   for url in MY_DAY)


def test_due_today_and_overdue_oldest_first_with_days_overdue(monday, world, customer, manager_client):
    today = plan(customer, world.manager, due=TODAY, note="今天")
    old = plan(customer, world.manager, due=TODAY - timedelta(days=5), note="五天前")
    older = plan(customer, world.manager, due=TODAY - timedelta(days=1), status="snoozed", note="推迟后")
    plan(customer, world.manager, due=TODAY + timedelta(days=1), note="明天")  # not yet
    plan(customer, world.colleague, due=TODAY, note="同事的")  # not mine
    plan(customer, world.manager, due=TODAY - timedelta(days=9), status="done", note="已完成")
    page = _whole_my_day(manager_client)
    assert _row_ids(page) == [old.id, older.id, today.id]
    assert f'id="follow-up-{old.id}" data-swap-errors' in page
    assert re.search(rf'id="follow-up-{old.id}"[^>]*data-days-overdue="5"', page)
    assert "明天" not in page and "同事的" not in page and "已完成" not in page


def _my_day_at(client_for, user, moment: datetime) -> str:
    clock.freeze(moment)
    return _whole_my_day(client_for(user))  # signed in at that moment: the session is fresh


def test_the_day_turns_at_midnight_in_beijing(world, customer, client_for):
    row = plan(customer, world.manager, due=TODAY)
    # 23:59 on 12-06 in Beijing, then 00:00 on 12-07.
    assert row.id not in _row_ids(_my_day_at(client_for, world.manager, datetime(2026, 12, 6, 15, 59, tzinfo=UTC)))
    assert row.id in _row_ids(_my_day_at(client_for, world.manager, datetime(2026, 12, 6, 16, 0, tzinfo=UTC)))
    page = _my_day_at(client_for, world.manager, datetime(2026, 12, 8, 16, 30, tzinfo=UTC))  # 00:30 on 12-09
    assert re.search(rf'id="follow-up-{row.id}"[^>]*data-days-overdue="2"', page)
    assert "逾期 2 天" in page


def test_todays_appointments_in_time_order_with_status_labels(world, customer, client_for):
    clock.freeze(MONDAY - timedelta(days=1))
    later, = book(world.manager, customer, BookingRequest(mode="direct", starts=(MONDAY + timedelta(hours=6),),
                                                          minutes=30, place="phone", location=None, purpose="下午电话"))
    earlier, = book(world.manager, customer, BookingRequest(mode="propose", starts=(MONDAY + timedelta(hours=1),),
                                                            minutes=30, place="branch", location=None,
                                                            purpose="上午面谈"))
    book(world.manager, customer, BookingRequest(mode="direct", starts=(MONDAY + timedelta(days=1),), minutes=30,
                                                 place="branch", location=None, purpose="明天的"))
    db.session.commit()
    page = _my_day_at(client_for, world.manager, MONDAY)
    assert page.index("上午面谈") < page.index("下午电话") and "明天的" not in page
    assert "已确认" in page and "待确认" in page or "Confirmed" in page
    assert f"/appointments/customer/{customer.id}" in page


def test_referrals_waiting_for_me_are_listed(monday, world, customer, client_for):
    sending.send_referral(world.manager, customer, recipient_id=world.colleague.id, need="loan", note="房贷咨询")
    db.session.commit()
    page = _whole_my_day(client_for(world.colleague))
    assert 'id="referral-' in page


def _fill(world, customer, n: int, first_hour: int) -> None:
    for i in range(n):
        plan(customer, world.manager, due=TODAY - timedelta(days=i % 4), note=f"事项{i}")
    clock.freeze(MONDAY - timedelta(days=1))
    for i in range(n):
        book(world.manager, customer, BookingRequest(mode="direct", starts=(MONDAY + timedelta(hours=first_hour + i, minutes=30),),
                                                     minutes=30, place="branch", location=None, purpose="面谈"))
    db.session.commit()
    clock.freeze(MONDAY)


def test_each_part_costs_the_same_statements_for_2_or_8_items(world, make_customer, client_for):
    counts = []
    for n, first_hour in ((2, 0), (8, 2)):
        subject = make_customer(world.manager)
        _fill(world, subject, n, first_hour)
        for _ in range(n):  # referrals waiting for the manager, of customers the colleague owns
            theirs = make_customer(world.colleague)
            sending.send_referral(world.colleague, theirs, recipient_id=world.manager.id, need="wealth", note=None)
        db.session.commit()
        manager_client = client_for(world.manager)
        _whole_my_day(manager_client)  # warm: the session row, label dicts
        per_request = []
        for url in MY_DAY:
            with count_queries() as statements:
                response = manager_client.get(url, headers={"HX-Request": "true"})
            assert response.status_code == 200
            per_request.append(len(statements))
        counts.append(per_request)
    assert counts[0] == counts[1] and max(counts[1]) <= 5, counts  # 2-4 a request at the time of writing


def test_the_badge_counts_due_and_overdue_in_one_statement(monday, world, customer, manager_client):
    plan(customer, world.manager, due=TODAY)
    plan(customer, world.manager, due=TODAY - timedelta(days=3))
    plan(customer, world.manager, due=TODAY + timedelta(days=3))
    manager_client.get("/follow-ups/badge")
    with count_queries() as statements:
        response = manager_client.get("/follow-ups/badge", headers={"HX-Request": "true"})
    assert ">2<" in body(response)
    assert sum("count(" in s.lower() for s in statements) == 1


def test_completing_in_place_answers_the_row_plans_the_next_and_the_count_drops(monday, world, customer, manager_client):
    (visit,) = pending_return_visits(customer.id)
    visit.due_on = TODAY - timedelta(days=4)
    db.session.commit()
    assert ">1<" in body(manager_client.get("/follow-ups/badge"))
    response = manager_client.hx("POST", f"/follow-ups/{visit.id}/complete",
                                 {"version": str(visit.version), "outcome": "客户满意", "where": "day"})
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "follow-ups-changed"
    page = body(response)
    assert "<html" not in page and f'id="follow-up-{visit.id}"' in page and "2027-06-05" in page
    (next_one,) = pending_return_visits(customer.id)
    assert next_one.due_on == TODAY + timedelta(days=180)
    assert "d-none" in body(manager_client.get("/follow-ups/badge"))


def test_a_refused_action_comes_back_in_the_row_with_nothing_saved(monday, world, customer, manager_client):
    row = plan(customer, world.manager, due=TODAY)
    response = manager_client.hx("POST", f"/follow-ups/{row.id}/complete", {"version": str(row.version), "outcome": ""})
    assert response.status_code == 422 and 'role="alert"' in body(response)
    stale = manager_client.hx("POST", f"/follow-ups/{row.id}/snooze",
                              {"version": str(row.version + 3), "until": (TODAY + timedelta(days=2)).isoformat()})
    assert stale.status_code == 409
    past = manager_client.hx("POST", f"/follow-ups/{row.id}/snooze",
                             {"version": str(row.version), "until": "2020-01-01"})
    assert past.status_code == 422
    assert follow_ups(id=row.id)[0].status == "open"


def test_snoozed_in_place_leaves_my_day(monday, world, customer, manager_client):
    row = plan(customer, world.manager, due=TODAY)
    response = manager_client.hx("POST", f"/follow-ups/{row.id}/snooze",
                                 {"version": str(row.version), "until": (TODAY + timedelta(days=2)).isoformat()})
    assert response.status_code == 200
    assert row.id not in _row_ids(_whole_my_day(manager_client))


def test_without_javascript_an_action_redirects_back(monday, world, customer, manager_client):
    row = plan(customer, world.manager, due=TODAY)
    response = manager_client.form(f"/follow-ups/{row.id}/cancel", {"version": str(row.version), "reason": "重复"})
    assert response.status_code == 303
    assert follow_ups(id=row.id)[0].status == "cancelled"


@pytest.mark.parametrize("action", ["complete", "snooze", "cancel"])
def test_writes_need_the_csrf_token(monday, world, customer, manager_client, action):
    row = plan(customer, world.manager, due=TODAY)
    response = manager_client.post(f"/follow-ups/{row.id}/{action}",
                                   data={"version": str(row.version), "outcome": "x", "reason": "x",
                                         "until": (TODAY + timedelta(days=1)).isoformat()},
                                   headers={"HX-Request": "true"})
    assert response.status_code in (400, 403)
    assert follow_ups(id=row.id)[0].status == "open"


def test_the_customer_panel_adds_and_lists(monday, world, customer, manager_client):
    panel = body(manager_client.get(f"/follow-ups/customer/{customer.id}", headers={"HX-Request": "true"}))
    assert 'id="follow-ups-panel"' in panel and "<html" not in panel
    response = manager_client.hx("POST", f"/follow-ups/customer/{customer.id}",
                                 {"kind": "walk_in", "due_on": (TODAY + timedelta(days=1)).isoformat(),
                                  "note": "回电：信用卡分期"})
    assert response.status_code == 200 and "回电：信用卡分期" in body(response)
    refused = manager_client.hx("POST", f"/follow-ups/customer/{customer.id}",
                                {"kind": "walk_in", "due_on": "2020-01-01", "note": ""})
    assert refused.status_code == 422 and 'role="alert"' in body(refused)
    assert len(follow_ups(kind="walk_in")) == 1
    page = body(manager_client.get(f"/customers/{customer.id}"))
    assert f"/follow-ups/customer/{customer.id}" in page


def test_a_follow_up_opens_in_place_with_who_planned_it(monday, world, customer, manager_client):
    row = plan(customer, world.manager, due=TODAY, created_by_id=world.supervisor.id)
    assert f'/follow-ups/{row.id}"' in _whole_my_day(manager_client)
    opened = manager_client.get(f"/follow-ups/{row.id}", headers={"HX-Request": "true"})
    page = body(opened)
    assert opened.status_code == 200 and "<html" not in page
    assert 'data-testid="follow-up-details"' in page and world.supervisor.display_name in page
    assert "138****5678" in page  # the stored mask, never the number
    assert "<html" in body(manager_client.get(f"/follow-ups/{row.id}"))  # without JavaScript: a page


def test_an_archived_customers_follow_ups_leave_my_day_and_the_count(monday, world, customer, manager_client):
    row = plan(customer, world.manager, due=TODAY)
    customer.archived_at = clock.now()
    db.session.commit()
    assert row.id not in _row_ids(_whole_my_day(manager_client))
    assert 'data-count="0"' in body(manager_client.get("/follow-ups/badge"))


def test_a_long_day_shows_the_most_overdue_first_and_the_rest_on_demand(monday, world, make_customer, manager_client):
    from app.followups.myday import FOLLOW_UPS_SHOWN

    rows = [plan(make_customer(world.manager), world.manager, due=TODAY - timedelta(days=40 - k))
            for k in range(FOLLOW_UPS_SHOWN + 5)]
    page = _whole_my_day(manager_client)
    assert _row_ids(page) == [r.id for r in rows[:FOLLOW_UPS_SHOWN]]
    assert re.search(rf'data-testid="my-day-due-count">\D*{FOLLOW_UPS_SHOWN + 5}\D', page)
    last = rows[FOLLOW_UPS_SHOWN - 1]  # "show more" goes on after the last row shown (a keyset, not an offset)
    more_url = f"/my-day/follow-ups?after_due={last.due_on.isoformat()}&amp;after_id={last.id}"
    assert f'hx-get="{more_url}"' in page
    more = manager_client.get(html.unescape(more_url), headers={"HX-Request": "true"})
    assert more.status_code == 200 and "<html" not in body(more)
    assert _row_ids(body(more)) == [r.id for r in rows[FOLLOW_UPS_SHOWN:]]
    assert 'data-testid="my-day-more"' not in body(more)  # nothing after the last one
    for garbled in ("after_due=2026-12-01&after_id=-1", "after_due=2026-12-01&after_id=99999999999999999999",
                    "after_due=2026-13-45&after_id=1", "after_id=1"):
        assert manager_client.get(f"/my-day/follow-ups?{garbled}", headers={"HX-Request": "true"}).status_code == 400


def test_an_action_form_opens_in_place(monday, world, customer, manager_client):
    row = plan(customer, world.manager, due=TODAY)
    page = _whole_my_day(manager_client)
    assert f'href="/follow-ups/{row.id}?open=complete&amp;where=day"' in page and 'name="outcome"' not in page
    opened = body(manager_client.get(f"/follow-ups/{row.id}?open=complete&where=day", headers={"HX-Request": "true"}))
    assert 'name="outcome"' in opened and 'name="csrf_token"' in opened and "<html" not in opened
    other = body(manager_client.get(f"/follow-ups/{row.id}?open=nonsense", headers={"HX-Request": "true"}))
    assert 'name="outcome"' not in other and 'name="until"' not in other


def test_an_appointment_is_done_or_moved_from_my_day_in_place(world, customer, client_for):
    clock.freeze(MONDAY - timedelta(days=1))
    meeting, = book(world.manager, customer, BookingRequest(mode="direct", starts=(MONDAY + timedelta(hours=1),),
                                                            minutes=30, place="branch", location=None, purpose="面谈"))
    db.session.commit()
    clock.freeze(MONDAY + timedelta(hours=2))  # the meeting is over
    client = client_for(world.manager)
    page = _whole_my_day(client)
    assert f"/appointments/{meeting.id}/actions?from=day" in page and 'name="outcome"' not in page
    opened = body(client.get(f"/appointments/{meeting.id}/actions?from=day", headers={"HX-Request": "true"}))
    assert 'name="from" value="day"' in opened and 'hx-target="#my-day-appointment-list"' in opened
    assert 'name="outcome"' in opened and 'name="new_date"' in opened
    done = client.hx("POST", f"/appointments/{meeting.id}/done",
                     {"from": "day", "version": str(meeting.version), "outcome": "客户同意配置", "next_step": ""})
    answer = body(done)
    assert done.status_code == 200 and answer.lstrip().startswith('<div id="my-day-appointment-list"')
    assert 'data-status="done"' in answer and "<html" not in answer
    db.session.expire_all()
    assert db.session.get(type(meeting), meeting.id).status == "done"
    refused = client.hx("POST", f"/appointments/{meeting.id}/cancel",
                        {"from": "day", "version": str(meeting.version), "reason": "x"})
    assert refused.status_code == 200 and 'id="my-day-appointment-list"' in body(refused)  # changed meanwhile: said there
    assert db.session.get(type(meeting), meeting.id).status == "done"
