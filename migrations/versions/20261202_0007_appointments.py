"""Appointments (约见): one row per appointment, the two held slots of an offer sharing an offer id; on
PostgreSQL an exclusion constraint (btree_gist) refuses two overlapping proposed, held or confirmed
appointments of one staff member (SQLite checks inside the booking's BEGIN IMMEDIATE).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 12:40:00

"""
import sqlalchemy as sa
from alembic import op

from app.models.types import UTCDateTime

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# The same text as app.models.appointment.EXCLUSION_DDL (a migration must not change when the model does).
EXCLUSION = ("ALTER TABLE appointment ADD CONSTRAINT ex_appointment_no_double_booking EXCLUDE USING gist "
             "(staff_id WITH =, tsrange(start_at, end_at) WITH &&) "
             "WHERE (status IN ('proposed', 'held', 'confirmed'))")


def upgrade():
    op.create_table('appointment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('start_at', UTCDateTime(), nullable=False),
    sa.Column('end_at', UTCDateTime(), nullable=False),
    sa.Column('place', sa.String(length=8), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=True),
    sa.Column('purpose', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('offer_id', sa.String(length=32), nullable=True),
    sa.Column('cancel_reason', sa.String(length=300), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('next_step', sa.String(length=300), nullable=True),
    sa.Column('successor_id', sa.Integer(), nullable=True),
    sa.Column('booked_by_id', sa.Integer(), nullable=False),
    sa.Column('booked_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('end_at > start_at', name=op.f('ck_appointment_ends_after_start')),
    sa.ForeignKeyConstraint(['booked_by_id'], ['user.id'], name=op.f('fk_appointment_booked_by_id_user')),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_appointment_branch_id_branch')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_appointment_customer_id_customer')),
    sa.ForeignKeyConstraint(['staff_id'], ['user.id'], name=op.f('fk_appointment_staff_id_user')),
    sa.ForeignKeyConstraint(['successor_id'], ['appointment.id'], name=op.f('fk_appointment_successor_id_appointment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment'))
    )
    op.create_index('ix_appointment_branch_start', 'appointment', ['branch_id', 'start_at'], unique=False)
    op.create_index('ix_appointment_customer_start', 'appointment', ['customer_id', 'start_at'], unique=False)
    op.create_index('ix_appointment_offer', 'appointment', ['offer_id'], unique=False)
    op.create_index('ix_appointment_staff_start', 'appointment', ['staff_id', 'start_at'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS btree_gist')
        op.execute(EXCLUSION)


def downgrade():
    # The exclusion constraint goes with the table; btree_gist stays (other schemas may use it).
    op.drop_index('ix_appointment_staff_start', table_name='appointment')
    op.drop_index('ix_appointment_offer', table_name='appointment')
    op.drop_index('ix_appointment_customer_start', table_name='appointment')
    op.drop_index('ix_appointment_branch_start', table_name='appointment')
    op.drop_table('appointment')
