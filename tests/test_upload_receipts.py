"""The anonymous transfer-receipt upload: a picture's budget, re-encoding, and a rate limit per IP.

Through the test client with CSRF on, in Vietnamese (the default language).
"""
import io
import struct
import zlib
from pathlib import Path

from PIL import ExifTags, Image

from market.core.uploads import stored_path
from market.orders.services import RECEIPT_AREA
from tests.builders import place, reload
from tests.conftest import csrf_token_from


def png_bomb(width: int = 6300, height: int = 6300) -> bytes:
    """The reported file: about 115 kB of 1-bit PNG that decodes to 6,300 × 6,300 pixels."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    row = b"\x00" * (1 + (width + 7) // 8)
    pixels = zlib.compress(row * height, 9)
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def phone_photo() -> bytes:
    """A 12 MP photo taken with the phone turned (EXIF orientation 6), with GPS."""
    image = Image.new("RGB", (4000, 3000), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 2000, 3000))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude] = (21.0, 1.0, 30.0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, exif=exif)
    return buffer.getvalue()


def bank_transfer_order(goods):
    return place((goods.honey, 1), payment_method="bank_transfer")


def send_receipt(client, order, data: bytes, filename: str):
    page = client.get(f"/orders/{order.token}")
    return client.post(f"/orders/{order.token}/receipt", data={
        "csrf_token": csrf_token_from(page), "receipt": (io.BytesIO(data), filename)},
        content_type="multipart/form-data")


def stored_receipts(app) -> list[str]:
    folder = Path(app.config["UPLOAD_FOLDER"], RECEIPT_AREA)
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def test_the_reported_png_bomb_is_refused_in_vietnamese_and_nothing_is_stored(app, client, goods):
    order = bank_transfer_order(goods)
    bomb = png_bomb()
    assert len(bomb) < 120_000
    response = send_receipt(client, order, bomb, "bien-lai.png")
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "Ảnh quá lớn (tối đa 12 megapixel)." in page
    assert reload(order).receipt_name is None
    assert stored_receipts(app) == []


def test_a_phone_photo_of_the_receipt_is_accepted_upright_smaller_and_without_metadata(app, client, goods):
    order = bank_transfer_order(goods)
    response = send_receipt(client, order, phone_photo(), "IMG_2041.JPG")
    assert response.status_code == 302
    assert "Cảm ơn" in client.get(response.location).get_data(as_text=True)
    name = reload(order).receipt_name
    assert stored_receipts(app) == [name]
    kept = stored_path(RECEIPT_AREA, name)
    with Image.open(kept) as image:
        assert image.format == "JPEG" and image.size == (1920, 2560)  # turned upright, longest side 2560
        assert not image.getexif()
        top = image.getpixel((960, 100))
        assert top[0] > 200 and top[2] < 60  # the red left half is now on top
    assert b"Exif" not in kept.read_bytes()


def test_receipt_uploads_are_rate_limited_per_ip(app, client, goods):
    app.config["RECEIPT_UPLOAD_LIMIT_PER_IP"] = "3 per minute"
    order = bank_transfer_order(goods)
    for _ in range(3):  # refused files count too: each one is read and checked
        assert send_receipt(client, order, b"not a picture", "x.png").status_code == 302
    blocked = send_receipt(client, order, phone_photo(), "IMG_2041.JPG")
    assert blocked.status_code == 429
    assert reload(order).receipt_name is None
    # Another address is not held back.
    other = app.test_client()
    page = other.get(f"/orders/{order.token}", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    response = other.post(f"/orders/{order.token}/receipt", data={
        "csrf_token": csrf_token_from(page), "receipt": (io.BytesIO(b"x"), "x.png")},
        content_type="multipart/form-data", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 302
