"""The demo catalog: enough products, spread over sellers and categories, with stored photos."""
import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from market.accounts.services import find_user_by_email
from market.catalog import csv_import
from market.catalog.models import UNITS, OcopStatus, Product, ProductStatus
from market.catalog.services import PHOTO_AREA, seed_categories
from market.core import uploads
from market.demo import DEMO_SELLERS, photos, seed_demo
from market.demo.catalog import read_products, seed_demo_catalog, seller_upload
from market.extensions import db
from market.sellers.models import Seller
from market.sellers.services import seller_of


@pytest.mark.index_left_out_of_step  # the seed runs with the index switched off, for speed
def test_demo_catalog_is_full_spread_and_idempotent(app, monkeypatch):
    # Smaller photos keep the test quick (encoding full-size WebP variants is most of the
    # seed's time); the drawing and the storing path are the same.
    monkeypatch.setattr(photos, "PHOTO_SIDE", 300)
    monkeypatch.setattr("market.demo.seed_demo_catalog", lambda: 0)  # called below, on its own
    with app.test_request_context():
        # Nor is the search index checked here: writing it after each of the ~80 commits
        # would double the run time (market.search.sync honours this switch).
        db.session.info["search_disabled"] = True
        seed_demo()
        created = seed_demo_catalog()

        products = list(db.session.scalars(select(Product).options(selectinload(Product.images))))
        assert created == len(products) >= 60

        approved = [demo for demo in DEMO_SELLERS if demo.decision == "approve"]
        assert len(approved) == 5
        per_seller = dict(db.session.execute(select(Product.seller_id, func.count()).group_by(Product.seller_id)).all())
        for demo in approved:
            seller = seller_of(find_user_by_email(demo.owner_email))
            assert per_seller.get(seller.id, 0) >= 10, demo.data.name
        assert len(per_seller) == 5  # nothing for the pending sellers

        assert len({product.category_id for product in products}) >= 8
        assert all(product.unit in UNITS for product in products)

        statuses = [product.status for product in products]
        assert statuses.count(ProductStatus.DRAFT) == 2
        assert statuses.count(ProductStatus.HIDDEN) == 1
        active = [product for product in products if product.status == ProductStatus.ACTIVE]
        assert len(active) == len(products) - 3
        for product in active:
            assert product.images, product.name
            for image in product.images:
                for variant in uploads.IMAGE_VARIANTS:
                    assert uploads.stored_path(PHOTO_AREA, uploads.variant_name(image.token, variant)).is_file()

        # Shop-floor variety: sold out, low stock, discounts, OCOP verified and one waiting.
        assert any(product.stock == 0 for product in active)
        assert any(1 <= product.stock <= 5 for product in active)
        assert any(product.compare_at_price_vnd for product in active)
        ocop = [product.ocop_status for product in products if product.ocop_stars]
        assert ocop.count(OcopStatus.CLAIMED) == 1
        assert ocop.count(OcopStatus.VERIFIED) >= 3
        assert all(product.ocop_certificate_name for product in products if product.ocop_stars)

        assert seed_demo_catalog() == 0
        assert db.session.scalar(select(func.count()).select_from(Product)) == len(products)


def test_products_file_passes_the_sellers_csv_import(app):
    """products.csv as each seller's upload: no error, no warning, nothing the import leaves out."""
    items = read_products()
    sellers = {demo.owner_email.split("@")[0]: demo for demo in DEMO_SELLERS}
    assert {item.seller for item in items} <= {key for key, demo in sellers.items() if demo.decision == "approve"}
    with app.test_request_context():
        seed_categories()
        for key in sellers:
            lines = [item for item in items if item.seller == key]
            if not lines:
                continue
            preview = csv_import.parse(seller_upload(lines), Seller(province_code="68"))
            assert preview.ok and preview.warnings == [], (key, preview.problems, preview.errors())
            assert set(preview.columns) == set(csv_import.COLUMN_BY_KEY) - {"origin_province"}
            assert all(2 <= row.data.description.count("\n") + 1 <= 4 for row in preview.rows)
    assert all(1 <= item.photos <= 3 for item in items)
    assert {item.motif for item in items} <= set(photos.MOTIFS)
    assert all(len(item.colours) == 3 for item in items)
    assert len({item.name for item in items}) == len(items)


def test_demo_photo_is_a_full_size_jpeg():
    item = read_products()[0]
    photo = photos.photo(item, 0)
    with Image.open(photo.stream) as image:
        assert (image.format, image.size) == ("JPEG", (photos.PHOTO_SIDE,) * 2)
    assert photo.filename.endswith(".jpg") and photo.content_type == "image/jpeg"
