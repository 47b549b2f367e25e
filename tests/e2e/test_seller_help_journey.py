"""Help on a seller's behalf, on two phones: the owner lets her province's staff help, a
provincial staff member opens the seller area from the seller's staff page and lists a
product for her under the banner "Acting for ...", goes back; the owner sees the product in
her history as done by the union, and ends the help."""
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests import builders
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def test_a_seller_grants_help_staff_list_a_product_she_sees_it_and_ends_it(live_server, new_phone, shop, tmp_path,
                                                                           axe, snap):
    builders.make_user("tam@example.vn", role="staff", province="Lâm Đồng", full_name="Trần Thị Tâm")
    photo = tmp_path / "mat-ong.jpg"
    Image.new("RGB", (900, 900), "#d4a017").save(photo)

    # The owner asks for help from her phone.
    owner = new_phone("en-US").new_page()
    sign_in(owner, live_server, "hoa@example.vn")
    owner.goto(live_server + "/sell")
    owner.get_by_text("More", exact=True).click()
    owner.get_by_role("link", name="Help from the union").click()
    owner.get_by_label("Who may help").select_option(label="The staff of the Women's Union of my province")
    expect(owner.get_by_label("For how many days")).to_have_value("14")
    owner.get_by_role("button", name="Let the union help").click()
    expect(owner.get_by_text("The union may now help you.")).to_be_visible()
    expect(owner.get_by_role("heading", name="Help in force")).to_be_visible()
    axe(owner, "help from the union")
    snap(owner, "owner-granted")

    # Tâm, provincial staff, opens the seller area from the seller's staff page.
    staff = new_phone("en-US").new_page()
    sign_in(staff, live_server, "tam@example.vn")
    staff.goto(f"{live_server}/staff/sellers/{shop.seller.id}")
    staff.get_by_role("button", name="Help this seller").click()
    expect(staff).to_have_url(re.compile(r"/sell$"))
    banner = staff.locator(".acting-banner")
    expect(banner).to_contain_text("Acting for HTX Mật ong Hưng Yên")
    assert staff.evaluate("document.documentElement.scrollWidth") <= 360, "the banner scrolls sideways"
    snap(staff, "staff-acting")
    staff.goto(live_server + "/sell/products/new")
    staff.get_by_label("Product name").fill("Mật ong rừng U Minh")
    staff.get_by_label("Category").select_option(label="Foods & regional specialties › Honey")
    staff.get_by_label("Description").fill("Hũ 500 ml.")
    staff.get_by_label("Price (đồng)").fill("210000")
    staff.get_by_label("In stock").fill("6")
    staff.get_by_label("Sold by").select_option("jar")
    staff.get_by_label("Photos").set_input_files(str(photo))
    staff.get_by_role("button", name="Save and put on sale").click()
    expect(staff.get_by_text("The product has been saved.")).to_be_visible()
    expect(banner).to_contain_text("Acting for")
    axe(staff, "seller area while acting")
    # Members are never hers to see.
    staff.goto(live_server + "/sell/members")
    expect(staff.get_by_text("this page is closed")).to_be_visible()
    staff.get_by_role("button", name="Stop and go back to the staff page").click()
    expect(staff).to_have_url(re.compile(rf"/staff/sellers/{shop.seller.id}$"))
    expect(staff.locator(".acting-banner")).to_have_count(0)

    # The owner sees it in her history, then ends the help.
    owner.goto(live_server + "/sell/history")
    row = owner.get_by_role("row").filter(has_text="Product created")
    expect(row).to_contain_text("done by the union (Trần Thị Tâm)")
    snap(owner, "owner-history")
    owner.goto(live_server + "/sell/help-from-union")
    owner.get_by_role("button", name="End the help now").click()
    expect(owner.get_by_text("The union's help has ended.")).to_be_visible()
    expect(owner.get_by_role("heading", name="Help in force")).to_have_count(0)

    # Back on the staff page, the button is gone.
    staff.reload()
    expect(staff.get_by_role("button", name="Help this seller")).to_have_count(0)
