"""The OpenAPI 3.1 document of the catalog API, as Python data.

The enums come from the code they describe (sorts, price bands, provinces, units, legal
forms), and the views validate query parameters against `SEARCH_PARAMETERS` itself, so
what the document promises and what the endpoints accept cannot drift apart.
"""
from market.catalog.models import MAX_PRICE_VND, MAX_STOCK, UNITS
from market.geo.provinces import all_provinces
from market.search.backend import MAX_QUERY_LENGTH, PRICE_BANDS, SORTS
from market.sellers.models import LegalForm

# Largest id a path accepts (ids are 32-bit integer columns); larger ones are simply unknown.
MAX_ID = 2_147_483_647
# Largest category/program id a filter accepts (the search page's own bound).
MAX_FILTER_ID = 999_999_999
MAX_PAGE = 10_000
PROVINCE_CODES = sorted(province.code for province in all_provinces())
FACETS = ("category", "province", "program", "ocop", "price", "in_stock")

PROBLEM_TYPE = "application/problem+json"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _query(name: str, description: str, schema: dict) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


# The search page's parameters, plus `page`. Each is optional; a value that does not fit
# its schema answers 400 with the parameter named in `invalid-params`.
SEARCH_PARAMETERS = [
    _query("q", "Words to search for, in Vietnamese with or without accents (\"ao dai\" finds \"Áo dài\"). "
                "Every word must match.", {"type": "string", "maxLength": MAX_QUERY_LENGTH}),
    _query("category", "A category id (see /categories): the category and its sub-categories.",
           {"type": "integer", "minimum": 1, "maximum": MAX_FILTER_ID}),
    _query("province", "Official 2-digit code of the province the product comes from (2025 map, 34 units).",
           {"type": "string", "enum": PROVINCE_CODES}),
    _query("program", "A seller program id: only products of sellers enrolled in it.",
           {"type": "integer", "minimum": 1, "maximum": MAX_FILTER_ID}),
    _query("ocop", "Verified OCOP rating, in stars.", {"type": "integer", "enum": [3, 4, 5]}),
    _query("price", "Price band in đồng: lowest included, highest excluded.",
           {"type": "string", "enum": [key for key, _low, _high in PRICE_BANDS]}),
    _query("in_stock", "1: only products in stock; 0 (the default): every product.",
           {"type": "integer", "enum": [0, 1], "default": 0}),
    _query("sort", "Order of the results; `relevance` without `q` lists the newest first.",
           {"type": "string", "enum": list(SORTS), "default": "relevance"}),
    _query("page", "Page of 24 results.", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}),
]

_URI = {"type": "string", "format": "uri"}
_NAME = {"type": "string", "minLength": 1}
_SLUG = {"type": "string", "minLength": 1}
# What slugs look like (python-slugify over the folded name): for the path parameter.
SLUG_PATTERN = "^[a-z0-9]+(-[a-z0-9]+)*$"


def _object(properties: dict, description: str = "", optional: tuple[str, ...] = ()) -> dict:
    """A closed object: every property listed is present (unless optional), no other."""
    schema = {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


_PRODUCT_FIELDS = {
    "id": {"type": "integer", "minimum": 1},
    "name": _NAME,
    "slug": _SLUG,
    "url": {**_URI, "description": "The product's page on the storefront."},
    "price_vnd": {"type": "integer", "minimum": 1, "maximum": MAX_PRICE_VND, "description": "Price in đồng."},
    "stock": {"type": "integer", "minimum": 0, "maximum": MAX_STOCK},
    "image": {"type": ["string", "null"], "format": "uri",
              "description": "The main photo (large WebP variant), or null when there is none."},
    "category": _ref("CategoryRef"),
    "province": _ref("Province"),
    "ocop_stars": {"type": ["integer", "null"], "enum": [3, 4, 5, None],
                   "description": "OCOP rating verified by the union; null when none is verified."},
    "seller": _ref("SellerRef"),
}

_FACET_COUNTS = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}

SCHEMAS = {
    "Problem": _object(
        {
            "type": {"type": "string", "format": "uri-reference"},
            "title": {"type": "string"},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {"type": "string"},
            "invalid-params": {
                "type": "array",
                "items": _object({"name": {"type": "string"}, "reason": {"type": "string"}}),
                "description": "For 400: each query parameter that was refused, and why.",
            },
        },
        "Problem details (RFC 9457).",
        optional=("invalid-params",),
    ),
    "Province": _object({"code": {"type": "string", "enum": PROVINCE_CODES}, "name": _NAME}),
    "CategoryRef": _object({"id": {"type": "integer", "minimum": 1}, "slug": _SLUG, "name": _NAME}),
    "SellerRef": _object({"slug": _SLUG, "name": _NAME}),
    "ProgramBadge": _object(
        {"slug": _SLUG, "name": _NAME, "badge": _NAME, "url": _URI},
        "A seller program the seller is enrolled in, with the badge the storefront shows.",
    ),
    "Image": _object(
        {
            "url": {**_URI, "description": "Large WebP variant (longest side 1200 px at most)."},
            "thumbnail_url": {**_URI, "description": "Thumbnail WebP variant (longest side 400 px at most)."},
            "width": {"type": "integer", "minimum": 1},
            "height": {"type": "integer", "minimum": 1},
        }
    ),
    "ProductSummary": _object(_PRODUCT_FIELDS, "A product as listed."),
    "ProductDetail": _object(
        {
            **_PRODUCT_FIELDS,
            "description": {"type": "string"},
            # Not an enum: central staff add units at run time (/staff/units, catalog.units).
            "unit": {"type": "string", "maxLength": 20, "examples": list(UNITS),
                     "description": "The unit code: a built-in one (see examples) or one the union's staff added."},
            "compare_at_price_vnd": {"type": ["integer", "null"], "minimum": 2,
                                     "description": "Price before discount, in đồng, or null."},
            "weight_grams": {"type": "integer", "minimum": 0},
            "images": {"type": "array", "items": _ref("Image"), "description": "Every photo, the main one first."},
            "seller": _ref("SellerSummary"),
        },
        "A product with everything its page shows.",
    ),
    "SellerSummary": _object(
        {"slug": _SLUG, "name": _NAME, "url": _URI, "programs": {"type": "array", "items": _ref("ProgramBadge")}}
    ),
    "Facets": _object(
        {
            "category": {**_FACET_COUNTS, "propertyNames": {"pattern": "^[0-9]+$"},
                         "description": "Category id -> products (a parent counts its sub-categories')."},
            "province": {**_FACET_COUNTS, "propertyNames": {"enum": PROVINCE_CODES}},
            "program": {**_FACET_COUNTS, "propertyNames": {"pattern": "^[0-9]+$"}},
            "ocop": {**_FACET_COUNTS, "propertyNames": {"enum": ["3", "4", "5"]}},
            "price": {**_FACET_COUNTS, "propertyNames": {"enum": [key for key, _low, _high in PRICE_BANDS]}},
            "in_stock": {**_FACET_COUNTS, "propertyNames": {"enum": ["true"]}},
        },
        "For each filter, how many of the matching products each value would keep.",
    ),
    "ProductList": _object(
        {
            "items": {"type": "array", "items": _ref("ProductSummary"), "maxItems": 24},
            "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1},
            "pages": {"type": "integer", "minimum": 1},
            "facets": _ref("Facets"),
        }
    ),
    "Category": _object(
        {
            "id": {"type": "integer", "minimum": 1},
            "slug": _SLUG,
            "name": _NAME,
            "url": _URI,
            "children": {"type": "array", "items": _ref("SubCategory")},
        },
        "A top category and its sub-categories, in display order.",
    ),
    "SubCategory": _object(
        {"id": {"type": "integer", "minimum": 1}, "slug": _SLUG, "name": _NAME, "url": _URI}
    ),
    "CategoryList": _object({"items": {"type": "array", "items": _ref("Category")}}),
    "Seller": _object(
        {
            "slug": _SLUG,
            "name": _NAME,
            "url": {**_URI, "description": "The seller's page on the storefront."},
            "legal_form": {"type": "string", "enum": [form.value for form in LegalForm]},
            "province": _ref("Province"),
            "story": {"type": "string"},
            "logo": {"type": ["string", "null"], "format": "uri"},
            "verified": {"type": "boolean", "const": True,
                         "description": "Vetted by the Women's Union (true of every public seller)."},
            "women_led": {"type": "boolean"},
            "programs": {"type": "array", "items": _ref("ProgramBadge")},
            "products_count": {"type": "integer", "minimum": 0, "description": "Products on sale."},
        },
        "A public (approved) seller: a cooperative, cooperative group, household business or start-up.",
    ),
}


def _json(schema_name: str, description: str, cached: bool = False) -> dict:
    response = {"description": description, "content": {"application/json": {"schema": _ref(schema_name)}}}
    if cached:
        response["headers"] = {
            "Cache-Control": {"required": True, "schema": {"type": "string"},
                              "description": "public, max-age=60"},
        }
    return response


RESPONSES = {
    "BadRequest": {"description": "A query parameter does not fit its schema.",
                   "content": {PROBLEM_TYPE: {"schema": _ref("Problem")}}},
    "NotFound": {"description": "Nothing public by that identifier.",
                 "content": {PROBLEM_TYPE: {"schema": _ref("Problem")}}},
    "TooManyRequests": {
        "description": "Rate limit exceeded (per client address, for the whole API).",
        "headers": {"Retry-After": {"required": True, "schema": {"type": "integer", "minimum": 0},
                                    "description": "Seconds to wait."}},
        "content": {PROBLEM_TYPE: {"schema": _ref("Problem")}},
    },
    "ServerError": {"description": "An error on our side.", "content": {PROBLEM_TYPE: {"schema": _ref("Problem")}}},
}


def _errors(*names: str) -> dict:
    codes = {"BadRequest": "400", "NotFound": "404", "TooManyRequests": "429", "ServerError": "500"}
    return {codes[name]: {"$ref": f"#/components/responses/{name}"} for name in names}


DOCUMENT = {
    "openapi": "3.1.0",
    "info": {
        "title": "Women's cooperatives marketplace: catalog API",
        "version": "1.0.0",
        "summary": "Public, read-only: products on sale, categories and sellers.",
        "description": (
            "Only what the storefront shows is ever returned: products on sale of sellers approved by the "
            "Women's Union. Prices are integers in đồng. Names follow `Accept-Language` (vi or en). "
            "Errors are problem details (`application/problem+json`). Requests are rate-limited per client "
            "address across the whole API (429 with `Retry-After`)."
        ),
    },
    "servers": [{"url": "/api/v1"}],
    "paths": {
        "/products": {
            "get": {
                "operationId": "listProducts",
                "summary": "Search and filter products on sale",
                "parameters": SEARCH_PARAMETERS,
                "responses": {
                    "200": _json("ProductList", "A page of products and the facet counts.", cached=True),
                    **_errors("BadRequest", "TooManyRequests", "ServerError"),
                },
            }
        },
        "/products/{id}": {
            "get": {
                "operationId": "getProduct",
                "summary": "One product on sale",
                "parameters": [
                    {"name": "id", "in": "path", "required": True,
                     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}},
                ],
                "responses": {
                    "200": _json("ProductDetail", "The product.", cached=True),
                    **_errors("NotFound", "TooManyRequests", "ServerError"),
                },
            }
        },
        "/categories": {
            "get": {
                "operationId": "listCategories",
                "summary": "The category tree",
                "responses": {
                    "200": _json("CategoryList", "Top categories with their sub-categories.", cached=True),
                    **_errors("TooManyRequests", "ServerError"),
                },
            }
        },
        "/sellers/{slug}": {
            "get": {
                "operationId": "getSeller",
                "summary": "One public seller",
                "parameters": [
                    {"name": "slug", "in": "path", "required": True,
                     "schema": {"type": "string", "pattern": SLUG_PATTERN, "maxLength": 90}},
                ],
                "responses": {
                    "200": _json("Seller", "The seller.", cached=True),
                    **_errors("NotFound", "TooManyRequests", "ServerError"),
                },
            }
        },
    },
    "components": {"schemas": SCHEMAS, "responses": RESPONSES},
}
