"""Found in the try-out: my day shows the ten oldest due follow-ups; the user completes two of them in place
(their rows stay, marked done), then presses "show more". The next page is fetched by offset (?from=10) from a
list that no longer holds the two done ones, so the two follow-ups that moved up into places 9 and 10 are
skipped: never shown until the page is reloaded, although the count says they are due."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from tests.customers.helpers import body
from tests.followups.conftest import TODAY, plan

ROW_RE = re.compile(r'id="follow-up-(\d+)"')
MORE_RE = re.compile(r'data-testid="my-day-more"|hx-get="([^"]*/my-day/follow-ups\?[^"]*)"')


def _row_ids(page: str) -> list[int]:
    return [int(i) for i in ROW_RE.findall(page)]


def _more_url(page: str) -> str:
    urls = [m.group(1) for m in MORE_RE.finditer(page) if m.group(1)]
    assert urls, "no 'show more' link"
    return html.unescape(urls[-1])


def test_show_more_after_completing_rows_in_place_skips_nothing(monday, world, make_customer, manager_client):
    from app.followups.myday import FOLLOW_UPS_SHOWN

    rows = [plan(make_customer(world.manager), world.manager, due=TODAY - timedelta(days=40 - k))
            for k in range(FOLLOW_UPS_SHOWN + 3)]
    first = body(manager_client.get("/my-day/follow-ups", headers={"HX-Request": "true"}))
    assert _row_ids(first) == [r.id for r in rows[:FOLLOW_UPS_SHOWN]]
    more_url = _more_url(first)

    for row in rows[:2]:  # done in place on my day: the rows stay where they were, marked done
        done = manager_client.hx("POST", f"/follow-ups/{row.id}/complete",
                                 {"outcome": "已电话联系", "version": str(row.version), "where": "day"})
        assert done.status_code == 200

    more = body(manager_client.get(more_url, headers={"HX-Request": "true"}))
    shown = set(_row_ids(first)) | set(_row_ids(more))
    missing = [r.id for r in rows if r.id not in shown]
    assert missing == [], f"'show more' skipped due follow-ups {missing}"
