"""The guides' pictures: screenshots of our own pages, made from the demo data by `flask
guides screenshots` (market/demo/screenshots.py) into market/static/guides/<name>.png,
with their sizes in pictures.json beside them.

A guide's text names a picture by a line `[picture: <name>]`. Only the names below whose
file was made become an <img> (with its alt text, size and lazy loading); any other name
stays text, so a typo shows in the page rather than a broken image."""
import json
from functools import lru_cache
from pathlib import Path

from flask import url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

FOLDER = Path(__file__).resolve().parents[1] / "static" / "guides"
MANIFEST = FOLDER / "pictures.json"

# name -> what the picture shows (its alt text).
PICTURES = {
    "seller-profile": _l("The seller profile form: address, phone, story and logo."),
    "shipping-fee": _l("The shipping fee form: fee per order and free shipping from an amount."),
    "product-new": _l("The new product form: name, category, description, price and stock."),
    "product-photos": _l("The end of the new product form: add photos, then save as draft or save and put on sale."),
    "products-list": _l("The list of products: each with its stock, price, and the buttons Put on sale or Hide."),
    "order-confirm": _l("A new order: the button Confirm the order under What next."),
    "order-ship": _l("A confirmed order: the carrier and tracking number, and the button Mark as shipped."),
    "order-deliver-cod": _l("A shipped cash-on-delivery order: the cash to collect, the box to tick and the button to mark it delivered."),
    "order-money": _l("An order's money: items, shipping, what the shopper pays, the commission and what you keep."),
    "statement": _l("The money and statement page: what the union owes you or you owe it, and each entry."),
    "figures": _l("The quarterly figures form: women members and stable jobs for women."),
    "programs": _l("The seller's programs page: the union's programs and the button to apply."),
    "checkout-payment": _l("The checkout: choosing cash on delivery or bank transfer."),
    "order-vietqr": _l("An order paid by bank transfer: the VietQR code, the account, the amount and the transfer note."),
}


@lru_cache(maxsize=1)
def _made() -> dict[str, dict]:
    """name -> {"width", "height", "version"} of the pictures the command made."""
    try:
        return json.loads(MANIFEST.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def forget_made() -> None:
    """Read the manifest again (after the command wrote new pictures)."""
    _made.cache_clear()


def picture(name: str) -> Markup | None:
    """The figure of a known, made picture; None for any other name."""
    made = _made().get(name)
    if name not in PICTURES or not isinstance(made, dict):
        return None
    src = url_for("static", filename=f"guides/{name}.png", v=str(made.get("version", "")))
    return Markup(
        '<figure class="guide-picture"><img src="{}" alt="{}" width="{}" height="{}" loading="lazy" decoding="async"></figure>'
    ).format(src, PICTURES[name], int(made.get("width", 0)), int(made.get("height", 0)))
