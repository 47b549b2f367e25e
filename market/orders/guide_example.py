"""The pricing guide's worked example (/sell/help/pricing), computed by the order's own money
rules: with the reader's shipping fee and commission rate when she is a member of a seller,
else with the standard rate and an everyday fee. create_app hands it down to the guides."""
from flask import current_app

from market.orders.checkout import commission_rate_for
from market.orders.pricing import shipping_fee, split
from market.pages.guides import PricingExample
from market.pages.services import local_today
from market.sellers.services import seller_of

EXAMPLE_PRICE_VND = 150_000
EXAMPLE_SHIPPING_VND = 30_000  # what a parcel of a few kilograms costs within Vietnam


def pricing_example(user) -> PricingExample:
    """One product at EXAMPLE_PRICE_VND in one order, for `user` (None: a visitor)."""
    seller = seller_of(user) if user is not None else None
    if seller is not None:
        rate = commission_rate_for(seller.id, local_today())
        fee, free_over = seller.shipping_fee_vnd, seller.free_shipping_over_vnd
    else:
        rate, fee, free_over = current_app.config["DEFAULT_COMMISSION_BP"], EXAMPLE_SHIPPING_VND, None
    shipping = shipping_fee(EXAMPLE_PRICE_VND, fee, free_over)
    pays, cut, net = split(EXAMPLE_PRICE_VND, shipping, rate)
    return PricingExample(price_vnd=EXAMPLE_PRICE_VND, shipping_vnd=shipping, free_over_vnd=free_over, rate_bp=rate,
                          commission_vnd=cut, net_vnd=net, shopper_pays_vnd=pays, own=seller is not None)
