"""My day's follow-ups and the badge read the pending follow-ups of one assignee in due order: a partial index
on exactly those, so a page is an ordered index range stopped after its rows (PostgreSQL sorted 2,000
estimated rows in parallel workers for 11).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 09:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

PENDING = sa.text("status IN ('open', 'snoozed')")


def upgrade():
    op.create_index('ix_follow_up_pending_assignee_due', 'follow_up', ['assignee_id', 'due_on', 'id'], unique=False,
                    sqlite_where=PENDING, postgresql_where=PENDING)


def downgrade():
    op.drop_index('ix_follow_up_pending_assignee_due', table_name='follow_up')
