"""report indexes: sellers' history and cancelled seller orders in the audit trail

Issue 13's report reads from the audit trail each seller's status at a date (its last row
with a status before then), the period's submissions and decisions, and which row cancelled
each cancelled seller order. After a year of activity the trail holds over a million rows,
mostly orders' moves: a seller's rows are scattered over all its pages (a bitmap scan of
`ix_audit_entries_subject` visits ~6,700 heap pages for 20,000 rows) and the report joined
the cancellations by scanning the whole table. Two partial covering indexes, small because
partial (about 1.3 MB and 0.5 MB at 1.25 million audit rows), let these queries read the
index alone. bench/reports.py, 200,000 orders: the ten seller-history statements of one report
from 20-240 ms each to 3-27 ms, the cancellations from 550-690 ms to 150-430 ms (a busy
machine); the report's server CPU time down about 30 % (see bench/README.md).

Both are written only when a seller's row or a cancellation is audited. CREATE INDEX (not
CONCURRENTLY) holds writes to audit_entries for the build: a few seconds on a large trail.

Revision ID: 0012_report_indexes
Revises: 0011_trust
Create Date: 2026-12-03 00:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_report_indexes'
down_revision = '0011_trust'
branch_labels = None
depends_on = None

SELLERS = "subject_type = 'seller'"
CANCELLATIONS = "subject_type = 'seller_order' AND to_status = 'cancelled'"


def upgrade():
    op.create_index('ix_audit_entries_seller_history', 'audit_entries', ['subject_id', 'created_at', 'id'],
                    unique=False, postgresql_include=['action', 'to_status'],
                    postgresql_where=sa.text(SELLERS), sqlite_where=sa.text(SELLERS))
    op.create_index('ix_audit_entries_cancellations', 'audit_entries', ['subject_id'], unique=False,
                    postgresql_include=['action', 'actor_id'],
                    postgresql_where=sa.text(CANCELLATIONS), sqlite_where=sa.text(CANCELLATIONS))


def downgrade():
    op.drop_index('ix_audit_entries_cancellations', table_name='audit_entries')
    op.drop_index('ix_audit_entries_seller_history', table_name='audit_entries')
