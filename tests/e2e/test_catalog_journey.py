"""A seller lists a product from her phone; a shopper finds it by typing without diacritics."""
import pytest
from PIL import Image
from playwright.sync_api import expect

from market.catalog.services import seed_categories
from market.sellers import services as sellers
from tests.builders import application, certificate

pytestmark = pytest.mark.e2e


def test_list_a_product_then_find_it(live_server, new_phone, make_user, tmp_path):
    seed_categories()
    owner = make_user("hoa@example.vn")
    staff = make_user("staff@example.vn", role="staff")
    seller = sellers.save_application(owner, application(), submit=True, documents=certificate())
    sellers.decide(staff, seller.id, "approve")
    photo = tmp_path / "mat-ong.jpg"
    Image.new("RGB", (900, 900), "#d4a017").save(photo)

    phone = new_phone("en-US")
    page = phone.new_page()
    page.goto(live_server + "/account/sign-in")
    page.get_by_label("Email").fill("hoa@example.vn")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.locator(".site-header .menu summary").click()
    page.get_by_role("link", name="My shop").click()
    page.get_by_role("link", name="Products").first.click()
    page.get_by_role("link", name="New product").click()
    page.get_by_label("Product name").fill("Mật ong hoa nhãn Hưng Yên")
    page.get_by_label("Category").select_option(label="Foods & regional specialties › Honey")
    page.get_by_label("Description").fill("Hũ 500 ml.\nMật ong nguyên chất.")
    page.get_by_label("Price (đồng)").fill("185000")
    page.get_by_label("In stock").fill("3")
    page.get_by_label("Sold by").select_option("jar")
    page.get_by_label("Photos").set_input_files(str(photo))
    page.get_by_role("button", name="Save and put on sale").click()
    expect(page.get_by_text("The product has been saved.")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the product form scrolls sideways on a phone ({width}px)"
    page.goto(live_server + "/sell/products")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    expect(page.get_by_text("is low on stock")).to_be_visible()
    phone.close()

    shopper = new_phone()
    page = shopper.new_page()
    page.goto(live_server + "/")
    page.get_by_label("Tìm kiếm").fill("mat ong hoa nhan")
    page.get_by_label("Tìm kiếm").press("Enter")
    page.get_by_role("link", name="Mật ong hoa nhãn Hưng Yên").first.click()
    expect(page.get_by_role("heading", name="Mật ong hoa nhãn Hưng Yên")).to_be_visible()
    expect(page.get_by_text("Chỉ còn 3")).to_be_visible()
    expect(page.get_by_text("185.000")).to_be_visible()
    image = page.locator(".gallery img").first
    expect(image).to_have_attribute("alt", "Mật ong hoa nhãn Hưng Yên")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shopper.close()
