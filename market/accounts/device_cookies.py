"""Device cookies: the owner's known browser is not locked out by someone guessing.

After OWASP's "Slow Down Online Guessing Attacks with Device Cookies". A browser that has
signed in to an account gets a long-lived, HttpOnly cookie naming that account (its email
and a random nonce), signed with the SECRET_KEY. At sign-in, failed attempts from a browser
holding a valid device cookie for the email typed count against that cookie only (its own
small limit, LOGIN_LIMIT_PER_DEVICE); every other attempt counts against the pool of
untrusted clients of that email (LOGIN_LIMIT_PER_ACCOUNT). When the untrusted pool is used
up only untrusted clients are refused, and a device cookie that keeps failing is refused in
turn. The limits themselves are Flask-Limiter limits (see market.accounts.views), kept in the
limiter's storage so that every worker shares them.

One cookie holds the entries of the last few accounts signed in on the browser (a family's
shared phone), newest first; a new successful sign-in gives its account a new nonce.
"""
import secrets

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer

COOKIE_NAME = "device"
SALT = "device-cookie"
MAX_ACCOUNTS = 5


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT)


def _max_age() -> int:
    return current_app.config["DEVICE_COOKIE_MAX_AGE"]


def read_entries(cookie: str | None) -> list[tuple[str, str]]:
    """The (email, nonce) pairs of a device cookie; none when it is missing, forged or old."""
    if not cookie:
        return []
    try:
        data = _serializer().loads(cookie, max_age=_max_age())
    except BadData:
        return []
    if not isinstance(data, list):
        return []
    return [
        (entry[0], entry[1])
        for entry in data[:MAX_ACCOUNTS]
        if isinstance(entry, list) and len(entry) == 2 and all(isinstance(part, str) and part for part in entry)
    ]


def nonce_for(cookie: str | None, email: str) -> str | None:
    """The nonce of the cookie's entry for `email` (already normalised), if it has one."""
    if not email:
        return None
    return next((nonce for login, nonce in read_entries(cookie) if login == email), None)


def renewed(cookie: str | None, email: str) -> str:
    """The cookie value after a successful sign-in to `email`: a new nonce for it, first."""
    others = [[login, nonce] for login, nonce in read_entries(cookie) if login != email]
    entries = [[email, secrets.token_urlsafe(16)], *others][:MAX_ACCOUNTS]
    return _serializer().dumps(entries)


def set_cookie(response, value: str) -> None:
    """Attach the device cookie: HttpOnly, SameSite=Lax, Secure where the session's is."""
    config = current_app.config
    response.set_cookie(
        COOKIE_NAME,
        value,
        max_age=_max_age(),
        httponly=True,
        samesite="Lax",
        secure=config["SESSION_COOKIE_SECURE"],
        path="/account/",
    )
