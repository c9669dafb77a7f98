"""Role × route matrix for every lobby.* endpoint (security.md A1, A2, A7). Callers: lobby, the owning manager,
the credit colleague (the walk-in is handed to them), the branch supervisor, admin, a manager of the other
branch. A new lobby.* route fails `test_every_route_has_a_row` until it gets a row here."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from app.core.extensions import db
from app.lobby import services
from app.models import AuditEvent, Customer, Referral, StaffPresence, WalkIn, WalkInAlert
from tests.matrix import Row, assert_every_route_has_a_row, case_ids, cases, check_cell, user_of


@dataclass
class Ctx:
    world: object
    customer: Customer
    walk_in: WalkIn
    alert: WalkInAlert


def _wid(action: str):
    return lambda c: {"walk_in_id": c.walk_in.id, "action": action}


EXPECTED: dict[tuple[str, str], Row] = {
    #                                          lobby mgr  coll sup  admin other
    ("lobby.index", "GET"):                Row(200, 403, 403, 403, 403, 403),
    ("lobby.lookup", "POST"):              Row(200, 403, 403, 403, 403, 403, data=lambda c: {"mobile": "13812345678"}),
    ("lobby.visitor", "GET"):              Row(200, 403, 403, 403, 403, 403),
    ("lobby.log_walk_in", "POST"):         Row(303, 403, 403, 403, 403, 403, data=lambda c: {
        "submission_key": "matrix-key-000001", "customer_id": str(c.customer.id), "need": "deposit",
        "action": "served"}),
    ("lobby.walk_in_form", "POST"):        Row(200, 403, 403, 403, 403, 403, data=lambda c: {
        "customer_id": str(c.customer.id), "need": "loan"}),
    ("lobby.walk_in_booking", "POST"):     Row(200, 403, 403, 403, 403, 403, data=lambda c: {
        "customer_id": str(c.customer.id), "need": "loan", "specialist_id": str(c.world.colleague.id)}),
    ("lobby.mine", "GET"):                 Row(200, 403, 403, 403, 403, 403),
    ("lobby.queue_page", "GET"):           Row(200, 200, 200, 200, 403, 200),
    ("lobby.call_next", "POST"):           Row(403, 303, 303, 303, 403, 303),
    # Start serving: the branch's specialists and supervisor; lobby staff see the walk-in but may not (403).
    ("lobby.queue_act", "POST"):           Row(403, 303, 303, 303, 403, 404, url=_wid("start")),
    ("lobby.alerts", "GET"):               Row(403, 200, 200, 200, 403, 200),
    # The alert is the owner's: for anyone else it does not exist.
    ("lobby.dismiss_alert", "POST"):       Row(403, 303, 404, 404, 403, 404, url=lambda c: {"alert_id": c.alert.id}),
    # The credit colleague's presence: they set their own, the supervisor a colleague's; lobby staff and other
    # managers may not (403), admin holds no presence (marker), another branch's manager finds nobody (404).
    ("lobby.set_presence", "POST"):        Row(403, 403, 303, 303, 403, 404,
                                               url=lambda c: {"user_id": c.world.colleague.id},
                                               data=lambda c: {"present": "0", "back": "queue"}),
    ("lobby.log", "GET"):                  Row(200, 403, 403, 200, 200, 403),
}


@pytest.fixture
def ctx(world, customer) -> Ctx:
    customer.tier = "A"
    db.session.commit()
    walk_in, _ = services.log_walk_in(world.lobby, customer, services.WalkInInput(
        need="loan", action="queue", submission_key="matrix-setup"))
    db.session.commit()
    alert = db.session.scalars(select(WalkInAlert)).one()
    return Ctx(world, customer, walk_in, alert)


def snapshot() -> tuple:
    db.session.expire_all()
    return (db.session.execute(select(WalkIn.id, WalkIn.queue_status, WalkIn.version).order_by(WalkIn.id)).all(),
            db.session.execute(select(WalkInAlert.id, WalkInAlert.seen_at)).all(),
            db.session.scalars(select(Referral.id)).all(),
            db.session.execute(select(StaffPresence.user_id, StaffPresence.present)).all(),
            db.session.scalars(select(AuditEvent.id)).all())


def test_every_route_has_a_row(app):
    assert_every_route_has_a_row(app, "lobby", EXPECTED)


@pytest.mark.parametrize(("endpoint", "method", "caller"), cases(EXPECTED), ids=case_ids(EXPECTED))
def test_role_route_matrix(app, world, ctx, client_for, endpoint, method, caller):
    row = EXPECTED[(endpoint, method)]
    check_cell(app, client_for(user_of(world, caller)), endpoint, method, getattr(row, caller),
               row.url(ctx) if row.url else {}, row.data(ctx) if row.data else {}, snapshot,
               refused=(403, 404, 422), never_shown=("张三", "张女士", "138****"))  # a bare "138" can be in a token


def test_an_unknown_queue_action_is_404(world, ctx, client_for):
    assert client_for(world.colleague).hx("POST", f"/lobby/queue/{ctx.walk_in.id}/nothing").status_code == 404


def test_a_walk_in_of_another_branch_is_invisible(world, ctx, client_for):
    for action in ("call", "start", "finish", "left"):
        response = client_for(world.other_manager).hx("POST", f"/lobby/queue/{ctx.walk_in.id}/{action}")
        assert response.status_code == 404
