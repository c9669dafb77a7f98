"""Indexes on the two other foreign keys that point at appointment (0015 did walk_in's): follow_up.appointment_id
and appointment.successor_id. Without them every deleted appointment had the database look through every
follow-up and every appointment for a reference (the benchmark's clean-up of 9,000 bookings on SQLite did not
finish in minutes). Partial: most follow-ups come from no appointment and most appointments were never moved.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 18:55:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_follow_up_appointment', 'follow_up', ['appointment_id'], unique=False,
                    postgresql_where=sa.text('appointment_id IS NOT NULL'),
                    sqlite_where=sa.text('appointment_id IS NOT NULL'))
    op.create_index('ix_appointment_successor', 'appointment', ['successor_id'], unique=False,
                    postgresql_where=sa.text('successor_id IS NOT NULL'),
                    sqlite_where=sa.text('successor_id IS NOT NULL'))


def downgrade():
    op.drop_index('ix_appointment_successor', table_name='appointment')
    op.drop_index('ix_follow_up_appointment', table_name='follow_up')
