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
from app.models import Activity
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


def test_name_search_uses_the_name_index(world, make_customer, manager_client):
    fill(world, make_customer, 500)
    db.session.execute(text("ANALYZE"))
    db.session.commit()

    with captured() as seen:
        response = manager_client.hx("POST", "/customers/search", {"q": "张客户1"})
    assert response.status_code == 200
    searches = [(s, p) for s, p in seen if "name_search LIKE" in s]
    assert len(searches) == 1  # one statement: the page, with the capped count riding along

    connection = db.session.connection()
    for statement, parameters in searches:
        if db.engine.dialect.name == "sqlite":
            plan = " ".join(str(r[-1]) for r in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement,
                                                                           parameters))
            # Both the count and the page's ids are read from the name index, as a range for the prefix.
            assert plan.count("INDEX ix_customer_branch_name (branch_id=? AND name_search>? AND "
                              "name_search<?)") == 2, plan
        elif db.engine.dialect.name == "postgresql":
            plan = " ".join(r[0] for r in connection.exec_driver_sql("EXPLAIN " + statement, parameters))
            assert "ix_customer_branch_name" in plan and "~>=~" in plan, plan  # varchar_pattern_ops in use
        else:
            pytest.skip(f"no plan check for {db.engine.dialect.name}")
