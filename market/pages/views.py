"""Public pages: /pages/<slug> (operating rules, privacy, returns, contact, seller terms)."""
from flask import abort

from market.pages import bp
from market.pages import models  # noqa: F401


@bp.route("/pages/<slug>")
def show(slug: str):
    abort(404)  # issue 12: the pages helper writes this page
