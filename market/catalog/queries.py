"""Storefront reads: what shoppers see, each page in a bounded number of queries."""
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from market.catalog.cards import Card, card_page, card_select, read_cards
from market.catalog.models import Category, Product
from market.core.paging import Page
from market.extensions import db
from market.programs.models import Enrolment, Program
from market.programs.services import badges_of

SORTS = {
    "newest": (Product.published_at.desc(), Product.id.desc()),
    "price_asc": (Product.price_vnd.asc(), Product.id.desc()),
    "price_desc": (Product.price_vnd.desc(), Product.id.desc()),
}
PER_PAGE = 24


def visible_products():
    return select(Product).where(Product.visible())


# A home-page row shows at most this many products of one seller, so that one busy
# cooperative does not fill the row; candidates are read this many times the row's length.
PER_SELLER_IN_ROW = 2
_CANDIDATES_PER_SLOT = 4


def at_most_per_seller(products: list[Product], limit: int, per_seller: int = PER_SELLER_IN_ROW) -> list[Product]:
    """The first `limit` of `products`, in order, keeping at most `per_seller` of any seller."""
    taken: dict[int, int] = {}
    row = []
    for product in products:
        if taken.get(product.seller_id, 0) < per_seller:
            taken[product.seller_id] = taken.get(product.seller_id, 0) + 1
            row.append(product)
            if len(row) == limit:
                break
    return row


def new_arrivals(limit: int = 12) -> list[Card]:
    """The newest products on sale, at most two of one seller."""
    query = card_select().where(Product.visible()).order_by(*SORTS["newest"]).limit(limit * _CANDIDATES_PER_SLOT)
    return at_most_per_seller(read_cards(query), limit)


def featured_products(limit: int = 8) -> list[Card]:
    """Products of sellers enrolled in featured programs, newest first, at most two of one seller."""
    featured_sellers = (
        select(Enrolment.seller_id)
        .join(Program, Program.id == Enrolment.program_id)
        .where(Program.featured.is_(True), Enrolment.status == "approved")
    )
    query = (card_select().where(Product.visible(), Product.seller_id.in_(featured_sellers))
             .order_by(*SORTS["newest"]).limit(limit * _CANDIDATES_PER_SLOT))
    return at_most_per_seller(read_cards(query), limit)


def category_products(category, sort: str, page: int) -> Page:
    """A category's visible products (cards), its sub-categories' included."""
    ids = [category.id] + [child.id for child in category.children]
    conditions = (Product.visible(), Product.category_id.in_(ids))
    return card_page(conditions, SORTS.get(sort, SORTS["newest"]), page, PER_PAGE)


def seller_products_page(seller_id: int, page: int, sort: str = "newest") -> Page:
    """A seller's visible products (cards)."""
    conditions = (Product.visible(), Product.seller_id == seller_id)
    return card_page(conditions, SORTS.get(sort, SORTS["newest"]), page, PER_PAGE)


def visible_product(slug: str) -> Product | None:
    """A product shown to shoppers (404 otherwise), with its photos, seller and category."""
    query = (
        visible_products()
        .where(Product.slug == slug)
        .options(selectinload(Product.images), joinedload(Product.seller), joinedload(Product.category).joinedload(Category.parent))
    )
    return db.session.scalar(query)


def more_from_seller(product: Product, limit: int = 6) -> list[Card]:
    """The seller's other visible products, newest first (cards)."""
    query = card_select().where(Product.visible(), Product.seller_id == product.seller_id, Product.id != product.id)
    return read_cards(query.order_by(*SORTS["newest"]).limit(limit))


def seller_badges(products) -> dict[int, list[Program]]:
    """Program badges of the sellers of a list of products, in one query."""
    return badges_of(sorted({product.seller_id for product in products}))


def sitemap_entries():
    """(kind, slug, last change) of everything public, for sitemap.xml."""
    products = db.session.execute(select(Product.slug, Product.updated_at).where(Product.visible()))
    categories = db.session.scalars(select(Category.slug))
    return products, categories
