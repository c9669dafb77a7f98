"""The referral journey: a manager refers a customer to the credit manager from the customer page; the
credit manager sees the badge, accepts, marks contacted and converts (product and amount) from the inbox
without leaving it; the sender's credit page shows the amount. On a desktop and on a 375 px phone."""

from __future__ import annotations

import random

import pytest
from playwright.sync_api import Page, expect

from .conftest import ARTIFACTS
from .journeys import open_as

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"viewport": {"width": 1280, "height": 900}},
         "phone": {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}}


def converted_amount(page: Page) -> int:
    """The sender's own converted amount this month (the credit page's one row)."""
    page.goto("/referrals/credit?period=month")
    return int(page.locator("[data-testid=credit-amount]").first.inner_text().replace(",", ""))


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"referrals-{name}.png"), full_page=True)


@pytest.mark.parametrize("size", SIZES)
def test_refer_accept_contact_convert_and_credit(new_page, session_of, demo, size):
    options = SIZES[size]
    note = f"想了解贷款 {random.randrange(10**6):06d}"
    amount = random.randrange(100_000, 999_999)
    manager = open_as(new_page, session_of, "manager", **options)
    before = converted_amount(manager)

    # The manager refers the customer from its page: pick the need, the suggested colleague, a note.
    manager.goto(f"/customers/{demo.own_customer}")
    panel = manager.locator("#referral-panel")
    need = panel.get_by_test_id("referral-need")
    expect(need).to_be_visible()
    need.select_option("other")
    expect(panel.get_by_test_id("referral-recipient")).to_be_visible()
    recipient = panel.get_by_test_id("referral-recipient")
    recipient.select_option(label=recipient.locator("option", has_text="李强").first.inner_text())
    panel.get_by_test_id("referral-note").fill(note)
    panel.get_by_test_id("send-referral").click()
    expect(manager.get_by_test_id("referral-sent")).to_contain_text("李强")
    shot(manager, f"{size}-sent")

    # The credit manager signs in and sees the waiting count without opening anything.
    credit = open_as(new_page, session_of, "credit", **options)
    credit.goto("/my-day")
    badge = credit.get_by_test_id("referral-badge-bar" if size == "phone" else "referral-badge")
    expect(badge).to_be_visible()
    waiting = int(badge.inner_text().split()[0])
    assert waiting >= 1
    credit.goto("/referrals/?status=sent&need=other")  # the new one, whatever else the demo inbox holds
    row = credit.locator("[data-testid=referral-row]", has_text=note)
    expect(row).to_have_attribute("data-status", "sent")
    url = credit.url
    row.get_by_test_id("do-accept").click()
    expect(row).to_have_attribute("data-status", "accepted")
    expect(badge).to_contain_text(str(waiting - 1)) if waiting > 1 else expect(badge).to_be_hidden()
    row.get_by_test_id("do-contact").click()
    expect(row).to_have_attribute("data-status", "contacted")
    row.get_by_test_id("open-convert").click()
    row.get_by_test_id("convert-product").fill("个人经营贷")
    row.get_by_test_id("convert-amount").fill(str(amount))
    row.get_by_test_id("do-convert").click()
    expect(row).to_have_attribute("data-status", "converted")
    expect(row.get_by_test_id("referral-won")).to_contain_text(f"{amount:,}")
    assert credit.url == url  # never left the inbox
    shot(credit, f"{size}-converted")

    # The sender's credit shows what the colleague won.
    assert converted_amount(manager) == before + amount
    shot(manager, f"{size}-credit")


def test_a_refused_action_shows_in_its_row(new_page, session_of, demo):
    """A decline without a reason comes back into the row with the message, nothing else changes."""
    credit = open_as(new_page, session_of, "credit", **SIZES["desktop"])
    credit.goto("/referrals/?status=sent")
    row = credit.locator("[data-testid=referral-row]").first
    expect(row).to_have_attribute("data-status", "sent")
    row.get_by_test_id("open-decline").click()
    row.get_by_test_id("do-decline").click()
    expect(row.get_by_test_id("referral-error")).to_be_visible()
    expect(row).to_have_attribute("data-status", "sent")


def test_an_opened_form_takes_typing_at_once(new_page, session_of, demo):
    """What is typed the moment an action's form arrives stays in the field it was typed into (htmx once
    focused the form's first field 20 ms after the swap, moving a quick hand's amount into the product)."""
    credit = open_as(new_page, session_of, "credit", **SIZES["desktop"])
    credit.goto("/referrals/?status=contacted")
    row = credit.locator("[data-testid=referral-row]").first
    expect(row).to_have_attribute("data-status", "contacted")
    row.get_by_test_id("open-convert").click()
    row.get_by_test_id("convert-amount").fill("200000")
    credit.wait_for_timeout(100)
    expect(row.get_by_test_id("convert-amount")).to_have_value("200000")
    expect(row.get_by_test_id("convert-product")).to_have_value("")
