"""A SQLite batch migration rebuilds `customer` by copying it, which drops its triggers; the helper every
such migration uses (models.tally.rebuilding_customer) installs them again."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations

from app.core.extensions import db
from app.models.tally import rebuilding_customer


def customer_triggers(connection) -> set[str]:
    return set(connection.execute(sa.text(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'customer'")).scalars())


def test_a_rebuild_of_customer_keeps_its_triggers(app, tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'rebuild.db'}")
    db.metadata.create_all(engine)
    with engine.begin() as connection:
        before = customer_triggers(connection)
        assert before, "create_all installs the tally triggers"
        op = Operations(MigrationContext.configure(connection))
        with op.batch_alter_table("customer", recreate="always"):
            pass
        assert customer_triggers(connection) == set()  # what a plain batch rebuild does
        with rebuilding_customer(op, recreate="always") as batch:
            batch.add_column(sa.Column("scratch", sa.Integer))
        assert customer_triggers(connection) == before
    engine.dispose()
