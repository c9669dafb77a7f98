"""The audit log at /audit (G1): a record a compliance officer can read. Supervisors read their branch,
admin every branch; labels instead of codes, names instead of ids, a date range, pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.core import audit, clock
from app.core.extensions import db
from app.customers import records
from app.models import AuditEvent
from tests.customers.helpers import FORM, body, field_errors, tr

ROW_RE = re.compile(r'<tr id="event-(\d+)">(.*?)</tr>', re.S)
CELL_RE = re.compile(r"<td[^>]*>(.*?)</td>", re.S)
TAG_RE = re.compile(r"<[^>]+>")
BRANCH_CELL_RE = re.compile(r'<td[^>]*data-testid="event-branch"[^>]*>.*?</td>', re.S)
CODES = ("customer_view", "customer_create", "customer_update", "customer_reassign", "manager", "supervisor")


def rows(response) -> list[dict]:
    """The audit table as dicts of visible text: when, staff, action, customer, details."""
    assert response.status_code == 200, body(response)[-500:]
    found = []
    for event_id, row in ROW_RE.findall(body(response)):
        row = BRANCH_CELL_RE.sub("", row)  # admin's branch column (test_tryout_findings.py reads it)
        cells = [" ".join(TAG_RE.sub(" ", c).split()) for c in CELL_RE.findall(row)]
        found.append({"id": int(event_id), "when": cells[0], "staff": cells[1], "action": cells[2],
                      "customer": cells[3], "details": cells[4]})
    return found


@pytest.fixture
def two_branches(world, customer, foreign_customer, client_for):
    """Views in both branches, so each branch's log has rows of its own."""
    client_for(world.manager).get(f"/customers/{customer.id}")
    client_for(world.other_manager).get(f"/customers/{foreign_customer.id}")
    return customer, foreign_customer


def test_supervisor_reads_their_branch_and_admin_every_branch(world, two_branches, supervisor_client, admin_client,
                                                              client_for):
    mine, theirs = two_branches
    assert {r["customer"] for r in rows(supervisor_client.get("/audit/"))} == {"张三"}
    assert {r["customer"] for r in rows(client_for(world.other_supervisor).get("/audit/"))} == {"王五"}
    assert {r["customer"] for r in rows(admin_client.get("/audit/"))} == {"张三", "王五"}
    assert rows(supervisor_client.get(f"/audit/?customer={theirs.id}")) == []
    assert rows(supervisor_client.get(f"/audit/?actor={world.other_manager.id}")) == []


@pytest.mark.parametrize("who", ["lobby", "manager", "colleague", "other_manager"])
def test_staff_who_are_not_supervisors_cannot_read_it(world, customer, client_for, who):
    client = client_for(getattr(world, who))
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/", headers={"HX-Request": "true"}).status_code == 403


def test_actions_roles_and_people_are_labels_and_names(world, customer, supervisor_client, manager_client):
    manager_client.get(f"/customers/{customer.id}")
    records.reassign_customers(world.supervisor, [customer.id], world.colleague.id)
    db.session.commit()
    page = body(supervisor_client.get("/audit/"))
    seen = rows(supervisor_client.get("/audit/"))
    by_action = {r["action"]: r for r in seen}

    assert {"查看客户", "新建客户", "转移客户"} <= set(by_action)
    assert by_action["查看客户"]["staff"] == f"{world.manager.display_name} · 客户经理"
    assert by_action["转移客户"]["details"] == \
        f"负责人由 {world.manager.display_name} 改为 {world.colleague.display_name}。"
    assert tr("Name") in by_action["新建客户"]["details"] and "手机号" in by_action["新建客户"]["details"]
    for code in CODES:  # no code is shown raw, anywhere in a cell
        assert all(code not in " ".join(str(v) for k, v in r.items() if k != "id") for r in seen), code
    assert f"/customers/{customer.id}" in page  # the customer's name links to the customer page


def test_a_changed_field_reads_as_a_sentence_with_masked_values(world, customer, manager_client, supervisor_client):
    response = manager_client.form(f"/customers/{customer.id}/edit", {
        **FORM, "name": "张三", "mobile": "13900001111", "address": customer.address, "sensitive_consent": "y",
        "version": "1"})
    assert response.status_code == 303
    updates = [r["details"] for r in rows(supervisor_client.get("/audit/")) if r["action"] == "修改客户信息"]
    assert "手机号：138****5678 → 139****1111" in updates


def test_date_range_uses_the_local_calendar_day(world, customer, supervisor_client):
    # 2026-11-30 16:30 UTC is 2026-12-01 00:30 in Shanghai: it belongs to 1 December.
    for at in (datetime(2026, 11, 30, 15, 59, tzinfo=UTC), datetime(2026, 11, 30, 16, 30, tzinfo=UTC),
               datetime(2026, 12, 2, 15, 59, tzinfo=UTC), datetime(2026, 12, 2, 16, 0, tzinfo=UTC)):
        clock.freeze(at)
        try:
            audit.record(world.manager, "customer_view", customer_id=customer.id, subject_type="customer",
                         subject_id=customer.id, branch_id=customer.branch_id)
            db.session.commit()
        finally:
            clock.freeze(None)
    found = rows(supervisor_client.get("/audit/?date_from=2026-12-01&date_to=2026-12-02&action=customer_view"))
    assert [r["when"] for r in found] == ["2026-12-02 23:59:00", "2026-12-01 00:30:00"]
    only_first = rows(supervisor_client.get("/audit/?date_from=2026-12-01&date_to=2026-12-01&action=customer_view"))
    assert [r["when"] for r in only_first] == ["2026-12-01 00:30:00"]


@pytest.mark.parametrize(("query", "field", "message"), [
    ("date_from=2026-13-45", "date_from", "Not a valid date value."),
    ("date_from=2026-12-05&date_to=2026-12-01", "date_to", "The end date is before the start date."),
    ("date_from=2999-01-01", "date_from", "The start date is after today: nothing has been recorded from then on."),
])
def test_bad_dates_are_explained_next_to_the_field(world, customer, supervisor_client, query, field, message):
    response = supervisor_client.get(f"/audit/?{query}")
    assert response.status_code == 200
    assert field_errors(response, field).strip(), body(response)[-800:]
    if message.startswith("The "):
        assert tr(message) in field_errors(response, field)
    assert "选项无效" not in body(response)  # only the field in error says so
    # A filter that cannot be applied reads no events (none would honour it), not the rest of the filter.
    assert rows(supervisor_client.get("/audit/?date_from=2026-13-45&date_to=2099-01-01")) == []


def test_pages_of_fifty_newest_first_without_gaps(world, customer, supervisor_client):
    start = datetime(2026, 10, 1, tzinfo=UTC)
    db.session.execute(AuditEvent.__table__.insert(), [
        {"at": start + timedelta(minutes=i), "actor_id": world.manager.id, "actor_role": "manager",
         "branch_id": world.branch.id, "action": "customer_view", "subject_type": "customer",
         "subject_id": customer.id, "customer_id": customer.id, "ip": "10.0.0.1", "details": {}}
        for i in range(120)])
    db.session.commit()
    seen, url, pages = [], "/audit/?action=customer_view&date_to=2026-10-31", 0
    while url:
        response = supervisor_client.get(url)
        seen += [r["when"] for r in rows(response)]
        older = re.search(r'href="(/[^"]+)" data-testid="audit-older"', body(response))
        url = older.group(1).replace("&amp;", "&") if older else None
        pages += 1
    assert pages == 3
    assert seen == sorted(seen, reverse=True) and len(seen) == len(set(seen)) == 120
    assert rows(supervisor_client.get("/audit/?action=customer_view&date_to=2026-10-31&page=3"))[-1]["when"] == \
        "2026-10-01 08:00:00"


def test_htmx_gets_the_table_alone(world, customer, supervisor_client):
    response = supervisor_client.get(f"/audit/?customer={customer.id}", headers={"HX-Request": "true"})
    assert response.status_code == 200 and "<html" not in body(response)
    assert {r["customer"] for r in rows(response)} == {"张三"}


def test_the_customer_page_links_to_its_audit_log(world, customer, supervisor_client, manager_client):
    link = f'href="/audit/?customer={customer.id}"'
    assert link in body(supervisor_client.get(f"/customers/{customer.id}"))
    assert link not in body(manager_client.get(f"/customers/{customer.id}"))
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "customer_view")) is not None
