"""Follow-ups (回访/跟进) with the unique plan key that keeps `flask reminders run` idempotent and at most one
pending return visit per customer; the return-visit rhythm per tier (defaults A 30, B 90, C 180 days); each
user's calendar subscription (the token's hash only).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 18:10:44

"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

from app.models.types import UTCDateTime

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_feed',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('last_used_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_calendar_feed_user_id_user')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_calendar_feed')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feed_token_hash'))
    )
    op.create_table('tier_rhythm',
    sa.Column('tier', sa.String(length=1), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('days BETWEEN 1 AND 730', name=op.f('ck_tier_rhythm_days_in_range')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_tier_rhythm_updated_by_id_user')),
    sa.PrimaryKeyConstraint('tier', name=op.f('pk_tier_rhythm'))
    )
    op.create_table('follow_up',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('snoozed_until', sa.Date(), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('plan_key', sa.String(length=40), nullable=True),
    sa.Column('appointment_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', UTCDateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status <> 'snoozed' OR snoozed_until IS NOT NULL", name=op.f('ck_follow_up_snooze_has_date')),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointment.id'], name=op.f('fk_follow_up_appointment_id_appointment')),
    sa.ForeignKeyConstraint(['assignee_id'], ['user.id'], name=op.f('fk_follow_up_assignee_id_user')),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_follow_up_branch_id_branch')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user.id'], name=op.f('fk_follow_up_closed_by_id_user')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_follow_up_created_by_id_user')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_follow_up_customer_id_customer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up'))
    )
    PENDING = sa.text("kind = 'return_visit' AND status IN ('open', 'snoozed')")
    op.create_index('ix_follow_up_assignee_status_due', 'follow_up', ['assignee_id', 'status', 'due_on'])
    op.create_index('ix_follow_up_branch_status_due', 'follow_up', ['branch_id', 'status', 'due_on'])
    op.create_index('ix_follow_up_customer_due', 'follow_up', ['customer_id', 'due_on'])
    op.create_index('uq_follow_up_pending_return_visit', 'follow_up', ['customer_id'], unique=True,
                    sqlite_where=PENDING, postgresql_where=PENDING)
    op.create_index('uq_follow_up_plan', 'follow_up', ['customer_id', 'kind', 'plan_key'], unique=True,
                    sqlite_where=sa.text('plan_key IS NOT NULL'), postgresql_where=sa.text('plan_key IS NOT NULL'))
    op.bulk_insert(sa.table('tier_rhythm', sa.column('tier', sa.String), sa.column('days', sa.Integer),
                            sa.column('updated_at', UTCDateTime)),
                   [{'tier': tier, 'days': days, 'updated_at': datetime.now(timezone.utc)}
                    for tier, days in (('A', 30), ('B', 90), ('C', 180))])


def downgrade():
    # The indexes go with the table.
    op.drop_table('follow_up')
    op.drop_table('tier_rhythm')
    op.drop_table('calendar_feed')
