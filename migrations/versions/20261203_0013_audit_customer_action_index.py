"""The audit log's customer index leads with the action: (customer_id, action, at) instead of (customer_id, at).
With both indexes ordered by time, an engine without statistics on the page views (SQLite right after a load, or
when every customer has about as many rows) could pick either for a customer's timeline, and the plain one walks
every view (0011); this one serves the audit log's customer and customer + action filters, and leaves the
timeline's newest-first walk to the index without views.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 12:55:00

"""
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_audit_event_customer_at', table_name='audit_event')
    op.create_index('ix_audit_event_customer_action_at', 'audit_event', ['customer_id', 'action', 'at'], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ANALYZE audit_event")


def downgrade():
    op.drop_index('ix_audit_event_customer_action_at', table_name='audit_event')
    op.create_index('ix_audit_event_customer_at', 'audit_event', ['customer_id', 'at'], unique=False)
