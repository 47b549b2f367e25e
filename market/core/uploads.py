"""Safe storage of user uploads: images re-encoded without metadata, PDFs screened.

Files live in `<UPLOAD_FOLDER or instance/uploads>/<area>/<stored_name>`. The area is
chosen by code ("logos", "seller_docs"); the stored name is random and its extension
comes from the content we detected, never from what the client sent. Nothing the client
names is ever used as a path.

Images cost memory when decoded (4 bytes a pixel), not when sent: a 100 kB PNG can claim
40 megapixels. So every kind of upload has a pixel budget (`ImageBudget`, chosen by the
area), checked from the file's header before a pixel is decoded; JPEGs are decoded at a
reduced scale, and nothing is kept larger than the kind needs.

PDFs are screened twice: a cheap look at the raw bytes refuses the obvious, then pypdf
(pinned in requirements.txt; tests/test_uploads.py catches an upgrade that changes what is
read) parses every object, in object streams too, with every stream's filters decoded
under limits of size, count and time.
"""
import bisect
import io
import os
import re
import secrets
import tempfile
import time
import unicodedata
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import Response, current_app, send_file
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, PngImagePlugin
from pypdf import PdfReader, apply_configuration
from pypdf.errors import LimitReachedError
from pypdf.filters import decode_stream_data
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, StreamObject, read_object
from werkzeug.exceptions import NotFound

MAX_ORIGINAL_NAME = 200


@dataclass(frozen=True)
class ImageBudget:
    """How large a picture of one kind may be, and how large we keep it."""

    max_pixels: int  # pixels decoded: a PNG or WebP as sent, a JPEG after decoding at a reduced scale
    max_side: int  # longest side kept; larger pictures are scaled down

    @property
    def megapixels(self) -> str:
        return f"{self.max_pixels / 1_000_000:g}"


# A picture costs 4 bytes a pixel once decoded, so 16 megapixels is 64 MB for a moment.
# A transfer receipt is a screenshot (1080 × 2400, long ones 1290 × 9000) or a photo.
RECEIPT = ImageBudget(max_pixels=12_000_000, max_side=2560)
# Shown at 1200 px at most (IMAGE_VARIANTS); 16 MP takes a 4000 × 4000 PNG export.
PRODUCT_PHOTO = ImageBudget(max_pixels=16_000_000, max_side=1200)
# Shown small; a designer's 3000 × 3000 PNG still fits.
LOGO = ImageBudget(max_pixels=9_000_000, max_side=1024)
# A4 scanned at 400 dpi is 3307 × 4677 (15.5 MP); kept at 300 dpi (3508 px), still legible.
DOCUMENT_SCAN = ImageBudget(max_pixels=16_000_000, max_side=3508)
OCOP_CERTIFICATE = ImageBudget(max_pixels=16_000_000, max_side=3508)
# Areas are named by the domains (RECEIPT_AREA, PHOTO_AREA, LOGO_AREA, DOCUMENT_AREA,
# CERTIFICATE_AREA); tests/test_uploads.py checks that each still has its budget here.
BUDGET_FOR_AREA = {
    "receipts": RECEIPT,
    "products": PRODUCT_PHOTO,
    "logos": LOGO,
    "seller-documents": DOCUMENT_SCAN,
    "ocop-certificates": OCOP_CERTIFICATE,
}
DEFAULT_BUDGET = RECEIPT  # the smallest, for an area not listed

# A baseline JPEG decodes at 1/2, 1/4 or 1/8 scale for the price of the smaller picture,
# so phone photos of up to 64 MP (50 MP cameras) are fine. A progressive JPEG makes the
# decoder hold every coefficient of the full-size picture (about 3 bytes a pixel) first.
MAX_JPEG_PIXELS = 64_000_000
MAX_PROGRESSIVE_JPEG_PIXELS = 16_000_000

# Pillow keeps a PNG's text chunks in memory (64 MB by default); we drop them anyway.
PngImagePlugin.MAX_TEXT_MEMORY = 1024 * 1024

NOT_AN_IMAGE = _l("The file is not a JPEG, PNG or WebP image.")
NOT_A_DOCUMENT = _l("The file is not a JPEG, PNG or PDF document.")
EMPTY_FILE = _l("The file is empty.")
PDF_ACTIVE_CONTENT = _l("The PDF contains active content and cannot be accepted.")
PDF_ENCRYPTED = _l("The PDF is password-protected or encrypted. Please upload a copy without protection.")
PDF_UNCHECKABLE = _l("The PDF could not be checked. Please save it again as a standard PDF and upload that copy.")


def too_many_pixels(megapixels: str):
    """The refusal of a picture over its budget (shown in the visitor's language)."""
    return _l("The image is too large (at most %(pixels)s megapixels).", pixels=megapixels)


def budget_for(area: str) -> ImageBudget:
    """The pixel budget of the kind of upload stored in `area`."""
    return BUDGET_FOR_AREA.get(area, DEFAULT_BUDGET)


PDF_TYPE = "application/pdf"
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})

_AREA = re.compile(r"[a-z0-9_-]{1,32}")
_STORED_NAME = re.compile(r"[A-Za-z0-9_-]{16,64}\.(?:jpg|png|webp|pdf)")
_READ_CHUNK = 64 * 1024


class UploadError(Exception):
    """An upload we refuse; `str(error)` is a message for the person who sent it."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class StoredFile:
    """What to keep about a stored upload (the caller saves it on its own row)."""

    stored_name: str
    content_type: str
    size: int
    original_name: str  # sanitised, for display only: never a path


@dataclass(frozen=True)
class _ImageOutput:
    pillow_format: str
    content_type: str
    extension: str
    keeps_alpha: bool
    save_options: dict


_JPEG = _ImageOutput("JPEG", "image/jpeg", ".jpg", False, {"quality": 85, "optimize": True})
_PNG = _ImageOutput("PNG", "image/png", ".png", True, {})
_WEBP = _ImageOutput("WEBP", "image/webp", ".webp", True, {"quality": 85})
# Pillow opens phone photos that carry extra pictures (depth maps, previews) as MPO: a JPEG.
_OUTPUT_FOR_FORMAT = {"JPEG": _JPEG, "MPO": _JPEG, "PNG": _PNG, "WEBP": _WEBP}
_TYPE_FOR_EXTENSION = {output.extension: output.content_type for output in (_JPEG, _PNG, _WEBP)} | {".pdf": PDF_TYPE}
_IMAGE_FORMATS = ("JPEG", "PNG", "WEBP")
_JPEG_FORMATS = ("JPEG", "MPO")
_JPEG_SCALES = (1, 2, 4, 8)
# Modes Pillow resizes by averaging pixels (palette and 1-bit pictures it would thin out).
_RESIZABLE_MODES = ("RGB", "RGBA", "L", "LA", "CMYK")
_DOCUMENT_IMAGE_FORMATS = ("JPEG", "PNG")


# --- public API -------------------------------------------------------------------------


def store_image(file, area: str, max_bytes: int = 5 * 1024 * 1024, budget: ImageBudget | None = None) -> StoredFile:
    """Store an uploaded JPEG, PNG or WebP image, re-encoded in its own format.

    The image is checked against the pixel budget of its kind (`budget`, by default the
    area's) before it is decoded, scaled down to the budget's longest side, turned upright
    by its EXIF orientation and re-encoded without any metadata (EXIF, GPS, XMP, ICC,
    comments). Raises UploadError for anything else.
    """
    data = _read_upload(file, max_bytes)
    budget = budget or budget_for(area)
    return _store_image_data(data, area, _IMAGE_FORMATS, NOT_AN_IMAGE, budget, getattr(file, "filename", None))


def store_document(
    file, area: str, max_bytes: int = 10 * 1024 * 1024, budget: ImageBudget | None = None
) -> StoredFile:
    """Store an uploaded document: a JPEG or PNG image (as `store_image`) or a PDF.

    A PDF is kept byte for byte once it passes `_check_pdf`. Raises UploadError otherwise.
    """
    data = _read_upload(file, max_bytes)
    filename = getattr(file, "filename", None)
    if _PDF_HEADER.search(data, 0, 1024):
        _check_pdf(data)
        return StoredFile(_write_new(area, ".pdf", data), PDF_TYPE, len(data), _display_name(filename))
    budget = budget or budget_for(area)
    return _store_image_data(data, area, _DOCUMENT_IMAGE_FORMATS, NOT_A_DOCUMENT, budget, filename)


# Product photos are served only as these resized variants (longest side in pixels).
IMAGE_VARIANTS = {"thumb": 400, "large": 1200}


@dataclass(frozen=True)
class StoredImageSet:
    """A photo stored as WebP variants named `<token>-<variant>.webp`."""

    token: str
    width: int  # of the largest variant
    height: int


def store_image_variants(
    file, area: str, max_bytes: int = 5 * 1024 * 1024, budget: ImageBudget | None = None
) -> StoredImageSet:
    """Store an uploaded JPEG, PNG or WebP photo as resized WebP variants (no metadata).

    Every variant is written atomically; if one fails, the ones written are removed.
    Raises UploadError for anything but a sound image within the size limits.
    """
    data = _read_upload(file, max_bytes)
    budget = budget or budget_for(area)
    token = secrets.token_urlsafe(16)
    written: list[str] = []
    try:
        with _refuse_bad_image(NOT_AN_IMAGE, budget):
            # Decoded no larger than the largest variant needs; each variant is made from it.
            largest = min(budget.max_side, max(IMAGE_VARIANTS.values()))
            upright = _upright(_decode_within(data, _IMAGE_FORMATS, budget, largest), _WEBP)
            for variant, side in sorted(IMAGE_VARIANTS.items(), key=lambda item: -item[1]):
                resized = upright if max(upright.size) <= side else _scaled_copy(upright, side)
                encoded = _encode_image(resized, _WEBP)
                written.append(_write_new(area, ".webp", encoded, variant_name(token, variant)))
            width, height = upright.size
    except BaseException:
        for name in written:
            delete_stored(area, name)
        raise
    return StoredImageSet(token, width, height)


def variant_name(token: str, variant: str) -> str:
    """The stored name of one variant of a photo."""
    return f"{token}-{variant}.webp"


def delete_image_variants(area: str, token: str) -> None:
    """Remove every variant of a photo."""
    for variant in IMAGE_VARIANTS:
        delete_stored(area, variant_name(token, variant))


def stored_path(area: str, stored_name: str) -> Path:
    """Path of a stored file; NotFound for anything but an existing, plainly named file."""
    path = _path_of(area, stored_name)
    if not path.is_file():
        raise NotFound()
    return path


def send_stored(
    area: str,
    stored_name: str,
    content_type: str | None = None,
    download_name: str | None = None,
    max_age: int = 0,
    public: bool = False,
) -> Response:
    """Send a stored file: images inline, anything else as a download.

    `content_type` defaults to the type the stored name's (server-chosen) extension stands
    for. Documents are for their owners, so the answer is private unless `public` (logos
    shown on public pages). Callers check access first.
    """
    path = stored_path(area, stored_name)
    content_type = content_type or _TYPE_FOR_EXTENSION[path.suffix]
    response = send_file(
        path,
        mimetype=content_type,
        as_attachment=content_type not in INLINE_TYPES,
        download_name=download_name or stored_name,
        max_age=max_age,
    )
    response.headers["Cache-Control"] = f"{'public' if public else 'private'}, max-age={max_age}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Should a browser ever render it anyway, the file may run nothing and load nothing.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def delete_stored(area: str, stored_name: str) -> None:
    """Remove a stored file; a file already gone is fine."""
    _path_of(area, stored_name).unlink(missing_ok=True)


# --- reading and writing ----------------------------------------------------------------


def _read_upload(file, max_bytes: int) -> bytes:
    """The upload's bytes; never reads more than one byte past `max_bytes`."""
    stream = getattr(file, "stream", file)
    chunks, remaining = [], max_bytes + 1
    while remaining > 0:
        chunk = stream.read(min(remaining, _READ_CHUNK))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    data = b"".join(chunks)
    if len(data) > max_bytes:
        raise UploadError(_l("The file is larger than %(size)s MB.", size=f"{max_bytes / 2**20:g}"))
    if not data:
        raise UploadError(EMPTY_FILE)
    return data


def _upload_root() -> Path:
    return Path(current_app.config.get("UPLOAD_FOLDER") or Path(current_app.instance_path, "uploads"))


def _area_folder(area: str) -> Path:
    if not _AREA.fullmatch(area):
        raise ValueError(f"bad upload area {area!r}")
    return _upload_root() / area


def _path_of(area: str, stored_name: str) -> Path:
    if not isinstance(stored_name, str) or not _STORED_NAME.fullmatch(stored_name):
        raise NotFound()
    return _area_folder(area) / stored_name


def _write_new(area: str, extension: str, data: bytes, stored_name: str | None = None) -> str:
    """Write `data` under a new random name (or `stored_name`) and return the name.

    The bytes go to a hidden temporary file first and are renamed into place, so a reader
    never sees a half-written file and a failure leaves nothing behind.
    """
    folder = _area_folder(area)
    folder.mkdir(parents=True, exist_ok=True)
    stored_name = stored_name or secrets.token_urlsafe(16) + extension
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, folder / stored_name)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return stored_name


def _display_name(filename: str | None) -> str:
    """The client's file name made safe to show: last path part, no control or bidi characters."""
    name = unicodedata.normalize("NFC", filename or "")
    name = re.split(r"[/\\]", name)[-1]
    # Category C holds control, format (bidi overrides that disguise ".exe"), private use.
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    return " ".join(name.split())[:MAX_ORIGINAL_NAME]


# --- images -----------------------------------------------------------------------------


def _store_image_data(data: bytes, area: str, formats: tuple[str, ...], not_accepted, budget, filename) -> StoredFile:
    with _refuse_bad_image(not_accepted, budget):
        image = _decode_within(data, formats, budget, budget.max_side)
        output = _OUTPUT_FOR_FORMAT[image.format]
        encoded = _encode_image(_upright(image, output), output)
    stored_name = _write_new(area, output.extension, encoded)
    return StoredFile(stored_name, output.content_type, len(encoded), _display_name(filename))


@contextmanager
def _refuse_bad_image(not_accepted, budget: ImageBudget):
    """Turn whatever Pillow raises on hostile or broken input into an UploadError."""
    try:
        yield
    except UploadError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise UploadError(too_many_pixels(budget.megapixels)) from error
    except Exception as error:
        # Decoders fail on bad input with OSError, SyntaxError, ValueError, struct.error and
        # more; all of them mean "not an image we accept", never a server error.
        raise UploadError(not_accepted) from error


def _decode_within(data: bytes, formats: tuple[str, ...], budget: ImageBudget, side: int) -> Image.Image:
    """Decode an image within `budget`, no larger than needed for a longest side of `side`.

    The size is read from the header and checked before any pixel is decoded; a JPEG is
    decoded at a reduced scale (see `_jpeg_scale`); the result is scaled down to `side`
    at once, so only one full-size copy ever exists. The image returned keeps its
    `format` (JPEG, PNG...) and its EXIF orientation.
    """
    with Image.open(io.BytesIO(data), formats=formats) as probe:
        _check_header_size(probe, budget)
        probe.verify()
    # verify() leaves the image unusable: decode from a fresh opening.
    image = Image.open(io.BytesIO(data), formats=formats)
    source_format = image.format
    if source_format in _JPEG_FORMATS:
        scale = _jpeg_scale(image.size, budget, side)
        if scale > 1:
            image.draft(None, (max(1, image.width // scale), max(1, image.height // scale)))
    if image.width * image.height > budget.max_pixels:  # a JPEG too large even at 1/8
        raise UploadError(too_many_pixels(budget.megapixels))
    image.load()
    if max(image.size) > side:
        image = _scaled_copy(image, side)
        image.format = source_format
    return image


def _check_header_size(probe: Image.Image, budget: ImageBudget) -> None:
    """Refuse, from the header alone, a picture that would cost too much to decode."""
    if probe.format not in _JPEG_FORMATS:
        limit = budget.max_pixels
    elif probe.info.get("progressive"):
        limit = MAX_PROGRESSIVE_JPEG_PIXELS
    else:
        limit = MAX_JPEG_PIXELS
    if probe.width * probe.height > limit:
        raise UploadError(too_many_pixels(f"{limit / 1_000_000:g}"))


def _jpeg_scale(size: tuple[int, int], budget: ImageBudget, side: int) -> int:
    """The reduction (1, 2, 4 or 8) a JPEG is decoded at: as much as still covers `side`,
    and at least enough to stay within the budget's pixels."""
    width, height = size
    fitted_width, fitted_height = _fitted(size, side)
    covering = max((s for s in _JPEG_SCALES if width // s >= fitted_width and height // s >= fitted_height), default=1)
    affordable = next((s for s in _JPEG_SCALES if -(-width // s) * -(-height // s) <= budget.max_pixels), 8)
    return max(covering, affordable)


def _fitted(size: tuple[int, int], side: int) -> tuple[int, int]:
    """`size` shrunk (never grown) to fit a `side` × `side` box, keeping its shape."""
    width, height = size
    scale = min(1.0, side / max(width, height, 1))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _scaled_copy(image: Image.Image, side: int) -> Image.Image:
    """A copy scaled down to fit `side` (other modes are converted first)."""
    if image.mode not in _RESIZABLE_MODES:
        image = image.convert(_working_mode(image))
    return image.resize(_fitted(image.size, side), Image.Resampling.LANCZOS, reducing_gap=3.0)


def _working_mode(image: Image.Image) -> str:
    if image.mode == "1":
        return "L"
    return "RGBA" if image.has_transparency_data else "RGB"


def _upright(image: Image.Image, output: _ImageOutput) -> Image.Image:
    """Turned by its EXIF orientation and converted to RGB, or RGBA when `output` keeps
    transparency the picture has."""
    upright = ImageOps.exif_transpose(image)
    mode = "RGBA" if output.keeps_alpha and upright.has_transparency_data else "RGB"
    return upright if upright.mode == mode else upright.convert(mode)


def _encode_image(image: Image.Image, output: _ImageOutput) -> bytes:
    """The pixels re-encoded in `output`'s format, without any metadata."""
    # Savers copy ICC profiles, comments, text chunks and XMP from `info`; keep pixels only.
    image.info = {}
    buffer = io.BytesIO()
    image.save(buffer, output.pillow_format, **output.save_options)
    return buffer.getvalue()


# --- PDF --------------------------------------------------------------------------------


def _pdf_names(*names: str) -> re.Pattern:
    """A pattern for PDF names, also when written with #xx escapes (`/J#61vaScript`)."""

    def letter(ch: str) -> bytes:
        return rb"(?:%s|#(?i:%02x))" % (re.escape(ch.encode()), ord(ch))

    alternatives = b"|".join(b"".join(letter(ch) for ch in name) for name in names)
    # A name ends at whitespace or a delimiter: `/JS` is active, `/JSFont` is not.
    return re.compile(rb"/(?:" + alternatives + rb")(?=[\x00\t\n\x0c\r ()<>\[\]{}/%]|\Z)")


_PDF_HEADER = re.compile(rb"%PDF-[12]\.")
_PDF_ACTIVE = _pdf_names("JavaScript", "JS", "Launch", "EmbeddedFile", "EmbeddedFiles")
_PDF_ACTIVE_LONG = _pdf_names("JavaScript", "Launch", "EmbeddedFile", "EmbeddedFiles")
_PDF_ENCRYPT = _pdf_names("Encrypt")
_PDF_OBJECT_STREAM = _pdf_names("ObjStm")
_PDF_STREAM_START = re.compile(rb"(?<!end)stream[\x00\t\n\x0c\r ]*")
_PDF_MAX_OBJECT_STREAMS = 10_000
_PDF_INFLATE_LIMIT = 64 * 1024 * 1024
_PDF_INFLATE_STEP = 1024


def _check_pdf(data: bytes) -> None:
    """Refuse a PDF that is cut short, encrypted, too large to check, or holds active content.

    First a cheap screen of the raw bytes (`_screen_pdf_bytes`), then pypdf reads every
    object (`_inspect_pdf`).
    """
    _screen_pdf_bytes(data)
    _inspect_pdf(data)


def _screen_pdf_bytes(data: bytes) -> None:
    """Refuse a PDF that is cut short, encrypted, or names JavaScript, launch actions or attachments.

    This is a screen, not a parser: it reads the file's own bytes and the Flate object
    streams where modern PDFs keep their dictionaries. It refuses most hostile files
    quickly; `_inspect_pdf` catches what it cannot see (other filters, escaped names).
    Encrypted files are refused because their objects cannot be read.
    """
    if b"%%EOF" not in data[-2048:]:
        raise UploadError(NOT_A_DOCUMENT)
    if _PDF_ENCRYPT.search(data):
        raise UploadError(PDF_ENCRYPTED)
    # Compressed stream data (every scanned page) looks random and holds "/JS" and a
    # delimiter by chance, about once in 250 MB; the long names never. A script action also
    # needs "/JavaScript", so the short name is only looked for outside stream data.
    if _PDF_ACTIVE_LONG.search(data) or _PDF_ACTIVE.search(_outside_streams(data)):
        raise UploadError(PDF_ACTIVE_CONTENT)
    _check_object_streams(data)


def _check_object_streams(data: bytes) -> None:
    starts = _object_stream_starts(data)
    if len(starts) > _PDF_MAX_OBJECT_STREAMS:
        raise UploadError(PDF_UNCHECKABLE)
    budget = _PDF_INFLATE_LIMIT
    for start in starts:
        inflated = _inflate(data, start, budget)
        budget -= len(inflated)
        if budget < 0:
            raise UploadError(PDF_UNCHECKABLE)
        if _PDF_ACTIVE.search(inflated):
            raise UploadError(PDF_ACTIVE_CONTENT)


def _outside_streams(data: bytes) -> bytes:
    """The PDF's object syntax, with the data of each stream (up to `endstream`) left out."""
    parts, position = [], 0
    while start := _PDF_STREAM_START.search(data, position):
        parts.append(data[position:start.end()])
        end = data.find(b"endstream", start.end())
        position = len(data) if end < 0 else end
    parts.append(data[position:])
    return b"".join(parts)


def _object_stream_starts(data: bytes) -> list[int]:
    """Where the data of each object stream begins: the first stream after each /ObjStm."""
    starts = [found.end() for found in _PDF_STREAM_START.finditer(data)]
    following = {bisect.bisect_right(starts, found.end()) for found in _PDF_OBJECT_STREAM.finditer(data)}
    return [starts[index] for index in sorted(following) if index < len(starts)]


def _inflate(data: bytes, start: int, limit: int) -> bytes:
    """The Flate stream at `start` inflated as a lenient reader would: up to its end or damage.

    Stops soon after `limit` bytes (the caller refuses the file then). Input is fed in
    small steps so a zip bomb is caught early and damage loses no readable output.
    """
    inflater = zlib.decompressobj()
    inflated = bytearray()
    for offset in range(start, len(data), _PDF_INFLATE_STEP):
        step = data[offset:offset + _PDF_INFLATE_STEP]
        before = inflater.copy()
        try:
            inflated += inflater.decompress(step)
        except zlib.error:
            inflated += _inflate_until_damage(before, step)
            break
        if inflater.eof or len(inflated) > limit:
            break
    return bytes(inflated)


def _inflate_until_damage(inflater, step: bytes) -> bytes:
    inflated = bytearray()
    for index in range(len(step)):
        try:
            inflated += inflater.decompress(step[index:index + 1])
        except zlib.error:
            break
    return bytes(inflated)


# --- PDF: the parser ----------------------------------------------------------------------
#
# pypdf 7.1.1 (requirements.txt) reads the cross-reference data, parses objects and decodes
# filters; `_inspect_pdf` walks every object itself, so what a viewer might run cannot hide
# where pypdf would not look. Uses only pypdf's public API: PdfReader (`xref`, `trailer`,
# `is_encrypted`, `read_object_header`), pypdf.generic.read_object, pypdf.filters.decode_stream_data
# and apply_configuration. tests/test_uploads.py (the bypass files) catches an upgrade that changes them.
#
# What is refused, wherever it appears (as a key or a name value) — the documents are
# opened by staff on their own computers, so nothing may run, open or send anything:
_PDF_FORBIDDEN_NAMES = frozenset({
    "/JavaScript", "/JS",  # scripts (actions, the document's /Names tree, form calculations)
    "/Launch",  # runs a program or opens a file
    "/EmbeddedFile", "/EmbeddedFiles", "/EF", "/FileAttachment",  # attachments: an .exe inside a PDF
    "/XFA",  # XML forms, which carry their own scripts
    "/SubmitForm", "/ImportData",  # send form data to, or load it from, an address (or a \\server path)
    "/GoToR", "/GoToE",  # open another file: a \\server path leaks the Windows login of whoever opens it
    "/RichMedia", "/RichMediaExecute", "/RichMediaContent", "/3D",  # Flash, video, 3D: their own runtimes
    "/Rendition", "/Movie", "/Sound", "/Screen",  # media players started by actions
})
# Actions a viewer runs by itself (/OpenAction, /AA, and their /Next) may only move inside
# the document. A web link (/URI) is fine where someone clicks it (viewers ask first), but
# not opened by itself: that tells an outsider when and where staff read the file.
_PDF_AUTOMATIC_ACTIONS = frozenset({"/GoTo", "/Named", "/SetOCGState", "/Trans", "/Thread", "/Hide", "/ResetForm"})
# Image data is pixels (never read as PDF syntax): left encoded, it costs nothing.
_PDF_IMAGE_FILTERS = frozenset({"/DCTDecode", "/DCT", "/JPXDecode", "/CCITTFaxDecode", "/CCF", "/JBIG2Decode"})
_PDF_MAX_OBJECTS = 50_000
_PDF_MAX_PAGES = 500
_PDF_MAX_STREAM = 16 * 1024 * 1024  # decoded size of one stream
_PDF_MAX_DECODED = 64 * 1024 * 1024  # of all streams together
_PDF_MAX_SECONDS = 5.0
_PDF_LIMITS = {
    "maximum_declared_stream_length": _PDF_MAX_STREAM,
    "zlib_maximum_output_length": _PDF_MAX_STREAM,
    "zlib_maximum_recovery_input_length": 256 * 1024,  # damaged data is retried byte by byte
    "lzw_maximum_output_length": _PDF_MAX_STREAM,
    "run_length_maximum_output_length": _PDF_MAX_STREAM,
    "brotli_maximum_output_length": _PDF_MAX_STREAM,
    "array_based_stream_maximum_output_length": _PDF_MAX_STREAM,
    "jbig2_maximum_output_length": _PDF_MAX_STREAM,
    "image_maximum_buffer_size": _PDF_MAX_STREAM,
    "stream_decoding_work_maximum_length": 4 * _PDF_MAX_STREAM,
    "stream_filters_maximum_length": 4,
    "array_maximum_element_count": 50_000,
    "dictionary_maximum_element_count": 10_000,
    "jbig2dec_binary": None,  # never run an outside program on an upload
}
_PDF_OBJECT_HEADER = re.compile(rb"(?<![0-9])([0-9]{1,10})[\x00\t\n\x0c\r ]+([0-9]{1,5})[\x00\t\n\x0c\r ]+obj(?![A-Za-z])")
_PDF_ROOT = re.compile(rb"/Root[\x00\t\n\x0c\r ]*([0-9]{1,10})[\x00\t\n\x0c\r ]+([0-9]{1,5})[\x00\t\n\x0c\r ]+R")
_PDF_INTEGER = re.compile(rb"[0-9]+")

PDF_TOO_MANY_PAGES = _l(
    "The PDF has more than %(pages)s pages. Please send only the pages needed.", pages=_PDF_MAX_PAGES
)


class _PdfInspection:
    """One pass over every object of a PDF: what pypdf's cross-reference data lists and every
    `N G obj` in the file (a viewer repairing a damaged file finds those too), and the
    objects inside every object stream. Raises UploadError at the first finding."""

    def __init__(self, data: bytes):
        self.data = data
        self.deadline = time.monotonic() + _PDF_MAX_SECONDS
        self.objects = self.pages = self.decoded = 0
        self.automatic: list = []  # values of /OpenAction and /AA entries, resolved at the end
        # Actions and trigger dictionaries packed in object streams, by number: pypdf finds
        # them only through cross-reference streams, a repairing viewer finds them anyway.
        self.packed_actions: dict[int, list[DictionaryObject]] = {}

    def run(self) -> None:
        self.reader = _open_pdf(self.data)
        if self.reader.is_encrypted:
            raise UploadError(PDF_ENCRYPTED)
        self.check(self.reader.trailer)
        listed = {(number, generation): offset for generation, entries in self.reader.xref.items()
                  for number, offset in entries.items() if isinstance(offset, int)}
        found = {match.start() for match in _PDF_OBJECT_HEADER.finditer(self.data)}
        read = set()
        for offset in sorted(found | set(listed.values())):
            self.tick()
            try:
                number, generation, value = self.read_at(offset)
            except LimitReachedError:
                raise
            except Exception:
                continue  # "N G obj" inside other data; listed objects are checked below
            read.add((number, generation))
            self.check(value)
        if set(listed) - read:
            raise UploadError(PDF_UNCHECKABLE)  # a listed object we could not read may hide anything
        self.check_automatic_actions()

    def tick(self) -> None:
        self.objects += 1
        if self.objects > _PDF_MAX_OBJECTS or time.monotonic() > self.deadline:
            raise UploadError(PDF_UNCHECKABLE)

    def read_at(self, offset: int):
        stream = io.BytesIO(self.data)
        stream.seek(offset)
        number, generation = self.reader.read_object_header(stream)
        return number, generation, read_object(stream, self.reader)

    def check(self, value) -> None:
        """Check one object and everything written inside it (not what it refers to: every
        object is checked on its own)."""
        pending = [value]
        while pending:
            value = pending.pop()
            if isinstance(value, NameObject):
                self.check_name(value)
            elif isinstance(value, ArrayObject):
                pending.extend(value)
            elif isinstance(value, DictionaryObject):
                for key, item in dict.items(value):
                    self.check_name(key)
                    pending.append(item)
                self.check_dictionary(value)

    def check_name(self, name) -> None:
        if name in _PDF_FORBIDDEN_NAMES:
            raise UploadError(PDF_ACTIVE_CONTENT)

    def check_dictionary(self, dictionary: DictionaryObject) -> None:
        # dict.get: the value as written (a reference stays a reference, resolved later).
        if dict.get(dictionary, "/Type") == "/Page":
            self.pages += 1
            if self.pages > _PDF_MAX_PAGES:
                raise UploadError(PDF_TOO_MANY_PAGES)
        if "/OpenAction" in dictionary:
            self.automatic.append(dict.get(dictionary, "/OpenAction"))
        if "/AA" in dictionary:
            self.automatic.append(("triggers", dict.get(dictionary, "/AA")))
        if isinstance(dictionary, StreamObject):
            self.check_stream(dictionary)

    def check_stream(self, stream: StreamObject) -> None:
        filters = _resolved(stream, "/Filter")
        filters = [filters] if isinstance(filters, NameObject) else filters if isinstance(filters, ArrayObject) else []
        is_object_stream = _resolved(stream, "/Type") == "/ObjStm"
        is_image = _resolved(stream, "/Subtype") == "/Image" or any(name in _PDF_IMAGE_FILTERS for name in filters)
        if is_image and not is_object_stream:
            return
        try:
            decoded = decode_stream_data(stream)
        except LimitReachedError as error:
            raise UploadError(PDF_UNCHECKABLE) from error
        except Exception as error:
            if is_object_stream:  # its objects would go unread
                raise UploadError(PDF_UNCHECKABLE) from error
            return  # a damaged font or page: nothing in it runs, and no viewer finds objects there
        self.decoded += len(decoded)
        if len(decoded) > _PDF_MAX_STREAM or self.decoded > _PDF_MAX_DECODED:
            raise UploadError(PDF_UNCHECKABLE)
        if is_object_stream:
            self.check_object_stream(stream, decoded)

    def check_object_stream(self, stream: StreamObject, decoded: bytes) -> None:
        """The objects packed in an object stream, at the offsets its header gives."""
        if _PDF_ACTIVE.search(decoded):  # the same screen as for the raw bytes
            raise UploadError(PDF_ACTIVE_CONTENT)
        first = _resolved(stream, "/First")
        if not isinstance(first, int) or not 0 <= first <= len(decoded):
            raise UploadError(PDF_UNCHECKABLE)
        numbers = [int(found) for found in _PDF_INTEGER.findall(decoded, 0, first)]
        source = io.BytesIO(decoded)
        for number, offset in zip(numbers[0::2], numbers[1::2]):
            self.tick()
            source.seek(first + offset)
            try:
                member = read_object(source, self.reader)
            except LimitReachedError:
                raise
            except Exception as error:
                raise UploadError(PDF_UNCHECKABLE) from error
            self.check(member)
            if isinstance(member, DictionaryObject) and _may_act(member):
                self.packed_actions.setdefault(number, []).append(member)

    def check_automatic_actions(self) -> None:
        """Follow /OpenAction, /AA and /Next to every action a viewer runs by itself."""
        pending, seen = list(self.automatic), set()
        while pending:
            self.tick()
            value = pending.pop()
            if isinstance(value, tuple):  # an /AA dictionary: trigger -> action
                for triggers in self.resolve(value[1], seen):
                    if isinstance(triggers, DictionaryObject):
                        pending.extend(dict.values(triggers))
                continue
            for action in self.resolve(value, seen):
                if isinstance(action, ArrayObject):
                    # A destination ([page /Fit]) or a list of /Next actions: only dictionaries act.
                    pending.extend(item for item in action if isinstance(item, (DictionaryObject, IndirectObject)))
                elif isinstance(action, DictionaryObject) and "/S" in action:
                    if _resolved(action, "/S") not in _PDF_AUTOMATIC_ACTIONS:
                        raise UploadError(PDF_ACTIVE_CONTENT)
                    if "/Next" in action:
                        pending.append(dict.get(action, "/Next"))

    def resolve(self, value, seen: set) -> list:
        """Every object `value` may stand for: itself, or what a reference leads to (as pypdf
        reads it, and any packed action of that number a repairing viewer might use)."""
        if not isinstance(value, IndirectObject):
            return [value]
        key = (value.idnum, value.generation)
        if key in seen:
            return []
        seen.add(key)
        found = list(self.packed_actions.get(value.idnum, []))
        try:
            found.append(self.reader.get_object(value))
        except LimitReachedError:
            raise
        except Exception:
            pass  # a viewer finds nothing there either
        return found


_PDF_TRIGGERS = frozenset({
    "/O", "/C", "/K", "/F", "/V", "/E", "/X", "/D", "/U", "/Fo", "/Bl",
    "/PO", "/PC", "/PV", "/PI", "/WC", "/WS", "/DS", "/WP", "/DP",
})


def _may_act(dictionary: DictionaryObject) -> bool:
    """An action (it has /S) or a dictionary of triggers (/AA): worth keeping by number."""
    return "/S" in dictionary or (0 < len(dictionary) <= len(_PDF_TRIGGERS) and set(dictionary) <= _PDF_TRIGGERS)


def _resolved(dictionary: DictionaryObject, key: str):
    """`dictionary[key]` with a reference followed, or None when missing or unresolvable."""
    if key not in dictionary:
        return None
    try:
        return dictionary[key]
    except LimitReachedError:
        raise
    except Exception:
        return None


def _open_pdf(data: bytes) -> PdfReader:
    """pypdf's reader of `data`; when the cross-reference data is missing or broken beyond
    pypdf's repair, a table made from every `N G obj` in the file stands in for it, as a
    viewer rebuilds one (the objects are all read by their headers anyway)."""
    try:
        return PdfReader(io.BytesIO(data), strict=False)
    except LimitReachedError:
        raise
    except Exception:
        return PdfReader(io.BytesIO(data + _rebuilt_xref(data, len(data))), strict=False)


def _rebuilt_xref(data: bytes, at: int) -> bytes:
    """A cross-reference table and trailer for the objects found in `data`, to go at offset `at`."""
    entries = {}
    for found in _PDF_OBJECT_HEADER.finditer(data):
        entries[int(found.group(1))] = (found.start(), int(found.group(2)))  # the last one counts
    rows = [b"0 1\n0000000000 65535 f \n"]
    rows += [b"%d 1\n%010d %05d n \n" % (number, offset, generation)
             for number, (offset, generation) in sorted(entries.items())]
    roots = _PDF_ROOT.findall(data)
    root = b" /Root %s %s R" % roots[-1] if roots else b""
    size = max(entries, default=0) + 1
    table = b"\nxref\n" + b"".join(rows)
    return table + b"trailer\n<< /Size %d%s >>\nstartxref\n%d\n%%%%EOF\n" % (size, root, at + 1)


def _inspect_pdf(data: bytes) -> None:
    """Read every object of the PDF with pypdf, within limits of size, count and time, and
    refuse active content (`_PDF_FORBIDDEN_NAMES`, automatic actions that leave the document)."""
    with apply_configuration(**_PDF_LIMITS):
        try:
            _PdfInspection(data).run()
        except UploadError:
            raise
        except Exception as error:
            # pypdf's errors (and RecursionError on absurd nesting) all mean "cannot check".
            raise UploadError(PDF_UNCHECKABLE) from error
