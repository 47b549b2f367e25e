"""Shared fixtures: an app on a migrated test database, a client that keeps CSRF on.

The database is SQLite in a temporary file, or `MARKET_TEST_DATABASE_URL` (PostgreSQL in
CI). Migrations build the schema once per run; every test then starts from empty tables.
"""
import os
import re
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import flask_migrate
import pytest
from flask import g, request_started
from sqlalchemy import select, text
from werkzeug.security import generate_password_hash

from config import TestConfig
from market import create_app
from market.accounts import services as accounts_services
from market.catalog.services import seed_categories
from market.extensions import db, limiter
from market.search.backend import get_backend
from tests import builders

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("MARKET_TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    worker_id = os.environ.get("PYTEST_XDIST_WORKER")  # set by pytest-xdist in its workers
    if not worker_id:
        return url
    return _database_for_worker(url, worker_id)


def _database_for_worker(url: str, worker_id: str) -> str:
    """A fresh PostgreSQL database per pytest-xdist worker, beside the one CI gave us."""
    from sqlalchemy import create_engine, make_url

    from config import normalise_database_url

    base = make_url(normalise_database_url(url))
    name = f"{base.database}_{worker_id}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def instance_path(tmp_path_factory):
    return tmp_path_factory.mktemp("instance")


def make_app(database_url, instance_path, **overrides):
    """A test app on the test database (overrides win; used by tests that need other settings)."""
    from config import normalise_database_url

    settings = {"SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url), "INSTANCE_PATH": instance_path}
    settings.update(overrides)
    return create_app(TestConfig, **settings)


@pytest.fixture(scope="session")
def _migrated_database(database_url, instance_path):
    """Build the schema from the migrations, once, on an empty database."""
    app = make_app(database_url, instance_path)
    with app.app_context():
        db.drop_all()
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        flask_migrate.upgrade()
        db.engine.dispose()
    return database_url


def _check_invariants(check_index: bool) -> None:
    """The money rules hold after every test (a test that places, cancels or pays included),
    and the search index agrees with the database whenever the test left products (unless
    the test is marked `index_left_out_of_step`)."""
    from market.catalog.models import Product
    from market.orders.invariants import verify_orders
    from market.search.verify import verify_index

    mismatches = [str(mismatch) for mismatch in verify_orders()]
    db.session.remove()
    assert not mismatches, f"orders that do not add up: {mismatches}"
    if check_index and db.session.scalar(select(Product.id).limit(1)) is not None:
        drift = [str(mismatch) for mismatch in verify_index(grace=0)]
        db.session.remove()
        assert not drift, f"the search index differs from the database: {drift}"


def _empty_tables() -> None:
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


def _fresh_g_per_request(sender, **extra) -> None:
    """Give each test request an empty `g`, as production does.

    Tests keep one app context open (to use the database between requests), and Flask
    reuses it for requests, so without this the signed-in user and the locale that
    Flask-Login and Flask-Babel cache on `g` would leak from one request to the next.
    """
    for name in list(vars(g)):
        delattr(g, name)


def end_of_world(check_index: bool = True) -> None:
    """What ends every test's data: check the invariants, then empty the tables."""
    db.session.remove()
    try:
        _check_invariants(check_index)
    finally:
        _empty_tables()


@contextmanager
def running_app(database_url, instance_path, folder: Path, check_index: bool = True):
    """A test app, inside its application context, with its uploads and search index under
    `folder`; on the way out the invariants are checked and the tables emptied."""
    app = make_app(
        database_url,
        instance_path,
        UPLOAD_FOLDER=str(folder / "uploads"),
        SEARCH_INDEX_PATH=str(folder / "search-index"),
    )
    request_started.connect(_fresh_g_per_request, app)
    with app.app_context():
        limiter.reset()
        yield app
        end_of_world(check_index)
        db.engine.dispose()


@pytest.fixture
def app(_migrated_database, instance_path, tmp_path, request):
    # Uploads per test, so a test can check exactly what was stored.
    check_index = request.node.get_closest_marker("index_left_out_of_step") is None
    with running_app(_migrated_database, instance_path, tmp_path, check_index) as app:
        yield app


@pytest.fixture(params=["whoosh", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request, app):
    """Each search engine in turn, configured as the app's (the sync writes into it); the
    PostgreSQL one only when the tests run on PostgreSQL."""
    if request.param == "postgres" and db.engine.dialect.name != "postgresql":
        pytest.skip("the PostgreSQL engine needs MARKET_TEST_DATABASE_URL=postgresql://...")
    app.config["SEARCH_BACKEND"] = request.param
    app.extensions.pop("search_backend", None)
    yield get_backend()
    app.extensions.pop("search_backend", None)


@pytest.fixture(autouse=True)
def fast_password_hashing(request, monkeypatch):
    """Accounts get a cheap PBKDF2 hash instead of production's scrypt (about 0.1 s of CPU a
    hash, and again at each sign-in); sign-in still checks it. A test marked
    `real_password_hashing` keeps scrypt."""
    if request.node.get_closest_marker("real_password_hashing") is None:
        monkeypatch.setattr(accounts_services, "generate_password_hash", _cheap_password_hash)


def _cheap_password_hash(password: str) -> str:
    return generate_password_hash(password, method="pbkdf2:sha256:1000")


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token_from(response) -> str:
    """The CSRF token a browser would read from the page's form."""
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, "the page has no CSRF token"
    return match.group(1)


def post_form(client, url: str, data: dict, form_url: str | None = None, **kwargs):
    """Open the page holding the form, then post it with its CSRF token, as a browser does."""
    page = client.get(form_url or url)
    return client.post(url, data={"csrf_token": csrf_token_from(page), **data}, **kwargs)


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, email="lan@example.vn", password="correct-horse-battery", **extra):
        return post_form(self._client, "/account/sign-in", {"email": email, "password": password, **extra})

    def logout(self):
        return post_form(self._client, "/account/sign-out", {}, form_url="/")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def client_for(app):
    """A new test client signed in as `email` (each keeps its own cookies), like a second
    browser; by default the owner of the `shop` fixture."""

    def _open(email="hoa@example.vn"):
        client = app.test_client()
        response = AuthActions(client).login(email=email, password=builders.PASSWORD)
        assert response.status_code == 302, f"{email} could not sign in"
        return client

    return _open


@pytest.fixture
def make_user(app):
    """Create a user straight through the service (password `correct-horse-battery`)."""
    return builders.make_user


# --- a small world shared by the catalog and order modules -------------------------------------

@pytest.fixture
def categories(app):
    seed_categories()


@pytest.fixture
def staff(app):
    return builders.make_user("staff@example.vn", role="staff")


@pytest.fixture
def shop(app, staff, categories):
    owner, seller = builders.approved_seller(staff, "hoa@example.vn", name="HTX Mật ong Hưng Yên")
    return SimpleNamespace(owner=owner, seller=seller)


@pytest.fixture
def rival(app, staff, categories):
    owner, seller = builders.approved_seller(staff, "lan@example.vn", name="HTX Chè Tân Cương")
    return SimpleNamespace(owner=owner, seller=seller)


@pytest.fixture
def goods(shop, rival):
    """Two sellers with products on sale: honey (shop, 10 in stock) and tea (rival, 5)."""
    honey = builders.make_product(shop.owner, name="Mật ong hoa nhãn", price_vnd=150_000, stock=10)
    comb = builders.make_product(shop.owner, name="Mật ong sáp", price_vnd=220_000, stock=3)
    tea = builders.make_product(rival.owner, name="Trà Tân Cương", price_vnd=90_000, stock=5, category="mat-ong")
    return SimpleNamespace(honey=honey, comb=comb, tea=tea, shop=shop, rival=rival)
