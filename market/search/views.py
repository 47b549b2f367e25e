"""The search page and the as-you-type suggestions."""
from flask import jsonify, render_template, request, url_for
from flask_babel import get_locale
from werkzeug.datastructures import MultiDict

from market.catalog import services as catalog_services
from market.catalog.queries import seller_badges
from market.programs.services import all_programs
from market.search import bp, services
from market.search.backend import PRICE_BANDS

FILTERS = ("category", "province", "program", "ocop", "price", "in_stock")


def _url_with(args: MultiDict, **changes) -> str:
    """This search's URL with some arguments changed (None removes one); back to page 1."""
    params = {key: value for key, value in args.items() if key in FILTERS + ("q", "sort") and value}
    params.pop("page", None)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return url_for("search.results", **params)


@bp.route("/search")
def results():
    search = services.request_from_args(request.args)
    locale = get_locale()
    result, products = services.search_products(search, language=locale.language if locale else "vi")
    categories = {c.id: c for top in catalog_services.category_tree() for c in (top, *top.children)}
    return render_template(
        "search/results.html",
        search=search,
        result=result,
        products=products,
        badges=seller_badges(list(products.values())),
        categories=categories,
        programs={program.id: program for program in all_programs()},
        price_bands={key: (low, high) for key, low, high in PRICE_BANDS},
        url_with=lambda **changes: _url_with(request.args, **changes),
        filters=FILTERS,
        active=_active_filters(search),
    )


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
