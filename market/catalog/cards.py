"""Product cards: what a listing shows of a product, read in one statement, rendered once.

A listing page used to load whole products through the ORM (every column, the seller's
26 columns, every photo) to show a name, a price and a thumbnail, then render each card
through a Jinja macro on every request: most of a page's time. Here a card is the dozen
values it shows, read by one plain SELECT, and its HTML is kept per worker, keyed by those
values and the language: a card whose product changed has another key, so the kept HTML
is never stale and nothing needs to be told about changes.
"""
from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app
from flask_babel import get_locale
from markupsafe import Markup
from sqlalchemy import Select, bindparam, case, func, select

from market.catalog.models import OcopStatus, Product, ProductImage
from market.core.paging import Page
from market.extensions import db
from market.sellers.models import Seller

# Distinct cards kept per worker (each a few hundred bytes of HTML); when full, the oldest
# half goes. A catalog of 10,000 products in two languages fits its busy part comfortably.
MAX_KEPT_CARDS = 8_192


@dataclass(frozen=True, slots=True)
class Card:
    """The values a product card shows (hashable: they are the key of its HTML)."""

    id: int
    slug: str
    name: str
    price_vnd: int
    compare_at_price_vnd: int | None
    unit: str
    photo: str | None  # the main photo's token
    seller_id: int
    seller_name: str
    ocop_stars: int | None  # only once staff verified the certificate
    stock: int

    @classmethod
    def of(cls, product: Product) -> "Card":
        """The card of a product already loaded (its photos and seller too)."""
        image = product.main_image
        return cls(product.id, product.slug, product.name, product.price_vnd, product.compare_at_price_vnd,
                   product.unit, image.token if image else None, product.seller_id, product.seller.name,
                   product.shown_ocop_stars, product.stock)


def _main_photo():
    """The token of a product's first photo (the one `Product.main_image` gives)."""
    return (
        select(ProductImage.token)
        .where(ProductImage.product_id == Product.id)
        .order_by(ProductImage.position, ProductImage.id)
        .limit(1)
        .correlate(Product)
        .scalar_subquery()
    )


def card_select() -> Select:
    """SELECT of every card column, products joined to their seller; add WHERE and ORDER BY."""
    shown_stars = case((Product.ocop_status == OcopStatus.VERIFIED, Product.ocop_stars), else_=None)
    return select(
        Product.id, Product.slug, Product.name, Product.price_vnd, Product.compare_at_price_vnd, Product.unit,
        _main_photo(), Product.seller_id, Seller.name, shown_stars, Product.stock,
    ).join(Seller, Seller.id == Product.seller_id)


def read_cards(query: Select, params: dict | None = None) -> list[Card]:
    """The cards a `card_select()` query finds, in its order."""
    return [Card(*row) for row in db.session.execute(query, params)]


@dataclass(frozen=True)
class CardList:
    """A paged list's statements, built once per process (building a statement and its
    cache key cost more than running it): one page of cards with the list's length beside
    each row, and the length alone (for a page asked past the end)."""

    count: Select
    page: Select


def card_list(conditions: Sequence, order_by: Sequence) -> CardList:
    """The statements of a paged card list: products meeting `conditions` (which may hold
    bind parameters), in `order_by` order; the page takes `limit` and `offset`."""
    return CardList(
        select(func.count(Product.id)).where(*conditions),
        card_select().add_columns(func.count().over().label("total")).where(*conditions).order_by(*order_by)
        .limit(bindparam("limit")).offset(bindparam("offset")),
    )


def card_page(statements: CardList, params: dict, page: int, per_page: int) -> Page:
    """Page `page` of a card list, its bind parameters in `params`, in one statement (the
    list's length comes with each row).

    A page past the end shows the last page, as `core.paging.paginate` does: that case
    alone counts first, then reads the last page.
    """
    rows = _page_rows(statements, params, page, per_page)
    if rows:
        return Page([Card(*row[:-1]) for row in rows], rows[0][-1], page, per_page)
    total = db.session.scalar(statements.count, params) if page > 1 else 0
    last = max(1, -(-total // per_page))
    rows = _page_rows(statements, params, last, per_page) if total else []
    return Page([Card(*row[:-1]) for row in rows], total, last, per_page)


def _page_rows(statements: CardList, params: dict, page: int, per_page: int) -> list:
    return db.session.execute(statements.page, {**params, "limit": per_page, "offset": (page - 1) * per_page}).all()


def card_html(item: "Card | Product", badges: dict) -> Markup:
    """Template global: the card's HTML (`<li>`), rendered once per worker for its values.

    `badges` maps seller id to the seller's programs (those with a `badge`).
    """
    card = item if isinstance(item, Card) else Card.of(item)
    programs = tuple(badges.get(card.seller_id, ()))  # programs.services.Badge: plain, hashable
    return kept_macro_html("product_cards", (card, programs), "catalog/_card.html", "card",
                           card, [program.badge for program in programs])


def kept_macro_html(store: str, key: tuple, template: str, macro: str, *args, limit: int = MAX_KEPT_CARDS) -> Markup:
    """The HTML of `macro` of `template` called with `args`, kept per worker under `key`
    (with the language) in the `store` of at most `limit` entries (as card_html keeps cards).

    `key` must hold every value the HTML depends on (the args themselves, or what they are
    made of): then a change has another key and kept HTML is never stale.
    """
    key = (get_locale(), *key)
    kept = current_app.extensions.setdefault(store, {})
    html = kept.get(key)
    if html is None:
        html = Markup(getattr(current_app.jinja_env.get_template(template).module, macro)(*args))
        if len(kept) >= limit:
            for old in list(kept)[: limit // 2]:
                kept.pop(old, None)  # another thread may have dropped it
        kept[key] = html
    return html
