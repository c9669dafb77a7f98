"""Keyboard alone: a skip link, a focus ring of 3:1 or better on every control, and after every htmx swap the
focus on the new entry or the field in error, never on the body. The keys pressed are a keyboard user's."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from .journeys import focused, open_as, path_of, tab_to
from .test_accessibility import PHONE
from .test_customers import fill_and_save_customer, unique_mobile, unique_name, valid_id_number

pytestmark = pytest.mark.browser

# --- the focus ring: measured on the focused element, against what is behind the ring ------------------------

FOCUS_STYLE = """() => {
  const el = document.activeElement;
  const cs = getComputedStyle(el);
  const behind = (node) => {
    for (let n = node; n && n.nodeType === 1; n = n.parentElement) {
      const m = getComputedStyle(n).backgroundColor.match(/rgba?\\(([^)]+)\\)/);
      const p = m ? m[1].split(",").map(Number) : [];
      if (p.length === 3 || p[3] > 0.5) { return p.slice(0, 3); }
    }
    return [255, 255, 255];
  };
  const offset = parseFloat(cs.outlineOffset) || 0;
  const again = el.hasAttribute("data-tabbed");
  el.setAttribute("data-tabbed", "");
  return {again: again, what: el.tagName + (el.id ? "#" + el.id : "") + " " + (el.textContent || el.name || "").trim().slice(0, 24),
          style: cs.outlineStyle, width: parseFloat(cs.outlineWidth) || 0,
          color: cs.outlineColor, behind: behind(offset >= 0 ? el.parentElement : el), body: el === document.body};
}"""


def _rgb(css: str) -> tuple[int, int, int]:
    return tuple(int(float(x)) for x in re.findall(r"[\d.]+", css)[:3])


def _luminance(rgb) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def tab_through(page: Page, limit: int = 150) -> list[dict]:
    """Tab from the top of the page to its end; the focus style of every control on the way."""
    styles = []
    page.locator("body").evaluate("b => b.focus()")
    for _ in range(limit):
        page.keyboard.press("Tab")
        style = page.evaluate(FOCUS_STYLE)
        if style["body"] or style["again"]:
            break
        styles.append(style)
    return styles


def weak_rings(styles: list[dict]) -> list[str]:
    return [f"{s['what']}: {s['style']} {s['width']}px {s['color']} on rgb{tuple(s['behind'])}"
            for s in styles
            if s["style"] in ("none", "hidden") or s["width"] < 2 or contrast(_rgb(s["color"]), s["behind"]) < 3]


def test_a_lazy_panel_arriving_late_leaves_the_keyboard_at_the_top(new_page, session_of, demo):
    page = open_as(new_page, session_of, "manager")

    def late(route):
        time.sleep(1.5)
        route.continue_()

    for panel in ("**/appointments/customer/**", "**/follow-ups/customer/**", "**/introductions"):
        page.route(panel, late)
    page.goto(f"/customers/{demo.own_customer}", wait_until="domcontentloaded")
    page.wait_for_selector("[data-testid=appointments-panel]", timeout=10_000)
    page.wait_for_selector("[data-testid=follow-ups-panel]", timeout=10_000)
    assert page.evaluate("document.activeElement === document.body")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_class(re.compile("skip-link|visually-hidden-focusable"))


FOCUS_PAGES = {
    "manager": ["/my-day", "/customers/", "/customers/new", "/customers/{own_customer}", "/account/password"],
    "supervisor": ["/customers/", "/audit/"],
    "admin": ["/admin/users", "/admin/tier-rules", "/admin/users/new"],
}
FOCUS_CASES = [(role, size) for role in FOCUS_PAGES for size in ("desktop", "phone")]


@pytest.mark.parametrize(("role", "size"), FOCUS_CASES, ids=[f"{r}-{s}" for r, s in FOCUS_CASES])
def test_every_control_shows_a_focus_ring_of_at_least_3_to_1(new_page, session_of, demo, role, size):
    page = open_as(new_page, session_of, role, **(PHONE if size == "phone" else {}))
    for path in FOCUS_PAGES[role]:
        page.goto(path.format(**demo.__dict__))
        styles = tab_through(page)
        assert len(styles) > 3, f"Tab reached almost nothing on {path}"
        assert not weak_rings(styles), f"weak focus rings on {path}:\n" + "\n".join(weak_rings(styles))
    # The red bar's menu, opened from the keyboard, and the user menu inside it.
    if size == "phone":
        tab_to(page, ".navbar-toggler")
        page.keyboard.press("Enter")
        expect(page.locator("#main-nav")).to_be_visible()
    tab_to(page, "[data-testid=user-menu]")
    page.keyboard.press("Enter")
    expect(page.locator(".dropdown-menu")).to_be_visible()
    styles = []
    for _ in range(6):
        page.keyboard.press("Tab")
        styles.append(page.evaluate(FOCUS_STYLE))
    assert not weak_rings(styles), "weak focus rings in the menu:\n" + "\n".join(weak_rings(styles))


# --- the skip link ------------------------------------------------------------------------------------------

def test_the_first_tab_offers_a_skip_link_to_the_main_content(new_page, session_of):
    page = open_as(new_page, session_of, "manager")
    page.goto("/customers/")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    assert focused(page, "a.skip-link")
    expect(skip).to_be_visible()
    box = skip.bounding_box()
    assert box and box["width"] > 40 and box["height"] >= 24 and box["y"] >= 0
    page.keyboard.press("Enter")
    assert focused(page, "#main")
    page.keyboard.press("Tab")  # the next stop is inside the main content, past the red bar
    assert page.evaluate("() => document.getElementById('main').contains(document.activeElement)")


# --- focus after htmx swaps -------------------------------------------------------------------------------------

def test_logging_an_activity_by_keyboard_focuses_the_new_entry_then_the_field_in_error(
        new_page, session_of, demo, axe, page_events):
    page = open_as(new_page, session_of, "manager")
    page.goto(f"/customers/{demo.own_customer}")
    expect(page.locator("[data-testid=booking-form]")).to_be_visible()  # the appointment panel loads after the page
    note = page.locator("#timeline-area #note")
    note.scroll_into_view_if_needed()  # the mouse drag below needs the box inside the viewport
    # A person makes the one-line note box taller by dragging its corner (Chromium writes an inline style:
    # htmx must not copy it onto the new form, which the CSP would refuse).
    box = note.bounding_box()
    page.mouse.move(box["x"] + box["width"] - 2, box["y"] + box["height"] - 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] - 2, box["y"] + box["height"] + 40)
    page.mouse.up()
    assert "height" in (note.get_attribute("style") or "")

    tab_to(page, "#timeline-area #kind")
    page.keyboard.press("ArrowDown")  # the next kind of contact
    page.keyboard.press("Tab")
    assert focused(page, "#outcome")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    assert focused(page, "#note")
    page.keyboard.type("键盘记录的联系 e2e")
    page.keyboard.press("Tab")
    assert focused(page, "[data-testid=log-activity]")
    with page.expect_response(lambda r: r.url.endswith("/activities") and r.request.method == "POST"):
        page.keyboard.press("Enter")
    newest = page.locator("#timeline > li").first
    expect(newest).to_contain_text("键盘记录的联系 e2e")
    expect(newest).to_be_focused()
    axe(page, "activity logged")

    # Refused (too long; maxlength taken off, as an old browser would ignore it): the focus lands on the
    # note, which says why.
    page.locator("#outcome").select_option("reached")
    page.locator("#note").evaluate("n => n.removeAttribute('maxlength')")
    page.locator("#note").fill("长" * 2001)
    page.locator("#note").focus()
    tab_to(page, "[data-testid=log-activity]")
    with page.expect_response(lambda r: r.url.endswith("/activities") and r.request.method == "POST"):
        page.keyboard.press("Enter")
    note = page.locator("#note")
    expect(note).to_be_focused()
    expect(note).to_have_attribute("aria-invalid", "true")
    described = note.get_attribute("aria-describedby").split()
    expect(page.locator(f"#{described[0]}")).not_to_be_empty()
    axe(page, "activity refused")
    assert not page_events.csp_violations()


def test_a_refused_tier_change_focuses_the_reason_and_a_good_one_reloads(new_page, session_of, demo, axe):
    page = open_as(new_page, session_of, "manager")
    page.goto(f"/customers/{demo.own_customer}")
    tab_to(page, "#tier-panel #tier")
    current = page.locator("#tier").input_value()
    page.keyboard.press("ArrowDown" if current != "C" else "ArrowUp")
    page.keyboard.press("Tab")
    assert focused(page, "#tier-reason")
    with page.expect_response(lambda r: r.url.endswith("/tier") and r.request.method == "POST"):
        page.keyboard.press("Enter")  # no reason given
    reason = page.locator("#tier-reason")
    expect(reason).to_be_focused()
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#tier-reason-errors")).not_to_be_empty()
    axe(page, "tier refused")

    chosen = page.locator("#tier").input_value()
    page.keyboard.type("键盘调整 e2e")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#tier-panel .tier-badge").first).to_have_text(chosen)


def test_revealing_by_keyboard_focuses_the_number(new_page, session_of, demo, axe):
    page = open_as(new_page, session_of, "manager")
    page.goto(f"/customers/{demo.own_customer}")
    tab_to(page, "#reveal-form-mobile summary")
    page.keyboard.press("Enter")  # opens the disclosure
    page.keyboard.press("Tab")
    assert focused(page, "#reveal-reason-mobile")
    page.keyboard.type("客户来电核实 e2e")
    page.keyboard.press("Enter")
    value = page.get_by_test_id("revealed-value")
    expect(value).to_be_focused()
    expect(value).to_have_text(re.compile(r"^1\d{10}$"))
    axe(page, "revealed")


def test_archiving_by_keyboard_and_the_archived_list(new_page, session_of, axe):
    page = open_as(new_page, session_of, "manager")
    name = unique_name()
    customer_id = fill_and_save_customer(page, name=name, mobile=unique_mobile(), id_number=valid_id_number())
    page.on("dialog", lambda dialog: dialog.accept())
    tab_to(page, "details:has(#archive-reason) summary")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert focused(page, "#archive-reason")
    page.keyboard.type("客户已销户 e2e")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert path_of(page) == "/customers/"

    supervisor = open_as(new_page, session_of, "supervisor")
    supervisor.goto("/customers/archived")
    expect(supervisor.locator(f"#customer-{customer_id}")).to_be_visible()
    axe(supervisor, "with a row")


def test_tier_rules_by_keyboard_show_the_threshold_of_the_chosen_measure(new_page, session_of, axe):
    page = open_as(new_page, session_of, "admin")
    page.goto("/admin/tier-rules")
    band, number = page.locator("#asset_band"), page.locator("#threshold")
    tab_to(page, "#metric")
    expect(band).to_be_visible()
    expect(number).to_be_hidden()
    page.keyboard.press("ArrowDown")  # loan need: a number
    expect(number).to_be_visible()
    expect(band).to_be_hidden()
    page.keyboard.press("Tab")
    assert focused(page, "#threshold")  # the hidden band select is skipped
    with page.expect_navigation():
        page.keyboard.press("Enter")  # empty: refused, next to the field
    expect(page.locator("#threshold")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#threshold")).to_be_focused()
    axe(page, "refused")
    page.keyboard.type("888")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("[data-testid=tier-rule]", has_text="888")).to_have_count(1)
