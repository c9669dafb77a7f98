"""Booking journey (issue 11): from a customer page a manager offers two free times, the customer picks
the second (the manager clicks it), the appointment shows confirmed and the first time is free again;
on a desktop and a 375 px phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .journeys import open_as

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"viewport": {"width": 1280, "height": 900}},
         "phone": {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}}


@pytest.mark.parametrize("size", list(SIZES))
def test_offer_two_times_and_the_customer_picks_the_second(new_page, session_of, demo, axe, size):
    page = open_as(new_page, session_of, "manager", **SIZES[size])
    page.goto(f"/customers/{demo.own_customer}")
    panel = page.locator("[data-testid=appointments-panel]")
    expect(panel.locator("[data-testid=booking-form]")).to_be_visible()
    axe(page, "booking panel")
    boxes = panel.locator("[data-testid=free-slots] input[type=checkbox]")
    first_value, second_value = boxes.nth(0).get_attribute("value"), boxes.nth(1).get_attribute("value")
    second_label = panel.locator(f"label[for={boxes.nth(1).get_attribute('id')}]").inner_text()
    boxes.nth(0).check()
    boxes.nth(1).check()
    panel.locator("#purpose").fill("理财方案面谈")
    panel.locator("[data-testid=book]").click()

    held = panel.locator("[data-testid=appointment-row][data-status=held]")
    expect(panel.locator("[data-testid=offer-message]").first).to_be_visible()
    expect(panel.locator(f"[data-testid=free-slots] input[value='{first_value}']")).to_have_count(0)
    chosen = held.filter(has_text=second_label).first
    chosen.locator("[data-testid=appointment-choose]").click()

    confirmed = panel.locator("[data-testid=appointment-row][data-status=confirmed]").filter(has_text=second_label)
    expect(confirmed.locator("[data-testid=appointment-status]")).to_have_text("已确认")
    expect(panel.locator(f"[data-testid=free-slots] input[value='{first_value}']")).to_have_count(1)
    expect(panel.locator(f"[data-testid=free-slots] input[value='{second_value}']")).to_have_count(0)
    expect(panel.locator("[data-testid=confirmation-message]").first).to_be_visible()
    axe(page, "booking confirmed")
