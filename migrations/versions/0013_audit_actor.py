"""audit trail by person: an index on (actor_id, id)

The audit log browser (/staff/audit) filters by who acted, newest first. Without an index on
actor_id, finding one person's 50 rows among a million walked the whole trail backwards
(about 1 s on PostgreSQL with 1,000,000 rows and 20,000 people), and the count scanned it
again. With (actor_id, id) both read only that person's rows. It also spares deleting a user
a scan of the trail (the foreign key sets actor_id to NULL).

Revision ID: 0013_audit_actor
Revises: 0012_report_indexes
Create Date: 2026-12-03 00:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0013_audit_actor'
down_revision = '0012_report_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_audit_entries_actor', 'audit_entries', ['actor_id', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_audit_entries_actor', table_name='audit_entries')
