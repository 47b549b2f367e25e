"""The one place that builds test data: people, sellers, programs, files, products, orders.

Everything goes THROUGH THE SERVICES, as real data would: a seller applies (with a PDF
registration certificate, and a generated PNG logo unless asked not to) and staff decide,
members are invited and accept, products are listed with generated photos, sellers join
programs and staff decide, orders are placed from a cart. So a test's world obeys the same
rules as real data. Call the builders inside the `app` fixture's application context; the
fixtures built from them (categories, staff, shop, rival, goods) are in conftest.py.
"""
import functools
import io
import itertools
import os
import struct
import zlib
from contextlib import contextmanager, nullcontext
from datetime import date
from pathlib import Path

from flask import current_app, has_request_context
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from sqlalchemy import event, func, select
from werkzeug.datastructures import FileStorage

from market.accounts.models import Role, User
from market.accounts.services import create_user, find_user_by_email
from market.catalog import services as catalog
from market.core.kept_data import EVERY_TABLE, forget
from market.catalog.models import Category, Product
from market.extensions import db
from market.orders import cart as carts
from market.orders.checkout import CheckoutDetails, place_order
from market.orders.models import Order
from market.orders.payment_methods import enabled_methods
from market.programs import services as programs
from market.programs.models import Enrolment, Program
from market.programs.services import ProgramData
from market.sellers import invitations
from market.sellers import services as sellers
from market.sellers.models import REGISTERED_FORMS, DocumentKind, LegalForm, Seller
from market.sellers.services import ApplicationData

PASSWORD = "correct-horse-battery"
EN = {"Accept-Language": "en"}
TODAY = date(2026, 6, 1)  # inside program_data()'s period
# A real 2025 commune/ward of each province the tests use (the application checks it).
COMMUNES = {"Lâm Đồng": "Phường Xuân Trường - Đà Lạt", "Hà Nội": "Xã Phú Nghĩa"}
# Something a browser must never run and a server must never execute.
PAYLOAD = b"<?php system($_GET['c']); ?><script>alert(document.cookie)</script>"
# A real 2025 address: Hà Nội, Xã Phú Nghĩa.
ADDRESS = {"province": "01", "commune": "Xã Phú Nghĩa", "street_address": "12 Hàng Bạc"}
# The checkout form as a guest fills it in (cash on delivery).
CHECKOUT = {"full_name": "Nguyễn Thị Mai", "phone": "0912 345 678", "email": "", "province": "01",
            "commune": "Xã Phú Nghĩa", "street_address": "12 Hàng Bạc", "note": "", "payment_method": "cod"}

# The staff decisions that lead from "pending" to each status.
DECISIONS_TO = {
    "pending": [],
    "approved": ["approve"],
    "rejected": ["reject"],
    "changes_requested": ["request_changes"],
    "suspended": ["approve", "suspend"],
}

_numbers = itertools.count(1)


# --- people ----------------------------------------------------------------------------------

def make_user(email="lan@example.vn", role=Role.SHOPPER, province=None, password=PASSWORD, **kwargs) -> User:
    """An account (password PASSWORD unless given); staff with a province are provincial staff."""
    return create_user(email, role, password, province=province, **kwargs)


def reviewer() -> User:
    """A central staff account that takes the decisions nobody asked to take themselves."""
    return find_user_by_email("reviewer@builders.test") or make_user("reviewer@builders.test", Role.STAFF)


def request_context():
    """A request context for services that build external links (invitation emails)."""
    return nullcontext() if has_request_context() else current_app.test_request_context("/")


# --- files -----------------------------------------------------------------------------------

def png(size=(64, 64), colour="#9b1c4a") -> FileStorage:
    """A seller's logo."""
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    buffer.seek(0)
    return FileStorage(stream=buffer, filename="logo.png", content_type="image/png")


def pdf(filename="giay-chung-nhan.pdf") -> FileStorage:
    data = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type="application/pdf")


def certificate() -> list:
    """The documents of an application: a registration certificate."""
    return [(DocumentKind.REGISTRATION_CERTIFICATE, pdf())]


def image_bytes(size=(8, 8), colour="#c8a02c", fmt="PNG", noise=False, pnginfo=None) -> bytes:
    if noise:
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, colour)
    buffer = io.BytesIO()
    image.save(buffer, fmt, **({"pnginfo": pnginfo} if pnginfo else {}))
    return buffer.getvalue()


def upload(data: bytes, filename: str = "anh.png", content_type: str = "image/png") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type=content_type)


def photo(size=(8, 8), colour="#c8a02c") -> FileStorage:
    """A product photo."""
    return upload(image_bytes(size, colour))


def fake_jpeg() -> bytes:
    """Text that only claims to be a photo by its name."""
    return b"Day khong phai la anh, chi la chu.\n" * 20


def polyglot_png() -> bytes:
    """A valid PNG that also carries a PHP/HTML payload after its end."""
    return image_bytes((16, 16)) + PAYLOAD


def png_with_payload_chunk() -> bytes:
    """A valid PNG whose text chunk holds the payload (kept by naive resizers)."""
    info = PngInfo()
    info.add_text("Comment", PAYLOAD.decode())
    return image_bytes((16, 16), pnginfo=info)


@functools.cache
def huge_png(width=12_000, height=12_000) -> bytes:
    """A small file (about 20 kB) that decodes to 144 megapixels: a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed pixels
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(row * height, 9)) + chunk(b"IEND", b"")


# --- sellers ---------------------------------------------------------------------------------

def application(**changes) -> ApplicationData:
    """A complete, submittable application of a women-led cooperative in Lâm Đồng."""
    values = dict(
        legal_form="cooperative", name="HTX Cà phê Cầu Đất", registration_number="5800123456",
        province="Lâm Đồng", commune="Phường Xuân Trường - Đà Lạt", street_address="Thôn Trường Sơn",
        phone="+842633822222", story="Chị em trồng cà phê.", members_count=24, women_members_count=21,
        workers_count=30, women_workers_count=26, women_led=True, leader_name="Trần Thị Hoa",
        leader_role="chair", leadership_statement="Chủ tịch là nữ.", accepts_terms=True,
    )
    return ApplicationData(**{**values, **changes})


def make_seller(
    owner: User,
    status: str = "approved",
    *,
    province: str = "Lâm Đồng",
    legal_form: str = LegalForm.COOPERATIVE,
    name: str | None = None,
    staff: User | None = None,
    reason: str = "Hồ sơ chưa đầy đủ.",
    logo: bool = True,
    **changes,
) -> Seller:
    """A seller owned by `owner` (a unique name and registration number unless given), brought
    to `status` as a person would: apply with a registration certificate (and a logo), submit,
    then staff decide (`staff`, or a central reviewer). A "draft" is saved, not submitted."""
    number = next(_numbers)
    data = application(
        legal_form=legal_form,
        name=name or f"HTX Phụ nữ số {number}",
        province=province,
        commune=COMMUNES.get(province, ""),
        registration_number=f"58{number:08d}" if legal_form in REGISTERED_FORMS else None,
        **changes,
    )
    files = {"documents": certificate(), "logo": png() if logo else None}
    if status == "draft":
        return sellers.save_application(owner, data, submit=False, **files)
    seller = sellers.save_application(owner, data, submit=True, **files)
    staff = staff or (reviewer() if DECISIONS_TO[status] else None)
    for action in DECISIONS_TO[status]:
        needs_reason = action in ("reject", "request_changes", "suspend")
        seller = sellers.decide(staff, seller.id, action, reason if needs_reason else None)
    assert seller.status == status
    return seller


def approved_seller(staff: User, email: str, name: str | None = None, province: str = "Lâm Đồng"):
    """(owner, seller): `email` applies for a new cooperative (no logo) and `staff` approve it."""
    owner = make_user(email)
    return owner, make_seller(owner, "approved", province=province, name=name, staff=staff, logo=False)


def add_member(owner: User, user_or_email: User | str, full_name: str | None = None) -> User:
    """Invite someone (a new account for an email) to the owner's seller and accept as them."""
    user = user_or_email if isinstance(user_or_email, User) else make_user(user_or_email, full_name=full_name)
    with request_context():
        _invitation, token = invitations.invite_member(owner, user.email)
    invitations.accept_invitation(user, token)
    return user


# --- programs --------------------------------------------------------------------------------

def program_data(**changes) -> ProgramData:
    """A program for women-led cooperatives and cooperative groups, 2022 to 2030."""
    values = dict(
        name_vi="Hỗ trợ hợp tác xã phụ nữ", name_en="Supporting women's cooperatives",
        badge_vi="HTX phụ nữ", badge_en="Women's cooperative", starts_on=date(2022, 1, 1),
        ends_on=date(2030, 12, 31), legal_forms=["cooperative", "cooperative_group"], women_led_required=True,
        commission_rate_bp=200, targets={"cooperatives": 1500, "cooperative_groups": 10000, "jobs_for_women": 30000},
        targets_due_on=date(2030, 12, 31),
    )
    return ProgramData(**{**values, **changes})


def make_program(staff: User | None = None, **changes) -> Program:
    """program_data(**changes) saved by `staff` (or a central reviewer)."""
    return programs.save_program(staff or reviewer(), program_data(**changes))


def enrol(
    member: User,
    program: Program,
    statement: str = "Chúng tôi muốn tạo thêm việc làm cho chị em.",
    women_members: int = 15,
    jobs_for_women: int = 20,
    today: date | None = None,
) -> Enrolment:
    """The member's seller applies to the program (pending until staff decide)."""
    return programs.apply_to_program(
        member, program.id, statement, women_members, jobs_for_women, today or date.today()
    )


def enrol_in_program(staff: User, owner: User, program: Program) -> Enrolment:
    """The owner's seller joins `program` (approved by staff): its products get the badge."""
    enrolment = enrol(owner, program, "Tạo việc làm cho chị em", today=TODAY)
    return programs.decide_enrolment(staff, enrolment.id, "approve")


# --- products --------------------------------------------------------------------------------

def category_id(slug: str) -> int:
    return db.session.scalar(select(Category.id).where(Category.slug == slug))


def product_data(category: str = "mat-ong", **changes) -> catalog.ProductData:
    values = {"name": "Mật ong hoa nhãn", "category_id": category_id(category), "price_vnd": 150_000,
              "stock": 20, "unit": "jar", "description": "Mật ong nguyên chất từ vườn nhãn Hưng Yên."}
    values.update(changes)
    return catalog.ProductData(**values)


def make_product(member, publish=True, photos=1, category="mat-ong", **changes) -> Product:
    """A product listed by `member` with `photos` generated photos (on sale unless publish=False)."""
    return catalog.create_product(
        member, product_data(category, **changes), photos=[photo() for _ in range(photos)], publish=publish
    )


def product_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Product))


def fresh(product_id: int) -> Product:
    """The product as the database has it now (not what this session remembers)."""
    db.session.expire_all()
    return db.session.get(Product, product_id)


# --- orders ----------------------------------------------------------------------------------

def details(**changes) -> CheckoutDetails:
    values = {"full_name": "Nguyễn Thị Mai", "phone": "0912 345 678", "email": "mai@example.vn",
              "note": "Giao giờ hành chính", "payment_method": "cod", "locale": "en", **ADDRESS}
    values.update(changes)
    return CheckoutDetails(**values)


def guest_cart(*lines) -> carts.SessionCart:
    """A guest's cart holding (product, quantity) lines."""
    store = carts.SessionCart({})
    for product, quantity in lines:
        carts.add_to_cart(store, product.id, quantity)
    return store


def place(*lines, user=None, methods=None, **changes) -> Order:
    """Place an order for (product, quantity) lines as a guest (or `user`)."""
    store = carts.UserCart(user.id) if user is not None else carts.SessionCart({})
    for product, quantity in lines:
        carts.add_to_cart(store, product.id, quantity)
    return place_order(store, details(**changes), user.id if user else None, methods or enabled_methods())


def reload(order: Order) -> Order:
    db.session.expire_all()
    return db.session.scalar(select(Order).where(Order.id == order.id))


# --- files and queries -----------------------------------------------------------------------

def stored_files(app) -> set[str]:
    """Every file under UPLOAD_FOLDER, as paths relative to it (temporary files included)."""
    root = Path(app.config["UPLOAD_FOLDER"])
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()} if root.exists() else set()


def photo_files(app, product: Product) -> list[Path]:
    root = Path(app.config["UPLOAD_FOLDER"]) / catalog.PHOTO_AREA
    return [root / f"{image.token}-{variant}.webp" for image in product.images for variant in ("thumb", "large")]


@contextmanager
def counted_queries(kept: bool = False):
    """The SQL statements run inside the block (on the app's engine); what the worker keeps
    (core/kept_data.py) is dropped first, so that every read is counted, unless `kept`."""
    statements: list[str] = []
    if not kept:
        forget({EVERY_TABLE})

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
