"""The search page and the as-you-type suggestions."""
from collections.abc import Callable
from functools import lru_cache
from operator import itemgetter
from urllib.parse import quote_plus

from flask import current_app, jsonify, render_template, request, url_for
from flask_babel import get_locale, gettext
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from market.catalog.cards import Card, kept_macro_html
from market.catalog.category_nodes import categories_by_id
from market.core.i18n import format_money
from market.programs.services import badges_of, programs_by_id
from market.search import bp, services
from market.search.backend import PRICE_BANDS, Hit, SearchResult

FILTERS = ("category", "province", "program", "ocop", "price", "in_stock")
# The characters url_for (werkzeug's query encoding) leaves as they are.
_QUERY_SAFE = "!$'()*,/:;?@"


def _url_maker(args: MultiDict) -> Callable[..., str]:
    """`url_with(**changes)`: this search's URL with some arguments changed (None removes
    one); back to page 1. What url_for would build (urlencode's pairs, in the same order),
    with the path found and the arguments kept encoded once per page (a page has a hundred
    such links)."""
    path = url_for("search.results")
    kept = {key: _pair(key, value) for key, value in args.items() if key in FILTERS + ("q", "sort") and value}

    def url_with(**changes) -> str:
        pairs = dict(kept)
        for key, value in changes.items():
            if value is None:
                pairs.pop(key, None)
            else:
                pairs[key] = _pair(key, value)
        return f"{path}?{'&'.join(pairs.values())}" if pairs else path

    return url_with


def _pair(key: str, value) -> str:
    return _encoded_pair(key, str(value))


@lru_cache(maxsize=4096)  # facet values repeat on every page: province codes, category ids, bands
def _encoded_pair(key: str, value: str) -> str:
    return f"{quote_plus(key, safe=_QUERY_SAFE)}={quote_plus(value, safe=_QUERY_SAFE)}"


# Hit cards kept per worker (each ~1 kB with its key's texts): fewer than product cards, as
# every query highlights other words.
KEPT_HITS = 4096


def _facet_labels(result: SearchResult, active: dict[str, str]) -> dict[str, dict[str, str]]:
    """What each facet's values and each filter in force are called, by facet and value
    (each named once per page, though a page shows most of them twice or three times)."""
    categories, programs = categories_by_id(), programs_by_id()
    province_name = current_app.jinja_env.filters["province_name"]
    bands = {key: (low, high) for key, low, high in PRICE_BANDS}

    def label(name: str, value: str) -> str:
        known = int(value) if value.isdigit() else None
        if name == "category":
            return categories[known].name if known in categories else value
        if name == "program":
            return programs[known].badge if known in programs else value
        if name == "province":
            return province_name(value)
        if name == "ocop":
            return f"OCOP {value} ★"
        if name == "price":
            low, high = bands.get(value, (None, None))
            return f"{format_money(low)} – {format_money(high) if high else ''}" if value in bands else ""
        return gettext("In stock only")  # in_stock

    values = {name: set(counts) for name, counts in result.facets.items()}
    for name, value in active.items():
        values.setdefault(name, set()).add(value)
    return {name: {value: label(name, value) for value in found} for name, found in values.items()}


def hit_html(hit: Hit, card: Card, badges: dict) -> Markup:
    """A hit's card (`<li>`, its name and description highlighted), rendered once per worker
    for its values (see catalog/cards.py's kept_macro_html)."""
    programs = tuple(badges.get(card.seller_id, ()))  # programs.services.Badge: plain, hashable
    return kept_macro_html("search_hit_cards", (card, hit.name, hit.description, programs), "search/_hit.html",
                     "hit_card", card, hit.name, hit.description, programs, limit=KEPT_HITS)


@bp.route("/search")
def results():
    search = services.request_from_args(request.args)
    locale = get_locale()
    result, cards = services.search_products(search, language=locale.language if locale else "vi")
    active = _active_filters(search)
    return render_template(
        "search/results.html",
        search=search,
        result=result,
        cards=cards,
        hit_html=hit_html,
        badges=badges_of(sorted({card.seller_id for card in cards.values()})),
        url_with=_url_maker(request.args),
        filters=FILTERS,
        active=active,
        facet_labels=_facet_labels(result, active),
        by_count=_by_count,
    )


def _by_count(counts: dict) -> list[tuple[str, int]]:
    """A facet's (value, count) pairs, most products first (ties in the engine's order).
    Jinja's sort(attribute=...) looked each count up through the environment: a tenth of the page."""
    return sorted(counts.items(), key=itemgetter(1), reverse=True)


def _active_filters(search) -> dict[str, str]:
    """The filters in force, as parsed (a malformed argument is simply not in force)."""
    values = {
        "category": search.category_id,
        "province": search.province_code,
        "program": search.program_id,
        "ocop": search.ocop_stars,
        "price": search.price_band,
        "in_stock": "1" if search.in_stock_only else None,
    }
    return {name: str(value) for name, value in values.items() if value is not None}


@bp.route("/search/suggest")
def suggest():
    """JSON list of product names for the header's search box."""
    names = services.suggest(request.args.get("q", ""))
    response = jsonify({"q": request.args.get("q", "")[:200], "suggestions": names})
    response.headers["Cache-Control"] = "public, max-age=60"
    return response
