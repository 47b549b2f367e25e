"""help on a seller's behalf: the owner's consent, and audit rows done on a seller's behalf

- `seller_help_grants`: a seller's owner lets the staff of her province, or one staff
  member, work in the seller area for a period; she may end it earlier.
- `audit_entries.on_behalf_of_seller_id`: set when staff did the action in a seller's area
  with its consent (the seller's history lists these, whatever their subject).

Revision ID: 0015_seller_help
Revises: 0014_units_stash_produce
Create Date: 2026-12-03 09:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_seller_help'
down_revision = '0014_units_stash_produce'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'seller_help_grants',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('seller_id', sa.Integer(), nullable=False),
        sa.Column('granted_by_id', sa.Integer(), nullable=True),
        sa.Column('staff_id', sa.Integer(), nullable=True),
        sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('ended_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_seller_help_grants_period_not_empty')),
        sa.ForeignKeyConstraint(['ended_by_id'], ['users.id'], name=op.f('fk_seller_help_grants_ended_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'],
                                name=op.f('fk_seller_help_grants_granted_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['seller_id'], ['sellers.id'], name=op.f('fk_seller_help_grants_seller_id_sellers'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['staff_id'], ['users.id'], name=op.f('fk_seller_help_grants_staff_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_seller_help_grants')),
    )
    op.create_index(op.f('ix_seller_help_grants_seller_id'), 'seller_help_grants', ['seller_id'], unique=False)
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('on_behalf_of_seller_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_entries_on_behalf_of_seller_id'), ['on_behalf_of_seller_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_audit_entries_on_behalf_of_seller_id_sellers'), 'sellers',
                                    ['on_behalf_of_seller_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_audit_entries_on_behalf_of_seller_id_sellers'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_audit_entries_on_behalf_of_seller_id'))
        batch_op.drop_column('on_behalf_of_seller_id')
    op.drop_index(op.f('ix_seller_help_grants_seller_id'), table_name='seller_help_grants')
    op.drop_table('seller_help_grants')
