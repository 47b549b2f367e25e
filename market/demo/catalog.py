"""Demo catalog for `seed-demo`: what the five approved demo sellers really sell.

The products are in `products.csv`, one line each. Its columns named as in the sellers'
CSV template ("Tên sản phẩm", "Danh mục", "Giá (đồng)"...) are what a seller's own file
holds: each seller's lines go through the same CSV import sellers use
(`market.catalog.csv_import`), acting as the seller's owner, and arrive as drafts. The
other columns are the demo's own, set after the import through the catalog services, as a
seller would on each product's page: `photos` (how many photos to draw, with `label`,
`colours` and `motif`: see `market.demo.photos`), `ocop_stars` (claimed with a generated
certificate; staff verify it unless `ocop_verified` is "no") and `status` (draft, active,
or hidden: put on sale, then hidden). Idempotent: a seller that already has products is
left alone.

74 products with 131 photos: about 20 s of CPU, 40 s on a busy 2-core machine, spent on
encoding the WebP variants and writing the search index after each product's commit.
"""
import csv
import io
from contextlib import nullcontext
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from flask import current_app, has_request_context
from sqlalchemy import exists, select
from werkzeug.datastructures import FileStorage

from market.accounts.services import find_user_by_email
from market.catalog import csv_import
from market.catalog.models import Product, ProductStatus
from market.catalog.services import change_product_status, decide_ocop, seed_categories, update_product
from market.demo.accounts import STAFF
from market.demo.files import certificate
from market.demo.photos import photo, plain
from market.demo.sellers import DEMO_SELLERS
from market.extensions import db
from market.sellers.models import SellerStatus
from market.sellers.services import seller_of

PRODUCTS_FILE = Path(__file__).with_name("products.csv")
# The demo's own columns; every other column is one of the sellers' CSV template.
DEMO_COLUMNS = ("seller", "status", "ocop_stars", "ocop_verified", "photos", "label", "colours", "motif")
NAME_HEADER = csv_import.COLUMN_BY_KEY["name"].template_header


@dataclass(frozen=True)
class DemoProduct:
    """One line of products.csv: the seller's cells, and what the demo adds after the import."""

    seller: str  # the part before "@" of the owner's email in market.demo.sellers.DEMO_SELLERS
    cells: dict[str, str]  # the sellers' template columns, by header, as written in the file
    status: str  # ProductStatus: DRAFT, ACTIVE, or HIDDEN (listed, then hidden)
    ocop: int | None  # stars claimed (a certificate is attached)
    ocop_verified: bool  # False: the claim waits in the staff queue
    photos: int  # 1–3: drawing and storing photos is most of the seed's time
    label: str  # the short name drawn on the photos ("\n" for a second line; "|" in the file)
    colours: tuple[str, str, str]  # gradient top, gradient bottom, shapes
    motif: str  # a key of market.demo.photos.MOTIFS

    @property
    def name(self) -> str:
        return self.cells[NAME_HEADER]


@cache
def read_products() -> tuple[DemoProduct, ...]:
    """Every line of products.csv, in the file's order."""
    with PRODUCTS_FILE.open(encoding="utf-8", newline="") as source:
        return tuple(_product(line) for line in csv.DictReader(source))


def _product(line: dict[str, str]) -> DemoProduct:
    return DemoProduct(
        seller=line["seller"],
        cells={header: cell for header, cell in line.items() if header not in DEMO_COLUMNS},
        status=ProductStatus(line["status"]),
        ocop=int(line["ocop_stars"]) if line["ocop_stars"] else None,
        ocop_verified=line["ocop_verified"] != "no",
        photos=int(line["photos"]),
        label=line["label"].replace("|", "\n"),
        colours=tuple(line["colours"].split()),
        motif=line["motif"],
    )


def seller_upload(items: list[DemoProduct]) -> str:
    """The CSV file a seller would upload for `items`: the template's columns only."""
    headers = list(items[0].cells)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([item.cells[header] for header in headers] for item in items)
    return buffer.getvalue()


# --- seeding ---------------------------------------------------------------------------------

def seed_demo_catalog() -> int:
    """Create the demo sellers' catalogs where missing; return how many products were created.

    Acts as each approved demo seller's owner: the seller's lines of products.csv go
    through the CSV import, then each product gets its photos, its OCOP claim and its
    status through the catalog services. A seller that already has products (or is not
    approved, or whose owner does not exist yet) is skipped, so running it again creates
    nothing. Staff verify the OCOP claims, except one left waiting in the queue. Needs the
    demo accounts (`market.demo.seed_demo`).
    """
    seed_categories()
    staff = find_user_by_email(STAFF.email)
    created = 0
    # Notices in queued emails need a request context outside a request (as market.demo).
    context = nullcontext() if has_request_context() else current_app.test_request_context("/")
    with context:
        for demo in DEMO_SELLERS:
            items = [item for item in read_products() if item.seller == demo.owner_email.split("@")[0]]
            owner = find_user_by_email(demo.owner_email)
            seller = seller_of(owner) if owner is not None else None
            if not items or seller is None or seller.status != SellerStatus.APPROVED:
                continue
            if db.session.scalar(select(exists().where(Product.seller_id == seller.id))):
                continue
            preview = csv_import.parse(seller_upload(items), seller)
            created += csv_import.import_rows(owner, preview)
            ids = dict(db.session.execute(select(Product.name, Product.id).where(Product.seller_id == seller.id)).all())
            for row, item in zip(preview.rows, items, strict=True):
                _finish(owner, staff, item, ids[row.data.name], row.data)
    return created


def _finish(owner, staff, item: DemoProduct, product_id: int, data) -> Product:
    """What the import leaves out, done as the seller would on the product's page."""
    photos = [photo(item, index) for index in range(item.photos)]
    ocop_certificate = _ocop_certificate(item) if item.ocop else None
    product = update_product(owner, product_id, replace(data, ocop_stars=item.ocop), new_photos=photos,
                             ocop_certificate=ocop_certificate)
    if item.status != ProductStatus.DRAFT:
        product = change_product_status(owner, product.id, "publish")
    if item.status == ProductStatus.HIDDEN:
        product = change_product_status(owner, product.id, "hide")
    if item.ocop and item.ocop_verified and staff is not None:
        product = decide_ocop(staff, product.id, True)
    return product


def _ocop_certificate(item: DemoProduct) -> FileStorage:
    """A stand-in for the OCOP certificate."""
    return certificate(f"Giay chung nhan OCOP {item.ocop} sao (demo): {plain(item.name)}", "chung-nhan-ocop.pdf")
