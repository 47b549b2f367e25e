"""The sellers' guides (/sell/help) and the shoppers' "How to buy" page: which guides there
are, in which group, and where each task is done.

Their text is an ordinary versioned public page (slug `guide-<topic>`, shipped in
`texts/guide-<topic>.<language>.txt`), so central staff edit it at /staff/pages like the
rules, without a deploy. Pictures are screenshots of our own pages (`flask guides
screenshots`), named in the text by a line `[picture: <name>]` (see `pictures.py`).
"""
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

STEPS = "steps"
QUESTIONS = "questions"
GROUP_LABELS = {
    STEPS: _l("Your first steps as a seller"),
    QUESTIONS: _l("Common questions"),
}
HOW_TO_BUY = "how-to-buy"


@dataclass(frozen=True)
class Guide:
    topic: str  # the URL's key: /sell/help/<topic>
    group: str
    endpoint: str  # where the task is done
    where: object  # that page's name, as the button says it (lazy string)
    label: object  # the guide's name in the staff's list of pages (lazy string)

    @property
    def slug(self) -> str:
        return f"guide-{self.topic}"


GUIDES = (
    Guide("profile", STEPS, "sellers.profile", _l("Your profile"), _l("Guide: profile and logo")),
    Guide("shipping", STEPS, "orders.seller_shipping", _l("Shipping fee"), _l("Guide: shipping fee")),
    Guide("first-product", STEPS, "catalog.new_product", _l("New product"), _l("Guide: first product with a photo")),
    Guide("on-sale", STEPS, "catalog.seller_products", _l("Products"), _l("Guide: putting a product on sale")),
    Guide("confirm-order", STEPS, "orders.seller_orders", _l("Orders"), _l("Guide: confirming an order")),
    Guide("deliver-order", STEPS, "orders.seller_orders", _l("Orders"), _l("Guide: shipping and delivering an order")),
    Guide("figures", STEPS, "sellers.figures", _l("Figures"), _l("Guide: quarterly figures")),
    Guide("photos", QUESTIONS, "catalog.seller_products", _l("Products"), _l("Guide: good product photos")),
    Guide("pricing", QUESTIONS, "orders.seller_shipping", _l("Shipping fee"), _l("Guide: pricing")),
    Guide("cod-orders", QUESTIONS, "orders.seller_orders", _l("Orders"), _l("Guide: cash-on-delivery orders")),
    Guide("payouts", QUESTIONS, "orders.seller_statement", _l("Money and statement"), _l("Guide: how the union pays you")),
    Guide("programs", QUESTIONS, "programs.for_seller", _l("Programs"), _l("Guide: the union's programs")),
)
TOPICS = {guide.topic: guide for guide in GUIDES}
GUIDE_SLUGS = tuple(guide.slug for guide in GUIDES)


def guide_for_slug(slug: str) -> Guide | None:
    return next((guide for guide in GUIDES if guide.slug == slug), None)


@dataclass(frozen=True)
class PricingExample:
    """A worked example of one order's money, with the reader's own numbers when she is a
    member of a seller (its shipping fee and commission rate), else the marketplace's."""

    price_vnd: int
    shipping_vnd: int
    free_over_vnd: int | None
    rate_bp: int
    commission_vnd: int
    net_vnd: int  # what the seller keeps of what the shopper pays
    shopper_pays_vnd: int
    own: bool  # the seller's own settings


# Sellers and orders sit above this package, so create_app hands down what the guides ask
# of them (see `register_guide_lookups`): whether a user is a member of a seller (she then
# sees the seller area's menu), and the pricing example for a user (or a visitor).
_lookups: dict[str, Callable] = {}


def register_guide_lookups(is_member: Callable, pricing: Callable) -> None:
    _lookups.update(is_member=is_member, pricing=pricing)


def is_member(user) -> bool:
    check = _lookups.get("is_member")
    return bool(user is not None and user.is_authenticated and check is not None and check(user))


def pricing_example(user) -> PricingExample | None:
    """The worked example for `user` (None until create_app registered the lookups)."""
    pricing = _lookups.get("pricing")
    return pricing(user if user is not None and user.is_authenticated else None) if pricing else None
