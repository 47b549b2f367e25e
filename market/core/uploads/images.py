"""Images: checked against their pixel budget before decoding, turned upright, scaled down and
re-encoded without metadata; product photos as WebP variants."""
import io
import secrets
from contextlib import contextmanager
from dataclasses import dataclass

from PIL import Image, ImageOps, PngImagePlugin

from market.core.uploads.errors import NOT_AN_IMAGE, UploadError, too_many_pixels
from market.core.uploads.limits import MAX_JPEG_PIXELS, MAX_PROGRESSIVE_JPEG_PIXELS, ImageBudget, budget_for
from market.core.uploads.storage import PDF_TYPE, StoredFile, delete_stored, display_name, read_upload, write_new

# Pillow keeps a PNG's text chunks in memory (64 MB by default); we drop them anyway.
PngImagePlugin.MAX_TEXT_MEMORY = 1024 * 1024


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
TYPE_FOR_EXTENSION = {output.extension: output.content_type for output in (_JPEG, _PNG, _WEBP)} | {".pdf": PDF_TYPE}
_IMAGE_FORMATS = ("JPEG", "PNG", "WEBP")
_JPEG_FORMATS = ("JPEG", "MPO")
_JPEG_SCALES = (1, 2, 4, 8)
# Modes Pillow resizes by averaging pixels (palette and 1-bit pictures it would thin out).
_RESIZABLE_MODES = ("RGB", "RGBA", "L", "LA", "CMYK")
DOCUMENT_IMAGE_FORMATS = ("JPEG", "PNG")


def store_image(file, area: str, max_bytes: int = 5 * 1024 * 1024, budget: ImageBudget | None = None) -> StoredFile:
    """Store an uploaded JPEG, PNG or WebP image, re-encoded in its own format.

    The image is checked against the pixel budget of its kind (`budget`, by default the
    area's) before it is decoded, scaled down to the budget's longest side, turned upright
    by its EXIF orientation and re-encoded without any metadata (EXIF, GPS, XMP, ICC,
    comments). Raises UploadError for anything else.
    """
    data = read_upload(file, max_bytes)
    budget = budget or budget_for(area)
    return store_image_data(data, area, _IMAGE_FORMATS, NOT_AN_IMAGE, budget, getattr(file, "filename", None))


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
    data = read_upload(file, max_bytes)
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
                written.append(write_new(area, ".webp", encoded, variant_name(token, variant)))
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


# --- images -----------------------------------------------------------------------------


def store_image_data(data: bytes, area: str, formats: tuple[str, ...], not_accepted, budget, filename) -> StoredFile:
    with _refuse_bad_image(not_accepted, budget):
        image = _decode_within(data, formats, budget, budget.max_side)
        output = _OUTPUT_FOR_FORMAT[image.format]
        encoded = _encode_image(_upright(image, output), output)
    stored_name = write_new(area, output.extension, encoded)
    return StoredFile(stored_name, output.content_type, len(encoded), display_name(filename))


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

