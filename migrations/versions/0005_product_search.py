"""product search table (PostgreSQL full-text engine)

Revision ID: 0005_product_search
Revises: 0004_search_queue
Create Date: 2026-11-27 10:30:00.000000

The table is created on every database so that the models and the migrations agree
everywhere (`flask db check`); only PostgreSQL uses it (SEARCH_BACKEND=postgres), and
only there do its types and indexes become tsvector, int[], GIN and pg_trgm. SQLite gets
text/JSON columns and two ordinary indexes, and the table stays empty.

pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
After upgrading a database that already has products, fill the table once with
`flask --app wsgi search reindex`.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0005_product_search'
down_revision = '0004_search_queue'
branch_labels = None
depends_on = None

# Kept in step with market/search/pg_models.py (not imported: migrations are frozen history).
ID_LIST = sa.JSON().with_variant(postgresql.ARRAY(sa.Integer()), "postgresql")
SEARCH_VECTOR = sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql")


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table('product_search',
    sa.Column('product_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('name_folded', sa.Text(), nullable=False),
    sa.Column('search_vector', SEARCH_VECTOR, nullable=False),
    sa.Column('category_ids', ID_LIST, nullable=False),
    sa.Column('program_ids', ID_LIST, nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.Column('ocop_stars', sa.SmallInteger(), nullable=True),
    sa.Column('price_vnd', sa.Integer(), nullable=False),
    sa.Column('in_stock', sa.Boolean(), nullable=False),
    sa.Column('listed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_search_product_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('product_id', name=op.f('pk_product_search'))
    )
    with op.batch_alter_table('product_search', schema=None) as batch_op:
        batch_op.create_index('ix_product_search_vector', ['search_vector'], unique=False, postgresql_using='gin')
        batch_op.create_index('ix_product_search_name_trgm', ['name_folded'], unique=False,
                              postgresql_using='gin', postgresql_ops={'name_folded': 'gin_trgm_ops'})


def downgrade():
    with op.batch_alter_table('product_search', schema=None) as batch_op:
        batch_op.drop_index('ix_product_search_name_trgm')
        batch_op.drop_index('ix_product_search_vector')

    op.drop_table('product_search')
    # pg_trgm stays: other objects of the database may use it by now.
