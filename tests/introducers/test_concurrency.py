"""Two introducer changes that together would close a loop (A by B while B by A), at the same moment on
PostgreSQL: the advisory lock makes the second wait for the first and see it, so one is refused."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from app.core.extensions import db
from app.core.refusals import InvalidInput
from app.introducers import graph, links
from app.introducers.graph import Ref
from app.models import Customer, Introduction, IntroductionChange, User
from tests.conftest import USING_POSTGRES

pytestmark = pytest.mark.skipif(not USING_POSTGRES, reason="SQLite writers are one at a time (its write lock, tally.lock)")


def test_crossing_changes_cannot_both_pass_the_loop_check(app, world, make_customer):
    a, b = make_customer(world.manager, name="甲"), make_customer(world.manager, name="乙")
    outcome: dict[str, object] = {}

    def change(name: str, customer_id: int, introducer_id: int, hold: float) -> None:
        with app.app_context():
            try:
                actor = db.session.get(User, world.manager.id)
                links.set_introducer(actor, db.session.get(Customer, customer_id), Ref("c", introducer_id),
                                     reason=None)
                time.sleep(hold)  # the first one holds its transaction open while the second starts
                db.session.commit()
                outcome[name] = "saved"
            except InvalidInput as exc:
                db.session.rollback()
                outcome[name] = exc.errors["introducer"]
            finally:
                db.session.remove()

    first = threading.Thread(target=change, args=("first", b.id, a.id, 0.6))
    second = threading.Thread(target=change, args=("second", a.id, b.id, 0))
    first.start()
    time.sleep(0.2)
    second.start()
    first.join(10)
    second.join(10)
    assert outcome == {"first": "saved", "second": links.LOOP}
    db.session.expire_all()
    assert db.session.get(Introduction, b.id).introducer_customer_id == a.id
    assert db.session.get(Introduction, a.id) is None


def test_two_changes_of_one_customer_keep_a_consistent_history(app, world, make_customer, make_partner):
    """Both change X's partner introducer at once: the second waits and records the change from the first's
    pick (it recorded one from the original introducer, so the history skipped a step)."""
    first_partner, second_partner, third_partner = make_partner(), make_partner(), make_partner()
    x = make_customer(world.manager, name="丙")
    links.set_introducer(world.manager, x, Ref("p", first_partner.id), reason=None)
    db.session.commit()
    outcome: dict[str, object] = {}

    def change(name: str, partner_id: int, hold: float) -> None:
        with app.app_context():
            try:
                actor = db.session.get(User, world.manager.id)
                links.set_introducer(actor, db.session.get(Customer, x.id), Ref("p", partner_id), reason="改")
                time.sleep(hold)
                db.session.commit()
                outcome[name] = "saved"
            finally:
                db.session.remove()

    first = threading.Thread(target=change, args=("first", second_partner.id, 0.6))
    second = threading.Thread(target=change, args=("second", third_partner.id, 0))
    first.start()
    time.sleep(0.2)
    second.start()
    first.join(10)
    second.join(10)
    assert outcome == {"first": "saved", "second": "saved"}
    history = db.session.execute(select(IntroductionChange.from_partner_id, IntroductionChange.to_partner_id)
                                 .where(IntroductionChange.customer_id == x.id)
                                 .order_by(IntroductionChange.id)).all()
    assert history == [(None, first_partner.id), (first_partner.id, second_partner.id),
                       (second_partner.id, third_partner.id)]
    # The tally moved X out of the introducer it really left each time (it took X from the first one twice).
    assert [graph.yield_of(Ref("p", p.id)).direct for p in (first_partner, second_partner, third_partner)] == [0, 0, 1]
