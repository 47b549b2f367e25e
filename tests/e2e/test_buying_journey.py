"""A guest buys from two cooperatives on a phone; pays cash or by VietQR transfer; cancels a
part; a seller confirms, ships and delivers, and the guest sees it.

The shopper pages are in Vietnamese (locale vi-VN). Most order strings have no translation
yet, so those are found by what survives a translation: form actions, input names and
values, status classes; translated words (Giỏ hàng, Họ và tên, …) are used as they are.
"""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from market.catalog.models import Product
from market.extensions import db
from market.orders.models import Order, SellerOrder

pytestmark = pytest.mark.e2e

NUMBER = re.compile(r"CPN-\d{4}-\d{6}")
PARTS = 'section.card[aria-labelledby^="part-"]'


# --- helpers ---------------------------------------------------------------------------------

def _fits_a_phone(page, what: str) -> None:
    width, phone = page.evaluate("document.documentElement.scrollWidth"), page.viewport_size["width"]
    assert width <= phone, f"{what} scrolls sideways on a {phone} px phone ({width}px)"


def _add_to_cart(page, base: str, product, quantity: int) -> None:
    page.goto(f"{base}/products/{product.slug}")
    expect(page.get_by_role("heading", level=1, name=product.name)).to_be_visible()
    form = page.locator('form[action="/cart/add"]')
    form.locator('input[name="quantity"]').fill(str(quantity))
    form.locator("button[type=submit]").click()
    # Back on the product page, with the "added" panel and the count in the header.
    expect(page.locator(".added-panel")).to_be_visible()


def _cart_count(page):
    return page.locator('.site-header a[href="/cart"] .count')


def _checkout(page, payment: str = "cod", email: str = "") -> None:
    """From the cart: fill the checkout form and place the order."""
    page.locator('a.button[href="/checkout"]').click()
    form = page.locator('form[action="/checkout"]')
    expect(form).to_be_visible()
    page.get_by_label("Họ và tên").fill("Nguyễn Thị Mai")
    form.locator('input[name="phone"]').fill("0912 345 678")
    if email:
        form.locator('input[name="email"]').fill(email)
    page.get_by_label("Tỉnh, thành phố").select_option("01")
    page.get_by_label("Xã, phường").fill("Xã Phú Nghĩa")
    form.locator('input[name="street_address"]').fill("12 Hàng Bạc")
    radio = form.locator(f'input[name="payment_method"][value="{payment}"]')
    if payment == "cod":
        expect(radio).to_be_checked()  # cash on delivery is the default
    else:
        radio.check()
    form.locator("button[type=submit]").click()


def _order_number(page) -> str:
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(NUMBER)
    return NUMBER.search(heading.inner_text()).group(0)


def _buy_from_both(page, base: str, goods, payment: str = "cod", email: str = "") -> str:
    """A guest puts 2 honey (shop) and 1 tea (rival) in the cart and places the order; its number."""
    _add_to_cart(page, base, goods.honey, 2)
    _add_to_cart(page, base, goods.tea, 1)
    page.goto(base + "/cart")
    _checkout(page, payment, email)
    expect(page).to_have_url(re.compile(r"/orders/[^/]+$"))
    return _order_number(page)


def _part(page, seller):
    return page.locator(PARTS).filter(has=page.get_by_role("heading", name=seller.name))


def _order_in_db(number: str) -> Order:
    db.session.expire_all()
    return db.session.scalar(select(Order).where(Order.number == number))


# --- journeys --------------------------------------------------------------------------------

def test_guest_buys_from_two_sellers_on_a_phone(live_server, phone, goods, snap):
    page = phone
    page.goto(f"{live_server}/products/{goods.honey.slug}")
    expect(page.get_by_role("heading", level=1, name="Mật ong hoa nhãn")).to_be_visible()
    _fits_a_phone(page, "the product page")
    form = page.locator('form[action="/cart/add"]')
    form.locator('input[name="quantity"]').fill("2")
    form.locator("button[type=submit]").click()
    panel = page.locator(".added-panel")
    expect(panel).to_be_visible()
    expect(panel.get_by_role("link", name="Xem giỏ hàng")).to_have_attribute("href", "/cart")
    expect(panel.get_by_role("link", name="Thanh toán")).to_have_attribute("href", "/checkout")
    expect(_cart_count(page)).to_have_text(re.compile(r"^2 "))

    _add_to_cart(page, live_server, goods.tea, 1)
    expect(_cart_count(page)).to_have_text(re.compile(r"^3 "))

    page.get_by_role("link", name=re.compile("^Giỏ hàng")).click()
    expect(page.get_by_role("heading", level=1, name="Giỏ hàng")).to_be_visible()
    groups = page.locator("section.cart-seller")
    expect(groups).to_have_count(2)
    honey_group = groups.filter(has=page.get_by_role("link", name=goods.shop.seller.name))
    tea_group = groups.filter(has=page.get_by_role("link", name=goods.rival.seller.name))
    expect(honey_group.get_by_role("link", name="Mật ong hoa nhãn")).to_be_visible()
    expect(honey_group.locator(f'input[name="qty-{goods.honey.id}"]')).to_have_value("2")
    expect(tea_group.get_by_role("link", name="Trà Tân Cương")).to_be_visible()
    expect(tea_group.locator(f'input[name="qty-{goods.tea.id}"]')).to_have_value("1")
    _fits_a_phone(page, "the cart")
    snap(page, "cart")

    page.locator('a.button[href="/checkout"]').click()
    expect(page.locator('form[action="/checkout"]')).to_be_visible()
    _fits_a_phone(page, "the checkout")
    snap(page, "checkout")
    page.goto(live_server + "/cart")
    _checkout(page)

    expect(page).to_have_url(re.compile(r"/orders/[^/]+$"))
    number = _order_number(page)
    expect(page.locator(".flash-success")).to_contain_text(number)
    expect(page.locator(PARTS)).to_have_count(2)
    expect(_part(page, goods.shop.seller)).to_contain_text("2 × Mật ong hoa nhãn")
    expect(_part(page, goods.rival.seller)).to_contain_text("1 × Trà Tân Cương")
    expect(page.get_by_text("0912 345 678")).to_be_visible()
    expect(page.get_by_text("Xã Phú Nghĩa", exact=False)).to_be_visible()
    expect(_cart_count(page)).to_have_count(0)  # the cart is empty after placing
    _fits_a_phone(page, "the order page")

    order = _order_in_db(number)
    assert order is not None and order.payment_method == "cod" and order.user_id is None
    assert order.phone == "+84912345678"
    assert sorted(part.seller_id for part in order.seller_orders) == sorted(
        [goods.shop.seller.id, goods.rival.seller.id])


def test_guest_cancels_one_part_and_the_stock_comes_back(live_server, phone, goods):
    page = phone
    number = _buy_from_both(page, live_server, goods)
    db.session.expire_all()
    assert db.session.get(Product, goods.tea.id).stock == 4

    tea_part = _part(page, goods.rival.seller)
    cancel = tea_part.locator('form[action*="/cancel/"]')
    expect(cancel).to_have_attribute("action", re.compile(r"^/orders/[^/]+/cancel/\d+$"))
    tea_part.locator("details.confirm-step > summary").click()  # the first tap only asks
    cancel.locator("button[type=submit]").click()

    expect(page.locator(".flash-success")).to_be_visible()
    tea_part = _part(page, goods.rival.seller)
    expect(tea_part.locator(".status-cancelled")).to_be_visible()
    expect(tea_part.locator('form[action*="/cancel/"]')).to_have_count(0)
    expect(tea_part.locator("ol.timeline li")).to_have_count(2)  # placed, then cancelled by the shopper
    honey_part = _part(page, goods.shop.seller)
    expect(honey_part.locator(".status-cancelled")).to_have_count(0)
    expect(honey_part.locator('form[action*="/cancel/"]')).to_have_count(1)
    _fits_a_phone(page, "the order page with a cancelled part")

    db.session.expire_all()
    assert db.session.get(Product, goods.tea.id).stock == 5
    assert db.session.get(Product, goods.honey.id).stock == 8
    order = _order_in_db(number)
    statuses = {part.seller_id: part.status for part in order.seller_orders}
    assert statuses == {goods.rival.seller.id: "cancelled", goods.shop.seller.id: "pending"}


def test_guest_pays_by_bank_transfer_with_vietqr(live_server, phone, goods):
    page = phone
    _add_to_cart(page, live_server, goods.comb, 1)
    page.goto(live_server + "/cart")
    _checkout(page, payment="bank_transfer", email="mai@example.vn")

    expect(page).to_have_url(re.compile(r"/orders/[^/]+$"))
    number = _order_number(page)
    transfer = page.locator("section.transfer")
    qr = transfer.locator(".qr svg")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box is not None and box["width"] > 100, f"the QR code is too small to scan ({box})"
    assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"], f"the QR code overflows the phone ({box})"
    expect(transfer.locator("#transfer-note")).to_have_text(number)
    _fits_a_phone(page, "the bank-transfer order page")

    order = _order_in_db(number)
    assert order.payment_method == "bank_transfer" and order.payment_status == "unpaid"
    assert order.email == "mai@example.vn"
    assert [part.status for part in order.seller_orders] == ["awaiting_payment"]


def test_seller_confirms_ships_and_delivers(live_server, phone, new_phone, goods, snap):
    guest = phone
    number = _buy_from_both(guest, live_server, goods)
    order_url = guest.url

    seller = new_phone()
    page = seller.new_page()
    try:
        page.goto(live_server + "/account/sign-in")
        page.get_by_label("Email").fill("hoa@example.vn")
        page.get_by_label("Mật khẩu").fill("correct-horse-battery")
        page.get_by_role("button", name="Đăng nhập").click()
        expect(page.locator('.site-header form[action="/account/sign-out"]')).to_have_count(1)  # signed in

        page.goto(live_server + "/sell/orders")
        expect(page.locator("article.card")).to_have_count(1)  # only its own part
        expect(page.locator("article.card .status-pending")).to_be_visible()
        _fits_a_phone(page, "the seller's orders list")
        snap(page, "seller-list")
        page.get_by_role("link", name=number).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(number)
        expect(page.get_by_text("Mật ong hoa nhãn")).to_be_visible()
        expect(page.get_by_text("Trà Tân Cương")).to_have_count(0)  # the other seller's part is not shown
        _fits_a_phone(page, "the seller's order page")
        snap(page, "seller-order-new")

        page.locator('form[action*="/confirm#"] button[type=submit]').click()
        expect(page.locator(".flash-success")).to_contain_text(number)
        expect(page.locator(".status-confirmed").first).to_be_visible()

        ship = page.locator('form[action*="/ship#"]')
        ship.locator('input[name="carrier"]').fill("Viettel Post")
        ship.locator('input[name="tracking_number"]').fill("VTP123456789")
        ship.locator("button[type=submit]").click()
        expect(page.locator(".flash-success")).to_contain_text(number)
        expect(page.locator(".status-shipped").first).to_be_visible()
        expect(page.get_by_text("VTP123456789").first).to_be_visible()

        deliver = page.locator('form[action*="/deliver#"]')
        deliver.locator('input[name="cash_collected"]').check()
        deliver.locator("button[type=submit]").click()
        expect(page.locator(".flash-success")).to_contain_text(number)
        expect(page.locator(".status-delivered").first).to_be_visible()
        expect(page.locator('form[action*="/deliver#"]')).to_have_count(0)
        _fits_a_phone(page, "the seller's delivered order page")
        snap(page, "seller-order-delivered")
    finally:
        seller.close()

    guest.goto(order_url)
    honey_part = _part(guest, goods.shop.seller)
    expect(honey_part.locator(".status-delivered")).to_be_visible()
    expect(honey_part).to_contain_text("Viettel Post")
    expect(honey_part.locator("strong", has_text="VTP123456789")).to_be_visible()
    # placed, confirmed, shipped, delivered
    expect(honey_part.locator("ol.timeline li")).to_have_count(4)
    expect(honey_part.locator('form[action*="/cancel/"]')).to_have_count(0)
    tea_part = _part(guest, goods.rival.seller)
    expect(tea_part.locator(".status-pending")).to_be_visible()
    _fits_a_phone(guest, "the order page after delivery")

    order = _order_in_db(number)
    part = db.session.scalar(select(SellerOrder).where(
        SellerOrder.order_id == order.id, SellerOrder.seller_id == goods.shop.seller.id))
    assert part.status == "delivered" and part.tracking_number == "VTP123456789"
