"""The staff console's orders and sellers' money, through the test client with CSRF on:
scope (central vs provincial), the list and its filters, the detail page and its actions
(cancel, mark a transfer paid, record a refund, the receipt photo), balances, the CSV
export and settlements."""
import csv
import io
import re

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from market.core.audit import AuditEntry
from market.core.i18n import format_money
from market.extensions import db
from market.geo.provinces import lookup
from market.orders import ledger, services
from market.orders.models import LedgerEntry, SellerOrder
from tests.builders import EN, approved_seller, fresh, image_bytes, make_product, place, reload, upload
from tests.conftest import post_form

CANCEL_REASON = "Người mua gọi điện huỷ đơn"
ALL_METHODS = ["cod", "bank_transfer", "card"]


@pytest.fixture
def lam_dong_code():
    return lookup("Lâm Đồng").code


@pytest.fixture
def central(staff, client_for):
    """The central staff member's client (the `staff` fixture: no province)."""
    return client_for(staff.email)


@pytest.fixture
def lam_dong_desk(make_user, client_for, lam_dong_code):
    # make_user takes the province's name (create_user looks it up) and stores its code.
    desk = make_user("ld@example.vn", role="staff", province="Lâm Đồng")
    assert desk.staff_province_code == lam_dong_code
    return client_for("ld@example.vn")


@pytest.fixture
def ha_noi_desk(make_user, client_for):
    desk = make_user("hn@example.vn", role="staff", province="Hà Nội")
    assert desk.staff_province_code == lookup("Hà Nội").code
    return client_for("hn@example.vn")


@pytest.fixture
def ha_noi_shop(make_user, staff, categories):
    """A seller in Hà Nội with a product on sale (outside Lâm Đồng staff's scope, and vice versa)."""
    owner, seller = approved_seller(staff, "hn-shop@example.vn", name="HTX Gốm Bát Tràng",
                                    province="Hà Nội")
    product = make_product(owner, name="Bình gốm men lam", price_vnd=300_000, stock=4)
    return owner, seller, product


def text(response) -> str:
    return response.get_data(as_text=True)


def part_of(order, seller):
    return next(part for part in reload(order).seller_orders if part.seller_id == seller.id)


def order_url(part) -> str:
    return f"/staff/orders/{part.id}"


def act(client, part, action, **data):
    """A button of the staff order page, posted with the page's CSRF token, in English."""
    return post_form(client, order_url(part), {"action": action, **data}, headers=EN)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def deliver(part, owner):
    for action, extra in (("confirm", {}), ("ship", {"carrier": "GHN", "tracking_number": "1"}),
                          ("deliver", {"cash_collected": True})):
        services.fulfil(owner, part, action, **extra)


# --- who may come in, and what each sees ---------------------------------------------------------------

def test_shoppers_sellers_and_visitors_are_kept_out(app, goods, make_user, client_for):
    order = place((goods.honey, 1))
    part = part_of(order, goods.shop.seller)
    make_user("shopper@example.vn")
    urls = ["/staff/orders", order_url(part), f"{order_url(part)}/receipt", "/staff/balances",
            "/staff/balances.csv", f"/staff/balances/{goods.shop.seller.id}"]
    for email in ("shopper@example.vn", goods.shop.owner.email):
        client = client_for(email)
        for url in urls:
            assert client.get(url).status_code == 403, (email, url)
    visitor = app.test_client()
    for url in urls:
        response = visitor.get(url)
        assert response.status_code == 302 and "/account/sign-in" in response.headers["Location"]


def test_central_staff_see_every_order_newest_first(goods, ha_noi_shop, central):
    first = place((goods.honey, 1), (goods.tea, 1))
    second = place((ha_noi_shop[2], 1), payment_method="bank_transfer")
    page = text(central.get("/staff/orders", headers=EN))
    assert first.number in page and second.number in page
    assert page.index(second.number) < page.index(first.number)  # newest first
    assert "HTX Gốm Bát Tràng" in page and "HTX Mật ong Hưng Yên" in page and "HTX Chè Tân Cương" in page
    assert "3 seller orders" in page


def test_provincial_staff_see_only_their_provinces_orders(goods, ha_noi_shop, lam_dong_desk, ha_noi_desk):
    ours = place((goods.honey, 1), payment_method="bank_transfer")
    services.attach_receipt(reload(ours), upload(image_bytes()))
    theirs = place((ha_noi_shop[2], 1))
    honey, pot = part_of(ours, goods.shop.seller), part_of(theirs, ha_noi_shop[1])

    page = text(lam_dong_desk.get("/staff/orders", headers=EN))
    assert ours.number in page and theirs.number not in page
    assert lam_dong_desk.get(order_url(honey)).status_code == 200
    assert lam_dong_desk.get(f"{order_url(honey)}/receipt").status_code == 200
    assert lam_dong_desk.get(order_url(pot)).status_code == 404

    page = text(ha_noi_desk.get("/staff/orders", headers=EN))
    assert theirs.number in page and ours.number not in page
    assert ha_noi_desk.get(order_url(honey)).status_code == 404
    assert ha_noi_desk.get(f"{order_url(honey)}/receipt").status_code == 404
    response = ha_noi_desk.get(f"/staff/orders?number={ours.number}", headers=EN)
    assert response.status_code == 200 and "No order matches." in text(response)

    # Their actions are out of reach too, and change nothing.
    response = post_form(ha_noi_desk, order_url(honey), {"action": "mark_paid"}, form_url="/staff/orders")
    assert response.status_code == 404 and reload(ours).payment_status == "unpaid"
    response = post_form(ha_noi_desk, order_url(honey), {"action": "cancel", "reason": CANCEL_REASON},
                         form_url="/staff/orders")
    assert response.status_code == 404 and part_of(ours, goods.shop.seller).status == "awaiting_payment"


def test_filters_by_status_payment_and_exact_order_number(goods, central):
    cod = place((goods.honey, 1))
    transfer = place((goods.tea, 1), payment_method="bank_transfer")
    services.fulfil(goods.shop.owner, part_of(cod, goods.shop.seller), "confirm")

    page = text(central.get("/staff/orders?status=confirmed", headers=EN))
    assert cod.number in page and transfer.number not in page
    page = text(central.get("/staff/orders?status=awaiting_payment&payment=unpaid", headers=EN))
    assert transfer.number in page and cod.number not in page
    page = text(central.get("/staff/orders?payment=paid", headers=EN))
    assert "No order matches." in page and cod.number not in page

    page = text(central.get(f"/staff/orders?number=%20{transfer.number.lower()}%20", headers=EN))
    assert transfer.number in page and cod.number not in page
    page = text(central.get(f"/staff/orders?number={transfer.number[:-1]}", headers=EN))
    assert transfer.number not in page  # exact, not "starts with"

    assert central.get("/staff/orders?status=lost").status_code == 404
    assert central.get("/staff/orders?payment=maybe").status_code == 404


def test_the_list_is_paginated(goods, central, monkeypatch):
    from market.orders import services

    monkeypatch.setattr(services, "STAFF_PAGE_SIZE", 2)
    numbers = [place((goods.honey, 1)).number for _ in range(5)]
    first = text(central.get("/staff/orders", headers=EN))
    assert numbers[4] in first and numbers[3] in first and numbers[2] not in first
    assert "Page 1 of 3" in first and 'rel="next" href="/staff/orders?page=2"' in first
    last = text(central.get("/staff/orders?page=3&status=pending", headers=EN))
    assert numbers[0] in last and numbers[1] not in last
    assert "status=pending" in last  # the filter is kept in the page links
    assert numbers[0] in text(central.get("/staff/orders?page=999", headers=EN))  # past the end: last page


def test_the_list_runs_the_same_queries_for_few_or_many_orders(app, goods, ha_noi_shop, central):
    from tests.builders import counted_queries

    def queries_of_the_list() -> list[str]:
        db.session.expire_all()  # as a new request in another worker: nothing remembered
        with counted_queries() as statements:
            page = text(central.get("/staff/orders", headers=EN))
        assert page.count('href="/staff/orders/') == count(SellerOrder)
        return statements

    place((goods.honey, 1))
    few = queries_of_the_list()
    for _ in range(3):  # more orders, sellers and shoppers' orders on the page
        place((goods.honey, 1), (goods.tea, 1), (ha_noi_shop[2], 1))
    many = queries_of_the_list()
    assert len(many) == len(few), many


# --- the detail page and its actions ----------------------------------------------------------------------

def test_the_detail_shows_the_order_the_money_and_the_timeline(goods, central):
    order = place((goods.honey, 2), (goods.comb, 1), (goods.tea, 1))
    part = part_of(order, goods.shop.seller)
    services.fulfil(goods.shop.owner, part, "confirm")
    page = text(central.get(order_url(part), headers=EN))
    with force_locale("en"):
        amounts = [format_money(value) for value in
                   (part.items_subtotal_vnd, part.subtotal_vnd, part.commission_vnd, part.net_vnd)]
    assert order.number in page and "Nguyễn Thị Mai" in page and "mai@example.vn" in page
    assert "12 Hàng Bạc" in page and "Xã Phú Nghĩa" in page and "Giao giờ hành chính" in page
    assert "Mật ong hoa nhãn" in page and "Mật ong sáp" in page and "Trà Tân Cương" not in page
    assert all(amount in page for amount in amounts)
    assert "HTX Mật ong Hưng Yên" in page and "Cash on delivery" in page
    assert "Order placed" in page and "Confirmed by the seller" in page and goods.shop.owner.full_name in page
    assert "new → confirmed" in page  # an order's statuses, named as orders name them
    assert 'value="cancel"' in page and 'value="mark_paid"' not in page and 'value="refund"' not in page
    assert "split between 2 sellers" in page


def test_staff_cancel_with_a_reason_and_the_stock_comes_back(goods, central):
    order = place((goods.honey, 3), (goods.tea, 2))
    part = part_of(order, goods.shop.seller)
    response = act(central, part, "cancel", reason=CANCEL_REASON)
    assert response.status_code == 302 and response.headers["Location"] == order_url(part)
    part = part_of(order, goods.shop.seller)
    assert (part.status, part.cancel_reason) == ("cancelled", CANCEL_REASON)
    assert fresh(goods.honey.id).stock == 10 and fresh(goods.tea.id).stock == 3  # the other part is untouched
    page = text(central.get(order_url(part), headers=EN))
    assert "has been cancelled" in page and CANCEL_REASON in page and 'value="cancel"' not in page


def test_cancel_without_a_reason_says_why_and_changes_nothing(goods, central):
    order = place((goods.honey, 3))
    part = part_of(order, goods.shop.seller)
    before = count(AuditEntry)
    response = act(central, part, "cancel", reason="   ")
    assert response.status_code == 200
    assert "Give a reason: the shopper and the seller will see it." in text(response)
    assert part_of(order, goods.shop.seller).status == "pending" and fresh(goods.honey.id).stock == 7
    assert count(AuditEntry) == before


def test_a_refused_move_is_a_message_not_an_error_page(goods, central):
    order = place((goods.honey, 1))
    part = part_of(order, goods.shop.seller)
    deliver(part, goods.shop.owner)
    response = act(central, part, "cancel", reason=CANCEL_REASON)
    assert response.status_code == 200 and "This cannot be done now" in text(response)
    assert part_of(order, goods.shop.seller).status == "delivered"
    response = act(central, part, "mark_paid")  # cash on delivery is never marked paid by hand
    assert response.status_code == 200 and "Only bank transfers" in text(response)
    response = act(central, part, "explode")
    assert response.status_code == 400


def test_staff_mark_a_transfer_paid_after_seeing_the_receipt(goods, central):
    order = place((goods.honey, 2), payment_method="bank_transfer")
    part = part_of(order, goods.shop.seller)
    page = text(central.get(order_url(part), headers=EN))
    assert "has not sent a receipt" in page and 'value="mark_paid"' in page
    assert central.get(f"{order_url(part)}/receipt").status_code == 404

    services.attach_receipt(reload(order), upload(image_bytes((40, 20))))
    page = text(central.get(order_url(part), headers=EN))
    assert f'src="{order_url(part)}/receipt"' in page
    receipt = central.get(f"{order_url(part)}/receipt")
    assert receipt.status_code == 200 and receipt.mimetype.startswith("image/")
    assert receipt.headers["Cache-Control"].startswith("private")

    response = act(central, part, "mark_paid")
    assert response.status_code == 302
    order = reload(order)
    assert order.payment_status == "paid" and order.seller_orders[0].status == "pending"
    entry = services.payment_timeline(order)[-1]
    assert (entry.action, entry.actor.email) == ("payment_pay", "staff@example.vn")
    page = text(central.get(order_url(part), headers=EN))
    assert "the order is paid" in page and 'value="mark_paid"' not in page and "Paid" in page
    response = act(central, part, "mark_paid")  # twice: refused, not a second payment
    assert response.status_code == 200 and reload(order).payment_status == "paid"


def test_central_staff_record_a_refund_of_a_paid_transfer(goods, central, lam_dong_desk):
    order = place((goods.honey, 1), (goods.tea, 1), payment_method="bank_transfer")
    services.record_payment(reload(order), None, "FT-1")
    honey, tea = part_of(order, goods.shop.seller), part_of(order, goods.rival.seller)
    deliver(honey, goods.shop.owner)
    assert ledger.seller_money(goods.shop.seller.id).balance_vnd == honey.net_vnd

    # Provincial staff: no refund button, and posting one is forbidden.
    assert 'value="refund"' not in text(lam_dong_desk.get(order_url(tea), headers=EN))
    response = post_form(lam_dong_desk, order_url(tea), {"action": "refund", "reference": "FT-HOAN-1"},
                         headers=EN)
    assert response.status_code == 403 and reload(order).payment_status == "paid"

    assert 'value="refund"' in text(central.get(order_url(tea), headers=EN))
    response = act(central, tea, "refund", reference="")
    assert response.status_code == 200 and "Enter the reference of the refund transfer." in text(response)
    assert reload(order).payment_status == "paid"

    response = act(central, tea, "refund", reference="FT-HOAN-1")
    assert response.status_code == 302
    assert reload(order).payment_status == "refunded"
    assert part_of(order, goods.rival.seller).status == "cancelled" and fresh(goods.tea.id).stock == 5
    assert ledger.seller_money(goods.shop.seller.id).balance_vnd == 0
    refund = next(entry for entry in services.payment_timeline(order) if entry.action == "payment_refund")
    assert refund.detail == "FT-HOAN-1" and refund.actor.email == "staff@example.vn"


def test_card_payments_are_not_refunded_from_the_console(goods, central):
    order = place((goods.honey, 1), payment_method="card", methods=ALL_METHODS)
    services.record_payment(reload(order), None, "cs_test_1")
    part = part_of(order, goods.shop.seller)
    page = text(central.get(order_url(part), headers=EN))
    assert "Card (Stripe)" in page and 'value="refund"' not in page and 'value="mark_paid"' not in page
    response = act(central, part, "refund", reference="re_1")
    assert response.status_code == 200 and "refunded in Stripe" in text(response)
    assert reload(order).payment_status == "paid" and part_of(order, goods.shop.seller).status == "pending"


def test_user_text_is_escaped(goods, central):
    order = place((goods.honey, 1), note="<script>alert(1)</script>")
    page = text(central.get(order_url(part_of(order, goods.shop.seller)), headers=EN))
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# --- sellers' money ---------------------------------------------------------------------------------

def money_in_english(*values) -> list[str]:
    with force_locale("en"):
        return [format_money(value) for value in values]


def row_of(page: str, seller_id: int) -> str:
    match = re.search(rf'<tr>\s*<th scope="row"><a href="/staff/balances/{seller_id}">.*?</tr>', page, re.DOTALL)
    assert match, f"no row for seller {seller_id}"
    return match.group(0)


@pytest.fixture
def trade(goods):
    """Delivered orders: cash on delivery for the shop (it owes the commission), a paid
    transfer for the rival (the union owes it the net), and one still pending."""
    cod = place((goods.honey, 2))
    deliver(part_of(cod, goods.shop.seller), goods.shop.owner)
    transfer = place((goods.tea, 2), payment_method="bank_transfer")
    services.record_payment(reload(transfer), None, "FT1")
    deliver(part_of(transfer, goods.rival.seller), goods.rival.owner)
    place((goods.honey, 1))
    return goods


def test_balances_show_each_sellers_money_and_totals(trade, central):
    page = text(central.get("/staff/balances", headers=EN))
    shop, rival = ledger.seller_money(trade.shop.seller.id), ledger.seller_money(trade.rival.seller.id)
    assert shop.orders == 2 and shop.balance_vnd < 0 and rival.balance_vnd > 0
    for money in (shop, rival):
        row = row_of(page, money.seller_id)
        assert money.seller_name in row and f"<td>{money.orders}</td>" in row
        assert all(amount in row for amount in money_in_english(money.sales_vnd, money.commission_vnd, money.net_vnd))
    assert "The seller owes the union " + money_in_english(-shop.balance_vnd)[0] in row_of(page, shop.seller_id)
    assert "The union owes the seller " + money_in_english(rival.balance_vnd)[0] in row_of(page, rival.seller_id)
    totals = re.search(r"<tfoot>.*?</tfoot>", page, re.DOTALL).group(0)
    assert f"<td>{shop.orders + rival.orders}</td>" in totals
    assert all(amount in totals for amount in money_in_english(shop.sales_vnd + rival.sales_vnd,
                                                                shop.commission_vnd + rival.commission_vnd))


def test_provincial_staff_see_only_their_provinces_balances(trade, ha_noi_shop, ha_noi_desk, lam_dong_desk):
    place((ha_noi_shop[2], 1))
    page = text(ha_noi_desk.get("/staff/balances", headers=EN))
    assert "HTX Gốm Bát Tràng" in page and trade.shop.seller.name not in page and trade.rival.seller.name not in page
    csv_text = text(ha_noi_desk.get("/staff/balances.csv"))
    assert "HTX Gốm Bát Tràng" in csv_text and trade.shop.seller.name not in csv_text
    assert ha_noi_desk.get(f"/staff/balances/{trade.shop.seller.id}").status_code == 404

    page = text(lam_dong_desk.get("/staff/balances", headers=EN))
    assert trade.shop.seller.name in page and "HTX Gốm Bát Tràng" not in page
    assert lam_dong_desk.get(f"/staff/balances/{ha_noi_shop[1].id}").status_code == 404


def test_balances_csv_has_a_row_per_seller_and_neutralises_formulas(trade, make_user, staff, central):
    owner, sneaky = approved_seller(staff, "sneaky@example.vn", name='=HYPERLINK("http://x.example","Bấm")')
    place((make_product(owner, name="Khăn lụa", price_vnd=120_000, stock=3), 1))
    response = central.get("/staff/balances.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and re.search(r'filename="balances-\d{4}-\d{2}-\d{2}\.csv"', disposition)
    body = response.get_data().decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == ["seller_id", "seller", "orders", "sales_vnd", "commission_vnd", "net_vnd", "balance_vnd"]
    by_id = {int(row[0]): row for row in rows[1:]}
    assert set(by_id) == {trade.shop.seller.id, trade.rival.seller.id, sneaky.id}
    shop = ledger.seller_money(trade.shop.seller.id)
    assert by_id[shop.seller_id] == [str(shop.seller_id), "HTX Mật ong Hưng Yên", str(shop.orders), str(shop.sales_vnd),
                                     str(shop.commission_vnd), str(shop.net_vnd), str(shop.balance_vnd)]
    assert by_id[trade.rival.seller.id][1] == "HTX Chè Tân Cương"
    assert by_id[sneaky.id][1] == "'" + sneaky.name and not by_id[sneaky.id][1].startswith("=")


def test_the_statement_lists_entries_with_the_running_balance(trade, central):
    shop = ledger.seller_money(trade.shop.seller.id)
    page = text(central.get(f"/staff/balances/{trade.shop.seller.id}", headers=EN))
    assert "Statement of HTX Mật ong Hưng Yên" in page
    assert "Commission on a cash-on-delivery order" in page
    assert "The seller owes the union " + money_in_english(-shop.balance_vnd)[0] in page
    assert f"To settle the whole balance, enter {-shop.balance_vnd:,}." in page


def test_central_staff_record_a_settlement(trade, central, staff):
    seller_id = trade.shop.seller.id
    owed = ledger.seller_money(seller_id).balance_vnd  # negative: the shop owes its commission
    url = f"/staff/balances/{seller_id}"
    response = post_form(central, url, {"amount": f"{-owed:,}".replace(",", "."), "memo": "FT-HTX-0601"}, headers=EN)
    assert response.status_code == 302 and response.headers["Location"] == url
    assert ledger.seller_money(seller_id).balance_vnd == 0
    entry = db.session.scalar(select(LedgerEntry).where(LedgerEntry.kind == "settlement"))
    assert (entry.amount_vnd, entry.memo, entry.created_by_id) == (-owed, "FT-HTX-0601", staff.id)
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "settlement_recorded"))
    assert (audit.actor_id, audit.subject_type, audit.subject_id) == (staff.id, "seller", seller_id)
    page = text(central.get(url, headers=EN))
    assert "The settlement has been recorded." in page and "Settled: nobody owes anything" in page
    assert "FT-HTX-0601" in page and staff.full_name in page

    # The union pays the rival what it is owed: a negative amount.
    rival_owed = ledger.seller_money(trade.rival.seller.id).balance_vnd
    post_form(central, f"/staff/balances/{trade.rival.seller.id}", {"amount": f"-{rival_owed}", "memo": "Chi trả"})
    assert ledger.seller_money(trade.rival.seller.id).balance_vnd == 0


@pytest.mark.parametrize("data, field, message", [
    ({"amount": "", "memo": "FT1"}, "amount", "Enter a whole number of đồng"),
    ({"amount": "một triệu", "memo": "FT1"}, "amount", "Enter a whole number of đồng"),
    ({"amount": "1,5", "memo": "FT1"}, "amount", "Enter a whole number of đồng"),
    ({"amount": "0", "memo": "FT1"}, "amount", "Enter a non-zero amount"),
    ({"amount": "99.000.000.000", "memo": "FT1"}, "amount", "Enter a non-zero amount"),
    ({"amount": "10000", "memo": "  "}, "memo", "Say what this settlement was"),
])
def test_settlement_errors_are_shown_beside_the_fields(trade, central, data, field, message):
    before = ledger.seller_money(trade.shop.seller.id).balance_vnd
    response = post_form(central, f"/staff/balances/{trade.shop.seller.id}", data, headers=EN)
    assert response.status_code == 200
    page = text(response)
    assert re.search(rf'<p class="error" id="{field}-error">[^<]*{re.escape(message)}', page)
    assert count(LedgerEntry) == 2 and ledger.seller_money(trade.shop.seller.id).balance_vnd == before
    assert f'value="{data["amount"]}"' in page  # what was typed is shown back


def test_provincial_staff_cannot_record_a_settlement(trade, lam_dong_desk):
    url = f"/staff/balances/{trade.shop.seller.id}"
    page = text(lam_dong_desk.get(url, headers=EN))
    assert "Statement of" in page and "Record a settlement" not in page
    response = post_form(lam_dong_desk, url, {"amount": "10000", "memo": "FT1"}, form_url="/staff/balances", headers=EN)
    assert response.status_code == 403
    assert count(LedgerEntry) == 2 and not db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "settlement_recorded"))


def test_a_memo_is_escaped_on_the_statement(trade, central):
    url = f"/staff/balances/{trade.shop.seller.id}"
    post_form(central, url, {"amount": "1000", "memo": "<img src=x onerror=alert(1)>"})
    page = text(central.get(url, headers=EN))
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_every_page_renders_in_vietnamese(trade, central):
    order = place((trade.honey, 1), payment_method="bank_transfer")
    part = part_of(order, trade.shop.seller)
    for url in ("/staff/orders", order_url(part), "/staff/balances", f"/staff/balances/{trade.shop.seller.id}"):
        response = central.get(url, headers={"Accept-Language": "vi"})
        assert response.status_code == 200, url
        assert '<html lang="vi">' in text(response)
