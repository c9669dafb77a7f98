"""Role × route matrix for every introducers.* endpoint (security.md A1, A2, A7): the status each caller
gets (lobby, the owning manager, a colleague of the branch, the supervisor, admin, a manager of the other
branch), page and htmx alike, and a refused request changes nothing. A new route fails
`test_every_route_has_a_row` until it has a row here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import pytest
from flask import url_for
from sqlalchemy import select

from app.core.extensions import db
from app.models import AuditEvent, Customer, Introduction, IntroductionChange, Partner
from tests.customers.helpers import body
from tests.customers.test_matrix import CALLERS, call, user_of

PARTNER_FORM = {"kind": "person", "category": "coi", "name": "社区王主任", "mobile": ""}


@dataclass
class Ctx:
    world: object
    customer: Customer
    friend: Customer
    partner: Partner


class Row(NamedTuple):
    lobby: int
    manager: int
    colleague: int
    supervisor: int
    admin: int
    other: int
    url: Callable[[Ctx], dict] | None = None
    data: Callable[[Ctx], dict] | None = None


def _pid(c: Ctx) -> dict:
    return {"partner_id": c.partner.id}


def _cid(c: Ctx) -> dict:
    return {"customer_id": c.customer.id}


EXPECTED: dict[tuple[str, str], Row] = {
    #                                                  lobby mgr  coll sup  admin other
    ("introducers.partners_index", "GET"):         Row(403, 200, 200, 200, 200, 200),
    ("introducers.new_partner", "GET"):            Row(403, 200, 200, 200, 403, 200),
    ("introducers.new_partner", "POST"):           Row(403, 303, 303, 303, 403, 303, data=lambda c: {
        **PARTNER_FORM, "owner_id": str(c.world.manager.id)}),
    ("introducers.show_partner", "GET"):           Row(403, 200, 200, 200, 200, 404, url=_pid),
    ("introducers.edit_partner", "GET"):           Row(403, 200, 403, 200, 403, 404, url=_pid),
    ("introducers.edit_partner", "POST"):          Row(403, 303, 403, 303, 403, 404, url=_pid, data=lambda c: {
        **PARTNER_FORM, "name": "改名", "owner_id": str(c.world.manager.id)}),
    ("introducers.archive_partner", "POST"):       Row(403, 303, 403, 303, 403, 404, url=_pid),
    ("introducers.partner_tree", "GET"):           Row(403, 200, 200, 200, 200, 404, url=_pid),
    ("introducers.customer_tree", "GET"):          Row(403, 200, 200, 200, 200, 404, url=_cid),
    ("introducers.picker_results", "POST"):        Row(403, 200, 200, 200, 403, 200,
                                                       data=lambda c: {"introducer_q": "王"}),
    ("introducers.set_introducer", "POST"):        Row(403, 303, 403, 303, 403, 404, url=_cid,
                                                       data=lambda c: {"introducer": f"c:{c.friend.id}"}),
    ("introducers.record_introductions", "POST"):  Row(403, 303, 403, 303, 403, 404, url=_cid, data=lambda c: {
        "prospects-0-name": "钱", "prospects-0-title": "先生", "prospects-0-mobile": "", "prospects-0-note": ""}),
    ("introducers.leaderboard_page", "GET"):       Row(403, 200, 200, 200, 200, 200),
}

CASES = [(endpoint, method, caller) for (endpoint, method) in EXPECTED for caller in CALLERS]


def introducer_routes(app) -> list[tuple[str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("introducers."):
            found += [(rule.endpoint, m) for m in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found


@pytest.fixture
def ctx(world, make_customer, make_partner, customer) -> Ctx:
    return Ctx(world, customer, make_customer(world.manager, name="王老友"), make_partner(world.manager, name="王主任"))


def snapshot() -> tuple:
    db.session.expire_all()
    return (db.session.execute(select(Customer.id, Customer.name, Customer.version).order_by(Customer.id)).all(),
            db.session.execute(select(Partner.id, Partner.name, Partner.owner_id, Partner.archived_at)
                               .order_by(Partner.id)).all(),
            db.session.execute(select(Introduction.customer_id, Introduction.introducer_customer_id)).all(),
            db.session.scalars(select(IntroductionChange.id)).all(),
            db.session.scalars(select(AuditEvent.id)).all())


def test_every_route_has_a_row(app):
    routes = introducer_routes(app)
    assert not [key for key in routes if key not in EXPECTED]
    assert not [key for key in EXPECTED if key not in routes]


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
    if wanted in (403, 404):
        assert snapshot() == before, "a refused request changed the database"
        assert call(client, method, url, data, htmx=True).status_code == wanted
        assert snapshot() == before
    if wanted == 303:
        assert response.headers["Location"]


@pytest.mark.parametrize("path", ["/partners/999999", "/partners/999999/tree", "/customers/999999/tree"])
def test_missing_ids_are_404(manager_client, path):
    assert manager_client.get(path).status_code == 404


def test_anonymous_is_sent_to_sign_in_everywhere(app, world, ctx, anon):
    for endpoint, method in introducer_routes(app):
        row = EXPECTED[(endpoint, method)]
        with app.test_request_context():
            url = url_for(endpoint, **(row.url(ctx) if row.url else {}))
        response = anon.get(url) if method == "GET" else anon.post(url, data={})
        assert response.status_code in (302, 400), (endpoint, response.status_code)
        if response.status_code == 302:
            assert "/login" in response.headers["Location"]
