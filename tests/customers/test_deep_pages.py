"""Deep pages are read from the nearer end of the sort (listing.ListShape.from_end): every page shows
exactly the rows a plain OFFSET would, in the same order, for every sort and filter, ties included."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from app.core import clock
from app.core.extensions import db
from app.customers import search
from app.models import Customer

PER_PAGE = 3


@pytest.fixture
def thirteen(world, make_customer):
    """13 customers (4 full pages and one of 1), two pairs sharing updated_at so the id decides."""
    base = clock.now() - timedelta(days=1)
    customers = [make_customer(world.manager if i % 3 else world.colleague, name=f"{'张王李'[i % 3]}深页{i:02d}")
                 for i in range(13)]
    for i, customer in enumerate(customers):
        at = base + timedelta(minutes=i // 2 * 2 if i in (4, 5, 8, 9) else i)
        db.session.execute(update(Customer).where(Customer.id == customer.id).values(updated_at=at))
    db.session.commit()
    return customers


def pages(user, **filters) -> list[list[int]]:
    shown = []
    for page in range(1, 7):  # one past the end too: it shows the last page
        result = search.search_customers(user, search.CustomerFilters(page=page, **filters), per_page=PER_PAGE)
        shown.append([row.id for row in result.rows])
        assert result.page == min(page, result.pages)
    return shown


@pytest.mark.parametrize("filters", [{}, {"sort": "name"}, {"sort": "created"}, {"sort": "tier"}, {"q": "深页"},
                                     {"q": "张"}, {"tier": "C"}])
def test_every_page_read_from_the_end_matches_offset(world, thirteen, monkeypatch, filters):
    expected = pages(world.supervisor, **filters)  # FROM_END_AFTER is far beyond 13 rows: plain OFFSET
    monkeypatch.setattr(search, "FROM_END_AFTER", 0)
    assert pages(world.supervisor, **filters) == expected
    last = next(n for n in range(len(expected)) if expected[n] == expected[-1])
    flat = [i for page in expected[:last + 1] for i in page]
    assert len(flat) == len(set(flat)) and 0 < len(expected[last]) <= PER_PAGE  # no row twice, none lost


def test_a_deep_page_reads_from_the_end(world, thirteen, monkeypatch, queries):
    monkeypatch.setattr(search, "FROM_END_AFTER", 0)
    with queries() as statements:
        result = search.search_customers(world.supervisor, search.CustomerFilters(page=5), per_page=PER_PAGE)
    assert result.total == 13 and len(result.rows) == 1
    page_sql = statements[-1]
    assert "ORDER BY customer.updated_at ASC" in page_sql  # the reversed index walk, not OFFSET 12
