"""The customer form as a new user meets it: only the chosen kind's section, a person's 姓名 and a company's
名称, required fields marked, a field in error outlined and described; without JavaScript both sections show."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .journeys import focused, open_as, tab_to
from .test_customers import valid_id_number, with_wrong_check_character

pytestmark = pytest.mark.browser


def test_the_form_shows_the_section_of_the_chosen_kind_and_names_the_name_field(new_page, session_of, axe):
    page = open_as(new_page, session_of, "manager")
    page.goto("/customers/new")
    person, business = page.get_by_test_id("section-individual"), page.get_by_test_id("section-business")
    name_label = page.locator("label[for=name]")
    expect(person).to_be_visible()
    expect(business).to_be_hidden()
    expect(name_label).to_have_text("姓名")

    tab_to(page, "#kind")
    page.keyboard.press("ArrowDown")  # 小微企业
    expect(business).to_be_visible()
    expect(person).to_be_hidden()
    expect(name_label).to_have_text("名称")
    axe(page, "business")
    page.keyboard.press("ArrowUp")
    expect(person).to_be_visible()
    expect(name_label).to_have_text("姓名")


def test_required_fields_are_marked_and_a_refused_form_outlines_and_describes_them(new_page, session_of, axe):
    page = open_as(new_page, session_of, "manager")
    page.goto("/customers/new")
    expect(page.locator(".field-name .text-danger")).to_have_text("*")
    expect(page.locator(".field-mobile .text-danger")).to_have_text("*")
    expect(page.locator("#name")).to_have_attribute("required", "")
    expect(page.locator("#mobile")).to_have_attribute("aria-required", "true")
    expect(page.locator("#contact_name")).to_have_attribute("aria-required", "true")

    tab_to(page, "[data-testid=save-customer]")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # nothing filled in
    for field in ("name", "mobile"):
        control = page.locator(f"#{field}")
        assert "is-invalid" in (control.get_attribute("class") or "")
        expect(control).to_have_attribute("aria-invalid", "true")
        errors = page.locator(f"#{control.get_attribute('aria-describedby').split()[0]}")
        expect(errors).not_to_be_empty()
        # Outlined, not only described: Bootstrap's red border.
        assert control.evaluate("e => getComputedStyle(e).borderTopColor") == "rgb(220, 53, 69)"
    assert focused(page, "#name")  # the page starts at the first field in error
    axe(page, "refused")


def test_the_inline_check_sets_the_fields_invalid_state(new_page, session_of):
    page = open_as(new_page, session_of, "manager")
    page.goto("/customers/new")
    good = valid_id_number()
    id_field = page.locator("#id_number")
    with page.expect_response(lambda r: r.url.endswith("/customers/validate/id_number")):
        id_field.press_sequentially(with_wrong_check_character(good))
    expect(id_field).to_have_attribute("aria-invalid", "true")
    id_field.fill("")
    with page.expect_response(lambda r: r.url.endswith("/customers/validate/id_number")):
        id_field.press_sequentially(good)
    expect(id_field).not_to_have_attribute("aria-invalid", "true")
    assert "is-invalid" not in (id_field.get_attribute("class") or "")


def test_without_javascript_both_sections_show(new_page, session_of):
    page = open_as(new_page, session_of, "manager", java_script_enabled=False)
    page.goto("/customers/new")
    expect(page.get_by_test_id("section-individual")).to_be_visible()
    expect(page.get_by_test_id("section-business")).to_be_visible()
