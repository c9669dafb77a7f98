"""The masked mobile kept beside its ciphertext, so lists never decrypt.

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


def upgrade():
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mobile_masked', sa.String(length=16), nullable=True))

    # Existing rows: decrypt once here with the app's keys (migrations run inside the app).
    from app.privacy import decrypt_pfi, mask

    bind = op.get_bind()
    rows = bind.execute(sa.select(customer.c.id, customer.c.mobile_enc)
                        .where(customer.c.mobile_enc.isnot(None))).all()
    if rows:
        bind.execute(customer.update().where(customer.c.id == sa.bindparam('row_id'))
                     .values(mobile_masked=sa.bindparam('masked')),
                     [{'row_id': r.id, 'masked': mask('mobile', decrypt_pfi('mobile', r.mobile_enc))} for r in rows])


def downgrade():
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_column('mobile_masked')
