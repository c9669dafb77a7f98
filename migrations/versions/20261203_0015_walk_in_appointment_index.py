"""An index on walk_in.appointment_id (0014's foreign key): deleting or moving appointments checked every walk-in
for a reference, a sequential scan of the walk-ins per appointment (the benchmark's clean-up of its bookings ran
for minutes on PostgreSQL with 500,000 walk-ins). Partial: most walk-ins booked nothing.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 16:35:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_walk_in_appointment', 'walk_in', ['appointment_id'], unique=False,
                    postgresql_where=sa.text('appointment_id IS NOT NULL'),
                    sqlite_where=sa.text('appointment_id IS NOT NULL'))


def downgrade():
    op.drop_index('ix_walk_in_appointment', table_name='walk_in')
