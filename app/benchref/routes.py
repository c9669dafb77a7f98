"""The reference route: no query beyond the session lookup the guard makes."""

from __future__ import annotations

from types import SimpleNamespace

from app.auth.decorators import any_signed_in
from app.benchref import bp
from app.core.htmx import render
from app.models import Source, Status

SURNAMES = "王李张刘陈杨黄赵吴周"
GIVEN_LENGTHS = (1, 1, 1, 2, 1, 1, 1, 1, 1, 1)
STATUSES = (Status.PROSPECT, Status.CUSTOMER, Status.DORMANT, Status.LOST)
SOURCES = (Source.WALK_IN, Source.PHONE, Source.CUSTOMER_REFERRAL, Source.PARTNER_REFERRAL, Source.MARKET_OUTREACH)
# The same 50 rows as bench/bare.py, already masked, with codes where the real list has codes; objects, not dicts.
ROWS = tuple(
    SimpleNamespace(
        id=1000 + i,
        tier="ABC"[i % 3],
        name=SURNAMES[i % 10] + "*" * GIVEN_LENGTHS[(i * 7) % 10],
        mobile=f"1{38 + i % 2}****{1000 + i * 37 % 9000:04d}",
        status=str(STATUSES[i % 4]),
        source=str(SOURCES[i % 5]),
        owner=("张伟", "李强", "刘洋")[i % 3],
        updated=f"2026-11-{1 + i % 28:02d}",
    )
    for i in range(50)
)


@bp.route("/reference")
@any_signed_in
def index():
    """The signed-in reference page (every role): 50 constant rows in the real layout."""
    return render("benchref/index.html", rows=ROWS)
