"""payment anomalies

Revision ID: 0009_payment_anomalies
Revises: 0008_search_speed
Create Date: 2026-12-02 12:00:00.000000

Payment events that did not match what was expected (amount, currency, session, partial
refund) are kept for central staff instead of changing the order. An order keeps the amount
the provider reported as paid, so a refund can be checked against it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0009_payment_anomalies"
down_revision = "0008_search_speed"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('payment_anomalies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=20), nullable=False),
    sa.Column('event_id', sa.String(length=255), nullable=True),
    sa.Column('event_type', sa.String(length=100), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=True),
    sa.Column('currency', sa.String(length=10), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_payment_anomalies_order_id_orders'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_payment_anomalies_resolved_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_anomalies'))
    )
    with op.batch_alter_table('payment_anomalies', schema=None) as batch_op:
        batch_op.create_index('ix_payment_anomalies_open', ['resolved_at', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_anomalies_order_id'), ['order_id'], unique=False)

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paid_amount_vnd', sa.BigInteger(), nullable=True))


def downgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('paid_amount_vnd')

    with op.batch_alter_table('payment_anomalies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_anomalies_order_id'))
        batch_op.drop_index('ix_payment_anomalies_open')

    op.drop_table('payment_anomalies')
