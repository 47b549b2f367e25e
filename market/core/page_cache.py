"""A few seconds' cache of storefront pages for visitors who are not signed in.

Rendering a listing costs milliseconds of a worker's CPU; most storefront traffic is
anonymous and identical for everyone reading in one language. Each worker keeps the pages
it rendered for `PAGE_CACHE_SECONDS` (0 turns it off) and drops them all whenever it
commits a change itself; a change made by another worker shows here within those seconds
(stock is checked again at checkout, never taken from a page).

Only pages the same for every anonymous visitor may use it. What differs per visitor (the
CSRF token of a form, the cart count in the header) is written with `page_hole(name)`:
cached pages keep a marker there, filled for each visitor when the page is served.
"""
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps

from flask import current_app, g, request, session
from flask_login import current_user
from flask_sqlalchemy.session import Session as AppSession
from sqlalchemy import event

from markupsafe import Markup

from market.core.i18n import select_locale
from market.core.urls import public_host

MAX_ENTRIES = 512

# name -> function giving the visitor's HTML for that hole (already escaped Markup).
_hole_fillers: dict[str, Callable[[], str]] = {}
# Random per process, so no visitor's text can ever contain it.
_MARKER = f"page-hole-{secrets.token_hex(8)}"


def register_page_hole(name: str, filler: Callable[[], str]) -> None:
    """Declare a per-visitor hole in cached pages and how to fill it."""
    _hole_fillers[name] = filler


def page_hole(name: str) -> Markup:
    """Template global: the visitor's HTML for `name`, or a marker while rendering for the cache."""
    if g.get("rendering_for_page_cache"):
        return Markup(f"[{_MARKER}:{name}]")
    return Markup(_hole_fillers[name]())


def _fill_holes(body: bytes) -> bytes:
    if _MARKER.encode() not in body:
        return body
    text = body.decode()
    for name, filler in _hole_fillers.items():
        marker = f"[{_MARKER}:{name}]"
        if marker in text:
            text = text.replace(marker, str(filler()))
    return text.encode()


class PageCache:
    """Rendered responses by key, each with an expiry, at most MAX_ENTRIES (oldest out)."""

    def __init__(self, max_entries: int = MAX_ENTRIES):
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def get(self, key):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] < time.monotonic():
                self._entries.pop(key, None)
                return None
            return entry[1]

    def put(self, key, response, seconds: float) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic() + seconds, response)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


pages = PageCache()


def _cacheable_visit() -> bool:
    return (
        request.method == "GET"
        # Only pages served for our own address: nothing a forged Host header could have
        # influenced is ever handed to the next visitor.
        and request.host == public_host()
        and not current_user.is_authenticated
        and not session.get("_flashes")
    )


def cached_for_visitors(view):
    """Serve the view's page from the cache to anonymous visitors (per URL and language)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        seconds = current_app.config["PAGE_CACHE_SECONDS"]
        if not seconds or not _cacheable_visit():
            return view(*args, **kwargs)
        key = (select_locale(), request.full_path)
        cached = pages.get(key)
        if cached is not None:
            status, body, headers = cached
            return current_app.response_class(_fill_holes(body), status=status, headers={**headers, "X-Page-Cache": "hit"})
        g.rendering_for_page_cache = True
        try:
            response = current_app.make_response(view(*args, **kwargs))
        finally:
            g.rendering_for_page_cache = False
        if response.direct_passthrough:
            return response
        body = response.get_data()
        if response.status_code == 200 and "Set-Cookie" not in response.headers:
            headers = {key: value for key, value in response.headers.items() if key.lower() != "content-length"}
            pages.put(key, (response.status_code, body, headers), seconds)
        response.set_data(_fill_holes(body))
        return response

    return wrapped


def _forget_pages(_session) -> None:
    pages.clear()


def forget_pages_after_writes() -> None:
    """Drop this worker's cached pages whenever it commits (only writes commit)."""
    if not event.contains(AppSession, "after_commit", _forget_pages):
        event.listen(AppSession, "after_commit", _forget_pages)
