"""Builders shared by the catalog tests (service level and views).

Everything goes through the services, as real data would: sellers apply and staff approve
them, members are invited and accept, products are listed with generated photos, sellers
join programs and staff decide. Call them inside the `app` fixture's application context.
"""
import functools
import io
import itertools
import os
import struct
import zlib
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import current_app
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from sqlalchemy import event, func, select
from werkzeug.datastructures import FileStorage

from market.catalog import services as catalog
from market.catalog.models import Category, Product
from market.extensions import db
from market.programs import services as programs
from market.sellers import services as sellers
from tests.test_programs import program_data
from tests.test_sellers import application, certificate

PASSWORD = "correct-horse-battery"
EN = {"Accept-Language": "en"}
TODAY = date(2026, 6, 1)  # inside the test program's period
# A real 2025 commune/ward of each province the tests use (the application checks it).
COMMUNES = {"Lâm Đồng": "Phường Xuân Trường - Đà Lạt", "Hà Nội": "Xã Phú Nghĩa"}
# Something a browser must never run and a server must never execute.
PAYLOAD = b"<?php system($_GET['c']); ?><script>alert(document.cookie)</script>"

_numbers = itertools.count(1)


# --- people and sellers ------------------------------------------------------------------------

def approved_seller(make_user, staff, email, name=None, province="Lâm Đồng"):
    """(owner, seller): `email` applies for a new cooperative and `staff` approve it."""
    owner = make_user(email)
    number = next(_numbers)
    changes = {"name": name or f"HTX Phụ nữ số {number}", "registration_number": f"58{number:08d}",
               "province": province, "commune": COMMUNES[province]}
    seller = sellers.save_application(owner, application(**changes), submit=True, documents=certificate())
    sellers.decide(staff, seller.id, "approve")
    return owner, seller


def add_member(make_user, owner, email):
    """A new account invited to the owner's seller, which accepts the invitation."""
    user = make_user(email)
    with current_app.test_request_context("/"):
        _invitation, token = sellers.invite_member(owner, email)
    sellers.accept_invitation(user, token)
    return user


def enrol_in_program(staff, owner, program):
    """The owner's seller joins `program` (approved by staff): its products get the badge."""
    enrolment = programs.apply_to_program(owner, program.id, "Tạo việc làm cho chị em", 15, 20, TODAY)
    return programs.decide_enrolment(staff, enrolment.id, "approve")


def make_program(staff, **changes):
    return programs.save_program(staff, program_data(**changes))


# --- photos --------------------------------------------------------------------------------

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


# --- files and queries -------------------------------------------------------------------------

def stored_files(app) -> set[str]:
    """Every file under UPLOAD_FOLDER, as paths relative to it (temporary files included)."""
    root = Path(app.config["UPLOAD_FOLDER"])
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()} if root.exists() else set()


def photo_files(app, product: Product) -> list[Path]:
    root = Path(app.config["UPLOAD_FOLDER"]) / catalog.PHOTO_AREA
    return [root / f"{image.token}-{variant}.webp" for image in product.images for variant in ("thumb", "large")]


@contextmanager
def counted_queries():
    """The SQL statements run inside the block (on the app's engine)."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


# --- fixtures shared by the catalog test modules (imported there by name) ---

@pytest.fixture
def categories(app):
    catalog.seed_categories()


@pytest.fixture
def staff(make_user):
    return make_user("staff@example.vn", role="staff")


@pytest.fixture
def shop(app, make_user, staff, categories):
    owner, seller = approved_seller(make_user, staff, "hoa@example.vn", name="HTX Mật ong Hưng Yên")
    return SimpleNamespace(owner=owner, seller=seller)


@pytest.fixture
def rival(app, make_user, staff, categories):
    owner, seller = approved_seller(make_user, staff, "lan@example.vn", name="HTX Chè Tân Cương")
    return SimpleNamespace(owner=owner, seller=seller)
