"""The pages the benchmark measures: one entry each. run.py drives them, cpu.py and profile_pages.py reuse them.

A new area adds its pages to `pages()` below, e.g.

    Page("referrals", "referral list", ["/referrals/"], feature="referrals"),
    Page("lobby", "lobby queue", ["/lobby"], role="lobby", rows="any", shows='id="lobby-queue"', feature="the lobby queue"),

`feature` marks a page of something the app may not have yet: while the app answers it with 404 or finds no rows,
the page is skipped with a note in RESULTS.md instead of failing. Everything else is checked once before
measuring (status, rows, `shows`) and a wrong page fails the budget.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

import lobby_data
import schedule_data

ROW_MARK = '<tr id="customer-'


@dataclass(frozen=True)
class Page:
    key: str  # for --only and the report
    label: str
    paths: list[str]  # cycled, one per request
    role: str | None = "manager"  # who signs in (managers, supervisor or lobby staff of branch 1); None: no session
    method: str = "GET"
    forms: list[str] | None = None  # urlencoded POST bodies, cycled with the paths
    htmx: bool = False  # sent as htmx sends it (HX-Request: true)
    rows: str = "some"  # customer rows the page must show: "50", "some" (1-50) or "any"
    shows: str | None = None  # text the page must contain
    kind: str = "page"  # "bare" (the stack's ceiling), "reference" (the signed-in frame) or "page" (under the budget)
    feature: str | None = None  # skipped with a note while the app lacks this feature (404 or no rows)
    server: str = "app"  # "app" or "bare" (bench/bare.py's own gunicorn)
    before: tuple[str, ...] = ()  # SQL run before each measurement (a write page undoes its earlier runs)
    p50_ms: float | None = None  # a stricter p50 at 4 clients than the engine's (the lobby's own targets)

    def payload_count(self) -> int:
        """Paths and forms go in pairs when there are as many of each, else every path takes every form."""
        if self.forms and len(self.forms) == len(self.paths):
            return len(self.paths)
        return len(self.paths) * len(self.forms or [1])


def pages(m: dict) -> list[Page]:
    """Every page, from the manifest bench/load.py wrote (search terms, ids and counts that exist in branch 1)."""
    return [
        Page("bare", "bare route (50-row table, constant data, no app)", ["/bare"], role=None, rows="50",
             kind="bare", server="bare"),
        Page("reference", "signed-in reference (the real frame, 50 constant rows)", ["/bench/reference"], rows="50",
             kind="reference"),
        Page("list", "customer list", ["/customers/"], rows="50"),
        Page("name", f"name search q={m['surname']} ({m['surname_hits']:,} hits)",
             [f"/customers/?q={quote(m['surname'])}"]),
        Page("name_contains", f"name contains q={m['contains_term']} ({m['contains_hits']:,} in the branch, the manager's own found)",
             [f"/customers/?q={quote(m['contains_term'])}"], feature="'contains' name search"),
        Page("name_pinyin", f"pinyin search q={m['pinyin_term']} ({m['pinyin_name']}, {m['pinyin_hits']:,} in the branch)",
             [f"/customers/?q={m['pinyin_term']}"], feature="pinyin name search"),
        Page("last4", "尾号 search (POST, htmx)", ["/customers/search"], method="POST",
             forms=[f"q={d}" for d in m["last4"]], htmx=True),
        Page("tier", f"tier filter tier=A ({m['tier_a_hits']:,} rows)", ["/customers/?tier=A"],
             rows="50" if m["tier_a_hits"] >= 50 else "some"),
        Page("last_page", f"page {m['last_page']} (the last page)", [f"/customers/?page={m['last_page']}"],
             shows=f"{m['last_page']}"),
        Page("show", "customer page", [f"/customers/{i}" for i in m["customer_ids"]], rows="any",
             shows='data-testid="customer-name"'),
        Page("referrals", "referral inbox (to me)", ["/referrals/"], rows="any", shows='id="referral-list"',
             feature="the referral inbox"),
        Page("tree_root", "customer page of a 5,000-customer introducer tree's root",
             [f"/customers/{m.get('tree_root_id')}"], rows="any", shows='id="introducer-panel"',
             feature="introducer trees"),
        Page("tree_panel", "that root's introductions panel (htmx, loaded after the page: chain, yield, first level)",
             [f"/customers/{m.get('tree_root_id')}/introductions"], htmx=True, rows="any",
             shows='data-testid="yield-total">5000<', feature="introducer trees"),
        Page("tree_level", "the first level of that tree (htmx, 10 nodes with their subtree sizes)",
             [f"/customers/{m.get('tree_root_id')}/tree"], htmx=True, rows="any", feature="introducer trees"),
        Page("leaderboard", "introducer leaderboard (this month)", ["/referrals/introducers"], rows="any",
             shows='data-testid="leaderboard"', feature="the introducer leaderboard"),
        Page("my_day", "my day (a manager with ~3,300 customers: the page, whose sections load on their own)",
             ["/my-day"], rows="any", shows='data-testid="my-day-follow-ups"', feature="my day"),
        Page("my_day_follow_ups", "my day's follow-ups (htmx: the 10 most overdue of ~150 due, and the count)",
             ["/my-day/follow-ups"], htmx=True, rows="any", shows='data-testid="my-day-due-count"',
             feature="my day"),
        Page("my_day_appointments", "my day's appointments (htmx: today's, in time order)", ["/my-day/appointments"],
             htmx=True, rows="any", shows='id="my-day-appointment-list"', feature="my day"),
        Page("my_day_referrals", "my day's referrals waiting (htmx: the 5 most urgent)", ["/my-day/referrals"],
             htmx=True, rows="any", shows='id="my-day-referrals-body"', feature="my day"),
        Page("week", "week calendar (this week's appointments)", ["/appointments/?view=week"], rows="any",
             shows='data-testid="calendar-body"', feature="the calendar"),
        booking_page(m),
        *lobby_pages(m),
    ]


def lobby_pages(m: dict) -> list[Page]:
    """The lobby at 9:05 (issue 12): a full-mobile look-up, a walk-in logged, the queue refreshing itself; the
    issue's own p50 targets at 4 clients (10, 25 and 15 ms) on top of the budget."""
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    clean = (lobby_data.SUBMITTED_BY_THE_BENCHMARK, lobby_data.queue_for_today(today))
    mobiles = m.get("lobby_mobiles") or ["0"]
    return [
        Page("lobby_lookup", "lobby: full-mobile look-up (htmx POST, the masked card and the walk-in form)",
             ["/lobby/lookup"], role="lobby", method="POST", forms=[f"mobile={n}" for n in mobiles], htmx=True,
             rows="any", shows='data-testid="lobby-card"', feature="the lobby", p50_ms=10.0),
        Page("lobby_submit", "lobby: a walk-in logged (htmx POST: served at the counter, the answer and my list)",
             ["/lobby/walk-ins"], role="lobby", method="POST",
             forms=lobby_data.submit_forms(m.get("lobby_customer_ids") or [0], 20_000), htmx=True, rows="any",
             shows='data-testid="walk-in-logged"', feature="the lobby", before=clean, p50_ms=25.0),
        Page("lobby_queue", "lobby: the queue refreshing itself (htmx, today's waiting, serving and done)",
             ["/lobby/queue"], role="lobby", htmx=True, rows="any", shows='id="lobby-queue"', feature="the lobby",
             before=clean, p50_ms=15.0),
    ]


def booking_page(m: dict) -> Page:
    """Offer two free times to one of the booking manager's customers (htmx, as the booking panel posts it);
    every request books a pair nobody holds yet."""
    from load import BOOKED_BY_THE_BENCHMARK

    customers = m.get("booker_customer_ids") or [0]
    forms = schedule_data.booking_forms(20_000)
    paths = [f"/appointments/customer/{customers[k % len(customers)]}/book" for k in range(len(forms))]
    return Page("booking", "booking: offer two times (htmx POST, both held, the panel answers)", paths,
                role="booker", method="POST", forms=forms, htmx=True, rows="any",
                shows="两个时间已保留", feature="booking", before=(BOOKED_BY_THE_BENCHMARK,))


def extra_pages(m: dict) -> list[Page]:
    """Pages bench/cpu.py knows besides those: the cost of a page without rows, and of no session at all."""
    return [
        Page("empty", "list, no hits (session, layout, filters, no rows)", ["/customers/?q=%E9%BE%98%E9%BE%98"],
             rows="any"),
        Page("healthz", "/healthz (no session, one SELECT 1)", ["/healthz"], role=None, rows="any"),
    ]


def problems(page: Page, status: int, body: str) -> list[str]:
    """What is wrong with one answer to the page (empty: it is the page it should be)."""
    rows = body.count(ROW_MARK)
    found = []
    if status != 200:
        found.append(f"HTTP {status}")
    if page.rows == "50" and rows != 50:
        found.append(f"{rows} rows, expected 50")
    if page.rows == "some" and not 1 <= rows <= 50:
        found.append(f"{rows} rows, expected 1-50")
    if page.shows and page.shows not in body:
        found.append(f"no {page.shows!r} on the page")
    return found


def missing_feature(page: Page, status: int, body: str) -> str | None:
    """Why a page of a feature the app lacks is skipped (None: the feature is there, or the page is not optional)."""
    if page.feature is None:
        return None
    if status == 404:
        return f"{page.feature} is not in the app yet ({page.paths[0]} answers 404)"
    if status == 200 and page.rows != "any" and ROW_MARK not in body:
        return f"{page.feature} is not in the app yet ({page.paths[0]} finds no rows)"
    return None
