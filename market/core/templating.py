"""Jinja filters and globals shared by every template."""
from datetime import datetime, timezone

from flask import Flask, request
from flask_babel import format_decimal, format_timedelta
from flask_wtf.csrf import generate_csrf

from market.core.audit import ACTION_LABELS
from market.core.page_cache import page_hole, register_page_hole
from market.core.phones import display_phone
from market.core.states import status_label
from market.core.urls import public_url
from market.geo.provinces import get_by_code
from market.core.icons import icon
from market.core.i18n import LANGUAGE_NAMES, format_day, format_moment, format_money, select_locale


def _current_path() -> str:
    """This page's path and query, used as `next=` for sign-in and language links."""
    return request.full_path.rstrip("?") if request.query_string else request.path


def _province_name(code: str | None) -> str:
    province = get_by_code(code or "")
    if province is None:
        return ""
    return province.name_en if select_locale() == "en" else province.name


def _label(key, table: dict) -> str:
    """`value|label(TABLE)`: the translated label of a coded value."""
    return str(table.get(key, key or ""))


def _waiting(since: datetime | None) -> str:
    """How long ago `since` was, in words ("3 days"); naive values are UTC (SQLite)."""
    if since is None:
        return ""
    if since.tzinfo is None:
        since = since.replace(tzinfo=timezone.utc)
    return format_timedelta(datetime.now(timezone.utc) - since, threshold=1.0)


def register_filters_and_globals(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    # Smaller pages for cheap phones on slow networks.
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.add_template_filter(format_money, "money")
    app.add_template_filter(format_decimal, "number")
    app.add_template_filter(format_day, "day")
    app.add_template_filter(format_moment, "moment")
    app.add_template_global(select_locale, "current_locale")
    app.add_template_global(_current_path, "current_path")
    app.add_template_global(LANGUAGE_NAMES, "language_names")
    app.add_template_filter(status_label, "status_label")
    app.add_template_filter(_province_name, "province_name")
    app.add_template_filter(display_phone, "phone")
    app.add_template_filter(_label, "label")
    app.add_template_filter(_waiting, "waiting")
    app.add_template_global(ACTION_LABELS, "action_labels")
    app.add_template_global(page_hole, "page_hole")
    app.add_template_global(public_url, "public_url")
    app.add_template_global(icon, "icon")
    # A form on a cached page carries `page_hole("csrf_token")`: each visitor gets their own.
    register_page_hole("csrf_token", generate_csrf)
