"""The leaderboard's filter button filters: it used the msgid "Show", whose Chinese is the reveal button's
查看完整号码 ("show the full number"), so a manager was asked to reveal numbers to change the period."""

from __future__ import annotations

import re

from tests.customers.helpers import body, tr


def test_the_filter_button_says_filter(manager_client):
    page = body(manager_client.get("/referrals/introducers"))
    button = re.search(r'<button[^>]*data-testid="board-show"[^>]*>(.*?)</button>', page, re.S).group(1).strip()
    assert button == tr("Filter")
    assert "查看完整号码" not in page
