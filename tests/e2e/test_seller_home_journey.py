"""The seller's everyday screens on a 360 × 740 phone: the home with what needs doing and this
month's sales inside the first screen, the compact menu, delivering a cash-on-delivery order
with the cash in the same press, and an invitation shared by link."""
import re

import pytest
from playwright.sync_api import expect

from market.orders import services as orders
from tests import builders
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def busy(goods):
    jar = builders.make_product(goods.shop.owner, name="Mật ong hũ lớn", price_vnd=150_000, stock=40)
    for quantity in (1, 2, 3):
        builders.place((jar, quantity))
    confirmed = builders.place((jar, 2))
    orders.fulfil(goods.shop.owner, confirmed.seller_orders[0], "confirm")
    shipped = builders.place((jar, 1))
    part = shipped.seller_orders[0]
    orders.fulfil(goods.shop.owner, part, "confirm")
    orders.fulfil(goods.shop.owner, part, "ship", carrier="Viettel Post", tracking_number="VTP123")
    return part


def test_the_home_fits_one_phone_screen_and_the_menu_opens(live_server, new_phone, busy, axe, snap):
    page = new_phone("en-US").new_page()
    sign_in(page, live_server)
    page.goto(live_server + "/sell")
    tasks = page.locator(".task-list")
    expect(tasks.get_by_role("link", name=re.compile("Orders to confirm"))).to_contain_text("3")
    expect(tasks.get_by_role("link", name=re.compile("Orders to ship"))).to_contain_text("1")
    expect(tasks.get_by_role("link", name=re.compile("Products low on stock"))).to_be_visible()
    month = page.locator(".seller-home-month")
    box = month.bounding_box()
    assert box["y"] + box["height"] <= 740, "this month's sales fall below the first phone screen"
    nav = page.locator(".seller-nav").bounding_box()
    assert nav["height"] <= 64, "the seller menu takes more than one short row"
    axe(page, "seller home")
    snap(page, "home-360")
    page.get_by_text("More", exact=True).click()
    expect(page.get_by_role("link", name="Money and statement")).to_be_visible()
    axe(page, "seller menu open")
    snap(page, "menu-open-360")
    page.get_by_role("link", name="Members").click()
    expect(page).to_have_url(re.compile(r"/sell/members$"))
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_server + "/sell")
    snap(page, "home-1280")
    # In Vietnamese, the longer labels still leave the month's figures in the first screen.
    vi = new_phone("vi-VN").new_page()
    _sign_in_vi(vi, live_server)
    vi.goto(live_server + "/sell")
    expect(vi.locator(".task-list")).to_contain_text("Đơn chờ xác nhận")
    box = vi.locator(".seller-home-month").bounding_box()
    assert box["y"] + box["height"] <= 740
    snap(vi, "home-360-vi")


def _sign_in_vi(page, base, email="hoa@example.vn"):
    page.goto(base + "/account/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Mật khẩu").fill(builders.PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def test_delivering_cod_is_one_press_with_the_cash(live_server, new_phone, busy, axe, snap):
    page = new_phone("en-US").new_page()
    sign_in(page, live_server)
    page.goto(f"{live_server}/sell/orders/{busy.id}")
    form = page.locator("#deliver-form")
    expect(form).to_contain_text("Cash to collect")
    button = form.get_by_role("button", name="Mark as delivered and cash collected")
    button.click()  # the box is required: the browser stops here
    expect(page).to_have_url(re.compile(rf"/sell/orders/{busy.id}$"))
    form.get_by_label(re.compile("I have collected")).check()
    axe(page, "order page")
    snap(page, "deliver-form-360")
    button.click()
    expect(page.locator("body")).to_contain_text("is marked as delivered")
    snap(page, "delivered-360")


def test_an_invitation_link_shared_and_opened(live_server, new_phone, shop, axe, snap):
    owner = new_phone("en-US").new_page()
    sign_in(owner, live_server)
    owner.goto(live_server + "/sell/members")
    owner.get_by_label("Email of the person to invite").fill("ngoc@example.vn")
    owner.get_by_role("button", name="Get a link to share").click()
    link = owner.locator("input.share-link-input").input_value()
    expect(owner.get_by_role("button", name="Copy link")).to_be_visible()  # copy.js shows it
    expect(owner.get_by_role("link", name="Send by SMS")).to_have_attribute("href", re.compile(r"^sms:\?body="))
    axe(owner, "members page")
    snap(owner, "members-360")
    guest = new_phone("en-US").new_page()
    guest.goto(link.replace("http://localhost", live_server))
    expect(guest.get_by_role("heading", level=1)).to_have_text("Join HTX Mật ong Hưng Yên")
    expect(guest.locator(".invitation-card")).to_contain_text("invites you to sell with")
    axe(guest, "invitation page")
    snap(guest, "invitation-360")
