"""Each name key carries its customer's owner (kept by a trigger on customer.owner_id): a manager's name
search finds colleagues' customers only by the mask, and reading "my keys in this range" from one index
replaced joining every key in the range to its customer row (q=王 on 10,000 customers: bench/LEARNED.md).

The key table is rebuilt rather than altered: SQLite cannot add a NOT NULL column without a default, and a
batch rebuild would lose WITHOUT ROWID.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 01:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

SQLITE_TRIGGER = """CREATE TRIGGER IF NOT EXISTS customer_name_key_owner AFTER UPDATE OF owner_id ON customer
    WHEN OLD.owner_id <> NEW.owner_id
    BEGIN UPDATE customer_name_key SET owner_id = NEW.owner_id WHERE customer_id = NEW.id; END"""
POSTGRESQL_TRIGGER = (
    """CREATE OR REPLACE FUNCTION customer_name_key_owner() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE customer_name_key SET owner_id = NEW.owner_id WHERE customer_id = NEW.id;
      RETURN NULL;
    END $$""",
    """CREATE OR REPLACE TRIGGER customer_name_key_owner AFTER UPDATE OF owner_id ON customer
    FOR EACH ROW WHEN (OLD.owner_id IS DISTINCT FROM NEW.owner_id) EXECUTE FUNCTION customer_name_key_owner()""",
)


def _create_key_table(name, *, with_owner):
    columns = [
        sa.Column('branch_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=60).with_variant(sa.String(length=60, collation='C'), 'postgresql'),
                  nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
    ]
    if with_owner:
        columns.append(sa.Column('owner_id', sa.Integer(), nullable=False))
    op.create_table(name, *columns,
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_customer_name_key_branch_id_branch')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'],
                            name=op.f('fk_customer_name_key_customer_id_customer'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('branch_id', 'key', 'customer_id', name=op.f('pk_customer_name_key')),
    sqlite_with_rowid=False,
    )


def _rebuild(*, with_owner):
    """The key table again, with or without the owner column, its rows copied; then its indexes."""
    op.drop_index('ix_customer_name_key_customer_id', table_name='customer_name_key')
    op.drop_index('ix_customer_name_key_key', table_name='customer_name_key')
    if not with_owner:
        op.drop_index('ix_customer_name_key_owner', table_name='customer_name_key')
    op.rename_table('customer_name_key', 'customer_name_key_old')
    if op.get_bind().dialect.name == 'postgresql':  # names are unique per schema there
        op.execute('ALTER TABLE customer_name_key_old RENAME CONSTRAINT pk_customer_name_key TO pk_old_key')
    _create_key_table('customer_name_key', with_owner=with_owner)
    if with_owner:
        op.execute("""INSERT INTO customer_name_key (branch_id, key, customer_id, owner_id)
            SELECT k.branch_id, k.key, k.customer_id, c.owner_id
            FROM customer_name_key_old k JOIN customer c ON c.id = k.customer_id""")
    else:
        op.execute("""INSERT INTO customer_name_key (branch_id, key, customer_id)
            SELECT branch_id, key, customer_id FROM customer_name_key_old""")
    op.drop_table('customer_name_key_old')
    op.create_index('ix_customer_name_key_key', 'customer_name_key', ['key', 'customer_id'], unique=False)
    op.create_index('ix_customer_name_key_customer_id', 'customer_name_key', ['customer_id'], unique=False)
    if with_owner:
        op.create_index('ix_customer_name_key_owner', 'customer_name_key',
                        ['branch_id', 'owner_id', 'key', 'customer_id'], unique=False)


def upgrade():
    _rebuild(with_owner=True)
    if op.get_bind().dialect.name == 'postgresql':
        for statement in POSTGRESQL_TRIGGER:
            op.execute(statement)
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade():
    dialect = op.get_bind().dialect.name
    op.execute('DROP TRIGGER IF EXISTS customer_name_key_owner' + (' ON customer' if dialect == 'postgresql' else ''))
    if dialect == 'postgresql':
        op.execute('DROP FUNCTION IF EXISTS customer_name_key_owner()')
    _rebuild(with_owner=False)
