"""Calendar journey (issue 11): from a customer page a manager offers two times, the customer picks the
second, the week calendar shows it, the manager marks it done from the calendar, my day shows it done and the
follow-up it proposed appears on the customer's page; moving between weeks
swaps the calendar in place (URL pushed, back works); on a desktop and a 375 px phone (a day list there)."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from .journeys import open_as

SHANGHAI = ZoneInfo("Asia/Shanghai")  # the display time zone the live server runs with

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"viewport": {"width": 1280, "height": 900}},
         "phone": {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}}


def _no_horizontal_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "the page scrolls sideways"


def _took_place(db_path, appointment_id: int) -> None:
    """The meeting happened: the test moves it to the last forty minutes (a done mark needs a started meeting),
    but never before today's local midnight (Asia/Shanghai), where the calendar and my day would call it
    yesterday."""
    now = datetime.now(UTC).replace(microsecond=0)
    midnight = now.astimezone(SHANGHAI).replace(hour=0, minute=0, second=0).astimezone(UTC)
    start = max(now - timedelta(minutes=40), midnight).replace(tzinfo=None)
    with sqlite3.connect(db_path) as con:
        con.execute("UPDATE appointment SET start_at = ?, end_at = ? WHERE id = ?",
                    # written as SQLAlchemy writes datetimes on SQLite (with microseconds), which it compares as text
                    (start.isoformat(" ", timespec="microseconds"),
                     (start + timedelta(minutes=30)).isoformat(" ", timespec="microseconds"), appointment_id))


@pytest.mark.parametrize("size", list(SIZES))
def test_offer_choose_see_in_the_week_and_mark_done_from_the_calendar(new_page, session_of, demo, live_server,
                                                                     axe, size):
    page = open_as(new_page, session_of, "manager", **SIZES[size])
    page.goto(f"/customers/{demo.own_customer}")
    panel = page.locator("[data-testid=appointments-panel]")
    boxes = panel.locator("[data-testid=free-slots] input[type=checkbox]")
    expect(boxes.first).to_be_visible()
    second_value = boxes.nth(1).get_attribute("value")  # "YYYY-MM-DDTHH:MM", local time
    second_label = panel.locator(f"label[for={boxes.nth(1).get_attribute('id')}]").inner_text()
    boxes.nth(0).check()
    boxes.nth(1).check()
    panel.locator("#purpose").fill("日程表旅程面谈")
    panel.locator("[data-testid=book]").click()
    held = panel.locator("[data-testid=appointment-row][data-status=held]").filter(has_text=second_label).first
    held.locator("[data-testid=appointment-choose]").click()
    expect(panel.locator("[data-testid=appointment-row][data-status=confirmed]")
           .filter(has_text=second_label).first).to_be_visible()

    # The week calendar holding the chosen day shows it, at its time, confirmed.
    day, at = second_value.split("T")
    page.goto(f"/appointments/?day={day}")
    column = page.locator(f"[data-testid=calendar-day][data-day='{day}']")
    event = column.locator("[data-testid=calendar-event][data-status=confirmed]").filter(has_text="日程表旅程面谈").filter(
        has_text=at).first
    expect(event).to_be_visible()
    expect(event.locator("[data-testid=calendar-event-status]")).to_have_text("已确认")
    _no_horizontal_scroll(page)
    axe(page, "week calendar")
    event_id = int(event.get_attribute("id").removeprefix("cal-event-"))

    # Moving a week ahead and back swaps only the calendar's body and pushes the URL.
    page.locator("[data-testid=calendar-next]").click()
    expect(column).to_have_count(0)
    assert "day=" in page.url
    page.go_back()
    expect(page.locator(f"[data-testid=calendar-day][data-day='{day}']")).to_have_count(1)

    # The meeting took place; the manager records the outcome from today's calendar.
    _took_place(live_server.db_path, event_id)
    page.goto("/appointments/")
    event = page.locator(f"#cal-event-{event_id}")
    expect(event).to_be_visible()
    event.locator("[data-testid=calendar-event-actions] > summary").click()
    event.locator(f"#cal-outcome-{event_id}").fill("客户同意配置稳健型理财")
    event.locator(f"#cal-next-step-{event_id}").fill("三天内回访")
    event.locator("[data-testid=calendar-done]").click()
    done = page.locator(f"#cal-event-{event_id}[data-status=done]")
    expect(done).to_be_visible()
    expect(done).to_contain_text("客户同意配置稳健型理财")
    expect(page.locator("#flash")).to_contain_text("已保存")
    _no_horizontal_scroll(page)
    axe(page, "calendar after done")

    # My day lists the meeting as done, and the follow-up it proposed (in three days) waits on the customer's page.
    page.goto("/my-day")
    expect(page.locator(f"#my-day-appointment-{event_id}[data-status=done]")).to_be_visible()
    page.goto(f"/customers/{demo.own_customer}")
    expect(page.locator("[data-testid=follow-ups-panel] [data-testid=follow-up-row][data-kind=after_appt]").first
           ).to_be_visible()


def test_the_supervisor_picks_a_colleague_and_the_url_follows(new_page, session_of, axe):
    page = open_as(new_page, session_of, "supervisor", **SIZES["desktop"])
    page.goto("/appointments/")
    team_count = page.locator("[data-testid=calendar-event]").count()
    picker = page.locator("#calendar-staff")
    picker.select_option(index=1)
    colleague = picker.locator("option").nth(1).get_attribute("value")
    expect(page).to_have_url(re.compile(rf"staff={colleague}"))
    expect(page.locator("[data-testid=calendar-title]")).not_to_contain_text("整个团队")
    assert page.locator("[data-testid=calendar-event]").count() <= team_count
    axe(page, "a colleague's calendar")
    page.reload()
    expect(page.locator("#calendar-staff")).to_have_value(colleague)
