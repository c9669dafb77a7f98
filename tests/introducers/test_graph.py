"""Chains, tree levels, yields and the cycle refusal, on deep chains and big trees: query counts stay the
same whatever the size (one statement each)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core.extensions import db
from app.core.refusals import InvalidInput
from app.introducers import graph, links
from app.introducers.graph import Ref
from app.models import Customer, Introduction, IntroductionChange
from tests.introducers.conftest import bulk_customers, bulk_links, convert, reads


def test_chain_of_200_is_one_statement(world, queries):
    ids = bulk_customers(world.manager, 201)
    bulk_links([(ids[i + 1], ids[i]) for i in range(200)], world.branch.id, world.manager)
    with queries() as deep:
        found = graph.chain(ids[-1])
    assert [link.customer_id for link in found] == list(reversed(ids[:-1]))
    assert found[-1].depth == 200
    with queries() as short:
        assert [link.customer_id for link in graph.chain(ids[2])] == [ids[1], ids[0]]
    assert len(reads(deep)) == len(reads(short)) == 1


def test_tree_of_5000_levels_and_yield_are_one_statement_each(world, queries):
    root = bulk_customers(world.manager, 1)[0]
    first = bulk_customers(world.manager, 60)
    second = bulk_customers(world.manager, 4940, status="customer")
    pairs = [(c, root) for c in first] + [(c, first[i % 60]) for i, c in enumerate(second)]
    bulk_links(pairs, world.branch.id, world.manager)
    with queries() as big:
        level = graph.level(Ref("c", root))
        totals = graph.yield_of(Ref("c", root))
    assert len(level.nodes) == graph.LEVEL_PAGE and level.more_after == first[graph.LEVEL_PAGE - 1]
    assert sum(n.below for n in level.nodes) == sum(1 for i in range(4940) if i % 60 < graph.LEVEL_PAGE)
    assert (totals.direct, totals.total, totals.converted) == (60, 5000, 4940)
    rest = graph.level(Ref("c", root), after=level.more_after)
    assert [n.customer_id for n in rest.nodes] == first[graph.LEVEL_PAGE:] and rest.more_after is None
    with queries() as small:
        graph.level(Ref("c", second[0]))
        graph.yield_of(Ref("c", second[0]))
    assert len(reads(big)) == len(reads(small)) == 2


def test_yield_counts_direct_tree_converted_and_amount(world):
    a, b, c, d, e = bulk_customers(world.manager, 5)
    for cid in (c, e):
        db.session.get(Customer, cid).status = "customer"
    db.session.commit()
    bulk_links([(b, a), (c, a), (d, b), (e, d)], world.branch.id, world.manager)
    convert(c, world.manager, world.colleague, 100_000)
    convert(c, world.manager, world.colleague, 20_000)
    convert(e, world.manager, world.colleague, 5_000)
    found = graph.yield_of(Ref("c", a))
    assert (found.direct, found.total, found.converted, found.amount) == (2, 4, 2, 125_000)
    assert graph.yield_of(Ref("c", d)) == graph.Yield(1, 1, 1, 5_000)
    assert graph.yields_of([Ref("c", a), Ref("c", b), Ref("c", e)]) == {
        Ref("c", a): graph.Yield(2, 4, 2, 125_000), Ref("c", b): graph.Yield(1, 2, 1, 5_000),
        Ref("c", e): graph.Yield()}


@pytest.mark.parametrize("depth", [1, 2, 150])
def test_loops_are_refused_at_any_depth(world, depth):
    ids = bulk_customers(world.manager, depth + 1)
    bulk_links([(ids[i + 1], ids[i]) for i in range(depth)], world.branch.id, world.manager)
    top = db.session.get(Customer, ids[0])
    with pytest.raises(InvalidInput) as refused:
        links.set_introducer(world.manager, top, Ref("c", ids[-1]), reason=None)
    assert refused.value.errors == {"introducer": links.LOOP}
    db.session.rollback()
    assert db.session.get(Introduction, ids[0]) is None
    assert db.session.scalar(select(IntroductionChange.id)) is None


def test_self_introduction_is_refused(world, make_customer):
    me = make_customer(world.manager)
    with pytest.raises(InvalidInput) as refused:
        links.set_introducer(world.manager, me, Ref("c", me.id), reason=None)
    assert refused.value.errors == {"introducer": links.SELF}


def test_the_cycle_test_is_one_statement(world, queries):
    ids = bulk_customers(world.manager, 120)
    bulk_links([(ids[i + 1], ids[i]) for i in range(119)], world.branch.id, world.manager)
    with queries() as deep:
        assert graph.would_loop(ids[0], ids[-1])
    with queries() as shallow:
        assert not graph.would_loop(ids[-1], ids[3])
    assert len(reads(deep)) == len(reads(shallow)) == 1
