"""Each introducer's yield (direct, whole tree, converted, converted amount) kept in one row, filled here from
the existing introductions; app/introducers/tally.py keeps it current from then on.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 18:20:32

"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


# The same statement as app.introducers.tally.RECOUNT's INSERT (a migration must not change when the app does).
FILL = """WITH RECURSIVE tree(top_c, top_p, id, depth) AS (
    SELECT introducer_customer_id, introducer_partner_id, customer_id, 1 FROM introduction
    UNION ALL
    SELECT tree.top_c, tree.top_p, introduction.customer_id, tree.depth + 1
    FROM tree JOIN introduction ON introduction.introducer_customer_id = tree.id
    WHERE tree.depth < 10000
), won AS (
    SELECT customer_id, SUM(amount) AS amount FROM referral WHERE status = 'converted' GROUP BY customer_id
)
INSERT INTO introducer_tally (customer_id, partner_id, direct, total, converted, amount)
SELECT tree.top_c, tree.top_p, SUM(CASE WHEN tree.depth = 1 THEN 1 ELSE 0 END), COUNT(*),
       SUM(CASE WHEN customer.status IN ('customer', 'dormant') THEN 1 ELSE 0 END), COALESCE(SUM(won.amount), 0)
FROM tree JOIN customer ON customer.id = tree.id LEFT JOIN won ON won.customer_id = tree.id
GROUP BY tree.top_c, tree.top_p"""


def upgrade():
    op.create_table('introducer_tally',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('direct', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('converted', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('(customer_id IS NULL) <> (partner_id IS NULL)', name=op.f('ck_introducer_tally_one_introducer')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_introducer_tally_customer_id_customer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_introducer_tally_partner_id_partner'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_introducer_tally')),
    sa.UniqueConstraint('customer_id', name=op.f('uq_introducer_tally_customer_id')),
    sa.UniqueConstraint('partner_id', name=op.f('uq_introducer_tally_partner_id'))
    )
    op.execute(FILL)


def downgrade():
    op.drop_table('introducer_tally')
