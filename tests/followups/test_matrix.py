"""Role × route matrix for every followups.* endpoint (security.md A1, A2, A7). Callers: lobby, the owning
manager (the assignee), a colleague of the branch who does not work the customer, the branch supervisor,
admin, a manager of the other branch (another branch's follow-up or customer id: 404)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import url_for
from sqlalchemy import select

from app.core.extensions import db
from app.models import FollowUp
from tests.customers.helpers import body
from tests.followups.conftest import TODAY, plan

CALLERS = ("lobby", "manager", "colleague", "supervisor", "admin", "other")


def _fid(ctx) -> dict:
    return {"follow_up_id": ctx["follow_up"].id}


def _act(action: str):
    return lambda ctx: {"follow_up_id": ctx["follow_up"].id, "action": action}


def _cid(ctx) -> dict:
    return {"customer_id": ctx["customer"].id}


def _versioned(**extra):
    return lambda ctx: {"version": str(ctx["follow_up"].version), **extra}


EXPECTED = {
    #                                                  lobby mgr coll sup admin other
    ("followups.badge", "GET", ""):                  ((403, 200, 200, 200, 403, 200), lambda ctx: {}, None),
    ("followups.panel", "GET", ""):                  ((403, 200, 200, 200, 200, 404), _cid, None),
    ("followups.add", "POST", ""):                   ((403, 303, 403, 303, 403, 404), _cid, lambda ctx: {
        "kind": "other", "due_on": (TODAY + timedelta(days=1)).isoformat(), "note": "补资料"}),
    ("followups.show", "GET", ""):                   ((403, 200, 200, 200, 200, 404), _fid, None),
    ("followups.act", "POST", "complete"):           ((403, 303, 403, 303, 403, 404), _act("complete"),
                                                      _versioned(outcome="已沟通")),
    ("followups.act", "POST", "snooze"):             ((403, 303, 403, 303, 403, 404), _act("snooze"),
                                                      _versioned(until=(TODAY + timedelta(days=2)).isoformat())),
    ("followups.act", "POST", "cancel"):             ((403, 303, 403, 303, 403, 404), _act("cancel"),
                                                      _versioned(reason="重复")),
    ("followups.act", "POST", "reassign"):           ((403, 403, 403, 303, 403, 404), _act("reassign"),
                                                      lambda ctx: {"version": str(ctx["follow_up"].version),
                                                                   "assignee_id": str(ctx["world"].colleague.id)}),
    # No such action: 404 for every role the marker lets in.
    ("followups.act", "POST", "nothing"):            ((403, 404, 404, 404, 403, 404), _act("nothing"), None),
}
CASES = [(key, caller) for key in EXPECTED for caller in CALLERS]


def _routes(app) -> set[tuple[str, str]]:
    return {(rule.endpoint, m) for rule in app.url_map.iter_rules() if rule.endpoint.startswith("followups.")
            for m in rule.methods - {"HEAD", "OPTIONS"}}


def test_every_route_has_a_row(app):
    assert _routes(app) == {(endpoint, method) for endpoint, method, _variant in EXPECTED}


@pytest.fixture
def ctx(monday, world, customer):
    follow_up = plan(customer, world.manager, due=TODAY - timedelta(days=1), note="回访")
    return {"world": world, "customer": customer, "follow_up": follow_up}


def _snapshot():
    db.session.expire_all()
    return db.session.execute(select(FollowUp.id, FollowUp.status, FollowUp.version, FollowUp.assignee_id,
                                     FollowUp.due_on).order_by(FollowUp.id)).all()


@pytest.mark.parametrize(("key", "caller"), CASES, ids=[f"{k[0]}-{k[2] or k[1]}-{c}" for k, c in CASES])
def test_role_route_matrix(app, world, ctx, client_for, key, caller):
    statuses, url_args, data = EXPECTED[key]
    endpoint, method, _variant = key
    wanted = statuses[CALLERS.index(caller)]
    client = client_for(world.other_manager if caller == "other" else getattr(world, caller))
    with app.test_request_context():
        url = url_for(endpoint, **url_args(ctx))
    payload = data(ctx) if data else {}
    if method == "POST":
        client.csrf_token(client._token_page)
    before = _snapshot()
    response = client.get(url) if method == "GET" else client.form(url, payload)
    assert response.status_code == wanted, body(response)[-800:]
    if wanted in (403, 404):
        if method == "POST":
            assert _snapshot() == before, "a refused request changed a follow-up"
            assert client.hx("POST", url, payload).status_code == wanted  # htmx gets no further (A7)
        else:
            assert client.get(url, headers={"HX-Request": "true"}).status_code == wanted
