"""The introducer tally kept by the app's own writes equals a recount from scratch after every kind of change:
introducer set, changed (a subtree moving between trees), removed; a node converted; a referral converted."""

from __future__ import annotations

from sqlalchemy import select

from app.core.extensions import db
from app.customers import records
from app.introducers import graph, links, tally
from app.introducers.graph import Ref
from app.models import Customer, IntroducerTally
from app.referrals import sending, workflow


def kept() -> list[tuple]:
    rows = db.session.execute(select(IntroducerTally.customer_id, IntroducerTally.partner_id,
                                     IntroducerTally.direct, IntroducerTally.total, IntroducerTally.converted,
                                     IntroducerTally.amount))
    # An introducer whose last introduction was removed keeps a row of zeros; a recount has none.
    return sorted((tuple(r) for r in rows if any(r[2:])), key=str)


def assert_tally_matches_a_recount() -> None:
    before = kept()
    tally.recount()
    assert before == kept()
    db.session.rollback()


def make_status(actor, customer: Customer, status: str) -> None:
    data = records.CustomerData(kind=customer.kind, name=customer.name, source=customer.source, status=status,
                                mobile=customer.mobile, sensitive_consent=True)
    records.update_customer(actor, customer, data, expected_version=customer.version)
    db.session.commit()


def convert_referral(world, customer: Customer, amount: int) -> None:
    referral = sending.send_referral(world.manager, customer, recipient_id=world.colleague.id, need="loan", note=None)
    db.session.commit()
    for action, given in (("accept", workflow.ActionInput()), ("contact", workflow.ActionInput()),
                          ("convert", workflow.ActionInput(product="经营贷", amount=str(amount)))):
        workflow.act(world.colleague, referral, action, expected_version=referral.version, given=given)
        db.session.commit()


def test_the_kept_tally_equals_a_recount_after_every_kind_of_change(world, make_customer, make_partner):
    a, b, c, d, e = (make_customer(world.manager, name=f"引见{i}") for i in range(5))
    p = make_partner(name="车行李经理", category="car_dealer")
    for child, ref in ((b, Ref("c", a.id)), (c, Ref("c", b.id)), (d, Ref("c", c.id)), (e, Ref("p", p.id))):
        links.set_introducer(world.manager, child, ref, reason=None)
        db.session.commit()
        assert_tally_matches_a_recount()
    assert graph.yield_of(Ref("c", a.id)) == graph.Yield(direct=1, total=3, converted=0, amount=0)

    make_status(world.manager, d, "customer")
    assert_tally_matches_a_recount()
    convert_referral(world, d, 80_000)
    assert_tally_matches_a_recount()
    assert graph.yield_of(Ref("c", a.id)) == graph.Yield(direct=1, total=3, converted=1, amount=80_000)

    # b's subtree (b, c, d) moves from a's tree into the partner's.
    links.set_introducer(world.manager, b, Ref("p", p.id), reason="其实是车行介绍的")
    db.session.commit()
    assert_tally_matches_a_recount()
    assert graph.yield_of(Ref("c", a.id)) == graph.Yield()
    assert graph.yield_of(Ref("p", p.id)) == graph.Yield(direct=2, total=4, converted=1, amount=80_000)

    make_status(world.manager, d, "lost")
    links.set_introducer(world.manager, c, None, reason="录错了")
    db.session.commit()
    assert_tally_matches_a_recount()
    assert graph.yield_of(Ref("p", p.id)) == graph.Yield(direct=2, total=2, converted=0, amount=0)
    assert graph.yield_of(Ref("c", c.id)) == graph.Yield(direct=1, total=1, converted=0, amount=80_000)


def test_the_recount_sql_spells_the_graph_constants():
    # tally.py writes the converted statuses and the recursion guard into its SQL as literals.
    sql = tally.RECOUNT[1] + str(tally._ADD_UP_THE_CHAIN) + str(tally._CONTRIBUTION)
    assert f"< {graph.MAX_DEPTH}" in sql
    assert "IN (" + ", ".join(f"'{s}'" for s in graph.CONVERTED_STATUSES) + ")" in sql
