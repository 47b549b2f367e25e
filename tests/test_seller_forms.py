"""Seller forms a first-time seller can use (issue 14, items 8, 9 and 13): prices typed the
Vietnamese way, chosen photos kept when a form comes back with an error, an error summary
that names and links each field, removing a product only after a confirmation, and the
units and fresh-produce categories a cooperative needs."""
import os
import re
import time
from datetime import timedelta

import pytest
from flask_wtf import FlaskForm
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from wtforms.validators import InputRequired, NumberRange

from market.catalog import services as catalog
from market.catalog.csv_import.cells import parse_price_cell
from market.catalog.models import Category, StashedPhoto, Unit
from market.catalog.photo_stash import STASH_AREA
from market.core.audit import history
from market.core.numbers import PRICE_FORMAT_MESSAGE, PriceField, parse_price
from market.extensions import db
from tests.builders import EN, category_id, fresh, image_bytes, make_product, product_count, stored_files
from tests.conftest import csrf_token_from, post_form
from tests.test_catalog_views import files, post_new_product, product_form, seller_action, text

# --- 1. the price reader ------------------------------------------------------------------------

PRICES = {
    "25000": 25_000, "25.000": 25_000, "25,000": 25_000, "25 000": 25_000, "25\u00a0000": 25_000,
    "25.000 ₫": 25_000, "25.000₫": 25_000, "25.000đ": 25_000, "25.000 đ": 25_000, "25.000 đồng": 25_000,
    "25000 VND": 25_000, "25.000 vnđ": 25_000, "₫25.000": 25_000, " 25.000 ": 25_000,
    "25k": 25_000, "25K": 25_000, "25 k": 25_000, "25 nghìn": 25_000, "25 ngàn": 25_000, "25 nghin": 25_000,
    "25k đ": 25_000, "2,5k": 2_500, "2.5k": 2_500, "2k5": 2_500,
    "1,5tr": 1_500_000, "1.5 triệu": 1_500_000, "1,5 trieu": 1_500_000, "2 triệu đồng": 2_000_000,
    "1tr2": 1_200_000, "1tr250": 1_250_000, "1.250.000": 1_250_000, "1,250,000": 1_250_000,
}
# Ambiguous (a decimal or a slip?), hostile, or not a price at all: refused, never guessed.
NOT_PRICES = [
    "", "   ", "25.5", "25,50", "2.50", "1.000,000", "1,000.000", "25.000,00", "1.2345k", "1.000k", "25kk",
    "-25000", "+25000", "25e3", "0x10", "٢٥٠٠٠", "２５０００", "²⁵", "25_000", "25.00.0", ".5k", "k", "đ", "triệu",
    "25 usd", "25$", "25 trăm", "NaN", "1" * 41, "25.000 ₫ ₫", "25\x00000", "1tr2505", "1tr50", "2k50", None, 25000,
]


@pytest.mark.parametrize("typed", PRICES)
def test_prices_typed_the_vietnamese_way_are_understood(typed):
    assert parse_price(typed) == PRICES[typed]


@pytest.mark.parametrize("typed", NOT_PRICES)
def test_ambiguous_or_hostile_prices_are_refused(typed):
    assert parse_price(typed) is None


def _grouped(number: int, mark: str) -> str:
    return f"{number:,}".replace(",", mark)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10**12), st.sampled_from([".", ",", " "]),
       st.sampled_from(["", " ₫", "₫", "đ", " đồng", " VND"]))
def test_any_whole_price_written_with_thousands_groups_reads_back(number, mark, currency):
    assert parse_price(_grouped(number, mark) + currency) == number
    assert parse_price(str(number) + currency) == number


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=999_999), st.integers(min_value=0, max_value=99))
def test_thousands_and_millions_with_decimals(whole, hundredths):
    decimals = f"{hundredths:02d}".rstrip("0")
    text_k = f"{whole},{decimals}k" if decimals else f"{whole}k"
    assert parse_price(text_k) == whole * 1000 + hundredths * 10
    assert parse_price(text_k.replace("k", " triệu")) == whole * 1_000_000 + hundredths * 10_000


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=45))
def test_any_text_gives_a_whole_number_or_none_never_an_error(typed):
    price = parse_price(typed)
    assert price is None or (isinstance(price, int) and price >= 0)


class _PriceForm(FlaskForm):
    class Meta:
        csrf = False

    price = PriceField("Price", validators=[InputRequired("Enter a price."), NumberRange(1, 1_000_000_000, "Out of range.")])


@pytest.mark.parametrize("typed, data, error", [
    ("25.000 ₫", 25_000, None),
    ("1,5 triệu", 1_500_000, None),
    ("25,5", None, str(PRICE_FORMAT_MESSAGE)),
    ("0", 0, "Out of range."),
    ("2000 triệu", 2_000_000_000, "Out of range."),
    ("", None, "Enter a price."),
])
def test_the_price_field_reads_through_the_one_helper_with_one_message(app, typed, data, error):
    with app.test_request_context(headers=EN):
        form = _PriceForm(MultiDict({"price": typed}))
        assert form.validate() is (error is None)
        assert form.price.data == data
        assert form.price.errors == ([error] if error else [])
        html = str(form.price())
        assert 'type="text"' in html and 'inputmode="decimal"' in html  # a number box refuses "25.000"


def test_a_price_cell_of_the_csv_import_reads_the_same_way():
    assert [parse_price_cell(cell) for cell in ("185k", "185.000 ₫", "185000,00", "185000.0", "")] == [
        185_000, 185_000, 185_000, 185_000, None]
    for cell in ("25,5", "-5", "abc", "185.00", "25,0", "185,000.5"):
        with pytest.raises(ValueError):
            parse_price_cell(cell)


# --- 2. the product forms take such prices -----------------------------------------------------------

def test_a_new_product_priced_25_000_is_saved_as_25000(app, shop, client_for):
    response = post_new_product(client_for(shop.owner.email),
                                product_form(price_vnd="25.000 ₫", compare_at_price_vnd="30k", unit="bunch"))
    assert response.status_code == 302
    product = db.session.scalar(select(catalog.Product))
    assert (product.price_vnd, product.compare_at_price_vnd, product.unit) == (25_000, 30_000, "bunch")


def test_a_price_that_is_not_clear_comes_back_as_a_form_error_with_what_was_typed(app, shop, client_for):
    response = post_new_product(client_for(shop.owner.email), product_form(price_vnd="25,5"))
    page = text(response)
    assert response.status_code == 200 and product_count() == 0
    assert 'id="price_vnd-error"' in page and "e.g. 25000, 25.000, 25k" in page
    assert 'value="25,5"' in page


def test_quick_edit_takes_a_price_typed_with_dots_and_refuses_an_unclear_one(app, shop, client_for):
    product = make_product(shop.owner, stock=20, price_vnd=150_000)
    client = client_for(shop.owner.email)
    seller_action(client, product.id, "quick", {"stock": "12", "price_vnd": "165.000đ", "seen_stock": "20"})
    assert (fresh(product.id).stock, fresh(product.id).price_vnd) == (12, 165_000)
    seller_action(client, product.id, "quick", {"stock": "12", "price_vnd": "16,5", "seen_stock": "12"})
    assert fresh(product.id).price_vnd == 165_000
    assert "Write the price in đồng" in text(client.get("/sell/products", headers=EN))
    list_page = text(client.get("/sell/products", headers=EN))
    assert re.search(r'name="price_vnd" type="text" inputmode="decimal"', list_page)


# --- 3. chosen photos survive an error -------------------------------------------------------------

STASHED = re.compile(r'name="stashed" value="([A-Za-z0-9_-]+)"')


def _stash_by_error(client, photos=1):
    """Send the new-product form with a missing name and `photos` good photos: it comes back."""
    chosen = files(*[(image_bytes(colour=f"#{n}0{n}0{n}0"), f"anh-{n}.jpg") for n in range(photos)])
    response = post_new_product(client, product_form(name="", photos=chosen))
    assert response.status_code == 200 and product_count() == 0
    return text(response), STASHED.findall(text(response))


def test_a_form_error_keeps_the_chosen_photos_and_the_save_then_uses_them(app, shop, client_for):
    client = client_for(shop.owner.email)
    page, tokens = _stash_by_error(client, photos=2)
    assert len(tokens) == 2
    assert f'/sell/products/stashed/{tokens[0]}' in page
    assert client.get(f"/sell/products/stashed/{tokens[0]}").headers["Content-Type"] == "image/webp"

    response = post_new_product(client, product_form(publish="1", save=None) | {"stashed": tokens})
    assert response.status_code == 302
    product = db.session.scalar(select(catalog.Product))
    assert product.status == "active" and len(product.images) == 2  # "put on sale" needed a photo: it had two
    assert db.session.scalar(select(func.count()).select_from(StashedPhoto)) == 0
    assert not [name for name in stored_files(app) if name.startswith(f"{STASH_AREA}/")]


def test_a_stashed_photo_can_be_removed_before_saving(app, shop, client_for):
    client = client_for(shop.owner.email)
    _page, tokens = _stash_by_error(client, photos=2)
    response = post_new_product(client, product_form(name="") | {"stashed": tokens, "unstash": tokens[0]})
    assert STASHED.findall(text(response)) == [tokens[1]]
    assert client.get(f"/sell/products/stashed/{tokens[0]}").status_code == 404
    post_new_product(client, product_form() | {"stashed": [tokens[1]]})
    assert len(db.session.scalar(select(catalog.Product)).images) == 1


def test_a_stash_token_is_of_no_use_to_another_member(app, shop, rival, client_for):
    _page, tokens = _stash_by_error(client_for(shop.owner.email))
    intruder = client_for(rival.owner.email)
    assert intruder.get(f"/sell/products/stashed/{tokens[0]}").status_code == 404
    response = post_new_product(intruder, product_form() | {"stashed": tokens})
    assert response.status_code == 302
    assert db.session.scalar(select(catalog.Product)).images == []
    assert db.session.scalar(select(func.count()).select_from(StashedPhoto)) == 1  # still the owner's


def test_an_edit_that_comes_back_keeps_new_photos_too(app, shop, client_for):
    product = make_product(shop.owner, photos=1)
    client = client_for(shop.owner.email)
    url = f"/sell/products/{product.id}/edit"
    response = post_form(client, url, product_form(price_vnd="abc", photos=files((image_bytes(), "b.png"))),
                         headers=EN, content_type="multipart/form-data")
    tokens = STASHED.findall(text(response))
    assert response.status_code == 200 and len(tokens) == 1
    post_form(client, url, product_form() | {"stashed": tokens}, headers=EN, content_type="multipart/form-data")
    assert len(fresh(product.id).images) == 2


def test_expired_stashes_are_ignored_and_swept(app, shop, rival, client_for):
    _page, tokens = _stash_by_error(client_for(shop.owner.email))
    row = db.session.scalar(select(StashedPhoto))
    row.created_at = row.created_at - timedelta(hours=7)
    db.session.commit()
    client = client_for(shop.owner.email)
    assert client.get(f"/sell/products/stashed/{tokens[0]}").status_code == 404
    _stash_by_error(client_for(rival.owner.email))  # any stashing sweeps
    assert [r.user_id for r in db.session.scalars(select(StashedPhoto))] == [rival.owner.id]
    assert not [name for name in stored_files(app) if tokens[0] in name]


def test_stashed_files_left_without_a_row_are_swept_too(app, shop, rival, client_for):
    _page, tokens = _stash_by_error(client_for(shop.owner.email))
    db.session.execute(StashedPhoto.__table__.delete())  # as when the account is deleted
    db.session.commit()
    folder = os.path.join(app.config["UPLOAD_FOLDER"], STASH_AREA)
    old = time.time() - 13 * 3600
    for name in os.listdir(folder):
        os.utime(os.path.join(folder, name), (old, old))
    _stash_by_error(client_for(rival.owner.email))
    assert not [name for name in stored_files(app) if tokens[0] in name]
    assert [name for name in stored_files(app) if name.startswith(f"{STASH_AREA}/")]  # the new stash stays


def test_a_members_stash_is_bounded(app, shop, client_for):
    client = client_for(shop.owner.email)
    for _attempt in range(3):
        _stash_by_error(client, photos=7)  # three forms given up, seven photos each
    _page, tokens = _stash_by_error(client, photos=2)
    assert len(tokens) == 2
    assert db.session.scalar(select(func.count()).select_from(StashedPhoto)) <= 2 * 8


def test_a_file_that_is_no_image_is_not_stashed_and_says_why(app, shop, client_for):
    response = post_new_product(client_for(shop.owner.email),
                                product_form(name="", photos=files((b"not an image", "anh.jpg"))))
    assert "not a JPEG, PNG or WebP image" in text(response) and not STASHED.findall(text(response))


# --- 4. the error summary and the labels ----------------------------------------------------------

def test_the_error_summary_names_and_links_every_field_in_error(app, shop, client_for):
    page = text(post_new_product(client_for(shop.owner.email), product_form(name="", price_vnd="25,5", stock="")))
    summary = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', page, re.DOTALL)
    assert summary and 'tabindex="-1"' in page and "autofocus" in page
    links = dict(re.findall(r'<a href="#([a-z_]+)">([^<]+)</a>', summary.group(1)))
    assert set(links) == {"name", "price_vnd", "stock"}
    assert links["stock"].startswith("Quantity in stock:")
    assert links["price_vnd"].startswith("Selling price (đồng): Write the price in đồng")


def test_required_fields_are_marked_in_their_label_and_labels_say_what_they_mean(app, shop, client_for):
    page = text(client_for(shop.owner.email).get("/sell/products/new"))
    assert re.search(r'<label for="name">Tên sản phẩm</label> <span class="required" aria-hidden="true">\(bắt buộc\)</span>', page)
    assert '<label for="stock">Số lượng trong kho</label> <span class="required" aria-hidden="true">' in page
    assert re.search(r'<input[^>]*id="stock"[^>]*required', page)  # announced by the input itself
    assert re.search(r'<label for="compare_at_price_vnd">Giá trước khi giảm \(đồng\)</label>\s*<input', page)  # optional
    assert "Còn hàng" not in page


@pytest.mark.parametrize("url", ["/account/register", "/account/sign-in", "/sell/apply"])
def test_other_forms_still_render_with_the_macros(app, client, auth, make_user, url):
    make_user()
    response = post_form(client, url, {"email": ""}) if url == "/account/register" else client.get(url)
    assert response.status_code in (200, 302)
    if url == "/account/register":
        assert 'class="error-summary"' in text(response) and '<a href="#email">' in text(response)


# --- 5. removing a product asks first ----------------------------------------------------------------

def test_deleting_a_product_asks_first_then_deletes_on_the_confirmation(app, shop, client_for):
    product = make_product(shop.owner)
    client = client_for(shop.owner.email)
    assert f'href="/sell/products/{product.id}/delete"' in text(client.get("/sell/products"))
    page = client.get(f"/sell/products/{product.id}/delete", headers=EN)
    assert page.status_code == 200 and fresh(product.id) is not None
    assert "cannot be undone" in text(page) and "Yes, delete it" in text(page)
    response = client.post(f"/sell/products/{product.id}/delete", data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 302 and fresh(product.id) is None


def test_deleting_without_the_confirmation_token_does_nothing(app, shop, client_for):
    product = make_product(shop.owner)
    response = client_for(shop.owner.email).post(f"/sell/products/{product.id}/delete", data={})
    assert response.status_code in (302, 400) and fresh(product.id) is not None


# --- 6. units and fresh produce ---------------------------------------------------------------------

def test_the_seller_form_offers_the_units_a_cooperative_needs(app, shop, client_for):
    page = text(client_for(shop.owner.email).get("/sell/products/new"))
    for label in ("bó", "quả", "con", "kg", "hộp", "chai", "gói", "túi", "khay", "chục"):
        assert re.search(rf'<option value="[a-z]+">{label}</option>', page), label


def test_fresh_produce_categories_are_seeded(app, categories):
    fresh_top = db.session.scalar(select(Category).where(Category.slug == "nong-san-tuoi"))
    assert fresh_top.name_vi == "Nông sản tươi"
    assert {child.slug for child in fresh_top.children} >= {"rau-xanh", "cu-qua", "trai-cay-tuoi"}
    assert catalog.seed_categories() == 0  # seeding again adds nothing


def test_central_staff_add_a_unit_sellers_then_use(app, shop, staff, client_for):
    desk = client_for(staff.email)
    response = post_form(desk, "/staff/units", {"name_vi": "Mẹt", "name_en": "Tray basket"}, headers=EN)
    assert response.status_code == 302
    unit = db.session.scalar(select(Unit))
    assert (unit.code, unit.name_vi) == ("tray-basket", "Mẹt")
    assert [entry.action for entry in history("unit", unit.id)] == ["unit_added"]
    assert "Mẹt" in text(desk.get("/staff/units"))

    seller = client_for(shop.owner.email)
    assert '<option value="tray-basket">Mẹt</option>' in text(seller.get("/sell/products/new"))
    assert post_new_product(seller, product_form(unit="tray-basket")).status_code == 302
    assert "/ Mẹt" in text(seller.get("/sell/products"))


@pytest.mark.parametrize("names", [("bó", "bundle"), ("Bao", "Bunch"), ("CHAI", "flask"), ("", "x")])
def test_a_unit_already_listed_or_unnamed_is_refused(app, staff, client_for, names):
    response = post_form(client_for(staff.email), "/staff/units", {"name_vi": names[0], "name_en": names[1]},
                         headers=EN)
    assert response.status_code == 200 and 'class="error-summary"' in text(response)
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 0


def test_provincial_staff_see_the_units_but_cannot_add_one(app, make_user, client_for):
    make_user("hn@example.vn", role="staff", province="Hà Nội")
    desk = client_for("hn@example.vn")
    assert desk.get("/staff/units").status_code == 200
    response = post_form(desk, "/staff/units", {"name_vi": "Mẹt", "name_en": "Tray basket"})
    assert response.status_code == 403 and db.session.scalar(select(func.count()).select_from(Unit)) == 0


def test_an_unknown_unit_is_refused_by_the_service(app, shop):
    with pytest.raises(catalog.ValidationFailed) as refused:
        catalog.create_product(shop.owner, catalog.ProductData(
            name="Rau muống", category_id=category_id("rau-xanh"), price_vnd=15_000, stock=5, unit="bó-giả"))
    assert "unit" in refused.value.errors


def test_two_staff_adding_the_same_unit_at_once_get_a_message_not_an_error(app, staff, monkeypatch):
    from market.catalog import units

    # The other staff member's unit commits after this request read the list of units.
    db.session.add(Unit(code="tray-basket", name_vi="Mẹt", name_en="Tray basket", created_by_id=staff.id))
    db.session.commit()
    monkeypatch.setattr(units, "added_units", lambda: [])
    with pytest.raises(catalog.ValidationFailed) as refused:
        units.add_unit(staff, "Mẹt tre", "Tray basket")
    assert "name_en" in refused.value.errors
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 1
