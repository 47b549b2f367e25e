"""Absolute links come from PUBLIC_BASE_URL, never from the request's Host header; production
answers only to its own host names; the page cache keeps only pages served for our address."""
import json
import re

import pytest
from sqlalchemy import select

from config import ProductionConfig, TestConfig
from market import create_app
from market.core.models import OutboundEmail
from market.core.page_cache import pages
from market.extensions import db
from tests.builders import CHECKOUT
from tests.conftest import csrf_token_from

EVIL = "cho-phu-nu.evil.example"
FORGED = {"Host": EVIL}


def _post_with_forged_host(client, url, data, form_url):
    page = client.get(form_url, headers=FORGED)
    return client.post(url, data={"csrf_token": csrf_token_from(page), **data}, headers=FORGED)


def test_emails_of_an_order_placed_with_a_forged_host_link_to_our_site(client, goods):
    client.post("/cart/add", headers=FORGED, data={
        "csrf_token": csrf_token_from(client.get(f"/products/{goods.honey.slug}", headers=FORGED)),
        "product_id": goods.honey.id, "quantity": 1})
    response = _post_with_forged_host(client, "/checkout", {**CHECKOUT, "email": "mai@example.vn"}, "/checkout")
    assert response.status_code == 303
    assert EVIL not in response.headers["Location"]

    emails = db.session.scalars(select(OutboundEmail)).all()
    to_seller = [email for email in emails if email.to_address == goods.shop.owner.email]
    to_guest = [email for email in emails if email.to_address == "mai@example.vn"]
    assert to_seller and to_guest
    for email in emails:
        assert EVIL not in email.body
    assert any(re.search(r"http://localhost/sell/orders/\d+", email.body) for email in to_seller)
    assert any(re.search(r"http://localhost/orders/[\w-]{40,}", email.body) for email in to_guest)


def test_storefront_links_for_machines_ignore_the_host_header(client, goods):
    product = client.get(f"/products/{goods.honey.slug}", headers=FORGED).get_data(as_text=True)
    home = client.get("/", headers=FORGED).get_data(as_text=True)
    sitemap = client.get("/sitemap.xml", headers=FORGED).get_data(as_text=True)
    robots = client.get("/robots.txt", headers=FORGED).get_data(as_text=True)
    api = client.get("/api/v1/products", headers=FORGED).get_data(as_text=True)

    for body in (product, home, sitemap, robots, api):
        assert EVIL not in body
    assert f'<link rel="canonical" href="http://localhost/products/{goods.honey.slug}">' in product
    assert 'property="og:image" content="http://localhost/' in product
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', product, re.S).group(1))
    assert ld["offers"]["url"] == f"http://localhost/products/{goods.honey.slug}"
    assert ld["image"][0].startswith("http://localhost/media/products/")
    assert "<loc>http://localhost/</loc>" in sitemap
    assert "Sitemap: http://localhost/sitemap.xml" in robots


def test_a_forged_host_never_fills_the_page_cache(app, client, goods):
    app.config["PAGE_CACHE_SECONDS"] = 60
    pages.clear()
    try:
        first = client.get("/", headers=FORGED)
        again = client.get("/", headers=FORGED)
        assert "X-Page-Cache" not in again.headers  # not stored, not served from the cache
        assert client.get("/").headers.get("X-Page-Cache") is None  # our host: rendered...
        ours = client.get("/")
        assert ours.headers.get("X-Page-Cache") == "hit"  # ...then served from the cache
        assert EVIL not in first.get_data(as_text=True) + ours.get_data(as_text=True)
    finally:
        pages.clear()


def test_links_follow_the_configured_base_url(app, client, goods):
    app.config["PUBLIC_BASE_URL"] = "https://cho.example.vn/"
    page = client.get(f"/products/{goods.honey.slug}").get_data(as_text=True)
    assert f'href="https://cho.example.vn/products/{goods.honey.slug}"' in page


# --- production: required settings and trusted hosts ---------------------------------------------

def _production(tmp_path, **settings):
    values = {"SECRET_KEY": "x" * 32, "INSTANCE_PATH": tmp_path, "SQLALCHEMY_DATABASE_URI": "sqlite://",
              "PUBLIC_BASE_URL": "https://cho.example.vn", **settings}
    return create_app(ProductionConfig, **values)


def test_production_refuses_to_start_without_a_public_base_url(tmp_path):
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        _production(tmp_path, PUBLIC_BASE_URL=None)
    for wrong in ("cho.example.vn", "ftp://cho.example.vn", "https://", "https://cho.example.vn/?x=1"):
        with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
            _production(tmp_path, PUBLIC_BASE_URL=wrong)


@pytest.mark.parametrize("host, status", [
    ("cho.example.vn", 200), ("cho.example.vn:443", 200), (EVIL, 400), ("cho.example.vn.evil.example", 400),
    ("127.0.0.1", 400), ("", 400), ("cho.example.vn@evil.example", 400),
])
def test_production_answers_only_to_its_own_host(tmp_path, host, status):
    app = _production(tmp_path)
    assert app.config["TRUSTED_HOSTS"] == ["cho.example.vn"]
    response = app.test_client().get("/robots.txt", headers={"Host": host})
    assert response.status_code == status
    assert EVIL not in response.get_data(as_text=True)


def test_production_trusted_hosts_can_be_listed(tmp_path):
    app = _production(tmp_path, TRUSTED_HOSTS=["cho.example.vn", "www.cho.example.vn"])
    client = app.test_client()
    assert client.get("/robots.txt", headers={"Host": "www.cho.example.vn"}).status_code == 200
    assert client.get("/robots.txt", headers={"Host": EVIL}).status_code == 400


def test_the_test_and_development_settings_have_a_base_url():
    assert TestConfig.PUBLIC_BASE_URL == "http://localhost"
    assert ProductionConfig.TRUSTED_HOSTS is None or isinstance(ProductionConfig.TRUSTED_HOSTS, list)
