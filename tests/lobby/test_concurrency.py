"""The idempotent submit under concurrency: two threads post the same walk-in form (the same hidden key) at
once; one walk-in and one referral are written, and both answers show it. PostgreSQL: the unique
(branch_id, submission_key) constraint decides; SQLite: BEGIN IMMEDIATE serialises the two."""

from __future__ import annotations

from sqlalchemy import func, select

from app.core import clock
from app.core.extensions import db
from app.customers import records
from app.models import Branch, Referral, Role, User, WalkIn
from tests.customers.test_bankwide_unique import _race, _signed_in, concurrent_app  # noqa: F401
from tests.lobby.conftest import WEDNESDAY_10AM


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_two_threads_posting_the_same_form_log_one_walk_in(concurrent_app):  # noqa: F811
    clock.freeze(WEDNESDAY_10AM)
    branch = Branch(code="E01", name="城东支行")
    db.session.add(branch)
    db.session.flush()
    lobby = User(username="lobby", display_name="王小燕", employee_no="E1", role=Role.LOBBY, branch_id=branch.id,
                 language="zh_Hans_CN", password_hash="x")
    owner = User(username="m", display_name="张伟", employee_no="E2", role=Role.MANAGER, specialty="wealth",
                 branch_id=branch.id, language="zh_Hans_CN", password_hash="x")
    credit = User(username="c", display_name="李强", employee_no="E3", role=Role.MANAGER, specialty="credit",
                  branch_id=branch.id, language="zh_Hans_CN", password_hash="x")
    db.session.add_all([lobby, owner, credit])
    db.session.commit()
    customer = records.create_customer(owner, records.CustomerData(
        kind="individual", name="赵六", source="walk_in", status="prospect", mobile="13712340000"))
    db.session.commit()
    clients = [_signed_in(concurrent_app, lobby) for _ in range(2)]
    form = {"submission_key": "same-form-key-123456", "customer_id": str(customer.id), "need": "loan",
            "specialist_id": str(credit.id), "action": "handoff"}
    results = _race([lambda c=c: c.hx("POST", "/lobby/walk-ins", form) for c in clients])
    assert [status for status, _ in results] == [200, 200], results
    assert all('data-testid="walk-in-logged"' in text for _, text in results)
    db.session.expire_all()
    assert _count(WalkIn) == 1 and _count(Referral) == 1
    clock.freeze(None)
