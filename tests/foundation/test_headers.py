"""Security headers on every response, generic error pages, and the page/fragment switch (E4, E5, A7)."""

from __future__ import annotations

import json
import re

import pytest
from flask import flash

from app.auth.decorators import PUBLIC, public
from app.auth.guard import view_access
from app.core.htmx import render

NONCE_RE = re.compile(r"script-src 'self' 'nonce-([A-Za-z0-9_-]+)'")
HTMX_CONFIG_RE = re.compile(r'<meta name="htmx-config" content=\'([^\']+)\'>')


def get_routes_for(app, role: str) -> list[str]:
    """Every GET URL the role may call, parameters filled with 1."""
    paths = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        access = view_access(rule.endpoint)
        if "GET" not in rule.methods or access == PUBLIC or role not in access:
            continue
        paths.append(rule.build({arg: 1 for arg in rule.arguments}, append_unknown=False)[1])
    return paths


def csp_of(response) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = " ".join(words[1:])
    return directives


def header_problems(response, *, signed_in: bool) -> list[str]:
    problems = []
    h = response.headers
    csp = csp_of(response)
    raw_csp = h.get("Content-Security-Policy", "")
    if not csp:
        return ["no Content-Security-Policy"]
    expected = {
        "default-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "frame-ancestors": "'none'",
        "form-action": "'self'",
    }
    for directive, value in expected.items():
        if csp.get(directive) != value:
            problems.append(f"CSP {directive} is {csp.get(directive)!r}")
    if "unsafe-eval" in raw_csp or "unsafe-inline" in raw_csp:
        problems.append("CSP allows unsafe-eval/unsafe-inline")
    if not NONCE_RE.search(raw_csp):
        problems.append("CSP script-src has no nonce")
    if h.get("Strict-Transport-Security") != "max-age=31536000; includeSubDomains":
        problems.append(f"HSTS is {h.get('Strict-Transport-Security')!r}")
    if h.get("X-Content-Type-Options") != "nosniff":
        problems.append("no nosniff")
    if h.get("Cross-Origin-Opener-Policy") != "same-origin":
        problems.append("no COOP same-origin")
    if h.get("Referrer-Policy") != "same-origin":
        problems.append(f"Referrer-Policy is {h.get('Referrer-Policy')!r}")
    if signed_in and "no-store" not in h.get("Cache-Control", ""):
        problems.append(f"Cache-Control is {h.get('Cache-Control')!r} on a signed-in response")
    return problems


@pytest.mark.parametrize("role", ["admin", "manager", "supervisor", "lobby"])
def test_header_matrix_for_every_get_route(app, world, request, role):
    client = request.getfixturevalue(f"{role}_client")
    paths = get_routes_for(app, role)
    assert paths
    failures = []
    for path in paths:
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(path, headers=headers)
            for problem in header_problems(response, signed_in=True):
                failures.append(f"GET {path}{' (htmx)' if headers else ''} [{response.status_code}]: {problem}")
    assert not failures, "\n".join(failures)


def test_header_matrix_for_public_and_error_responses(app, world, anon, manager_client):
    failures = []
    for label, response, signed_in in [
        ("login", anon.get("/login"), False),
        ("anon redirect", anon.get("/my-day"), False),
        ("anon htmx 401", anon.get("/my-day", headers={"HX-Request": "true"}), False),
        ("404", anon.get("/no-such-page"), False),
        ("403", manager_client.get("/admin/"), True),
        ("405", manager_client.get("/logout"), True),
        ("400 csrf", manager_client.post("/logout"), True),
        ("healthz", anon.get("/healthz"), False),
    ]:
        failures += [f"{label}: {p}" for p in header_problems(response, signed_in=signed_in)]
    assert not failures, "\n".join(failures)


def test_html_pages_are_never_cached_even_for_anonymous_visitors(anon):
    assert "no-store" in anon.get("/login").headers["Cache-Control"]


def test_nonce_is_fresh_per_response_and_matches_the_page(app, world, manager_client):
    first, second = manager_client.get("/my-day"), manager_client.get("/my-day")
    nonce1 = NONCE_RE.search(first.headers["Content-Security-Policy"]).group(1)
    nonce2 = NONCE_RE.search(second.headers["Content-Security-Policy"]).group(1)
    assert nonce1 != nonce2 and len(nonce1) >= 16
    assert f"'nonce-{nonce1}'" in csp_of(first)["style-src"]
    config = json.loads(HTMX_CONFIG_RE.search(first.get_data(as_text=True)).group(1))
    assert config["inlineScriptNonce"] == nonce1
    # E3: the htmx settings the CSP relies on.
    assert config["allowEval"] is False and config["allowScriptTags"] is False
    assert config["selfRequestsOnly"] is True and config["historyCacheSize"] == 0
    assert config["includeIndicatorStyles"] is False


def test_no_inline_script_runs_without_the_nonce(app, world, manager_client, anon):
    for response in (anon.get("/login"), manager_client.get("/my-day"), manager_client.get("/account/password")):
        body = response.get_data(as_text=True)
        nonce = NONCE_RE.search(response.headers["Content-Security-Policy"]).group(1)
        for tag in re.findall(r"<script\b[^>]*>", body):
            assert "src=" in tag or f'nonce="{nonce}"' in tag, tag
        assert not re.search(r"<[^>]*\son[a-z]+\s*=", body), "inline event handler attribute"


# Errors ----------------------------------------------------------------------------------------

SECRET_DETAIL = "SELECT secret_column FROM customer WHERE mobile = '13812345678'"


def _failing_routes(new_app):
    @new_app.route("/boom")
    @public
    def boom():
        raise RuntimeError(SECRET_DETAIL)

    @new_app.route("/probe")
    @public
    def probe():
        flash("probe flash", "info")
        return render("errors/error.html", "errors/_error.html", status=418, title="Probe title", message="Probe body")


@pytest.fixture
def error_app(build_app):
    return build_app(routes=_failing_routes, PROPAGATE_EXCEPTIONS=False)


def test_an_unexpected_error_gives_a_generic_500(error_app, caplog):
    client = error_app.test_client()
    response = client.get("/boom")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "<html" in body
    for leak in ("Traceback", "RuntimeError", "secret_column", "SELECT", "13812345678", 'File "'):
        assert leak not in body, leak
    assert not header_problems(response, signed_in=False)
    assert any("unhandled error on GET /boom" in r.getMessage() for r in caplog.records)


def test_an_unexpected_error_on_htmx_gives_a_fragment(error_app):
    response = error_app.test_client().get("/boom", headers={"HX-Request": "true"})
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "<html" not in body and 'role="alert"' in body
    assert "Traceback" not in body and "secret_column" not in body


def test_not_found_is_a_friendly_page(app, world, anon, manager_client):
    for client in (anon, manager_client):
        response = client.get("/no-such-page")
        assert response.status_code == 404
        body = response.get_data(as_text=True)
        assert "<html" in body and "404" in body
        assert "The requested URL was not found on the server" not in body  # not Werkzeug's default text
    hx = manager_client.get("/no-such-page", headers={"HX-Request": "true"})
    assert hx.status_code == 404 and "<html" not in hx.get_data(as_text=True)


def test_method_not_allowed_names_the_allowed_methods(app, world, manager_client):
    response = manager_client.get("/logout")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]


def test_debug_is_off(app):
    assert app.debug is False


# The page/fragment switch ----------------------------------------------------------------------


def test_render_returns_the_full_page_by_default(error_app):
    response = error_app.test_client().get("/probe")
    assert response.status_code == 418
    assert "HX-Request" in response.headers["Vary"]
    body = response.get_data(as_text=True)
    assert "<html" in body and "Probe title" in body and "probe flash" in body


def test_render_returns_the_partial_for_htmx_with_an_out_of_band_flash(error_app):
    response = error_app.test_client().get("/probe", headers={"HX-Request": "true"})
    assert response.status_code == 418
    assert "HX-Request" in response.headers["Vary"]
    body = response.get_data(as_text=True)
    assert "<html" not in body and "Probe title" in body
    assert 'id="flash"' in body and 'hx-swap-oob="true"' in body and "probe flash" in body


@pytest.mark.parametrize("extra", [{"HX-Boosted": "true"}, {"HX-History-Restore-Request": "true"}])
def test_render_returns_the_full_page_for_boosted_and_history_requests(error_app, extra):
    response = error_app.test_client().get("/probe", headers={"HX-Request": "true", **extra})
    assert "<html" in response.get_data(as_text=True)
    assert "HX-Request" in response.headers["Vary"]
