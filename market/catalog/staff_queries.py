"""Staff reads on the catalog: the products list at /staff/products, one page at a time,
filtered by status, category, seller, province, OCOP check and name, and always held to the
staff member's scope (provincial staff see their province's sellers' products only, whatever
province they ask for).

Names are compared folded (`market.core.folding`): "mat ong" finds "Mật ong".
"""
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager, joinedload

from market.accounts.models import User
from market.catalog.models import Category, Product
from market.core.folding import contains_folded
from market.core.paging import Page, paginate
from market.extensions import db
from market.sellers.models import Seller

PAGE_SIZE = 40


@dataclass(frozen=True)
class ProductFilters:
    """What the list is narrowed to; empty values filter nothing."""

    status: str = ""
    category_id: int | None = None   # a top category takes its sub-categories along
    seller_id: int | None = None     # one seller (links from a seller's page or a row)
    seller: str = ""                 # part of the seller's name
    province: str = ""               # a province code: where the seller is
    ocop: str = ""                   # an OcopStatus
    name: str = ""                   # part of the product's name

    def __bool__(self) -> bool:
        return any(vars(self).values())


def _in_category(category_id: int):
    family = select(Category.id).where(or_(Category.id == category_id, Category.parent_id == category_id))
    return Product.category_id.in_(family)


def staff_product_page(staff: User, filters: ProductFilters, page: int) -> Page:
    """One page of the products `staff` may see that match `filters`, newest first, with
    their seller and category loaded (two queries: the count and the page)."""
    query = (
        select(Product).join(Product.seller)
        .where(Seller.in_staff_scope(staff))
        .options(contains_eager(Product.seller), joinedload(Product.category))
    )
    if filters.status:
        query = query.where(Product.status == filters.status)
    if filters.category_id is not None:
        query = query.where(_in_category(filters.category_id))
    if filters.seller_id is not None:
        query = query.where(Product.seller_id == filters.seller_id)
    if filters.seller:
        query = query.where(contains_folded(Seller.name, filters.seller))
    if filters.province:
        query = query.where(Seller.province_code == filters.province)
    if filters.ocop:
        query = query.where(Product.ocop_status == filters.ocop)
    if filters.name:
        query = query.where(contains_folded(Product.name, filters.name))
    return paginate(query.order_by(Product.id.desc()), page, PAGE_SIZE)


def seller_name(staff: User, seller_id: int) -> str | None:
    """The name of a seller `staff` may see (the list says whose products it shows), else None."""
    return db.session.scalar(select(Seller.name).where(Seller.id == seller_id, Seller.in_staff_scope(staff)))
