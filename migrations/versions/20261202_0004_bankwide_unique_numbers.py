"""One person, one record, bank-wide: a mobile, ID number or credit code belongs to at most one customer in
the whole bank (until now unique per branch only, with the bank-wide rule a check two simultaneous creates
could both pass). The upgrade first looks for numbers already shared across branches and stops, naming the
customer ids, if it finds any: which record keeps the number is for the bank to decide, not a migration.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# column, the per-branch unique index and the plain lookup index it replaces, the bank-wide unique index
NUMBERS = (
    ('mobile_hash', 'uq_customer_branch_mobile', 'ix_customer_mobile_hash', 'uq_customer_mobile_hash'),
    ('id_number_hash', 'uq_customer_branch_id_number', 'ix_customer_id_number_hash', 'uq_customer_id_number_hash'),
    ('uscc', 'uq_customer_branch_uscc', 'ix_customer_uscc', 'uq_customer_uscc'),
)


class SharedNumbers(RuntimeError):
    """Customers in different branches already share a number: the unique index cannot be built."""


def _not_null(column):
    where = sa.text(f'{column} IS NOT NULL')
    return {'sqlite_where': where, 'postgresql_where': where}


def _shared_numbers(bind) -> list[str]:
    """One line per number held by several customers: which field, and the customer ids (never the value)."""
    customer = sa.table('customer', sa.column('id', sa.Integer), *(sa.column(c) for c, *_ in NUMBERS))
    problems = []
    for column, *_ in NUMBERS:
        col = customer.c[column]
        shared = sa.select(col).where(col.isnot(None)).group_by(col).having(sa.func.count() > 1)
        groups: dict[str, list[int]] = {}
        for row_id, value in bind.execute(sa.select(customer.c.id, col).where(col.in_(shared)).order_by(customer.c.id)):
            groups.setdefault(value, []).append(row_id)
        problems += [f"{column.removesuffix('_hash')}: customers {', '.join(map(str, ids))}" for ids in groups.values()]
    return problems


def upgrade():
    problems = _shared_numbers(op.get_bind())
    if problems:
        raise SharedNumbers(
            'These customers share a mobile, ID number or credit code (one person, several records). Keep one '
            'record per person (move what matters to it and remove the number from the others), then run '
            '`flask db upgrade` again:\n  ' + '\n  '.join(problems))
    for column, per_branch, lookup, bank_wide in NUMBERS:
        op.create_index(bank_wide, 'customer', [column], unique=True, **_not_null(column))
        op.drop_index(per_branch, table_name='customer')
        op.drop_index(lookup, table_name='customer')


def downgrade():
    for column, per_branch, lookup, bank_wide in NUMBERS:
        op.create_index(lookup, 'customer', [column], unique=False)
        op.create_index(per_branch, 'customer', ['branch_id', column], unique=True, **_not_null(column))
        op.drop_index(bank_wide, table_name='customer')
