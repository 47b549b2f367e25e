"""The first steps catalog answers for market.sellers.first_steps (which sits below catalog):
a product with a photo, and a product on sale now. One aggregate query whatever the sellers hold.

- photo: the moment the earliest photo the seller's products still have was added (photos
  stored before migration 0016 carry their product's creation).
- on_sale: among the products on sale now, the earliest moment one was put on sale for the
  stretch it is on sale now (its latest move to "on sale": a product hidden and put back
  counts from its return). Hiding the only product on sale undoes the step.
"""
from sqlalchemy import Select, case, func, select

from market.catalog.models import Product, ProductImage, ProductStatus
from market.core.audit import AuditEntry
from market.extensions import db
from market.sellers import first_steps


@first_steps.register
def product_steps(seller_ids: Select) -> first_steps.Facts:
    on_sale = Product.status == ProductStatus.ACTIVE
    last_put_on_sale = (
        select(AuditEntry.subject_id.label("product_id"), func.max(AuditEntry.created_at).label("at"))
        .where(AuditEntry.subject_type == "product", AuditEntry.to_status == ProductStatus.ACTIVE,
               AuditEntry.subject_id.in_(select(Product.id).where(Product.seller_id.in_(seller_ids), on_sale)))
        .group_by(AuditEntry.subject_id)
        .subquery()
    )
    first_photo = (
        select(ProductImage.product_id.label("product_id"),
               func.min(func.coalesce(ProductImage.created_at, Product.created_at)).label("at"))
        .join(Product, Product.id == ProductImage.product_id)
        .where(Product.seller_id.in_(seller_ids))
        .group_by(ProductImage.product_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Product.seller_id,
               func.min(first_photo.c.at),
               func.min(case((on_sale, func.coalesce(last_put_on_sale.c.at, Product.published_at, Product.created_at)))))
        .outerjoin(last_put_on_sale, last_put_on_sale.c.product_id == Product.id)
        .outerjoin(first_photo, first_photo.c.product_id == Product.id)
        .where(Product.seller_id.in_(seller_ids))
        .group_by(Product.seller_id)
    )
    facts: first_steps.Facts = {}
    for seller_id, photo, listed in rows:
        facts[seller_id] = {key: moment for key, moment in (("photo", photo), ("on_sale", listed)) if moment}
    return facts
