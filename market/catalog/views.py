"""Storefront pages: home, categories, products, a seller's page, photos, sitemap and robots.txt."""
from flask import Response, abort, render_template, request

from market.catalog import bp, category_nodes, queries, services
from market.catalog.cards import card_html
from market.catalog.extras import extend_product_json_ld
from market.catalog.models import OCOP_STATUS_LABELS, PRODUCT_STATUS_LABELS
from market.catalog.units import UNIT_LABELS
from market.core import uploads
from market.core.page_cache import cached_for_visitors
from market.core.paging import page_number
from market.core.urls import public_url
from market.programs.services import all_programs, badges_of
from market.sellers.services import public_seller, public_sellers

YEAR = 365 * 24 * 3600
# The picture beside each top category on the home page (Lucide names, see core/icons.py);
# a category not listed here gets "package".
CATEGORY_ICONS = {
    "dac-san": "gift", "tra-ca-phe": "coffee", "gao-do-kho": "wheat", "nuoc-mam-gia-vi": "soup",
    "thu-cong-my-nghe": "amphora", "det-tho-cam": "spool", "ao-dai-thoi-trang": "shirt",
    "thao-duoc-my-pham": "leaf", "nha-vuon": "sprout", "nong-san-tuoi": "carrot",
}


@bp.record_once
def register_template_globals(state) -> None:
    """Labels of the catalog's coded values, for every template and macro."""
    state.app.jinja_env.globals.update(
        unit_labels=UNIT_LABELS,
        product_status_labels=PRODUCT_STATUS_LABELS,
        ocop_status_labels=OCOP_STATUS_LABELS,
        low_stock=state.app.config["LOW_STOCK_THRESHOLD"],
        category_icons=CATEGORY_ICONS,
        card_html=card_html,
    )



@bp.route("/")
@cached_for_visitors
def home():
    featured = queries.featured_products()
    arrivals = queries.new_arrivals()
    return render_template(
        "catalog/home.html",
        featured=featured,
        arrivals=arrivals,
        categories=category_nodes.category_tree(),
        badges=queries.seller_badges(featured + arrivals),
    )


@bp.route("/c/<slug>")
@cached_for_visitors
def category(slug: str):
    category = category_nodes.category_by_slug(slug)
    if category is None:
        abort(404)
    sort = request.args.get("sort", "newest")
    if sort not in queries.SORTS:
        sort = "newest"
    page = queries.category_products(category, sort, page_number())
    return render_template("catalog/category.html", category=category, page=page, sort=sort,
                           badges=queries.seller_badges(page.items))


@bp.route("/products/<slug>")
@cached_for_visitors
def product(slug: str):
    product = queries.visible_product(slug)
    if product is None:
        abort(404)
    more = queries.more_from_seller(product)
    # The JSON-LD is built only when the page's kept head is (re)rendered (product.html).
    return render_template("catalog/product.html", product=product, more=more, json_ld=lambda: _json_ld(product),
                           category=category_nodes.category_by_id(product.category_id),
                           badges=queries.seller_badges([product] + more))


@bp.route("/sellers/<slug>")
@cached_for_visitors
def seller_page(slug: str):
    """A cooperative's storefront: its story, its products and its program badges."""
    seller = public_seller(slug)
    if seller is None:
        abort(404)
    page = queries.seller_products_page(seller.id, page_number())
    badges = badges_of([seller.id])
    return render_template("catalog/seller.html", seller=seller, programs=badges.get(seller.id, []), page=page,
                           badges=badges)


def _json_ld(product) -> dict:
    """schema.org Product data for search engines (rendered with |tojson, so escaped)."""
    url = public_url("catalog.product", slug=product.slug)
    return extend_product_json_ld(product, {  # reviews adds aggregateRating and review (catalog.extras)
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product.name,
        "description": product.description,
        "image": [public_url("catalog.photo", name=f"{image.token}-large.webp") for image in product.images],
        "brand": {"@type": "Organization", "name": product.seller.name},
        "offers": {
            "@type": "Offer",
            "price": product.price_vnd,
            "priceCurrency": "VND",
            "availability": "https://schema.org/InStock" if product.stock > 0 else "https://schema.org/OutOfStock",
            "url": url,
        },
    })


@bp.route("/media/products/<name>")
def photo(name: str):
    """Photo variants: public, and cached for a year (names are never reused)."""
    response = uploads.send_stored(services.PHOTO_AREA, name, max_age=YEAR, public=True)
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    return response


@bp.route("/robots.txt")
def robots():
    lines = ["User-agent: *"]
    # "/sell/" and not "/sell": a rule is a prefix, and "/sell" would hide /sellers/<slug> too.
    # /sell itself is the public page for would-be sellers; the seller area is under /sell/.
    lines += [f"Disallow: {path}" for path in ("/account/", "/sell/", "/staff/", "/cart", "/checkout", "/orders/", "/lang/")]
    lines.append(f"Sitemap: {public_url('catalog.sitemap')}")
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


@bp.route("/sitemap.xml")
def sitemap():
    products, categories = queries.sitemap_entries()
    body = render_template(
        "catalog/sitemap.xml", products=products, categories=categories,
        sellers=public_sellers(), programs=all_programs(),
    )
    return Response(body, mimetype="application/xml")
