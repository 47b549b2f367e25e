"""Catalog: categories, products and the storefront pages."""
from flask import Blueprint

bp = Blueprint("catalog", __name__)

from market.catalog import views  # noqa: E402,F401
