"""Name search by any part of the name, by pinyin and by initials: a table of search keys per customer
(app/customers/name_keys.py), one b-tree range per search on both databases; existing customers are
filled in. A key table and not a trigram index: trigrams need 3 characters, and Chinese names and the
parts people type of them are often 1 or 2 (bench/LEARNED.md). `customer` itself is not rebuilt.
Also the audit log's time index: admin's log of every branch, newest first, read without sorting them all.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 04:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

customer = sa.table('customer', sa.column('id', sa.Integer), sa.column('branch_id', sa.Integer),
                    sa.column('name', sa.String), sa.column('archived_at', sa.DateTime))
BATCH = 5_000


def upgrade():
    op.create_table('customer_name_key',
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=60).with_variant(sa.String(length=60, collation='C'), 'postgresql'),
              nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_customer_name_key_branch_id_branch')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'],
                            name=op.f('fk_customer_name_key_customer_id_customer'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('branch_id', 'key', 'customer_id', name=op.f('pk_customer_name_key')),
    sqlite_with_rowid=False,
    )
    op.create_index('ix_customer_name_key_key', 'customer_name_key', ['key', 'customer_id'], unique=False)
    op.create_index('ix_customer_name_key_customer_id', 'customer_name_key', ['customer_id'], unique=False)
    op.create_index('ix_audit_event_at', 'audit_event', ['at', 'id'], unique=False)

    # Existing active customers (archived ones are found by no name): their keys as the app computes them
    # (migrations run inside the app).
    from app.customers.name_keys import name_keys

    bind = op.get_bind()
    keys = sa.table('customer_name_key', sa.column('branch_id', sa.Integer), sa.column('key', sa.String),
                    sa.column('customer_id', sa.Integer))
    last = 0
    while True:
        rows = bind.execute(sa.select(customer.c.id, customer.c.branch_id, customer.c.name)
                            .where(customer.c.id > last, customer.c.archived_at.is_(None))
                            .order_by(customer.c.id).limit(BATCH)).all()
        if not rows:
            break
        values = [{'customer_id': r.id, 'branch_id': r.branch_id, 'key': key}
                  for r in rows for key in sorted(name_keys(r.name))]
        if values:
            bind.execute(keys.insert(), values)
        last = rows[-1].id


def downgrade():
    op.drop_index('ix_audit_event_at', table_name='audit_event')
    op.drop_index('ix_customer_name_key_customer_id', table_name='customer_name_key')
    op.drop_index('ix_customer_name_key_key', table_name='customer_name_key')
    op.drop_table('customer_name_key')
