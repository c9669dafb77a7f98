"""Asking a satisfied customer for introductions, in the browser: a manager logs a satisfied visit, the page
offers the short form right then, two introduced prospects are recorded, and the new prospect's page shows
the chain up to the customer who introduced them. Desktop and a 375 px phone."""

from __future__ import annotations

import random
import re

import pytest
from playwright.sync_api import expect

from .journeys import open_as

pytestmark = pytest.mark.browser

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_satisfied_visit_two_introductions_and_the_chain(new_page, session_of, demo, axe, size):
    page = open_as(new_page, session_of, "manager", **(DESKTOP if size == "desktop" else PHONE))
    page.goto(f"/customers/{demo.own_customer}")
    introducer = page.get_by_test_id("customer-name").inner_text().strip()

    page.locator("#kind").select_option("visit")
    page.locator("#outcome").select_option("deal")
    page.get_by_test_id("log-activity").click()
    ask = page.get_by_test_id("ask-introductions")
    expect(ask).to_be_visible()
    axe(page, "ask for introductions offered")

    surname = random.choice("欧阳司马上官诸葛")
    friend = f"测{random.randrange(10**6):06d}"
    page.locator("#prospects-0-name").fill(surname)
    page.locator("#prospects-0-title").select_option("先生")
    page.locator("#prospects-0-mobile").fill(f"139{random.randrange(10**8):08d}")
    page.locator("#prospects-1-name").fill(friend)
    page.locator("#prospects-1-note").fill("同事,想了解理财")
    page.get_by_test_id("save-introductions").click()
    created = page.get_by_test_id("introduced-prospect")
    expect(created).to_have_count(2)
    expect(created.first).to_have_text(f"{surname}先生")

    created.nth(1).click()
    page.wait_for_url(re.compile(r".*/customers/\d+$"))
    expect(page.get_by_test_id("customer-name")).to_have_text(friend)
    chain = page.get_by_test_id("chain")
    expect(chain).to_contain_text(introducer)
    expect(chain.get_by_test_id("node-link").last).to_have_text(introducer)
    axe(page, "the new prospect with its chain")


def test_pick_the_introducer_as_you_type_then_change_it_with_a_reason(new_page, session_of, demo, axe):
    page = open_as(new_page, session_of, "manager", **DESKTOP)
    page.goto(f"/customers/{demo.own_customer}")
    introducer = page.get_by_test_id("customer-name").inner_text().strip()

    page.goto("/customers/new")
    name = f"测{random.randrange(10**6):06d}"
    page.locator("#name").fill(name)
    page.locator("#mobile").fill(f"139{random.randrange(10**8):08d}")
    page.get_by_test_id("introducer-search").fill(introducer)
    pick = page.locator("#new-intro-picks [data-testid=pick]").first
    expect(pick).to_be_visible()
    axe(page, "introducer picker with matches")
    pick.check()
    page.get_by_test_id("save-customer").click()
    page.wait_for_url(re.compile(r".*/customers/\d+$"))
    expect(page.get_by_test_id("chain")).to_contain_text(introducer)

    page.locator("#introducer-panel summary").first.click()
    page.get_by_test_id("introducer-search").fill("链家")
    partner = page.locator("#change-intro-picks [data-testid=pick]").first
    expect(partner).to_be_visible()
    partner.check()
    page.locator("#introducer-reason").fill("客户更正:是中介介绍的")
    page.get_by_test_id("save-introducer").click()
    expect(page.get_by_test_id("chain")).to_contain_text("链家")
    expect(page.get_by_test_id("history-entry")).to_have_count(2)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_refusals_show_at_the_field_not_in_a_toast(new_page, session_of, demo, axe, size):
    """An empty "ask for introductions" and an introducer that would close a loop are refused where the
    manager is looking: the field's own message, the field marked and focused, no toast."""
    page = open_as(new_page, session_of, "manager", **(DESKTOP if size == "desktop" else PHONE))
    page.goto(f"/customers/{demo.own_customer}")
    page.locator("#kind").select_option("visit")
    page.locator("#outcome").select_option("deal")
    page.get_by_test_id("log-activity").click()
    page.get_by_test_id("save-introductions").click()
    first = page.locator("#prospects-0-name")
    expect(first).to_have_attribute("aria-invalid", "true")
    expect(first).to_be_focused()
    expect(page.get_by_test_id("ask-introductions")).to_contain_text("请至少填写一位。")
    expect(page.locator(".toast")).to_have_count(0)
    axe(page, "ask for introductions refused")

    friend = f"测{random.randrange(10**6):06d}"
    first.fill(friend)
    page.get_by_test_id("save-introductions").click()
    expect(page.get_by_test_id("introduced-prospect")).to_have_text(friend)

    # The customer's own introducee as its introducer: a loop.
    page.reload()
    page.locator("#introducer-panel summary").first.click()
    page.get_by_test_id("introducer-search").fill(friend)
    pick = page.locator("#change-intro-picks [data-testid=pick]").first
    expect(pick).to_be_visible()
    pick.check()
    if page.locator("#introducer-reason").count():
        page.locator("#introducer-reason").fill("客户更正")
    page.get_by_test_id("save-introducer").click()
    expect(page.locator("#change-intro-errors")).to_contain_text("您选择的引见人是本客户(直接或间接)引见的")
    expect(page.locator(".toast")).to_have_count(0)
    axe(page, "introducer loop refused")
