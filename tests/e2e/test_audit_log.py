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
