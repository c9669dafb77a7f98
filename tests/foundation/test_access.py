"""Deny by default (security.md A1) and no state change on GET (D4), checked over the route inventory."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from flask import Blueprint

from app.auth.decorators import PUBLIC, roles_required
from app.auth.guard import view_access
from app.models import Role
from tests.foundation.helpers import (
    ROLES,
    assert_hx_sent_to_login,
    assert_sent_to_login,
    location_path,
    session_for,
)

# The only endpoints anyone may reach without signing in.
# The calendar feed is keyed by its private token instead of a session (tests/appointments/test_feed.py).
PUBLIC_ALLOWLIST = {"auth.login", "auth.choose_language", "home.healthz", "static", "appointments.feed"}
# Endpoint names that change state; they must never answer GET.
MUTATING_PREFIXES = ("create", "update", "delete")
KNOWN_ROLES = frozenset(role.value for role in Role)


def rules_of(app):
    return sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule))


def path_for(rule) -> str:
    """The rule's URL with every parameter filled with 1."""
    built = rule.build({arg: 1 for arg in rule.arguments}, append_unknown=False)
    assert built is not None, f"cannot build {rule.rule}"
    return built[1]


def guarded_rules(app):
    return [rule for rule in rules_of(app) if rule.endpoint not in PUBLIC_ALLOWLIST]


def test_every_endpoint_is_allowlisted_or_carries_a_role_marker(app):
    offenders = []
    for rule in rules_of(app):
        access = view_access(rule.endpoint)
        if rule.endpoint in PUBLIC_ALLOWLIST:
            if access != PUBLIC:
                offenders.append(f"{rule.endpoint} ({rule.rule}) is allowlisted but not marked @public")
            continue
        if access == PUBLIC:
            offenders.append(f"{rule.endpoint} ({rule.rule}) is @public but not in the public allowlist")
        elif not isinstance(access, frozenset):
            offenders.append(f"{rule.endpoint} ({rule.rule}) has no access marker")
        elif not access:
            offenders.append(f"{rule.endpoint} ({rule.rule}) allows an empty set of roles")
        elif not access <= KNOWN_ROLES:
            offenders.append(f"{rule.endpoint} ({rule.rule}) names unknown roles {sorted(access - KNOWN_ROLES)}")
    assert not offenders, "endpoints outside deny-by-default:\n" + "\n".join(offenders)


def test_the_public_allowlist_still_exists(app):
    # A renamed login endpoint would make the allowlist silently protect nothing.
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints >= PUBLIC_ALLOWLIST


def test_anonymous_get_and_post_to_every_guarded_rule_go_to_login(app, anon):
    failures = []
    checked = 0
    for rule in guarded_rules(app):
        path = path_for(rule)
        for method in sorted({"GET", "POST"} & rule.methods):
            # Once without a CSRF token (a forged or stale request) and once with a valid anonymous one.
            attempts = [("no token", {})]
            if method == "POST":
                attempts.append(("token", {"csrf_token": anon.csrf_token()}))
            for label, data in attempts:
                what = f"{method} {path} [{rule.endpoint}, {label}]"
                response = anon.open(path, method=method, data=data)
                checked += 1
                if response.status_code != 302 or location_path(response) != "/login":
                    failures.append(f"{what}: {response.status_code} {response.headers.get('Location')}")
                hx = anon.open(path, method=method, data=data, headers={"HX-Request": "true"})
                try:
                    assert_hx_sent_to_login(hx, what=what)
                except AssertionError as exc:
                    failures.append(str(exc))
    assert checked, "no guarded rules found"
    assert not failures, "anonymous requests not sent to /login:\n" + "\n".join(failures)


def test_anonymous_methods_a_rule_does_not_accept_are_never_200(app, anon):
    for rule in guarded_rules(app):
        for method in {"GET", "POST"} - rule.methods:
            response = anon.open(path_for(rule), method=method)
            assert response.status_code != 200, f"{method} {rule.rule}"


def test_anonymous_redirect_keeps_a_local_next_only(anon):
    response = anon.get("/my-day?tab=today")
    assert_sent_to_login(response)
    assert parse_qs(urlsplit(response.headers["Location"]).query) == {"next": ["/my-day?tab=today"]}


def test_no_mutating_endpoint_accepts_get(app):
    offenders = []
    for rule in rules_of(app):
        name = rule.endpoint.rsplit(".", 1)[-1]
        mutating = any(name == p or name.startswith(p + "_") for p in MUTATING_PREFIXES)
        if mutating and "GET" in rule.methods:
            offenders.append(f"{rule.endpoint} ({rule.rule}) accepts GET")
    assert not offenders, "state-changing endpoints reachable by GET:\n" + "\n".join(offenders)


def test_logout_is_post_only(app, manager_client, world):
    assert "GET" not in {m for r in app.url_map.iter_rules(endpoint="auth.logout") for m in r.methods}
    response = manager_client.get("/logout")
    assert response.status_code == 405
    # The session survived the GET.
    assert manager_client.get("/my-day").status_code == 200


def _throwaway_routes(new_app):
    bp = Blueprint("throwaway", __name__)

    @bp.route("/throwaway/unmarked")
    def unmarked():
        return "secret page"

    @bp.route("/throwaway/managers")
    @roles_required("manager")
    def managers_only():
        return "managers page"

    new_app.register_blueprint(bp)


def test_a_view_without_a_marker_is_denied_to_every_role(build_app, make_user):
    other = build_app(routes=_throwaway_routes)
    assert view_access("throwaway.unmarked") is None
    anon = other.test_client()
    assert_sent_to_login(anon.get("/throwaway/unmarked"))
    for role in ROLES:
        client = session_for(other, make_user(role))
        response = client.get("/throwaway/unmarked")
        assert response.status_code == 403, role
        assert "secret page" not in response.get_data(as_text=True)
        hx = client.get("/throwaway/unmarked", headers={"HX-Request": "true"})
        assert hx.status_code == 403, role
    # The control route proves the separate app and its sessions work at all.
    manager = session_for(other, make_user("manager"))
    ok = manager.get("/throwaway/managers")
    assert ok.status_code == 200 and ok.get_data(as_text=True) == "managers page"
