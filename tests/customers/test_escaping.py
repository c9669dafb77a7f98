"""User data is always escaped (E1) and never becomes htmx markup (E2)."""

from __future__ import annotations

import pytest

from app.core.extensions import db
from app.customers import records
from tests.customers.helpers import FORM, body

XSS = "<img src=x onerror=alert(1)>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"


@pytest.fixture
def nasty(world, make_customer, manager_client):
    customer = make_customer(world.manager, name=XSS, mobile="13812345678", notes=XSS, needs=XSS)
    # An edit puts the name into the audit details as well (old → new).
    response = manager_client.form(f"/customers/{customer.id}/edit", {
        **FORM, "name": XSS + "!", "mobile": "", "notes": XSS, "needs": XSS, "version": "1"})
    assert response.status_code == 303
    return customer


def assert_escaped(response) -> None:
    page = body(response)
    assert response.status_code == 200
    assert XSS not in page
    assert ESCAPED in page


@pytest.mark.parametrize("path", ["/customers/", "/customers/{id}", "/customers/{id}/card", "/customers/{id}/edit"])
@pytest.mark.parametrize("who", ["manager", "colleague", "supervisor"])
def test_customer_pages_escape_the_name(world, nasty, client_for, path, who):
    client = client_for(getattr(world, who))
    response = client.get(path.format(id=nasty.id))
    if who == "colleague" and path.endswith("/edit"):
        assert response.status_code == 403
        return
    page = body(response)
    assert response.status_code == 200 and XSS not in page
    if who != "colleague":  # a colleague sees the masked name "<***…", escaped too
        assert ESCAPED in page
    else:
        assert "&lt;*" in page


def test_search_fragment_escapes_the_name(world, nasty, manager_client):
    assert_escaped(manager_client.hx("POST", "/customers/search", {"q": "<img"}))


def test_audit_page_escapes_the_name(world, nasty, supervisor_client, admin_client):
    assert_escaped(supervisor_client.get("/audit/"))
    assert_escaped(admin_client.get("/audit/", headers={"HX-Request": "true"}))


def test_a_note_with_htmx_attributes_stays_inert(world, customer, manager_client):
    note = '<button hx-delete="/customers/1" hx-trigger="load">x</button>'
    records.log_activity(world.manager, customer, kind="call", outcome=None, note=note)
    db.session.commit()
    page = body(manager_client.get(f"/customers/{customer.id}"))
    assert note not in page
    escaped = "&lt;button hx-delete=&#34;/customers/1&#34; hx-trigger=&#34;load&#34;&gt;x&lt;/button&gt;"
    assert escaped in page
    # ...and it sits inside an element with hx-disable, so htmx would not process it even if it were markup.
    opening = page.rfind("<div", 0, page.index(escaped))
    assert "hx-disable" in page[opening:page.index(escaped)]
