"""The audit log as a compliance officer reads it (issue 8.10): labels, names and sentences, at desktop
and phone width, with no column squeezed to a character per line."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .journeys import sign_in

pytestmark = pytest.mark.browser

# Every cell with text is at least this many characters wide (a squeezed column is about one).
SQUEEZED = """() => [...document.querySelectorAll('#audit-table td')].filter(td => td.innerText.trim().length > 1)
  .filter(td => td.getBoundingClientRect().width < 3 * parseFloat(getComputedStyle(td).fontSize))
  .map(td => td.innerText.trim())"""


@pytest.mark.parametrize("width", [1280, 375])
def test_the_log_reads_as_sentences_and_no_column_is_squeezed(page, width):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, "supervisor")
    page.goto("/customers/")
    page.locator("#customer-table tbody tr[id^=customer-] a").first.click()  # a view, so the log has one
    page.wait_for_url("**/customers/*")
    page.get_by_test_id("customer-audit").click()
    page.wait_for_url("**/audit/?customer=*")

    table = page.get_by_test_id("audit-events")
    expect(table.locator("tbody tr").first).to_be_visible()
    expect(table).to_contain_text("查看客户")
    expect(table).to_contain_text("打开了客户信息页。")
    assert "customer_view" not in table.inner_text()
    assert page.evaluate(SQUEEZED) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    # A date range in the past: nothing from today is shown.
    page.locator("#date_from").fill("2001-01-01")
    page.locator("#date_to").fill("2001-01-31")
    with page.expect_response(lambda r: "/audit/" in r.url and "date_to=2001-01-31" in r.url):
        page.get_by_role("button", name="筛选").click()
    expect(table.locator("tbody")).to_contain_text("暂无记录")


# The details cell's width against the time cell's (both take the card's full width on a phone).
DETAILS_SHARE = """() => { const row = document.querySelector('#audit-table tbody tr[id^=event-]');
  const cells = [...row.querySelectorAll('td')]; const details = cells.find(td => td.dataset.label === '详情');
  return details.getBoundingClientRect().width / cells[0].getBoundingClientRect().width; }"""
# Cells a phone shows with a label and nothing after it (an empty "客户：").
EMPTY_LABELS = """() => [...document.querySelectorAll('#audit-table td[data-label]')]
  .filter(td => td.offsetParent !== null && td.innerText.trim() === '').map(td => td.dataset.label)"""


def test_a_phone_gives_details_the_full_width_and_no_empty_customer_label(page):
    page.set_viewport_size({"width": 375, "height": 900})
    sign_in(page, "supervisor")
    page.goto("/audit/")  # the sign-in itself is an event without a customer
    expect(page.locator("#audit-table tbody tr[id^=event-]").first).to_be_visible()
    assert page.evaluate(DETAILS_SHARE) > 0.95
    assert page.evaluate(EMPTY_LABELS) == []


def test_a_bad_date_range_is_explained_at_its_field_and_cleared_once_corrected(page):
    sign_in(page, "supervisor")
    page.goto("/audit/")
    events = page.locator("#audit-table tbody tr[id^=event-]")
    expect(events.first).to_be_visible()

    page.locator("#date_from").fill("2026-12-04")
    page.locator("#date_to").fill("2026-12-01")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("#date_to-errors")).to_have_text("截止日期早于起始日期。")
    expect(page.locator("#date_to")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_test_id("audit-filter-invalid")).to_be_visible()
    expect(events).to_have_count(0)
    assert "date_to=2026-12-01" in page.url and "actor" not in page.url and "action" not in page.url

    page.locator("#date_from").fill("0001-01-01")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("#date_from-errors")).to_have_text("请选择 1900-01-01 至 9998-12-31 之间的日期。")
    expect(page.locator("#date_to-errors")).to_have_text("")

    page.locator("#date_from").fill("2001-01-01")
    page.locator("#date_to").fill("2099-12-31")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("#date_from-errors")).to_have_text("")
    expect(page.locator("#date_to-errors")).to_have_text("")
    expect(page.locator("#date_to")).not_to_have_attribute("aria-invalid", "true")
    expect(events.first).to_be_visible()
    assert "actor=None" not in page.url


def test_admin_picks_a_branch_and_then_a_staff_member(page, new_page):
    sign_in(new_page(), "manager2")  # an event of 城西支行
    sign_in(page, "admin")
    page.goto("/audit/")
    page.get_by_test_id("audit-branch-filter").select_option(label="城西支行")
    page.wait_for_url("**/audit/?branch=*")
    branches = page.get_by_test_id("event-branch")
    expect(branches.first).to_have_text("城西支行")
    assert set(branches.all_inner_texts()) == {"城西支行"}
    expect(page.locator("#actor option", has_text="城西支行").first).to_be_attached()
    # After the swap the new form's selects still filter at once.
    page.locator("#action").select_option(label="登录")
    page.wait_for_url("**/audit/?*action=login*")
    assert "branch=" in page.url
