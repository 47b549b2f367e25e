"""Safe storage of user uploads: images re-encoded without metadata, PDFs screened.

Files live in `<UPLOAD_FOLDER or instance/uploads>/<area>/<stored_name>`. The area is
chosen by code ("logos", "seller_docs"); the stored name is random and its extension
comes from the content we detected, never from what the client sent. Nothing the client
names is ever used as a path.
"""
import bisect
import io
import os
import re
import secrets
import tempfile
import unicodedata
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import Response, current_app, send_file
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps
from werkzeug.exceptions import NotFound

MAX_PIXELS = 40_000_000
MAX_ORIGINAL_NAME = 200

NOT_AN_IMAGE = _l("The file is not a JPEG, PNG or WebP image.")
NOT_A_DOCUMENT = _l("The file is not a JPEG, PNG or PDF document.")
EMPTY_FILE = _l("The file is empty.")
TOO_MANY_PIXELS = _l("The image is too large (at most %(pixels)s megapixels).", pixels=MAX_PIXELS // 1_000_000)
PDF_ACTIVE_CONTENT = _l("The PDF contains active content and cannot be accepted.")
PDF_ENCRYPTED = _l("The PDF is password-protected or encrypted. Please upload a copy without protection.")
PDF_UNCHECKABLE = _l("The PDF could not be checked. Please save it again as a standard PDF and upload that copy.")

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
_DOCUMENT_IMAGE_FORMATS = ("JPEG", "PNG")


# --- public API -------------------------------------------------------------------------


def store_image(file, area: str, max_bytes: int = 5 * 1024 * 1024) -> StoredFile:
    """Store an uploaded JPEG, PNG or WebP image, re-encoded in its own format.

    The image is decoded, turned upright by its EXIF orientation and re-encoded without
    any metadata (EXIF, GPS, XMP, ICC, comments). Raises UploadError for anything else.
    """
    data = _read_upload(file, max_bytes)
    return _store_image_data(data, area, _IMAGE_FORMATS, NOT_AN_IMAGE, getattr(file, "filename", None))


def store_document(file, area: str, max_bytes: int = 10 * 1024 * 1024) -> StoredFile:
    """Store an uploaded document: a JPEG or PNG image (as `store_image`) or a PDF.

    A PDF is kept byte for byte once it passes `_check_pdf`. Raises UploadError otherwise.
    """
    data = _read_upload(file, max_bytes)
    filename = getattr(file, "filename", None)
    if _PDF_HEADER.search(data, 0, 1024):
        _check_pdf(data)
        return StoredFile(_write_new(area, ".pdf", data), PDF_TYPE, len(data), _display_name(filename))
    return _store_image_data(data, area, _DOCUMENT_IMAGE_FORMATS, NOT_A_DOCUMENT, filename)


# Product photos are served only as these resized variants (longest side in pixels).
IMAGE_VARIANTS = {"thumb": 400, "large": 1200}


@dataclass(frozen=True)
class StoredImageSet:
    """A photo stored as WebP variants named `<token>-<variant>.webp`."""

    token: str
    width: int  # of the largest variant
    height: int


def store_image_variants(file, area: str, max_bytes: int = 5 * 1024 * 1024) -> StoredImageSet:
    """Store an uploaded JPEG, PNG or WebP photo as resized WebP variants (no metadata).

    Every variant is written atomically; if one fails, the ones written are removed.
    Raises UploadError for anything but a sound image within the size limits.
    """
    data = _read_upload(file, max_bytes)
    token = secrets.token_urlsafe(16)
    written: list[str] = []
    try:
        with _refuse_bad_image(NOT_AN_IMAGE):
            with _open_image(data, _IMAGE_FORMATS) as image:
                upright = ImageOps.exif_transpose(image)
                for variant, side in IMAGE_VARIANTS.items():
                    resized = upright.copy()
                    resized.thumbnail((side, side), Image.Resampling.LANCZOS)
                    encoded = _encode_image(resized, _WEBP)
                    written.append(_write_new(area, ".webp", encoded, variant_name(token, variant)))
                width, height = resized.size
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


def _store_image_data(data: bytes, area: str, formats: tuple[str, ...], not_accepted, filename) -> StoredFile:
    with _refuse_bad_image(not_accepted):
        with _open_image(data, formats) as image:
            output = _OUTPUT_FOR_FORMAT[image.format]
            encoded = _encode_image(image, output)
    stored_name = _write_new(area, output.extension, encoded)
    return StoredFile(stored_name, output.content_type, len(encoded), _display_name(filename))


@contextmanager
def _refuse_bad_image(not_accepted):
    """Turn whatever Pillow raises on hostile or broken input into an UploadError."""
    try:
        yield
    except UploadError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise UploadError(TOO_MANY_PIXELS) from error
    except Exception as error:
        # Decoders fail on bad input with OSError, SyntaxError, ValueError, struct.error and
        # more; all of them mean "not an image we accept", never a server error.
        raise UploadError(not_accepted) from error


def _open_image(data: bytes, formats: tuple[str, ...]) -> Image.Image:
    """Open, check and fully decode an image; its size is checked before any pixel is decoded."""
    with Image.open(io.BytesIO(data), formats=formats) as probe:
        if probe.width * probe.height > MAX_PIXELS:
            raise UploadError(TOO_MANY_PIXELS)
        probe.verify()
    # verify() leaves the image unusable: decode from a fresh opening.
    image = Image.open(io.BytesIO(data), formats=formats)
    image.load()
    return image


def _encode_image(image: Image.Image, output: _ImageOutput) -> bytes:
    """Upright pixels re-encoded in `output`'s format, without any metadata."""
    upright = ImageOps.exif_transpose(image)
    mode = "RGBA" if output.keeps_alpha and upright.has_transparency_data else "RGB"
    clean = upright.convert(mode)
    # Savers copy ICC profiles, comments, text chunks and XMP from `info`; keep pixels only.
    clean.info = {}
    buffer = io.BytesIO()
    clean.save(buffer, output.pillow_format, **output.save_options)
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
    """Refuse a PDF that is cut short, encrypted, or names JavaScript, launch actions or attachments.

    This is a screen, not a parser: it reads the file's own bytes and the compressed
    object streams where modern PDFs keep their dictionaries. Encrypted files are refused
    because their object streams cannot be read.
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
