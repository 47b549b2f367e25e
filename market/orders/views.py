"""Shopper pages: cart, checkout, order page, finding an order."""
from market.orders import bp
from market.orders import models  # noqa: F401
