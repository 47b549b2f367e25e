"""Jinja filters and globals shared by every template."""
from flask import Flask, request

from market.core.i18n import LANGUAGE_NAMES, format_day, format_moment, format_money, select_locale


def _current_path() -> str:
    """This page's path and query, used as `next=` for sign-in and language links."""
    return request.full_path.rstrip("?") if request.query_string else request.path


def register_filters_and_globals(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    # Smaller pages for cheap phones on slow networks.
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.add_template_filter(format_money, "money")
    app.add_template_filter(format_day, "day")
    app.add_template_filter(format_moment, "moment")
    app.add_template_global(select_locale, "current_locale")
    app.add_template_global(_current_path, "current_path")
    app.add_template_global(LANGUAGE_NAMES, "language_names")
