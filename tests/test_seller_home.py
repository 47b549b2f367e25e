"""The seller home (/sell): what an approved seller's member has to do now, each with its count
and a link to the filtered list; this month's sales against the same days of last month
(Vietnam's calendar); a fixed number of SQL statements whatever the data; other statuses keep
their page. And the seller menu every /sell page shares."""
from datetime import date, datetime, timezone

import pytest
import time_machine

from market.catalog import services as catalog
from market.orders import services as orders
from market.sellers import home
from market.sellers import services as sellers
from tests import builders
from tests.builders import EN, counted_queries


def at(moment: str):
    return time_machine.travel(datetime.fromisoformat(moment).replace(tzinfo=timezone.utc), tick=False)


def test_span_follows_vietnams_calendar(app):
    with app.app_context():
        # 17:30 UTC on 30 November is 00:30 on 1 December in Vietnam: December has begun.
        span = home.span_at(datetime(2026, 11, 30, 17, 30, tzinfo=timezone.utc))
    assert span.today == date(2026, 12, 1)
    assert span.this_start == datetime(2026, 11, 30, 17, 0, tzinfo=timezone.utc)
    assert span.last_month == date(2026, 11, 1) and span.same_until == date(2026, 11, 1)


@pytest.fixture
def busy_shop(goods, staff):
    """November and December of the honey shop (times UTC): a November order, two December
    orders (one confirmed), an order cancelled; the comb low on stock, a product sold out and
    one blocked by the union."""
    shop = goods.shop
    jar = builders.make_product(shop.owner, name="Mật ong hũ lớn", price_vnd=150_000, stock=50)
    with at("2026-11-02 03:00"):
        builders.place((jar, 1))  # 2 Nov: the same days of last month
    with at("2026-11-20 03:00"):
        builders.place((jar, 4))  # after the same days: all of November only
    with at("2026-12-01 02:00"):
        confirmed = builders.place((jar, 2), (goods.tea, 1))
        part = next(p for p in confirmed.seller_orders if p.seller_id == shop.seller.id)
        orders.fulfil(shop.owner, part, "confirm")
        builders.place((jar, 3))
        cancelled = builders.place((jar, 1))
        orders.fulfil(shop.owner, cancelled.seller_orders[0], "cancel", reason="Hết hàng")
        empty = builders.make_product(shop.owner, name="Mật ong rừng", price_vnd=300_000, stock=1)
        builders.place((empty, 1))
        blocked = builders.make_product(shop.owner, name="Mật ong giả", price_vnd=10_000, stock=9)
        catalog.moderate_product(staff, blocked.id, "block", "Ảnh không đúng sản phẩm.")
    return shop


def read_home(client_for, email="hoa@example.vn"):
    with at("2026-12-03 04:00"):
        client = client_for(email)
        client.get("/sell")
        with counted_queries() as statements:
            response = client.get("/sell", headers=EN)
    assert response.status_code == 200
    return statements, response.get_data(as_text=True)


def test_home_counts_the_work_and_this_months_sales(busy_shop, client_for):
    _statements, page = read_home(client_for)
    # four orders never confirmed (two of November, two of December) and one confirmed
    assert 'href="/sell/orders?status=pending"' in page and "Orders to confirm" in page
    assert 'href="/sell/orders?status=confirmed"' in page and "Orders to ship" in page
    assert "Products sold out" in page and "Products low on stock" in page
    assert 'href="/sell/products?status=blocked"' in page and "Products the union sent back" in page
    assert "Quarterly figures for the union" in page and ">Q4</span>" in page and 'href="/sell/figures"' in page
    figures = home.seller_home(busy_shop.seller, datetime(2026, 12, 3, 4, tzinfo=timezone.utc), 5)
    assert figures.todo == {"to_confirm": 4, "to_ship": 1, "out_of_stock": 1, "low_stock": 1, "blocked": 1,
                            "figures": 1}
    # December: 2 + 3 + 1 units of honey in three parts (the cancelled one left out), with shipping.
    sales = figures.sales
    assert (sales.orders, sales.units) == (3, 6)
    assert sales.revenue_vnd == 5 * 150_000 + 300_000 + 3 * 30_000
    # 1–3 November: the order of 2 November only.
    assert (sales.orders_before, sales.units_before, sales.revenue_before_vnd) == (1, 1, 180_000)
    assert "November 1" in page or "1 November" in page or "Nov" in page


def test_figures_sent_this_quarter_are_no_longer_asked(busy_shop, client_for):
    with at("2026-12-02 04:00"):
        sellers.report_figures(busy_shop.owner, 20, 12, date(2026, 12, 2))
    _statements, page = read_home(client_for)
    assert "Quarterly figures for the union" not in page


def test_a_quiet_seller_is_told_nothing_waits(shop, client_for):
    _statements, page = read_home(client_for)
    with at("2026-12-03 04:00"):
        sellers.report_figures(shop.owner, 20, 12, date(2026, 12, 3))
    _statements, page = read_home(client_for)
    assert "Nothing is waiting for you." in page
    assert "Sales this month" in page


def test_the_home_costs_the_same_statements_whatever_the_data(shop, goods, client_for):
    few, _page = read_home(client_for)
    with at("2026-12-02 03:00"):
        for number in range(5):
            product = builders.make_product(shop.owner, name=f"Mật ong số {number}", price_vnd=50_000, stock=number)
            if number:
                builders.place((product, 1), (goods.honey, 1))
    many, _page = read_home(client_for)
    assert len(many) == len(few)
    assert len(few) <= 11  # 8, and the first steps' three (tests/test_first_steps.py)


@pytest.mark.parametrize("status", ["pending", "rejected", "suspended"])
def test_other_statuses_keep_their_page(client_for, make_user, status):
    owner = make_user("chi@example.vn")
    builders.make_seller(owner, status, logo=False)
    response = client_for("chi@example.vn").get("/sell", headers=EN)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "To do now" not in page and "Sales this month" not in page
    assert 'class="seller-nav"' in page
    if status != "pending":
        assert "Reason given by the union:" in page


def test_a_member_sees_the_home_without_the_owners_profile_link(shop, client_for):
    builders.add_member(shop.owner, "mai@example.vn")
    page = client_for("mai@example.vn").get("/sell", headers=EN).get_data(as_text=True)
    assert "To do now" in page and 'href="/sell/profile"' not in page


# --- the seller menu ------------------------------------------------------------------------

SELLER_PAGES = ["/sell", "/sell/products", "/sell/orders", "/sell/complaints", "/sell/reviews",
                "/sell/statement", "/sell/shipping", "/sell/programs", "/sell/figures", "/sell/members",
                "/sell/history", "/sell/profile"]


@pytest.mark.parametrize("path", SELLER_PAGES)
def test_every_seller_page_has_the_one_compact_menu(shop, client_for, path):
    page = client_for().get(path, headers=EN).get_data(as_text=True)
    assert page.count('class="seller-nav"') == 1
    assert '<details class="seller-more">' in page
    # the current place is marked (under "More" for the rarer pages); the profile is the owner's, on the home
    assert path == "/sell/profile" or f'href="{path}" aria-current="page"' in page


def test_the_menu_marks_the_orders_tab_on_an_order_page(goods, client_for):
    order = builders.place((goods.honey, 1))
    part = order.seller_orders[0]
    page = client_for().get(f"/sell/orders/{part.id}", headers=EN).get_data(as_text=True)
    assert 'href="/sell/orders" aria-current="page"' in page
    assert 'href="/sell" aria-current="page"' not in page


def test_the_stock_rows_open_the_list_of_those_products(shop, client_for):
    builders.make_product(shop.owner, name="Mật ong hết", price_vnd=90_000, stock=0)
    builders.make_product(shop.owner, name="Mật ong sắp hết", price_vnd=90_000, stock=2)
    builders.make_product(shop.owner, name="Mật ong đầy kho", price_vnd=90_000, stock=80)
    builders.make_product(shop.owner, publish=False, name="Mật ong nháp", price_vnd=90_000, stock=0)
    client = client_for(shop.owner.email)
    _statements, page = read_home(client_for)
    assert 'href="/sell/products?stock=out"' in page and 'href="/sell/products?stock=low"' in page
    out = client.get("/sell/products?stock=out", headers=EN).get_data(as_text=True)
    assert "Mật ong hết" in out and "Mật ong sắp hết" not in out and "Mật ong nháp" not in out
    low = client.get("/sell/products?stock=low", headers=EN).get_data(as_text=True)
    assert "Mật ong sắp hết" in low and "Mật ong hết<" not in low and "Mật ong đầy kho" not in low
    assert client.get("/sell/products?stock=some", headers=EN).status_code == 404
