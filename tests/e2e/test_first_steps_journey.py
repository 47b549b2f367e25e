"""A new seller's first steps on a 360 px phone: numbered, each state in words, the next step
first; the list folded once a step is done so the day's work stays in the first screen."""
import re

import pytest
from playwright.sync_api import expect

from market.orders import shipping
from tests import builders
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def test_a_new_seller_reads_her_steps_on_a_phone(live_server, new_phone, shop, axe, snap):
    page = new_phone("en-US").new_page()
    sign_in(page, live_server)
    page.goto(live_server + "/sell")
    steps = page.locator(".first-steps")
    expect(steps).to_contain_text("All the steps (0 of 7 done)")
    expect(steps.locator(".step-list > li")).to_have_count(7)
    expect(steps.locator(".step-list")).to_contain_text("Not done yet")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page is {width} px wide on a 360 px phone"
    axe(page, "first steps, none done")
    snap(page, "new-360")


def test_with_a_step_done_the_list_folds_and_the_work_stays_in_view(live_server, new_phone, goods, axe, snap):
    shipping.set_shipping(goods.shop.owner, 25_000, None)
    builders.place((goods.honey, 1))
    page = new_phone("vi-VN").new_page()
    page.goto(live_server + "/account/sign-in")
    page.get_by_label("Email").fill("hoa@example.vn")
    page.get_by_label("Mật khẩu").fill(builders.PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.goto(live_server + "/sell")
    steps = page.locator(".first-steps")
    expect(steps).to_contain_text("Tất cả các bước (đã xong 3 trên 7)")
    expect(steps.locator(".step-next")).to_contain_text("Hồ sơ và logo")
    expect(steps.locator(".step-list")).not_to_be_visible()
    box = page.locator(".seller-home-todo").bounding_box()
    assert box["y"] + box["height"] <= 740, "the day's work falls below the first phone screen"
    snap(page, "folded-360-vi")
    steps.locator("summary").click()
    expect(steps.locator(".step-list")).to_contain_text(re.compile("Đã xong ngày"))
    axe(page, "first steps, list open")
    snap(page, "open-360-vi")
