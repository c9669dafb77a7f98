"""Migration 0004 (issue 8 item 3): the mobile, ID number and credit code become unique bank-wide. Data that
already breaks the rule stops the upgrade with the customer ids to merge (nothing changed); clean data
upgrades, the database then refuses a second branch's copy, and the downgrade restores the per-branch rule."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa

from app.core.extensions import db
from tests.foundation.helpers import throwaway_postgres_url
from tests.foundation.test_migrations import keep_logging  # noqa: F401 - alembic resets logging

MIGRATIONS_DIR = str(Path(__file__).resolve().parents[2] / "migrations")
NOW = datetime(2026, 12, 1, tzinfo=UTC)
COLUMNS = ("id", "kind", "branch_id", "owner_id", "name", "name_search", "mobile_hash", "id_number_hash", "uscc",
           "source", "status", "tier", "created_at", "updated_at", "version")


def _seed(rows) -> None:
    """Branches 1 and 2, a manager, and customers (id, branch, mobile_hash, id_number_hash, uscc)."""
    t = sa.table
    with db.engine.begin() as connection:
        connection.execute(t("branch", sa.column("id"), sa.column("code"), sa.column("name"), sa.column("created_at"))
                           .insert(), [{"id": i, "code": f"B{i}", "name": f"支行{i}", "created_at": NOW} for i in (1, 2)])
        connection.execute(t("user", *(sa.column(c) for c in ("id", "username", "display_name", "employee_no", "role",
                                                              "branch_id", "password_hash", "created_at"))).insert(),
                           [{"id": 1, "username": "m", "display_name": "经理", "employee_no": "E1", "role": "manager",
                             "branch_id": 1, "password_hash": "x", "created_at": NOW}])
        _insert(connection, rows)


def _insert(connection, rows) -> None:
    connection.execute(sa.table("customer", *(sa.column(c) for c in COLUMNS)).insert(), [
        {"id": cid, "kind": "individual", "branch_id": branch, "owner_id": 1, "name": "张三", "name_search": "张三",
         "mobile_hash": mobile, "id_number_hash": id_hash, "uscc": uscc, "source": "walk_in", "status": "prospect",
         "tier": "C", "created_at": NOW, "updated_at": NOW, "version": 1}
        for cid, branch, mobile, id_hash, uscc in rows])


def _version() -> str:
    with db.engine.connect() as connection:
        return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()


def _index_names() -> set[str]:
    return {ix["name"] for ix in sa.inspect(db.engine).get_indexes("customer")}


def _check_upgrade_path(capsys) -> None:
    flask_migrate.upgrade(directory=MIGRATIONS_DIR, revision="0003")
    # What the per-branch rule allowed: the same numbers in two branches (customers 1/3, 2/4, 5/6).
    _seed([(1, 1, "m-aaa", None, None), (2, 1, "m-bbb", "i-111", None), (3, 2, "m-aaa", None, None),
           (4, 2, "m-ccc", "i-111", None), (5, 1, "m-ddd", None, "92310104JURQ283FQQ"),
           (6, 2, "m-eee", None, "92310104JURQ283FQQ"), (7, 2, None, None, None), (8, 1, None, None, None)])

    capsys.readouterr()
    with pytest.raises(SystemExit):  # `flask db upgrade` prints the message and exits 1
        flask_migrate.upgrade(directory=MIGRATIONS_DIR)
    message = capsys.readouterr().err
    assert "share a mobile, ID number or credit code" in message
    assert "mobile: customers 1, 3" in message
    assert "id_number: customers 2, 4" in message
    assert "uscc: customers 5, 6" in message
    assert "m-aaa" not in message and "92310104" not in message  # ids only, never the values
    db.session.remove()
    assert _version() == "0003"  # nothing changed
    assert "uq_customer_branch_mobile" in _index_names()

    with db.engine.begin() as connection:  # the bank merges: one record per person keeps the number
        connection.execute(sa.text("UPDATE customer SET mobile_hash = 'm-fff' WHERE id = 3"))
        connection.execute(sa.text("UPDATE customer SET id_number_hash = NULL WHERE id = 4"))
        connection.execute(sa.text("UPDATE customer SET uscc = NULL WHERE id = 6"))
    flask_migrate.upgrade(directory=MIGRATIONS_DIR, revision="0004")
    assert _version() == "0004"
    indexes = _index_names()
    assert {"uq_customer_mobile_hash", "uq_customer_id_number_hash", "uq_customer_uscc"} <= indexes
    assert not indexes & {"uq_customer_branch_mobile", "ix_customer_mobile_hash"}

    for duplicate in ((9, 2, "m-aaa", None, None), (9, 2, "m-zzz", "i-111", None),
                      (9, 1, "m-zzz", None, "92310104JURQ283FQQ")):
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as connection:
            _insert(connection, [duplicate])
    with db.engine.begin() as connection:  # customers without numbers are not affected
        _insert(connection, [(9, 2, None, None, None), (10, 1, None, None, None)])

    flask_migrate.downgrade(directory=MIGRATIONS_DIR, revision="0003")
    indexes = _index_names()
    assert {"uq_customer_branch_mobile", "ix_customer_mobile_hash", "uq_customer_branch_uscc"} <= indexes
    assert "uq_customer_mobile_hash" not in indexes
    with db.engine.begin() as connection:  # the per-branch rule is back: another branch may hold a copy again
        _insert(connection, [(11, 2, "m-aaa", None, None)])
    flask_migrate.downgrade(directory=MIGRATIONS_DIR, revision="base")


def test_bankwide_unique_migration_on_sqlite(build_app, tmp_path, capsys):
    build_app(create_schema=False, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'unique.db'}")
    _check_upgrade_path(capsys)


def test_bankwide_unique_migration_on_postgresql(build_app, capsys):
    with throwaway_postgres_url("yinjian_uq") as url:
        build_app(create_schema=False, SQLALCHEMY_DATABASE_URI=url)
        _check_upgrade_path(capsys)
        db.session.remove()
        db.engine.dispose()
