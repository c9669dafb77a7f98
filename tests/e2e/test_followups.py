"""My day journey (issue 11): a manager opens my day, completes an overdue return visit with an outcome in
place, sees the next one planned and the navigation count drop; on a desktop and a 375 px phone, axe-checked."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .journeys import open_as

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"viewport": {"width": 1280, "height": 900}},
         "phone": {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}}


@pytest.mark.parametrize("size", list(SIZES))
def test_complete_an_overdue_return_visit_from_my_day(new_page, session_of, axe, size):
    page = open_as(new_page, session_of, "manager", **SIZES[size])
    page.goto("/my-day")
    badge = page.locator("[data-testid=follow-up-badge-bar]" if size == "phone" else "[data-testid=follow-up-badge]")
    expect(badge).to_have_attribute("data-count", re.compile(r"^[1-9]\d*$"))
    before = int(badge.get_attribute("data-count"))
    axe(page, "my day")

    overdue = page.locator("[data-testid=follow-up-row][data-kind=return_visit][data-status=open]").filter(
        has=page.locator("[data-testid=follow-up-overdue]")).first
    row_id = overdue.get_attribute("id")
    overdue.locator("[data-testid=follow-up-complete-open]").click()
    overdue.locator("[data-testid=follow-up-outcome]").fill("客户满意，下季度再约")
    overdue.locator("[data-testid=follow-up-complete]").click()

    done = page.locator(f"#{row_id}")
    expect(done).to_have_attribute("data-status", "done")
    expect(done.locator("[data-testid=follow-up-notice]")).to_contain_text("下次回访已安排在")
    expect(badge).to_have_attribute("data-count", str(before - 1))
    if size == "phone":
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"my day scrolls sideways on a phone ({width}px)"
    axe(page, "my day after completing")
