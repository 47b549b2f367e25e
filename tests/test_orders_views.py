"""Shopper pages through the test client (CSRF on): cart, checkout, order page, history."""

from flask_babel import force_locale
from sqlalchemy import func, select

from market.core.page_cache import pages
from market.extensions import db
from market.orders import cart as carts
from market.orders.models import Address, Order
from tests.builders import CHECKOUT, EN, fresh, image_bytes, place, reload
from tests.conftest import csrf_token_from, post_form


def add(client, product, quantity=1, headers=None):
    page = client.get(f"/products/{product.slug}", headers=headers or {})
    return client.post("/cart/add", data={"csrf_token": csrf_token_from(page), "product_id": product.id,
                                          "quantity": quantity, "next": f"/products/{product.slug}"},
                       headers=headers or {})


def order_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Order))


def test_add_to_cart_from_the_product_page_and_see_the_count(client, goods):
    page = client.get(f"/products/{goods.honey.slug}", headers=EN).get_data(as_text=True)
    assert 'action="/cart/add"' in page and "Add to cart" in page
    response = add(client, goods.honey, 2, EN)
    assert response.status_code == 302 and response.location.endswith(f"/products/{goods.honey.slug}")
    assert '<span class="count">2<span class="visually-hidden">' in client.get("/", headers=EN).get_data(as_text=True)
    cart = client.get("/cart", headers=EN).get_data(as_text=True)
    assert "Mật ong hoa nhãn" in cart and goods.shop.seller.name in cart and "Checkout" in cart


def test_add_to_cart_needs_the_csrf_token(client, goods):
    response = client.post("/cart/add", data={"product_id": goods.honey.id, "quantity": 1})
    assert response.status_code == 400
    with client.session_transaction() as session:  # the session as Flask reads it
        assert not session.get(carts.SESSION_KEY)
    assert goods.honey.name not in client.get("/cart", headers=EN).get_data(as_text=True)


def test_a_cached_product_page_gives_every_visitor_their_own_token(app, client, goods):
    app.config["PAGE_CACHE_SECONDS"] = 60
    pages.clear()
    try:
        other = app.test_client()
        first = client.get(f"/products/{goods.honey.slug}")
        second = other.get(f"/products/{goods.honey.slug}")
        assert second.headers.get("X-Page-Cache") == "hit"
        assert csrf_token_from(first) != csrf_token_from(second)
        for visitor in (client, other):
            assert add(visitor, goods.honey).status_code == 302
        # A guest's cart count reaches cached pages too.
        add(other, goods.honey, 2)
        assert '<span class="count">3<span class="visually-hidden">' in other.get(f"/c/{goods.honey.category.slug}").get_data(as_text=True)
    finally:
        app.config["PAGE_CACHE_SECONDS"] = 0
        pages.clear()


def test_quantities_are_limited_to_stock(client, goods):
    add(client, goods.comb, 3)
    response = add(client, goods.comb, 2, EN)
    assert response.status_code == 302
    assert "Only 3 available" in client.get("/cart", headers=EN).get_data(as_text=True)


def test_a_guest_places_a_cash_on_delivery_order(client, goods):
    add(client, goods.honey, 2)
    add(client, goods.tea, 1)
    response = post_form(client, "/checkout", CHECKOUT)
    assert response.status_code == 303
    order = db.session.scalar(select(Order))
    assert response.location.endswith(f"/orders/{order.token}")
    page = client.get(response.location, headers=EN).get_data(as_text=True)
    assert order.number in page and "Timeline" in page and "Order placed" in page
    assert fresh(goods.honey.id).stock == 8
    assert '<span class="count">' not in client.get("/", headers=EN).get_data(as_text=True)


def test_checkout_errors_are_shown_in_the_shoppers_language_and_change_nothing(client, goods):
    add(client, goods.honey, 1)
    bad = {**CHECKOUT, "phone": "12345", "commune": "Phường Không Có"}
    response = post_form(client, "/checkout", bad, headers=EN)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter a Vietnamese mobile number" in page and "not in Hà Nội on the 2025 map" in page
    assert order_count() == 0 and fresh(goods.honey.id).stock == 10
    transfer = post_form(client, "/checkout", {**CHECKOUT, "payment_method": "bank_transfer"}, headers=EN)
    assert "Enter your email" in transfer.get_data(as_text=True) and order_count() == 0


def test_stock_gone_meanwhile_sends_the_shopper_back_to_the_cart_naming_the_line(client, goods):
    add(client, goods.tea, 5)
    place((goods.tea, 3))
    response = post_form(client, "/checkout", CHECKOUT, headers=EN)
    assert response.status_code == 302 and response.location.endswith("/cart")
    cart = client.get("/cart", headers=EN).get_data(as_text=True)
    assert "Trà Tân Cương" in cart and "Only 2 left" in cart
    assert order_count() == 1


def test_a_bank_transfer_order_shows_the_vietqr_code_and_takes_a_receipt(client, goods):
    add(client, goods.honey, 1)
    response = post_form(client, "/checkout", {**CHECKOUT, "payment_method": "bank_transfer",
                                               "email": "mai@example.vn"})
    order = db.session.scalar(select(Order))
    page = client.get(response.location, headers=EN)
    text = page.get_data(as_text=True)
    assert '<div class="qr"><svg' in text and order.number in text and "Transfer note" in text
    upload = client.post(f"/orders/{order.token}/receipt", data={
        "csrf_token": csrf_token_from(page),
        "receipt": (__import__("io").BytesIO(image_bytes((40, 40))), "bien-lai.png", "image/png")},
        content_type="multipart/form-data")
    assert upload.status_code == 302
    assert reload(order).receipt_name
    assert client.get(f"/orders/{order.token}/receipt").status_code == 200


def test_the_shopper_cancels_before_the_seller_confirms(client, goods):
    add(client, goods.honey, 2)
    response = post_form(client, "/checkout", CHECKOUT)
    order = db.session.scalar(select(Order))
    part = order.seller_orders[0]
    cancel = post_form(client, f"/orders/{order.token}/cancel/{part.id}", {}, form_url=response.location)
    assert cancel.status_code == 302
    assert reload(order).seller_orders[0].status == "cancelled" and fresh(goods.honey.id).stock == 10


def test_nobody_opens_someone_elses_order(client, auth, goods, make_user):
    mai = make_user("mai@example.vn")
    make_user("binh@example.vn")
    order = place((goods.honey, 1), user=mai)
    assert client.get(f"/orders/{order.token}").status_code == 404  # a guest
    auth.login("binh@example.vn")
    assert client.get(f"/orders/{order.token}").status_code == 404  # another shopper
    assert client.get("/orders/" + "x" * 43).status_code == 404
    assert order.number not in client.get("/account/orders").get_data(as_text=True)
    auth.logout()
    auth.login("mai@example.vn")
    assert client.get(f"/orders/{order.token}").status_code == 200
    assert order.number in client.get("/account/orders").get_data(as_text=True)


def test_guests_find_their_order_by_number_and_phone(client, goods):
    order = place((goods.honey, 1), email="")
    wrong = post_form(client, "/orders/find", {"number": order.number, "contact": "0987 000 000"}, headers=EN)
    assert wrong.status_code == 400 and "No order matches" in wrong.get_data(as_text=True)
    found = post_form(client, "/orders/find", {"number": order.number.lower(), "contact": "0912345678"})
    assert found.status_code == 302 and found.location.endswith(f"/orders/{order.token}")


def test_a_guest_cart_is_merged_at_sign_in(client, auth, goods, make_user):
    make_user("mai@example.vn")
    add(client, goods.honey, 2)
    auth.login("mai@example.vn")
    assert '<span class="count">2<span class="visually-hidden">' in client.get("/cart").get_data(as_text=True)


def test_signed_in_shoppers_keep_an_address_book_used_at_checkout(client, auth, goods, make_user):
    make_user("mai@example.vn")
    auth.login("mai@example.vn")
    saved = post_form(client, "/account/addresses", {k: CHECKOUT[k] for k in
                                                     ("full_name", "phone", "province", "commune", "street_address")})
    assert saved.status_code == 302
    address = db.session.scalar(select(Address))
    assert address.is_default and address.phone == "+84912345678"
    add(client, goods.honey, 1)
    form = client.get("/checkout").get_data(as_text=True)
    assert 'value="12 Hàng Bạc"' in form
    # Another shopper cannot see or remove it.
    auth.logout()
    make_user("binh@example.vn")
    auth.login("binh@example.vn")
    assert client.get(f"/account/addresses/{address.id}").status_code == 404
    token = csrf_token_from(client.get("/account/addresses"))
    assert client.post(f"/account/addresses/{address.id}/delete", data={"csrf_token": token}).status_code == 404


def test_an_empty_cart_has_no_checkout(client):
    assert client.get("/checkout").status_code == 302
    assert "Checkout" not in client.get("/cart", headers=EN).get_data(as_text=True).split("<main")[1]


def test_after_cancelling_a_part_the_transfer_asks_only_for_what_is_left(client, goods):
    from market.core.i18n import format_money

    add(client, goods.honey, 1)
    add(client, goods.tea, 1)
    placed = post_form(client, "/checkout", {**CHECKOUT, "payment_method": "bank_transfer", "email": "mai@example.vn"})
    order = db.session.scalar(select(Order))
    tea = next(part for part in order.seller_orders if part.seller_id == goods.rival.seller.id)
    honey = next(part for part in order.seller_orders if part.seller_id == goods.shop.seller.id)
    post_form(client, f"/orders/{order.token}/cancel/{tea.id}", {}, form_url=placed.location)
    with force_locale("en"):
        left = format_money(honey.subtotal_vnd)
    page = client.get(placed.location, headers=EN).get_data(as_text=True)
    assert "To pay now" in page and left in page and '<div class="qr"><svg' in page
    post_form(client, f"/orders/{order.token}/cancel/{honey.id}", {}, form_url=placed.location)
    page = client.get(placed.location, headers=EN).get_data(as_text=True)
    assert '<div class="qr">' not in page and "Pay by bank transfer" not in page


def test_guessing_order_numbers_is_rate_limited(app, client, goods):
    app.config["FIND_ORDER_LIMIT_PER_IP"] = "3 per minute"
    order = place((goods.honey, 1), email="")
    for number in range(3):
        wrong = post_form(client, "/orders/find", {"number": f"CPN-2026-{900_000 + number:06d}", "contact": "0912345678"})
        assert wrong.status_code == 400
    blocked = post_form(client, "/orders/find", {"number": order.number, "contact": "0912345678"})
    assert blocked.status_code == 429
