"""The audit log (G1): every view of a customer page and every change is recorded with actor, role,
branch and IP (reading the log: tests/auditlog)."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.core.extensions import db
from app.models import AuditEvent, Customer
from tests.customers.helpers import FORM, body

ROW_RE = re.compile(r"<tr>\s*<td class=\"text-nowrap\">(.*?)</tr>", re.S)
CELL_RE = re.compile(r"<td[^>]*>(.*?)</td>", re.S)


def events(action: str | None = None) -> list[AuditEvent]:
    db.session.expire_all()
    stmt = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    return db.session.scalars(stmt).all()


def rows(response) -> list[dict]:
    """The audit table as dicts: actor (display name), role, action and customer id."""
    found = []
    for row in ROW_RE.findall(body(response)):
        cells = CELL_RE.findall("<td>" + row)
        customer = re.search(r">(\d+)</a>", cells[4])
        found.append({"actor": cells[1].strip(), "role": cells[2].strip(),
                      "action": re.sub(r"</?code>", "", cells[3]).strip(),
                      "customer": int(customer.group(1)) if customer else None})
    return found


def test_viewing_a_customer_writes_one_view_row(world, customer, manager_client):
    before = len(events("customer_view"))
    response = manager_client.get(f"/customers/{customer.id}")
    assert response.status_code == 200

    views = events("customer_view")
    assert len(views) == before + 1
    view = views[-1]
    assert (view.actor_id, view.actor_role, view.branch_id, view.customer_id, view.subject_id, view.ip) == \
        (world.manager.id, "manager", world.branch.id, customer.id, customer.id, "127.0.0.1")
    assert view.at is not None


def test_every_viewer_is_recorded_including_the_lobby_card(world, customer, client_for):
    for user in (world.manager, world.colleague, world.supervisor, world.admin):
        client_for(user).get(f"/customers/{customer.id}")
    client_for(world.lobby).get(f"/customers/{customer.id}/card")
    client_for(world.other_manager).get(f"/customers/{customer.id}")  # 404: nothing seen, nothing logged
    views = events("customer_view")
    assert [(v.actor_id, v.actor_role) for v in views] == [
        (world.manager.id, "manager"), (world.colleague.id, "manager"),
        (world.supervisor.id, "supervisor"), (world.admin.id, "admin"), (world.lobby.id, "lobby")]
    assert all(v.branch_id == world.branch.id for v in views)  # the customer's branch, even for admin


def test_create_writes_a_create_row(world, manager_client):
    response = manager_client.form("/customers/new", {**FORM, "mobile": "13812345678",
                                                      "id_number": "11010519491231002X", "sensitive_consent": "y"})
    assert response.status_code == 303
    customer = db.session.scalars(select(Customer)).one()
    [row] = events("customer_create")
    assert (row.actor_id, row.actor_role, row.branch_id, row.customer_id, row.ip) == \
        (world.manager.id, "manager", world.branch.id, customer.id, "127.0.0.1")
    assert row.details["fields"]["name"] == "李四"
    assert row.details["fields"]["mobile"] == "138****5678"
    assert row.details["fields"]["id_number"] == "110***********002X"
