"""How many active customers each branch has, kept by the database itself; and each name key's copy of its
customer's owner (app/customers/listing.py: a manager's name search reads its own keys from one index).

The unfiltered customer list shows its total on every view; counting a branch's 10,000 index entries
was the costliest statement of the page on both databases. Triggers keep this tally on every insert,
delete, archive, restore or branch change of a customer, whichever code path writes it (forms, imports,
bulk loads), and a new branch gets its row from a trigger too. `recount()` rebuilds it from scratch.

The trigger SQL below is what `db.create_all()` installs (tests); migration 0003 installs the same.
"""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import DDL, ForeignKey, Integer, event, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.extensions import db


class CustomerTally(db.Model):
    __tablename__ = "customer_tally"

    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id", ondelete="CASCADE"), primary_key=True)
    active: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


SQLITE_TRIGGERS = (
    """CREATE TRIGGER IF NOT EXISTS customer_tally_branch AFTER INSERT ON branch
    BEGIN INSERT INTO customer_tally (branch_id, active) VALUES (NEW.id, 0); END""",
    """CREATE TRIGGER IF NOT EXISTS customer_tally_insert AFTER INSERT ON customer WHEN NEW.archived_at IS NULL
    BEGIN UPDATE customer_tally SET active = active + 1 WHERE branch_id = NEW.branch_id; END""",
    """CREATE TRIGGER IF NOT EXISTS customer_tally_delete AFTER DELETE ON customer WHEN OLD.archived_at IS NULL
    BEGIN UPDATE customer_tally SET active = active - 1 WHERE branch_id = OLD.branch_id; END""",
    """CREATE TRIGGER IF NOT EXISTS customer_tally_update AFTER UPDATE OF archived_at, branch_id ON customer
    WHEN (OLD.archived_at IS NULL) <> (NEW.archived_at IS NULL) OR OLD.branch_id <> NEW.branch_id
    BEGIN
      UPDATE customer_tally SET active = active - 1 WHERE branch_id = OLD.branch_id AND OLD.archived_at IS NULL;
      UPDATE customer_tally SET active = active + 1 WHERE branch_id = NEW.branch_id AND NEW.archived_at IS NULL;
    END""",
    """CREATE TRIGGER IF NOT EXISTS customer_name_key_owner AFTER UPDATE OF owner_id ON customer
    WHEN OLD.owner_id <> NEW.owner_id
    BEGIN UPDATE customer_name_key SET owner_id = NEW.owner_id WHERE customer_id = NEW.id; END""",
)

POSTGRESQL_TRIGGERS = (
    """CREATE OR REPLACE FUNCTION customer_tally_new_branch() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO customer_tally (branch_id, active) VALUES (NEW.id, 0);
      RETURN NULL;
    END $$""",
    """CREATE OR REPLACE TRIGGER customer_tally_branch AFTER INSERT ON branch
    FOR EACH ROW EXECUTE FUNCTION customer_tally_new_branch()""",
    """CREATE OR REPLACE FUNCTION customer_tally_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP <> 'INSERT' AND OLD.archived_at IS NULL THEN
        UPDATE customer_tally SET active = active - 1 WHERE branch_id = OLD.branch_id;
      END IF;
      IF TG_OP <> 'DELETE' AND NEW.archived_at IS NULL THEN
        UPDATE customer_tally SET active = active + 1 WHERE branch_id = NEW.branch_id;
      END IF;
      RETURN NULL;
    END $$""",
    """CREATE OR REPLACE TRIGGER customer_tally_insert_delete AFTER INSERT OR DELETE ON customer
    FOR EACH ROW EXECUTE FUNCTION customer_tally_change()""",
    """CREATE OR REPLACE TRIGGER customer_tally_update AFTER UPDATE OF archived_at, branch_id ON customer
    FOR EACH ROW WHEN ((OLD.archived_at IS NULL) IS DISTINCT FROM (NEW.archived_at IS NULL)
                       OR OLD.branch_id IS DISTINCT FROM NEW.branch_id)
    EXECUTE FUNCTION customer_tally_change()""",
    """CREATE OR REPLACE FUNCTION customer_name_key_owner() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE customer_name_key SET owner_id = NEW.owner_id WHERE customer_id = NEW.id;
      RETURN NULL;
    END $$""",
    """CREATE OR REPLACE TRIGGER customer_name_key_owner AFTER UPDATE OF owner_id ON customer
    FOR EACH ROW WHEN (OLD.owner_id IS DISTINCT FROM NEW.owner_id) EXECUTE FUNCTION customer_name_key_owner()""",
)

RECOUNT = (
    "DELETE FROM customer_tally",
    """INSERT INTO customer_tally (branch_id, active)
    SELECT branch.id, (SELECT count(*) FROM customer
                       WHERE customer.branch_id = branch.id AND customer.archived_at IS NULL)
    FROM branch""",
)


def triggers_for(dialect_name: str) -> tuple[str, ...]:
    return {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRESQL_TRIGGERS}.get(dialect_name, ())


@contextmanager
def rebuilding_customer(op, **batch_options):
    """`op.batch_alter_table("customer")` for a migration, with the tally triggers installed again after it:
    on SQLite a batch rebuild copies the table and drops its triggers. Every migration that alters
    `customer` uses this; tests/foundation/test_migrations.py fails when the triggers are gone."""
    with op.batch_alter_table("customer", **batch_options) as batch:
        yield batch
    for statement in triggers_for(op.get_bind().dialect.name):
        op.execute(statement)


def recount(connection) -> None:
    """Rebuild every branch's tally from the customer table (after a bulk load with triggers off)."""
    for statement in RECOUNT:
        connection.execute(text(statement))


# After every table exists (the triggers name customer, branch and customer_tally).
for _dialect, _statements in (("sqlite", SQLITE_TRIGGERS), ("postgresql", POSTGRESQL_TRIGGERS)):
    for _statement in _statements:
        event.listen(db.metadata, "after_create", DDL(_statement).execute_if(dialect=_dialect))
