"""photos carry the moment they were added

- `product_images.created_at`: a new seller's first steps date "first product with a photo"
  by the photo itself, not by its product's creation (a photo added later moves the date).
  Photos already stored take their product's creation, the best date known for them.

Revision ID: 0016_photo_dates
Revises: 0015_seller_help
Create Date: 2026-12-03 11:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_photo_dates'
down_revision = '0015_seller_help'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('product_images', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_at', sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE product_images SET created_at = "
        "(SELECT products.created_at FROM products WHERE products.id = product_images.product_id)"
    )


def downgrade():
    with op.batch_alter_table('product_images', schema=None) as batch_op:
        batch_op.drop_column('created_at')
