"""PDF, first look: a cheap screen of the raw bytes (and of the Flate object streams)."""
import bisect
import re
import zlib

from market.core.uploads.errors import NOT_A_DOCUMENT, PDF_ACTIVE_CONTENT, PDF_ENCRYPTED, PDF_UNCHECKABLE, UploadError


def _pdf_names(*names: str) -> re.Pattern:
    """A pattern for PDF names, also when written with #xx escapes (`/J#61vaScript`)."""

    def letter(ch: str) -> bytes:
        return rb"(?:%s|#(?i:%02x))" % (re.escape(ch.encode()), ord(ch))

    alternatives = b"|".join(b"".join(letter(ch) for ch in name) for name in names)
    # A name ends at whitespace or a delimiter: `/JS` is active, `/JSFont` is not.
    return re.compile(rb"/(?:" + alternatives + rb")(?=[\x00\t\n\x0c\r ()<>\[\]{}/%]|\Z)")


PDF_HEADER = re.compile(rb"%PDF-[12]\.")
PDF_ACTIVE = _pdf_names("JavaScript", "JS", "Launch", "EmbeddedFile", "EmbeddedFiles")
_PDF_ACTIVE_LONG = _pdf_names("JavaScript", "Launch", "EmbeddedFile", "EmbeddedFiles")
_PDF_ENCRYPT = _pdf_names("Encrypt")
_PDF_OBJECT_STREAM = _pdf_names("ObjStm")
_PDF_STREAM_START = re.compile(rb"(?<!end)stream[\x00\t\n\x0c\r ]*")
_PDF_MAX_OBJECT_STREAMS = 10_000
_PDF_INFLATE_LIMIT = 64 * 1024 * 1024
_PDF_INFLATE_STEP = 1024


def screen_pdf_bytes(data: bytes) -> None:
    """Refuse a PDF that is cut short, encrypted, or names JavaScript, launch actions or attachments.

    This is a screen, not a parser: it reads the file's own bytes and the Flate object
    streams where modern PDFs keep their dictionaries. It refuses most hostile files
    quickly; `inspect_pdf` catches what it cannot see (other filters, escaped names).
    Encrypted files are refused because their objects cannot be read.
    """
    if b"%%EOF" not in data[-2048:]:
        raise UploadError(NOT_A_DOCUMENT)
    if _PDF_ENCRYPT.search(data):
        raise UploadError(PDF_ENCRYPTED)
    # Compressed stream data (every scanned page) looks random and holds "/JS" and a
    # delimiter by chance, about once in 250 MB; the long names never. A script action also
    # needs "/JavaScript", so the short name is only looked for outside stream data.
    if _PDF_ACTIVE_LONG.search(data) or PDF_ACTIVE.search(_outside_streams(data)):
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
        if PDF_ACTIVE.search(inflated):
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

