"""Query budget: the list page and the customer page run a fixed number of statements however much
data there is (no N+1), and the name search can use its index."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, insert, text

from app.core import clock
from app.core.extensions import db
from app.models import Activity, AuditEvent, CustomerShare
from tests.customers.helpers import body

NAMES = "张王李赵钱孙周吴"


def fill(world, make_customer, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        make_customer(world.manager if i % 2 else world.colleague, name=f"{NAMES[i % len(NAMES)]}客户{i}")


def statements_for(client, url: str, queries) -> list[str]:
    client.get(url)  # warm up: the first request may touch the session row
    with queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return list(statements)


def test_list_page_statement_count_does_not_grow_with_rows(world, make_customer, supervisor_client, queries):
    fill(world, make_customer, 60)
    first = statements_for(supervisor_client, "/customers/", queries)
    page = body(supervisor_client.get("/customers/"))
    assert page.count('<tr id="customer-') == 50  # a full page of 50, with owners of two managers

    fill(world, make_customer, 500, start=60)
    second = statements_for(supervisor_client, "/customers/", queries)

    assert len(second) == len(first), "\n".join(second)
    assert len(first) <= 12


def test_search_fragment_statement_count_does_not_grow_with_rows(world, make_customer, manager_client, queries):
    def search() -> list[str]:
        manager_client.hx("POST", "/customers/search", {"q": "张"})  # warm up, as above
        with queries() as statements:
            response = manager_client.hx("POST", "/customers/search", {"q": "张"})
        assert response.status_code == 200
        return list(statements)

    fill(world, make_customer, 60)
    first = search()
    fill(world, make_customer, 200, start=60)
    assert len(search()) == len(first)


def test_a_managers_list_reads_their_shares_in_its_own_statement(world, make_customer, manager_client, queries):
    """Colleagues' customers shared with the manager show in full, the others masked, with no statement for
    the shares beside the page's own (the session's and the page's: two)."""
    shared = make_customer(world.colleague, name="欧阳分享")
    make_customer(world.colleague, name="司马未享")
    db.session.add(CustomerShare(customer_id=shared.id, user_id=world.manager.id))
    db.session.commit()
    statements = statements_for(manager_client, "/customers/", queries)
    assert len(statements) == 2, "\n".join(statements)
    assert not any(s.lstrip().startswith("SELECT customer_share") for s in statements)
    page = body(manager_client.get("/customers/"))
    assert "欧阳分享" in page
    assert "司马未享" not in page and "司*" in page


def add_activities(customer, users, n: int) -> None:
    start = clock.now() - timedelta(days=400)
    rows = [{"customer_id": customer.id, "branch_id": customer.branch_id, "user_id": users[i % len(users)].id,
             "kind": "call", "outcome": "reached", "note": f"第{i}次联系", "at": start + timedelta(minutes=i)}
            for i in range(n)]
    db.session.execute(insert(Activity), rows)
    db.session.commit()


def test_customer_page_statement_count_does_not_grow_with_activities(world, make_customer, manager_client,
                                                                     queries):
    few = make_customer(world.manager, name="张少", mobile="13812345678")
    many = make_customer(world.manager, name="张多", mobile="13900001111")
    staff = [world.manager, world.colleague, world.supervisor]
    add_activities(few, staff, 10)
    add_activities(many, staff, 1_000)

    small = statements_for(manager_client, f"/customers/{few.id}", queries)
    large = statements_for(manager_client, f"/customers/{many.id}", queries)

    assert len(large) == len(small), "\n".join(large)
    page = body(manager_client.get(f"/customers/{many.id}"))
    assert page.count('data-kind="') == 30  # a page of the timeline, not 1,000 entries


@contextmanager
def captured() -> Iterator[list[tuple[str, object]]]:
    """Statements with their parameters, to EXPLAIN exactly what the route ran."""
    seen: list[tuple[str, object]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


# A supervisor sees every name in the branch: the branch's part of the key table's primary key. A manager sees
# colleagues' customers masked: their own keys from the owner index (never a customer row per key).
KEY_RANGES = {
    "supervisor": ("customer_name_key USING PRIMARY KEY (branch_id=? AND key>? AND key<?)",
                   ("pk_customer_name_key", "ix_customer_name_key_key")),
    "manager": ("customer_name_key USING COVERING INDEX ix_customer_name_key_owner "
                "(branch_id=? AND owner_id=? AND key>? AND key<?)", ("ix_customer_name_key_owner",)),
}


@pytest.mark.parametrize("role", ["supervisor", "manager"])
@pytest.mark.parametrize("term", ["张", "客户1", "zhangkehu", "zkh"])
def test_name_search_reads_the_name_key_index(request, world, make_customer, role, term):
    """Every name search, whatever its length, reads only the term's range of the key table's indexes, once, for
    the count and the page's ids both (app/customers/name_keys.py, listing._name_matches)."""
    fill(world, make_customer, 300)
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    client = request.getfixturevalue(f"{role}_client")

    with captured() as seen:
        response = client.hx("POST", "/customers/search", {"q": term})
    assert response.status_code == 200 and 'id="customer-' in body(response)
    searches = [(s, p) for s, p in seen if "customer_name_key" in s]
    assert len(searches) == 1  # one statement: the page, with the capped count riding along

    connection = db.session.connection()
    statement, parameters = searches[0]
    sqlite_range, postgresql_indexes = KEY_RANGES[role]
    if db.engine.dialect.name == "sqlite":
        plan = " ".join(str(r[-1]) for r in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement,
                                                                       parameters))
        assert plan.count(sqlite_range) == 1 and "MATERIALIZE name_matches" in plan, plan
        assert "SCAN customer_name_key" not in plan and "SCAN customer" not in plan, plan
    elif db.engine.dialect.name == "postgresql":
        # A few hundred rows fit in a page, where a scan is cheaper: ask whether the index can serve it.
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = " ".join(r[0] for r in connection.exec_driver_sql("EXPLAIN " + statement, parameters))
        # PostgreSQL may read the range from the key index for every branch, keeping the branch's rows.
        assert sum(plan.count(index) for index in postgresql_indexes) == 1 and "CTE name_matches" in plan, plan
        assert "Seq Scan" not in plan, plan
    else:
        pytest.skip(f"no plan check for {db.engine.dialect.name}")


@pytest.mark.parametrize("analyzed", ["before the views", "after the views", "never"])
def test_the_timeline_skips_the_page_views_through_its_own_index(world, make_customer, customer, manager_client,
                                                                 analyzed):
    """Every view of a customer page writes an audit row the timeline never shows; its audit part reads the
    partial index without them (migrations 0011, 0013), so a customer viewed 2,000 times stays a short walk,
    whether or not the engine's statistics know how the views are spread."""
    fill(world, make_customer, 50)  # statistics taken now see about one audit row per customer, as after a load
    if analyzed == "before the views":
        db.session.execute(text("ANALYZE"))
    db.session.execute(insert(AuditEvent), [
        {"at": clock.now() - timedelta(seconds=i), "actor_id": world.manager.id, "actor_role": "manager",
         "branch_id": customer.branch_id, "action": "customer_view", "subject_type": "customer",
         "subject_id": customer.id, "customer_id": customer.id, "details": {}} for i in range(2000)])
    if analyzed == "after the views":
        db.session.execute(text("ANALYZE"))
    db.session.commit()

    with captured() as seen:
        page = body(manager_client.get(f"/customers/{customer.id}"))
    assert 'data-kind="audit"' in page  # the record's creation is still on its timeline
    statement, parameters = next((s, p) for s, p in seen if "UNION ALL" in s)
    connection = db.session.connection()
    if db.engine.dialect.name == "sqlite":
        plan = " ".join(str(r[-1]) for r in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement,
                                                                       parameters))
    elif db.engine.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = " ".join(r[0] for r in connection.exec_driver_sql("EXPLAIN " + statement, parameters))
    else:
        pytest.skip(f"no plan check for {db.engine.dialect.name}")
    assert "ix_audit_event_customer_timeline" in plan, plan


def test_a_walked_name_search_tests_each_row_of_the_sort_index_on_both_engines():
    """The one-character name search walks the sort's index and stops at a page: the IN is wrapped in
    `IS TRUE`, which neither engine turns into a join that reads and sorts every match."""
    from sqlalchemy.dialects import postgresql, sqlite

    from app.customers.listing import ListShape, page_statement

    shape = ListShape(scope="branch", term="name", tier=False, status=False, source=False, owner=False, team=False,
                      sort="updated", walk=True)
    on_sqlite = str(page_statement(shape).compile(dialect=sqlite.dialect()))
    on_postgresql = str(page_statement(shape).compile(dialect=postgresql.dialect()))
    assert "customer.id IN (SELECT name_matches.customer_id \nFROM name_matches)) IS 1" in on_sqlite
    assert "customer.id IN (SELECT name_matches.customer_id \nFROM name_matches)) IS true" in on_postgresql
    not_walked = str(page_statement(shape._replace(walk=False)).compile(dialect=postgresql.dialect()))
    assert " IS true" not in not_walked
