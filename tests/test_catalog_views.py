"""Catalog pages through the test client, CSRF left on: seller tools, staff moderation and
OCOP checks, and the storefront (visibility, photos, slugs, SEO, bounded queries)."""
import io
import itertools
import json
import re

import pytest
from sqlalchemy import select

from market.accounts.models import User
from market.catalog import services as catalog
from market.catalog.models import OcopStatus, Product
from market.core.audit import history
from market.extensions import db
from market.programs.models import Program
from market.sellers import services as sellers
from tests.builders import (
    EN,
    PAYLOAD,
    approved_seller,
    category_id,
    counted_queries,
    enrol_in_program,
    fake_jpeg,
    fresh,
    huge_png,
    image_bytes,
    make_product,
    make_program,
    pdf,
    photo,
    photo_files,
    polyglot_png,
    product_count,
    product_data,
    stored_files,
)
from tests.conftest import post_form

BLOCK_REASON = "Ảnh không đúng với sản phẩm."
CARD_LINK = re.compile(r'class="product-card">\s*<a href="/products/([^"]+)"')
JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)



def text(response) -> str:
    return response.get_data(as_text=True)


def product_form(**changes) -> dict:
    """The new/edit product form as a browser sends it."""
    values = {
        "name": "Mật ong hoa nhãn", "category_id": str(category_id("mat-ong")),
        "description": "Mật ong nguyên chất.\nThu hoạch tháng 3.", "price_vnd": "150000",
        "compare_at_price_vnd": "", "stock": "20", "unit": "jar", "weight_grams": "500",
        "origin_province": "", "ocop_stars": "", "save": "1",
    }
    values.update(changes)
    return {name: value for name, value in values.items() if value is not None}


def files(*items) -> list:
    """Uploads for a multiple file field: (bytes, filename) pairs."""
    return [(io.BytesIO(data), filename) for data, filename in items]


def post_new_product(client, data, **kwargs):
    return post_form(client, "/sell/products/new", data, headers=EN, content_type="multipart/form-data", **kwargs)


def seller_action(client, product_id, action, data=None):
    """A button of the seller's product list, posted with the page's CSRF token."""
    return post_form(client, f"/sell/products/{product_id}/{action}", data or {},
                     form_url="/sell/products/new", headers=EN)


def state(product_id):
    product = fresh(product_id)
    if product is None:
        return None, product_count()
    return (product.name, product.price_vnd, product.stock, product.status,
            [image.token for image in product.images]), product_count()


# --- 1. ownership ---------------------------------------------------------------------------------

FOREIGN_REQUESTS = {
    "GET edit": ("GET", "edit", None),
    "POST edit": ("POST", "edit", lambda: product_form(name="Bị sửa", price_vnd="1000")),
    "POST quick": ("POST", "quick", lambda: {"stock": "1", "price_vnd": "1000", "seen_stock": "20"}),
    "POST publish": ("POST", "publish", dict),
    "POST hide": ("POST", "hide", dict),
    "POST duplicate": ("POST", "duplicate", dict),
    "GET delete (the confirmation)": ("GET", "delete", None),
    "POST delete": ("POST", "delete", dict),
}


@pytest.mark.parametrize("case", FOREIGN_REQUESTS)
def test_a_member_of_another_seller_gets_404_and_changes_nothing(app, shop, rival, client_for, case):
    method, action, data = FOREIGN_REQUESTS[case]
    product = make_product(shop.owner, publish=action != "publish")  # a draft, so publishing would work
    url = f"/sell/products/{product.id}/{action}"
    before, files_before = state(product.id), stored_files(app)

    intruder = client_for(rival.owner.email)
    if method == "GET":
        response = intruder.get(url)
    else:
        response = post_form(intruder, url, data(), form_url="/sell/products/new", content_type="multipart/form-data")
    assert response.status_code == 404
    assert state(product.id) == before and stored_files(app) == files_before

    # The same request from the product's own seller works.
    owner = client_for(shop.owner.email)
    if method == "GET":
        assert owner.get(url).status_code == 200
    else:
        response = post_form(owner, url, data(), form_url="/sell/products/new", content_type="multipart/form-data")
        assert response.status_code == 302
        assert state(product.id) != before


def test_someone_who_is_no_seller_is_sent_to_apply(app, shop, make_user, client_for):
    product = make_product(shop.owner)
    make_user("khach@example.vn")
    shopper = client_for("khach@example.vn")
    response = shopper.get(f"/sell/products/{product.id}/edit")
    assert response.status_code == 302 and response.headers["Location"] == "/sell/apply"
    assert fresh(product.id).status == "active"


# --- 2. status transitions through the pages ---------------------------------------------------------

@pytest.mark.parametrize("action", ["block", "unblock"])
def test_sellers_have_no_block_or_unblock_button(app, shop, staff, client_for, action):
    product = make_product(shop.owner)
    if action == "unblock":
        catalog.moderate_product(staff, product.id, "block", BLOCK_REASON)
    status = fresh(product.id).status
    response = seller_action(client_for(shop.owner.email), product.id, action)
    assert response.status_code == 404
    assert fresh(product.id).status == status


def test_a_seller_cannot_put_a_blocked_product_back_on_sale(app, shop, staff, client_for):
    product = make_product(shop.owner)
    catalog.moderate_product(staff, product.id, "block", BLOCK_REASON)
    client = client_for(shop.owner.email)
    response = seller_action(client, product.id, "publish")
    assert response.status_code == 302
    assert fresh(product.id).status == "blocked"
    page = text(client.get("/sell/products", headers=EN))
    assert "This cannot be done now" in page and BLOCK_REASON in page


def test_a_blocked_product_cannot_be_edited_through_the_form(app, shop, staff, client_for):
    product = make_product(shop.owner)
    catalog.moderate_product(staff, product.id, "block", BLOCK_REASON)
    before = state(product.id)
    client = client_for(shop.owner.email)
    page = text(client.get(f"/sell/products/{product.id}/edit", headers=EN))
    assert "Blocked by the union:" in page and BLOCK_REASON in page
    response = post_form(client, f"/sell/products/{product.id}/edit", product_form(name="Tên khác"),
                         headers=EN, content_type="multipart/form-data")
    assert response.status_code == 200 and "A blocked product cannot be edited" in text(response)
    assert state(product.id) == before


def test_save_and_put_on_sale_needs_a_photo(app, shop, client_for):
    response = post_new_product(client_for(shop.owner.email), product_form(save=None, publish="1"))
    assert response.status_code == 200
    assert 'id="photos-error"' in text(response) and "at least one photo" in text(response)
    assert product_count() == 0


def test_staff_block_with_a_reason_and_unblock(app, shop, staff, client_for):
    product = make_product(shop.owner)
    url = f"/staff/products/{product.id}"
    desk = client_for(staff.email)
    response = post_form(desk, url, {"action": "block", "reason": "  "}, headers=EN)
    assert response.status_code == 200 and "Give a reason" in text(response)
    assert fresh(product.id).status == "active"

    response = post_form(desk, url, {"action": "block", "reason": BLOCK_REASON}, headers=EN)
    assert response.status_code == 302
    assert (fresh(product.id).status, fresh(product.id).status_reason) == ("blocked", BLOCK_REASON)
    assert BLOCK_REASON in text(desk.get(url, headers=EN))  # in the history table
    assert app.test_client().get(f"/products/{product.slug}").status_code == 404
    seller_page = text(client_for(shop.owner.email).get("/sell/products", headers=EN))
    assert "Blocked by the union:" in seller_page and BLOCK_REASON in seller_page
    assert BLOCK_REASON in text(client_for(shop.owner.email).get("/account/messages"))

    response = post_form(desk, url, {"action": "unblock", "reason": ""}, headers=EN)
    assert response.status_code == 302 and fresh(product.id).status == "hidden"
    assert [e.action for e in history("product", product.id)][-2:] == ["block", "unblock"]


def test_provincial_staff_of_another_province_cannot_open_a_product(app, shop, make_user, client_for):
    product = make_product(shop.owner)
    make_user("hn@example.vn", role="staff", province="Hà Nội")
    desk = client_for("hn@example.vn")
    assert desk.get(f"/staff/products/{product.id}").status_code == 404
    response = post_form(desk, f"/staff/products/{product.id}", {"action": "block", "reason": BLOCK_REASON},
                         form_url="/")
    assert response.status_code == 404 and fresh(product.id).status == "active"


# --- 3. what the storefront shows ---------------------------------------------------------------------

def storefront(client, seller_slug) -> dict:
    """Every storefront page that may list a product, as (status, text)."""
    pages = {
        "home": "/", "category": "/c/mat-ong", "parent category": "/c/dac-san",
        "seller page": f"/sellers/{seller_slug}", "sitemap": "/sitemap.xml",
    }
    answers = {}
    for name, url in pages.items():
        response = client.get(url, headers=EN)
        answers[name] = (response.status_code, text(response))
    return answers


def lists(page_text: str, slug: str) -> bool:
    return f"/products/{slug}\"" in page_text or f"/products/{slug}<" in page_text


def put_in(state_name, product, shop, staff):
    if state_name == "draft":
        return
    if state_name == "hidden":
        catalog.change_product_status(shop.owner, product.id, "hide")
    elif state_name == "blocked":
        catalog.moderate_product(staff, product.id, "block", BLOCK_REASON)
    elif state_name == "seller suspended":
        sellers.decide(staff, shop.seller.id, "suspend", "Tạm ngừng để kiểm tra")


@pytest.mark.parametrize("state_name", ["draft", "hidden", "blocked", "seller suspended"])
def test_products_not_on_sale_never_show_and_answer_404(app, client, shop, rival, staff, state_name):
    other = make_product(rival.owner, name="Mật ong bạc hà")  # always on sale: the pages work
    target = make_product(shop.owner, name="Mật ong hoa nhãn", publish=state_name != "draft")
    put_in(state_name, target, shop, staff)

    pages = storefront(client, shop.seller.slug)
    for name, (status, page) in pages.items():
        if name == "seller page" and state_name == "seller suspended":
            assert status == 404
            continue
        assert status == 200, name
        assert not lists(page, target.slug), f"{target.slug} shown on the {name}"
        assert target.name not in page or name == "seller page", name
        if name != "seller page":
            assert lists(page, other.slug), f"{other.slug} missing from the {name}"
    assert client.get(f"/products/{target.slug}").status_code == 404
    assert client.get(f"/products/{other.slug}").status_code == 200


def test_more_from_the_seller_lists_only_products_on_sale(app, client, shop, staff):
    shown = make_product(shop.owner, name="Mật ong hoa nhãn")
    also = make_product(shop.owner, name="Mật ong rừng")
    hidden = make_product(shop.owner, name="Mật ong bạc hà")
    catalog.change_product_status(shop.owner, hidden.id, "hide")
    draft = make_product(shop.owner, name="Mật ong cà phê", publish=False)
    page = text(client.get(f"/products/{shown.slug}"))
    assert lists(page, also.slug)
    assert not lists(page, hidden.slug) and not lists(page, draft.slug)


ACTIVE_PAGES = ["home", "category", "parent category", "sitemap", "seller page"]


@pytest.mark.parametrize("page_name", ACTIVE_PAGES)
def test_a_product_on_sale_shows_on_every_storefront_page(app, client, shop, page_name):
    product = make_product(shop.owner, name="Mật ong hoa nhãn")
    status, page = storefront(client, shop.seller.slug)[page_name]
    assert status == 200 and lists(page, product.slug)


def test_suspending_hides_the_sellers_products_and_reinstating_shows_them_again(app, client, shop, staff):
    product = make_product(shop.owner)
    sellers.decide(staff, shop.seller.id, "suspend", "Tạm ngừng để kiểm tra")
    assert client.get(f"/products/{product.slug}").status_code == 404
    assert client.get(f"/sellers/{shop.seller.slug}").status_code == 404
    assert not any(lists(page, product.slug) for _status, page in storefront(client, shop.seller.slug).values())

    sellers.decide(staff, shop.seller.id, "reinstate")
    assert client.get(f"/products/{product.slug}").status_code == 200
    pages = storefront(client, shop.seller.slug)
    assert pages["seller page"][0] == 200
    for name in ("home", "category", "parent category", "sitemap"):
        assert lists(pages[name][1], product.slug), name


# --- 4. photos through the form ---------------------------------------------------------------------

SMALL_LIMIT = 2_000

BAD_UPLOADS = {
    "text named .jpg": (lambda: files((fake_jpeg(), "mat-ong.jpg")), "The file is not a JPEG, PNG or WebP image."),
    "oversized": (lambda: files((image_bytes((64, 64), noise=True), "to.png")), "The file is larger than"),
    "decompression bomb": (lambda: files((huge_png(), "bom.png")), "The image is too large (at most 16 megapixels)."),
    "nine photos": (lambda: files(*[(image_bytes(), f"{n}.png") for n in range(9)]), "At most 8 photos."),
    "good photos then a fake": (lambda: files((image_bytes(), "a.png"), (fake_jpeg(), "b.jpg")),
                                "The file is not a JPEG, PNG or WebP image."),
}


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize("case", BAD_UPLOADS)
@pytest.mark.parametrize("button", ["save", "publish"])
def test_bad_photos_in_the_form_are_refused_beside_the_field_and_nothing_is_saved(app, shop, client_for, case, button):
    if case == "oversized":
        app.config["PHOTO_MAX_BYTES"] = SMALL_LIMIT
    uploads, message = BAD_UPLOADS[case]
    files_before = stored_files(app)
    response = post_new_product(client_for(shop.owner.email), product_form(save=None) | {button: "1", "photos": uploads()})
    page = text(response)
    assert response.status_code == 200
    error = re.search(r'<p class="error" id="photos-error">([^<]*)</p>', page)
    assert error and message in error.group(1)
    assert 'value="Mật ong hoa nhãn"' in page  # what was typed is kept
    assert product_count() == 0
    # Nothing is stored as a product photo; the good photos wait in the member's stash.
    stashed = {name for name in stored_files(app) - files_before if name.startswith("photo-stash/")}
    assert stored_files(app) - stashed == files_before
    assert not any(name.startswith("photo-stash/") and "fake" in name for name in stashed)


def test_a_polyglot_photo_is_stored_as_clean_pixels_through_the_form(app, shop, client_for):
    response = post_new_product(client_for(shop.owner.email),
                                product_form(save=None, publish="1", photos=files((polyglot_png(), "anh.php.png"))))
    assert response.status_code == 302
    product = db.session.scalar(select(Product))
    assert product.status == "active" and len(product.images) == 1
    for path in photo_files(app, product):
        content = path.read_bytes()
        assert PAYLOAD not in content and b"<?php" not in content and b"<script" not in content
    served = app.test_client().get(f"/media/products/{product.images[0].token}-large.webp")
    assert served.status_code == 200 and served.mimetype == "image/webp"
    assert served.headers["X-Content-Type-Options"] == "nosniff"


# --- 5. slugs and copies through the pages ------------------------------------------------------------

def test_same_names_and_emoji_names_get_working_product_pages(app, shop, client_for):
    client = client_for(shop.owner.email)
    for name in ("Mật ong hoa nhãn", "Mật ong hoa nhãn", "🍯🐝"):
        response = post_new_product(client, product_form(name=name, save=None, publish="1",
                                                         photos=files((image_bytes(), "a.png"))))
        assert response.status_code == 302
    slugs = list(db.session.scalars(select(Product.slug).order_by(Product.id)))
    assert slugs[:2] == ["mat-ong-hoa-nhan", "mat-ong-hoa-nhan-2"] and slugs[2]
    for slug in slugs:
        assert app.test_client().get(f"/products/{slug}").status_code == 200


def test_duplicate_button_makes_a_draft_copy_with_its_own_photos(app, shop, client_for):
    original = make_product(shop.owner, photos=2)
    response = seller_action(client_for(shop.owner.email), original.id, "duplicate")
    copy = db.session.scalar(select(Product).where(Product.id != original.id))
    assert response.status_code == 302 and response.headers["Location"] == f"/sell/products/{copy.id}/edit"
    assert copy.status == "draft" and copy.slug == "mat-ong-hoa-nhan-2"
    assert set(photo_files(app, copy)).isdisjoint(photo_files(app, original))
    assert all(path.exists() for path in photo_files(app, copy))
    assert app.test_client().get(f"/products/{copy.slug}").status_code == 404  # a draft


# --- 6. a bounded number of queries per page ---------------------------------------------------------

SHOP_NUMBERS = itertools.count(1)


def list_products(owner, staff, how_many, first=0):
    """`how_many` products with two photos each, in two sub-categories; every third OCOP-verified."""
    slugs = []
    for index in range(first, first + how_many):
        category = "mat-ong" if index % 2 == 0 else "banh-mut-keo"
        name = f"Sản phẩm {owner.id}-{index}"
        if index % 3 == 0:
            product = catalog.create_product(owner, product_data(category, name=name, ocop_stars=4),
                                             photos=[photo(), photo()], ocop_certificate=pdf(), publish=True)
            catalog.decide_ocop(staff, product.id, verify=True)
        else:
            product = make_product(owner, photos=2, category=category, name=name)
        slugs.append(product.slug)
    return slugs


def add_sellers(make_user, staff, program, products_per_seller):
    """New sellers, each in the featured program (a badge) with its products; returns (owner, seller, slugs)."""
    added = []
    for how_many in products_per_seller:
        owner, seller = approved_seller(staff, f"shop{next(SHOP_NUMBERS)}@example.vn")
        enrol_in_program(staff, owner, program)
        added.append((owner, seller, list_products(owner, staff, how_many)))
    return added


def query_counts(client, urls) -> dict:
    counts = {}
    for url in urls:
        db.session.remove()  # nothing remembered from building the data: every read hits the database
        with counted_queries() as statements:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[url] = len(statements)
    return counts


def test_storefront_pages_run_a_bounded_number_of_queries(app, client, make_user, staff, categories):
    program = make_program(staff, featured=True)
    ids = (staff.id, program.id)
    (owner, seller, slugs), _other = add_sellers(make_user, staff, program, [2, 1])  # 3 products, 2 sellers
    owner_id = owner.id
    urls = ["/", "/c/dac-san", "/c/mat-ong", f"/products/{slugs[0]}", f"/sellers/{seller.slug}", "/sitemap.xml"]
    small = query_counts(client, urls)

    staff, program = db.session.get(User, ids[0]), db.session.get(Program, ids[1])
    add_sellers(make_user, staff, program, [9, 9, 6])
    list_products(db.session.get(User, owner_id), staff, 3, first=2)  # more "More from" on the product page
    assert product_count() == 30
    large = query_counts(client, urls)

    assert large == small, "a page runs more queries with more products"
    assert max(large.values()) <= 10, large


# --- 7. OCOP through the pages ------------------------------------------------------------------------

def test_ocop_claim_verify_and_change_through_the_pages(app, shop, staff, make_user, client_for):
    seller_client = client_for(shop.owner.email)
    response = post_new_product(seller_client, product_form(
        save=None, publish="1", ocop_stars="4", photos=files((image_bytes(), "a.png")),
        ocop_certificate=(io.BytesIO(pdf().stream.read()), "gcn-ocop.pdf"),
    ))
    assert response.status_code == 302
    product = db.session.scalar(select(Product))
    assert product.ocop_status == OcopStatus.CLAIMED
    shopper = app.test_client()

    def stars_shown():
        page = text(shopper.get(f"/products/{product.slug}"))
        card = text(shopper.get("/c/mat-ong"))
        return "★" in page or "OCOP" in page or "★" in card

    assert not stars_shown()

    # Provincial staff of another province neither see nor decide it.
    make_user("hn@example.vn", role="staff", province="Hà Nội")
    hanoi = client_for("hn@example.vn")
    assert product.name not in text(hanoi.get("/staff/ocop"))
    response = post_form(hanoi, "/staff/ocop", {"product_id": str(product.id), "action": "verify", "reason": ""},
                         form_url="/")
    assert response.status_code == 404 and fresh(product.id).ocop_status == OcopStatus.CLAIMED
    assert hanoi.get(f"/staff/products/{product.id}/ocop-certificate").status_code == 404

    desk = client_for(staff.email)
    queue = text(desk.get("/staff/ocop", headers=EN))
    assert product.name in queue and "4 ★" in queue
    certificate = desk.get(f"/staff/products/{product.id}/ocop-certificate")
    assert certificate.status_code == 200 and certificate.mimetype == "application/pdf"

    # Refusing needs a reason.
    response = post_form(desk, "/staff/ocop", {"product_id": str(product.id), "action": "refuse", "reason": ""},
                         headers=EN)
    assert response.status_code == 302
    assert "Give a reason" in text(desk.get("/staff/ocop", headers=EN))
    assert fresh(product.id).ocop_status == OcopStatus.CLAIMED and not stars_shown()

    response = post_form(desk, "/staff/ocop", {"product_id": str(product.id), "action": "verify", "reason": ""})
    assert response.status_code == 302 and fresh(product.id).ocop_status == OcopStatus.VERIFIED
    assert "OCOP ★★★★" in text(shopper.get(f"/products/{product.slug}"))
    assert "OCOP ★★★★" in text(shopper.get("/c/mat-ong"))
    assert product.name not in text(desk.get("/staff/ocop"))

    # Changing the stars sends the claim back to the queue and hides them meanwhile.
    response = post_form(seller_client, f"/sell/products/{product.id}/edit", product_form(ocop_stars="5"),
                         content_type="multipart/form-data")
    assert response.status_code == 302
    assert (fresh(product.id).ocop_status, fresh(product.id).ocop_stars) == (OcopStatus.CLAIMED, 5)
    assert not stars_shown()
    assert "5 ★" in text(desk.get("/staff/ocop"))


def test_refused_ocop_stars_are_never_shown(app, shop, staff, client_for):
    product = catalog.create_product(shop.owner, product_data(ocop_stars=5), photos=[photo()],
                                     ocop_certificate=pdf(), publish=True)
    desk = client_for(staff.email)
    response = post_form(desk, "/staff/ocop", {"product_id": str(product.id), "action": "refuse",
                                               "reason": "Giấy chứng nhận đã hết hạn"})
    assert response.status_code == 302 and fresh(product.id).ocop_status == OcopStatus.REFUSED
    page = text(app.test_client().get(f"/products/{product.slug}"))
    assert "★" not in page and "OCOP" not in page
    seller_page = text(client_for(shop.owner.email).get(f"/sell/products/{product.id}/edit", headers=EN))
    assert "not verified" in seller_page


# --- 8. seller tools ------------------------------------------------------------------------------

def test_quick_edit_saves_stock_and_price(app, shop, client_for):
    product = make_product(shop.owner, stock=20, price_vnd=150_000)
    client = client_for(shop.owner.email)
    response = seller_action(client, product.id, "quick", {"stock": "12", "price_vnd": "165000", "seen_stock": "20"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#product-{product.id}")
    assert (fresh(product.id).stock, fresh(product.id).price_vnd) == (12, 165_000)
    assert "stock and price saved" in text(client.get("/sell/products", headers=EN))


def test_quick_edit_with_a_stale_stock_changes_nothing(app, shop, client_for):
    product = make_product(shop.owner, stock=20, price_vnd=150_000)
    client = client_for(shop.owner.email)
    list_page = client.get("/sell/products")  # the member reads stock 20...
    catalog.set_stock_and_price(shop.owner, product.id, 17, 150_000, seen_stock=20)  # ...an order takes 3
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text(list_page)).group(1)
    response = client.post(f"/sell/products/{product.id}/quick",
                           data={"csrf_token": token, "stock": "40", "price_vnd": "99000", "seen_stock": "20"},
                           headers=EN)
    assert response.status_code == 302
    assert (fresh(product.id).stock, fresh(product.id).price_vnd) == (17, 150_000)
    assert "The stock changed meanwhile" in text(client.get("/sell/products", headers=EN))


@pytest.mark.parametrize("data", [
    {"stock": "-1", "price_vnd": "1000", "seen_stock": "20"},
    {"stock": "5", "price_vnd": "0", "seen_stock": "20"},
    {"stock": "5", "price_vnd": "1000", "seen_stock": ""},
    {"stock": "nhiều", "price_vnd": "1000", "seen_stock": "20"},
])
def test_quick_edit_with_bad_figures_changes_nothing(app, shop, client_for, data):
    product = make_product(shop.owner, stock=20, price_vnd=150_000)
    response = seller_action(client_for(shop.owner.email), product.id, "quick", data)
    assert response.status_code == 302
    assert (fresh(product.id).stock, fresh(product.id).price_vnd) == (20, 150_000)


def test_the_product_list_warns_about_low_stock(app, shop, client_for):
    low = make_product(shop.owner, name="Mật ong sắp hết", stock=3)
    plenty = make_product(shop.owner, name="Mật ong còn nhiều", stock=50)
    make_product(shop.owner, name="Mật ong hết", stock=0)  # sold out: its own filter, not "low"
    page = text(client_for(shop.owner.email).get("/sell/products", headers=EN))
    notice = re.search(r'<p class="notice" role="note">(.*?)</p>', page, re.DOTALL)
    assert notice, "no low-stock warning"
    assert "1 product on sale is low on stock." in notice.group(1)
    assert 'href="/sell/products?stock=low"' in notice.group(1)
    assert f'id="product-{low.id}" class="card low"' in page
    assert f'id="product-{plenty.id}" class="card"' in page


def test_deleting_a_never_ordered_product_removes_it_and_its_photos(app, shop, client_for):
    product = make_product(shop.owner, photos=2)
    paths = photo_files(app, product)
    assert all(path.exists() for path in paths)
    response = seller_action(client_for(shop.owner.email), product.id, "delete")
    assert response.status_code == 302
    assert product_count() == 0 and not any(path.exists() for path in paths)
    assert app.test_client().get(f"/products/{product.slug}").status_code == 404


def cards(client, url) -> list[str]:
    return CARD_LINK.findall(text(client.get(url, headers=EN)))


def test_category_sort_and_pagination(app, client, shop):
    prices = {}
    for index in range(30):  # more than one page of 24
        price = 10_000 + ((index * 7) % 30) * 1_000  # every price different, not in creation order
        category = "mat-ong" if index % 2 else "banh-mut-keo"
        product = make_product(shop.owner, name=f"Đặc sản {index}", price_vnd=price, category=category)
        prices[product.slug] = price
    cheapest_first = sorted(prices, key=prices.get)

    first = cards(client, "/c/dac-san?sort=price_asc")
    second = cards(client, "/c/dac-san?sort=price_asc&page=2")
    assert first + second == cheapest_first and len(first) == 24
    assert cards(client, "/c/dac-san?sort=price_desc") == cheapest_first[::-1][:24]
    assert cards(client, "/c/dac-san?sort=price_desc&page=2") == cheapest_first[::-1][24:]
    assert len(cards(client, "/c/dac-san")) == 24  # newest first by default
    assert cards(client, "/c/dac-san?sort=nonsense&page=abc") == cards(client, "/c/dac-san")

    page = text(client.get("/c/dac-san?sort=price_asc", headers=EN))
    assert "Page 1 of 2" in page and 'rel="next" href="/c/dac-san?page=2&amp;sort=price_asc"' in page
    assert "30 products" in page
    page_two = text(client.get("/c/dac-san?sort=price_asc&page=2", headers=EN))
    assert 'rel="prev"' in page_two
    assert '<link rel="canonical" href="http://localhost/c/dac-san?page=2">' in page_two
    assert len(cards(client, "/c/mat-ong?sort=price_asc")) == 15  # a sub-category: only its own products


def test_product_page_seo_tags(app, client, shop):
    product = make_product(shop.owner, name="Mật ong hoa nhãn", price_vnd=150_000, stock=0)
    page = text(client.get(f"/products/{product.slug}"))
    url = f"http://localhost/products/{product.slug}"
    assert f'<link rel="canonical" href="{url}">' in page
    assert '<meta property="og:title" content="Mật ong hoa nhãn">' in page
    assert '<meta property="og:image" content="http://localhost/media/products/' in page
    data = json.loads(JSON_LD.search(page).group(1))
    assert data["@type"] == "Product" and data["name"] == "Mật ong hoa nhãn"
    assert data["offers"]["price"] == 150_000 and data["offers"]["priceCurrency"] == "VND"
    assert data["offers"]["url"] == url and data["offers"]["availability"].endswith("OutOfStock")
    assert data["brand"]["name"] == shop.seller.name
    assert "150.000" in page  # money as Vietnamese write it


def test_a_hostile_product_name_cannot_break_out_of_the_page(app, client, shop):
    plain = make_product(shop.owner, name="Mật ong hoa nhãn")
    name = "</script><script>alert(1)</script>"
    hostile = make_product(shop.owner, name=name, description='"><img src=x onerror=alert(2)> </script>')
    page = text(client.get(f"/products/{hostile.slug}"))
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert page.count("<script") == text(client.get(f"/products/{plain.slug}")).count("<script")
    data = json.loads(JSON_LD.search(page).group(1))
    assert data["name"] == name and data["description"].startswith('"><img')
    assert 'content="&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in page  # og:title, escaped
    for url in ("/", "/c/mat-ong", f"/products/{plain.slug}"):  # cards and "more from" too
        assert "<script>alert(1)" not in text(client.get(url))
