"""Found when the benchmark cleaned up its bookings: deleting an appointment made the database look through every
follow-up, walk-in and appointment for a reference (no index on those foreign keys; minutes for 9,000 rows).
Every foreign key pointing at a table whose rows get deleted has an index that starts with its column."""

from __future__ import annotations

import pytest
from sqlalchemy import PrimaryKeyConstraint, UniqueConstraint

from app.core.extensions import db

# Tables whose rows are deleted (the benchmark's clean-up, a customer's erasure): references to them are looked
# up on every deletion.
DELETED_FROM = {"appointment"}


def _indexed_first_columns(table) -> set[str]:
    first = {index.columns[0].name for index in table.indexes if index.columns}
    first.update(c.columns[0].name for c in table.constraints
                 if isinstance(c, PrimaryKeyConstraint | UniqueConstraint) and len(c.columns))
    return first


def test_every_reference_to_a_deleted_table_is_indexed(app):
    missing = []
    for table in db.metadata.sorted_tables:
        indexed = _indexed_first_columns(table)
        for fk in table.foreign_keys:
            if fk.column.table.name in DELETED_FROM and fk.parent.name not in indexed:
                missing.append(f"{table.name}.{fk.parent.name}")
    assert missing == []


def test_deleting_an_appointment_uses_those_indexes_on_sqlite(app):
    """The lookups SQLite runs for a deleted appointment's references, planned as it plans them."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's plans are not asserted here; the index test above covers both engines")
    for table, column in (("follow_up", "appointment_id"), ("walk_in", "appointment_id"),
                          ("appointment", "successor_id")):
        plan = " ".join(str(row[-1]) for row in db.session.execute(db.text(
            f"EXPLAIN QUERY PLAN SELECT 1 FROM {table} WHERE {column} = 1")))
        assert "USING" in plan and "INDEX" in plan, (table, plan)
