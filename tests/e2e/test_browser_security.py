"""What the browser keeps and fetches: no htmx history cache, no third-party hosts, no CSP violations."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .journeys import open_user_menu, path_of, sign_in

pytestmark = pytest.mark.browser


def test_browsing_keeps_no_page_copies_fetches_only_our_server_and_respects_the_csp(page, page_events, live_server):
    sign_in(page, "manager")
    assert path_of(page) == "/my-day"

    # Two more pages through the UI: the brand link (home) and "change password" in the user menu.
    with page.expect_navigation():
        page.locator("a.navbar-brand").click()
    expect(page.get_by_test_id("home-heading")).to_be_visible()
    open_user_menu(page)
    with page.expect_navigation():
        page.locator("a.dropdown-item[href='/account/password']").click()
    assert path_of(page) == "/account/password"

    # security.md E3: htmx must not copy pages (customer data) into localStorage.
    assert page.evaluate("localStorage.getItem('htmx-history-cache')") in (None, "[]")

    assert page_events.requests, "no requests were recorded"
    assert all(url.startswith(live_server.url) or not url.startswith("http") for url in page_events.requests)
    assert page_events.foreign_requests() == []
    assert page_events.csp_violations() == []
    assert page_events.page_errors == []
