"""Search for the storefront: parse what the shopper asked, ask the engine, load the rows."""
import re

import click
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from market.catalog.models import Product
from market.core.numbers import int_arg
from market.extensions import db
from market.search.backend import MAX_QUERY_LENGTH, PRICE_BANDS, SORTS, SearchRequest, SearchResult, get_backend
from market.search.documents import all_documents

PER_PAGE = 24
_PROVINCE_CODE = re.compile(r"[0-9]{2}")  # a code, not a number: "01" is Hà Nội


def request_from_args(args) -> SearchRequest:
    """A SearchRequest from query-string arguments; anything malformed is ignored, never an error."""

    def number(name: str, low: int = 1, high: int = 10**9) -> int | None:
        return int_arg(name, minimum=low, maximum=high, args=args)

    text = (args.get("q") or "").replace("\x00", " ")[:MAX_QUERY_LENGTH]
    province = args.get("province") or ""
    band = args.get("price") or None
    sort = args.get("sort") or "relevance"
    return SearchRequest(
        text=text.strip(),
        category_id=number("category"),
        province_code=province if _PROVINCE_CODE.fullmatch(province) else None,
        program_id=number("program"),
        ocop_stars=number("ocop", 3, 5),
        price_band=band if band in {key for key, _low, _high in PRICE_BANDS} else None,
        in_stock_only=args.get("in_stock") == "1",
        sort=sort if sort in SORTS else "relevance",
        page=number("page", 1, 10_000) or 1,
        per_page=PER_PAGE,
    )


def search_products(request: SearchRequest) -> tuple[SearchResult, dict[int, Product]]:
    """The engine's result and the hits' products (photo and seller loaded) by id.

    A hit whose product stopped being visible since it was indexed is left out.
    """
    result = get_backend().search(request)
    ids = [hit.product_id for hit in result.hits]
    products = {}
    if ids:
        query = (
            select(Product)
            .where(Product.id.in_(ids), Product.visible())
            .options(selectinload(Product.images), joinedload(Product.seller))
        )
        products = {product.id: product for product in db.session.scalars(query).unique()}
    result.hits = [hit for hit in result.hits if hit.product_id in products]
    return result, products


def suggest(text: str) -> list[str]:
    """Product names for the as-you-type box."""
    text = (text or "").replace("\x00", " ").strip()[:MAX_QUERY_LENGTH]
    return get_backend().suggest(text) if text else []


def reindex(show_progress: bool = False) -> int:
    """Rebuild the whole index from the database into a fresh one, swapped in atomically."""
    with Session(db.engine) as session:
        total = session.scalar(select(db.func.count()).select_from(Product)) or 0
        batches = all_documents(session)
        if not show_progress:
            return get_backend().rebuild(batches)
        with click.progressbar(length=total, label="Indexing products") as bar:
            return get_backend().rebuild(batches, progress=bar.update)
