"""Catalog: categories, products and the storefront pages."""
from flask import Blueprint

bp = Blueprint("catalog", __name__)
