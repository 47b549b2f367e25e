"""How the pages of lower packages show reviews without importing this one: template
globals for the includes in the order, product and seller pages, and the product's JSON-LD
extended through catalog's registry. `init_reviews(app)` is called by create_app."""
from flask import Flask, g, has_request_context
from flask_babel import to_user_timezone
from flask_login import current_user

from market.catalog.extras import register_product_json_ld
from market.core.numbers import int_arg
from market.core.i18n import current_locale
from market.core.kept_data import kept
from market.core.paging import MAX_PAGE, Page
from market.accounts.models import User
from market.catalog.models import Product
from market.reviews import services
from market.reviews.models import Review, ReviewPhoto
from market.sellers.models import Seller

JSON_LD_REVIEWS = 5


def _reviews_page() -> int:
    return int_arg("reviews_page", 1, minimum=1, maximum=MAX_PAGE) if has_request_context() else 1


def review_prompts(order) -> list:
    """The lines of `order` the signed-in visitor may review now (her delivered, unreviewed lines)."""
    user = current_user if current_user.is_authenticated else None
    return services.reviewable_lines(user, order)


def _product_summary(product_id: int) -> services.Summary:
    """The product's summary, read once per request (the page and its JSON-LD both show it)."""
    if not has_request_context():
        return services.summary(product_id)
    kept = g.setdefault("review_summaries", {})
    if product_id not in kept:
        kept[product_id] = services.summary(product_id)
    return kept[product_id]


def _no_reviews() -> Page:
    return Page([], 0, 1, services.PER_PAGE)


def product_reviews(product) -> dict:
    """The product's review summary and one page of its reviews (no reading when there are none)."""
    summary = _product_summary(product.id)
    page = (services.reviews_for_product(product.id, _reviews_page(), total=summary.count) if summary.count
            else _no_reviews())
    return {"summary": summary, "page": page}


def seller_reviews(seller) -> dict:
    """The seller's review summary and one page of its reviews (no reading when there are none)."""
    summary = services.seller_summary(seller.id)
    page = (services.reviews_for_seller(seller.id, _reviews_page(), total=summary.count) if summary.count
            else _no_reviews())
    return {"summary": summary, "page": page}


def product_json_ld(product, data: dict) -> None:
    """schema.org aggregateRating and the latest reviews, when the product has visible reviews
    (kept per worker and language like the review block: core/kept_data.py)."""
    name = f"review-json-ld:{product.id}:{current_locale()}"
    data.update(kept(name, REVIEW_BLOCK_TABLES, lambda: _review_json_ld(product.id)))


def _review_json_ld(product_id: int) -> dict:
    summary = _product_summary(product_id)
    if not summary.count:
        return {}
    return {
        "aggregateRating": {
            "@type": "AggregateRating", "ratingValue": float(summary.average), "reviewCount": summary.count,
            "bestRating": 5, "worstRating": 1,
        },
        "review": [
            {
                "@type": "Review",
                "author": {"@type": "Person", "name": services.author_name(review)},
                "reviewRating": {"@type": "Rating", "ratingValue": review.rating, "bestRating": 5, "worstRating": 1},
                **({"reviewBody": review.body} if review.body else {}),
                "datePublished": to_user_timezone(review.created_at).date().isoformat(),  # the day in Vietnam
            }
            for review in services.latest_reviews(product_id, JSON_LD_REVIEWS)
        ],
    }


# What a review block shows is read from these (author names, product names, the seller's
# name on a reply): a kept review block is dropped when one of them changes.
REVIEW_BLOCK_TABLES = tuple(model.__tablename__ for model in (Review, ReviewPhoto, User, Product, Seller))


def init_reviews(app: Flask) -> None:
    app.jinja_env.globals.update(
        review_block_tables=REVIEW_BLOCK_TABLES,
        reviews_page_number=_reviews_page,
        review_prompts=review_prompts,
        product_reviews=product_reviews,
        seller_reviews=seller_reviews,
        review_author=services.author_name,
    )
    register_product_json_ld(product_json_ld)
