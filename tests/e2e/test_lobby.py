"""The lobby journey (issue 12): the wealth manager's new customer is made A-tier; the lobby officer types the
number and hands the customer to the wealth manager in three actions (need, specialist, hand-off); the owner's
page shows the priority alert; the specialist serves them from the queue; the TV shows no full name."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .journeys import open_as
from .test_customers import fill_and_save_customer, unique_mobile, unique_name, valid_id_number

pytestmark = pytest.mark.browser


def test_lobby_logs_an_a_tier_walk_in_hands_it_off_and_the_specialist_serves_it(new_page, session_of, axe):
    name, mobile = unique_name(), unique_mobile()
    owner = open_as(new_page, session_of, "manager")
    customer_id = fill_and_save_customer(owner, name=name, mobile=mobile, id_number=valid_id_number())
    owner.locator("#tier").select_option("A")
    owner.locator("#tier-reason").fill("高净值客户 e2e")
    with owner.expect_navigation():
        owner.locator("#tier-reason").press("Enter")
    expect(owner.locator("#tier-panel .tier-badge").first).to_have_text("A")

    lobby = open_as(new_page, session_of, "lobby")
    lobby.goto("/lobby")
    lobby.get_by_test_id("lobby-mobile").fill(mobile)
    lobby.get_by_test_id("lobby-mobile").press("Enter")
    card = lobby.get_by_test_id("lobby-card")
    expect(card).to_be_visible()
    expect(lobby.get_by_test_id("lobby-who-to-call")).to_contain_text("张伟")
    assert name not in card.inner_text()
    # 1. the need (the form redraws with the wealth specialists first), 2. the specialist, 3. hand off.
    lobby.locator("label[for=need-wealth]").click()
    expect(lobby.get_by_test_id("need-wealth")).to_be_checked()
    specialist = lobby.get_by_test_id("walk-in-specialist")
    specialist.select_option(label=specialist.locator("option", has_text="张伟").first.inner_text())
    lobby.get_by_test_id("walk-in-handoff").click()
    logged = lobby.get_by_test_id("walk-in-logged")
    expect(logged).to_contain_text("张伟")

    owner.goto("/my-day")
    alert = owner.get_by_test_id("walk-in-alert")
    expect(alert).to_be_visible()
    assert name not in alert.inner_text()
    axe(owner, "priority alert")  # its dismiss button was light grey on the pink banner (contrast 1.26:1)

    owner.goto("/lobby/queue")
    owner.get_by_test_id("queue-call-next").click()
    waiting = owner.get_by_test_id("queue-waiting")
    expect(waiting).to_contain_text("已叫号")
    tv = open_as(new_page, session_of, "lobby")
    tv.goto("/lobby/queue?screen=tv")
    expect(tv.get_by_test_id("lobby-tv")).to_contain_text("请到柜台")
    assert name not in tv.content() and mobile not in tv.content()
    owner.locator("[data-testid^=queue-start-]").first.click()
    expect(owner.get_by_test_id("queue-serving")).to_contain_text("张伟")
    owner.locator("[data-testid^=queue-finish-]").first.click()
    expect(owner.get_by_test_id("queue-done")).to_contain_text("张伟")
    assert customer_id


def test_lobby_books_an_appointment_with_a_specialist_and_it_is_on_their_calendar(new_page, session_of):
    """"Appointment booked": the officer picks the specialist (their free times load in the form), a time, and
    books; the answer says what was booked and the specialist's calendar shows it."""
    name, mobile = unique_name(), unique_mobile()
    owner = open_as(new_page, session_of, "manager")
    fill_and_save_customer(owner, name=name, mobile=mobile, id_number=valid_id_number())

    lobby = open_as(new_page, session_of, "lobby")
    lobby.goto("/lobby")
    lobby.get_by_test_id("lobby-mobile").fill(mobile)
    lobby.get_by_test_id("lobby-mobile").press("Enter")
    expect(lobby.get_by_test_id("lobby-card")).to_be_visible()
    lobby.locator("label[for=need-wealth]").click()
    expect(lobby.get_by_test_id("need-wealth")).to_be_checked()
    lobby.get_by_test_id("walk-in-booked").click()
    expect(lobby.get_by_test_id("walk-in-booking")).to_be_visible()
    specialist = lobby.get_by_test_id("walk-in-specialist")
    specialist.select_option(label=specialist.locator("option", has_text="张伟").first.inner_text())
    expect(lobby.get_by_test_id("walk-in-specialist")).to_have_value(specialist.input_value())
    slot = lobby.get_by_test_id("walk-in-slot")
    expect(slot).to_be_visible()
    chosen = slot.locator("option").first.get_attribute("value")
    slot.select_option(chosen)
    lobby.get_by_test_id("walk-in-book").click()
    booked = lobby.get_by_test_id("walk-in-appointment")
    expect(booked).to_contain_text("张伟")
    expect(booked).to_contain_text(chosen[11:16])
    assert name not in lobby.content()

    owner.goto(f"/appointments/?view=day&day={chosen[:10]}")
    expect(owner.locator("[data-testid=calendar-event]", has_text=name)).to_contain_text(chosen[11:16])


def test_choosing_a_need_redraws_the_form_without_a_script_error_and_a_submit_disables_every_button(
        new_page, session_of, page_events):
    """The walk-in form's hx-disabled-elt was "find button": the need's radios inherit it and find no button
    under themselves (htmx logs "returned no matches" on every need chosen), and a submit disabled only the
    form's first button. The officer's three actions must leave no script error."""
    mobile = unique_mobile()
    lobby = open_as(new_page, session_of, "lobby")
    lobby.goto("/lobby")
    lobby.get_by_test_id("lobby-mobile").fill(mobile)
    lobby.get_by_test_id("lobby-mobile").press("Enter")
    expect(lobby.get_by_test_id("lobby-no-match")).to_be_visible()
    lobby.get_by_test_id("walk-in-visitor").fill("赵女士")
    lobby.evaluate("""() => new Promise((resolve) => {  // the need redraws the form (its specialists first)
        document.body.addEventListener("htmx:afterSettle", () => resolve(), {once: true});
        document.querySelector("label[for=need-loan]").click();
    })""")
    expect(lobby.get_by_test_id("need-loan")).to_be_checked()
    disabled = lobby.evaluate("""() => new Promise((resolve) => {
        document.body.addEventListener("htmx:beforeSend", () => resolve(
            [...document.querySelectorAll("[data-testid=walk-in-form] button")].map((b) => b.disabled)), {once: true});
        document.querySelector("[data-testid=walk-in-queue]").click();
    })""")
    expect(lobby.get_by_test_id("walk-in-logged")).to_be_visible()
    assert disabled and all(disabled), disabled
    assert not [m for m in page_events.console_errors if "returned no matches" in m], page_events.console_errors
