"""The storefront on a 360 × 740 phone (issue 14): a compact header, the buy box in the
first screen, a clear panel after "add to cart", a menu that opens without JavaScript, and
no serious or critical accessibility finding (axe-core) on the pages of the journey."""
import pytest
from playwright.sync_api import expect

from tests import builders

pytestmark = pytest.mark.e2e

HEADER_MAX_PX = 112
SCREEN_PX = 740


def _header_height(page) -> float:
    return page.evaluate("document.querySelector('.site-header').getBoundingClientRect().height")


def _fits_width(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


@pytest.fixture
def long_product(goods):
    """A product with a long name and three photos: the hardest case for the first screen."""
    return builders.make_product(
        goods.shop.owner, photos=3, stock=7, price_vnd=245_000,
        name="Cà phê Arabica Cầu Đất rang mộc nguyên hạt – túi zip có van một chiều 500 g",
    )


def test_header_stays_compact_on_every_storefront_page(live_server, phone, goods, axe, snap):
    page = phone
    for path in ["/", f"/c/{goods.honey.category.slug}", f"/products/{goods.honey.slug}",
                 f"/sellers/{goods.shop.seller.slug}", "/search?q=mat+ong", "/cart", "/programs"]:
        page.goto(live_server + path)
        assert _header_height(page) <= HEADER_MAX_PX, path
        _fits_width(page)
        axe(page, path)
    # No row of underlined links: the other links sit behind the menu button.
    page.goto(live_server + "/")
    menu = page.locator(".site-header details.menu")
    expect(menu.get_by_role("link", name="Đăng nhập")).to_be_hidden()
    menu.locator("summary").click()
    expect(menu.get_by_role("link", name="Đăng nhập")).to_be_visible()
    axe(page, "home with the menu open")
    snap(page, "menu-open")


def test_buy_box_is_in_the_first_screen_and_adding_shows_the_panel(live_server, phone, long_product, axe, snap):
    page = phone
    page.goto(f"{live_server}/products/{long_product.slug}")
    button = page.get_by_role("button", name="Thêm vào giỏ")
    box = button.bounding_box()
    assert box is not None and box["y"] + box["height"] <= SCREEN_PX, box
    for what in [page.get_by_role("heading", level=1), page.locator(".buy-box .price"), page.locator(".buy-box .stock"),
                 page.locator(".shipping-line"), page.locator("#quantity")]:
        rect = what.bounding_box()
        assert rect is not None and rect["y"] + rect["height"] <= SCREEN_PX
    expect(page.locator(".shipping-line")).to_contain_text("30.000")
    snap(page, "first-screen")

    page.locator("#quantity").fill("2")
    button.click()
    panel = page.locator(".added-panel")
    expect(panel).to_be_visible()
    expect(page.locator(".site-header .count")).to_contain_text("2")
    axe(page, "product page with the added panel")
    snap(page, "added")
    panel.get_by_role("link", name="Thanh toán").click()
    expect(page).to_have_url(f"{live_server}/checkout")


def test_home_lists_categories_first_and_only_the_methods_offered(live_server, phone, goods, axe):
    page = phone
    page.goto(live_server + "/")
    tiles = page.locator(".home-categories a")
    expect(tiles.first).to_be_visible()
    assert tiles.first.bounding_box()["y"] < SCREEN_PX
    # No Stripe key in the tests: card is not offered, so the home page does not promise it.
    chips = page.locator(".pay-chips li")
    expect(chips).to_have_count(2)
    expect(page.locator(".pay-chips")).not_to_contain_text("Stripe")
    axe(page, "home")
