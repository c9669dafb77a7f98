"""List read models: the masked mobile beside its ciphertext (lists never decrypt), and each branch's
count of active customers kept by triggers (the unfiltered list never counts).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 04:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

customer = sa.table('customer', sa.column('id', sa.Integer), sa.column('mobile_enc', sa.String),
                    sa.column('mobile_masked', sa.String))


# The trigger SQL as of this revision (app/models/tally.py holds the current copy for create_all).
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
)
TRIGGER_NAMES = (("customer_tally_branch", "branch"), ("customer_tally_insert", "customer"),
                 ("customer_tally_delete", "customer"), ("customer_tally_update", "customer"),
                 ("customer_tally_insert_delete", "customer"))


def upgrade():
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mobile_masked', sa.String(length=16), nullable=True))

    op.create_table('customer_tally',
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_customer_tally_branch_id_branch'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('branch_id', name=op.f('pk_customer_tally'))
    )
    op.execute("""INSERT INTO customer_tally (branch_id, active)
    SELECT branch.id, (SELECT count(*) FROM customer
                       WHERE customer.branch_id = branch.id AND customer.archived_at IS NULL)
    FROM branch""")
    dialect = op.get_bind().dialect.name
    for statement in {'sqlite': SQLITE_TRIGGERS, 'postgresql': POSTGRESQL_TRIGGERS}.get(dialect, ()):
        op.execute(statement)

    # Existing rows: decrypt once here with the app's keys (migrations run inside the app).
    from app.core.privacy import decrypt_pfi, mask

    bind = op.get_bind()
    rows = bind.execute(sa.select(customer.c.id, customer.c.mobile_enc)
                        .where(customer.c.mobile_enc.isnot(None))).all()
    if rows:
        bind.execute(customer.update().where(customer.c.id == sa.bindparam('row_id'))
                     .values(mobile_masked=sa.bindparam('masked')),
                     [{'row_id': r.id, 'masked': mask('mobile', decrypt_pfi('mobile', r.mobile_enc))} for r in rows])


def downgrade():
    dialect = op.get_bind().dialect.name
    for name, table in TRIGGER_NAMES:
        op.execute(f'DROP TRIGGER IF EXISTS {name}' + (f' ON {table}' if dialect == 'postgresql' else ''))
    if dialect == 'postgresql':
        op.execute('DROP FUNCTION IF EXISTS customer_tally_change()')
        op.execute('DROP FUNCTION IF EXISTS customer_tally_new_branch()')
    op.drop_table('customer_tally')
    # Not batch mode: rebuilding customer on SQLite would DROP it under the activities that point at it.
    op.drop_column('customer', 'mobile_masked')
