"""Introducer-test fixtures: the customer area's factories, a partner factory, and bulk builders for deep
chains and big trees (plain INSERTs: thousands of customers through the service would take minutes)."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from sqlalchemy import insert, select

from app.core import clock
from app.core.extensions import db
from app.introducers import links, partners, tally
from app.introducers.graph import Ref
from app.models import Customer, Introduction, Partner, Referral, User
from tests.customers.conftest import customer, foreign_customer, make_customer, tier_rules  # noqa: F401

_seq = itertools.count(1)


@pytest.fixture
def make_partner(world) -> Callable[..., Partner]:
    def make(owner: User | None = None, **overrides) -> Partner:
        n = next(_seq)
        fields = {"kind": "person", "category": "coi", "name": f"伙伴{n}", "mobile": None}
        fields.update(overrides)
        partner = partners.create_partner(owner or world.manager, partners.PartnerData(**fields))
        db.session.commit()
        return partner

    return make


@pytest.fixture
def introduce(world):
    """introduce(customer, introducer, actor=owner): record who introduced `customer` and commit."""

    def link(introduced: Customer, introducer, *, actor: User | None = None, reason: str | None = None):
        ref = Ref("c", introducer.id) if isinstance(introducer, Customer) else Ref("p", introducer.id)
        links.set_introducer(actor or _owner_of(introduced), introduced, ref, reason=reason)
        db.session.commit()

    return link


def _owner_of(introduced: Customer) -> User:
    return db.session.get(User, introduced.owner_id)


def bulk_customers(owner: User, count: int, *, status: str = "prospect", name: str = "批量") -> list[int]:
    """`count` bare customers of the owner's branch (no numbers), their ids in order."""
    now = clock.now()
    start = (db.session.scalar(select(Customer.id).order_by(Customer.id.desc()).limit(1)) or 0) + 1
    rows = [{"kind": "individual", "branch_id": owner.branch_id, "owner_id": owner.id, "name": f"{name}{i}",
             "name_search": f"{name}{i}", "source": "customer_referral", "status": status, "tier": "C",
             "products_held": 0, "marketing_consent": False, "sensitive_consent": False, "created_at": now,
             "updated_at": now, "version": 1} for i in range(count)]
    db.session.execute(insert(Customer), rows)
    ids = list(db.session.scalars(select(Customer.id).where(Customer.id >= start).order_by(Customer.id)))
    db.session.commit()
    return ids


def bulk_links(pairs: list[tuple[int, int]], branch_id: int, recorder: User, *, partner: bool = False,
               at=None) -> None:
    """Introduction rows (customer, introducer) in one INSERT."""
    column = "introducer_partner_id" if partner else "introducer_customer_id"
    db.session.execute(insert(Introduction), [
        {"customer_id": c, column: i, "branch_id": branch_id, "introduced_at": at or clock.now(),
         "recorded_by_id": recorder.id} for c, i in pairs])
    tally.recount()  # bulk rows bypass the tally's upkeep, as in the demo and bench loaders
    db.session.commit()


def convert(customer_id: int, sender: User, recipient: User, amount: int) -> None:
    """A converted internal referral (the Referral table is read-only for the introducers area)."""
    now = clock.now()
    db.session.add(Referral(branch_id=sender.branch_id, customer_id=customer_id, sender_id=sender.id,
                            recipient_id=recipient.id, need="loan", status="converted", sent_at=now,
                            accept_due_at=now, finished_at=now, product="经营贷", amount=amount, updated_at=now))
    db.session.flush()
    tally.won(customer_id, amount)  # what the referral workflow's convert does
    db.session.commit()


def reads(statements: list[str]) -> list[str]:
    """The statements that read (a transaction's BEGIN is not a round trip the page pays per node)."""
    return [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]


def ready(client):
    """Fetch the client's CSRF token, then end the session's transaction, as a server's request teardown
    would: the suite keeps one app context (and session) for every request, and a write that follows a read
    in it would run outside the transaction the write request opens (so "nothing half-written" would lie)."""
    client.csrf_token(client._token_page)
    db.session.rollback()
    return client
