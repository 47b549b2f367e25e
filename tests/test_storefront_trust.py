"""Issue 12, items 6, 7 and 9: who is selling (the seller card on a product page), /sell for
people who do not sell yet, the icons, robots.txt, product cards' photos and the gallery."""
import html as markup
import io
import re
import urllib.robotparser
from datetime import date

import pytest
from PIL import Image

from tests import builders
from tests.builders import EN, counted_queries, make_product, make_program

SIGN_IN = "/account/sign-in"


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def seller_card(html: str) -> str:
    match = re.search(r'<section class="card seller-card".*?</section>', html, re.S)
    assert match, "the product page has no seller card"
    return match.group(0)


def text_of(html: str) -> str:
    """The visible words of some markup, with spaces squeezed."""
    return markup.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip())


# --- 6. who is selling ----------------------------------------------------------------------

def test_the_product_page_says_who_sells_it(client, shop):
    product = make_product(shop.owner, name="Mật ong hoa cà phê")
    html = page(client.get(f"/products/{product.slug}", headers=EN))
    card = seller_card(html)
    words = text_of(card)
    assert "Seller information" in words
    assert "HTX Mật ong Hưng Yên" in words
    assert "Legal form Cooperative" in words
    assert f"Registration no. {shop.seller.registration_number}" in words
    assert "Province Lam Dong" in words
    # The phone as people write it, dialled by a tap.
    assert shop.seller.phone == "+842633822222"
    assert '<a href="tel:+842633822222">0263 3822 222</a>' in card
    assert card.count(f'href="/sellers/{shop.seller.slug}"') == 2  # the name and "the seller's page"
    assert 'href="/pages/contact"' in card


def test_a_seller_without_a_registration_number_shows_no_empty_line(client, staff, categories):
    owner = builders.make_user("nga@example.vn")
    group = builders.make_seller(owner, "approved", legal_form="cooperative_group", name="Tổ hợp tác Dệt Mã Châu",
                                 staff=staff)
    assert group.registration_number is None
    product = make_product(owner, name="Khăn lụa Mã Châu")
    card = seller_card(page(client.get(f"/products/{product.slug}", headers=EN)))
    words = text_of(card)
    assert "Tổ hợp tác Dệt Mã Châu" in words and "Legal form Cooperative group" in words
    assert "Registration" not in words
    assert "Province Lam Dong" in words


def test_the_seller_card_costs_no_query_of_its_own(client, shop):
    product = make_product(shop.owner)
    with counted_queries() as statements:
        page(client.get(f"/products/{product.slug}", headers=EN))
    lazy_seller_loads = [s for s in statements if re.search(r"FROM sellers\s+WHERE sellers\.id = ", s)]
    assert lazy_seller_loads == []


# --- 7. /sell for people who do not sell yet --------------------------------------------------

def test_a_visitor_reads_what_selling_here_means(client, app):
    html = page(client.get("/sell", headers=EN))
    words = text_of(html)
    assert "<h1>Sell with us</h1>" in html
    for form in ("Cooperative", "Cooperative group", "Household business", "Enterprise / start-up"):
        assert f"<li>{form}</li>" in html
    assert "a woman chairs its board or directs it, or owns the majority of it" in words
    assert "business registration certificate" in words
    assert "Standard rate 5 %" in words
    days = app.config["SELLER_REVIEW_DAYS"]
    assert f"within {days} working days" in words
    assert "Cash on delivery" in words and "The shopper pays you when the order arrives" in words
    assert "The shopper pays the union" in words and "less the commission" in words
    # The way in: register (or sign in) and land on the application form.
    assert 'href="/account/register?next=/sell/apply"' in html
    assert 'href="/account/sign-in?next=/sell/apply"' in html
    assert 'rel="canonical" href="http://localhost/sell"' in html


def test_the_review_time_and_the_standard_rate_come_from_the_settings(client, app):
    app.config.update(SELLER_REVIEW_DAYS=10, DEFAULT_COMMISSION_BP=750)
    words = text_of(page(client.get("/sell", headers=EN)))
    assert "within 10 working days" in words and "Standard rate 7.5 %" in words


def test_a_shopper_is_shown_the_page_with_a_button_to_the_form(client_for, make_user):
    make_user("mai@example.vn")
    html = page(client_for("mai@example.vn").get("/sell", headers=EN))
    assert "<h1>Sell with us</h1>" in html
    assert '<a class="button primary" href="/sell/apply">Start your application</a>' in html
    assert "/account/register?next" not in html


def test_a_member_gets_the_dashboard_not_the_visitor_page(client_for, shop):
    html = page(client_for(shop.owner.email).get("/sell", headers=EN))
    assert f'<h1 class="seller-home-title">{shop.seller.name}</h1>' in html
    assert "Who may sell" not in html


def test_staff_read_the_page_without_a_button_to_apply(client_for, staff):
    html = page(client_for(staff.email).get("/sell", headers=EN))
    assert "Who may sell" in html and "Union staff accounts cannot apply as sellers." in html
    assert 'href="/sell/apply"' not in html


def test_the_rest_of_the_seller_area_still_asks_to_sign_in(client):
    response = client.get("/sell/members")
    assert response.status_code == 302 and response.headers["Location"].startswith(SIGN_IN)


def test_open_programs_are_listed_with_their_rates(client, staff):
    open_program = make_program(staff, commission_rate_bp=250)
    make_program(staff, name_vi="Khởi nghiệp cũ", name_en="Old start-up program", badge_vi="Cũ", badge_en="Old",
                 starts_on=date(2020, 1, 1), ends_on=date(2021, 12, 31), commission_rate_bp=100)
    html = page(client.get("/sell", headers=EN))
    words = text_of(html)
    assert "Supporting women's cooperatives 2.5 %" in words
    assert f'href="/programs/{open_program.slug}"' in html
    assert "Old start-up program" not in words


def test_sell_with_us_links_lead_to_the_page(client):
    html = page(client.get("/", headers=EN))
    assert '<a href="/sell">Sell with us</a>' in html
    assert 'href="/sell/apply"' not in html


# --- 9. icons, robots.txt, cards, gallery ----------------------------------------------------

@pytest.mark.parametrize("url, mimetype, size", [
    ("/favicon.ico", "image/vnd.microsoft.icon", None),
    ("/apple-touch-icon.png", "image/png", (180, 180)),
    ("/static/icons/apple-touch-icon.png", "image/png", (180, 180)),
    ("/static/icons/icon-192.png", "image/png", (192, 192)),
    ("/static/icons/icon-512.png", "image/png", (512, 512)),
])
def test_icons_are_served(client, url, mimetype, size):
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == mimetype
    image = Image.open(io.BytesIO(response.data))
    if size is None:
        assert image.format == "ICO" and {(16, 16), (32, 32)} <= set(image.info["sizes"])
    else:
        assert image.size == size


def test_every_page_names_its_icons(client):
    html = page(client.get("/"))
    assert '<link rel="icon" href="/favicon.ico"' in html
    assert '<link rel="apple-touch-icon" href="/static/icons/apple-touch-icon.png">' in html


def test_robots_txt_keeps_the_seller_area_private_and_seller_pages_open(client):
    response = client.get("/robots.txt")
    assert response.mimetype == "text/plain"
    robots = urllib.robotparser.RobotFileParser()
    robots.parse(response.get_data(as_text=True).splitlines())
    base = "http://localhost"
    for path in ("/sellers/htx-mat-ong", "/sellers/", "/products/mat-ong", "/sell", "/"):
        assert robots.can_fetch("*", base + path), path
    for path in ("/sell/products", "/sell/apply", "/sell/", "/staff/sellers", "/account/profile", "/checkout"):
        assert not robots.can_fetch("*", base + path), path


def test_a_product_card_photo_does_not_repeat_the_link_text(client, shop):
    make_product(shop.owner, name="Mật ong hoa nhãn")
    html = page(client.get(f"/sellers/{shop.seller.slug}"))
    cards = re.findall(r'<li class="product-card">.*?</li>', html, re.S)
    assert cards
    for card in cards:
        link = re.search(r"<a [^>]*>(.*?)</a>", card, re.S).group(1)
        assert re.search(r'<img [^>]*alt=""', link)
        assert '<span class="name">Mật ong hoa nhãn</span>' in link


def test_a_gallery_of_several_photos_is_reachable_by_keyboard(client, shop):
    product = make_product(shop.owner, name="Mật ong ba ảnh", photos=3)
    html = page(client.get(f"/products/{product.slug}", headers=EN))
    gallery = re.search(r'<div class="gallery"[^>]*>', html).group(0)
    assert 'tabindex="0"' in gallery and 'role="group"' in gallery
    assert 'aria-label="3 photos of Mật ong ba ảnh"' in gallery
    assert 'alt="Mật ong ba ảnh, photo 2 of 3"' in html


def test_a_single_photo_is_no_scrolling_region(client, shop):
    product = make_product(shop.owner, photos=1)
    html = page(client.get(f"/products/{product.slug}", headers=EN))
    gallery = re.search(r'<div class="gallery"[^>]*>', html).group(0)
    assert gallery == '<div class="gallery">'
