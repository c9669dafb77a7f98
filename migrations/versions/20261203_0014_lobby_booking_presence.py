"""Lobby: the appointment a walk-in's "appointment booked" booked (walk_in.appointment_id), and which
specialists are present today (staff_presence: one row per user and branch-local day; no row means present).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 14:30:00

"""
import sqlalchemy as sa
from alembic import op

from app.models.types import UTCDateTime

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column with its reference in place; batch mode would copy and drop walk_in, and with
        # foreign keys on, dropping it would cascade to walk_in_alert.
        op.execute("ALTER TABLE walk_in ADD COLUMN appointment_id INTEGER "
                   "CONSTRAINT fk_walk_in_appointment_id_appointment REFERENCES appointment (id)")
    else:
        op.add_column('walk_in', sa.Column('appointment_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_walk_in_appointment_id_appointment'), 'walk_in', 'appointment',
                              ['appointment_id'], ['id'])

    op.create_table('staff_presence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.Column('changed_at', UTCDateTime(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_staff_presence_branch_id_branch')),
    sa.ForeignKeyConstraint(['changed_by_id'], ['user.id'], name=op.f('fk_staff_presence_changed_by_id_user')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_staff_presence_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_presence')),
    sa.UniqueConstraint('user_id', 'day', name='uq_staff_presence_user_day')
    )
    op.create_index('ix_staff_presence_branch_day', 'staff_presence', ['branch_id', 'day'], unique=False)


def downgrade():
    op.drop_index('ix_staff_presence_branch_day', table_name='staff_presence')
    op.drop_table('staff_presence')
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE walk_in DROP COLUMN appointment_id")  # SQLite 3.35+
    else:
        op.drop_constraint(op.f('fk_walk_in_appointment_id_appointment'), 'walk_in', type_='foreignkey')
        op.drop_column('walk_in', 'appointment_id')
