"""Role × route matrix for every introducers.* endpoint (security.md A1, A2, A7): the status each caller
gets (lobby, the owning manager, a colleague of the branch, the supervisor, admin, a manager of the other
branch), page and htmx alike, and a refused request changes nothing. A new route fails
`test_every_route_has_a_row` until it has a row here."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import url_for
from sqlalchemy import select

from app.core.extensions import db
from app.models import AuditEvent, Customer, Introduction, IntroductionChange, Partner
from tests.matrix import Row, assert_every_route_has_a_row, case_ids, cases, check_cell, routes_of, user_of

PARTNER_FORM = {"kind": "person", "category": "coi", "name": "社区王主任", "mobile": ""}


@dataclass
class Ctx:
    world: object
    customer: Customer
    friend: Customer
    partner: Partner



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
        **PARTNER_FORM, "name": "改名", "owner_id": str(c.world.manager.id), "version": "1"}),
    ("introducers.archive_partner", "POST"):       Row(403, 303, 403, 303, 403, 404, url=_pid),
    ("introducers.partner_tree", "GET"):           Row(403, 200, 200, 200, 200, 404, url=_pid),
    ("introducers.customer_tree", "GET"):          Row(403, 200, 200, 200, 200, 404, url=_cid),
    ("introducers.customer_panel", "GET"):         Row(403, 200, 200, 200, 200, 404, url=_cid),
    ("introducers.picker_results", "POST"):        Row(403, 200, 200, 200, 403, 200,
                                                       data=lambda c: {"introducer_q": "王"}),
    ("introducers.set_introducer", "POST"):        Row(403, 303, 403, 303, 403, 404, url=_cid,
                                                       data=lambda c: {"introducer": f"c:{c.friend.id}"}),
    ("introducers.record_introductions", "POST"):  Row(403, 303, 403, 303, 403, 404, url=_cid, data=lambda c: {
        "prospects-0-name": "钱", "prospects-0-title": "先生", "prospects-0-mobile": "", "prospects-0-note": ""}),
    ("introducers.leaderboard_page", "GET"):       Row(403, 200, 200, 200, 200, 200),
}




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
    assert_every_route_has_a_row(app, "introducers", EXPECTED)


@pytest.mark.parametrize(("endpoint", "method", "caller"), cases(EXPECTED), ids=case_ids(EXPECTED))
def test_role_route_matrix(app, world, ctx, client_for, endpoint, method, caller):
    row = EXPECTED[(endpoint, method)]
    check_cell(app, client_for(user_of(world, caller)), endpoint, method, getattr(row, caller),
               row.url(ctx) if row.url else {}, row.data(ctx) if row.data else {}, snapshot)


@pytest.mark.parametrize("path", ["/partners/999999", "/partners/999999/tree", "/customers/999999/tree",
                                  "/customers/999999/introductions"])
def test_missing_ids_are_404(manager_client, path):
    assert manager_client.get(path).status_code == 404


def test_anonymous_is_sent_to_sign_in_everywhere(app, world, ctx, anon):
    for endpoint, method in routes_of(app, "introducers"):
        row = EXPECTED[(endpoint, method)]
        with app.test_request_context():
            url = url_for(endpoint, **(row.url(ctx) if row.url else {}))
        response = anon.get(url) if method == "GET" else anon.post(url, data={})
        assert response.status_code in (302, 400), (endpoint, response.status_code)
        if response.status_code == 302:
            assert "/login" in response.headers["Location"]
