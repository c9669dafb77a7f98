"""Migrations build the same schema as the models, and tear it down again, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from app.core.extensions import db
from app.core.privacy import encrypt_pfi
from tests.foundation.helpers import throwaway_postgres_url

MIGRATIONS_DIR = str(Path(__file__).resolve().parents[2] / "migrations")

@pytest.fixture(autouse=True)
def keep_logging():
    """alembic's env.py calls logging.fileConfig, which resets the root logger's level and handlers."""
    root = logging.getLogger()
    saved_root = (root.level, list(root.handlers), list(root.filters))
    saved = {
        name: (logger.disabled, logger.level, list(logger.handlers), logger.propagate)
        for name, logger in logging.root.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    yield
    root.setLevel(saved_root[0])
    root.handlers[:] = saved_root[1]
    root.filters[:] = saved_root[2]
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if not isinstance(logger, logging.Logger):
            continue
        if name in saved:
            logger.disabled, level, handlers, logger.propagate = saved[name]
            logger.setLevel(level)
            logger.handlers[:] = handlers
        else:
            logger.disabled = False


def schema_drift() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def table_names() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def seed_before_read_models() -> None:
    """Two branches with customers, written as the schema of revision 0002 allows."""
    now = datetime(2026, 11, 1, tzinfo=UTC)
    t = sa.table
    with db.engine.begin() as connection:
        connection.execute(t("branch", sa.column("id"), sa.column("code"), sa.column("name"), sa.column("created_at"))
                           .insert(), [{"id": i, "code": f"B{i}", "name": f"支行{i}", "created_at": now} for i in (1, 2)])
        connection.execute(t("user", *(sa.column(c) for c in ("id", "username", "display_name", "employee_no", "role",
                                                              "branch_id", "password_hash", "created_at"))).insert(),
                           [{"id": 1, "username": "m", "display_name": "经理", "employee_no": "E1", "role": "manager",
                             "branch_id": 1, "password_hash": "x", "created_at": now}])
        columns = ("id", "kind", "branch_id", "owner_id", "name", "name_search", "mobile_enc", "source", "status",
                   "tier", "created_at", "updated_at", "version", "archived_at")
        rows = [(1, 1, "13812345678", None), (2, 1, "13900001111", None), (3, 1, None, now), (4, 2, "13700002222", None)]
        connection.execute(t("customer", *(sa.column(c) for c in columns)).insert(), [
            {"id": cid, "kind": "individual", "branch_id": branch, "owner_id": 1, "name": "张三", "name_search": "张三",
             "mobile_enc": encrypt_pfi("mobile", mobile), "source": "walk_in", "status": "prospect", "tier": "C",
             "created_at": now, "updated_at": now, "version": 1, "archived_at": archived}
            for cid, branch, mobile, archived in rows])


def check_read_models() -> None:
    with db.engine.connect() as connection:
        masked = dict(connection.execute(sa.text("SELECT id, mobile_masked FROM customer")).all())
        tally = dict(connection.execute(sa.text("SELECT branch_id, active FROM customer_tally")).all())
    assert masked == {1: "138****5678", 2: "139****1111", 3: None, 4: "137****2222"}
    assert tally == {1: 2, 2: 1}  # the archived customer is not counted
    with db.engine.begin() as connection:  # the triggers are live after the upgrade
        connection.execute(sa.text("UPDATE customer SET archived_at = NULL WHERE id = 3"))
        assert connection.execute(sa.text("SELECT active FROM customer_tally WHERE branch_id = 1")).scalar() == 3
        connection.execute(sa.text("DELETE FROM customer WHERE id = 4"))
        assert connection.execute(sa.text("SELECT active FROM customer_tally WHERE branch_id = 2")).scalar() == 0
        # History that points at customers: the downgrade must not rebuild the customer table under it.
        connection.execute(sa.text("INSERT INTO activity (customer_id, branch_id, user_id, kind, at) "
                                   "VALUES (1, 1, 1, 'call', :at)"), {"at": datetime(2026, 11, 2, tzinfo=UTC)})


def round_trip() -> None:
    """Upgrade an empty database to head (with data written before the list read models, which the
    upgrade fills in), compare with the models, downgrade to base."""
    assert table_names() == set(), "the database must start empty"
    flask_migrate.upgrade(directory=MIGRATIONS_DIR, revision="0002")
    seed_before_read_models()
    flask_migrate.upgrade(directory=MIGRATIONS_DIR)
    check_read_models()
    assert table_names() >= {t.name for t in db.metadata.sorted_tables} | {"alembic_version"}
    drift = schema_drift()
    assert drift == [], "models and migrations differ (run `flask db migrate`):\n" + "\n".join(map(repr, drift))

    flask_migrate.downgrade(directory=MIGRATIONS_DIR, revision="0002")
    with db.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM activity")).scalar() == 1
    flask_migrate.downgrade(directory=MIGRATIONS_DIR, revision="base")
    assert table_names() == {"alembic_version"}
    with db.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar() == 0


def test_migrations_round_trip_on_sqlite(build_app, tmp_path):
    build_app(create_schema=False, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'migrations.db'}")
    round_trip()


def test_migrations_round_trip_on_postgresql(build_app):
    with throwaway_postgres_url("yinjian_mig") as url:
        build_app(create_schema=False, SQLALCHEMY_DATABASE_URI=url)
        round_trip()
        db.session.remove()
        db.engine.dispose()
