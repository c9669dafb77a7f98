"""The won line of a row reads with full-width Chinese punctuation, as the audit log's (tryout finding 17)."""

from __future__ import annotations

import re

from tests.customers.helpers import body


def test_the_won_line_uses_full_width_punctuation(world, customer, refer, move, colleague_client):
    referral = move(world.colleague, move(world.colleague, refer(world.manager, customer), "accept"), "contact")
    move(world.colleague, referral, "convert", product="经营贷", amount="500000")
    html = body(colleague_client.get("/referrals/"))
    won = re.search(r'data-testid="referral-won">(.*?)</div>', html).group(1)
    assert won.startswith("成交：经营贷，500,000 元")
    assert ":" not in won.replace("500,000", "") and "," not in won.replace("500,000", "")
