"""Cross-cutting behaviour: languages, error pages, health, safety helpers, roles, commands."""
from datetime import datetime, timezone

import pytest
from flask import Blueprint
from flask_babel import force_locale

from market.core.i18n import format_day, format_moment, format_money
from market.core.security import is_safe_next, roles_required
from market.extensions import db

EN = {"Accept-Language": "en-US,en;q=0.9"}


# --- languages -------------------------------------------------------------------------

def test_vietnamese_is_the_default(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="vi">' in page
    assert "Đăng nhập" in page and "Đăng ký" in page and "Tìm kiếm" in page


def test_accept_language_picks_english(client):
    page = client.get("/", headers=EN).get_data(as_text=True)
    assert '<html lang="en">' in page
    for label in ("Sign in", "Register", "Search"):
        assert f">{label}<" in page


def test_unsupported_accept_language_falls_back_to_vietnamese(client):
    page = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="vi">' in page


def test_language_switch_is_remembered_over_accept_language(client):
    response = client.get("/lang/en?next=/account/sign-in")
    assert response.status_code == 302 and response.headers["Location"] == "/account/sign-in"
    page = client.get("/account/sign-in", headers={"Accept-Language": "vi"}).get_data(as_text=True)
    assert '<html lang="en">' in page and ">Email<" in page and ">Password<" in page


def test_language_switch_is_saved_in_the_profile(client, auth, make_user):
    user = make_user()
    auth.login()
    client.get("/lang/en")
    db.session.refresh(user)
    assert user.locale == "en"
    auth.logout()
    auth.login()  # a fresh session: the profile decides
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "vi"}).get_data(as_text=True)


def test_language_switch_refuses_unknown_language_and_offsite_next(client):
    assert client.get("/lang/fr").status_code == 404
    assert client.get("/lang/en?next=//evil.example").headers["Location"] == "/"


def test_every_page_has_the_language_control(client):
    for path in ("/", "/account/sign-in", "/account/register", "/no-such-page"):
        page = client.get(path).get_data(as_text=True)
        assert "/lang/en?next=" in page


def test_money_is_integer_dong_in_each_locale(app):
    with app.test_request_context(), force_locale("vi"):
        assert format_money(150000) == "150.000\xa0₫"
        assert format_money(0) == "0\xa0₫"
    with app.test_request_context(), force_locale("en"):
        assert format_money(150000) == "₫150,000"


def test_dates_follow_the_locale_and_vietnam_time(app):
    moment = datetime(2026, 3, 8, 20, 30, tzinfo=timezone.utc)  # 9 March, 03:30 in Hà Nội
    with app.test_request_context(), force_locale("vi"):
        assert "9 thg 3, 2026" in format_day(moment) or "09/03/2026" in format_day(moment, "short")
        assert "03:30" in format_moment(moment)
    with app.test_request_context(), force_locale("en"):
        assert format_day(moment) == "Mar 9, 2026"


# --- error pages -----------------------------------------------------------------------

ERROR_PAGES = {
    400: ("Bad request", "Yêu cầu không hợp lệ"),
    403: ("Access denied", "Không có quyền truy cập"),
    404: ("Page not found", "Không tìm thấy trang"),
    405: ("Method not allowed", "Phương thức không được phép"),
    413: ("File too large", "Tệp quá lớn"),
    429: ("Too many attempts", "Thử quá nhiều lần"),
    500: ("Something went wrong", "Đã xảy ra lỗi"),
}


@pytest.fixture
def failing_app(database_url, instance_path, _migrated_database):
    """An app with a route for each error status, as production runs it (no propagation)."""
    from flask import abort

    from tests.conftest import make_app

    app = make_app(database_url, instance_path, TESTING=False, MAX_CONTENT_LENGTH=1000)
    errors = Blueprint("errors_for_test", __name__)

    @errors.route("/fail/<int:status>", methods=["GET", "POST"])
    def fail(status):
        if status == 500:
            raise RuntimeError("secret internals")
        abort(status)

    app.register_blueprint(errors)
    return app


@pytest.mark.parametrize("status", sorted(ERROR_PAGES))
@pytest.mark.parametrize("language", ["en", "vi"])
def test_error_pages_in_both_languages(failing_app, status, language):
    english, vietnamese = ERROR_PAGES[status]
    response = failing_app.test_client().get(f"/fail/{status}", headers={"Accept-Language": language})
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert (english if language == "en" else vietnamese) in page
    assert "Traceback" not in page and "secret internals" not in page


def test_real_405_and_413(failing_app):
    client = failing_app.test_client()
    response = client.post("/healthz")
    assert response.status_code == 405 and "GET" in response.headers["Allow"]
    response = client.post("/fail/200", data={"big": "x" * 5000})
    assert response.status_code == 413


# --- health ----------------------------------------------------------------------------

def test_healthz_says_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_a_dead_database(database_url, instance_path, tmp_path, _migrated_database):
    from tests.conftest import make_app

    app = make_app(database_url, instance_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing/dir/x.db")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "error"


# --- safety ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/account/profile", True),
        ("/search?q=%C3%A1o+d%C3%A0i", True),
        ("//evil.example", False),
        ("/\\evil.example", False),
        ("\\\\evil.example", False),
        ("https://evil.example", False),
        ("http:evil.example", False),
        ("/\n/evil.example", False),
        ("", False),
        (None, False),
        ("account", False),
    ],
)
def test_is_safe_next(target, safe):
    assert is_safe_next(target) is safe


def test_security_headers(client):
    headers = client.get("/").headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


@pytest.fixture
def gated_app(database_url, instance_path, _migrated_database):
    from tests.conftest import make_app

    app = make_app(database_url, instance_path)
    gated = Blueprint("gated", __name__)

    @gated.route("/staff-only")
    @roles_required("staff")
    def staff_only():
        return "staff page"

    @gated.route("/seller-or-staff")
    @roles_required("seller", "staff")
    def seller_or_staff():
        return "seller page"

    app.register_blueprint(gated)
    with app.app_context():
        yield app


@pytest.mark.parametrize(
    ("role", "province", "path", "status"),
    [
        (None, None, "/staff-only", 302),
        ("shopper", None, "/staff-only", 403),
        ("seller", None, "/staff-only", 403),
        ("staff", None, "/staff-only", 200),
        ("staff", "Lâm Đồng", "/staff-only", 200),
        ("shopper", None, "/seller-or-staff", 403),
        ("seller", None, "/seller-or-staff", 200),
    ],
)
def test_role_gates(gated_app, make_user, role, province, path, status):
    from tests.conftest import AuthActions

    client = gated_app.test_client()
    if role:
        make_user(role=role, province=province)
        AuthActions(client).login()
    response = client.get(path)
    assert response.status_code == status
    if status == 302:
        assert response.headers["Location"].startswith("/account/sign-in?next=")


# --- production settings -----------------------------------------------------------------

def test_production_refuses_to_start_without_a_secret_key(monkeypatch, tmp_path):
    from config import ProductionConfig
    from market import create_app

    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", None)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig, INSTANCE_PATH=tmp_path)


def test_production_cookies_are_secure(tmp_path):
    from config import ProductionConfig
    from market import create_app

    app = create_app(ProductionConfig, SECRET_KEY="x" * 32, PUBLIC_BASE_URL="https://cho.example.vn",
                     INSTANCE_PATH=tmp_path)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["REMEMBER_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert not app.debug


def test_database_and_files_live_under_the_instance_path(monkeypatch, tmp_path):
    import importlib

    import config

    monkeypatch.setenv("MARKET_INSTANCE_PATH", str(tmp_path / "inst"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    reloaded = importlib.reload(config)
    try:
        assert reloaded.Config.SQLALCHEMY_DATABASE_URI == f"sqlite:///{tmp_path / 'inst' / 'market.db'}"
    finally:
        monkeypatch.undo()
        importlib.reload(config)


def test_reads_let_past_the_rate_limiter_have_no_limit_declared(app):
    """Storefront reads skip Flask-Limiter's per-request work (extensions.UNLIMITED_READS):
    only right while no limit of any kind applies to them."""
    from market.extensions import UNLIMITED_READS, limiter

    manager = limiter.limit_manager
    assert not manager.application_limits and not manager.default_limits
    assert UNLIMITED_READS <= set(app.view_functions)
    for endpoint in UNLIMITED_READS:
        blueprint = endpoint.partition(".")[0]
        for in_middleware in (True, False):
            assert manager.resolve_limits(app, endpoint, blueprint, None, in_middleware) == ([], [])


def test_only_reads_of_those_pages_skip_the_rate_limiter(app):
    from market.extensions import _unlimited_read

    for path, method, skipped in [("/products/mat-ong", "GET", True), ("/search", "HEAD", True),
                                  ("/account/sign-in", "GET", False), ("/api/v1/products", "GET", False),
                                  ("/products/mat-ong", "POST", False)]:
        with app.test_request_context(path, method=method):
            assert _unlimited_read() is skipped, (path, method)
