"""Accessibility: axe-core on every page each role can reach, on a desktop and a 375 px phone.

JOURNEYS lists, per role, the pages that role walks through, in order. A later issue's page is one more
line here (a path; {placeholders} are DemoIds fields). Pages with states a list cannot reach (a refused
form, a swapped fragment, a revealed number) are checked inside the keyboard journeys with axe(page, state).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .journeys import open_as

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}

JOURNEYS: dict[str, list[str]] = {
    "anonymous": [
        "/login",
        "/no-such-page",
    ],
    "lobby": [
        "/lobby",
        "/lobby/queue",
        "/lobby/queue?screen=tv",
        "/lobby/log",
        "/referrals/",
        "/customers/{own_customer}/card",
        "/account/password",
        "/reauthenticate",
    ],
    "manager": [
        "/my-day",
        "/lobby/queue",
        "/customers/",
        "/customers/?owner={user}",
        "/customers/new",
        "/customers/{own_customer}",
        "/customers/{own_business}",
        "/customers/{own_customer}/edit",
        "/customers/{own_business}/edit",
        "/customers/{own_customer}/card",
        "/appointments/customer/{own_customer}",
        "/customers/{colleague_customer}",
        "/customers/{introduced_customer}",
        "/partners/",
        "/partners/new",
        "/partners/{partner}",
        "/partners/{partner}/edit",
        "/referrals/introducers",
        "/referrals/introducers?period=year",
        "/account/password",
        "/reauthenticate",
        "/customers/999999",
        "/referrals/",
        "/referrals/?tab=from_me",
        "/referrals/new/{own_customer}",
        "/referrals/credit",
    ],
    "credit": [
        "/my-day",
        "/customers/",
        "/customers/{own_customer}",
        "/customers/new",
        "/referrals/",
        "/referrals/credit?period=week",
    ],
    "supervisor": [
        "/team",
        "/customers/",
        "/customers/archived",
        "/audit/",
        "/audit/?customer={own_customer}",
        "/customers/new",
        "/customers/{own_customer}",
        "/customers/{own_customer}/edit",
        "/customers/{own_customer}/card",
        "/partners/",
        "/referrals/introducers?period=quarter",
        "/account/password",
        "/referrals/?tab=branch",
        "/referrals/?tab=branch&status=overdue",
        "/referrals/credit",
    ],
    "admin": [
        "/admin/",
        "/admin/branches",
        "/admin/branches/new",
        "/admin/branches/{branch}/edit",
        "/admin/branches/{branch}/teams",
        "/admin/branches/{branch}/teams/new",
        "/admin/teams/{team}/edit",
        "/admin/users",
        "/admin/users?role=manager",
        "/admin/users/new",
        "/admin/users/{user}",
        "/admin/users/{user}/edit",
        "/admin/users/{user}/reset-password",
        "/admin/tier-rules",
        "/customers/",
        "/referrals/introducers",
        "/audit/",
        "/customers/{own_customer}",
        "/customers/{own_customer}/card",
        "/account/password",
        "/referrals/",
        "/referrals/credit",
    ],
}

CASES = [(role, size) for role in JOURNEYS for size in VIEWPORTS]


@pytest.mark.parametrize(("role", "size"), CASES, ids=[f"{r}-{s}" for r, s in CASES])
def test_every_page_of_every_role_passes_axe(new_page, session_of, demo, axe, role, size):
    options = VIEWPORTS[size]
    page = new_page(**options) if role == "anonymous" else open_as(new_page, session_of, role, **options)
    for path in JOURNEYS[role]:
        page.goto(path.format(**demo.__dict__))
        axe(page)


# --- touch: checkboxes, row links and disclosure toggles are at least 24 × 24 px on a phone --------------

TOUCH_TARGETS = "input[type=checkbox], table a, .timeline a, summary, .breadcrumb a"
TOUCH_PAGES = {
    "supervisor": ["/customers/", "/customers/{own_customer}", "/customers/archived", "/audit/",
                   "/customers/{own_customer}/edit"],
    "manager": ["/customers/", "/customers/{own_customer}", "/customers/new", "/customers/{introduced_customer}",
                "/partners/", "/referrals/introducers?period=year", "/referrals/?tab=from_me", "/referrals/credit"],
    "admin": ["/admin/users", "/admin/branches", "/admin/tier-rules", "/admin/users/{user}/edit"],
}

MEASURE = """(selector) => [...document.querySelectorAll(selector)]
  .filter(e => e.offsetParent !== null)
  .map(e => { const r = e.getBoundingClientRect();
              return {what: e.tagName + " " + (e.textContent || e.name || e.id).trim().slice(0, 20),
                      width: r.width, height: r.height}; })"""


@pytest.mark.parametrize("role", list(TOUCH_PAGES))
def test_touch_targets_are_at_least_24_px_at_phone_width(new_page, session_of, demo, role):
    page = open_as(new_page, session_of, role, **PHONE)
    measured = 0
    for path in TOUCH_PAGES[role]:
        page.goto(path.format(**demo.__dict__))
        boxes = page.evaluate(MEASURE, TOUCH_TARGETS)
        measured += len(boxes)
        small = [b for b in boxes if b["width"] < 23.5 or b["height"] < 23.5]
        assert not small, f"touch targets under 24 px on {path}: {small[:8]}"
    assert measured > 10, "almost nothing was measured"


# --- page states a list of URLs cannot reach -----------------------------------------------------------------

def test_the_one_time_password_pages_pass_axe(new_page, session_of, axe):
    """Creating an account and resetting its password (a fresh account: the demo users keep theirs)."""
    import random

    page = open_as(new_page, session_of, "admin")
    page.goto("/admin/users/new")
    number = random.randrange(10**6)
    page.locator("#username").fill(f"a11y{number}")
    page.locator("#display_name").fill("无障碍测试")
    page.locator("#employee_no").fill(f"T{number}")
    page.locator("#role").select_option("lobby")
    page.locator("#branch_id").select_option(index=1)
    with page.expect_navigation():
        page.get_by_test_id("save").click()
    expect(page.get_by_test_id("one-time-password")).to_be_visible()
    axe(page, "account created")
    page.get_by_test_id("done").click()
    page.get_by_test_id("reset-password").click()
    axe(page)
    with page.expect_navigation():
        page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("one-time-password")).to_be_visible()
    axe(page, "password reset")


def test_the_pages_without_javascript_pass_axe(new_page, session_of, demo, axe):
    """The reveal as a plain form post (no htmx) answers with a page of its own; the refused sign-in shows its
    message. (Playwright cannot evaluate axe with JavaScript off, so the plain post is sent by form.submit(),
    which htmx does not intercept.)"""
    page = open_as(new_page, session_of, "manager")
    page.goto(f"/customers/{demo.own_customer}")
    page.locator("#reveal-form-mobile summary").click()
    page.locator("#reveal-reason-mobile").fill("客户来电核实 e2e")
    with page.expect_navigation():
        page.locator("#reveal-form-mobile form").evaluate("f => f.submit()")
    expect(page.get_by_test_id("revealed-value")).to_be_visible()
    axe(page, "revealed, plain post")

    anonymous = new_page()
    anonymous.goto("/login")
    anonymous.locator("#username").fill("manager")
    anonymous.locator("#password").fill("not-the-password")
    with anonymous.expect_navigation():
        anonymous.locator("form button[type=submit]").click()
    expect(anonymous.get_by_test_id("login-error")).to_be_visible()
    axe(anonymous, "wrong password")
