"""Role × route matrix for every referrals.* endpoint (security.md A1, A2, A7). Callers: lobby, the
sending manager, the receiving colleague, the branch supervisor, admin, a manager of the other branch.
The referral was sent by the manager to the colleague; the customer is the manager's. A new referrals.*
route fails `test_every_route_has_a_row` until it gets a row here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import pytest
from flask import url_for
from sqlalchemy import select

from app.core.extensions import db
from app.models import AuditEvent, Customer, CustomerShare, Referral
from tests.customers.helpers import body

CALLERS = ("lobby", "manager", "colleague", "supervisor", "admin", "other")


@dataclass
class Ctx:
    world: object
    customer: Customer
    referral: Referral


class Row(NamedTuple):
    lobby: int
    manager: int
    colleague: int
    supervisor: int
    admin: int
    other: int
    url: Callable[[Ctx], dict] | None = None
    data: Callable[[Ctx], dict] | None = None


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
CASES = [(endpoint, method, caller) for (endpoint, method) in EXPECTED for caller in CALLERS]


def referral_routes(app) -> list[tuple[str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("referrals."):
            found += [(rule.endpoint, m) for m in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found


def user_of(world, caller: str):
    return world.other_manager if caller == "other" else getattr(world, caller)


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


def call(client, method: str, url: str, data: dict | None, *, htmx: bool = False):
    if method == "GET":
        return client.get(url, headers={"HX-Request": "true"} if htmx else None)
    return client.hx("POST", url, data) if htmx else client.form(url, data)


def test_every_route_has_a_row(app):
    missing = [key for key in referral_routes(app) if key not in EXPECTED]
    assert not missing, f"referrals routes without a row in EXPECTED: {missing}"
    stale = [key for key in EXPECTED if key not in referral_routes(app)]
    assert not stale, f"rows for routes that no longer exist: {stale}"


@pytest.mark.parametrize(("endpoint", "method", "caller"), CASES, ids=[f"{e}-{m}-{c}" for e, m, c in CASES])
def test_role_route_matrix(app, world, ctx, client_for, endpoint, method, caller):
    row = EXPECTED[(endpoint, method)]
    wanted = getattr(row, caller)
    client = client_for(user_of(world, caller))
    with app.test_request_context():
        url = url_for(endpoint, **(row.url(ctx) if row.url else {}))
    data = row.data(ctx) if row.data else {}
    before = snapshot()

    response = call(client, method, url, data)

    assert response.status_code == wanted, body(response)[-1500:]
    if wanted in (403, 404, 422):
        assert snapshot() == before, "a refused request changed the database"
        assert call(client, method, url, data, htmx=True).status_code == wanted  # A7
        assert snapshot() == before
    if wanted in (403, 404):
        assert "张三" not in body(response) and "138" not in body(response)
    if wanted == 303:
        assert response.headers["Location"]
