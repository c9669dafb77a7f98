"""Follow-up fixtures: the customers' factory, a frozen Monday (10:00 in Beijing), and small helpers."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from app.core import clock
from app.core.extensions import db
from app.models import FollowUp
from tests.customers.conftest import customer, foreign_customer, make_customer  # noqa: F401

# Monday 2026-12-07 10:00 Asia/Shanghai.
MONDAY = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
TODAY = date(2026, 12, 7)


@pytest.fixture
def monday(app):
    clock.freeze(MONDAY)
    yield TODAY
    clock.freeze(None)


def follow_ups(**where) -> list[FollowUp]:
    db.session.expire_all()
    stmt = select(FollowUp).order_by(FollowUp.due_on, FollowUp.id)
    for name, value in where.items():
        stmt = stmt.where(getattr(FollowUp, name) == value)
    return list(db.session.scalars(stmt))


def pending_return_visits(customer_id: int) -> list[FollowUp]:
    return [f for f in follow_ups(customer_id=customer_id, kind="return_visit") if f.status in ("open", "snoozed")]


def plan(subject, assignee, *, kind="other", due, status="open", note=None, **extra) -> FollowUp:
    """A follow-up row as the system would have left it (dates in the past are allowed here)."""
    row = FollowUp(branch_id=subject.branch_id, customer_id=subject.id, assignee_id=assignee.id, kind=kind,
                   due_on=due, status=status, note=note, snoozed_until=due if status == "snoozed" else None,
                   created_at=clock.now(), **extra)
    db.session.add(row)
    db.session.commit()
    return row
