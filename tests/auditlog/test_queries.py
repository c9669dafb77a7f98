"""The audit log's page is read from an index in time order, for one branch and for every branch."""

from __future__ import annotations

from datetime import date

import pytest

from app.auditlog import services
from app.core.extensions import db


@pytest.mark.parametrize(("who", "index"), [("supervisor", "ix_audit_event_branch_at"), ("admin", "ix_audit_event_at")])
def test_a_page_of_the_log_is_an_index_range_not_a_sort(app, world, who, index):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the plan is checked on SQLite (PostgreSQL picks by statistics on an empty table)")
    filters = services.AuditFilters(date_from=date(2026, 12, 1), date_to=date(2026, 12, 2))
    with app.test_request_context():
        stmt = services.events_query(getattr(world, who), filters).limit(51)
        compiled = stmt.compile(db.engine)
        params = compiled.construct_params()
        plan = " ".join(str(r[-1]) for r in db.session.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN " + str(compiled), tuple(params[k] for k in compiled.positiontup)))
    assert f"INDEX {index}" in plan and "TEMP B-TREE FOR ORDER BY" not in plan, plan
