"""Search on a 360 × 740 phone and a 1280 px desktop (issue 14): the filters open from a
"Filter" button above the results on the phone (no script needed), the desktop keeps the
side column; a query typed loosely still lands on products; axe-core finds nothing serious."""
import pytest
from playwright.sync_api import expect

from tests.search_relevance import build_catalog

pytestmark = pytest.mark.e2e


@pytest.fixture
def catalog(staff, categories):
    return build_catalog(staff)


def test_filters_open_from_a_button_above_the_results_on_a_phone(live_server, phone, catalog, axe, snap):
    page = phone
    page.goto(live_server + "/search?q=gao+5kg")
    expect(page.get_by_role("link", name="Gạo ST25 Sóc Trăng túi 5 kg")).to_be_visible()
    button = page.locator("details.filter-sheet > summary")
    expect(button).to_be_visible()
    first_card = page.locator(".product-grid .product-card").first
    assert button.bounding_box()["y"] < first_card.bounding_box()["y"]  # above the results
    assert button.bounding_box()["y"] < 740  # in the first screen
    expect(page.locator("aside#filters")).to_be_hidden()  # no list of links further down
    snap(page, "closed")
    button.click()
    sheet = page.locator("details.filter-sheet .facets")
    expect(sheet.get_by_role("heading", name="Danh mục")).to_be_visible()
    axe(page, "filters open")
    snap(page, "open")
    sheet.get_by_role("link", name="Còn hàng").click()
    expect(page.locator(".active-filters")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_loose_query_says_what_it_searched(live_server, phone, catalog, axe, snap):
    page = phone
    page.goto(live_server + "/search?q=maatj+ong")
    expect(page.locator(".search-relaxed")).to_contain_text("mat ong")
    expect(page.get_by_role("link", name="Mật ong hoa nhãn Hưng Yên 500ml")).to_be_visible()
    axe(page, "telex")
    page.goto(live_server + "/search?q=mat+ong+hoa+nhan+dac+biet")
    expect(page.locator(".search-relaxed")).to_contain_text("dac biet")
    snap(page, "fewer-words")


def test_desktop_keeps_the_side_column(live_server, browser, catalog, snap):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    try:
        page = context.new_page()
        page.goto(live_server + "/search?q=ca+phe")
        expect(page.locator("aside#filters")).to_be_visible()
        expect(page.locator("details.filter-sheet")).to_be_hidden()
        snap(page, "desktop")
    finally:
        context.close()
