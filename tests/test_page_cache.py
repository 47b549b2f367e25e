"""The storefront's page cache for anonymous visitors."""
import pytest

from market.catalog import services as catalog
from market.core.page_cache import pages
from market.sellers import services as sellers
from tests.builders import application, certificate, png


@pytest.fixture
def shop(app, make_user):
    app.config["PAGE_CACHE_SECONDS"] = 60
    pages.clear()
    catalog.seed_categories()
    owner = make_user("hoa@example.vn")
    staff = make_user("staff@example.vn", role="staff")
    seller = sellers.save_application(owner, application(), submit=True, documents=certificate())
    sellers.decide(staff, seller.id, "approve")
    category = catalog.category_choices()[0][0]
    data = catalog.ProductData(name="Mật ong hoa nhãn", category_id=category, price_vnd=185_000, stock=5, unit="jar")
    product = catalog.create_product(owner, data, photos=[png()], publish=True)
    yield owner, product
    pages.clear()


def test_anonymous_visitors_get_the_cached_page_per_language(client, shop):
    _owner, product = shop
    url = f"/products/{product.slug}"
    first = client.get(url)
    assert first.status_code == 200 and "X-Page-Cache" not in first.headers
    second = client.get(url)
    assert second.headers["X-Page-Cache"] == "hit" and second.data == first.data
    english = client.get(url, headers={"Accept-Language": "en"})
    assert "X-Page-Cache" not in english.headers and "Only 5 left" in english.get_data(as_text=True)


def test_a_write_in_this_worker_drops_the_cached_pages(client, shop):
    owner, product = shop
    url = f"/products/{product.slug}"
    client.get(url)
    catalog.set_stock_and_price(owner, product.id, 5, 99_000, seen_stock=5)
    fresh = client.get(url)
    assert "X-Page-Cache" not in fresh.headers
    assert "99.000" in fresh.get_data(as_text=True)


def test_signed_in_users_never_get_cached_pages(client, shop, auth):
    _owner, product = shop
    url = f"/products/{product.slug}"
    client.get(url)
    auth.login(email="hoa@example.vn")
    response = client.get(url)
    assert "X-Page-Cache" not in response.headers
    assert "Đăng xuất" in response.get_data(as_text=True)


def test_a_hidden_product_is_not_served_from_the_cache(client, shop):
    owner, product = shop
    url = f"/products/{product.slug}"
    client.get(url)
    catalog.change_product_status(owner, product.id, "hide")
    assert client.get(url).status_code == 404


def test_cached_pages_expire(client, shop, monkeypatch):
    import market.core.page_cache as page_cache

    _owner, product = shop
    url = f"/products/{product.slug}"
    now = page_cache.time.monotonic()
    monkeypatch.setattr(page_cache.time, "monotonic", lambda: now)
    client.get(url)
    assert client.get(url).headers["X-Page-Cache"] == "hit"
    monkeypatch.setattr(page_cache.time, "monotonic", lambda: now + 61)
    assert "X-Page-Cache" not in client.get(url).headers
