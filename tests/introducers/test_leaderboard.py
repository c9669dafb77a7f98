"""The introducer leaderboard against a hand-counted fixture: ranking by introductions in the period, the
whole-tree yields, branch scope (admin's filter), A8 for another branch, and a statement count that does
not grow with the page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.core import clock
from app.core.extensions import db
from app.introducers import leaderboard, tally
from app.models import Customer
from tests.customers.helpers import body
from tests.introducers.conftest import bulk_customers, bulk_links, convert, reads


def at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 4, 0, tzinfo=UTC)  # noon in Shanghai


class Fixture:
    pass


@pytest.fixture
def board_world(world, make_customer, make_partner):
    """P introduced c1 (May 3), c2 (May 10); c1 -> c3 (May 12); c3 -> c4 (Apr 20); A -> c5 (Mar 1),
    A -> c6 (May 15); in the other branch X -> y (May 5). c3 and c4 are customers: 50,000 and 10,000."""
    clock.freeze(datetime(2026, 5, 20, 4, 0, tzinfo=UTC))
    f = Fixture()
    f.a = make_customer(world.manager, name="老客户甲")
    f.p = make_partner(name="链家王经理", category="real_estate")
    c1, c2, c3, c4, c5, c6 = (make_customer(world.manager, name=f"新客{i}") for i in range(1, 7))
    f.c1, f.c3 = c1, c3
    branch, who = world.branch.id, world.manager
    bulk_links([(c1.id, f.p.id)], branch, who, partner=True, at=at(5, 3))
    bulk_links([(c2.id, f.p.id)], branch, who, partner=True, at=at(5, 10))
    bulk_links([(c3.id, c1.id)], branch, who, at=at(5, 12))
    bulk_links([(c4.id, c3.id)], branch, who, at=at(4, 20))
    bulk_links([(c5.id, f.a.id)], branch, who, at=at(3, 1))
    bulk_links([(c6.id, f.a.id)], branch, who, at=at(5, 15))
    x = make_customer(world.other_manager, name="外行甲")
    y = make_customer(world.other_manager, name="外行乙")
    bulk_links([(y.id, x.id)], world.other_branch.id, world.other_manager, at=at(5, 5))
    for c in (c3, c4):
        db.session.get(Customer, c.id).status = "customer"
    db.session.commit()
    tally.recount()  # the statuses were set past the customer service that keeps the tally
    convert(c3.id, world.manager, world.colleague, 50_000)
    convert(c4.id, world.manager, world.colleague, 10_000)
    f.x = x
    return f


def _ranked(user, **args) -> list[tuple]:
    with_app = leaderboard.board(user, leaderboard.Period.from_args(args))
    return [(r.rank, r.node.ref, r.in_period, r.totals.direct, r.totals.total, r.totals.converted, r.totals.amount)
            for r in with_app.rows]


def test_this_month(app, world, board_world):
    f = board_world
    with app.test_request_context():
        assert _ranked(world.manager) == [
            (1, f"p:{f.p.id}", 2, 2, 4, 2, 60_000),
            (2, f"c:{f.a.id}", 1, 2, 2, 0, 0),
            (3, f"c:{f.c1.id}", 1, 1, 2, 2, 60_000),
        ]


def test_quarter_year_and_range(app, world, board_world):
    f = board_world
    with app.test_request_context():
        quarter = _ranked(world.supervisor, period="quarter")
        year = _ranked(world.supervisor, period="year")
        april = _ranked(world.supervisor, period="range", **{"from": "2026-04-01", "to": "2026-04-30"})
    assert [(r[1], r[2]) for r in quarter] == [(f"p:{f.p.id}", 2), (f"c:{f.a.id}", 1), (f"c:{f.c1.id}", 1),
                                               (f"c:{f.c3.id}", 1)]
    assert [(r[1], r[2]) for r in year] == [(f"p:{f.p.id}", 2), (f"c:{f.a.id}", 2), (f"c:{f.c1.id}", 1),
                                            (f"c:{f.c3.id}", 1)]
    assert april == [(1, f"c:{f.c3.id}", 1, 1, 1, 1, 10_000)]


def test_branch_scope_and_admin_filter(app, world, board_world):
    f = board_world
    with app.test_request_context():
        assert [r[1] for r in _ranked(world.other_supervisor)] == [f"c:{f.x.id}"]
        everything = leaderboard.board(world.admin, leaderboard.Period.from_args({}))
        one = leaderboard.board(world.admin, leaderboard.Period.from_args({}), branch_id=world.other_branch.id)
    assert len(everything.rows) == 4
    assert [r.node.ref for r in one.rows] == [f"c:{f.x.id}"]


def test_the_page_shows_names_masked_by_the_list_rules(world, board_world, client_for):
    page = body(client_for(world.colleague).get("/referrals/introducers"))
    assert "链家王经理" in page and "老*" in page and "老客户甲" not in page and "外行" not in page
    assert "60,000" in page
    own = body(client_for(world.manager).get("/referrals/introducers?period=year"))
    assert "老客户甲" in own


def test_statements_do_not_grow_with_the_page(app, world, queries):
    clock.freeze(datetime(2026, 5, 20, 4, 0, tzinfo=UTC))
    small = bulk_customers(world.manager, 6)
    bulk_links([(small[i + 3], small[i]) for i in range(3)], world.branch.id, world.manager, at=at(5, 1))
    assert world.manager.role  # loaded before counting (the commit above expired it)
    with app.test_request_context(), queries() as few:
        assert len(leaderboard.board(world.manager, leaderboard.Period.from_args({})).rows) == 3
    big = bulk_customers(world.manager, 600)
    bulk_links([(big[i + 30], big[i % 30]) for i in range(570)], world.branch.id, world.manager, at=at(5, 2))
    assert world.manager.role
    with app.test_request_context(), queries() as many:
        board = leaderboard.board(world.manager, leaderboard.Period.from_args({}))
    assert len(board.rows) == leaderboard.PER_PAGE and board.has_next
    assert board.rows[0].in_period == 19 and board.rows[0].totals.total == 19
    assert len(reads(many)) == len(reads(few)) == 3
