"""Role × route matrix for every customers.* endpoint (security.md A1, A2, A7; style.md 18).

EXPECTED has one row per (endpoint, method): the status each caller gets. The callers are lobby,
the owning manager, a colleague (another manager of the same branch), the branch supervisor, admin
and a manager of the other branch. A new customers.* route fails `test_every_route_has_a_row` until
it gets a row here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import url_for
from sqlalchemy import select

from app.auth.guard import view_access
from app.core import clock
from app.core.extensions import db
from app.customers import records
from app.models import Activity, AuditEvent, Customer, TierChange, TierRule
from tests.customers.helpers import FORM, ID_L2, MOBILE_MASKED, body
from tests.matrix import (
    Row,
    assert_every_route_has_a_row,
    call,
    case_ids,
    cases,
    check_cell,
    routes_of,
    user_of,
)


@dataclass
class Ctx:
    """What the URL and body builders may refer to."""

    world: object
    customer: Customer  # the manager's customer, with a mobile and an ID number
    archived: Customer  # another of the manager's customers, archived
    rule: TierRule



def _cid(c: Ctx) -> dict:
    return {"customer_id": c.customer.id}


def _edit_body(c: Ctx) -> dict:
    # owner_id is a real field for supervisors only; managers' forms do not bind it (A5).
    return {**FORM, "name": "张三改", "mobile": "", "version": str(c.customer.version),
            "sensitive_consent": "y", "owner_id": str(c.world.manager.id)}


def _before(c: Ctx) -> dict:
    return {"customer_id": c.customer.id, "before": (clock.now() + timedelta(minutes=1)).isoformat()}


EXPECTED: dict[tuple[str, str], Row] = {
    #                                          lobby mgr  coll sup  admin other
    ("customers.index", "GET"):            Row(403, 200, 200, 200, 200, 200),
    ("customers.search", "POST"):          Row(403, 200, 200, 200, 200, 200, data=lambda c: {"q": "张"}),
    ("customers.archived", "GET"):         Row(403, 403, 403, 200, 403, 403),
    ("customers.reassign", "POST"):        Row(403, 403, 403, 303, 403, 403, data=lambda c: {
        "selected_ids": str(c.customer.id), "owner_id": str(c.world.colleague.id)}),
    ("customers.new", "GET"):              Row(403, 200, 200, 200, 403, 200),
    ("customers.new", "POST"):             Row(403, 303, 303, 303, 403, 303, data=lambda c: {
        **FORM, "owner_id": str(c.world.manager.id)}),
    ("customers.validate_field", "POST"):  Row(403, 200, 200, 200, 403, 200,
                                               url=lambda c: {"field_name": "mobile"},
                                               data=lambda c: {"mobile": "13900001111"}),
    ("customers.edit", "GET"):             Row(403, 200, 403, 200, 403, 404, url=_cid),
    ("customers.edit", "POST"):            Row(403, 303, 403, 303, 403, 404, url=_cid, data=_edit_body),
    ("customers.show", "GET"):             Row(403, 200, 200, 200, 200, 404, url=_cid),
    ("customers.card", "GET"):             Row(200, 200, 200, 200, 200, 404, url=_cid),
    ("customers.timeline", "GET"):         Row(403, 200, 200, 200, 200, 404, url=_before),
    ("customers.reveal", "POST"):          Row(403, 200, 403, 200, 200, 404, url=_cid,
                                               data=lambda c: {"which": "mobile", "reason": "客户来电核实"}),
    ("customers.add_activity", "POST"):    Row(403, 303, 403, 303, 403, 404, url=_cid,
                                               data=lambda c: {"kind": "call", "outcome": "reached", "note": "约了周五"}),
    ("customers.set_tier", "POST"):        Row(403, 303, 403, 303, 403, 404, url=_cid,
                                               data=lambda c: {"tier": "A", "reason": "资产达标"}),
    ("customers.archive", "POST"):         Row(403, 303, 403, 303, 403, 404, url=_cid,
                                               data=lambda c: {"reason": "客户已销户"}),
    # restore is for supervisors only: the role check answers before the record is looked up.
    ("customers.restore", "POST"):         Row(403, 403, 403, 303, 403, 403,
                                               url=lambda c: {"customer_id": c.archived.id}),
}





@pytest.fixture
def ctx(world, make_customer, customer) -> Ctx:
    archived = make_customer(world.manager, name="赵六")
    records.archive_customer(world.manager, archived, "搬家")
    rule = TierRule(tier="A", metric="products", threshold=9)
    db.session.add(rule)
    db.session.commit()
    return Ctx(world, customer, archived, rule)


def snapshot() -> tuple:
    """Everything a refused request must leave alone."""
    db.session.expire_all()
    customers = db.session.execute(select(
        Customer.id, Customer.branch_id, Customer.owner_id, Customer.name, Customer.tier, Customer.version,
        Customer.archived_at, Customer.mobile_hash).order_by(Customer.id)).all()
    rules = db.session.execute(select(TierRule.id, TierRule.active).order_by(TierRule.id)).all()
    return (customers, rules, db.session.scalars(select(Activity.id)).all(),
            db.session.scalars(select(TierChange.id)).all(), db.session.scalars(select(AuditEvent.id)).all())



def test_every_route_has_a_row(app):
    assert_every_route_has_a_row(app, "customers", EXPECTED)


@pytest.mark.parametrize(("endpoint", "method", "caller"), cases(EXPECTED), ids=case_ids(EXPECTED))
def test_role_route_matrix(app, world, ctx, client_for, endpoint, method, caller):
    row = EXPECTED[(endpoint, method)]
    check_cell(app, client_for(user_of(world, caller)), endpoint, method, getattr(row, caller),
               row.url(ctx) if row.url else {}, row.data(ctx) if row.data else {}, snapshot)


# ---------------------------------------------------------------- the other branch: always 404


def customer_id_routes(app) -> list[tuple[str, str]]:
    return [(e, m) for e, m in routes_of(app, "customers")
            if any("customer_id" in r.arguments for r in app.url_map.iter_rules(e))]


def _id_route_cases():
    """Every <customer_id> row of EXPECTED (checked against the URL map below) × branch-B staff × htmx."""
    keys = [key for key, row in EXPECTED.items() if row.url in (_cid, _before)
            or key == ("customers.restore", "POST")]
    return [(e, m, who, hx) for e, m in keys for who in ("other_manager", "other_supervisor") for hx in (False, True)]


ID_CASES = _id_route_cases()


def test_id_cases_cover_every_customer_id_route(app):
    assert sorted({(e, m) for e, m, _, _ in ID_CASES}) == sorted(customer_id_routes(app))


@pytest.mark.parametrize(("endpoint", "method", "who", "htmx"), ID_CASES,
                         ids=[f"{e}-{m}-{w}-{'hx' if h else 'page'}" for e, m, w, h in ID_CASES])
def test_other_branch_customer_is_not_found(app, world, make_customer, foreign_customer, client_for,
                                            endpoint, method, who, htmx):
    """Branch-B staff get 404 for a branch-A customer on every <customer_id> route, page or fragment,
    exactly as for an id that does not exist; nothing is written (A2)."""
    user = getattr(world, who)
    mine = make_customer(world.manager, name="张三", mobile="13812345678", id_number="11010519491231002X")
    if endpoint == "customers.restore":
        records.archive_customer(world.manager, mine, "测试")
        db.session.commit()
    client = client_for(user)
    row = EXPECTED[(endpoint, method)]
    data = {"which": "mobile", "reason": "看看", "kind": "call", "tier": "A", **FORM, "version": "1"}
    allowed = user.role in view_access(endpoint)
    before = snapshot()

    with app.test_request_context():
        args = {"before": clock.now().isoformat()} if row.url is _before else {}
        url = url_for(endpoint, customer_id=mine.id, **args)
        missing_url = url_for(endpoint, customer_id=999_999, **args)
    response = call(client, method, url, data, htmx=htmx)
    missing = call(client, method, missing_url, data, htmx=htmx)

    assert response.status_code == (404 if allowed else 403)
    assert missing.status_code == response.status_code
    assert "张三" not in body(response) and "5678" not in body(response)
    assert snapshot() == before


def test_validate_with_another_branch_customer_id_is_not_found(world, customer, client_for):
    response = client_for(world.other_manager).hx(
        "POST", "/customers/validate/mobile", {"mobile": "13900001111", "customer_id": str(customer.id)})
    assert response.status_code == 404


def test_reassign_ignores_another_branch_customer(world, foreign_customer, supervisor_client):
    before = snapshot()
    response = supervisor_client.form("/customers/reassign", {
        "selected_ids": str(foreign_customer.id), "owner_id": str(world.colleague.id)})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Customer, foreign_customer.id).owner_id == world.other_manager.id
    assert snapshot() == before


def test_other_branch_search_for_exact_mobile_finds_nothing(world, customer, other_branch_client):
    """Scope is in the query: branch B searching branch A's full mobile gets 0 rows (A3)."""
    response = other_branch_client.hx("POST", "/customers/search", {"q": "13812345678"})
    assert response.status_code == 200
    assert f'id="customer-{customer.id}"' not in body(response)
    assert "张" not in body(response)


# ---------------------------------------------------------------- lobby


def test_lobby_is_refused_the_list_page_edit_and_reveal(world, customer, lobby_client):
    assert lobby_client.get("/customers/").status_code == 403
    assert lobby_client.get(f"/customers/{customer.id}").status_code == 403
    assert lobby_client.get(f"/customers/{customer.id}/edit").status_code == 403
    assert lobby_client.form(f"/customers/{customer.id}/reveal",
                             {"which": "mobile", "reason": "客户要求"}).status_code == 403
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "reveal")) is None


def test_lobby_card_shows_level_2_masks(world, customer, lobby_client):
    response = lobby_client.get(f"/customers/{customer.id}/card")
    assert response.status_code == 200
    page = body(response)
    assert "张*" in page and "张三" not in page
    assert MOBILE_MASKED in page
    assert ID_L2 in page
    assert "110***" not in page  # never the L1 form of the ID number for lobby staff
    fragment = lobby_client.get(f"/customers/{customer.id}/card", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in body(fragment) and ID_L2 in body(fragment)


def test_lobby_of_another_branch_gets_404_for_the_card(world, make_user, customer, client_for):
    other_lobby = make_user("lobby", world.other_branch)
    assert client_for(other_lobby).get(f"/customers/{customer.id}/card").status_code == 404
