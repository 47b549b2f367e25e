"""Safety helpers: same-site redirects, role gates, response headers, CSRF tokens."""
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, current_app, g, redirect, request, session, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf


def is_safe_next(target: str | None) -> bool:
    """True only for a path on this site: `/account`, never `//evil`, `/\\evil` or `https://evil`."""
    if not target or not target.startswith("/") or len(target) > 2000:
        return False
    # Browsers read a backslash as a slash and drop tabs/newlines, so `/\evil` means `//evil`.
    if "\\" in target or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return False
    if target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None, default_endpoint: str = "catalog.home") -> str:
    """`target` when it is a same-site path, otherwise the URL of `default_endpoint`."""
    return target if is_safe_next(target) else url_for(default_endpoint)


def redirect_next(default_endpoint: str = "catalog.home"):
    """Redirect to the request's `next` (query or form) when safe, else to a default page."""
    target = request.form.get("next") or request.args.get("next")
    return redirect(safe_next(target, default_endpoint))


def roles_required(*roles: str):
    """Gate a view: anonymous visitors are sent to sign in, a signed-in wrong role gets 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def add_security_headers(response):
    """Headers every answer carries; the policy allows only our own files, no CDN."""
    headers = response.headers
    # A checkout form placing a card order is answered with a redirect to Stripe's page,
    # which browsers check against form-action too.
    form_action = "'self' https://checkout.stripe.com" if current_app.config.get("STRIPE_SECRET_KEY") else "'self'"
    headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        f"object-src 'none'; base-uri 'self'; form-action {form_action}; frame-ancestors 'none'",
    )
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


# Signed CSRF tokens remembered per worker before the memory starts afresh.
MAX_KEPT_CSRF_TOKENS = 10_000


def kept_csrf_token() -> str:
    """Templates' `csrf_token()`: Flask-WTF's token for this session, signed once per worker.

    Flask-WTF signs the session's secret anew on every request (an HMAC and a serializer,
    about 20 µs), and every signed-in page carries the sign-out form. The signature holds the
    time it was made, which matters only with a time limit: with WTF_CSRF_TIME_LIMIT None a
    token is good for as long as its session, so one this worker signed before is as good.
    """
    config = current_app.config
    field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if field in g or config.get("WTF_CSRF_TIME_LIMIT", 3600) is not None:
        return generate_csrf()
    kept = current_app.extensions.setdefault("kept_csrf_tokens", {})
    secret = session.get(field)
    signed = kept.get(secret) if isinstance(secret, str) else None
    if signed is not None:
        setattr(g, field, signed)  # where Flask-WTF looks first, for this request's forms
        return signed
    signed = generate_csrf()
    if len(kept) >= MAX_KEPT_CSRF_TOKENS:
        kept.clear()
    kept[session[field]] = signed
    return signed
