"""Signing in and out through the real login form, in Chinese, on a desktop and a phone."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from .journeys import HOME_OF, open_user_menu, path_of, sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("username", "home"), list(HOME_OF.items()))
def test_each_role_lands_on_its_home_page_in_chinese(page, username, home):
    sign_in(page, username)

    assert path_of(page) == home
    expect(page.get_by_test_id("home-heading")).to_be_visible()
    # The interface language is Chinese for a demo user and a zh-CN browser.
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_test_id("logout")).to_be_attached()


def test_language_switch_in_the_user_menu_changes_the_page_language(page):
    sign_in(page, "manager2")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    try:
        open_user_menu(page)
        page.get_by_role("button", name="English", exact=True).click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        assert path_of(page) == "/my-day"  # back on the page the switch was made from
        expect(page.get_by_test_id("home-heading")).to_be_visible()
    finally:
        # The choice is saved on the user: put it back so other journeys see Chinese.
        page.goto("/my-day")
        open_user_menu(page)
        page.get_by_role("button", name="简体中文", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")


def test_sign_out_ends_the_session(page):
    sign_in(page, "credit")
    assert path_of(page) == "/my-day"

    open_user_menu(page)
    with page.expect_navigation():
        page.get_by_test_id("logout").click()
    assert path_of(page) == "/login"
    expect(page.locator("input[name=username]")).to_be_visible()

    page.goto("/my-day")
    assert path_of(page) == "/login"
    expect(page.get_by_test_id("home-heading")).to_have_count(0)


def test_wrong_password_shows_an_error_and_stays_on_the_login_page(page):
    sign_in(page, "supervisor2", "not-the-password")

    assert path_of(page) == "/login"
    expect(page.get_by_test_id("login-error")).to_be_visible()
    expect(page.locator("nav .dropdown-toggle")).to_have_count(0)
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")


PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}


def scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_phone_width_layout_has_a_menu_button_and_no_horizontal_scroll(new_page):
    page = new_page(**PHONE)
    sign_in(page, "manager")
    assert path_of(page) == "/my-day"

    toggler = page.locator(".navbar-toggler")
    expect(toggler).to_be_visible()
    assert scroll_width(page) <= 375
    # A manager's bar carries two live badges beside the toggler; they all stay on the brand's row.
    for badge in ("follow-up-badge-bar", "referral-badge-bar"):
        expect(page.get_by_test_id(badge)).to_have_count(1)
    brand, button = page.locator(".navbar-brand").bounding_box(), toggler.bounding_box()
    assert abs((button["y"] + button["height"] / 2) - (brand["y"] + brand["height"] / 2)) < 8, (brand, button)

    # The collapsed menu opens and still fits the screen.
    toggler.click()
    expect(page.locator("#main-nav")).to_be_visible()
    expect(page.locator("nav .dropdown-toggle")).to_be_visible()
    assert scroll_width(page) <= 375


def test_phone_width_forms_have_no_horizontal_scroll(new_page):
    page = new_page(**PHONE)
    page.goto("/login")
    assert scroll_width(page) <= 375

    sign_in(page, "manager")
    page.goto("/account/password")
    assert scroll_width(page) <= 375


def test_phone_width_customer_list_shows_rows_as_cards(new_page):
    """The list's rows wrap into cards on a phone: the name on a line of its own, the rest below it."""
    page = new_page(**PHONE)
    sign_in(page, "manager")
    page.goto("/customers/")
    first = page.locator("#customer-table tbody tr").first
    expect(first).to_be_visible()
    assert scroll_width(page) <= 375
    expect(page.locator("#customer-table thead")).to_be_hidden()
    name_box = first.locator("td.cell-name").bounding_box()
    mobile_box = first.locator(".pfi").bounding_box()
    assert name_box and mobile_box
    assert name_box["width"] > 300  # the whole card's width
    assert mobile_box["y"] >= name_box["y"] + name_box["height"] - 1  # the values come below the name
    artifacts = Path(__file__).resolve().parents[1] / "artifacts"
    artifacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / "phone-list.png"))  # for a person to look at; git ignores it
