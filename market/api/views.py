"""The public read-only catalog API (/api/v1): products, categories, sellers, OpenAPI document.

Only what the storefront shows is ever returned (products on sale of approved sellers).
Every error under /api/ is problem details (RFC 9457, `application/problem+json`); the
storefront keeps its HTML error pages everywhere else.
"""
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache

from flask import current_app, jsonify, request
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError, NotFound
from werkzeug.http import HTTP_STATUS_CODES

from market.api import bp, openapi
from market.catalog import services as catalog_services
from market.catalog.cards import Card, card_select
from market.catalog.category_nodes import categories_by_id
from market.catalog.models import Category, Product
from market.catalog.queries import visible_products
from market.core import uploads
from market.core.errors import render_error
from market.core.i18n import localised
from market.core.urls import public_url, public_url_builder
from market.extensions import db, limiter
from market.geo.provinces import get_by_code
from market.programs.services import badges_of
from market.search import services as search_services
from market.sellers.models import Seller
from market.sellers.services import public_seller

API_PATH_PREFIX = "/api/"
DEFAULT_RATE_LIMIT = "120 per minute"
CACHE_CONTROL = "public, max-age=60"
_DIGITS = re.compile(r"-?[0-9]+")


def _rate_limit() -> str:
    return current_app.config.get("API_RATE_LIMIT") or DEFAULT_RATE_LIMIT


# One budget per client address for the whole API, whatever the endpoint.
limiter.shared_limit(_rate_limit, scope="api")(bp)


# --- endpoints ---------------------------------------------------------------------------------

@bp.get("/products")
def products():
    """Search, filter and page products on sale: the search page's parameters, as JSON."""
    # no highlighted names: the API gives plain ones
    search = replace(search_services.request_from_args(_checked_query(openapi.SEARCH_PARAMETERS)), highlight=False)
    result, found = search_services.search_products(search, read=_visible_listed)
    categories, url = categories_by_id(), public_url_builder()
    body = {
        "items": [_product_summary(found[hit.product_id], categories, url) for hit in result.hits],
        "total": result.total,
        "page": result.page,
        "pages": result.pages,
        "facets": {name: dict(result.facets.get(name) or {}) for name in openapi.FACETS},
    }
    return _public(jsonify(body))


@bp.get("/products/<int:product_id>")
def product(product_id: int):
    item = _visible_product(product_id)
    if item is None:
        raise NotFound(f"No product on sale has the id {product_id}.")
    body = _product_summary(_Listed.of(item), {item.category.id: item.category}, public_url)
    programs = badges_of([item.seller_id]).get(item.seller_id, [])
    body.update(
        description=item.description or "",
        unit=item.unit,
        compare_at_price_vnd=item.compare_at_price_vnd,
        weight_grams=item.weight_grams or 0,
        images=[
            {
                "url": _photo_url(image.token, "large"),
                "thumbnail_url": _photo_url(image.token, "thumb"),
                "width": image.width,
                "height": image.height,
            }
            for image in item.images
        ],
        seller={
            "slug": item.seller.slug,
            "name": item.seller.name,
            "url": public_url("catalog.seller_page", slug=item.seller.slug),
            "programs": [_program(program) for program in programs],
        },
    )
    return _public(jsonify(body))


@bp.get("/categories")
def categories():
    def node(category: Category) -> dict:
        return {
            "id": category.id,
            "slug": category.slug,
            "name": category.name,
            "url": public_url("catalog.category", slug=category.slug),
        }

    tree = catalog_services.category_tree()
    return _public(jsonify({"items": [{**node(top), "children": [node(c) for c in top.children]} for top in tree]}))


@bp.get("/sellers/<slug>")
def seller(slug: str):
    found = public_seller(slug)
    if found is None:
        raise NotFound("No public seller has this slug.")
    programs = badges_of([found.id]).get(found.id, [])
    count = db.session.scalar(
        select(func.count()).select_from(Product).where(Product.visible(), Product.seller_id == found.id)
    )
    body = {
        "slug": found.slug,
        "name": found.name,
        "url": public_url("catalog.seller_page", slug=found.slug),
        "legal_form": found.legal_form,
        "province": _province(found.province_code),
        "story": found.story or "",
        "logo": public_url("sellers.logo", name=found.logo_name) if found.logo_name else None,
        "verified": True,  # public means approved: vetted by the Women's Union
        "women_led": bool(found.women_led),
        "programs": [_program(program) for program in programs],
        "products_count": count or 0,
    }
    return _public(jsonify(body))


@bp.get("/openapi.json")
def openapi_document():
    return _public(jsonify(openapi.DOCUMENT), localised_names=False)


# --- reading and shaping -----------------------------------------------------------------------

def _visible_product(product_id: int) -> Product | None:
    """A product on sale by id, with its photos, seller and category (None beyond the id range)."""
    if not 0 < product_id <= openapi.MAX_ID:
        return None
    query = (
        visible_products()
        .where(Product.id == product_id)
        .options(selectinload(Product.images), joinedload(Product.seller), joinedload(Product.category))
    )
    return db.session.scalar(query)


@dataclass(frozen=True, slots=True)
class _Listed(Card):
    """A product's card and what the API tells of it besides."""

    category_id: int
    province_code: str
    seller_slug: str

    @classmethod
    def of(cls, product: Product) -> "_Listed":
        """Of a product already loaded (its photos and seller too)."""
        card = Card.of(product)
        return cls(*(getattr(card, name) for name in Card.__slots__), product.category_id,
                   product.origin_province_code, product.seller.slug)


@cache
def _listed_query() -> Select:
    return search_services.visible_among(
        card_select().add_columns(Product.category_id, Product.origin_province_code, Seller.slug))


def _visible_listed(ids: list[int]) -> dict[int, _Listed]:
    """Of those of these products still visible, by id: one SELECT of the card's columns and three more."""
    if not ids:
        return {}
    return {row[0]: _Listed(*row) for row in search_services.read_rows(_listed_query(), ids)}


def _product_summary(item: _Listed, categories: dict, url: Callable[..., str]) -> dict:
    """`categories` by id (each with its id, slug and name); `url` builds public URLs."""
    # a category made since this worker kept the tree (core/kept_data.py) is read anew
    category = categories.get(item.category_id) or db.session.get(Category, item.category_id)
    return {
        "id": item.id,
        "name": item.name,
        "slug": item.slug,
        "url": url("catalog.product", slug=item.slug),
        "price_vnd": item.price_vnd,
        "stock": item.stock,
        "image": url("catalog.photo", name=uploads.variant_name(item.photo, "large")) if item.photo else None,
        "category": {"id": category.id, "slug": category.slug, "name": category.name},
        "province": _province(item.province_code),
        "ocop_stars": item.ocop_stars,
        "seller": {"slug": item.seller_slug, "name": item.seller_name},
    }


def _photo_url(token: str, variant: str) -> str:
    return public_url("catalog.photo", name=uploads.variant_name(token, variant))


def _province(code: str) -> dict:
    province = get_by_code(code)
    if province is None:  # the column holds a checked code; never guess a name
        return {"code": code, "name": code}
    return {"code": province.code, "name": localised(province.name, province.name_en)}


def _program(program) -> dict:
    return {
        "slug": program.slug,
        "name": program.name,
        "badge": program.badge,
        "url": public_url("programs.detail", slug=program.slug),
    }


def _public(response, localised_names: bool = True):
    """Catalog answers may be cached by anyone for a minute; names follow Accept-Language."""
    response.headers["Cache-Control"] = CACHE_CONTROL
    if localised_names:
        response.vary.add("Accept-Language")
    return response


# --- query parameters --------------------------------------------------------------------------

class InvalidParameters(BadRequest):
    """Query parameters that do not fit the document's schemas; `invalid` lists them."""

    def __init__(self, invalid: list[dict[str, str]]):
        names = ", ".join(f"`{entry['name']}`" for entry in invalid)
        super().__init__(f"Invalid query parameter: {names}.")
        self.invalid = invalid


def _checked_query(parameters: list[dict]) -> dict[str, str]:
    """The values of `parameters` in the query, normalised (0042 -> 42); absent ones are left
    out. Raises InvalidParameters naming every value that does not fit its schema."""
    values, invalid = {}, []
    for parameter in parameters:
        raw = request.args.get(parameter["name"])
        if raw is None:
            continue
        value, reason = _fit(raw, parameter["schema"])
        if reason:
            invalid.append({"name": parameter["name"], "reason": reason})
        else:
            values[parameter["name"]] = str(value)
    if invalid:
        raise InvalidParameters(invalid)
    return values


def _fit(raw: str, schema: dict) -> tuple[object, str | None]:
    """`raw` read as the JSON Schema `schema` (the keywords our parameters use) says."""
    value: object = raw
    if schema["type"] == "integer":
        if not _DIGITS.fullmatch(raw):
            return None, "must be an integer"
        value = int(raw) if len(raw) <= 20 else (-1 if raw.startswith("-") else 1) * 10**20
    if "enum" in schema and value not in schema["enum"]:
        return None, "must be one of " + ", ".join(str(choice) for choice in schema["enum"])
    low, high = schema.get("minimum"), schema.get("maximum")
    if (low is not None and value < low) or (high is not None and value > high):
        return None, f"must be from {low} to {high}"
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        return None, f"must be at most {schema['maxLength']} characters"
    return value, None


# --- errors as problem details -----------------------------------------------------------------

def _problem(status: int, detail: str, headers=None, **members):
    body = {"type": "about:blank", "title": HTTP_STATUS_CODES.get(status, "Error"), "status": status,
            "detail": detail, **members}
    response = jsonify(body)
    response.status_code = status
    response.mimetype = openapi.PROBLEM_TYPE
    for name, value in headers or ():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _api_problem(error: HTTPException):
    status = error.code or 500
    members = {}
    if isinstance(error, InvalidParameters):
        members["invalid-params"] = error.invalid
    detail = error.description or ""
    if status == 429:
        detail = f"Too many requests: at most {error.description}. Try again later."
    return _problem(status, detail, error.get_headers(), **members)


@bp.errorhandler(HTTPException)
def _handle_api_error(error: HTTPException):
    """Errors raised while serving an API endpoint (404, 400, 429...)."""
    return _api_problem(error)


@bp.errorhandler(InternalServerError)
def _handle_api_server_error(error: InternalServerError):
    # A failed transaction must not leak into later queries.
    db.session.rollback()
    return _problem(500, "An error occurred on our side. Please try again in a moment.")


@bp.app_errorhandler(404)
@bp.app_errorhandler(405)
def _handle_routing_error(error: HTTPException):
    """Every 404 and 405 of the site comes here (a handler for the code wins over a general one,
    and an unknown URL or method is found before any blueprint): problem details under /api/,
    the storefront's HTML error page (as market.core.errors renders it) everywhere else."""
    if request.path.startswith(API_PATH_PREFIX):
        return _api_problem(error)
    body, status = render_error(error.code)
    if error.code == 405 and getattr(error, "valid_methods", None):
        return body, status, {"Allow": ", ".join(error.valid_methods)}
    return body, status
