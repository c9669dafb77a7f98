"""The name index serves what name_search is still read for now that search goes through the key table: the
list sorted by name, and a manager's one-character search matching a colleague's mask by its first character.
Both are ranges and orders by code point: on PostgreSQL the column gets the "C" collation (as the key table's
key has) and the index the plain operator class, since varchar_pattern_ops served LIKE only, so the range
read the whole branch (bench/LEARNED.md); id replaces updated_at, the name sort's tie-break.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 01:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

ACTIVE_ONLY = {'sqlite_where': sa.text('archived_at IS NULL'), 'postgresql_where': sa.text('archived_at IS NULL')}


def upgrade():
    op.drop_index('ix_customer_branch_name', table_name='customer')
    if op.get_bind().dialect.name == 'postgresql':  # SQLite compares by code point already (BINARY)
        op.alter_column('customer', 'name_search', type_=sa.String(length=100, collation='C'),
                        existing_type=sa.String(length=100), existing_nullable=False)
    op.create_index('ix_customer_branch_name', 'customer', ['branch_id', 'name_search', 'id'], unique=False,
                    **ACTIVE_ONLY)


def downgrade():
    op.drop_index('ix_customer_branch_name', table_name='customer')
    if op.get_bind().dialect.name == 'postgresql':
        op.alter_column('customer', 'name_search', type_=sa.String(length=100),
                        existing_type=sa.String(length=100, collation='C'), existing_nullable=False)
    op.create_index('ix_customer_branch_name', 'customer', ['branch_id', 'name_search', 'updated_at'], unique=False,
                    postgresql_ops={'name_search': 'varchar_pattern_ops'}, **ACTIVE_ONLY)
