"""The bench's signed-in reference page (app/benchref): off unless configured, and when on, the real frame
around 50 constant rows with no query beyond the session."""

from __future__ import annotations

import os
import re

import pytest

from app.core.config import Config
from tests.foundation.helpers import assert_sent_to_login, session_for

ROW_RE = re.compile(r'<tr id="customer-\d+">')
TABLE_RE = re.compile(r'\b(?:FROM|JOIN|UPDATE|INTO)\s+"?(\w+)"?', re.I)


@pytest.mark.skipif(bool(os.environ.get("BENCH_REFERENCE_ROUTE")), reason="BENCH_REFERENCE_ROUTE is set here")
def test_the_reference_route_is_absent_by_default(build_app, make_user):
    assert Config.BENCH_REFERENCE_ROUTE is False
    production_like = build_app(BENCH_REFERENCE_ROUTE=Config.BENCH_REFERENCE_ROUTE)
    assert not [r.rule for r in production_like.url_map.iter_rules() if r.endpoint.startswith("benchref.")]
    client = session_for(production_like, make_user("manager"))
    assert client.get("/bench/reference").status_code == 404


def test_the_reference_page_is_the_signed_in_frame_around_50_rows(manager_client, queries):
    manager_client.get("/bench/reference")  # the session's last-seen write, if due, happens here
    with queries() as statements:
        response = manager_client.get("/bench/reference")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert len(ROW_RE.findall(body)) == 50
    assert body.count("<td>") >= 50 * 3
    assert 'data-testid="logout"' in body  # the navigation bar with its forms
    assert '"X-CSRFToken": "' in body  # the htmx CSRF header on <body>
    assert "意向客户" in body and "到店" in body  # codes shown as their labels
    assert "prospect" not in body and "walk_in" not in body
    # Only the session and its user are read (a test's shared ORM session may reload the user separately).
    assert statements and {t for s in statements for t in TABLE_RE.findall(s)} <= {"user_session", "user"}, statements


def test_the_reference_page_speaks_the_users_language(app, world, make_user):
    from tests.conftest import sign_in

    client = sign_in(app, make_user("manager", world.branch, language="en"))
    body = client.get("/bench/reference").get_data(as_text=True)
    assert "Prospect" in body and "Walk-in" in body and ">Customers<" in body


def test_signed_out_visitors_are_sent_to_sign_in(anon):
    assert_sent_to_login(anon.get("/bench/reference"))
