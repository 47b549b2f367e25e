"""What higher packages add to catalog's pages without catalog importing them: functions
registered at app creation (by create_app) that extend a product's JSON-LD (reviews adds
its aggregateRating and latest reviews)."""
from collections.abc import Callable

# fn(product, data): adds keys to the schema.org Product `data` in place.
_product_json_ld: list[Callable] = []


def register_product_json_ld(fn: Callable) -> None:
    """Add `fn` to the product JSON-LD extenders (once, however many apps are created)."""
    if fn not in _product_json_ld:
        _product_json_ld.append(fn)


def extend_product_json_ld(product, data: dict) -> dict:
    for fn in _product_json_ld:
        fn(product, data)
    return data
