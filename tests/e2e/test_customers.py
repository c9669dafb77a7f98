"""Customer journeys: create with inline validation, find by active search, reveal, log, who may edit.

Numbers are generated per run (a 139 mobile, a Beijing 110105 ID with a correct check character), so the
journeys never collide with the demo data or with each other. Sign-ins are done once per run and reused
through Playwright's storage state; every test still gets its own page (own context).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect
from stdnum.cn import ric

from .journeys import open_as, path_of, sign_in

pytestmark = pytest.mark.browser

CUSTOMER_PAGE = re.compile(r"^.*/customers/(\d+)$")
XSS_NOTE = '<button hx-delete="/customers/1" hx-trigger="load">x</button>'


# --- test data ------------------------------------------------------------------------------------

def unique_name() -> str:
    return f"测试客户{random.randrange(10**8):08d}"


def unique_mobile() -> str:
    return f"139{random.randrange(10**8):08d}"


def valid_id_number() -> str:
    """An 18-character ID for Chaoyang, Beijing (110105), born 1960-1999, with the right check character."""
    birthday = date(1960, 1, 1) + timedelta(days=random.randrange(40 * 365))
    body = f"110105{birthday:%Y%m%d}{random.randrange(1000):03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum wants a placeholder check character


def with_wrong_check_character(id_number: str) -> str:
    """Same shape (17 digits + digit or X), but a check character that does not match."""
    wrong = next(c for c in "0123456789X" if c != id_number[-1])
    return id_number[:-1] + wrong


@dataclass(frozen=True)
class CustomerRecord:
    id: int
    name: str
    mobile: str
    id_number: str


# --- one customer owned by `manager` (sign-ins are shared: conftest.session_of) ----------------------

def fill_and_save_customer(page: Page, *, name: str, mobile: str, id_number: str) -> int:
    page.goto("/customers/new")
    page.locator("#name").fill(name)
    page.locator("#mobile").fill(mobile)
    page.locator("#sensitive_consent").check()
    page.locator("#id_number").fill(id_number)
    page.get_by_test_id("save-customer").click()
    page.wait_for_url(CUSTOMER_PAGE)
    match = CUSTOMER_PAGE.match(page.url)
    assert match, page.url
    return int(match.group(1))


@pytest.fixture(scope="module")
def managers_customer(browser, live_server, session_of) -> CustomerRecord:
    """A customer of 城东支行 owned by `manager`, created through the form."""
    name, mobile, id_number = unique_name(), unique_mobile(), valid_id_number()
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", storage_state=session_of("manager"))
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        customer_id = fill_and_save_customer(page, name=name, mobile=mobile, id_number=id_number)
        expect(page.get_by_test_id("customer-name")).to_have_text(name)
    finally:
        context.close()
    return CustomerRecord(customer_id, name, mobile, id_number)


# --- 1. the journey -----------------------------------------------------------------------

def test_create_with_inline_id_check_then_find_by_last_four_digits(page, page_events):
    requests: list[tuple[str, str]] = []
    page.on("request", lambda req: requests.append((req.method, req.url)))
    page_urls: list[str] = []  # includes same-document navigations (htmx pushing a URL)
    page.on("framenavigated", lambda frame: page_urls.append(frame.url) if frame == page.main_frame else None)

    name, mobile, good_id = unique_name(), unique_mobile(), valid_id_number()
    bad_id = with_wrong_check_character(good_id)
    last4 = mobile[-4:]

    sign_in(page, "manager")
    assert path_of(page) == "/my-day"
    page.goto("/customers/")
    with page.expect_navigation():
        page.get_by_test_id("new-customer").click()
    assert path_of(page) == "/customers/new"

    page.locator("#name").fill(name)
    page.locator("#mobile").fill(mobile)
    page.locator("#sensitive_consent").check()
    id_errors = page.locator("#id_number-errors")
    expect(id_errors.locator("div")).to_have_count(0)

    # Typing a wrong check character: htmx asks the server and the message appears under the field.
    with page.expect_response(lambda r: r.url.endswith("/customers/validate/id_number")
                              and r.request.method == "POST") as checked:
        page.locator("#id_number").press_sequentially(bad_id)
    assert checked.value.ok
    expect(id_errors.locator("div")).to_have_count(1)
    expect(id_errors).not_to_be_empty()
    assert path_of(page) == "/customers/new"
    assert ("POST", page.url) not in requests, "the form was submitted; the check should be inline"

    # Typing the right ID makes the message go away.
    page.locator("#id_number").fill("")
    with page.expect_response(lambda r: r.url.endswith("/customers/validate/id_number")
                              and r.request.method == "POST"):
        page.locator("#id_number").press_sequentially(good_id)
    expect(id_errors.locator("div")).to_have_count(0)
    expect(page.locator("#mobile-errors div")).to_have_count(0)

    page.get_by_test_id("save-customer").click()
    page.wait_for_url(CUSTOMER_PAGE)
    customer_id = int(CUSTOMER_PAGE.match(page.url).group(1))
    expect(page.get_by_test_id("customer-name")).to_have_text(name)

    # Back to the list; active search by the last four digits of the mobile, without reloading.
    with page.expect_navigation():
        page.locator(".breadcrumb a[href='/customers/']").click()
    assert path_of(page) == "/customers/"
    page.evaluate("() => { window.__e2eSameDocument = true;"
                  " document.getElementById('customer-table').dataset.e2eOld = '1'; }")
    with page.expect_response(lambda r: r.url.endswith("/customers/search") and r.request.method == "POST"
                              and f"q={last4}" in (r.request.post_data or "")) as searched:
        page.get_by_test_id("customer-search").press_sequentially(last4)
    assert searched.value.ok
    table = page.locator("#customer-table:not([data-e2e-old])")
    expect(table).to_be_attached()  # the table was swapped for the search result
    expect(table.locator(f"a[href='/customers/{customer_id}']")).to_be_visible()
    mobiles = table.locator("tbody tr .pfi").all_inner_texts()
    assert mobiles and all(m.strip().endswith(last4) for m in mobiles), mobiles
    assert page.evaluate("() => window.__e2eSameDocument === true"), "the page was reloaded"

    # Personal numbers never appear in a URL: not requested, not pushed into the address bar.
    every_url = [url for _method, url in requests] + page_urls + [page.url]
    for secret in (mobile, good_id, bad_id):
        leaked = [url for url in every_url if secret in url]
        assert not leaked, f"a personal number is in a URL: {leaked}"
    assert not [url for url in every_url if f"q={last4}" in url], "the last-4 search term was put into a URL"
    assert page_events.page_errors == []


# --- 2. reveal a full number ------------------------------------------------------------------------

def test_owner_reveals_the_full_mobile_with_a_reason(new_page, session_of, managers_customer):
    page = open_as(new_page, session_of, "manager")
    page.goto(f"/customers/{managers_customer.id}")
    expect(page.get_by_test_id("customer-name")).to_have_text(managers_customer.name)
    expect(page.locator("#reveal-mobile")).not_to_contain_text(managers_customer.mobile)

    reveal = page.locator("#reveal-form-mobile")
    reveal.locator("summary").click()
    reveal.locator("input[name=reason]").fill("客户来电核实 e2e")
    reveal.get_by_test_id("reveal-mobile").click()

    expect(page.get_by_test_id("revealed-value")).to_have_text(managers_customer.mobile)
    assert path_of(page) == f"/customers/{managers_customer.id}"


# --- 3. log an activity: the note is text, never markup (security.md E2) --------------------------

def test_activity_note_with_htmx_markup_is_shown_as_text_and_never_runs(new_page, session_of, managers_customer,
                                                                       page_events):
    page = open_as(new_page, session_of, "manager")
    methods: list[tuple[str, str]] = []
    page.on("request", lambda req: methods.append((req.method, req.url)))
    page.goto(f"/customers/{managers_customer.id}")

    form = page.locator("#timeline-area form")
    form.locator("select[name=kind]").select_option("visit")
    form.locator("select[name=outcome]").select_option("interested")
    form.locator("[name=note]").fill(XSS_NOTE)
    with page.expect_response(lambda r: r.url.endswith(f"/customers/{managers_customer.id}/activities")
                              and r.request.method == "POST") as logged:
        page.get_by_test_id("log-activity").click()
    assert logged.value.ok

    newest = page.locator("#timeline li[data-kind=activity]").first
    expect(newest.locator(".text-break")).to_have_text(XSS_NOTE)
    expect(page.locator("#timeline button[hx-delete]")).to_have_count(0)
    page.wait_for_timeout(500)  # time for an injected hx-trigger="load" to fire, if it had been rendered

    # The full page render escapes it too.
    page.reload()
    expect(page.locator("#timeline li[data-kind=activity]").first.locator(".text-break")).to_have_text(XSS_NOTE)
    expect(page.locator("#timeline button[hx-delete]")).to_have_count(0)
    page.wait_for_timeout(500)

    deletes = [url for method, url in methods if method == "DELETE"]
    assert deletes == [], f"the note's markup ran: {deletes}"
    assert page_events.page_errors == []


# --- 4 and 5. who may edit ---------------------------------------------------------------------------

def test_other_manager_of_the_branch_sees_a_masked_customer_without_edit(new_page, session_of, managers_customer):
    page = open_as(new_page, session_of, "credit")
    page.goto(f"/customers/{managers_customer.id}")

    heading = page.get_by_test_id("customer-name")
    expect(heading).to_contain_text("*")
    expect(heading).not_to_have_text(managers_customer.name)
    expect(page.get_by_test_id("edit-customer")).to_have_count(0)
    expect(page.get_by_test_id("log-activity")).to_have_count(0)
    expect(page.locator("#reveal-form-mobile")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text(managers_customer.mobile)


def test_supervisor_of_the_branch_may_edit_any_customer(new_page, session_of, managers_customer):
    page = open_as(new_page, session_of, "supervisor")
    page.goto(f"/customers/{managers_customer.id}")

    expect(page.get_by_test_id("customer-name")).to_have_text(managers_customer.name)
    expect(page.get_by_test_id("edit-customer")).to_be_visible()
    expect(page.get_by_test_id("edit-customer")).to_have_attribute("href", f"/customers/{managers_customer.id}/edit")
