"""Role × route matrix (security.md A1, A7; style.md 18): the expected status of every route per role.

Later issues add their routes as rows of EXPECTED, nothing else. A row is the status each caller gets:
anonymous, lobby, manager, supervisor, admin. `method`, `url_args` (world -> url_for arguments) and
`data` (form fields, CSRF token added automatically) say how to call the route.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import pytest
from flask import url_for
from sqlalchemy import text

from app.auth.decorators import PUBLIC
from app.auth.guard import view_access
from app.core.extensions import db
from tests.foundation.helpers import ROLES, assert_hx_sent_to_login, assert_sent_to_login

CALLERS = ("anon", *ROLES)


class Expect(NamedTuple):
    anon: int
    lobby: int
    manager: int
    supervisor: int
    admin: int
    method: str = "GET"
    url_args: Callable | None = None
    data: dict | None = None


def _a_tier_rule(world) -> dict:
    from app.models import TierRule

    rule = TierRule(tier="B", metric="products", threshold=8)
    db.session.add(rule)
    db.session.commit()
    return {"rule_id": rule.id}


def _a_customer(world) -> dict:
    from app.customers import records

    customer = records.create_customer(world.manager, records.CustomerData(
        kind="individual", name="矩阵客户", source="walk_in", status="prospect", mobile="13900007777"))
    db.session.commit()
    return {"customer_id": customer.id}


def _a_referral(world) -> dict:
    from app.customers.loaders import Customer
    from app.referrals import sending

    customer = db.session.get(Customer, _a_customer(world)["customer_id"])
    referral = sending.send_referral(world.manager, customer, recipient_id=world.colleague.id, need="card", note=None)
    db.session.commit()
    return {"referral_id": referral.id}


EXPECTED: dict[str, Expect] = {
    #                                anon lobby manager supervisor admin
    "auth.login":            Expect(200, 302, 302, 302, 302),
    "auth.choose_language":  Expect(302, 302, 302, 302, 302, url_args=lambda w: {"code": "en"}),
    "home.healthz":          Expect(200, 200, 200, 200, 200),
    "home.index":            Expect(302, 302, 302, 302, 302),
    "lobby.index":           Expect(302, 200, 403, 403, 403),
    "home.manager":          Expect(302, 403, 200, 200, 403),  # my day: supervisors may open theirs too
    "home.my_follow_ups":    Expect(302, 403, 200, 200, 403),  # my day's sections (pages without JavaScript)
    "home.my_appointments":  Expect(302, 403, 200, 200, 403),
    "home.my_referrals":     Expect(302, 403, 200, 200, 403),
    "home.supervisor":       Expect(302, 403, 403, 200, 403),
    "admin.index":           Expect(302, 403, 403, 403, 200),
    "auditlog.index":        Expect(302, 403, 403, 200, 200),
    "admin.tier_rules":      Expect(302, 403, 403, 403, 200),
    "admin.tier_rhythm":     Expect(302, 403, 403, 403, 200),
    "admin.toggle_tier_rule": Expect(302, 403, 403, 403, 303, method="POST", url_args=_a_tier_rule),
    "auth.change_password":  Expect(302, 200, 200, 200, 200),
    "auth.reauthenticate":   Expect(302, 200, 200, 200, 200),
    "auth.set_language":     Expect(302, 303, 303, 303, 303, method="POST", data={"language": "en"}),
    "auth.logout":           Expect(302, 303, 303, 303, 303, method="POST"),
    "benchref.index":        Expect(302, 200, 200, 200, 200),
    # Referrals: the policy answers per party live in tests/referrals/test_matrix.py; here the role markers.
    "referrals.index":       Expect(302, 200, 200, 200, 200),
    "referrals.badge":       Expect(302, 200, 200, 200, 200),
    "referrals.credit_page": Expect(302, 403, 200, 200, 200),
    "referrals.show":        Expect(302, 404, 200, 200, 200, url_args=_a_referral),
    # No such action: every signed-in role gets the same 404 (the marker lets all of them in).
    "referrals.act":         Expect(302, 404, 404, 404, 404, method="POST",
                                    url_args=lambda w: {**_a_referral(w), "action": "nothing"}),
    "referrals.new":         Expect(302, 200, 200, 200, 403, url_args=_a_customer),
    # Without a colleague chosen: refused input (422), nothing saved.
    "referrals.send":        Expect(302, 422, 422, 422, 403, method="POST", url_args=_a_customer,
                                    data={"need": "loan"}),
}

# Routes that exist only when a config flag is set: their rows apply when it is (TestConfig sets them).
CONDITIONAL = {"benchref.index": "BENCH_REFERENCE_ROUTE"}

# Blueprints whose every route must have a row above. Add a blueprint here once its rows are in.
# admin.* is also swept below: every admin route refuses lobby, manager and supervisor.
MATRIX_BLUEPRINTS = {"home", "auth", "auditlog", "benchref", "referrals"}

# Where each role lands after "/" or after signing in.
HOME_PATHS = {"lobby": "/lobby", "manager": "/my-day", "supervisor": "/team", "admin": "/admin/"}

CASES = [(endpoint, caller) for endpoint in EXPECTED for caller in CALLERS]


def client_of(request, caller: str):
    return request.getfixturevalue("anon" if caller == "anon" else f"{caller}_client")


def url_of(app, world, endpoint: str, expect: Expect) -> str:
    with app.test_request_context():
        return url_for(endpoint, **(expect.url_args(world) if expect.url_args else {}))


def call(client, method: str, url: str, data: dict | None = None, *, htmx: bool = False):
    if method == "GET":
        return client.get(url, headers={"HX-Request": "true"} if htmx else None)
    return client.form(url, data, htmx=htmx)


@pytest.mark.parametrize(("endpoint", "caller"), CASES, ids=[f"{e}-{c}" for e, c in CASES])
def test_role_route_matrix(app, world, request, endpoint, caller):
    if endpoint in CONDITIONAL and not app.config.get(CONDITIONAL[endpoint]):
        pytest.skip(f"{endpoint} needs {CONDITIONAL[endpoint]}")
    expect = EXPECTED[endpoint]
    wanted = getattr(expect, caller)
    client = client_of(request, caller)
    url = url_of(app, world, endpoint, expect)

    response = call(client, expect.method, url, expect.data)
    assert response.status_code == wanted, f"{caller} {expect.method} {url}"
    if caller == "anon" and wanted == 302 and view_access(endpoint) != PUBLIC:
        assert_sent_to_login(response)
    if endpoint == "home.index" and caller != "anon":
        assert response.headers["Location"] == HOME_PATHS[caller]

    if expect.method == "GET":
        # The HX-Request header picks a template, never a permission (A7).
        hx = call(client, "GET", url, htmx=True)
        if caller == "anon" and wanted == 302 and view_access(endpoint) != PUBLIC:
            assert_hx_sent_to_login(hx)
        else:
            assert hx.status_code == wanted, f"{caller} htmx GET {url}"


def test_matrix_covers_every_route_of_its_blueprints(app):
    missing = sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".", 1)[0] in MATRIX_BLUEPRINTS and rule.endpoint not in EXPECTED
    )
    absent = {e for e, flag in CONDITIONAL.items() if not app.config.get(flag)}
    stale = sorted(set(EXPECTED) - absent - {rule.endpoint for rule in app.url_map.iter_rules()})
    assert not missing, f"add these endpoints to EXPECTED: {missing}"
    assert not stale, f"EXPECTED names endpoints that no longer exist: {stale}"


def test_matrix_agrees_with_the_view_markers(app):
    # A 200/303 for a role means the marker lets it in; 403 means it does not.
    disagreements = []
    for endpoint, expect in EXPECTED.items():
        if endpoint in CONDITIONAL and endpoint not in app.view_functions:
            continue
        access = view_access(endpoint)
        for role in ROLES:
            status = getattr(expect, role)
            allowed = access == PUBLIC or role in access
            if allowed and status == 403 or not allowed and status != 403:
                disagreements.append(f"{endpoint}: {role} expects {status}, marker {access}")
    assert not disagreements, "\n".join(disagreements)


def _snapshot() -> dict[str, list]:
    tables = ("user", "branch", "team", "user_session", "audit_event")
    return {t: [tuple(r) for r in db.session.execute(text(f'SELECT * FROM "{t}" ORDER BY id'))] for t in tables}


def _path(rule) -> str:
    return rule.build({arg: 1 for arg in rule.arguments}, append_unknown=False)[1]


@pytest.mark.parametrize("role", ["lobby", "manager", "supervisor"])
def test_every_admin_route_refuses_non_admins(app, world, request, role):
    client = client_of(request, role)
    client.csrf_token(client._token_page)  # fetch the token before the snapshot: the page visit updates last_seen_at
    admin_rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("admin.")]
    assert admin_rules
    before = _snapshot()
    wrong = []
    for rule in admin_rules:
        path = _path(rule)
        for method in sorted({"GET", "POST"} & rule.methods):
            for htmx in (False, True):
                response = call(client, method, path, {}, htmx=htmx)
                if response.status_code != 403:
                    wrong.append(f"{method}{' htmx' if htmx else ''} {path}: {response.status_code}")
    assert not wrong, f"{role} was not refused:\n" + "\n".join(wrong)
    assert _snapshot() == before, "a refused admin request changed the database"


@pytest.mark.parametrize("role", ROLES)
def test_every_route_refuses_roles_outside_its_marker(app, world, request, role):
    # The guard enforces whatever marker a view has, on every method, for every blueprint.
    client = client_of(request, role)
    wrong = []
    for rule in app.url_map.iter_rules():
        access = view_access(rule.endpoint)
        if access == PUBLIC or role in access:
            continue
        for method in sorted({"GET", "POST"} & rule.methods):
            response = call(client, method, _path(rule), {})
            if response.status_code != 403:
                wrong.append(f"{method} {rule.rule} [{rule.endpoint}]: {response.status_code}")
    assert not wrong, f"{role} was not refused:\n" + "\n".join(wrong)
