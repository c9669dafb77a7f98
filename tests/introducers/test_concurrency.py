"""Two introducer changes that together would close a loop (A by B while B by A), at the same moment on
PostgreSQL: the advisory lock makes the second wait for the first and see it, so one is refused."""

from __future__ import annotations

import threading
import time

import pytest

from app.core.extensions import db
from app.core.refusals import InvalidInput
from app.introducers import links
from app.introducers.graph import Ref
from app.models import Customer, Introduction, User
from tests.conftest import USING_POSTGRES

pytestmark = pytest.mark.skipif(not USING_POSTGRES, reason="SQLite writers are one at a time (BEGIN IMMEDIATE)")


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
