"""Customers, their activities and tier history, and the admin tier rules (with defaults).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 01:17:04.999545

"""
import sqlalchemy as sa
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('tier_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tier', sa.String(length=1), nullable=False),
    sa.Column('metric', sa.String(length=20), nullable=False),
    sa.Column('threshold', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), server_default='1', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tier_rule'))
    )
    op.create_table('customer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('name_search', sa.String(length=100), nullable=False),
    sa.Column('mobile_enc', sa.String(length=120), nullable=True),
    sa.Column('mobile_hash', sa.String(length=64), nullable=True),
    sa.Column('mobile_last4', sa.String(length=4), nullable=True),
    sa.Column('id_number_enc', sa.String(length=120), nullable=True),
    sa.Column('id_number_hash', sa.String(length=64), nullable=True),
    sa.Column('gender', sa.String(length=8), nullable=True),
    sa.Column('birthday', sa.Date(), nullable=True),
    sa.Column('occupation', sa.String(length=60), nullable=True),
    sa.Column('area', sa.String(length=60), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('income_band', sa.String(length=12), nullable=True),
    sa.Column('asset_band', sa.String(length=12), nullable=True),
    sa.Column('uscc', sa.String(length=18), nullable=True),
    sa.Column('industry', sa.String(length=60), nullable=True),
    sa.Column('contact_name', sa.String(length=60), nullable=True),
    sa.Column('turnover_band', sa.String(length=12), nullable=True),
    sa.Column('needs', sa.Text(), nullable=True),
    sa.Column('loan_need_amount', sa.Integer(), nullable=True),
    sa.Column('products_held', sa.Integer(), server_default='0', nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('tier', sa.String(length=1), nullable=False),
    sa.Column('marketing_consent', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('marketing_consent_at', sa.DateTime(), nullable=True),
    sa.Column('marketing_consent_by_id', sa.Integer(), nullable=True),
    sa.Column('sensitive_consent', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('sensitive_consent_at', sa.DateTime(), nullable=True),
    sa.Column('sensitive_consent_by_id', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('archived_at', sa.DateTime(), nullable=True),
    sa.Column('archived_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['archived_by_id'], ['user.id'], name=op.f('fk_customer_archived_by_id_user')),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_customer_branch_id_branch')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_customer_created_by_id_user')),
    sa.ForeignKeyConstraint(['marketing_consent_by_id'], ['user.id'], name=op.f('fk_customer_marketing_consent_by_id_user')),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_customer_owner_id_user')),
    sa.ForeignKeyConstraint(['sensitive_consent_by_id'], ['user.id'], name=op.f('fk_customer_sensitive_consent_by_id_user')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_customer_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer'))
    )
    # List pages read only active customers: partial indexes answer the count and page N from the index.
    active = {"sqlite_where": sa.text("archived_at IS NULL"), "postgresql_where": sa.text("archived_at IS NULL")}
    op.create_index('ix_customer_branch_updated', 'customer', ['branch_id', 'updated_at', 'id'], **active)
    op.create_index('ix_customer_branch_created', 'customer', ['branch_id', 'created_at', 'id'], **active)
    op.create_index('ix_customer_branch_tier_updated', 'customer', ['branch_id', 'tier', 'updated_at', 'id'], **active)
    op.create_index('ix_customer_owner_updated', 'customer', ['owner_id', 'branch_id', 'updated_at', 'id'], **active)
    op.create_index('ix_customer_owner_tier', 'customer', ['owner_id', 'branch_id', 'tier'], **active)
    op.create_index('ix_customer_updated', 'customer', ['updated_at', 'id'], **active)
    op.create_index('ix_customer_branch_name', 'customer', ['branch_id', 'name_search', 'updated_at'],
                    postgresql_ops={'name_search': 'varchar_pattern_ops'}, **active)
    op.create_index('ix_customer_branch_last4', 'customer', ['branch_id', 'mobile_last4'], **active)
    op.create_index('ix_customer_id_number_hash', 'customer', ['id_number_hash'], unique=False)
    op.create_index('ix_customer_mobile_hash', 'customer', ['mobile_hash'], unique=False)
    op.create_index('ix_customer_uscc', 'customer', ['uscc'], unique=False)
    op.create_index('uq_customer_branch_id_number', 'customer', ['branch_id', 'id_number_hash'], unique=True, sqlite_where=sa.text('id_number_hash IS NOT NULL'), postgresql_where=sa.text('id_number_hash IS NOT NULL'))
    op.create_index('uq_customer_branch_mobile', 'customer', ['branch_id', 'mobile_hash'], unique=True, sqlite_where=sa.text('mobile_hash IS NOT NULL'), postgresql_where=sa.text('mobile_hash IS NOT NULL'))
    op.create_index('uq_customer_branch_uscc', 'customer', ['branch_id', 'uscc'], unique=True, sqlite_where=sa.text('uscc IS NOT NULL'), postgresql_where=sa.text('uscc IS NOT NULL'))

    op.create_table('activity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_activity_branch_id_branch')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_activity_customer_id_customer')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_activity_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity'))
    )
    op.create_index('ix_activity_branch_at', 'activity', ['branch_id', 'at'], unique=False)
    op.create_index('ix_activity_customer_at', 'activity', ['customer_id', 'at'], unique=False)
    op.create_index('ix_activity_user_at', 'activity', ['user_id', 'at'], unique=False)

    op.create_table('tier_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('from_tier', sa.String(length=1), nullable=True),
    sa.Column('to_tier', sa.String(length=1), nullable=False),
    sa.Column('suggested_tier', sa.String(length=1), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_tier_change_customer_id_customer')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_tier_change_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tier_change'))
    )
    op.create_index('ix_tier_change_customer_at', 'tier_change', ['customer_id', 'at'], unique=False)

    # Starting rules an admin can change: A for large assets, loans or many products; B for some.
    tier_rule = sa.table("tier_rule", sa.column("tier", sa.String), sa.column("metric", sa.String),
                         sa.column("threshold", sa.Integer), sa.column("active", sa.Boolean))
    op.bulk_insert(tier_rule, [
        {"tier": "A", "metric": "assets", "threshold": 3, "active": True},
        {"tier": "A", "metric": "loan_need", "threshold": 300, "active": True},
        {"tier": "A", "metric": "products", "threshold": 5, "active": True},
        {"tier": "B", "metric": "assets", "threshold": 2, "active": True},
        {"tier": "B", "metric": "loan_need", "threshold": 50, "active": True},
        {"tier": "B", "metric": "products", "threshold": 2, "active": True},
    ])



def downgrade():

    op.drop_table('tier_change')

    op.drop_table('activity')

    op.drop_table('customer')
    op.drop_table('tier_rule')
