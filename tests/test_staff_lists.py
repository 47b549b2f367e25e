"""Staff lists that scale: the products list (/staff/products: paged, filtered by status,
category, seller, province, OCOP and name, filters kept in paging links, provincial scope),
and days (Vietnam's calendar) on the orders list, its CSV (/staff/orders.csv) and the
balances (/staff/balances, /staff/balances.csv). Hostile values get a message, never a 500."""
import csv
import io
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import update

from market.catalog import services as catalog
from market.catalog import staff_queries
from market.core.csv_export import BOM, csv_chunks
from market.extensions import db
from market.orders import ledger, services
from market.orders.models import LedgerEntry, SellerOrder
from tests.builders import (
    EN,
    approved_seller,
    counted_queries,
    make_product,
    make_user,
    pdf,
    photo,
    place,
    product_data,
    reload,
)

HUGE = "99999999999999999999"
VI_COD, VI_NEW = "Thanh toán khi nhận hàng (COD)", "chờ xác nhận"


def text(response) -> str:
    return response.get_data(as_text=True)


def csv_rows(response) -> list[list[str]]:
    body = response.get_data().decode("utf-8")
    assert body.startswith(BOM)
    return list(csv.reader(io.StringIO(body.removeprefix(BOM))))


def product_rows(page: str) -> list[str]:
    """The product names listed, in order."""
    return re.findall(r'<td><a href="/staff/products/\d+">([^<]+)</a></td>', page)


@pytest.fixture
def central(staff, client_for):
    return client_for(staff.email)


@pytest.fixture
def lam_dong_desk(client_for):
    make_user("ld@example.vn", role="staff", province="Lâm Đồng")
    return client_for("ld@example.vn")


@pytest.fixture
def ha_noi(staff, categories):
    """A Hà Nội seller with a pot on sale (outside Lâm Đồng staff's scope)."""
    owner, seller = approved_seller(staff, "hn@example.vn", name="HTX Gốm Bát Tràng", province="Hà Nội")
    pot = make_product(owner, name="Bình gốm men lam", price_vnd=300_000, stock=4, category="gom-su")
    return owner, seller, pot


@pytest.fixture
def shelf(goods, ha_noi, staff):
    """Products of every status and OCOP check, in two provinces and several categories."""
    draft = make_product(goods.shop.owner, publish=False, name="Mật ong rừng (nháp)")
    tea = make_product(goods.rival.owner, name="Trà xanh Thái Nguyên", category="tra")
    catalog.moderate_product(staff, tea.id, "block", "Ảnh không đúng sản phẩm")
    claimed = catalog.create_product(goods.shop.owner, product_data(name="Mật ong bạc hà", ocop_stars=4),
                                     photos=[photo()], ocop_certificate=pdf(), publish=True)
    verified = catalog.create_product(goods.shop.owner, product_data(name="Mật ong OCOP", ocop_stars=5),
                                      photos=[photo()], ocop_certificate=pdf(), publish=True)
    catalog.decide_ocop(staff, verified.id, True, stars_seen=5)
    return goods, draft, tea, claimed, verified, ha_noi


# --- the products list -----------------------------------------------------------------------------

def test_the_list_shows_every_product_in_scope_newest_first(shelf, central):
    page = text(central.get("/staff/products", headers=EN))
    names = product_rows(page)
    assert names[0] == "Mật ong OCOP" and "Mật ong hoa nhãn" in names and "Bình gốm men lam" in names
    assert len(names) == 8 and "8 products" in page
    assert "HTX Gốm Bát Tràng" in page and "(Hanoi)" in page


@pytest.mark.parametrize("query, expected", [
    ({"status": "draft"}, {"Mật ong rừng (nháp)"}),
    ({"status": "blocked"}, {"Trà xanh Thái Nguyên"}),
    ({"ocop": "claimed"}, {"Mật ong bạc hà"}),
    ({"ocop": "verified"}, {"Mật ong OCOP"}),
    ({"q": "mat ong rung"}, {"Mật ong rừng (nháp)"}),
    ({"q": "TRÀ XANH"}, {"Trà xanh Thái Nguyên"}),
    ({"q": "binh gom"}, {"Bình gốm men lam"}),
    ({"seller": "gom bat trang"}, {"Bình gốm men lam"}),
    ({"seller": "chè tân"}, {"Trà Tân Cương", "Trà xanh Thái Nguyên"}),
    ({"province": "01"}, {"Bình gốm men lam"}),
    ({"q": "%"}, set()),
    ({"q": "mật ong", "ocop": "verified", "status": "active"}, {"Mật ong OCOP"}),
])
def test_each_filter(shelf, central, query, expected):
    response = central.get("/staff/products", query_string=query, headers=EN)
    assert response.status_code == 200
    assert set(product_rows(text(response))) == expected


def test_a_top_category_takes_its_sub_categories(shelf, central):
    from tests.builders import category_id

    top = text(central.get(f"/staff/products?category={category_id('tra-ca-phe')}", headers=EN))
    assert set(product_rows(top)) == {"Trà xanh Thái Nguyên"}
    honey = text(central.get(f"/staff/products?category={category_id('mat-ong')}", headers=EN))
    assert "Trà Tân Cương" in product_rows(honey)  # listed under honey by the goods fixture
    assert f'<option value="{category_id("mat-ong")}" selected>' in honey


def test_a_sellers_link_lists_that_sellers_products(shelf, central):
    goods = shelf[0]
    page = text(central.get("/staff/products", headers=EN))
    link = f'href="/staff/products?seller_id={goods.rival.seller.id}"'
    assert link in page
    page = text(central.get(f"/staff/products?seller_id={goods.rival.seller.id}", headers=EN))
    assert set(product_rows(page)) == {"Trà Tân Cương", "Trà xanh Thái Nguyên"}
    assert "Products of HTX Chè Tân Cương." in page
    assert f'<input type="hidden" name="seller_id" value="{goods.rival.seller.id}">' in page


def test_paging_keeps_the_filters(goods, central, monkeypatch):
    monkeypatch.setattr(staff_queries, "PAGE_SIZE", 2)
    for number in range(3):
        make_product(goods.shop.owner, name=f"Mật ong số {number}", publish=False)
    first = text(central.get("/staff/products?q=mat+ong&status=draft", headers=EN))
    assert product_rows(first) == ["Mật ong số 2", "Mật ong số 1"] and "Page 1 of 2" in first
    next_link = re.search(r'<a rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "q=mat+ong" in next_link and "status=draft" in next_link and "page=2" in next_link
    assert product_rows(text(central.get(next_link, headers=EN))) == ["Mật ong số 0"]


def test_a_page_costs_the_same_queries_with_more_products(goods, central):
    with counted_queries() as few:
        central.get("/staff/products")
    for number in range(12):
        make_product(goods.rival.owner, name=f"Trà số {number}", category="tra")
    with counted_queries() as many:
        central.get("/staff/products")
    assert len(many) == len(few)


def test_provincial_staff_see_their_province_only(shelf, lam_dong_desk):
    page = text(lam_dong_desk.get("/staff/products", headers=EN))
    assert "Bình gốm men lam" not in product_rows(page) and "Mật ong OCOP" in product_rows(page)
    assert 'id="province"' not in page  # no province to choose
    page = text(lam_dong_desk.get("/staff/products?province=01", headers=EN))
    assert product_rows(page) == []  # asking for Hà Nội shows nothing of it
    hanoi_seller = shelf[5][1]
    response = lam_dong_desk.get(f"/staff/products?seller_id={hanoi_seller.id}", headers=EN)
    assert response.status_code == 400 and "HTX Gốm Bát Tràng" not in text(response)
    assert "This seller is not in your list." in text(response)
    page = text(lam_dong_desk.get("/staff/products?seller=gom", headers=EN))
    assert product_rows(page) == []


@pytest.mark.parametrize("query, message", [
    ({"status": "deleted"}, "Choose a status from the list."),
    ({"status": "²"}, "Choose a status from the list."),
    ({"ocop": "x" * 5000}, "Choose an OCOP check from the list."),
    ({"province": "99"}, "Choose a province from the list."),
    ({"province": "../01"}, "Choose a province from the list."),
    ({"category": HUGE}, "Choose a category from the list."),
    ({"category": "²"}, "Choose a category from the list."),
    ({"category": "2147483647"}, "Choose a category from the list."),
    ({"seller_id": HUGE}, "This seller is not in your list."),
    ({"seller_id": "-1"}, "This seller is not in your list."),
])
def test_hostile_filters_get_a_message(shelf, central, query, message):
    response = central.get("/staff/products", query_string=query, headers=EN)
    assert response.status_code == 400
    assert message in text(response) and product_rows(text(response)) == []


@pytest.mark.parametrize("value", ["\x00", "x" * 5000, HUGE, "²", "'; DROP TABLE products; --", "_"])
def test_hostile_search_text_is_just_text(shelf, central, value):
    for key in ("q", "seller"):
        assert central.get("/staff/products", query_string={key: value}).status_code == 200


# --- orders: days on the list and its CSV ----------------------------------------------------------

def placed_at(order, when: datetime) -> None:
    db.session.execute(update(SellerOrder).where(SellerOrder.order_id == order.id).values(created_at=when))
    db.session.commit()


@pytest.fixture
def night(goods, ha_noi):
    """Orders either side of Vietnam's midnight between 31 May and 1 June (17:00 UTC)."""
    before = place((goods.honey, 1))
    after = place((goods.tea, 1))
    pot = place((ha_noi[2], 1))
    placed_at(before, datetime(2026, 5, 31, 16, 59, tzinfo=timezone.utc))  # 23:59 on 31 May in Vietnam
    placed_at(after, datetime(2026, 5, 31, 17, 0, tzinfo=timezone.utc))    # 00:00 on 1 June
    placed_at(pot, datetime(2026, 6, 1, 3, 0, tzinfo=timezone.utc))
    return before, after, pot


def test_the_orders_list_takes_vietnam_days(night, central):
    before, after, pot = night
    page = text(central.get("/staff/orders?from=2026-05-31&to=2026-05-31", headers=EN))
    assert before.number in page and after.number not in page
    page = text(central.get("/staff/orders?from=2026-06-01", headers=EN))
    assert after.number in page and pot.number in page and before.number not in page
    page = text(central.get("/staff/orders?to=2026-05-31&status=pending", headers=EN))
    assert before.number in page and after.number not in page


def test_the_orders_csv_is_every_filtered_part_parsed_back(night, central, monkeypatch):
    before, after, pot = night
    monkeypatch.setattr(services, "STAFF_PAGE_SIZE", 1)  # the download is not one page
    response = central.get("/staff/orders.csv?from=2026-06-01&to=2026-06-01", headers=EN)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert 'filename="orders-' in response.headers["Content-Disposition"]
    assert "2026-06-01_2026-06-01.csv" in response.headers["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0][:4] == ["Order number", "Placed (Vietnam time)", "Seller", "Seller's province"]
    assert [row[0] for row in rows[1:]] == [pot.number, after.number]
    pot_row = rows[1]
    part = reload(pot).seller_orders[0]
    assert pot_row[1] == "2026-06-01 10:00" and pot_row[2] == "HTX Gốm Bát Tràng" and pot_row[3] == "Hanoi"
    assert pot_row[6] == "Cash on delivery (COD)" and pot_row[7] == "unpaid" and pot_row[8] == "new"
    assert pot_row[9:14] == [str(part.items_subtotal_vnd), str(part.shipping_vnd), str(part.subtotal_vnd),
                             str(part.commission_vnd), str(part.net_vnd)]
    assert rows[2][1] == "2026-06-01 00:00"


def test_the_orders_csv_keeps_the_lists_other_filters_and_is_formula_safe(goods, central):
    order = place((goods.honey, 1), full_name="=HYPERLINK(\"http://x.example\",\"Bấm\")")
    other = place((goods.tea, 1))
    rows = csv_rows(central.get(f"/staff/orders.csv?number={order.number}", headers=EN))
    assert [row[0] for row in rows[1:]] == [order.number] and other.number not in str(rows)
    assert rows[1][4] == "'" + '=HYPERLINK("http://x.example","Bấm")'


def test_the_orders_csv_is_capped_and_the_list_says_so(goods, central, monkeypatch):
    monkeypatch.setattr(services, "STAFF_CSV_ROWS", 2)
    numbers = [place((goods.honey, 1)).number for _ in range(3)]
    rows = csv_rows(central.get("/staff/orders.csv", headers=EN))
    assert [row[0] for row in rows[1:]] == numbers[:0:-1]  # the newest two
    assert "More seller orders match than one download holds" in text(central.get("/staff/orders", headers=EN))


def test_provincial_staff_download_only_their_provinces_orders(night, lam_dong_desk):
    before, after, pot = night
    rows = csv_rows(lam_dong_desk.get("/staff/orders.csv", headers=EN))
    assert {row[0] for row in rows[1:]} == {before.number, after.number}
    rows = csv_rows(lam_dong_desk.get("/staff/orders.csv", query_string={"number": pot.number}, headers=EN))
    assert rows[1:] == []


def test_the_orders_csv_speaks_the_readers_language(night, central):
    rows = csv_rows(central.get("/staff/orders.csv", headers={"Accept-Language": "vi"}))
    assert rows[0][2] == "Người bán"
    assert {row[6] for row in rows[1:]} == {VI_COD} and {row[8] for row in rows[1:]} == {VI_NEW}


DAY_ERRORS = [
    ({"from": "2026-02-30"}, "There is no such day in the calendar."),
    ({"from": "2026/05/01"}, "Enter a date as YYYY-MM-DD"),
    ({"to": "²"}, "Enter a date as YYYY-MM-DD"),
    ({"to": HUGE}, "Enter a date as YYYY-MM-DD"),
    ({"from": "\x00"}, "Enter a date as YYYY-MM-DD"),
    ({"from": "../../etc"}, "Enter a date as YYYY-MM-DD"),
    ({"from": "1900-01-01"}, "Enter a date between 2000 and 2099."),
    ({"to": "9999-12-31"}, "Enter a date between 2000 and 2099."),
    ({"from": "2026-06-02", "to": "2026-06-01"}, "The end date is before the start date."),
]


@pytest.mark.parametrize("query, message", DAY_ERRORS)
@pytest.mark.parametrize("url", ["/staff/orders", "/staff/orders.csv", "/staff/balances", "/staff/balances.csv"])
def test_hostile_days_get_a_message_not_a_file(central, url, query, message):
    response = central.get(url, query_string=query, headers=EN)
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert message in text(response)


def test_the_csv_button_sends_the_list_filters(goods, central):
    page = text(central.get("/staff/orders?status=pending&from=2026-01-01", headers=EN))
    assert 'formaction="/staff/orders.csv"' in page and 'value="2026-01-01"' in page
    page = text(central.get("/staff/balances", headers=EN))
    assert 'formaction="/staff/balances.csv"' in page


def test_orders_paging_keeps_the_days(goods, central, monkeypatch):
    monkeypatch.setattr(services, "STAFF_PAGE_SIZE", 1)
    place((goods.honey, 1))
    place((goods.honey, 1))
    page = text(central.get("/staff/orders?from=2026-01-01&to=2099-12-31", headers=EN))
    next_link = re.search(r'<a rel="next" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert "from=2026-01-01" in next_link and "to=2099-12-31" in next_link


# --- balances over days ----------------------------------------------------------------------------

def deliver(part, owner):
    for action, extra in (("confirm", {}), ("ship", {"carrier": "GHN", "tracking_number": "1"}),
                          ("deliver", {"cash_collected": True})):
        services.fulfil(owner, part, action, **extra)


@pytest.fixture
def may_and_june(goods):
    """The shop's cash order placed and delivered in May (its commission owed then), another
    placed and delivered in June; a settlement on 1 June, Vietnam time."""
    may = place((goods.honey, 1))
    june = place((goods.honey, 2))
    for order, day in ((may, 10), (june, 20)):
        part = reload(order).seller_orders[0]
        deliver(part, goods.shop.owner)
        when = datetime(2026, 5 if order is may else 6, day, 3, 0, tzinfo=timezone.utc)
        db.session.execute(update(SellerOrder).where(SellerOrder.id == part.id)
                           .values(created_at=when, delivered_at=when))
        db.session.execute(update(LedgerEntry).where(LedgerEntry.seller_order_id == part.id).values(created_at=when))
    db.session.commit()
    settlement = ledger.record_settlement(make_user("money@example.vn", role="staff"), goods.shop.seller.id,
                                          1_000, "FT-1")
    db.session.execute(update(LedgerEntry).where(LedgerEntry.id == settlement.id)
                       .values(created_at=datetime(2026, 5, 31, 17, 30, tzinfo=timezone.utc)))  # 1 June, 00:30
    db.session.commit()
    parts = {name: reload(order).seller_orders[0] for name, order in (("may", may), ("june", june))}
    return goods, parts


def balance_row(rows, seller_id) -> list[str]:
    return next(row for row in rows if row[0] == str(seller_id))


def test_the_balances_csv_over_days(may_and_june, central):
    goods, parts = may_and_june
    shop = goods.shop.seller.id
    rows = csv_rows(central.get("/staff/balances.csv?from=2026-05-01&to=2026-05-31"))
    assert rows[0] == ledger.BALANCES_CSV_HEADER
    may = parts["may"]
    assert balance_row(rows, shop)[2:] == ["1", str(may.subtotal_vnd), str(may.commission_vnd), str(may.net_vnd),
                                           str(-may.commission_vnd)]  # the settlement came on 1 June
    rows = csv_rows(central.get("/staff/balances.csv?from=2026-06-01&to=2026-06-30"))
    june = parts["june"]
    assert balance_row(rows, shop)[2:] == ["1", str(june.subtotal_vnd), str(june.commission_vnd),
                                           str(june.net_vnd), str(-may.commission_vnd - june.commission_vnd + 1_000)]
    everything = csv_rows(central.get("/staff/balances.csv"))
    assert balance_row(everything, shop)[2] == "2"
    response = central.get("/staff/balances.csv?from=2026-05-01&to=2026-05-31")
    assert "balances-" in response.headers["Content-Disposition"]
    assert "2026-05-01_2026-05-31.csv" in response.headers["Content-Disposition"]


def test_the_balances_page_over_days(may_and_june, central):
    goods, parts = may_and_june
    page = text(central.get("/staff/balances?from=2026-05-01&to=2026-05-31", headers=EN))
    assert "Between the days chosen" in page and 'value="2026-05-01"' in page


def test_provincial_staff_get_only_their_provinces_balances_over_days(may_and_june, ha_noi, client_for):
    make_user("hn-desk@example.vn", role="staff", province="Hà Nội")
    desk = client_for("hn-desk@example.vn")
    place((ha_noi[2], 1))
    rows = csv_rows(desk.get("/staff/balances.csv?from=2000-01-01&to=2099-12-31"))
    assert [row[1] for row in rows[1:]] == ["HTX Gốm Bát Tràng"]


# --- the shared CSV writer's streaming form ---------------------------------------------------------

def test_csv_chunks_equal_the_whole_file_and_stay_formula_safe():
    rows = [[number, f"=SUM(A{number})", "Mật ong"] for number in range(1203)]
    chunks = list(csv_chunks(["Số", "Công thức", "Tên"], rows, rows_per_chunk=500))
    assert len(chunks) == 3 and chunks[0].startswith(BOM)
    parsed = list(csv.reader(io.StringIO("".join(chunks).removeprefix(BOM))))
    assert parsed[0] == ["Số", "Công thức", "Tên"] and len(parsed) == 1204
    assert parsed[1203] == ["1202", "'=SUM(A1202)", "Mật ong"]


def test_the_query_holds_provincial_staff_to_their_province(shelf, make_user):
    desk = make_user("ld2@example.vn", role="staff", province="Lâm Đồng")
    page = staff_queries.staff_product_page(desk, staff_queries.ProductFilters(province="01"), 1)
    assert page.items == [] and page.total == 0
    page = staff_queries.staff_product_page(desk, staff_queries.ProductFilters(), 1)
    assert page.total == 7 and {product.seller.province_code for product in page.items} == {"68"}
