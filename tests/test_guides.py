"""The sellers' guides (/sell/help, /sell/help/<topic>) and the shoppers' /how-to-buy: read by
anyone, in both languages, linked where they help, with pictures that are only ever our own
screenshots; their text is a versioned page central staff edit (provincial staff may not)."""
import re

import pytest
import time_machine
from sqlalchemy import select

from market.extensions import db
from market.pages import defaults
from market.pages import services as pages
from market.pages.formatting import render_body
from market.pages.guides import GUIDES, HOW_TO_BUY, TOPICS
from market.pages.models import PageVersion
from market.pages.pictures import PICTURES, _made, picture
from market.orders.shipping import set_shipping
from tests.builders import EN, make_user
from tests.conftest import csrf_token_from, post_form

VI = {"Accept-Language": "vi"}
TOPIC_KEYS = ["profile", "shipping", "first-product", "on-sale", "confirm-order", "deliver-order", "figures",
              "photos", "pricing", "cod-orders", "payouts", "programs"]
VIETNAMESE = re.compile(r"[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]", re.I)


@pytest.fixture(autouse=True)
def frozen(app):
    with time_machine.travel("2026-12-02 03:00 +0000", tick=False):
        yield


def test_the_topics_are_the_issues_in_order():
    assert [guide.topic for guide in GUIDES] == TOPIC_KEYS
    assert all(len(guide.slug) <= 30 for guide in GUIDES)  # page_versions.slug is String(30)


# --- reading ---------------------------------------------------------------------------------

def test_the_index_lists_every_guide_by_group_for_a_visitor(client):
    page = client.get("/sell/help", headers=VI).get_data(as_text=True)
    assert "Những bước đầu tiên của người bán" in page and "Câu hỏi thường gặp" in page
    steps, questions = page.split("Câu hỏi thường gặp")
    for guide in GUIDES:
        assert f'href="/sell/help/{guide.topic}"' in (steps if guide.group == "steps" else questions)
    assert "Xử lý đơn thanh toán khi nhận hàng (COD)" in page  # each guide by its page title
    assert 'class="seller-nav"' not in page  # a would-be seller sees no seller menu


@pytest.mark.parametrize("topic", TOPIC_KEYS)
def test_every_guide_is_readable_and_says_where_to_go(app, client, topic):
    guide = TOPICS[topic]
    with app.test_request_context():
        from flask import url_for

        where = url_for(guide.endpoint)
    for headers in (VI, EN):
        response = client.get(f"/sell/help/{topic}", headers=headers)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert f'class="button primary" href="{where}"' in html
        assert "[picture:" not in html  # every picture a guide names exists
    assert "<img" in client.get(f"/sell/help/{topic}", headers=VI).get_data(as_text=True) or topic == "photos"


def test_an_unknown_topic_is_not_found(client):
    assert client.get("/sell/help/nothing").status_code == 404
    assert client.get("/sell/help/PRICING").status_code == 404
    # Guides and How to buy have their own addresses, not /pages/<slug>.
    assert client.get("/pages/guide-pricing").status_code == 404
    assert client.get("/pages/how-to-buy").status_code == 404


def test_how_to_buy_explains_cash_on_delivery_and_vietqr(client):
    vi = client.get("/how-to-buy", headers=VI).get_data(as_text=True)
    assert "<h1>Hướng dẫn mua hàng</h1>" in vi and "VietQR" in vi and "Thanh toán khi nhận hàng (COD)" in vi
    en = client.get("/how-to-buy", headers=EN).get_data(as_text=True)
    assert "<h1>How to buy</h1>" in en and "Save QR image" in en and 'href="/orders/find"' in en
    assert 'src="/static/guides/order-vietqr.png' in en


@pytest.mark.parametrize("slug", [guide.slug for guide in GUIDES] + [HOW_TO_BUY])
def test_every_guide_ships_both_languages(slug):
    text = defaults.shipped_page(slug)
    assert text["title_vi"] != text["title_en"] and VIETNAMESE.search(text["title_vi"])
    assert VIETNAMESE.search(text["body_vi"]) and " the " in text["body_en"] and " the " not in text["body_vi"]
    for language in ("vi", "en"):
        body = text[f"body_{language}"]
        assert 300 < len(body) < 4000, (slug, language)  # short
        assert "## " in body and "](/" in body  # headings, and a link to where it is done
        named = re.findall(r"^\[picture: ([a-z0-9-]+)\]$", body, re.M)
        assert set(named) <= set(PICTURES) and set(named) <= set(_made())
    # Both languages show the same pictures in the same order.
    assert re.findall(r"\[picture: [a-z-]+\]", text["body_vi"]) == re.findall(r"\[picture: [a-z-]+\]", text["body_en"])


def test_pricing_uses_the_configured_commission_and_the_sellers_shipping(app, client, client_for, shop):
    app.config["DEFAULT_COMMISSION_BP"] = 800
    visitor = client.get("/sell/help/pricing", headers=EN).get_data(as_text=True)
    assert "Standard rate: 8% of the goods." in visitor
    assert "The standard commission rate and a shipping fee of ₫30,000" in visitor
    assert "Commission (8%)" in visitor and "− ₫12,000" in visitor  # 8% of 150.000 ₫
    set_shipping(shop.owner, 25_000, None)
    member = client_for().get("/sell/help/pricing", headers=EN).get_data(as_text=True)
    assert "An example with your numbers" in member
    assert "<dt>Shipping</dt><dd>₫25,000" in member and "₫163,000" in member  # 150.000 + 25.000 − 12.000
    assert 'class="seller-nav"' in member


# --- where the guides are linked ---------------------------------------------------------------

def test_the_seller_menu_and_the_sell_page_link_the_guides(client, client_for, shop):
    assert 'href="/sell/help"' in client.get("/sell", headers=VI).get_data(as_text=True)
    assert 'href="/sell/help"' in client_for().get("/sell/products", headers=VI).get_data(as_text=True)


def test_the_cart_and_checkout_link_how_to_buy(client, goods):
    page = client.get(f"/products/{goods.honey.slug}")
    client.post("/cart/add", data={"csrf_token": csrf_token_from(page), "product_id": goods.honey.id, "quantity": 1})
    assert 'href="/how-to-buy"' in client.get("/cart", headers=VI).get_data(as_text=True)
    assert 'href="/how-to-buy"' in client.get("/checkout", headers=VI).get_data(as_text=True)


# --- central staff edit them -------------------------------------------------------------------

def test_central_staff_edit_a_guide_and_it_takes_effect(client, client_for, staff):
    editor = client_for(staff.email)
    listing = editor.get("/staff/pages", headers=EN).get_data(as_text=True)
    assert 'href="/staff/pages/guide-cod-orders"' in listing and "/sell/help/cod-orders" in listing
    form = editor.get("/staff/pages/guide-cod-orders", headers=EN).get_data(as_text=True)
    assert "Xử lý đơn thanh toán khi nhận hàng (COD)" in form and 'href="/sell/help/cod-orders"' in form
    response = post_form(editor, "/staff/pages/guide-cod-orders", {
        "title_vi": "Đơn COD: làm gì", "title_en": "COD orders: what to do",
        "body_vi": "## Gọi cho người mua\nGọi trước khi gửi.\n\n[picture: order-deliver-cod]",
        "body_en": "## Phone the shopper\nPhone before sending.\n\n[picture: order-deliver-cod]",
        "effective_on": "2026-12-02", "change_note": "Ngắn hơn",
    }, headers=EN)
    assert response.status_code == 302
    saved = db.session.scalar(select(PageVersion).where(PageVersion.slug == "guide-cod-orders"))
    assert (saved.version, saved.created_by_id) == (2, staff.id)
    page = client.get("/sell/help/cod-orders", headers=VI).get_data(as_text=True)
    assert "<h1>Đơn COD: làm gì</h1>" in page and "<h2>Gọi cho người mua</h2>" in page
    assert 'src="/static/guides/order-deliver-cod.png' in page
    assert "Đơn COD: làm gì" in client.get("/sell/help", headers=VI).get_data(as_text=True)
    # How to buy is edited the same way.
    post_form(editor, "/staff/pages/how-to-buy", {
        "title_vi": "Cách mua", "title_en": "Buying", "body_vi": "Chọn hàng.", "body_en": "Choose.",
        "effective_on": "2026-12-02",
    })
    assert "<h1>Buying</h1>" in client.get("/how-to-buy", headers=EN).get_data(as_text=True)


def test_provincial_staff_may_not_edit_a_guide(app, client_for):
    make_user("tinh@example.vn", role="staff", province="Lâm Đồng")
    provincial = client_for("tinh@example.vn")
    token = csrf_token_from(provincial.get("/"))
    assert provincial.get("/staff/pages/guide-pricing").status_code == 403
    response = provincial.post("/staff/pages/guide-pricing", data={
        "csrf_token": token, "title_vi": "x", "title_en": "x", "body_vi": "x", "body_en": "x", "effective_on": "2026-12-02",
    })
    assert response.status_code == 403
    assert db.session.scalar(select(PageVersion)) is None


def test_the_index_reads_every_guide_in_one_query(app, staff):
    from tests.builders import counted_queries

    for slug in ("guide-photos", "guide-payouts"):
        pages.save_version(staff, slug, pages.PageData("Tiêu đề mới", "New title", "a", "b", effective_on=pages.local_today()))
    with counted_queries() as queries:
        found = pages.current_pages(slugs=tuple(guide.slug for guide in GUIDES))
    assert len(queries) <= 2  # the versions, and who wrote them
    assert [page.title_en for page in found if not page.shipped] == ["New title", "New title"]


# --- pictures and links in the text, safely ----------------------------------------------------

def test_a_known_picture_becomes_an_image_with_its_size_and_alt(app):
    with app.test_request_context(headers=EN):
        html = str(render_body("Xem ảnh:\n[picture: shipping-fee]\nrồi bấm Lưu.", picture))
    made = _made()["shipping-fee"]
    assert html.startswith("<p>Xem ảnh:</p>\n<figure class=\"guide-picture\"><img src=\"/static/guides/shipping-fee.png?v=")
    assert f'width="{made["width"]}" height="{made["height"]}" loading="lazy"' in html
    assert 'alt="The shipping fee form: fee per order and free shipping from an amount."' in html
    assert html.endswith("<p>rồi bấm Lưu.</p>")


@pytest.mark.parametrize("line", [
    "[picture: no-such-picture]",
    '[picture: shipping-fee"><script>alert(1)</script>]',
    "[picture: ../../etc/passwd]",
    "text [picture: shipping-fee]",
])
def test_anything_but_a_known_picture_stays_text(app, line):
    with app.test_request_context():
        html = str(render_body(line, picture))
    assert "<img" not in html and "<script>" not in html and html.startswith("<p>")


def test_without_pictures_a_picture_line_stays_text():
    assert str(render_body("[picture: shipping-fee]")) == "<p>[picture: shipping-fee]</p>"


@pytest.mark.parametrize("text, link", [
    ("Mở [Phí vận chuyển](/sell/shipping) nhé", '<a href="/sell/shipping">Phí vận chuyển</a>'),
    ("[a & b](/search?q=che&page=2)", '<a href="/search?q=che&amp;page=2">a &amp; b</a>'),
])
def test_a_site_link_becomes_a_link(text, link):
    assert link in str(render_body(text))


@pytest.mark.parametrize("text", [
    "[x](javascript:alert(1))",
    "[x](//evil.example/)",
    "[x](/\\evil.example/)",
    '[x](/a"onmouseover="alert(1))',
    "[x](https://evil.example/)",
    "[<b>x</b>](/a b)",
])
def test_anything_but_a_site_path_is_not_a_link(text):
    html = str(render_body(text))
    assert "<a " not in html and "<b>" not in html


def test_a_saved_guide_cannot_inject_html(client, staff):
    pages.save_version(staff, "guide-photos", pages.PageData(
        "Ảnh", "Photos", "[<img src=x onerror=alert(1)>](/sell)\n[picture: x\" onerror=\"alert(2)]",
        "b", effective_on=pages.local_today()))
    page = client.get("/sell/help/photos", headers=VI).get_data(as_text=True)
    assert "<img src=x" not in page and 'onerror="alert(2)' not in page
    assert '<a href="/sell">&lt;img src=x onerror=alert(1)&gt;</a>' in page


def test_the_pictures_exist_and_are_small():
    from market.pages.pictures import FOLDER

    assert set(_made()) == set(PICTURES)
    for name, size in _made().items():
        path = FOLDER / f"{name}.png"
        assert path.stat().st_size < 60_000, name
        assert size["width"] == 360 and 0 < size["height"] <= 900


def test_a_member_asked_to_accept_new_terms_may_still_read_the_guides(client_for, shop, staff):
    pages.save_version(staff, "seller-terms", pages.PageData(
        "Điều khoản mới", "New terms", "Nội dung.", "Text.", effective_on=pages.local_today()))
    member = client_for()  # signs in after the change: the seller area waits for her acceptance
    assert member.get("/sell/products").headers["Location"].startswith("/sell/terms")
    assert member.get("/sell/help").status_code == 200
    assert member.get("/sell/help/payouts").status_code == 200


def test_the_staff_list_of_pages_reads_them_in_a_few_queries(client_for, staff):
    from datetime import date

    from tests.builders import counted_queries

    editor = client_for(staff.email)
    for slug in ("guide-figures", "rules"):
        pages.save_version(staff, slug, pages.PageData("Sắp tới", "Coming", "a", "b", effective_on=date(2026, 12, 20)))
    with counted_queries() as queries:
        listing = editor.get("/staff/pages", headers=EN).get_data(as_text=True)
    assert listing.count("Version 2 from Dec 20, 2026") == 2
    assert len(queries) <= 10, queries  # not a query or two per page (18 pages)
