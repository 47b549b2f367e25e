"""A shopper on a phone: reads Vietnamese, switches to English, registers, signs out and in."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_register_sign_out_sign_in_on_a_phone(live_server, phone):
    page = phone
    page.goto(live_server + "/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    # The account links sit behind the header's menu button.
    page.locator(".site-header .menu summary").click()
    expect(page.get_by_role("link", name="Đăng nhập")).to_be_visible()

    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator(".site-header .menu summary").click()
    page.get_by_role("link", name="Register").click()

    page.get_by_label("Full name").fill("Nguyễn Thị Lan")
    page.get_by_label("Email").fill("lan@example.vn")
    page.get_by_label("Mobile phone (optional)").fill("0912 345 678")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Repeat the password").fill("short")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text("The password must be between 10 and 128 characters.", exact=True)).to_be_visible()
    expect(page.get_by_label("Full name")).to_have_value("Nguyễn Thị Lan")

    page.get_by_label("Password", exact=True).fill("correct-horse-battery")
    page.get_by_label("Repeat the password").fill("correct-horse-battery")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text("Welcome, Nguyễn Thị Lan!")).to_be_visible()

    page.locator(".site-header .menu summary").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()

    page.locator(".site-header .menu summary").click()
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Email").fill("LAN@example.vn")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.locator(".site-header .menu summary").click()
    page.get_by_role("link", name="My account").click()
    expect(page.get_by_label("Full name")).to_have_value("Nguyễn Thị Lan")
    expect(page.get_by_label("Mobile phone (optional)")).to_have_value("0912 345 678")


def test_page_fits_a_phone_and_keyboard_users_can_skip_to_content(live_server, phone):
    page = phone
    page.goto(live_server + "/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page scrolls sideways on a 360 px phone ({width}px)"
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Chuyển đến nội dung chính")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
