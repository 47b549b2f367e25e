"""Search for the storefront: parse what the shopper asked, ask the engine, load the rows."""
import re
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from typing import Protocol

import click
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from market.catalog.cards import Card, card_select
from market.catalog.models import Category, Product
from market.core.numbers import int_arg
from market.extensions import db
from market.search.backend import MAX_QUERY_LENGTH, PRICE_BANDS, SORTS, SearchRequest, SearchResult, get_backend
from market.search.documents import all_documents
from market.search.matching import query_words, spread_sellers, telex_query

PER_PAGE = 24
_PROVINCE_CODE = re.compile(r"[0-9]{2}")  # a code, not a number: "01" is Hà Nội


class Listed(Protocol):
    """What search_products needs of a hit's product (a Card has it)."""

    seller_id: int
    stock: int


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


def search_products(request: SearchRequest, language: str = "vi",
                    read: Callable[[list[int]], dict[int, Listed]] | None = None) -> tuple[SearchResult, dict]:
    """The engine's result and what `read(ids)` gives of those of the hits' products still
    visible, by id: their cards (`visible_cards`) unless told otherwise; it must have their
    `seller_id` and `stock`.

    When the text finds nothing, the road goes on (`_relaxed`): Telex converted, an English
    category name (for `language` "en"), then fewer words; the result says which. A
    relevance page spreads the sellers of equal hits. A hit whose product stopped being
    visible since it was indexed is left out.
    """
    result = get_backend().search(request)
    if result.total == 0 and query_words(request.text):
        result = _relaxed(request, result, language)
    found = (read or visible_cards)([hit.product_id for hit in result.hits])
    result.hits = [hit for hit in result.hits if hit.product_id in found]
    if request.sort == "relevance" and request.text:
        result.hits = spread_sellers(result.hits, {i: p.seller_id for i, p in found.items()},
                                     {i: p.stock > 0 for i, p in found.items()})
    return result, found


def visible_among(query: Select) -> Select:
    """`query` (of products) narrowed to the visible ones among the `ids` bound when it runs
    (`{"ids": [...]}`): a statement built once per process, not per page."""
    return query.where(Product.id.in_(bindparam("ids", expanding=True)), Product.visible())


@cache
def _visible_cards_query() -> Select:
    return visible_among(card_select())


def visible_cards(ids: list[int]) -> dict[int, Card]:
    """The cards of those of these products still visible, by id."""
    if not ids:
        return {}
    return {row[0]: Card(*row) for row in read_rows(_visible_cards_query(), ids)}


def read_rows(query: Select, ids: list[int]):
    """The rows of a `visible_among` query for these ids, through the session's connection
    (its transaction): plain rows, without the ORM's per-statement set-up for entities."""
    return db.session.connection().execute(query, {"ids": ids})


# Longer queries are cut to their first words before dropping any: a query that finds
# nothing costs at most 1 + 1 + 4 + 3 engine searches (Telex, category, each word alone,
# dropping), whatever a visitor types.
MAX_RELAXED_WORDS = 4


def _relaxed(request: SearchRequest, nothing: SearchResult, language: str) -> SearchResult:
    """Something near a text that found nothing, keeping "did you mean": the text with its
    Telex letters converted, else (English) a category named by some words, else the
    words that find the most when the words finding least are dropped one by one."""
    backend = get_backend()

    def attempt(how: str, text: str, dropped=(), **changes) -> SearchResult | None:
        result = backend.search(replace(request, text=text, **changes))
        if not result.total:
            return None
        result.relaxed, result.searched_text, result.dropped_words = how, text, tuple(dropped)
        result.suggestion = nothing.suggestion
        return result

    converted = telex_query(request.text)
    if converted and (found := attempt("telex", converted)):
        return found
    if language == "en" and (found := _english_category(request, attempt)):
        return found
    typed = query_words(request.text)
    words, cut = typed[:MAX_RELAXED_WORDS], typed[MAX_RELAXED_WORDS:]
    if len(words) < 2:
        return nothing
    # the rarest words (fewest products alone, under the same filters) go first
    found = {w: backend.search(replace(request, text=w, page=1, per_page=1)).total for w in words}
    dropped: list[str] = []
    for word in sorted(words, key=lambda w: (found[w], -words.index(w)))[:-1]:
        dropped.append(word)
        kept = " ".join(w for w in words if w not in dropped)
        if (result := attempt("fewer_words", kept, [w for w in typed if w in dropped or w in cut])):  # as typed
            return result
    return nothing


def _english_category(request: SearchRequest, attempt) -> SearchResult | None:
    """Products of the category whose English name has the most of the words typed
    ("honey", "fish sauce", "soap"), searched with its Vietnamese name and the other words."""
    words = query_words(request.text)
    best = None
    for category in db.session.scalars(select(Category).order_by(Category.parent_id.is_(None), Category.position)):
        name_words = set(query_words(category.name_en))
        named = [w for w in words if w in name_words]
        if named and (best is None or len(named) > len(best[1])):
            best = (category, named)
    if best is None or request.category_id is not None:
        return None
    category, named = best
    rest = " ".join(w for w in words if w not in named)
    # ranked as the Vietnamese name would be ("honey" is "mật ong"), else the category's newest
    return (attempt("category", f"{rest} {category.name_vi}".strip(), category_id=category.id)
            or (rest and attempt("category", rest, category_id=category.id))
            or attempt("category", "", category_id=category.id))


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
