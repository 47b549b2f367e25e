"""What the staff's decisions on sellers need from catalog: how many products a seller has on
sale, which a suspension takes off the shop and a reinstatement brings back. Sellers sit below
catalog and cannot ask, so `register_seller_lookups()` (called when the app is built) hands
the counter down to `market.sellers.staff_queries`."""
from sqlalchemy import func, select

from market.catalog.models import Product, ProductStatus
from market.extensions import db
from market.sellers import staff_queries


def products_on_sale(seller_id: int) -> int:
    """The seller's products listed as on sale (shown in the shop while the seller is approved)."""
    query = select(func.count()).where(Product.seller_id == seller_id, Product.status == ProductStatus.ACTIVE)
    return db.session.scalar(query)


def register_seller_lookups() -> None:
    """Let a decision on a seller say how many products it moves (called by the app factory)."""
    staff_queries.use_product_counter(products_on_sale)
