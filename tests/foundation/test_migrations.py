"""Migrations build the same schema as the models, and tear it down again, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from app.extensions import db
from tests.foundation.helpers import service_unavailable

MIGRATIONS_DIR = str(Path(__file__).resolve().parents[2] / "migrations")
PG_ADMIN_URL = os.environ.get("MIGRATION_TEST_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")

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


def round_trip() -> None:
    """Upgrade an empty database to head, compare with the models, downgrade to base."""
    assert table_names() == set(), "the database must start empty"
    flask_migrate.upgrade(directory=MIGRATIONS_DIR)
    assert table_names() >= {t.name for t in db.metadata.sorted_tables} | {"alembic_version"}
    drift = schema_drift()
    assert drift == [], "models and migrations differ (run `flask db migrate`):\n" + "\n".join(map(repr, drift))

    flask_migrate.downgrade(directory=MIGRATIONS_DIR, revision="base")
    assert table_names() == {"alembic_version"}
    with db.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar() == 0


def test_migrations_round_trip_on_sqlite(build_app, tmp_path):
    build_app(create_schema=False, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'migrations.db'}")
    round_trip()


def test_migrations_round_trip_on_postgresql(build_app):
    try:
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with admin.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "no PostgreSQL here"
        service_unavailable(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {type(exc).__name__}")

    name = f"yinjian_mig_{secrets.token_hex(4)}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        url = sa.engine.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        build_app(create_schema=False, SQLALCHEMY_DATABASE_URI=url)
        round_trip()
        db.session.remove()
        db.engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
