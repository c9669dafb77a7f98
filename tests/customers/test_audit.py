"""The audit log (G1): every view of a customer page and every change is recorded with actor, role,
branch and IP; supervisors read their branch, admin all; managers and lobby staff cannot read it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.core.extensions import db
from app.models import AuditEvent, Customer
from tests.customers.helpers import FORM, body, tr

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


# ---------------------------------------------------------------- reading the log


@pytest.fixture
def two_branches(world, customer, foreign_customer, client_for):
    """Views in both branches, so each branch's log has rows of its own."""
    client_for(world.manager).get(f"/customers/{customer.id}")
    client_for(world.other_manager).get(f"/customers/{foreign_customer.id}")
    return customer, foreign_customer


def test_supervisor_sees_only_their_branch(world, two_branches, supervisor_client, client_for):
    mine, theirs = two_branches
    seen = rows(supervisor_client.get("/customers/audit"))
    assert {r["customer"] for r in seen} == {mine.id}
    assert {"customer_create", "customer_view"} <= {r["action"] for r in seen}
    assert world.other_manager.display_name not in {r["actor"] for r in seen}

    other = rows(client_for(world.other_supervisor).get("/customers/audit"))
    assert {r["customer"] for r in other} == {theirs.id}


def test_supervisor_cannot_filter_their_way_into_another_branch(world, two_branches, supervisor_client):
    _mine, theirs = two_branches
    assert rows(supervisor_client.get(f"/customers/audit?customer={theirs.id}")) == []
    assert rows(supervisor_client.get(f"/customers/audit?actor={world.other_manager.id}")) == []


def test_admin_sees_every_branch(world, two_branches, admin_client):
    mine, theirs = two_branches
    assert {r["customer"] for r in rows(admin_client.get("/customers/audit"))} == {mine.id, theirs.id}


def test_filter_by_customer_and_by_actor(world, customer, make_customer, client_for, supervisor_client):
    other = make_customer(world.colleague, name="李四")
    client_for(world.manager).get(f"/customers/{customer.id}")
    client_for(world.colleague).get(f"/customers/{other.id}")
    client_for(world.colleague).get(f"/customers/{customer.id}")

    by_customer = rows(supervisor_client.get(f"/customers/audit?customer={other.id}"))
    assert by_customer and {r["customer"] for r in by_customer} == {other.id}

    by_actor = rows(supervisor_client.get(f"/customers/audit?actor={world.colleague.id}"))
    assert by_actor and {r["actor"] for r in by_actor} == {world.colleague.display_name}
    assert {r["customer"] for r in by_actor} == {customer.id, other.id}

    both = rows(supervisor_client.get(f"/customers/audit?actor={world.colleague.id}&customer={customer.id}"
                                      "&action=customer_view"))
    assert [(r["actor"], r["action"], r["customer"]) for r in both] == \
        [(world.colleague.display_name, "customer_view", customer.id)]

    fragment = supervisor_client.get(f"/customers/audit?customer={other.id}", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in body(fragment)
    assert {r["customer"] for r in rows(fragment)} == {other.id}


def test_an_empty_filter_says_so(world, customer, supervisor_client):
    response = supervisor_client.get("/customers/audit?customer=999999")
    assert rows(response) == [] and tr("No events.") in body(response)


@pytest.mark.parametrize("who", ["lobby", "manager", "colleague"])
def test_managers_and_lobby_cannot_read_the_log(world, customer, client_for, who):
    client = client_for(getattr(world, who))
    assert client.get("/customers/audit").status_code == 403
    assert client.get("/customers/audit", headers={"HX-Request": "true"}).status_code == 403
