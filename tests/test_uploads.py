"""Uploads: images re-encoded without metadata within a pixel budget per kind, PDFs screened
and parsed, files written atomically."""
import base64
import binascii
import io
import re
import struct
import zlib
from pathlib import Path

import pypdf
import pytest
from flask_babel import force_locale
from PIL import ExifTags, Image, ImageCms, ImageFile
from PIL.PngImagePlugin import PngInfo
from pypdf import PdfReader, PdfWriter
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import NotFound

from market.core import uploads
from market.core.uploads import (
    StoredFile,
    UploadError,
    delete_stored,
    send_stored,
    store_document,
    store_image,
    stored_path,
)

RED, BLUE = (255, 0, 0), (0, 0, 255)
NOT_AN_IMAGE = "The file is not a JPEG, PNG or WebP image."
NOT_A_DOCUMENT = "The file is not a JPEG, PNG or PDF document."
ACTIVE_PDF = "The PDF contains active content and cannot be accepted."
UNCHECKABLE_PDF = "The PDF could not be checked. Please save it again as a standard PDF and upload that copy."
TOO_MANY_PIXELS = "The image is too large (at most 12 megapixels)."  # the default budget (a receipt's)
STORED_NAME = re.compile(r"[A-Za-z0-9_-]{22}\.(jpg|png|webp|pdf)")


@pytest.fixture(autouse=True)
def upload_root(app, tmp_path):
    """A fresh upload folder per test, messages in English."""
    root = tmp_path / "uploads"
    app.config["UPLOAD_FOLDER"] = str(root)
    with force_locale("en"):
        yield root


def upload(data: bytes, filename="x.jpg", content_type="image/jpeg") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type=content_type)


def files_in(folder) -> list[str]:
    """Every file below `folder`, hidden ones included."""
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())


def refusal(store, data: bytes, filename="x.jpg", area="tests", **kwargs) -> str:
    with pytest.raises(UploadError) as caught:
        store(upload(data, filename), area, **kwargs)
    return str(caught.value)


# --- image makers -----------------------------------------------------------------------


def two_colour_image(mode="RGB", size=(40, 20)) -> Image.Image:
    """Left half red, right half blue: shows which way an image was turned."""
    image = Image.new("RGB", size, BLUE)
    image.paste(RED, (0, 0, size[0] // 2, size[1]))
    return image.convert(mode)


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def jpeg_with_metadata() -> bytes:
    """A JPEG taken "sideways" (EXIF orientation 6) carrying GPS, camera, XMP, ICC and a comment."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "SecretCam"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (21.0, 1.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (105.0, 51.0, 0.0)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">SecretXmp</x:xmpmeta>'
    return encode(two_colour_image(), "JPEG", exif=exif, icc_profile=icc, xmp=xmp, comment=b"SecretComment")


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def blank_png(width: int, height: int) -> bytes:
    """A real, tiny black-and-white PNG of any size: one solid colour compresses to almost nothing."""
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte, then 1 bit per pixel
    compressor = zlib.compressobj(9)
    pixels = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", pixels) + png_chunk(b"IEND", b"")


# --- PDF maker --------------------------------------------------------------------------


def make_pdf(catalog_extra=b"", objects=(), trailer_extra=b"") -> bytes:
    """A minimal one-page PDF with a correct cross-reference table; `objects` are numbered from 4."""
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        *objects,
    ]
    pdf = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(bodies, 1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (len(bodies) + 1, trailer_extra, xref)
    return bytes(pdf)


def object_stream(content: bytes, compressed: bytes | None = None) -> bytes:
    """An object stream (PDF 1.5+), where modern PDFs keep their dictionaries, Flate-compressed.

    `content` is one object: "N 0 <<...>>" (its header, then the object)."""
    data = zlib.compress(content) if compressed is None else compressed
    first = max(content.find(b"<"), 0)
    header = b"<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n" % (first, len(data))
    return header + data + b"\nendstream"


# --- a PDF builder for PDF 1.5 files: object streams, cross-reference streams ------------


def encoded(data: bytes, filters: list[str]) -> bytes:
    """`data` encoded as `/Filter [filters]` says: a reader applies the first filter first."""
    for name in reversed(filters):
        if name == "ASCIIHexDecode":
            data = binascii.hexlify(data) + b">"
        elif name == "ASCII85Decode":
            data = base64.a85encode(data) + b"~>"
        elif name == "FlateDecode":
            data = zlib.compress(data)
        else:
            raise ValueError(name)
    return data


def stream_object(entries: bytes, data: bytes) -> bytes:
    return b"<< %s /Length %d >>\nstream\n%s\nendstream" % (entries, len(data), data)


def packed_objects(members: dict[int, bytes], filters: list[str]) -> bytes:
    """An object stream holding `members` (number -> object), encoded with `filters`."""
    pairs, body = [], b""
    for number, member in members.items():
        pairs.append(b"%d %d" % (number, len(body)))
        body += member + b"\n"
    header = b" ".join(pairs) + b"\n"
    names = b" ".join(b"/" + name.encode() for name in filters)
    entries = b"/Type /ObjStm /N %d /First %d /Filter [%s]" % (len(members), len(header), names)
    return stream_object(entries, encoded(header + body, filters))


def xref_rows(size: int, offsets: dict[int, int], packed: dict[int, tuple[int, int]]) -> bytes:
    """Cross-reference stream rows (/W [1 4 2]): 1 = at an offset, 2 = in an object stream."""
    rows = []
    for number in range(size):
        if number in offsets:
            rows.append(struct.pack(">BIH", 1, offsets[number], 0))
        elif number in packed:
            rows.append(struct.pack(">BIH", 2, *packed[number]))
        else:
            rows.append(struct.pack(">BIH", 0, 0, 65535))
    return b"".join(rows)


def modern_pdf(objects: dict[int, bytes], packed: dict[int, tuple[int, int]], hybrid=False, root=1, unlisted=()) -> bytes:
    """A PDF whose cross-reference data is a stream (`packed`: number -> (object stream, index)).

    `hybrid`: a classic table for `objects` whose trailer points to the stream for the packed
    ones (/XRefStm), as files written for both old and new readers are. `unlisted`: objects
    written but left out of the cross-reference data."""
    pdf = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number, body in objects.items():
        offsets[number] = len(pdf)
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_number = max([*objects, *packed]) + 1
    size = xref_number + 1
    stream_offset = len(pdf)
    listed = {number: offset for number, offset in offsets.items() if number not in unlisted}
    rows = xref_rows(size, {} if hybrid else {**listed, xref_number: stream_offset}, packed)
    entries = b"/Type /XRef /Size %d /W [1 4 2] /Root %d 0 R" % (size, root)
    pdf += b"%d 0 obj\n%s\nendobj\n" % (xref_number, stream_object(entries, rows))
    if not hybrid:
        pdf += b"startxref\n%d\n%%%%EOF\n" % stream_offset
        return bytes(pdf)
    table = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        pdf += b"%010d 00000 n \n" % listed[number] if number in listed else b"0000000000 65535 f \n"
    pdf += b"trailer\n<< /Size %d /Root %d 0 R /XRefStm %d >>\nstartxref\n%d\n%%%%EOF\n" % (
        size, root, stream_offset, table)
    return bytes(pdf)


PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"
OPEN_SCRIPT = b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>"


def catalog_in_object_stream(catalog: bytes, filters: list[str], hybrid=False, extra: dict | None = None) -> bytes:
    """Pages at the top level; the catalog (object 1) packed in object stream 4 with `filters`."""
    members = {1: catalog, **(extra or {})}
    packed = {number: (4, index) for index, number in enumerate(members)}
    return modern_pdf({2: PAGES, 3: PAGE, 4: packed_objects(members, filters)}, packed, hybrid=hybrid)


# --- images -----------------------------------------------------------------------------


def test_jpeg_metadata_is_stripped_and_orientation_applied(upload_root):
    original = jpeg_with_metadata()
    with Image.open(io.BytesIO(original)) as check:  # the sample really carries it all
        assert check.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert {"icc_profile", "xmp", "comment"} <= set(check.info)

    stored = store_image(upload(original, "IMG_0001.JPG"), "logos")

    assert stored.content_type == "image/jpeg"
    assert STORED_NAME.fullmatch(stored.stored_name) and stored.stored_name.endswith(".jpg")
    assert stored.original_name == "IMG_0001.JPG"
    path = stored_path("logos", stored.stored_name)
    data = path.read_bytes()
    assert stored.size == len(data)
    for secret in (b"Exif", b"SecretCam", b"SecretXmp", b"SecretComment", b"ICC_PROFILE"):
        assert secret not in data
    with Image.open(path) as image:
        assert image.format == "JPEG" and image.mode == "RGB"
        assert not image.getexif()
        assert not {"exif", "icc_profile", "xmp", "comment"} & set(image.info)
        # Orientation 6 means "turn 90° clockwise to view": the red left half is now on top.
        assert image.size == (20, 40)
        top, bottom = image.getpixel((10, 5)), image.getpixel((10, 35))
        assert top[0] > 200 and top[2] < 60
        assert bottom[2] > 200 and bottom[0] < 60


def test_png_keeps_alpha_and_drops_text_chunks(upload_root):
    image = Image.new("RGBA", (8, 8), (0, 0, 255, 128))
    image.putpixel((0, 0), (255, 0, 0, 0))
    info = PngInfo()
    info.add_text("Comment", "SecretText")
    stored = store_image(upload(encode(image, "PNG", pnginfo=info), "logo.png", "image/png"), "logos")

    assert stored.content_type == "image/png" and stored.stored_name.endswith(".png")
    path = stored_path("logos", stored.stored_name)
    assert b"SecretText" not in path.read_bytes()
    with Image.open(path) as result:
        assert result.format == "PNG" and result.mode == "RGBA"
        assert result.getpixel((0, 0))[3] == 0
        assert result.getpixel((4, 4)) == (0, 0, 255, 128)


def test_png_without_transparency_is_stored_as_rgb(upload_root):
    stored = store_image(upload(encode(two_colour_image(), "PNG"), "x.png"), "logos")
    with Image.open(stored_path("logos", stored.stored_name)) as result:
        assert result.mode == "RGB"


def test_webp_is_stored_as_webp(upload_root):
    stored = store_image(upload(encode(two_colour_image("RGBA"), "WEBP"), "x.webp", "image/webp"), "logos")
    assert stored.content_type == "image/webp" and stored.stored_name.endswith(".webp")
    with Image.open(stored_path("logos", stored.stored_name)) as result:
        assert result.format == "WEBP" and result.size == (40, 20)


def test_multi_picture_phone_jpeg_is_stored_as_plain_jpeg(upload_root):
    mpo = encode(two_colour_image(), "MPO", save_all=True, append_images=[two_colour_image()])
    with Image.open(io.BytesIO(mpo)) as check:
        assert check.format == "MPO"
    stored = store_image(upload(mpo), "logos")
    assert stored.content_type == "image/jpeg"
    with Image.open(stored_path("logos", stored.stored_name)) as result:
        assert result.format == "JPEG" and getattr(result, "n_frames", 1) == 1


@pytest.mark.parametrize(
    "fmt, mode",
    [("PNG", "L"), ("PNG", "LA"), ("PNG", "P"), ("PNG", "1"), ("PNG", "I;16"), ("JPEG", "L"), ("JPEG", "CMYK")],
)
def test_unusual_pixel_modes_are_accepted(upload_root, fmt, mode):
    stored = store_image(upload(encode(two_colour_image(mode), fmt)), "logos")
    with Image.open(stored_path("logos", stored.stored_name)) as result:
        assert result.mode in {"RGB", "RGBA"} and result.size == (40, 20)


def test_server_chooses_name_and_type_from_content(upload_root):
    png = encode(two_colour_image(), "PNG")
    first = store_image(upload(png, "shell.php", "text/html"), "logos")
    second = store_image(upload(png, "shell.php", "text/html"), "logos")
    assert first.stored_name != second.stored_name
    for stored in (first, second):
        assert STORED_NAME.fullmatch(stored.stored_name)
        assert stored.stored_name.endswith(".png") and stored.content_type == "image/png"
    assert files_in(upload_root) == sorted(f"logos/{s.stored_name}" for s in (first, second))


@pytest.mark.parametrize(
    "data, filename",
    [
        (b"this is plain text, not a picture", "photo.jpg"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "logo.png"),
        (encode(two_colour_image(), "GIF"), "logo.gif"),
        (encode(two_colour_image(), "BMP"), "logo.jpg"),
        (encode(two_colour_image(), "TIFF"), "logo.jpg"),
        (make_pdf(), "logo.jpg"),
    ],
    ids=["text", "svg", "gif", "bmp", "tiff", "pdf"],
)
def test_anything_but_jpeg_png_webp_is_refused(upload_root, data, filename):
    assert refusal(store_image, data, filename) == NOT_AN_IMAGE
    assert files_in(upload_root) == []


def test_truncated_jpeg_is_refused(upload_root):
    noisy = Image.effect_noise((200, 200), 64).convert("RGB")
    data = encode(noisy, "JPEG", quality=95)
    assert refusal(store_image, data[: len(data) // 2]) == NOT_AN_IMAGE
    assert files_in(upload_root) == []


def test_png_with_bad_checksum_is_refused(upload_root):
    data = bytearray(encode(two_colour_image(), "PNG"))
    data[-13] ^= 0xFF  # the last IDAT chunk's CRC: the pixels still decode, verify() objects
    assert refusal(store_image, bytes(data), "x.png") == NOT_AN_IMAGE


def test_decompression_bomb_is_refused(upload_root):
    bomb = blank_png(20000, 20000)  # 400 megapixels in a few dozen kilobytes
    assert len(bomb) < 100_000
    assert refusal(store_image, bomb, "bomb.png") == TOO_MANY_PIXELS
    assert files_in(upload_root) == []


def test_image_over_our_pixel_limit_is_refused_before_decoding(upload_root):
    # 48 megapixels: under Pillow's own bomb limit, over ours.
    assert refusal(store_image, blank_png(8000, 6000), "big.png") == TOO_MANY_PIXELS


def test_oversized_file_is_refused_and_nothing_is_written(upload_root):
    data = encode(Image.effect_noise((100, 100), 64).convert("RGB"), "PNG")
    assert len(data) > 1000
    assert refusal(store_image, data, "x.png", max_bytes=1000).startswith("The file is larger than")
    assert refusal(store_image, b"\xff" * (5 * 1024 * 1024 + 1)) == "The file is larger than 5 MB."
    assert refusal(store_document, b"%" * (10 * 1024 * 1024 + 1), "x.pdf") == "The file is larger than 10 MB."
    assert files_in(upload_root) == []


def test_reading_stops_just_past_the_limit():
    class EndlessStream:
        filename = "endless.jpg"
        given = 0

        def read(self, size=-1):
            assert size > 0, "must never read without a limit"
            size = min(size, 10)  # like a socket: short reads
            self.given += size
            return b"\xff" * size

    stream = EndlessStream()
    with pytest.raises(UploadError):
        store_image(stream, "tests", max_bytes=1000)
    assert stream.given == 1001


def test_empty_file_is_refused(upload_root):
    assert refusal(store_image, b"") == "The file is empty."
    assert refusal(store_document, b"", "x.pdf") == "The file is empty."


def test_error_message_is_translated_when_shown(upload_root):
    with pytest.raises(UploadError) as caught:
        store_image(upload(b""), "tests")
    message = caught.value.message
    assert str(message) == "The file is empty."
    assert not isinstance(message, str)  # lazy: rendered in the visitor's language when shown


def test_plain_file_object_is_accepted(upload_root):
    stored = store_image(io.BytesIO(encode(two_colour_image(), "JPEG")), "logos")
    assert stored.original_name == "" and stored.content_type == "image/jpeg"


@pytest.mark.parametrize(
    "filename, shown",
    [
        ("../../etc/passwd.png", "passwd.png"),
        ("C:\\Users\\Lan\\Ảnh  đẹp.png", "Ảnh đẹp.png"),
        ("invoice\u202egnp.exe", "invoicegnp.exe"),
        ("tab\there\x00.png", "tabhere.png"),
        ("a" * 300 + ".png", "a" * 200),
        (None, ""),
    ],
)
def test_original_name_is_sanitised_for_display(upload_root, filename, shown):
    stored = store_image(upload(encode(two_colour_image(), "PNG"), filename), "logos")
    assert stored.original_name == shown
    assert STORED_NAME.fullmatch(stored.stored_name)


def test_stored_file_is_immutable(upload_root):
    stored = store_image(upload(encode(two_colour_image(), "PNG")), "logos")
    assert isinstance(stored, StoredFile)
    with pytest.raises(AttributeError):
        stored.stored_name = "other.png"


# --- pixel budgets: what a picture costs to decode -------------------------------------


def jpeg_header_claiming(data: bytes, width: int, height: int) -> bytes:
    """A real JPEG whose frame header (SOF0 or SOF2) claims another size: decoding would
    need that much memory, the file stays small."""
    at = max(data.find(b"\xff\xc0"), data.find(b"\xff\xc2"))
    return data[:at + 5] + struct.pack(">HH", height, width) + data[at + 9:]


def phone_photo(size=(4000, 3000), **options) -> bytes:
    """A JPEG as a phone takes it (solid colours keep the file small)."""
    return encode(two_colour_image(size=size), "JPEG", quality=90, **options)


@pytest.fixture
def decoded_sizes(monkeypatch):
    """The size of every picture Pillow decodes (after any reduction, before any resizing)."""
    sizes = []
    real_load = ImageFile.ImageFile.load

    def load(image):
        if image.tile:
            sizes.append(image.size)
        return real_load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return sizes


def test_every_kind_of_upload_has_its_budget():
    from market.catalog.services import CERTIFICATE_AREA, PHOTO_AREA
    from market.orders.services import RECEIPT_AREA
    from market.sellers.services import DOCUMENT_AREA, LOGO_AREA

    kinds = {RECEIPT_AREA: uploads.RECEIPT, PHOTO_AREA: uploads.PRODUCT_PHOTO, LOGO_AREA: uploads.LOGO,
             DOCUMENT_AREA: uploads.DOCUMENT_SCAN, CERTIFICATE_AREA: uploads.OCOP_CERTIFICATE}
    for area, budget in kinds.items():
        assert uploads.budget_for(area) is budget
    assert uploads.PRODUCT_PHOTO.max_side == max(uploads.IMAGE_VARIANTS.values())


STORE_FOR_AREA = {
    "receipts": store_image,
    "products": uploads.store_image_variants,
    "logos": store_image,
    "seller-documents": store_document,
    "ocop-certificates": store_document,
}


@pytest.mark.parametrize("area", STORE_FOR_AREA)
def test_the_reported_png_bomb_is_refused_for_every_kind_without_decoding(upload_root, area, decoded_sizes):
    # Reported: 115 kB, 6,300 × 6,300 pixels; it took a worker from 118 to 570 MB.
    bomb = blank_png(6300, 6300)
    assert len(bomb) < 120_000
    assert refusal(STORE_FOR_AREA[area], bomb, "bien-lai.png").startswith("The image is too large (at most ")
    assert decoded_sizes == []
    assert files_in(upload_root) == []


def test_a_large_png_fits_one_kind_and_not_another(upload_root):
    png = blank_png(4000, 3000)  # 12 MP: a product photo may be that large, a logo not
    photo = uploads.store_image_variants(upload(png, "x.png"), "products")
    assert (photo.width, photo.height) == (1200, 900)
    assert refusal(store_image, png, "logo.png", area="logos") == "The image is too large (at most 9 megapixels)."


def test_a_phone_photo_is_decoded_at_a_reduced_scale(upload_root, decoded_sizes):
    photo = uploads.store_image_variants(upload(phone_photo(), "IMG_2041.jpg"), "products")
    assert decoded_sizes == [(2000, 1500)]  # 1/2 scale still covers 1200 px: 12 MB, not 48
    assert (photo.width, photo.height) == (1200, 900)


def test_a_fifty_megapixel_phone_photo_is_accepted_as_a_receipt(upload_root, decoded_sizes):
    photo = encode(Image.new("L", (8160, 6144), 200), "JPEG", quality=80)
    stored = store_image(upload(photo, "IMG_50MP.jpg"), "receipts")
    assert decoded_sizes == [(2040, 1536)]  # 1/4 scale: within the receipt's 12 MP
    with Image.open(stored_path("receipts", stored.stored_name)) as kept:
        assert kept.size == (2040, 1536) and kept.format == "JPEG"


def test_a_picture_is_kept_no_larger_than_its_kind_needs(upload_root):
    logo = store_image(upload(encode(two_colour_image(size=(3000, 1500)), "PNG"), "logo.png"), "logos")
    with Image.open(stored_path("logos", logo.stored_name)) as kept:
        assert kept.size == (1024, 512)
        assert kept.getpixel((100, 256))[0] > 200 and kept.getpixel((900, 256))[2] > 200


def test_a_palette_picture_is_averaged_when_scaled_down(upload_root):
    stripes = Image.new("P", (3000, 3000), 0)
    stripes.putpalette([0, 0, 0, 255, 255, 255])
    for x in range(1, 3000, 2):
        stripes.paste(1, (x, 0, x + 1, 3000))  # one-pixel black and white stripes
    stored = store_image(upload(encode(stripes, "PNG"), "logo.png"), "logos")
    with Image.open(stored_path("logos", stored.stored_name)) as kept:
        assert 90 < kept.getpixel((500, 500))[0] < 165  # grey, not black or white


@pytest.mark.parametrize(
    "size, progressive, limit",
    # Past Pillow's own bomb limit (179 MP) the refusal names the kind's budget.
    [((65000, 65000), False, 12), ((9000, 8000), False, 64), ((5000, 4000), True, 16)],
    ids=["absurd", "over-64-mp", "progressive-over-16-mp"],
)
def test_jpeg_headers_too_large_to_decode_are_refused(upload_root, decoded_sizes, size, progressive, limit):
    small = encode(two_colour_image(size=(64, 48)), "JPEG", progressive=progressive)
    assert refusal(store_image, jpeg_header_claiming(small, *size), area="receipts") == (
        f"The image is too large (at most {limit} megapixels)."
    )
    assert decoded_sizes == []


# --- documents --------------------------------------------------------------------------


def test_valid_pdf_is_stored_byte_for_byte(upload_root):
    pdf = make_pdf(objects=[b"<< /Type /Font /Subtype /Type1 /BaseFont /JSFont >>"])
    stored = store_document(upload(pdf, "Giấy phép kinh doanh.pdf", "application/pdf"), "seller_docs")
    assert stored.content_type == "application/pdf"
    assert STORED_NAME.fullmatch(stored.stored_name) and stored.stored_name.endswith(".pdf")
    assert stored.size == len(pdf)
    assert stored.original_name == "Giấy phép kinh doanh.pdf"
    assert stored_path("seller_docs", stored.stored_name).read_bytes() == pdf


def test_pdf_with_junk_before_the_header_and_exact_size_is_accepted(upload_root):
    pdf = b"\r\n" * 10 + make_pdf()
    stored = store_document(upload(pdf, "x.pdf"), "seller_docs", max_bytes=len(pdf))
    assert stored.size == len(pdf)


def test_pdf_with_harmless_object_stream_is_accepted(upload_root):
    pdf = make_pdf(objects=[object_stream(b"5 0 << /Type /Font /BaseFont /Helvetica >>")])
    assert store_document(upload(pdf, "x.pdf"), "seller_docs").content_type == "application/pdf"


@pytest.mark.parametrize(
    "catalog_extra, objects",
    [
        (b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>", []),
        (b"/OpenAction 4 0 R", [b"<< /JS 5 0 R >>"]),
        (b"/OpenAction << /S /Launch /F (cmd.exe) >>", []),
        (b"/Names << /EmbeddedFiles 4 0 R >>", []),
        (b"", [b"<< /Type /EmbeddedFile /Length 0 >>\nstream\n\nendstream"]),
        (b"/OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >>", []),
        (b"/OpenAction 5 0 R", [object_stream(b"5 0 << /S /JavaScript /JS (app.alert(1)) >>")]),
    ],
    ids=["javascript", "js", "launch", "embedded-files", "embedded-file", "escaped-name", "in-object-stream"],
)
def test_pdf_with_active_content_is_refused(upload_root, catalog_extra, objects):
    pdf = make_pdf(catalog_extra, objects)
    assert refusal(store_document, pdf, "x.pdf") == ACTIVE_PDF
    assert files_in(upload_root) == []


def test_stream_data_that_happens_to_hold_js_bytes_is_accepted(upload_root):
    # Compressed image data is random-looking; "/JS" and a delimiter turn up in it by chance.
    image_data = b"\x8f\x12/JS \x00\xfe" * 100
    image = b"<< /Type /XObject /Subtype /Image /Filter /DCTDecode /Length %d >>\nstream\n" % len(image_data)
    pdf = make_pdf(objects=[image + image_data + b"\nendstream"])
    assert store_document(upload(pdf, "scan.pdf"), "seller_docs").content_type == "application/pdf"


def test_damaged_object_stream_is_read_as_far_as_a_reader_would(upload_root):
    compressor = zlib.compressobj()
    script = b"999 0 << /S /JavaScript /JS (app.alert(1)) >>"
    readable = compressor.compress(script) + compressor.flush(zlib.Z_SYNC_FLUSH)
    # The next block has an invalid type: lenient readers still run what came before it.
    damaged = readable + b"\x07" + b"\x00" * 100
    assert b"JavaScript" not in damaged and b"/JS" not in damaged
    with pytest.raises(zlib.error):
        zlib.decompress(damaged)
    pdf = make_pdf(b"/OpenAction 999 0 R", [object_stream(script, compressed=damaged)])
    assert refusal(store_document, pdf, "x.pdf") == ACTIVE_PDF


def test_encrypted_pdf_is_refused(upload_root):
    pdf = make_pdf(trailer_extra=b"/Encrypt << /Filter /Standard /V 2 >> ")
    assert refusal(store_document, pdf, "x.pdf") == (
        "The PDF is password-protected or encrypted. Please upload a copy without protection."
    )


def test_pdf_whose_object_streams_unpack_to_too_much_is_refused(upload_root):
    bomb = zlib.compress(b"\x00" * (65 * 1024 * 1024), 9)
    pdf = make_pdf(objects=[object_stream(b"", compressed=bomb)])
    assert refusal(store_document, pdf, "x.pdf") == (
        "The PDF could not be checked. Please save it again as a standard PDF and upload that copy."
    )


def test_pdf_with_too_many_object_streams_is_refused(upload_root):
    empty_object_stream = b"<< /Type /ObjStm >> stream\n" + zlib.compress(b"") + b"\nendstream\n"
    pdf = b"%PDF-1.7\n" + empty_object_stream * 10_001 + b"%%EOF\n"
    assert refusal(store_document, pdf, "x.pdf").startswith("The PDF could not be checked.")


@pytest.mark.parametrize(
    "data",
    [
        b"Just some text with a .pdf name",
        make_pdf()[:-50],  # cut short: no %%EOF at the end
        b" " * 1100 + make_pdf(),  # header not where readers look for it
        b"%PDF-3.0\n" + make_pdf()[9:],
        encode(two_colour_image(), "WEBP"),
        encode(two_colour_image(), "GIF"),
    ],
    ids=["text", "truncated", "late-header", "bad-version", "webp", "gif"],
)
def test_non_documents_are_refused(upload_root, data):
    assert refusal(store_document, data, "x.pdf") == NOT_A_DOCUMENT
    assert files_in(upload_root) == []


def test_document_images_are_re_encoded_like_store_image(upload_root):
    stored = store_document(upload(jpeg_with_metadata(), "scan.jpg"), "seller_docs")
    assert stored.content_type == "image/jpeg" and stored.stored_name.endswith(".jpg")
    assert b"SecretCam" not in stored_path("seller_docs", stored.stored_name).read_bytes()
    png = store_document(upload(encode(two_colour_image(), "PNG"), "scan.png"), "seller_docs")
    assert png.content_type == "image/png"


def test_document_bomb_is_refused(upload_root):
    assert refusal(store_document, blank_png(20000, 20000), "scan.png") == TOO_MANY_PIXELS


# --- PDFs read as a viewer reads them (pypdf) ---------------------------------------------


def test_bypass_script_in_an_ascii_hex_object_stream_is_refused(upload_root):
    # Reported: the catalog, with a script run on opening, packed in an object stream
    # written in hexadecimal; an old-style table with /XRefStm leads readers to it.
    pdf = catalog_in_object_stream(OPEN_SCRIPT, ["ASCIIHexDecode"], hybrid=True)
    assert b"JavaScript" not in pdf and b"/JS" not in pdf
    assert PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/OpenAction"]["/S"] == "/JavaScript"  # a viewer runs it
    assert refusal(store_document, pdf, "giay-phep.pdf") == ACTIVE_PDF
    assert files_in(upload_root) == []


def test_bypass_script_behind_a_cross_reference_stream_in_an_ascii85_flate_object_stream_is_refused(upload_root):
    pdf = catalog_in_object_stream(OPEN_SCRIPT, ["ASCII85Decode", "FlateDecode"])
    assert b"JavaScript" not in pdf and b"/JS" not in pdf
    assert PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/OpenAction"]["/JS"] == "app.alert(1)"
    assert refusal(store_document, pdf, "giay-phep.pdf") == ACTIVE_PDF
    assert files_in(upload_root) == []


@pytest.mark.parametrize("filters", [["FlateDecode"], ["ASCIIHexDecode"], ["ASCII85Decode", "FlateDecode"]])
@pytest.mark.parametrize("hybrid", [False, True], ids=["xref-stream", "hybrid"])
def test_clean_pdf_with_object_streams_is_accepted_byte_for_byte(upload_root, filters, hybrid):
    # "Open at page 1, whole page": a destination, which many writers put in /OpenAction.
    catalog = b"<< /Type /Catalog /Pages 2 0 R /OpenAction [3 0 R /Fit] /PageMode /UseOutlines >>"
    link = b"<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A << /S /URI /URI (https://hoilhpn.org.vn) >> >>"
    pdf = catalog_in_object_stream(catalog, filters, hybrid, extra={5: link})
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    stored = store_document(upload(pdf, "x.pdf"), "seller_docs")
    assert stored_path("seller_docs", stored.stored_name).read_bytes() == pdf


def test_pdfs_written_by_common_tools_are_accepted(upload_root):
    scan = encode(Image.effect_noise((300, 400), 40).convert("RGB"), "PDF", resolution=150)  # a scanner's PDF
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_blank_page(595, 842)
    writer.add_metadata({"/Title": "Giấy chứng nhận OCOP"})
    written = io.BytesIO()
    writer.write(written)
    for pdf in (scan, written.getvalue()):
        assert store_document(upload(pdf, "x.pdf"), "seller_docs").size == len(pdf)


# Packed in an object stream encoded [/ASCII85Decode /FlateDecode], so the byte screen cannot
# see them; object 5 is packed beside the catalog. Each is explained in uploads.pdf_inspection._PDF_FORBIDDEN_NAMES.
URI_ACTION = b"<< /S /URI /URI (https://tracker.example/p.gif) >>"
HIDDEN_ACTIVE_CONTENT = {
    "link-opened-by-itself": (b"/OpenAction " + URI_ACTION, None),
    "link-opened-by-reference": (b"/OpenAction 5 0 R", URI_ACTION),
    "link-on-a-trigger": (b"/AA << /WC 5 0 R >>", URI_ACTION),
    "link-after-a-page-move": (b"/OpenAction << /S /GoTo /D [3 0 R /Fit] /Next [5 0 R] >>", URI_ACTION),
    "other-file-on-a-server": (b"/OpenAction << /S /GoToR /F (\\\\\\\\attacker\\\\share\\\\x.pdf) /D [0 /Fit] >>", None),
    "embedded-file-opened": (b"/OpenAction << /S /GoToE /T << /R /C /N (a) >> >>", None),
    "launch-escaped": (b"/OpenAction << /S /L#61unch /F (calc.exe) >>", None),
    "submit-form": (b"/AcroForm << /Fields [5 0 R] >>", b"<< /FT /Btn /A << /S /SubmitForm /F (https://x.example) >> >>"),
    "import-data": (b"/OpenAction << /S /ImportData /F (\\\\\\\\attacker\\\\x.fdf) >>", None),
    "xml-form": (b"/AcroForm << /Fields [] /XFA 5 0 R >>", b"<< /Length 0 >>"),
    "attachments": (b"/Names << /EmbeddedFiles 5 0 R >>", b"<< /Names [(a.exe) 6 0 R] >>"),
    "file-attachment-note": (b"", b"<< /Type /Annot /Subtype /FileAttachment /FS (a.exe) >>"),
    "rich-media": (b"", b"<< /Type /Annot /Subtype /RichMedia /Rect [0 0 1 1] >>"),
    "media-player": (b"", b"<< /Type /Annot /Subtype /Screen /A << /S /Rendition /OP 0 >> >>"),
}


@pytest.mark.parametrize("catalog_extra, member", HIDDEN_ACTIVE_CONTENT.values(), ids=HIDDEN_ACTIVE_CONTENT.keys())
def test_active_content_the_byte_screen_cannot_see_is_refused(upload_root, catalog_extra, member):
    catalog = b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>"
    pdf = catalog_in_object_stream(catalog, ["ASCII85Decode", "FlateDecode"], extra={5: member} if member else {})
    assert refusal(store_document, pdf, "x.pdf") == ACTIVE_PDF
    assert files_in(upload_root) == []


def test_an_object_stream_left_out_of_the_cross_reference_data_is_read_too(upload_root):
    # pypdf follows the cross-reference stream and never reads object 5; a viewer that
    # repairs the file finds it by its "5 0 obj".
    hidden = packed_objects({9: b"<< /S /GoToR /F (\\\\attacker\\x.pdf) >>"}, ["ASCII85Decode", "FlateDecode"])
    catalog = b"<< /Type /Catalog /Pages 2 0 R /OpenAction 9 0 R >>"
    pdf = modern_pdf({1: catalog, 2: PAGES, 3: PAGE, 5: hidden}, {}, unlisted={5})
    assert PdfReader(io.BytesIO(pdf)).get_object(9) is None
    assert refusal(store_document, pdf, "x.pdf") == ACTIVE_PDF


def test_pdf_without_cross_reference_data_is_read_by_its_object_headers(upload_root):
    # pypdf cannot open these; viewers rebuild the table by finding every "N G obj".
    bare = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    assert store_document(upload(bare, "x.pdf"), "seller_docs").size == len(bare)
    pdf = catalog_in_object_stream(b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>",
                                   ["ASCII85Decode", "FlateDecode"], extra={5: URI_ACTION})
    without_table = pdf[:pdf.rindex(b"startxref")] + b"%%EOF\n"
    with pytest.raises(pypdf.errors.PdfReadError):
        PdfReader(io.BytesIO(without_table))
    assert refusal(store_document, without_table, "x.pdf") == ACTIVE_PDF


def test_a_listed_object_that_cannot_be_read_is_refused(upload_root):
    nested = b"[" * 5000 + b"]" * 5000  # deeper than pypdf's parser (or Python's stack) goes
    pdf = make_pdf(objects=[b"<< /Deep " + nested + b" >>"])
    assert refusal(store_document, pdf, "x.pdf") == UNCHECKABLE_PDF


def content_streams(*sizes: int) -> list[bytes]:
    """Flate streams of zeros: a few kB that a reader inflates to `sizes` bytes."""
    return [b"<< /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream" % (len(data), data)
            for data in (zlib.compress(b"\x00" * size, 9) for size in sizes)]


def test_pdf_with_a_stream_that_inflates_too_far_is_refused(upload_root):
    bomb = content_streams(17 * 1024 * 1024)
    assert len(bomb[0]) < 30_000
    assert refusal(store_document, make_pdf(objects=bomb), "x.pdf") == UNCHECKABLE_PDF


def test_pdf_whose_streams_inflate_too_far_together_is_refused(upload_root, monkeypatch):
    monkeypatch.setattr(uploads.pdf_inspection, "_PDF_MAX_DECODED", 100_000)
    assert store_document(upload(make_pdf(objects=content_streams(40_000, 40_000)), "x.pdf"), "seller_docs")
    assert refusal(store_document, make_pdf(objects=content_streams(40_000, 40_000, 40_000)), "x.pdf") == UNCHECKABLE_PDF


def test_pdf_with_too_many_objects_is_refused(upload_root, monkeypatch):
    monkeypatch.setattr(uploads.pdf_inspection, "_PDF_MAX_OBJECTS", 20)
    assert store_document(upload(make_pdf(objects=[b"null"] * 10), "x.pdf"), "seller_docs")
    assert refusal(store_document, make_pdf(objects=[b"null"] * 20), "x.pdf") == UNCHECKABLE_PDF


def test_pdf_with_too_many_pages_is_refused(upload_root):
    pages = {10 + n: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 9 9] >>" for n in range(501)}
    pdf = catalog_in_object_stream(b"<< /Type /Catalog /Pages 2 0 R >>", ["FlateDecode"], extra=pages)
    assert refusal(store_document, pdf, "x.pdf") == (
        "The PDF has more than 500 pages. Please send only the pages needed."
    )


def test_pdf_checking_stops_at_its_time_limit(upload_root, monkeypatch):
    monkeypatch.setattr(uploads.pdf_inspection, "_PDF_MAX_SECONDS", -1.0)
    assert refusal(store_document, make_pdf(), "x.pdf") == UNCHECKABLE_PDF


def test_pdf_encrypted_behind_a_cross_reference_stream_is_refused(upload_root):
    pdf = catalog_in_object_stream(b"<< /Type /Catalog /Pages 2 0 R >>", ["FlateDecode"])
    pdf = pdf.replace(b"/Type /XRef", b"/Encrypt << /Filter /Standard /V 2 >> /Type /XRef")
    assert refusal(store_document, pdf, "x.pdf").startswith("The PDF is password-protected")


def test_the_pdf_parser_is_the_pinned_pypdf():
    # uploads/pdf_inspection.py names the version it was written against; an upgrade is checked by these tests.
    pinned = re.search(r"^pypdf==(\S+)$", (Path(__file__).parents[1] / "requirements.txt").read_text(), re.M)
    assert pinned and pypdf.__version__ == pinned.group(1)


# --- paths ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd",
        "..",
        ".",
        "",
        "a/b.jpg",
        "AAAAAAAAAAAAAAAAAAAAAA/../x.pdf",
        "AAAAAAAAAAAAAAAAAAAAAA\\x.pdf",
        "..\\..\\boot.ini",
        "%2e%2e%2fpasswd.pdf",
        ".upload-abc.part",
        "AAAAAAAAAAAAAAAAAAAAAA.exe",
        "AAAAAAAAAAAAAAAAAAAAAA.pdf\x00.jpg",
        "AAAAAAAAAAAAAAAAAAAAAA.pdf/",
        "/etc/passwd.pdf",
        None,
    ],
)
def test_stored_path_refuses_anything_but_a_plain_name(upload_root, name):
    with pytest.raises(NotFound):
        stored_path("seller_docs", name)


def test_stored_path_of_a_missing_file_is_not_found(upload_root):
    with pytest.raises(NotFound):
        stored_path("seller_docs", "AAAAAAAAAAAAAAAAAAAAAA.pdf")


@pytest.mark.parametrize("area", ["", "..", "../logos", "Logos", "logos/x", "a" * 33])
def test_areas_are_plain_identifiers(upload_root, area):
    with pytest.raises(ValueError):
        store_document(upload(make_pdf(), "x.pdf"), area)
    with pytest.raises(ValueError):
        stored_path(area, "AAAAAAAAAAAAAAAAAAAAAA.pdf")
    assert files_in(upload_root) == []


def test_default_root_is_the_instance_uploads_folder(app):
    app.config.pop("UPLOAD_FOLDER")
    stored = store_document(upload(make_pdf(), "x.pdf"), "tests")
    try:
        path = stored_path("tests", stored.stored_name)
        assert path.parent == Path(app.instance_path, "uploads", "tests")
    finally:
        delete_stored("tests", stored.stored_name)


def test_delete_removes_the_file_and_ignores_a_missing_one(upload_root):
    stored = store_document(upload(make_pdf(), "x.pdf"), "seller_docs")
    delete_stored("seller_docs", stored.stored_name)
    assert files_in(upload_root) == []
    delete_stored("seller_docs", stored.stored_name)
    with pytest.raises(NotFound):
        delete_stored("seller_docs", "../../config.py")


# --- atomic writes ----------------------------------------------------------------------


def test_no_temporary_file_is_left_after_success(upload_root):
    stored = store_image(upload(encode(two_colour_image(), "PNG")), "logos")
    assert files_in(upload_root) == [f"logos/{stored.stored_name}"]


def test_a_failed_write_leaves_nothing_behind(upload_root, monkeypatch):
    def failing_replace(source, target):
        raise OSError("disk full")

    monkeypatch.setattr(uploads.storage.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        store_document(upload(make_pdf(), "x.pdf"), "seller_docs")
    assert files_in(upload_root) == []


def test_refused_uploads_leave_nothing_behind(upload_root):
    (upload_root / "logos").mkdir(parents=True)
    for data in (b"junk", blank_png(20000, 20000), b""):
        with pytest.raises(UploadError):
            store_image(upload(data), "logos")
    assert files_in(upload_root) == []


# --- sending ----------------------------------------------------------------------------


def test_pdf_is_sent_as_a_private_attachment(app, upload_root):
    pdf = make_pdf()
    stored = store_document(upload(pdf, "x.pdf"), "seller_docs")
    with app.test_request_context():
        response = send_stored("seller_docs", stored.stored_name, stored.content_type, "Giấy phép.pdf")
        try:
            assert response.status_code == 200
            assert response.mimetype == "application/pdf"
            disposition = response.headers["Content-Disposition"]
            assert disposition.startswith("attachment;")
            assert "filename*=UTF-8''Gi%E1%BA%A5y%20ph%C3%A9p.pdf" in disposition
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["Cache-Control"] == "private, max-age=0"
            assert "sandbox" in response.headers["Content-Security-Policy"]
            response.direct_passthrough = False
            assert response.get_data() == pdf
        finally:
            response.close()


def test_image_is_sent_inline_and_cached_privately(app, upload_root):
    stored = store_image(upload(encode(two_colour_image(), "PNG")), "logos")
    with app.test_request_context():
        response = send_stored("logos", stored.stored_name, stored.content_type, max_age=3600)
        try:
            assert response.mimetype == "image/png"
            assert response.headers["Content-Disposition"].startswith("inline;")
            assert response.headers["Cache-Control"] == "private, max-age=3600"
            assert response.headers["X-Content-Type-Options"] == "nosniff"
        finally:
            response.close()


def test_public_file_with_type_from_its_name(app, upload_root):
    stored = store_image(upload(encode(two_colour_image(), "WEBP")), "logos")
    with app.test_request_context():
        response = send_stored("logos", stored.stored_name, max_age=86400, public=True)
        try:
            assert response.mimetype == "image/webp"
            assert response.headers["Cache-Control"] == "public, max-age=86400"
            assert response.headers["X-Content-Type-Options"] == "nosniff"
        finally:
            response.close()


def test_unknown_content_type_is_sent_as_attachment(app, upload_root):
    stored = store_document(upload(make_pdf(), "x.pdf"), "seller_docs")
    with app.test_request_context():
        response = send_stored("seller_docs", stored.stored_name, "text/html")
        try:
            assert response.headers["Content-Disposition"].startswith("attachment;")
        finally:
            response.close()


def test_sending_a_missing_or_bad_name_is_not_found(app, upload_root):
    with app.test_request_context():
        with pytest.raises(NotFound):
            send_stored("seller_docs", "AAAAAAAAAAAAAAAAAAAAAA.pdf", "application/pdf")
        with pytest.raises(NotFound):
            send_stored("seller_docs", "../../config.py", "text/plain")
