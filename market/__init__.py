"""The marketplace application factory."""
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Config, config_for
from market.core.template_languages import LanguageEnvironment


def create_app(config: type[Config] | None = None, **overrides) -> Flask:
    """Build the app: configuration, extensions, blueprints, error pages, commands.

    `config` defaults to the class `MARKET_ENV` names; `overrides` win over it (tests).
    Migrations are never run here: `flask db upgrade` does that.
    """
    config = config or config_for()
    instance = Path(overrides.get("INSTANCE_PATH", config.INSTANCE_PATH))
    app = Flask(__name__, instance_path=str(instance), instance_relative_config=True)
    app.jinja_environment = LanguageEnvironment  # templates compiled per language (core/template_languages.py)
    app.config.from_object(config)
    app.config.update(overrides)
    _check_production_settings(app)
    instance.mkdir(parents=True, exist_ok=True)
    if app.config["PROXY_COUNT"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_COUNT"], x_proto=app.config["PROXY_COUNT"])

    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_security_headers(app)
    register_commands(app)
    return app


def _check_production_settings(app: Flask) -> None:
    """Production refuses to start without a secret key or a public address, and answers only
    to its own host names (a forged Host header gets 400)."""
    from urllib.parse import urlsplit

    from market.core.urls import check_public_base_url

    if app.config["ENV_NAME"] != "production":
        return
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY must be set when MARKET_ENV=production")
    if not app.config.get("PUBLIC_BASE_URL"):
        raise RuntimeError("PUBLIC_BASE_URL must be set when MARKET_ENV=production (e.g. https://cho.example.vn)")
    try:
        check_public_base_url(app.config["PUBLIC_BASE_URL"])
    except ValueError as error:
        raise RuntimeError(str(error)) from None
    if not app.config.get("TRUSTED_HOSTS"):
        app.config["TRUSTED_HOSTS"] = [urlsplit(app.config["PUBLIC_BASE_URL"]).hostname]


def register_extensions(app: Flask) -> None:
    from market.catalog.for_sellers import register_seller_lookups as hand_down_product_counts
    from market.core.i18n import select_locale, select_timezone
    from market.core.mail import init_mail
    from market.core.kept_data import forget_after_own_writes
    from market.core.page_cache import forget_pages_after_writes
    from market.orders.figures import register_program_sales
    from market.orders.invariants import guard_order_totals
    from market.payments.providers import register_providers
    from market.programs.for_sellers import register_seller_lookups as hand_down_program_filter
    from market.search.engines import init_search_engines
    from market.search.sync import init_search_sync
    from market.extensions import babel, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    init_mail(app)
    init_search_engines(app)  # get_backend() builds the engine SEARCH_BACKEND names
    init_search_sync()
    forget_pages_after_writes()
    forget_after_own_writes()
    guard_order_totals()
    register_providers()  # payments offer their methods through orders' registry
    register_program_sales()  # program figures count orders and sales (orders sits above programs)
    hand_down_program_filter()  # the staff's seller list filters by program (programs sit above sellers)
    hand_down_product_counts()  # a decision on a seller says how many products it moves (catalog too)
    # A new seller's first steps: catalog and orders answer theirs (imported to register).
    from market.catalog import first_steps as catalog_first_steps  # noqa: F401
    from market.orders import first_steps as orders_first_steps  # noqa: F401
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "strong"
    # Imported for its user_loader and message settings.
    from market.accounts import auth  # noqa: F401
    from market.accounts.services import connect_language_memory

    connect_language_memory()  # /lang/<code> (core) keeps a signed-in user's choice in the profile
    from market.accounts.deletion import account_deleting
    from market.orders.addresses import forget_shopper
    from market.sellers.leaving import leave_seller_with_account

    # Deleting an account (accounts) removes the rows of the packages above it: the seller
    # membership (its only owner is refused), then the saved addresses and the cart.
    account_deleting.connect(leave_seller_with_account)
    account_deleting.connect(forget_shopper)
    from market.pages.reminder import init_terms_reminder
    from market.sellers.terms import seller_terms_baseline

    init_terms_reminder(app, seller_terms_baseline)  # a new version of the seller terms is asked for at sign-in
    from market.orders.guide_example import pricing_example
    from market.pages.guides import register_guide_lookups
    from market.sellers.services import seller_of

    # The guides (pages) show the seller area's menu to members and work the pricing example.
    register_guide_lookups(lambda user: seller_of(user) is not None, pricing_example)
    from market.sellers.acting import init_acting

    init_acting(app)  # staff helping a seller with its consent: checked on every request, banner
    from market.core.audit import register_subject_namer
    from market.staff.audit_log import subjects

    # A seller's history names what the union did for it (a product, an order) by its name.
    register_subject_namer(lambda entries: {key: subject.name for key, subject in subjects(entries).items()})


def register_blueprints(app: Flask) -> None:
    from market.core.converters import register_converters

    register_converters(app)  # before any route: ids that fit the database, no NUL in a slug
    # Each domain's package holds its blueprint; importing its views module adds the routes.
    from market.accounts import staff_views as accounts_staff_views  # noqa: F401  (/staff/users)
    from market.accounts import views as accounts_views
    from market.api import views as api_views
    from market.catalog import seller_views  # noqa: F401  (seller tools on the catalog blueprint)
    from market.catalog import staff_views as catalog_staff_views  # noqa: F401
    from market.catalog import views as catalog_views
    from market.complaints import seller_views as complaints_seller_views  # noqa: F401
    from market.complaints import staff_views as complaints_staff_views  # noqa: F401
    from market.complaints import views as complaints_views
    from market.core import views as core_views
    from market.geo import views as geo_views
    from market.orders import seller_views as order_seller_views  # noqa: F401
    from market.orders import staff_views as orders_staff_views  # noqa: F401
    from market.orders import account_views as orders_account_views  # noqa: F401  (/account/orders, /account/addresses)
    from market.orders import views as orders_views
    from market.pages import staff_views as pages_staff_views  # noqa: F401
    from market.pages import views as pages_views
    from market.payments import staff_views as payments_staff_views  # noqa: F401
    from market.payments import views as payments_views
    from market.programs import staff_views as programs_staff_views  # noqa: F401
    from market.programs import views as programs_views
    from market.programs import seller_views as programs_seller_views  # noqa: F401  (/sell/programs)
    from market.reviews import seller_views as reviews_seller_views  # noqa: F401
    from market.reviews import staff_views as reviews_staff_views  # noqa: F401
    from market.reviews import views as reviews_views
    from market.search import views as search_views
    from market.sellers import views as sellers_views
    from market.sellers import seller_views as sellers_seller_views  # noqa: F401  (/sell on the sellers blueprint)
    from market.sellers import staff_views as sellers_staff_views  # noqa: F401
    from market.sellers import help_views as sellers_help_views  # noqa: F401  (/sell/help-from-union)
    from market.staff import views as staff_views

    app.register_blueprint(core_views.bp)
    app.register_blueprint(accounts_views.bp)
    app.register_blueprint(catalog_views.bp)
    app.register_blueprint(sellers_views.bp)
    app.register_blueprint(programs_views.bp)
    app.register_blueprint(staff_views.bp, url_prefix="/staff")
    app.register_blueprint(search_views.bp)
    app.register_blueprint(api_views.bp, url_prefix="/api/v1")
    app.register_blueprint(orders_views.bp)
    app.register_blueprint(payments_views.bp)
    app.register_blueprint(geo_views.bp)
    app.register_blueprint(pages_views.bp)
    app.register_blueprint(reviews_views.bp)
    app.register_blueprint(complaints_views.bp)


def register_errorhandlers(app: Flask) -> None:
    from market.core.errors import register_error_pages

    register_error_pages(app)


def register_template_helpers(app: Flask) -> None:
    from market.core.templating import register_filters_and_globals

    register_filters_and_globals(app)
    from market.reviews.wiring import init_reviews

    init_reviews(app)  # review blocks on the order, product and seller pages; the product's JSON-LD


def register_security_headers(app: Flask) -> None:
    from market.core.security import add_security_headers

    app.after_request(add_security_headers)


def register_commands(app: Flask) -> None:
    from market.accounts.commands import create_user_command
    from market.catalog.commands import catalog_cli
    from market.core.mail import mail_cli
    from market.demo.commands import seed_demo_command
    from market.demo.screenshots import guides_cli
    from market.orders.commands import orders_cli
    from market.reviews.commands import reviews_cli
    from market.search.commands import search_cli
    from market.sellers.commands import sellers_cli
    from market.staff.commands import report_command
    from market.staff.digest import staff_cli

    app.cli.add_command(catalog_cli)
    app.cli.add_command(search_cli)
    app.cli.add_command(sellers_cli)
    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(guides_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(orders_cli)
    app.cli.add_command(reviews_cli)
    app.cli.add_command(staff_cli)
    app.cli.add_command(report_command)
