"""Storefront pages."""
from flask import render_template

from market.catalog import bp


@bp.route("/")
def home():
    return render_template("catalog/home.html")
