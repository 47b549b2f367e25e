"""Jinja filters and globals shared by every template."""
import re
from datetime import datetime, timezone

from flask import Flask, current_app, has_request_context, request, url_for
from flask.globals import request_ctx
from flask_babel import format_decimal, format_timedelta
from markupsafe import Markup, escape

from market.core.audit import ACTION_LABELS
from market.core.page_cache import page_hole, register_page_hole
from market.core.phones import display_phone
from market.core.security import kept_csrf_token
from market.core.states import status_label
from market.core.urls import public_url
from market.geo.provinces import get_by_code
from market.core.icons import icon
from market.core.kept_data import kept
from market.core.i18n import (LANGUAGE_NAMES, current_locale, format_day, format_moment, format_money,
                              install_template_gettext)


def _current_path() -> str:
    """This page's path and query, used as `next=` for sign-in and language links."""
    return request.full_path.rstrip("?") if request.query_string else request.path


def _province_name(code: str | None) -> str:
    province = get_by_code(code or "")
    if province is None:
        return ""
    return province.name_en if current_locale() == "en" else province.name


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


# Distinct relative URLs remembered per worker before the memory starts afresh.
MAX_KEPT_URLS = 20_000


def _kept_url_for(endpoint: str, /, **values) -> str:
    """Templates' `url_for`: a relative URL built once per worker for the same arguments.

    Building a URL through the routing map costs tens of microseconds and a page asks for
    dozens, mostly the same ones. Only what depends on nothing but the arguments and the
    app's mount point is remembered: relative URLs to absolute endpoint names; anything
    else (`_external`, `_scheme`, a ".relative" endpoint, unhashable values) is built each time.
    """
    context = request_ctx._get_current_object() if has_request_context() else None
    if context is None or endpoint.startswith("."):
        return url_for(endpoint, **values)
    kept = context.app.extensions.get("kept_urls")
    if kept is None:
        kept = context.app.extensions["kept_urls"] = {}
    if values:
        for name in values:
            if name[0] == "_" and name != "_anchor":
                return url_for(endpoint, **values)
        key = (context.request.script_root, endpoint, *sorted(values.items()))
    else:
        key = (context.request.script_root, endpoint)
    try:
        url = kept.get(key)
    except TypeError:  # a value that cannot be a key (a list): build it
        return url_for(endpoint, **values)
    if url is None:
        url = url_for(endpoint, **values)
        if len(kept) >= MAX_KEPT_URLS:
            kept.clear()
        kept[key] = url
    return url


def _kept_html(name: str, caller) -> Markup:
    """`{% call kept_html("name") %}...{% endcall %}`: the block rendered once per worker and
    language, then reused. Only for parts of the page layout that depend on nothing but the
    language (no user, no path, no data)."""
    kept = current_app.extensions.setdefault("kept_html", {})
    key = (name, current_locale())
    html = kept.get(key)
    if html is None:
        html = kept[key] = Markup(caller())
    return html


# A hole's marker: Unicode private-use characters, which escaping leaves alone and no text of ours holds.
_HOLE = re.compile("\ue000([a-z_]+)\ue001")


def _kept_html_with_holes(name: str, holes: dict, caller) -> Markup:
    """`{% call(hole) kept_html_with_holes("name", {"who": user.full_name}) %}...{{ hole.who }}
    ...{% endcall %}`: the block rendered once per worker and language with a marker in each
    hole, then on each use the markers replaced by the values, escaped. For a block that
    differs between visitors only by a few values shown as they are; whatever decides what is
    drawn (an `if`) belongs in `name`."""
    html = _kept_html(name, lambda: caller({hole: f"\ue000{hole}\ue001" for hole in holes}))
    # One pass: a value holding a marker is not filled in again.
    return Markup(_HOLE.sub(lambda found: escape(holes[found.group(1)]), html))


def _kept_fragment(name: str, key, tables: tuple[str, ...], caller) -> Markup:
    """`{% call kept_fragment("name", key, tables) %}...{% endcall %}`: the block rendered
    once per worker, language and `key`, kept as data read from `tables` is
    (core/kept_data.py: dropped when this worker changes one of them, else after
    KEPT_DATA_SECONDS). Only for blocks that depend on nothing but the key and the tables."""
    return kept(f"html:{name}:{current_locale()}:{key!r}", tuple(tables), lambda: Markup(caller()))


def register_filters_and_globals(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    # Smaller pages for cheap phones on slow networks.
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.add_template_filter(format_money, "money")
    app.add_template_filter(format_decimal, "number")
    app.add_template_filter(format_day, "day")
    app.add_template_filter(format_moment, "moment")
    app.add_template_global(current_locale, "current_locale")
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
    app.add_template_global(_kept_url_for, "url_for")
    app.add_template_global(_kept_html, "kept_html")
    app.add_template_global(_kept_fragment, "kept_fragment")
    app.add_template_global(_kept_html_with_holes, "kept_html_with_holes")
    install_template_gettext(app)
    # A form on a cached page carries `page_hole("csrf_token")`: each visitor gets their own.
    register_page_hole("csrf_token", kept_csrf_token)
    # Flask-WTF puts its own `csrf_token` in every template's context: this one, added later, wins.
    app.context_processor(lambda: {"csrf_token": kept_csrf_token})
