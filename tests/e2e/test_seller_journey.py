"""A cooperative applies on a phone; provincial staff approve it; it appears on the storefront."""

import pytest
from PIL import Image
from playwright.sync_api import expect
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def _logo_file(tmp_path):
    path = tmp_path / "logo.png"
    Image.new("RGB", (120, 120), "#1f4e79").save(path)
    return path


def _certificate_file(tmp_path):
    path = tmp_path / "giay-chung-nhan.pdf"
    path.write_bytes(b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
    return path


def test_apply_then_staff_approve(live_server, browser, new_phone, make_user, tmp_path):
    make_user("hoa@example.vn")
    make_user("ld@example.vn", role="staff", province="Lâm Đồng")
    phone = new_phone("en-US")
    page = phone.new_page()
    sign_in(page, live_server, "hoa@example.vn")
    page.locator(".site-header .menu summary").click()
    page.get_by_role("link", name="Sell with us").first.click()
    page.get_by_role("link", name="Start your application").first.click()  # /sell tells what selling here means

    page.get_by_label("Legal form").select_option("cooperative")
    page.get_by_label("Name of the cooperative or business").fill("HTX Cà phê Cầu Đất")
    page.get_by_label("Business registration number").fill("5800123456")
    page.get_by_label("Province or city").select_option("68")
    page.get_by_label("Commune or ward").fill("Xuân Trường - Đà Lạt")
    page.get_by_label("Street address").fill("Thôn Trường Sơn")
    page.get_by_label("Phone").fill("0263 382 2222")
    page.get_by_label("Members", exact=True).fill("24")
    page.get_by_label("Women members").fill("21")
    page.get_by_label("Workers", exact=True).fill("30")
    page.get_by_label("Women workers").fill("26")
    page.get_by_label("A woman chairs or directs").check()
    page.get_by_label("Name of the woman who leads it").fill("Trần Thị Hoa")
    page.get_by_label("Her role").select_option("chair")
    page.get_by_label("How women lead the seller").fill("Chủ tịch HĐQT là nữ.")
    page.get_by_label("Your story").fill("Hai mươi bốn chị em trồng cà phê trên đồi Cầu Đất.")
    page.get_by_label("Logo").set_input_files(str(_logo_file(tmp_path)))
    page.get_by_label("Business registration certificate").set_input_files(str(_certificate_file(tmp_path)))
    page.get_by_label("I have read the seller terms").check()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("Your application has been sent")).to_be_visible()
    phone.close()

    desk = browser.new_context(locale="en-US")
    page = desk.new_page()
    sign_in(page, live_server, "ld@example.vn")
    page.locator(".site-header .menu summary").click()
    page.get_by_role("link", name="Staff console").click()
    page.get_by_role("link", name="HTX Cà phê Cầu Đất").first.click()
    expect(page.get_by_text("Phường Xuân Trường - Đà Lạt")).to_be_visible()
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("heading", name="Approve HTX Cà phê Cầu Đất?")).to_be_visible()
    page.get_by_role("button", name="Yes, approve").click()
    expect(page.get_by_text("Decision recorded")).to_be_visible()
    page.goto(live_server + "/sellers/htx-ca-phe-cau-dat")
    expect(page.get_by_role("heading", name="HTX Cà phê Cầu Đất")).to_be_visible()
    expect(page.get_by_text("Verified by the Women's Union")).to_be_visible()
    desk.close()
