"""Lobby (大堂): walk-ins (who, when, the need, what the lobby did, the queue number of the branch's day and its
queue status, the specialist and the referral of a hand-off, the form's submission key that makes a double
submit find the first walk-in) and the alerts a priority customer's walk-in sends to the owner.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 11:10:00

"""
import sqlalchemy as sa
from alembic import op

from app.models.types import UTCDateTime

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('walk_in',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('visitor_name', sa.String(length=20), nullable=True),
    sa.Column('logged_by_id', sa.Integer(), nullable=False),
    sa.Column('arrived_at', UTCDateTime(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('queue_no', sa.Integer(), nullable=False),
    sa.Column('need', sa.String(length=12), nullable=False),
    sa.Column('outcome', sa.String(length=12), nullable=True),
    sa.Column('queue_status', sa.String(length=8), nullable=False),
    sa.Column('called_at', UTCDateTime(), nullable=True),
    sa.Column('started_at', UTCDateTime(), nullable=True),
    sa.Column('finished_at', UTCDateTime(), nullable=True),
    sa.Column('served_by_id', sa.Integer(), nullable=True),
    sa.Column('handed_to_id', sa.Integer(), nullable=True),
    sa.Column('referral_id', sa.Integer(), nullable=True),
    sa.Column('submission_key', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_walk_in_branch_id_branch')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_walk_in_customer_id_customer')),
    sa.ForeignKeyConstraint(['handed_to_id'], ['user.id'], name=op.f('fk_walk_in_handed_to_id_user')),
    sa.ForeignKeyConstraint(['logged_by_id'], ['user.id'], name=op.f('fk_walk_in_logged_by_id_user')),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_walk_in_referral_id_referral')),
    sa.ForeignKeyConstraint(['served_by_id'], ['user.id'], name=op.f('fk_walk_in_served_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_walk_in')),
    sa.UniqueConstraint('branch_id', 'day', 'queue_no', name='uq_walk_in_queue_no'),
    sa.UniqueConstraint('branch_id', 'submission_key', name='uq_walk_in_submission')
    )
    op.create_index('ix_walk_in_branch_arrived', 'walk_in', ['branch_id', 'arrived_at'], unique=False)
    op.create_index('ix_walk_in_branch_day_status', 'walk_in', ['branch_id', 'day', 'queue_status'], unique=False)
    op.create_index('ix_walk_in_customer_arrived', 'walk_in', ['customer_id', 'arrived_at'], unique=False)
    op.create_index('ix_walk_in_logged_by_arrived', 'walk_in', ['logged_by_id', 'arrived_at'], unique=False)

    op.create_table('walk_in_alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('walk_in_id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('seen_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_walk_in_alert_branch_id_branch')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_walk_in_alert_user_id_user')),
    sa.ForeignKeyConstraint(['walk_in_id'], ['walk_in.id'], name=op.f('fk_walk_in_alert_walk_in_id_walk_in'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_walk_in_alert')),
    sa.UniqueConstraint('walk_in_id', 'user_id', name='uq_walk_in_alert_once')
    )
    op.create_index('ix_walk_in_alert_user_seen', 'walk_in_alert', ['user_id', 'seen_at'], unique=False)


def downgrade():
    op.drop_index('ix_walk_in_alert_user_seen', table_name='walk_in_alert')
    op.drop_table('walk_in_alert')
    op.drop_index('ix_walk_in_logged_by_arrived', table_name='walk_in')
    op.drop_index('ix_walk_in_customer_arrived', table_name='walk_in')
    op.drop_index('ix_walk_in_branch_day_status', table_name='walk_in')
    op.drop_index('ix_walk_in_branch_arrived', table_name='walk_in')
    op.drop_table('walk_in')
