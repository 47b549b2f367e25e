"""Absolute links (emails, canonical, Open Graph, JSON-LD, sitemap, API, payment return
pages) from the configured public base URL, never from the request's Host header: a forged
Host must not reach a shopper's email or a page another visitor is served from the cache."""
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import current_app


def public_base_url() -> str:
    """The site's public address as configured (`PUBLIC_BASE_URL`), without a trailing slash."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/")


def public_host() -> str:
    """The host (and port) of the public address, e.g. `cho.example.vn` or `127.0.0.1:5000`."""
    return urlsplit(public_base_url()).netloc


# Distinct absolute URLs remembered per worker before the memory starts afresh.
MAX_KEPT_URLS = 20_000


def public_url(endpoint: str, **values) -> str:
    """The absolute URL of `endpoint` on the public site, built the same inside a request,
    a command or a test (the path a site mounted under a prefix has comes from the base URL).

    Remembered per worker for the same base URL and arguments: it depends on nothing else,
    and a product page asks for half a dozen (canonical, Open Graph, JSON-LD)."""
    base = public_base_url()
    kept = current_app.extensions.setdefault("kept_public_urls", {})
    try:
        key = (base, endpoint, *sorted(values.items()))
        url = kept.get(key)
    except TypeError:  # a value that cannot be a key (a list): build it
        return public_url_builder()(endpoint, **values)
    if url is None:
        url = public_url_builder()(endpoint, **values)
        if len(kept) >= MAX_KEPT_URLS:
            kept.clear()
        kept[key] = url
    return url


def public_url_builder() -> Callable[..., str]:
    """`public_url` for many links in a row (an API page of products): the map is bound once."""
    base = urlsplit(public_base_url())
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return lambda endpoint, **values: adapter.build(endpoint, values, force_external=True)


def site_path(endpoint: str, **values) -> str:
    """The path of `endpoint` from the site's root (e.g. `/sell/orders/7`; other values become
    the query string), built the same inside a request, a command or a test: for links a
    service stores or mails, which then follow the routes instead of repeating them."""
    return current_app.url_map.bind(public_host()).build(endpoint, values)


def check_public_base_url(url: str | None) -> str:
    """`url` when it is an absolute http(s) address with a host and nothing after the path;
    ValueError otherwise (create_app refuses to start with a wrong one)."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(f"PUBLIC_BASE_URL must be an absolute http(s) address such as https://cho.example.vn, not {url!r}")
    return url
