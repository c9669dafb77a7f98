"""Referrals: internal hand-offs (referral, the shared access they give), partners outside the bank, who
introduced whom (one introduction row per introduced customer, its change history), and each branch's
referral rules (what the recipient gets, the hours within which a referral must be accepted).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 11:27:31

"""
import sqlalchemy as sa
from alembic import op

from app.models.types import UTCDateTime

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('partner',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('category', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('name_search', sa.String(length=100), nullable=False),
    sa.Column('organisation', sa.String(length=100), nullable=True),
    sa.Column('contact_name', sa.String(length=60), nullable=True),
    sa.Column('mobile_enc', sa.String(length=120), nullable=True),
    sa.Column('mobile_hash', sa.String(length=64), nullable=True),
    sa.Column('mobile_last4', sa.String(length=4), nullable=True),
    sa.Column('mobile_masked', sa.String(length=16), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.Column('archived_at', UTCDateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_partner_branch_id_branch')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_partner_created_by_id_user')),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_partner_owner_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner'))
    )
    op.create_index('ix_partner_branch_name', 'partner', ['branch_id', 'name_search'], unique=False, sqlite_where=sa.text('archived_at IS NULL'), postgresql_where=sa.text('archived_at IS NULL'))
    op.create_index('ix_partner_owner', 'partner', ['owner_id'], unique=False)

    op.create_table('introduction',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('introducer_customer_id', sa.Integer(), nullable=True),
    sa.Column('introducer_partner_id', sa.Integer(), nullable=True),
    sa.Column('introduced_at', UTCDateTime(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('(introducer_customer_id IS NULL) <> (introducer_partner_id IS NULL)', name=op.f('ck_introduction_one_introducer')),
    sa.CheckConstraint('introducer_customer_id IS NULL OR introducer_customer_id <> customer_id', name=op.f('ck_introduction_not_self')),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_introduction_branch_id_branch')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_introduction_customer_id_customer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['introducer_customer_id'], ['customer.id'], name=op.f('fk_introduction_introducer_customer_id_customer')),
    sa.ForeignKeyConstraint(['introducer_partner_id'], ['partner.id'], name=op.f('fk_introduction_introducer_partner_id_partner')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_introduction_recorded_by_id_user')),
    sa.PrimaryKeyConstraint('customer_id', name=op.f('pk_introduction'))
    )
    op.create_index('ix_introduction_branch_at', 'introduction',
                    ['branch_id', 'introduced_at', 'introducer_customer_id', 'introducer_partner_id'], unique=False)
    op.create_index('ix_introduction_by_customer', 'introduction', ['introducer_customer_id', 'customer_id'], unique=False)
    op.create_index('ix_introduction_by_partner', 'introduction', ['introducer_partner_id', 'customer_id'], unique=False)

    op.create_table('introduction_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('from_customer_id', sa.Integer(), nullable=True),
    sa.Column('from_partner_id', sa.Integer(), nullable=True),
    sa.Column('to_customer_id', sa.Integer(), nullable=True),
    sa.Column('to_partner_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_introduction_change_customer_id_customer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['from_customer_id'], ['customer.id'], name=op.f('fk_introduction_change_from_customer_id_customer')),
    sa.ForeignKeyConstraint(['from_partner_id'], ['partner.id'], name=op.f('fk_introduction_change_from_partner_id_partner')),
    sa.ForeignKeyConstraint(['to_customer_id'], ['customer.id'], name=op.f('fk_introduction_change_to_customer_id_customer')),
    sa.ForeignKeyConstraint(['to_partner_id'], ['partner.id'], name=op.f('fk_introduction_change_to_partner_id_partner')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_introduction_change_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_introduction_change'))
    )
    op.create_index('ix_introduction_change_customer_at', 'introduction_change', ['customer_id', 'at'], unique=False)

    op.create_table('referral',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('sender_id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('need', sa.String(length=12), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('origin', sa.String(length=12), server_default='customer', nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('sent_at', UTCDateTime(), nullable=False),
    sa.Column('accept_due_at', UTCDateTime(), nullable=False),
    sa.Column('responded_at', UTCDateTime(), nullable=True),
    sa.Column('decline_reason', sa.String(length=300), nullable=True),
    sa.Column('contacted_at', UTCDateTime(), nullable=True),
    sa.Column('finished_at', UTCDateTime(), nullable=True),
    sa.Column('close_reason', sa.String(length=300), nullable=True),
    sa.Column('product', sa.String(length=60), nullable=True),
    sa.Column('amount', sa.Integer(), nullable=True),
    sa.Column('access_given', sa.String(length=8), nullable=True),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('amount IS NULL OR amount >= 0', name=op.f('ck_referral_amount_not_negative')),
    sa.CheckConstraint('sender_id <> recipient_id', name=op.f('ck_referral_not_to_self')),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_referral_branch_id_branch')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_referral_customer_id_customer')),
    sa.ForeignKeyConstraint(['recipient_id'], ['user.id'], name=op.f('fk_referral_recipient_id_user')),
    sa.ForeignKeyConstraint(['sender_id'], ['user.id'], name=op.f('fk_referral_sender_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral'))
    )
    op.create_index('ix_referral_branch_sent', 'referral', ['branch_id', 'sent_at'], unique=False)
    op.create_index('ix_referral_branch_status_due', 'referral', ['branch_id', 'status', 'accept_due_at'], unique=False)
    op.create_index('ix_referral_customer_sent', 'referral', ['customer_id', 'sent_at'], unique=False)
    op.create_index('ix_referral_recipient_status', 'referral', ['recipient_id', 'status', 'sent_at'], unique=False)
    op.create_index('ix_referral_sender_sent', 'referral', ['sender_id', 'sent_at'], unique=False)
    op.create_index('uq_referral_open', 'referral', ['customer_id', 'recipient_id', 'need'], unique=True, sqlite_where=sa.text("status IN ('sent', 'accepted', 'contacted')"), postgresql_where=sa.text("status IN ('sent', 'accepted', 'contacted')"))

    op.create_table('customer_share',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=True),
    sa.Column('granted_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_customer_share_customer_id_customer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_customer_share_referral_id_referral')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_customer_share_user_id_user')),
    sa.PrimaryKeyConstraint('customer_id', 'user_id', name=op.f('pk_customer_share'))
    )
    op.create_index('ix_customer_share_user', 'customer_share', ['user_id', 'customer_id'], unique=False)

    # Plain ADD COLUMN on both engines (a server default, no constraint): branch is not rebuilt.
    op.add_column('branch', sa.Column('referral_access', sa.String(length=8), server_default='shared',
                                      nullable=False))
    op.add_column('branch', sa.Column('referral_accept_hours', sa.Integer(), server_default='4', nullable=False))



def downgrade():
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch rebuild would drop a table staff rows point at.
    op.drop_column('branch', 'referral_accept_hours')
    op.drop_column('branch', 'referral_access')

    op.drop_index('ix_customer_share_user', table_name='customer_share')

    op.drop_table('customer_share')
    op.drop_index('uq_referral_open', table_name='referral', sqlite_where=sa.text("status IN ('sent', 'accepted', 'contacted')"), postgresql_where=sa.text("status IN ('sent', 'accepted', 'contacted')"))
    op.drop_index('ix_referral_sender_sent', table_name='referral')
    op.drop_index('ix_referral_recipient_status', table_name='referral')
    op.drop_index('ix_referral_customer_sent', table_name='referral')
    op.drop_index('ix_referral_branch_status_due', table_name='referral')
    op.drop_index('ix_referral_branch_sent', table_name='referral')

    op.drop_table('referral')
    op.drop_index('ix_introduction_change_customer_at', table_name='introduction_change')

    op.drop_table('introduction_change')
    op.drop_index('ix_introduction_by_partner', table_name='introduction')
    op.drop_index('ix_introduction_by_customer', table_name='introduction')
    op.drop_index('ix_introduction_branch_at', table_name='introduction')

    op.drop_table('introduction')
    op.drop_index('ix_partner_owner', table_name='partner')
    op.drop_index('ix_partner_branch_name', table_name='partner', sqlite_where=sa.text('archived_at IS NULL'), postgresql_where=sa.text('archived_at IS NULL'))

    op.drop_table('partner')
