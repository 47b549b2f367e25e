"""selling units staff add, photos kept while a product form is corrected, fresh produce

- `units`: selling units central staff add to the built-in ones (bó, quả, con... are
  built in; a cooperative may need "khay", "mẹt" or "bao 25 kg").
- `stashed_photos`: a product form sent back with an error keeps the photos chosen, for
  the member who chose them, for a few hours.
- Data: the "Nông sản tươi" (fresh produce) categories, added to a database whose category
  tree was seeded before they existed. An empty database gets them from `seed_categories`.

Revision ID: 0014_units_stash_produce
Revises: 0013_audit_actor
Create Date: 2026-12-03 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_units_stash_produce'
down_revision = '0013_audit_actor'
branch_labels = None
depends_on = None

# A copy, not an import: a migration must mean the same thing when the code moves on.
FRESH_PRODUCE = ("nong-san-tuoi", "Nông sản tươi", "Fresh produce", (
    ("rau-xanh", "Rau xanh", "Leafy vegetables"),
    ("rau-thom", "Rau thơm & rau gia vị", "Fresh herbs"),
    ("cu-qua", "Củ, quả", "Root & fruiting vegetables"),
    ("trai-cay-tuoi", "Trái cây tươi", "Fresh fruit"),
    ("nam-tuoi", "Nấm tươi", "Fresh mushrooms"),
    ("trung", "Trứng", "Eggs"),
))

categories = sa.table(
    "categories",
    sa.column("id", sa.Integer), sa.column("parent_id", sa.Integer), sa.column("slug", sa.String),
    sa.column("name_vi", sa.String), sa.column("name_en", sa.String), sa.column("position", sa.Integer),
)


def _add_fresh_produce():
    bind = op.get_bind()
    if bind.execute(sa.select(sa.func.count()).select_from(categories)).scalar() == 0:
        return  # never seeded: seed_categories adds the whole tree, this part included
    slug, name_vi, name_en, children = FRESH_PRODUCE
    top_id = bind.execute(sa.select(categories.c.id).where(categories.c.slug == slug)).scalar()
    if top_id is None:
        position = bind.execute(
            sa.select(sa.func.coalesce(sa.func.max(categories.c.position), -1) + 1).where(categories.c.parent_id.is_(None))
        ).scalar()
        bind.execute(categories.insert().values(slug=slug, name_vi=name_vi, name_en=name_en, position=position))
        top_id = bind.execute(sa.select(categories.c.id).where(categories.c.slug == slug)).scalar()
    taken = set(bind.execute(sa.select(categories.c.slug)).scalars())
    for position, (child_slug, child_vi, child_en) in enumerate(children):
        if child_slug not in taken:
            bind.execute(categories.insert().values(slug=child_slug, name_vi=child_vi, name_en=child_en,
                                                    parent_id=top_id, position=position))


def upgrade():
    op.create_table(
        'units',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=20), nullable=False),
        sa.Column('name_vi', sa.String(length=30), nullable=False),
        sa.Column('name_en', sa.String(length=30), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_units_created_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_units')),
        sa.UniqueConstraint('code', name=op.f('uq_units_code')),
    )
    op.create_table(
        'stashed_photos',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=40), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('width', sa.Integer(), nullable=False),
        sa.Column('height', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_stashed_photos_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stashed_photos')),
        sa.UniqueConstraint('token', name=op.f('uq_stashed_photos_token')),
    )
    with op.batch_alter_table('stashed_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stashed_photos_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stashed_photos_created_at'), ['created_at'], unique=False)
    _add_fresh_produce()


def downgrade():
    # The categories stay: products may already be listed in them.
    with op.batch_alter_table('stashed_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stashed_photos_created_at'))
        batch_op.drop_index(batch_op.f('ix_stashed_photos_user_id'))
    op.drop_table('stashed_photos')
    op.drop_table('units')
