"""Issue 14, the shopper's aids on a 360 px phone: the ward field suggests the chosen province's
2025 communes and the email turns required with a transfer; the transfer page's copy buttons and
"Save QR image"; the order history's cards; the steps that ask before cancelling or removing."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from market.extensions import db
from market.orders.models import Order
from tests.builders import place

pytestmark = pytest.mark.e2e

WIDE = {"width": 1280, "height": 900}


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} scrolls sideways ({width}px)"


def _put_in_cart(page, base, product, quantity=1) -> None:
    page.goto(f"{base}/products/{product.slug}")
    form = page.locator('form[action="/cart/add"]')
    form.locator('input[name="quantity"]').fill(str(quantity))
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def _ward_options(page):
    return page.locator("#ward-suggestions option")


def test_wards_are_suggested_for_the_chosen_province_and_the_order_goes_through(live_server, phone, goods, snap):
    page = phone
    _put_in_cart(page, live_server, goods.honey, 2)
    page.goto(live_server + "/cart")
    remove = page.locator("details.confirm-step").first
    expect(remove.locator("button[type=submit]")).to_be_hidden()  # one tap does not remove
    remove.locator("summary").click()
    expect(remove.locator("button[type=submit]")).to_be_visible()
    snap(page, "cart-remove-asks")

    page.goto(live_server + "/checkout")
    form = page.locator('form[action="/checkout"]')
    page.get_by_label("Tỉnh, thành phố").select_option("01")
    commune = form.locator('input[name="commune"]')
    commune.fill("phu ngh")  # typed without tone marks, as on many phones
    expect(_ward_options(page).and_(page.locator('[value="Xã Phú Nghĩa"]'))).to_have_count(1)
    expect(_ward_options(page).and_(page.locator('[value="Phường Ba Đình"]'))).to_have_count(0)
    # Another province, another list.
    page.get_by_label("Tỉnh, thành phố").select_option("68")
    commune.fill("Xuân Trường")
    expect(_ward_options(page).and_(page.locator('[value="Phường Xuân Trường - Đà Lạt"]'))).to_have_count(1)
    expect(_ward_options(page).and_(page.locator('[value="Xã Phú Nghĩa"]'))).to_have_count(0)
    page.get_by_label("Tỉnh, thành phố").select_option("01")
    commune.fill("Xã Phú Nghĩa")

    email = form.locator('input[name="email"]')
    marker = form.locator("[data-email-marker]")
    expect(marker).to_be_hidden()
    form.locator('input[name="payment_method"][value="bank_transfer"]').check()
    expect(marker).to_be_visible()
    expect(email).to_have_attribute("required", "")
    form.locator('input[name="payment_method"][value="cod"]').check()
    expect(marker).to_be_hidden()
    assert email.get_attribute("required") is None

    page.get_by_label("Họ và tên").fill("Nguyễn Thị Mai")
    form.locator('input[name="phone"]').fill("0912 345 678")
    form.locator('input[name="street_address"]').fill("12 Hàng Bạc")
    _fits(page)
    snap(page, "checkout")
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/orders/[^/]+$"))
    db.session.expire_all()
    order = db.session.scalar(select(Order))
    assert order.commune_name == "Xã Phú Nghĩa" and order.province_code == "01"

    # Cancelling asks first, then keeps the reason.
    step = page.locator("details.confirm-step")
    expect(step.locator("textarea")).to_be_hidden()
    step.locator("summary").click()
    step.locator("textarea").fill("Đặt nhầm")
    snap(page, "cancel-asks")
    step.locator("button[type=submit]").click()
    expect(page.locator(".status-cancelled").first).to_be_visible()
    expect(page.get_by_text("Đặt nhầm").first).to_be_visible()


def test_a_transfer_order_page_has_copy_buttons_and_a_qr_to_save(live_server, new_phone, goods, snap):
    context = new_phone()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page = context.new_page()
    _put_in_cart(page, live_server, goods.comb, 1)
    page.goto(live_server + "/checkout")
    form = page.locator('form[action="/checkout"]')
    page.get_by_label("Họ và tên").fill("Nguyễn Thị Mai")
    form.locator('input[name="phone"]').fill("0912 345 678")
    form.locator('input[name="email"]').fill("mai@example.vn")
    page.get_by_label("Tỉnh, thành phố").select_option("01")
    form.locator('input[name="commune"]').fill("Xã Phú Nghĩa")
    form.locator('input[name="street_address"]').fill("12 Hàng Bạc")
    form.locator('input[name="payment_method"][value="bank_transfer"]').check()
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/orders/[^/]+$"))

    transfer = page.locator("section.transfer")
    buttons = transfer.locator("button.copy-button")
    expect(buttons).to_have_count(3)
    for index in range(3):
        expect(buttons.nth(index)).to_be_visible()
    db.session.expire_all()
    order = db.session.scalar(select(Order))
    amount = transfer.locator('button[data-copy="#transfer-amount"]')
    amount.click()
    expect(amount).to_contain_text("Đã sao chép")  # the visible "Copied" state
    assert page.evaluate("navigator.clipboard.readText()") == str(order.amount_due_vnd)
    save = transfer.locator('a[download][href*="vietqr.png"]')
    expect(save).to_be_visible()
    with page.expect_download() as download:
        save.click()
    assert download.value.suggested_filename == f"VietQR-{order.number}.png"
    # Amount and wording large enough to read and type.
    size = transfer.locator("#transfer-note").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 20, size
    _fits(page)
    snap(page, "transfer-phone")
    page.set_viewport_size(WIDE)
    snap(page, "transfer-wide")


def test_order_history_cards_for_a_signed_in_shopper(live_server, phone, goods, make_user, snap):
    user = make_user("mai@example.vn")
    place((goods.honey, 2), (goods.tea, 1), user=user)
    place((goods.comb, 1), user=user, payment_method="bank_transfer")
    page = phone
    page.goto(live_server + "/account/sign-in")
    page.get_by_label("Email").fill("mai@example.vn")
    page.get_by_label("Mật khẩu").fill("correct-horse-battery")
    page.get_by_role("button", name="Đăng nhập").click()
    page.goto(live_server + "/account/orders")
    cards = page.locator("li.order-card")
    expect(cards).to_have_count(2)
    expect(cards.first.locator("img")).to_have_count(1)
    expect(cards.nth(1)).to_contain_text("Trà Tân Cương")
    expect(cards.first).to_contain_text(re.compile(r"\d\d:\d\d, \d{1,2} tháng \d{1,2}, \d{4}"))
    _fits(page)
    snap(page, "history-phone")
    page.set_viewport_size(WIDE)
    snap(page, "history-wide")
