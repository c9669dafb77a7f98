"""Role × route matrix for every referrals.* endpoint (security.md A1, A2, A7). Callers: lobby, the
sending manager, the receiving colleague, the branch supervisor, admin, a manager of the other branch.
The referral was sent by the manager to the colleague; the customer is the manager's. A new referrals.*
route fails `test_every_route_has_a_row` until it gets a row here."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from app.core.extensions import db
from app.models import AuditEvent, Customer, CustomerShare, Referral
from tests.customers.helpers import MOBILE, MOBILE_MASKED
from tests.matrix import Row, assert_every_route_has_a_row, case_ids, cases, check_cell, user_of


@dataclass
class Ctx:
    world: object
    customer: Customer
    referral: Referral


def _rid(action: str | None = None):
    return lambda c: {"referral_id": c.referral.id, **({"action": action} if action else {})}


def _cid(c: Ctx) -> dict:
    return {"customer_id": c.customer.id}


def _version(c: Ctx) -> dict:
    return {"version": str(c.referral.version), "reason": "忙不过来"}


EXPECTED: dict[tuple[str, str], Row] = {
    #                                          lobby mgr  coll sup  admin other
    ("referrals.index", "GET"):            Row(200, 200, 200, 200, 200, 200),
    ("referrals.badge", "GET"):            Row(200, 200, 200, 200, 200, 200),
    ("referrals.credit_page", "GET"):      Row(403, 200, 200, 200, 200, 200),
    ("referrals.show", "GET"):             Row(404, 200, 200, 200, 200, 404, url=_rid()),
    # The recipient side accepts (the row comes back for htmx, plain forms are redirected).
    ("referrals.act", "POST"):             Row(404, 403, 303, 303, 403, 404, url=_rid("accept"), data=_version),
    ("referrals.new", "GET"):              Row(200, 200, 200, 200, 403, 404, url=_cid),
    # Sending to oneself (the colleague's send names the colleague) is refused input.
    ("referrals.send", "POST"):            Row(303, 303, 422, 303, 403, 404, url=_cid, data=lambda c: {
        "need": "loan", "recipient_id": str(c.world.colleague.id)}),
}


@pytest.fixture
def ctx(world, customer, refer) -> Ctx:
    # The open referral is for a card, so the matrix's send (a loan) is not a duplicate of it.
    return Ctx(world, customer, refer(world.manager, customer, need="card"))


def snapshot() -> tuple:
    db.session.expire_all()
    return (db.session.execute(select(Referral.id, Referral.status, Referral.version, Referral.recipient_id)
                               .order_by(Referral.id)).all(),
            db.session.execute(select(CustomerShare.customer_id, CustomerShare.user_id)).all(),
            db.session.scalars(select(AuditEvent.id)).all())


def test_every_route_has_a_row(app):
    assert_every_route_has_a_row(app, "referrals", EXPECTED)


@pytest.mark.parametrize(("endpoint", "method", "caller"), cases(EXPECTED), ids=case_ids(EXPECTED))
def test_role_route_matrix(app, world, ctx, client_for, endpoint, method, caller):
    row = EXPECTED[(endpoint, method)]
    check_cell(app, client_for(user_of(world, caller)), endpoint, method, getattr(row, caller),
               row.url(ctx) if row.url else {}, row.data(ctx) if row.data else {}, snapshot,
               refused=(403, 404, 422), never_shown=("张三", MOBILE, MOBILE_MASKED))
