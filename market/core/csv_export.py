"""CSV downloads that spreadsheet programs open right: UTF-8 with a byte order mark (else
Excel reads Vietnamese as mojibake), and text cells that cannot run as formulas.

A cell starting with `=`, `+`, `-` or `@` (or a tab or carriage return, which some programs
skip before reading a formula) is a formula to Excel and LibreOffice: a seller named
`=HYPERLINK(...)` would put a live link in a staff member's sheet (OWASP, "CSV Injection").
Such text gets a leading apostrophe, which spreadsheets read as "this is text" and do not
show. Numbers are written as numbers (a negative balance stays a number).
"""
import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from urllib.parse import quote

from flask import Response

BOM = "\ufeff"
# The full-width forms too: some spreadsheet programs read them as the ASCII ones.
FORMULA_STARTS = frozenset("=+-@\t\r＝＋－＠")


def safe_cell(value):
    """`value` as a CSV cell: None is empty, numbers stay numbers, text that a spreadsheet
    would run as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    text = str(value)
    stripped = text.lstrip(" ")
    if stripped[:1] in FORMULA_STARTS or text[:1] in FORMULA_STARTS:
        return "'" + text
    return text


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """A CSV file (UTF-8 with a BOM, CRLF line ends as RFC 4180 has them) of `header` and `rows`,
    every cell through `safe_cell` (headers too: they may hold translated text)."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue().encode("utf-8")


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence], rows_per_chunk: int = 500) -> Iterator[str]:
    """The same file as `csv_bytes`, as text chunks of a few hundred rows: give it to
    `csv_download` (through `flask.stream_with_context`) to stream a long download while its
    rows are read, instead of holding them all."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(cell) for cell in header])
    for count, row in enumerate(rows, start=1):
        writer.writerow([safe_cell(cell) for cell in row])
        if count % rows_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_download(content: bytes | Iterable[str], filename: str) -> Response:
    """`content` (bytes, or `csv_chunks` to stream) as a CSV attachment named `filename`
    (ASCII fallback plus the RFC 5987 form, so a Vietnamese name survives)."""
    ascii_name = filename.encode("ascii", "replace").decode("ascii").replace("?", "_").replace('"', "_")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    response = Response(content, content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = disposition
    # A list of sellers or money is not for shared caches.
    response.headers["Cache-Control"] = "private, no-store"
    return response
