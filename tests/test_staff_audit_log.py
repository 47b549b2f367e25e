"""The audit log browser (/staff/audit and /staff/audit.csv): central staff only; filters by
person (folded name or email), action, object (kind and number, or an order number) and
Vietnam days; newest first, paged with the filters kept; the CSV parsed back."""
import csv
import io
import re
from datetime import datetime, timezone

import pytest
from market.core import on_behalf
from market.core.audit import AuditEntry, record_audit
from market.extensions import db
from market.staff import audit_log
from tests.builders import EN, counted_queries, make_user, place, reload

BOM = "\ufeff"


def text(response) -> str:
    return response.get_data(as_text=True)


def csv_rows(response) -> list[list[str]]:
    body = response.get_data().decode("utf-8")
    assert body.startswith(BOM)
    return list(csv.reader(io.StringIO(body.removeprefix(BOM))))


def at(entry_id: int, when: datetime) -> None:
    """Move an audit row in time (rows are written 'now' by the services)."""
    db.session.get(AuditEntry, entry_id).created_at = when
    db.session.commit()


def add_row(actor, subject_type, subject_id, action, when=None, reason=None, detail=None) -> int:
    entry = record_audit(actor.id if actor else None, subject_type, subject_id, action, reason=reason, detail=detail)
    db.session.commit()
    if when is not None:
        at(entry.id, when)
    return entry.id


def rows_on_page(page: str) -> int:
    return len(re.findall(r"<tr>\s*<td><time", page))


@pytest.fixture
def central(staff, client_for):
    return client_for(staff.email)


@pytest.fixture
def desk(client_for):
    make_user("ld-desk@example.vn", role="staff", province="Lâm Đồng")
    return client_for("ld-desk@example.vn")


@pytest.fixture
def hoa():
    """A second central staff member with a Vietnamese name, for the person filter."""
    return make_user("hoa.nguyen@hoilhpn.vn", role="staff", full_name="Nguyễn Thị Hoà")


# --- who may read it ---------------------------------------------------------------------------

def test_provincial_staff_are_refused_the_log_and_its_download(desk):
    assert desk.get("/staff/audit").status_code == 403
    assert desk.get("/staff/audit.csv").status_code == 403
    assert desk.get("/staff/audit?action=approve&from=2026-01-01").status_code == 403


def test_a_shopper_is_refused_and_a_visitor_sent_to_sign_in(app, client, client_for):
    make_user("mai@example.vn")
    assert client_for("mai@example.vn").get("/staff/audit").status_code == 403
    response = client.get("/staff/audit.csv")
    assert response.status_code == 302 and "/account/sign-in" in response.headers["Location"]


def test_the_service_refuses_provincial_staff_too(app):
    from market.core.domain import DomainError

    desk = make_user("ld2@example.vn", role="staff", province="Lâm Đồng")
    with pytest.raises(DomainError):
        audit_log.audit_page(desk, audit_log.AuditFilters(), 1)
    with pytest.raises(DomainError):
        audit_log.audit_rows(desk, audit_log.AuditFilters())


# --- the page --------------------------------------------------------------------------------------

def test_rows_show_when_who_what_which_object_and_why_newest_first(shop, staff, central):
    seller = shop.seller
    add_row(staff, "seller", seller.id, "suspend", reason="Bán hàng giả")
    page = text(central.get("/staff/audit", headers=EN))
    assert "Audit log" in page
    first = page.index("<tbody>")
    newest = page.index("Suspended", first)
    assert page.index("Approved", first) > newest  # the approval came before the suspension
    assert f'href="/staff/sellers/{seller.id}">{seller.name}</a>' in page
    assert "Bán hàng giả" in page and staff.email in page


def test_times_are_shown_in_vietnam(shop, staff, central):
    add_row(staff, "seller", shop.seller.id, "suspend", when=datetime(2026, 5, 31, 17, 30, tzinfo=timezone.utc))
    page = text(central.get("/staff/audit?action=suspend", headers=EN))
    assert "6/1/26" in page  # 00:30 on 1 June in Vietnam


def test_objects_link_to_their_staff_pages_by_kind(goods, staff, central):
    order = place((goods.honey, 1))
    part = reload(order).seller_orders[0]
    add_row(staff, "order", order.id, "payment_pay")
    add_row(staff, "product", goods.tea.id, "block", reason="Ảnh sai")
    add_row(staff, "user", goods.shop.owner.id, "deactivate", reason="Lừa đảo")
    add_row(staff, "product", 987654, "product_deleted", detail="Trà cũ")  # gone: named by its number
    page = text(central.get("/staff/audit", headers=EN))
    assert f'href="/staff/orders?number={order.number}">{order.number}</a>' in page
    assert f'href="/staff/orders/{part.id}">{order.number} · {goods.shop.seller.name}</a>' in page
    assert f'href="/staff/products/{goods.tea.id}">{goods.tea.name}</a>' in page
    assert f'href="/staff/users/{goods.shop.owner.id}">' in page
    assert "#987654" in page and 'href="/staff/products/987654"' not in page


def test_a_page_is_read_in_the_same_number_of_queries_whatever_it_shows(goods, staff, central):
    for number in range(3):
        add_row(staff, "product", goods.honey.id, "hide", reason=f"lần {number}")
    with counted_queries() as few:
        central.get("/staff/audit")
    for number in range(30):
        add_row(staff, "seller", goods.rival.seller.id, "suspend", reason=f"lần {number}")
        add_row(staff, "product", goods.tea.id, "hide", reason=f"lần {number}")
    with counted_queries() as many:
        central.get("/staff/audit")
    assert len(many) == len(few)


# --- filters ---------------------------------------------------------------------------------------

def test_person_filter_folds_vietnamese_and_reads_emails(shop, staff, hoa, central):
    add_row(hoa, "seller", shop.seller.id, "suspend", reason="của chị Hoà")
    for typed in ("nguyen thi hoa", "NGUYỄN THỊ HOÀ", "Nguyen Thi Hoa", "hoa.nguyen@", "HOILHPN"):
        page = text(central.get("/staff/audit", query_string={"person": typed}, headers=EN))
        assert "của chị Hoà" in page, typed
        assert rows_on_page(page) == 1, typed
    page = text(central.get("/staff/audit", query_string={"person": "%"}, headers=EN))
    assert "No row matches these filters." in page  # a LIKE wildcard is a plain character


def test_action_filter_and_its_select(shop, staff, central):
    page = text(central.get("/staff/audit?action=approve", headers=EN))
    assert rows_on_page(page) == 1 and "Approved" in page
    assert '<option value="approve" selected>Approved</option>' in page
    assert '<option value="anomaly_resolved">Payment anomaly resolved</option>' in page


@pytest.mark.parametrize("action", ["drop_table", "approve'--", "²", "x" * 5000, "approve\x00x"])
def test_an_unknown_action_is_a_message_not_the_whole_log(shop, central, action):
    response = central.get("/staff/audit", query_string={"action": action}, headers=EN)
    assert response.status_code == 400
    page = text(response)
    assert "Choose an action from the list." in page and rows_on_page(page) == 0


def test_object_filter_by_kind_and_number(goods, staff, central):
    add_row(staff, "product", goods.honey.id, "hide", reason="mật ong")
    add_row(staff, "product", goods.tea.id, "hide", reason="trà")
    page = text(central.get(f"/staff/audit?object=product&id={goods.tea.id}&action=hide", headers=EN))
    assert rows_on_page(page) == 1 and "trà" in page and "mật ong" not in page
    page = text(central.get("/staff/audit?object=product&action=hide", headers=EN))
    assert rows_on_page(page) == 2
    page = text(central.get(f"/staff/audit?object=seller&id={goods.shop.seller.id}", headers=EN))
    assert rows_on_page(page) >= 2 and "Product" not in page.split("<tbody>")[1]


def test_an_order_number_finds_the_orders_whole_story(goods, staff, central):
    order = place((goods.honey, 1), (goods.tea, 1))
    other = place((goods.honey, 1))
    add_row(staff, "order", order.id, "payment_pay")
    for typed in (order.number, order.number.lower()):
        page = text(central.get("/staff/audit", query_string={"id": typed}, headers=EN))
        assert rows_on_page(page) == 3, typed  # two parts placed, one payment
        assert other.number not in page.split("<tbody>")[1]
    page = text(central.get("/staff/audit", query_string={"id": order.number, "object": "order"}, headers=EN))
    assert rows_on_page(page) == 3


@pytest.mark.parametrize("query, field_message", [
    ({"id": "12"}, "Choose what kind of object this number belongs to."),
    ({"object": "seller", "id": "99999999999999999999"}, "Enter a number, or an order number such as"),
    ({"object": "seller", "id": "2147483648"}, "Enter a number, or an order number such as"),
    ({"object": "seller", "id": "²"}, "Enter a number, or an order number such as"),
    ({"object": "seller", "id": "-1"}, "Enter a number, or an order number such as"),
    ({"object": "seller", "id": "../1"}, "Enter a number, or an order number such as"),
    ({"object": "seller", "id": "CPN-2026-000001"}, "Enter a number, or an order number such as"),
    ({"object": "spaceship"}, "Choose a kind of object from the list."),
    ({"object": "x" * 5000}, "Choose a kind of object from the list."),
])
def test_a_wrong_object_is_a_message(shop, central, query, field_message):
    response = central.get("/staff/audit", query_string=query, headers=EN)
    assert response.status_code == 400 and field_message in text(response)


def test_an_object_that_does_not_exist_is_simply_not_found(shop, central):
    page = text(central.get("/staff/audit?object=seller&id=2147483647", headers=EN))
    assert "No row matches these filters." in page


def test_days_are_vietnam_days(shop, staff, central):
    seller = shop.seller.id
    add_row(staff, "seller", seller, "suspend", reason="đầu ngày", when=datetime(2026, 5, 30, 17, 0, tzinfo=timezone.utc))
    add_row(staff, "seller", seller, "suspend", reason="cuối ngày", when=datetime(2026, 5, 31, 16, 59, tzinfo=timezone.utc))
    add_row(staff, "seller", seller, "suspend", reason="hôm sau", when=datetime(2026, 5, 31, 17, 0, tzinfo=timezone.utc))
    add_row(staff, "seller", seller, "suspend", reason="hôm trước", when=datetime(2026, 5, 30, 16, 59, tzinfo=timezone.utc))
    page = text(central.get("/staff/audit?action=suspend&from=2026-05-31&to=2026-05-31", headers=EN))
    assert "đầu ngày" in page and "cuối ngày" in page
    assert "hôm sau" not in page and "hôm trước" not in page
    page = text(central.get("/staff/audit?action=suspend&from=2026-06-01", headers=EN))
    assert rows_on_page(page) == 1 and "hôm sau" in page
    page = text(central.get("/staff/audit?action=suspend&to=2026-05-30", headers=EN))
    assert rows_on_page(page) == 1 and "hôm trước" in page


@pytest.mark.parametrize("query, message", [
    ({"from": "2026-02-30"}, "There is no such day in the calendar."),
    ({"from": "31/05/2026"}, "Enter a date as YYYY-MM-DD"),
    ({"to": "²⁰²⁶-01-01"}, "Enter a date as YYYY-MM-DD"),
    ({"to": "٢٠٢٦-٠١-٠١"}, "Enter a date as YYYY-MM-DD"),
    ({"from": "0001-01-01"}, "Enter a date between 2000 and 2099."),
    ({"to": "9999-12-31"}, "Enter a date between 2000 and 2099."),
    ({"from": "x" * 5000}, "Enter a date as YYYY-MM-DD"),
    ({"from": "\x00"}, "Enter a date as YYYY-MM-DD"),
    ({"from": "2026-06-02", "to": "2026-06-01"}, "The end date is before the start date."),
])
def test_hostile_dates_are_a_message_on_the_page_and_the_download(shop, central, query, message):
    for url in ("/staff/audit", "/staff/audit.csv"):
        response = central.get(url, query_string=query, headers=EN)
        assert response.status_code == 400, url
        assert response.mimetype == "text/html" and message in text(response)


def test_filters_combine(shop, staff, hoa, central):
    add_row(hoa, "seller", shop.seller.id, "suspend", reason="Hoà tạm ngừng",
            when=datetime(2026, 5, 10, 3, 0, tzinfo=timezone.utc))
    add_row(staff, "seller", shop.seller.id, "suspend", reason="người khác",
            when=datetime(2026, 5, 10, 3, 0, tzinfo=timezone.utc))
    add_row(hoa, "seller", shop.seller.id, "reinstate", when=datetime(2026, 5, 10, 4, 0, tzinfo=timezone.utc))
    query = {"person": "hoa", "action": "suspend", "object": "seller", "id": str(shop.seller.id),
             "from": "2026-05-10", "to": "2026-05-10"}
    page = text(central.get("/staff/audit", query_string=query, headers=EN))
    assert rows_on_page(page) == 1 and "Hoà tạm ngừng" in page


# --- paging ----------------------------------------------------------------------------------------

def test_pages_keep_the_filters(shop, staff, central):
    for number in range(audit_log.PAGE_SIZE + 5):
        add_row(staff, "seller", shop.seller.id, "suspend", reason=f"lý do {number}")
    query = f"action=suspend&object=seller&id={shop.seller.id}&person=staff&from=2000-01-01&to=2099-12-31"
    first = text(central.get(f"/staff/audit?{query}", headers=EN))
    assert rows_on_page(first) == audit_log.PAGE_SIZE and "Page 1 of 2" in first
    next_link = re.search(r'<a rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    for kept in ("action=suspend", "object=seller", f"id={shop.seller.id}", "person=staff",
                 "from=2000-01-01", "to=2099-12-31", "page=2"):
        assert kept in next_link
    second = text(central.get(next_link, headers=EN))
    assert rows_on_page(second) == 5 and "lý do 0\n" not in second and "lý do 0<" in second
    assert "lý do 54<" in first  # newest first


@pytest.mark.parametrize("page", ["²", "0", "-1", "99999999999999999999", "x"])
def test_a_hostile_page_number_shows_a_page(shop, central, page):
    assert central.get("/staff/audit", query_string={"page": page}).status_code == 200


# --- the download ----------------------------------------------------------------------------------

def test_the_csv_holds_every_filtered_row_with_readers_headers(shop, staff, central):
    for number in range(audit_log.PAGE_SIZE + 5):
        add_row(staff, "seller", shop.seller.id, "suspend", reason=f"lý do {number}")
    response = central.get("/staff/audit.csv?action=suspend&from=2026-01-01", headers=EN)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert re.search(r'filename="audit-\d{4}-\d{2}-\d{2}-from-2026-01-01\.csv"', response.headers["Content-Disposition"])
    rows = csv_rows(response)
    assert rows[0] == ["When (Vietnam time)", "Who", "Email", "Action", "Action code", "Object", "Object id",
                       "Object name", "From status", "To status", "Reason", "Details", "Done on behalf of seller"]
    assert len(rows) == 1 + audit_log.PAGE_SIZE + 5  # all pages
    assert rows[1][1:8] == [staff.full_name, staff.email, "Suspended", "suspend", "Seller", str(shop.seller.id),
                            shop.seller.name]
    assert rows[1][10] == f"lý do {audit_log.PAGE_SIZE + 4}"  # newest first
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", rows[1][0])


def test_the_csv_names_the_seller_a_staff_member_acted_for(shop, staff, central):
    on_behalf.begin(staff.id, shop.seller.id)
    try:
        add_row(staff, "product", 1, "product_created")
    finally:
        on_behalf.end()
    add_row(staff, "product", 1, "product_updated")  # her own work: no seller named
    rows = csv_rows(central.get("/staff/audit.csv?from=2026-01-01", headers=EN))
    by_action = {row[4]: row for row in rows[1:]}
    assert by_action["product_created"][12] == f"{shop.seller.name} (#{shop.seller.id})"
    assert by_action["product_updated"][12] == ""


def test_the_csv_speaks_vietnamese_to_a_vietnamese_reader(shop, central):
    rows = csv_rows(central.get("/staff/audit.csv?action=approve", headers={"Accept-Language": "vi"}))
    assert rows[0][1] == "Người thực hiện" and rows[0][10] == "Lý do"
    assert rows[1][3] == "Đã duyệt" and rows[1][5] == "Người bán"


def test_the_csv_writes_vietnam_time_and_neutralises_formulas(shop, staff, central):
    add_row(staff, "seller", shop.seller.id, "suspend", reason='=HYPERLINK("http://x.example","Bấm")',
            detail="+84912345678", when=datetime(2026, 5, 31, 17, 30, tzinfo=timezone.utc))
    rows = csv_rows(central.get("/staff/audit.csv?action=suspend", headers=EN))
    assert rows[1][0] == "2026-06-01 00:30:00"
    assert rows[1][10] == "'" + '=HYPERLINK("http://x.example","Bấm")'
    assert rows[1][11] == "'+84912345678"


def test_a_formula_in_a_persons_name_stays_text(shop, central):
    tricky = make_user("tricky@example.vn", role="staff", full_name="=1+2")
    add_row(tricky, "seller", shop.seller.id, "suspend")
    rows = csv_rows(central.get("/staff/audit.csv?action=suspend", headers=EN))
    assert rows[1][1] == "'=1+2"


def test_the_csv_is_capped_and_the_page_says_so(shop, staff, central, monkeypatch):
    monkeypatch.setattr(audit_log, "MAX_CSV_ROWS", 3)
    for number in range(5):
        add_row(staff, "seller", shop.seller.id, "suspend", reason=f"lý do {number}")
    rows = csv_rows(central.get("/staff/audit.csv?action=suspend", headers=EN))
    assert [row[10] for row in rows[1:]] == ["lý do 4", "lý do 3", "lý do 2"]
    page = text(central.get("/staff/audit?action=suspend", headers=EN))
    assert "More rows match than one download holds: it will have the newest 3." in page


def test_an_empty_csv_still_has_its_headers(app, staff, central):
    rows = csv_rows(central.get("/staff/audit.csv?action=ocop_refused", headers=EN))
    assert len(rows) == 1 and rows[0][0] == "When (Vietnam time)"


def test_the_staff_nav_offers_the_log_to_central_staff_only(app, staff, central, desk):
    assert 'href="/staff/audit"' in text(central.get("/staff/orders", headers=EN))
    assert 'href="/staff/audit"' not in text(desk.get("/staff/orders", headers=EN))


def test_a_deleted_account_is_named_as_such_on_the_page_and_in_the_csv(app, shop, central):
    from market.accounts.deletion import delete_account
    from tests.builders import PASSWORD

    shopper = make_user("gone@example.vn", full_name="Phạm Thị Gone")
    delete_account(shopper, PASSWORD)
    page = text(central.get("/staff/audit?action=account_deleted", headers=EN))
    assert f"Deleted account #{shopper.id}" in page and "Phạm Thị Gone" not in page
    assert f'href="/staff/users/{shopper.id}">Deleted account #{shopper.id}</a>' in page  # the object too
    rows = csv_rows(central.get("/staff/audit.csv?action=account_deleted", headers=EN))
    assert rows[1][1:3] == [f"Deleted account #{shopper.id}", ""]
