"""Reading an uploaded file: its text, its delimiter, its header line, then each row (`parse`)."""
import csv
import io
import unicodedata
from collections.abc import Callable

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import select

from market.catalog.csv_import.cells import Lookups, check_row, row_data
from market.catalog.csv_import.fileformat import (
    BOM,
    COLUMN_BY_KEY,
    COLUMNS,
    HEADER_INDEX,
    MAX_BYTES,
    MAX_COLUMNS,
    MAX_RECORDS,
    MAX_ROWS,
    OCOP_HEADERS,
    ROW_NUMBER_HEADERS,
    header_key,
)
from market.catalog.csv_import.preview import FileColumn, Preview, PreviewRow
from market.catalog.models import Product
from market.extensions import db
from market.sellers.models import Seller
from market.text import fold

# --- reading the file --------------------------------------------------------------------------

def _decode(raw) -> tuple[str | None, str | None]:
    """(text, None) or (None, problem) for bytes or str of any kind."""
    if isinstance(raw, str):
        text = raw
    elif isinstance(raw, (bytes, bytearray, memoryview)):
        data = bytes(raw)
        if len(data) > MAX_BYTES:
            return None, _("The file is larger than %(size)d MB. Split it into several files.",
                           size=MAX_BYTES // (1024 * 1024))
        if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):  # xlsx, xls
            return None, _("This is an Excel workbook, not a CSV file. In Excel, choose File › Save as › "
                           "“CSV UTF-8 (Comma delimited)” and upload that file.")
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return None, _("The file is saved as UTF-16. Save it as “CSV UTF-8” and upload it again.")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            return None, _("The file is not UTF-8 text (unreadable bytes near byte %(position)d). "
                           "Save it as “CSV UTF-8” and upload it again.", position=error.start + 1)
    else:
        return None, _("The file could not be read.")
    if len(text) > MAX_BYTES:
        return None, _("The file is larger than %(size)d MB. Split it into several files.",
                       size=MAX_BYTES // (1024 * 1024))
    text = text.removeprefix(BOM)
    if "\x00" in text:
        return None, _("The file is not a text file. Upload a CSV file saved as “CSV UTF-8”.")
    if not text.strip():
        return None, _("The file is empty.")
    # Text typed on some systems arrives decomposed (a + combining marks): store it composed.
    return unicodedata.normalize("NFC", text), None


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip(" \t,;"):
            return line
    return ""


def _sniff_delimiter(text: str) -> str:
    """The delimiter that splits the header line into the most known headers (`,` on a tie)."""
    line = _first_line(text)
    best, best_score = ",", (-1, -1)
    for delimiter in (",", ";", "\t"):
        try:
            cells = next(csv.reader([line], delimiter=delimiter), [])
        except csv.Error:
            continue
        known = sum(1 for cell in cells if header_key(cell) in HEADER_INDEX)
        score = (known, len(cells))
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_header(cells: list[str], preview: Preview) -> dict[int, str]:
    """Map cell positions to column keys; header problems and warnings go on `preview`."""
    positions: dict[int, str] = {}
    for index, cell in enumerate(cells):
        header = cell.strip()
        key = header_key(header)
        column = HEADER_INDEX.get(key)
        if column is None:
            if key in OCOP_HEADERS:
                preview.warnings.append(_("Column “%(header)s” is ignored: OCOP ratings are not imported; set them on "
                                          "each product with its certificate.", header=header))
            elif key not in ROW_NUMBER_HEADERS:
                preview.warnings.append(_("Column “%(header)s” is not recognised and will be ignored.",
                                          header=header[:60]))
            continue
        if column in preview.columns:
            preview.problems.append(_("Columns “%(first)s” and “%(second)s” are the same column. Keep one.",
                                      first=preview.columns[column].header, second=header[:60]))
            continue
        preview.columns[column] = FileColumn(column, header[:60], index)
        positions[index] = column
    missing = [str(COLUMN_BY_KEY[c.key].label) for c in COLUMNS if c.required and c.key not in preview.columns]
    if missing and not preview.columns:
        preview.problems.append(_("The first line must name the columns (“Tên sản phẩm”, “Danh mục”, “Giá (đồng)”…). "
                                  "Download the template and copy your products into it."))
    elif missing:
        preview.problems.append(_("Columns missing: %(columns)s.", columns=", ".join(missing)))
    return positions


def parse(file, seller: Seller, progress: Callable[[int], None] | None = None) -> Preview:
    """Read and check an uploaded CSV (bytes or text) for `seller`; never raises on any input.

    Returns a Preview: each product row with its ProductData and its errors by column,
    problems of the file as a whole (not UTF-8, too large, too many rows, missing or doubled
    columns), warnings (ignored columns, names the seller already uses) and counts. Blank
    lines are skipped. `progress(n)` is told as rows are checked.
    """
    preview = Preview()
    text, problem = _decode(file)
    if problem:
        preview.problems.append(problem)
        return preview
    preview.delimiter = _sniff_delimiter(text)
    lookups = Lookups()
    preview.category_labels = lookups.labels
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=preview.delimiter)
    positions: dict[int, str] | None = None
    header_width = 0
    start, records = 1, 0
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            records += 1
            if records > MAX_RECORDS:
                preview.problems.append(_("The file has more than %(count)s lines.", count=format_decimal(MAX_RECORDS)))
                break
            if not any(cell.strip() for cell in cells):
                continue
            if positions is None:
                if len(cells) > MAX_COLUMNS:
                    preview.problems.append(_("The file has more than %(count)d columns.", count=MAX_COLUMNS))
                    break
                positions = _read_header(cells, preview)
                header_width = len(cells)
                if preview.problems:
                    break
                continue
            if len(preview.rows) >= MAX_ROWS:
                preview.problems.append(_("The file has more than %(count)s products. Split it into several files.",
                                          count=format_decimal(MAX_ROWS)))
                break
            values = {key: cells[index] if index < len(cells) else "" for index, key in positions.items()}
            data = row_data(values, lookups)
            row = PreviewRow(line, data, check_row(data, seller, lookups.valid_ids),
                             {key: value[:80] for key, value in values.items()})
            _check_open_quotes(row, values, preview.delimiter, header_width)
            extra = [cell for cell in cells[header_width:] if cell.strip()]
            if extra:
                row.errors[""] = _("This line has more cells than the header has columns. Put text holding "
                                   "a “%(delimiter)s” between double quotes.",
                                   delimiter="tab" if preview.delimiter == "\t" else preview.delimiter)
            preview.rows.append(row)
            if progress:
                progress(1)
    except csv.Error:
        preview.problems.append(_("Line %(line)d cannot be read as CSV (a cell is too long or a quote is not "
                                  "closed).", line=start))
    if positions is None and not preview.problems:
        preview.problems.append(_("The file is empty."))
    elif not preview.problems and not preview.rows:
        preview.problems.append(_("The file has column headers but no products."))
    if preview.problems:
        preview.rows = []
    else:
        _warn_about_repeats(preview, seller)
    return preview


def _check_open_quotes(row: PreviewRow, values: dict[str, str], delimiter: str, width: int) -> None:
    """A quote left open swallows the next lines into one cell: say so where it opened."""
    if width < 3:
        return
    for key, value in values.items():
        if "\n" in value and any(line.count(delimiter) >= width - 1 for line in value.splitlines()[1:]):
            row.errors[key] = _("A double quote opened in this cell is not closed, so the next lines were read "
                                "into it. Close the quote or remove it.")
            return


def _warn_about_repeats(preview: Preview, seller: Seller) -> None:
    existing = {fold(name) for name in db.session.scalars(select(Product.name).where(Product.seller_id == seller.id))}
    repeated = sum(1 for row in preview.rows if fold(row.data.name or "") in existing)
    if repeated:
        preview.warnings.append(_("%(count)d products have the name of a product you already have; they will be "
                                  "added as new drafts.", count=repeated))

