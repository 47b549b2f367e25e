"""The shopper's side of issue 14, through the test client with CSRF on: ward suggestions and the
email marker at checkout, the last address prefilled, the transfer page's copy and save buttons,
order history cards, and confirming before cancelling or removing."""
import re
from datetime import datetime, timezone

from flask_babel import force_locale
from sqlalchemy import select

from market.core.i18n import format_moment
from market.extensions import db
from market.orders.models import Order, SellerOrder
from tests.builders import CHECKOUT, EN, counted_queries, fresh, place, reload
from tests.conftest import post_form
from tests.test_orders_views import add

SHOPPER = "mai@example.vn"


def _signed_in(auth, make_user):
    user = make_user(SHOPPER)
    auth.login(SHOPPER)
    return user


# --- dates ---------------------------------------------------------------------------------------

def test_an_order_date_is_written_out_in_the_shoppers_language(app):
    moment = datetime(2026, 12, 2, 9, 47, tzinfo=timezone.utc)  # 16:47 in Hà Nội
    with app.test_request_context(), force_locale("vi"):
        assert format_moment(moment, "written") == "16:47, 2 tháng 12, 2026"
    with app.test_request_context(), force_locale("en"):
        assert format_moment(moment, "written") == "4:47\u202fPM, December 2, 2026"


# --- checkout ------------------------------------------------------------------------------------

def test_a_provinces_wards_are_served_as_cacheable_json(client):
    response = client.get("/geo/provinces/01/wards.json")
    assert response.status_code == 200 and response.json["province"] == "01"
    assert "Xã Phú Nghĩa" in response.json["wards"] and "Phường Ba Đình" in response.json["wards"]
    assert "Phường Xuân Trường - Đà Lạt" not in response.json["wards"]  # Lâm Đồng's
    assert response.cache_control.public and response.cache_control.max_age >= 3600
    again = client.get("/geo/provinces/01/wards.json", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    for code in ("99", "1", "abc", "0\u0661", "01x"):
        assert client.get(f"/geo/provinces/{code}/wards.json").status_code == 404


def test_the_ward_field_offers_the_provinces_list_and_typed_text_is_still_checked(client, goods):
    add(client, goods.honey, 1)
    page = client.get("/checkout").get_data(as_text=True)
    assert re.search(r'<input[^>]*list="ward-suggestions"[^>]*name="commune"', page)
    assert '<datalist id="ward-suggestions">' in page
    assert 'data-wards-url="/geo/provinces/00/wards.json"' in page and "js/checkout.js" in page
    typed = post_form(client, "/checkout", {**CHECKOUT, "commune": "phu nghia"})
    assert typed.status_code == 303  # what the shopper typed is read as before
    assert db.session.scalar(select(Order)).commune_name == "Xã Phú Nghĩa"


def test_the_email_is_marked_required_for_a_guest_paying_ahead(client, goods):
    add(client, goods.honey, 1)
    page = client.get("/checkout").get_data(as_text=True)
    assert 'data-email-needed="bank_transfer"' in page  # the script marks it when this is chosen
    assert re.search(r'<span class="required" data-email-marker hidden>', page)
    refused = post_form(client, "/checkout", {**CHECKOUT, "payment_method": "bank_transfer"}, headers=EN)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Enter your email" in text
    # Sent back with transfer chosen, the page marks it without any script.
    assert re.search(r'<span class="required" data-email-marker>', text)
    assert re.search(r'<input[^>]*name="email"[^>]*required', text)


def test_a_signed_in_shopper_is_not_asked_for_an_email_and_finds_the_last_address(client, auth, make_user, goods):
    user = _signed_in(auth, make_user)
    book = client.get("/account/addresses").get_data(as_text=True)  # the address book suggests wards too
    assert '<datalist id="ward-suggestions">' in book and 'list="ward-suggestions"' in book
    place((goods.tea, 1), user=user, street_address="7 Lò Đúc", full_name="Nguyễn Thị Mai")
    add(client, goods.honey, 1)
    page = client.get("/checkout").get_data(as_text=True)
    assert 'data-email-needed=""' in page
    # No address book yet: the latest order's address is filled in.
    assert 'value="7 Lò Đúc"' in page and 'value="Xã Phú Nghĩa"' in page
    assert re.search(r'<option selected value="01">|<option value="01" selected>', page)


# --- paying by transfer ---------------------------------------------------------------------------

def _transfer_order(client, goods):
    add(client, goods.honey, 2)
    placed = post_form(client, "/checkout", {**CHECKOUT, "payment_method": "bank_transfer",
                                             "email": "mai@example.vn"})
    return db.session.scalar(select(Order)), placed.location


def test_the_transfer_page_has_copy_buttons_and_a_qr_image_to_save(app, client, goods):
    order, url = _transfer_order(client, goods)
    page = client.get(url, headers=EN).get_data(as_text=True)
    account = app.config["VIETQR_ACCOUNT_NUMBER"]
    assert f'<span id="transfer-account" class="copy-value">{account}</span>' in page
    # The amount as a banking app takes it: digits only (copy.js copies a <data> element's value).
    assert f'<data id="transfer-amount" class="copy-value" value="{order.amount_due_vnd}">' in page
    assert f'<span id="transfer-note" class="copy-value">{order.number}</span>' in page
    for target in ("transfer-account", "transfer-amount", "transfer-note"):
        assert f'data-copy="#{target}" data-copied="Copied"' in page
    assert page.count('class="btn btn-secondary btn-sm copy-button"') == 3 and "js/copy.js" in page
    assert 'class="copyable copyable-big"' in page  # amount and wording shown large
    link = re.search(r'href="([^"]*vietqr\.png\?download=1)"[^>]*download=', page)
    assert link and "Save QR image" in page
    image = client.get(link.group(1).replace("&amp;", "&"))
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.headers["Content-Disposition"] == f'attachment; filename="VietQR-{order.number}.png"'
    assert image.data.startswith(b"\x89PNG")
    assert "Content-Disposition" not in client.get(f"/orders/{order.token}/vietqr.png").headers


def test_only_a_guest_is_told_to_keep_the_link(client, auth, make_user, goods):
    _, url = _transfer_order(client, goods)
    assert "Keep this page" in client.get(url, headers=EN).get_data(as_text=True)
    user = _signed_in(auth, make_user)
    mine = place((goods.tea, 1), user=user)
    page = client.get(f"/orders/{mine.token}", headers=EN).get_data(as_text=True)
    assert mine.number in page and "Keep this page" not in page


# --- order history ----------------------------------------------------------------------------------

def test_history_cards_show_products_photos_status_and_a_written_date(client, auth, make_user, goods):
    user = _signed_in(auth, make_user)
    order = place((goods.honey, 2), (goods.tea, 1), user=user)
    page = client.get("/account/orders").get_data(as_text=True)
    assert order.number in page and "Mật ong hoa nhãn" in page and "Trà Tân Cương" in page
    assert page.count("-thumb.webp") == 2
    assert re.search(r'class="badge badge-warn status-pending"', page)
    assert re.search(r"\d\d:\d\d, \d{1,2} tháng \d{1,2}, \d{4}", page)


def test_history_loads_in_the_same_number_of_queries_however_many_orders(client, auth, make_user, goods):
    user = _signed_in(auth, make_user)
    place((goods.honey, 1), user=user)
    client.get("/account/orders")
    with counted_queries() as one:
        client.get("/account/orders")
    for _ in range(3):
        place((goods.honey, 1), (goods.tea, 1), user=user)
    with counted_queries() as four:
        page = client.get("/account/orders").get_data(as_text=True)
    assert page.count("order-card-part") == 7
    assert len(four) == len(one), four


# --- confirm before it is done ---------------------------------------------------------------------

def test_cancelling_a_part_asks_first_and_keeps_the_reason(client, goods, client_for):
    add(client, goods.honey, 2)
    placed = post_form(client, "/checkout", CHECKOUT)
    order = db.session.scalar(select(Order))
    part = order.seller_orders[0]
    page = client.get(placed.location, headers=EN).get_data(as_text=True)
    # The button only opens the question; the form inside it cancels.
    step = re.search(r'<details class="confirm-step">.*?</details>', page, re.S).group(0)
    assert f'action="/orders/{order.token}/cancel/{part.id}"' in step and 'name="reason"' in step
    assert "Yes, cancel this part" in step
    cancel = post_form(client, f"/orders/{order.token}/cancel/{part.id}", {"reason": "  Đặt nhầm số lượng "},
                       form_url=placed.location)
    assert cancel.status_code == 302
    part = db.session.get(SellerOrder, part.id)
    db.session.refresh(part)
    assert part.status == "cancelled" and part.cancel_reason == "Đặt nhầm số lượng"
    assert fresh(goods.honey.id).stock == 10
    assert "Đặt nhầm số lượng" in client.get(placed.location).get_data(as_text=True)
    seller = client_for("hoa@example.vn")
    assert "Đặt nhầm số lượng" in seller.get(f"/sell/orders/{part.id}").get_data(as_text=True)


def test_a_cancel_reason_too_long_or_no_token_cancels_nothing(client, goods):
    add(client, goods.honey, 1)
    placed = post_form(client, "/checkout", CHECKOUT)
    order = db.session.scalar(select(Order))
    url = f"/orders/{order.token}/cancel/{order.seller_orders[0].id}"
    long = post_form(client, url, {"reason": "x" * 501}, form_url=placed.location, headers=EN)
    assert long.status_code == 302
    assert "Field cannot be longer than 500 characters." in client.get(placed.location, headers=EN).get_data(as_text=True)
    assert client.post(url, data={"reason": "vì"}).status_code == 400
    assert reload(order).seller_orders[0].status == "pending"


def test_history_shows_why_a_part_was_cancelled(client, auth, make_user, goods):
    user = _signed_in(auth, make_user)
    order = place((goods.honey, 1), user=user)
    post_form(client, f"/orders/{order.token}/cancel/{order.seller_orders[0].id}", {"reason": "Đổi ý"},
              form_url=f"/orders/{order.token}")
    assert "Đổi ý" in client.get("/account/orders").get_data(as_text=True)


def test_removing_a_cart_line_asks_first_without_any_script(client, goods):
    add(client, goods.honey, 2)
    page = client.get("/cart", headers=EN).get_data(as_text=True)
    step = re.search(r'<details class="confirm-step">.*?</details>', page, re.S).group(0)
    assert f'action="/cart/remove/{goods.honey.id}"' in step and 'name="csrf_token"' in step
    assert "Remove Mật ong hoa nhãn from your cart?" in step and "Yes, remove" in step
    # Outside the step there is no form that removes in one tap.
    assert page.count(f'action="/cart/remove/{goods.honey.id}"') == 1
    removed = post_form(client, f"/cart/remove/{goods.honey.id}", {}, form_url="/cart")
    assert removed.status_code == 302
    assert "Mật ong hoa nhãn" not in client.get("/cart").get_data(as_text=True)
