"""Storefront reads: what shoppers see, each page in a bounded number of queries."""
from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload

from market.catalog.cards import Card, CardList, card_list, card_page, card_select, read_cards
from market.catalog.models import Category, Product
from market.core.kept_data import kept
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


# Statements are built once per process (functools.cache): building a statement and its
# cache key took longer than running it.
@cache
def _newest_cards(featured_only: bool, candidates: int) -> Select:
    conditions = [Product.visible()]
    if featured_only:
        featured_sellers = (
            select(Enrolment.seller_id)
            .join(Program, Program.id == Enrolment.program_id)
            .where(Program.featured.is_(True), Enrolment.status == "approved")
        )
        conditions.append(Product.seller_id.in_(featured_sellers))
    return card_select().where(*conditions).order_by(*SORTS["newest"]).limit(candidates)


# The home page's rows are the same for everyone and read on every visit: kept per worker
# (core/kept_data.py), dropped when this worker changes a product, a photo, a seller or an
# enrolment, and read again after at most this many seconds (another worker's sale shows then).
HOME_ROWS_SECONDS = 15
_HOME_ROW_TABLES = ("products", "product_images", "sellers", "enrolments", "programs")


def new_arrivals(limit: int = 12) -> list[Card]:
    """The newest products on sale, at most two of one seller."""
    return kept(f"new_arrivals:{limit}", _HOME_ROW_TABLES, at_most=HOME_ROWS_SECONDS, build=lambda: at_most_per_seller(
        read_cards(_newest_cards(False, limit * _CANDIDATES_PER_SLOT)), limit))


def featured_products(limit: int = 8) -> list[Card]:
    """Products of sellers enrolled in featured programs, newest first, at most two of one seller."""
    return kept(f"featured:{limit}", _HOME_ROW_TABLES, at_most=HOME_ROWS_SECONDS, build=lambda: at_most_per_seller(
        read_cards(_newest_cards(True, limit * _CANDIDATES_PER_SLOT)), limit))


@cache
def _category_list(sort: str) -> CardList:
    return card_list((Product.visible(), Product.category_id.in_(bindparam("category_ids", expanding=True))),
                     SORTS[sort])


def category_products(category, sort: str, page: int) -> Page:
    """A category's visible products (cards), its sub-categories' included."""
    ids = [category.id] + [child.id for child in category.children]
    return card_page(_category_list(sort if sort in SORTS else "newest"), {"category_ids": ids}, page, PER_PAGE)


@cache
def _seller_list(sort: str) -> CardList:
    return card_list((Product.visible(), Product.seller_id == bindparam("seller_id")), SORTS[sort])


def seller_products_page(seller_id: int, page: int, sort: str = "newest") -> Page:
    """A seller's visible products (cards)."""
    return card_page(_seller_list(sort if sort in SORTS else "newest"), {"seller_id": seller_id}, page, PER_PAGE)


@cache
def _visible_product_by_slug() -> Select:
    # One statement with its seller; the category comes from the kept tree (category_nodes).
    # The photos are not joined: the page's parts that show them are kept per worker
    # (product.html), so they are read, one more statement, only when one is rendered again.
    # Built once per process.
    return visible_products().where(Product.slug == bindparam("slug")).options(joinedload(Product.seller))


def visible_product(slug: str) -> Product | None:
    """A product shown to shoppers (404 otherwise), with its seller; its photos load when asked for."""
    return db.session.scalars(_visible_product_by_slug(), {"slug": slug}).first()


@cache
def _more_from_seller(limit: int) -> Select:
    others = (Product.visible(), Product.seller_id == bindparam("seller_id"), Product.id != bindparam("product_id"))
    return card_select().where(*others).order_by(*SORTS["newest"]).limit(limit)


def more_from_seller(product, limit: int = 6) -> list[Card]:
    """The seller's other visible products, newest first (cards)."""
    return read_cards(_more_from_seller(limit), {"seller_id": product.seller_id, "product_id": product.id})


def seller_badges(products) -> dict[int, list[Program]]:
    """Program badges of the sellers of a list of products, in one query."""
    return badges_of(sorted({product.seller_id for product in products}))


def sitemap_entries():
    """(kind, slug, last change) of everything public, for sitemap.xml."""
    products = db.session.execute(select(Product.slug, Product.updated_at).where(Product.visible()))
    categories = db.session.scalars(select(Category.slug))
    return products, categories
