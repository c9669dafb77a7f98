"""Referral-test fixtures: the customer factory of tests/customers, a frozen working-day clock, a helper
that sends a referral through the service, and clients for the credit manager (world.colleague)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.core import clock
from app.core.extensions import db
from app.referrals import sending, workflow
from tests.conftest import sign_in
from tests.customers.conftest import customer, foreign_customer, make_customer  # noqa: F401

# Wednesday 2 December 2026, 10:00 in Beijing (02:00 UTC): inside the morning working period.
WEDNESDAY_10AM = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)


@pytest.fixture
def at_work():
    clock.freeze(WEDNESDAY_10AM)
    return WEDNESDAY_10AM


@pytest.fixture
def refer(world, at_work):
    """send(sender, customer, recipient=world.colleague, need="loan", note=None) through the service."""

    def send(sender, whom, recipient=None, need: str = "loan", note: str | None = None):
        referral = sending.send_referral(sender, whom, recipient_id=(recipient or world.colleague).id,
                                         need=need, note=note)
        db.session.commit()
        return referral

    return send


@pytest.fixture
def move():
    """move(actor, referral, action, **input) through the service, at the referral's current version."""

    def act(actor, referral, action: str, **given):
        workflow.act(actor, referral, action, expected_version=referral.version,
                     given=workflow.ActionInput(**given))
        db.session.commit()
        return referral

    return act


@pytest.fixture
def colleague_client(app, world):
    return sign_in(app, world.colleague)
