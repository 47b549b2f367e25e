"""Flask extensions, created unbound here and bound to the app in create_app()."""
from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so Alembic can alter and drop them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# No default limits: each sensitive view declares its own.
limiter = Limiter(key_func=get_remote_address)

# Storefront pages anyone may read as often as they like: no limit is declared on them
# (tests/test_core.py checks), yet Flask-Limiter worked that out anew for each request
# (about 35 µs of a page's 2 ms). These reads are let through before it does.
UNLIMITED_READS = frozenset({"catalog.home", "catalog.category", "catalog.product", "catalog.seller_page",
                             "catalog.photo", "search.results", "search.suggest"})


@limiter.request_filter
def _unlimited_read() -> bool:
    return request.endpoint in UNLIMITED_READS and request.method in ("GET", "HEAD")
