"""Configuration: every setting comes from an environment variable.

`MARKET_ENV` picks the class (development, test, production). Defaults are safe for a
laptop only; production refuses to start without a real `SECRET_KEY`.
"""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _list(name: str) -> list[str] | None:
    value = os.environ.get(name)
    if value is None:
        return None
    return [item.strip() for item in value.split(",") if item.strip()]


def instance_path() -> Path:
    """Folder for every file the app writes: database, search index, uploads."""
    return Path(os.environ.get("MARKET_INSTANCE_PATH", BASE_DIR / "instance")).resolve()


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain `postgres://` / `postgresql://` URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-secret-key-change-me")
    INSTANCE_PATH = instance_path()
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_PATH / 'market.db'}")
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    # Languages: Vietnamese first.
    LANGUAGES = ("vi", "en")
    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "market" / "translations")

    # Cookies: HttpOnly and SameSite=Lax everywhere, Secure in production.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    # Largest request body (uploads included); larger answers 413.
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 16 * 1024 * 1024)

    # Rate limits: memory by default, Redis when several workers share them.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_LIMIT_PER_IP = os.environ.get("LOGIN_LIMIT_PER_IP", "20 per 5 minutes")
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 5 minutes")
    # A browser that has signed in to an account gets a device cookie for it: its failed
    # sign-ins count against this limit, not the account's, so guessing never locks the
    # owner out of their own browser (market/accounts/device_cookies.py).
    LOGIN_LIMIT_PER_DEVICE = os.environ.get("LOGIN_LIMIT_PER_DEVICE", "5 per 15 minutes")
    DEVICE_COOKIE_MAX_AGE = _int("DEVICE_COOKIE_MAX_AGE", 365 * 24 * 3600)
    REGISTER_LIMIT_PER_IP = os.environ.get("REGISTER_LIMIT_PER_IP", "10 per hour")
    # "Forgot your password?": every request counts (per IP, and per email typed, whether or
    # not it has an account, so the limit tells nothing); the emailed link lives this long.
    PASSWORD_RESET_LIMIT_PER_IP = os.environ.get("PASSWORD_RESET_LIMIT_PER_IP", "10 per hour")
    PASSWORD_RESET_LIMIT_PER_EMAIL = os.environ.get("PASSWORD_RESET_LIMIT_PER_EMAIL", "3 per hour")
    PASSWORD_RESET_MAX_AGE = _int("PASSWORD_RESET_MAX_AGE", 3600)
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "120 per minute")
    # Guessing order numbers with a known phone, and orders placed only to hold stock.
    FIND_ORDER_LIMIT_PER_IP = os.environ.get("FIND_ORDER_LIMIT_PER_IP", "10 per 10 minutes")
    CHECKOUT_LIMIT_PER_IP = os.environ.get("CHECKOUT_LIMIT_PER_IP", "30 per hour")
    # Transfer receipts are uploaded without an account: every upload is decoded, so count them all.
    RECEIPT_UPLOAD_LIMIT_PER_IP = os.environ.get("RECEIPT_UPLOAD_LIMIT_PER_IP", "5 per minute;20 per hour")
    # Complaints: reports sent from one IP ("Report this product", "Report a problem"); the
    # seller answers within COMPLAINT_ANSWER_DAYS of a report, the union decides within
    # COMPLAINT_DECISION_DAYS of it (the returns page says so).
    COMPLAINT_LIMIT_PER_IP = os.environ.get("COMPLAINT_LIMIT_PER_IP", "5 per 10 minutes;20 per day")
    COMPLAINT_ANSWER_DAYS = _int("COMPLAINT_ANSWER_DAYS", 2)
    COMPLAINT_DECISION_DAYS = _int("COMPLAINT_DECISION_DAYS", 5)
    # Seconds a worker keeps a storefront page it rendered for anonymous visitors (0: off).
    PAGE_CACHE_SECONDS = _int("PAGE_CACHE_SECONDS", 15)
    # Seconds a worker keeps small, rarely changed tables it read (category tree, program
    # badges; core/kept_data.py): another worker's change to them shows within this time.
    KEPT_DATA_SECONDS = _int("KEPT_DATA_SECONDS", 60)

    # Uploads (under the instance folder unless UPLOAD_FOLDER says otherwise).
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER")  # default: <instance>/uploads
    LOGO_MAX_BYTES = 5 * 1024 * 1024
    DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
    PHOTO_MAX_BYTES = 5 * 1024 * 1024
    # The seller's product list warns when stock is at or below this.
    LOW_STOCK_THRESHOLD = _int("LOW_STOCK_THRESHOLD", 5)

    # Seller members are invited by a signed link that expires.
    INVITATION_MAX_AGE = _int("INVITATION_MAX_AGE", 7 * 24 * 3600)

    # Email: with MAIL_SERVER unset, emails stay in the outbox table (development, tests).
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = _int("MAIL_PORT", 587)
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Chợ Hợp tác xã Phụ nữ <no-reply@localhost>")
    MAIL_MAX_ATTEMPTS = _int("MAIL_MAX_ATTEMPTS", 5)

    # Search: "whoosh" (an index folder, one machine) or "postgres" (full-text in the database).
    SEARCH_BACKEND = os.environ.get("SEARCH_BACKEND", "whoosh")
    SEARCH_INDEX_PATH = os.environ.get("SEARCH_INDEX_PATH")  # default: <instance>/search-index
    SEARCH_LOCK_TIMEOUT = float(os.environ.get("SEARCH_LOCK_TIMEOUT", "2"))

    # The site's public address: every absolute link (emails, canonical, Open Graph, JSON-LD,
    # sitemap, API) is built from it, never from the request's Host header. Required in production.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    # Host names the app answers to (Flask's TRUSTED_HOSTS; others get 400). Unset: any host
    # on a laptop; in production the public base URL's host unless this lists them.
    TRUSTED_HOSTS = _list("TRUSTED_HOSTS")

    # How many reverse proxies stand in front (their X-Forwarded-For gives the client's IP
    # for rate limits); 0 on a laptop, 1 behind nginx.
    PROXY_COUNT = _int("PROXY_COUNT", 0)

    # Orders and payments.
    # Commission on sales of sellers outside any program, in basis points (500 = 5 %).
    DEFAULT_COMMISSION_BP = _int("DEFAULT_COMMISSION_BP", 500)
    # Working days the union takes to review a seller's application (told on /sell).
    SELLER_REVIEW_DAYS = _int("SELLER_REVIEW_DAYS", 5)
    # Bank transfer and card orders not paid within this many hours expire (stock comes back).
    PAYMENT_EXPIRY_HOURS = _int("PAYMENT_EXPIRY_HOURS", 24)
    # The union's account that receives bank transfers (shown as VietQR and as text).
    VIETQR_BANK_BIN = os.environ.get("VIETQR_BANK_BIN", "970436")  # NAPAS BIN (970436: Vietcombank)
    VIETQR_BANK_NAME = os.environ.get("VIETQR_BANK_NAME", "Vietcombank")
    VIETQR_ACCOUNT_NUMBER = os.environ.get("VIETQR_ACCOUNT_NUMBER", "0011004455667")
    VIETQR_ACCOUNT_NAME = os.environ.get("VIETQR_ACCOUNT_NAME", "HOI LIEN HIEP PHU NU VIET NAM")
    # The union's contact details, shown on /pages/contact and wherever a page's text writes
    # {hotline}, {email} or {address}. The defaults are placeholders for development.
    UNION_HOTLINE = os.environ.get("UNION_HOTLINE", "1800 0000")
    UNION_EMAIL = os.environ.get("UNION_EMAIL", "hotro@cho-phunu.example.vn")
    UNION_ADDRESS = os.environ.get("UNION_ADDRESS", "Số 39 Hàng Chuối, phường Hai Bà Trưng, Hà Nội")
    # Card payments through Stripe Checkout: offered only when a secret key is set.
    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE")  # tests point it at a local stand-in
    # Days after delivery when a shopper is asked (once, by email) to review what she received.
    REVIEW_ASK_AFTER_DAYS = _int("REVIEW_ASK_AFTER_DAYS", 3)
    # Largest quantity of one product in a cart.
    MAX_CART_QUANTITY = _int("MAX_CART_QUANTITY", 99)

    DEMO_SEED_ALLOWED = True


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("MARKET_TEST_DATABASE_URL", "sqlite://")
    )
    RATELIMIT_STORAGE_URI = "memory://"
    PUBLIC_BASE_URL = "http://localhost"  # the test client's host
    TRUSTED_HOSTS = None
    MAIL_SERVER = None
    PAGE_CACHE_SECONDS = 0  # tests see every change at once; the cache has its own tests


class ProductionConfig(Config):
    ENV_NAME = "production"
    SECRET_KEY = os.environ.get("SECRET_KEY")  # create_app refuses to start without it
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL")  # likewise
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PREFERRED_URL_SCHEME = "https"
    DEMO_SEED_ALLOWED = _bool("DEMO_SEED_ALLOWED", False)


CONFIGS = {"development": Config, "test": TestConfig, "production": ProductionConfig}


def config_for(env_name: str | None = None) -> type[Config]:
    """The Config class for `MARKET_ENV` (development when unset)."""
    name = env_name or os.environ.get("MARKET_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"MARKET_ENV must be one of {sorted(CONFIGS)}, not {name!r}") from None
