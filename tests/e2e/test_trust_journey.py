"""Trust on a phone: a shopper reviews what was delivered and reports another listing; union
staff take the listing down, and it leaves the storefront and the search at once."""
import pytest
from playwright.sync_api import expect

from market.extensions import db
from market.orders import services as orders
from market.orders.models import SellerOrder
from tests import builders
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def _delivered_order(goods, shopper):
    """The shopper's order of one jar of honey, confirmed, shipped and delivered by its seller."""
    order = builders.place((goods.honey, 1), user=shopper)
    part = builders.reload(order).seller_orders[0]
    owner = goods.shop.owner
    orders.fulfil(owner, db.session.get(SellerOrder, part.id), "confirm")
    orders.fulfil(owner, db.session.get(SellerOrder, part.id), "ship", carrier="Viettel Post", tracking_number="VTP1")
    orders.fulfil(owner, db.session.get(SellerOrder, part.id), "deliver", cash_collected=True)
    return builders.reload(order)


def test_review_report_and_takedown(live_server, goods, staff, new_phone, snap):
    shopper = builders.make_user("mai@example.vn", full_name="Nguyễn Thị Mai")
    shopper.locale = "en"
    db.session.commit()
    order = _delivered_order(goods, shopper)
    tea_slug = goods.tea.slug

    page = new_phone("en-US").new_page()
    sign_in(page, live_server, "mai@example.vn")
    page.goto(f"{live_server}/orders/{order.token}")
    page.get_by_role("link", name="Write a review").click()
    page.get_by_label("4 stars").check()
    page.get_by_label("Your review (optional)").fill("Mật ong thơm, đóng gói cẩn thận.")
    page.get_by_role("button", name="Publish my review").click()
    expect(page.get_by_text("Thank you! Your review is published.")).to_be_visible()

    page.goto(f"{live_server}/products/{goods.honey.slug}")
    expect(page.get_by_text("Mật ong thơm, đóng gói cẩn thận.")).to_be_visible()
    expect(page.get_by_text("Verified purchase").first).to_be_visible()
    snap(page, "reviewed")

    page.goto(f"{live_server}/products/{tea_slug}")
    page.get_by_role("link", name="Report this product").click()
    page.get_by_label("Counterfeit or fake").check()
    page.get_by_label("Tell us more").fill("Bao bì giống hệt một thương hiệu khác.")
    page.get_by_role("button", name="Send the report").click()
    expect(page.get_by_text("Thank you: your report was sent.")).to_be_visible()
    snap(page, "reported")

    desk = new_phone("en-US").new_page()
    desk.set_viewport_size({"width": 1280, "height": 900})
    sign_in(desk, live_server, staff.email)
    desk.goto(live_server + "/staff/complaints")
    desk.get_by_role("link", name="#", exact=False).first.click()
    desk.get_by_label("Decision").select_option(label="Product taken down")
    desk.get_by_label("Reason").fill("Bao bì nhái thương hiệu: gỡ sản phẩm.")
    desk.get_by_role("button", name="Record the decision").click()
    expect(desk.get_by_text("Bao bì nhái thương hiệu: gỡ sản phẩm.").first).to_be_visible()
    snap(desk, "decided")

    response = page.goto(f"{live_server}/products/{tea_slug}")
    assert response.status == 404
    page.goto(f"{live_server}/search?q=Tân+Cương")
    expect(page.get_by_role("link", name="Trà Tân Cương")).to_have_count(0)
