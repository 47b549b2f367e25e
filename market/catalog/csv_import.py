"""CSV import of products: a template, a preview with each row's errors, an all-or-nothing import.

The file: UTF-8 text (with or without a byte-order mark), `,`, `;` or tab between cells (found
from the header line), one header line then one product a line. Headers are understood in
English or Vietnamese, with or without diacritics, in any case ("Tên sản phẩm",
"ten san pham", "Product name"...). Cells: the category as a sub-category's slug or its
Vietnamese or English name; prices in whole đồng written "185000", "185.000", "185,000" or
"185 000 ₫"; the unit as its code ("bottle") or label ("chai", "Bottle"); the origin as a
province's name (old names too) or its 2-digit code. Imported products are drafts (they have
no photos yet); OCOP ratings are not imported (they need a certificate each).

Limits (the file is refused as a whole beyond them, before any row is checked):
- at most MAX_BYTES (4 MB): 10,000 products with short descriptions fit;
- at most MAX_ROWS (10,000) products, the size of one import that runs in a few seconds;
- at most MAX_COLUMNS (50) columns; a cell of at most 131,072 characters (Python's csv limit),
  and a description of at most 5,000 characters (the product form's limit).

Service functions take plain arguments and never `request` or `current_user`:
`parse(file, seller)` never raises; `import_rows(member, preview_or_rows)` commits once;
`preview_upload` and `import_stored` keep the uploaded bytes between preview and confirm
under `<upload folder>/imports/`, named by the seller's id and a random token.
"""
import csv
import io
import os
import re
import secrets
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from flask_babel import force_locale, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from market.accounts.models import User
from market.catalog.models import UNITS, Category, OcopStatus, Product, ProductStatus
from market.catalog.services import ProductData, acting_seller, validate_product
from market.core.audit import record_audit
from market.core.clock import utcnow
from market.core.domain import DomainError
from market.core.slugs import slug_for
from market.extensions import db
from market.sellers.models import Seller
from market.sellers.services import ValidationFailed
from market.text import fold

MAX_BYTES = 4 * 1024 * 1024
MAX_ROWS = 10_000
MAX_COLUMNS = 50
MAX_DESCRIPTION = 5_000
# Blank lines are skipped, but a file of nothing else must not keep us busy.
MAX_RECORDS = MAX_ROWS * 3
# How long an uploaded file waits for its confirmation before it is swept away.
STORED_FOR_SECONDS = 24 * 3600
IMPORT_AREA = "imports"
INSERT_BATCH = 1_000

_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")
_BOM = "\ufeff"


# --- columns and their headers ------------------------------------------------------------------

@dataclass(frozen=True)
class ColumnSpec:
    key: str
    template_header: str  # the template's (Vietnamese) header: a fixed file format, not UI text
    label: object  # lazy label shown to people
    aliases: tuple[str, ...]  # folded header spellings (besides the key and the template header)
    required: bool = False
    field_name: str | None = None  # the ProductData / validate_product field, when not `key`

    @property
    def field(self) -> str:
        return self.field_name or self.key


COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("name", "Tên sản phẩm", _l("Product name"),
               ("name", "product name", "product", "ten", "ten hang", "ten hang hoa", "san pham"), True),
    ColumnSpec("category", "Danh mục", _l("Category"),
               ("category", "category slug", "danh muc", "danh muc con", "nhom hang", "loai hang", "nganh hang"),
               True, "category_id"),
    ColumnSpec("price_vnd", "Giá (đồng)", _l("Price (đồng)"),
               ("price", "gia", "gia ban", "gia ban le", "don gia"), True),
    ColumnSpec("compare_at_price_vnd", "Giá gốc (đồng)", _l("Price before discount"),
               ("compare at price", "price before discount", "original price", "list price", "gia goc",
                "gia truoc giam", "gia truoc khi giam", "gia niem yet", "gia cu")),
    ColumnSpec("stock", "Tồn kho", _l("In stock"),
               ("stock", "in stock", "quantity", "qty", "ton kho", "so luong", "so luong ton", "so luong ton kho"),
               True),
    ColumnSpec("unit", "Đơn vị", _l("Unit"), ("unit", "don vi", "don vi tinh", "dvt"), True),
    ColumnSpec("weight_grams", "Khối lượng (gram)", _l("Weight (grams)"),
               ("weight", "shipping weight", "khoi luong", "trong luong", "can nang")),
    ColumnSpec("origin_province", "Xuất xứ", _l("Origin (province or city)"),
               ("origin", "origin province", "province", "xuat xu", "noi san xuat", "tinh", "tinh thanh",
                "tinh thanh pho")),
    ColumnSpec("description", "Mô tả", _l("Description"), ("description", "mo ta", "mo ta san pham")),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
_COLUMN_OF_FIELD = {column.field: column.key for column in COLUMNS}
# Words people add to a header that do not change its meaning: units and "optional" marks.
_HEADER_NOISE = {"vnd", "vn", "dong", "d", "gram", "grams", "gam", "gr", "g", "optional", "tuy", "chon",
                 "required", "bat", "buoc"}
# Columns people keep in spreadsheets that we knowingly leave out.
_ROW_NUMBER_HEADERS = {"stt", "no", "so thu tu", "#", ""}
_OCOP_HEADERS = {"ocop", "ocop stars", "ocop rating", "sao ocop", "hang ocop", "xep hang ocop", "so sao ocop"}

EXAMPLE_ROW = ("Mật ong hoa cà phê 500 ml", "mat-ong", "185000", "220000", "50", "bottle", "700", "Lâm Đồng",
               "Mật ong nguyên chất từ rừng cà phê Cầu Đất.")


def _header_key(text: str) -> str:
    """ "Giá (đồng)" -> "gia", "Khối lượng (gram)" -> "khoi luong", "price_vnd" -> "price"."""
    words = re.sub(r"[^a-z0-9#]+", " ", fold(text or "")).split()
    while len(words) > 1 and words[-1] in _HEADER_NOISE:
        words.pop()
    return " ".join(words)


def _build_header_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for column in COLUMNS:
        for spelling in (column.key, column.template_header, *column.aliases):
            key = _header_key(spelling)
            if index.setdefault(key, column.key) != column.key:
                raise ValueError(f"header {spelling!r} is ambiguous")
    return index


_HEADER_INDEX = _build_header_index()


def column_letter(index: int) -> str:
    """Spreadsheet letters of a 0-based column index: 0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


# --- what parse() returns ----------------------------------------------------------------------

@dataclass
class FileColumn:
    key: str
    header: str  # as written in the file
    index: int

    @property
    def letter(self) -> str:
        return column_letter(self.index)


@dataclass
class PreviewRow:
    line: int  # the file's line where the row starts (the header is line 1)
    data: ProductData
    errors: dict[str, str] = field(default_factory=dict)  # column key -> message
    values: dict[str, str] = field(default_factory=dict)  # column key -> the cell as written


@dataclass
class ErrorItem:
    line: int
    column: str  # column key, or "" for the line as a whole
    header: str  # the column's header as the file wrote it, or its label
    letter: str  # spreadsheet letter of the column, "" when unknown
    value: str
    message: str


@dataclass
class Preview:
    """The file read and checked row by row; nothing is written."""

    rows: list[PreviewRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # the file or its headers: nothing can be imported
    warnings: list[str] = field(default_factory=list)  # worth knowing, does not block the import
    columns: dict[str, FileColumn] = field(default_factory=dict)
    delimiter: str = ","
    category_labels: dict[int, str] = field(default_factory=dict)

    @property
    def row_count(self) -> int:
        return len(self.rows)

    @property
    def error_rows(self) -> list[PreviewRow]:
        return [row for row in self.rows if row.errors]

    @property
    def error_count(self) -> int:
        return sum(len(row.errors) for row in self.rows)

    @property
    def ok(self) -> bool:
        """Ready to import: a readable file, at least one row, no error anywhere."""
        return not self.problems and bool(self.rows) and not any(row.errors for row in self.rows)

    def errors(self) -> list[ErrorItem]:
        """Every cell error, by line then column, described by the file's own headers."""
        return [
            _error_item(row.line, key, message, self.columns, row.values.get(key, ""))
            for row in self.rows
            for key, message in sorted(row.errors.items(), key=lambda item: self._position(item[0]))
        ]

    def _position(self, key: str) -> int:
        column = self.columns.get(key)
        return column.index if column else -1


def _error_item(line: int, key: str, message: str, columns: dict[str, FileColumn], value: str = "") -> ErrorItem:
    column = columns.get(key)
    if column is not None:
        header, letter = column.header, column.letter
    elif key in COLUMN_BY_KEY:
        header, letter = str(COLUMN_BY_KEY[key].label), ""
    else:
        header, letter = "", ""
    return ErrorItem(line, key, header, letter, value, str(message))


class ImportFailed(DomainError):
    """Some rows are wrong: nothing was imported. `errors` lists them by line and column."""

    def __init__(self, message, errors: list[ErrorItem]):
        super().__init__(message)
        self.errors = errors


class ImportNotFound(DomainError):
    """No stored upload under this token for this seller (views answer 404)."""


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
    text = text.removeprefix(_BOM)
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
        known = sum(1 for cell in cells if _header_key(cell) in _HEADER_INDEX)
        score = (known, len(cells))
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_header(cells: list[str], preview: Preview) -> dict[int, str]:
    """Map cell positions to column keys; header problems and warnings go on `preview`."""
    positions: dict[int, str] = {}
    for index, cell in enumerate(cells):
        header = cell.strip()
        key = _header_key(header)
        column = _HEADER_INDEX.get(key)
        if column is None:
            if key in _OCOP_HEADERS:
                preview.warnings.append(_("Column “%(header)s” is ignored: OCOP ratings are not imported; set them on "
                                          "each product with its certificate.", header=header))
            elif key not in _ROW_NUMBER_HEADERS:
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


# --- reading cells -----------------------------------------------------------------------------

_CURRENCY = re.compile(r"(?:₫|vnđ|vnd|đồng|dong|đ|d)\.?$", re.IGNORECASE)
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")
_GROUPED = re.compile(r"\d{1,3}(?:([.,])\d{3})(?:\1\d{3})*", re.ASCII)  # ASCII digits only


def parse_whole_number(text: str) -> int | None:
    """A whole number as people write it: "185000", "185.000", "185,000", "185 000 ₫", "-5".

    None for an empty cell; ValueError for anything else, decimals included (a trailing
    ",00" or ".00" is allowed: spreadsheets add it to money).
    """
    value = _SPACES.sub("", text or "")
    value = _CURRENCY.sub("", value)
    if not value:
        return None
    sign = 1
    if value[0] in "-−+":
        sign, value = (-1 if value[0] != "+" else 1), value[1:]
    if len(value) > 20:
        raise ValueError(value)
    fraction = re.fullmatch(r"(.+?)([.,])(\d{1,2})", value)
    if fraction and set(fraction.group(3)) == {"0"}:
        head = fraction.group(1)
        # "185.000,00": the decimal mark differs from the grouping one, or there is no grouping.
        if fraction.group(2) not in head:
            value = head
    if value.isdigit() and value.isascii():
        return sign * int(value)
    if _GROUPED.fullmatch(value):
        return sign * int(re.sub(r"[.,]", "", value))
    raise ValueError(value)


def _has_control_characters(text: str, multiline: bool = False) -> bool:
    allowed = {"\n", "\r", "\t"} if multiline else set()
    return any((ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0) and ch not in allowed for ch in text)


class _Lookups:
    """Categories and units by every spelling a row may use; built once per file."""

    def __init__(self) -> None:
        categories = list(db.session.scalars(select(Category).order_by(Category.position, Category.id)))
        by_id = {category.id: category for category in categories}
        parents = {category.parent_id for category in categories if category.parent_id is not None}
        self.valid_ids = {category.id for category in categories if category.id not in parents}
        self.labels: dict[int, str] = {}
        self.slugs = {category.id: category.slug for category in categories}
        self.categories: dict[str, int | None] = {}  # None: ambiguous spelling
        self.tops: dict[str, Category] = {}
        for category in categories:
            parent = by_id.get(category.parent_id)
            if category.id in self.valid_ids:
                self.labels[category.id] = f"{parent.name} › {category.name}" if parent else category.name
                for spelling in (category.slug, category.name_vi, category.name_en):
                    key = fold(spelling)
                    if self.categories.setdefault(key, category.id) != category.id:
                        self.categories[key] = None
            else:
                for spelling in (category.slug, category.name_vi, category.name_en):
                    self.tops.setdefault(fold(spelling), category)
        self.children = {
            top.id: [c.slug for c in categories if c.parent_id == top.id] for top in self.tops.values()
        }
        self.units = _unit_spellings()

    def category(self, text: str) -> tuple[int | None, str | None]:
        value = text.strip()
        if not value:
            return None, _("Enter the category (its slug or name).")
        # "Trà & cà phê › Cà phê" or "Trà & cà phê > Cà phê": the last part names the sub-category.
        last = re.split(r"\s*[›>]\s*", value)[-1]
        for key in (fold(value), fold(last)):
            if key in self.categories:
                category_id = self.categories[key]
                if category_id is None:
                    return None, _("“%(value)s” names several categories: use the category's slug.", value=value[:60])
                return category_id, None
        top = self.tops.get(fold(value))
        if top is not None:
            return None, _("“%(value)s” has sub-categories: use one of them (%(slugs)s).",
                           value=value[:60], slugs=", ".join(self.children.get(top.id, [])))
        return None, _("Unknown category “%(value)s”. Use a sub-category's slug or name from the list.",
                       value=value[:60])

    def unit(self, text: str) -> tuple[str, str | None]:
        value = text.strip()
        if not value:
            return "", _("Enter the unit (e.g. kg, chai, hộp).")
        unit = self.units.get(fold(value).rstrip("."))
        if unit is None:
            return "", _("Unknown unit “%(value)s”. Use one of: %(units)s.", value=value[:30], units=", ".join(UNITS))
        return unit, None


# Vietnamese and common spellings of the units, whatever the translation catalogue holds.
_UNIT_SYNONYMS = {
    "kg": ("kg", "kilogram", "kilo", "ki lo", "can", "ky"),
    "g": ("g", "gr", "gram", "grams", "gam"),
    "box": ("box", "hop", "thung"),
    "bottle": ("bottle", "chai", "binh"),
    "jar": ("jar", "lo", "hu", "hop thuy tinh"),
    "bag": ("bag", "tui", "bao"),
    "pack": ("pack", "goi", "package", "packet"),
    "piece": ("piece", "pcs", "pc", "cai", "chiec", "con", "qua"),
    "set": ("set", "bo"),
    "metre": ("metre", "meter", "m", "met"),
    "litre": ("litre", "liter", "l", "lit"),
}


def _unit_spellings() -> dict[str, str]:
    spellings: dict[str, str] = {}
    for code, synonyms in _UNIT_SYNONYMS.items():
        for synonym in synonyms:
            spellings.setdefault(fold(synonym), code)
    for language in ("vi", "en"):
        with force_locale(language):
            for code, label in UNITS.items():
                spellings.setdefault(fold(str(label)), code)
    return spellings


def _row_data(cells: dict[str, str], lookups: _Lookups) -> ProductData:
    """A row's cells parsed into ProductData; cell errors go to `data.errors` by field."""
    errors: dict[str, str] = {}

    def number(key: str, message) -> int | None:
        try:
            return parse_whole_number(cells.get(key, ""))
        except ValueError:
            errors[COLUMN_BY_KEY[key].field] = str(message)
            return None

    money = _("Write a whole number of đồng, e.g. 185000 or 185.000 (no decimals).")
    whole = _("Write a whole number, e.g. 25.")
    name = cells.get("name", "").strip()
    if _has_control_characters(name):
        errors["name"] = _("This text contains characters that are not allowed.")
    description = cells.get("description", "").strip()
    if _has_control_characters(description, multiline=True):
        errors["description"] = _("This text contains characters that are not allowed.")
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = _("At most %(count)d characters.", count=MAX_DESCRIPTION)
    category_id, message = lookups.category(cells.get("category", ""))
    if message:
        errors["category_id"] = message
    unit, message = lookups.unit(cells.get("unit", ""))
    if message:
        errors["unit"] = message
    origin = cells.get("origin_province", "").strip()
    return ProductData(
        name=name,
        category_id=category_id,
        price_vnd=number("price_vnd", money),
        stock=number("stock", whole),
        unit=unit,
        description=description,
        compare_at_price_vnd=number("compare_at_price_vnd", money),
        weight_grams=number("weight_grams", whole),
        origin_province=origin or None,
        errors=errors,
    )


def _check(data: ProductData, seller: Seller, valid_ids: set[int]) -> dict[str, str]:
    """The row's errors by column key ({} when it can be imported)."""
    try:
        validate_product(data, seller, valid_ids)
    except ValidationFailed as failed:
        return {_COLUMN_OF_FIELD.get(name, name): str(message) for name, message in failed.errors.items()}
    return {}


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
    lookups = _Lookups()
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
            data = _row_data(values, lookups)
            row = PreviewRow(line, data, _check(data, seller, lookups.valid_ids),
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


# --- importing ---------------------------------------------------------------------------------

def _slug_maker() -> Callable[[str], str]:
    """Unique product slugs made in memory: the slugs taken are read once."""
    taken = set(db.session.scalars(select(Product.slug)))
    next_number: dict[str, int] = {}

    def make(name: str) -> str:
        base = slug_for(name)
        candidate, number = base, next_number.get(base, 2)
        if candidate in taken:
            candidate = f"{base}-{number}"
            while candidate in taken:
                number += 1
                candidate = f"{base}-{number}"
            next_number[base] = number + 1
        taken.add(candidate)
        return candidate

    return make


def import_rows(member: User, preview_or_rows: "Preview | Iterable[ProductData]",
                progress: Callable[[int], None] | None = None) -> int:
    """Import every row as a draft product of `member`'s seller, in one transaction, or none.

    Takes a Preview (from `parse`) or ProductData rows (numbered as lines 2, 3... of a file).
    Every row is validated again against today's categories; any error (or a problem of the
    file) raises ImportFailed / DomainError and nothing is written. Slugs are made unique in
    memory, rows are inserted in batches, one audit row ("products_imported") records the
    count, and the transaction is committed once. Returns the number of products imported.

    The rows go in by bulk INSERT, which the search index's session hooks do not see; that
    is right for drafts, which are never searchable: putting one on sale goes through the
    ORM and indexes it then.
    """
    seller = acting_seller(member)
    if isinstance(preview_or_rows, Preview):
        preview = preview_or_rows
        if preview.problems:
            raise DomainError(preview.problems[0])
        items = [(row.line, row.data, row.values) for row in preview.rows]
        columns = preview.columns
    else:
        items = [(index + 2, data, {}) for index, data in enumerate(preview_or_rows)]
        columns = {}
    if not items:
        raise DomainError(_("The file has no products to import."))
    if len(items) > MAX_ROWS:
        raise DomainError(_("At most %(count)s products can be imported at once.", count=format_decimal(MAX_ROWS)))

    valid_ids = _valid_category_ids()
    errors: list[ErrorItem] = []
    checked: list[dict] = []
    for line, data, values in items:
        try:
            checked.append(validate_product(data, seller, valid_ids))
        except ValidationFailed as failed:
            for name, message in failed.errors.items():
                key = _COLUMN_OF_FIELD.get(name, name)
                errors.append(_error_item(line, key, message, columns, values.get(key, "")))
        if progress:
            progress(1)
    if errors:
        raise ImportFailed(_("%(count)d errors: nothing was imported.", count=len(errors)), errors)

    now = utcnow()
    make_slug = _slug_maker()
    rows = [
        dict(values, seller_id=seller.id, slug=make_slug(values["name"]), status=ProductStatus.DRAFT.value,
             ocop_stars=None, ocop_status=OcopStatus.NONE.value, created_by_id=member.id, updated_by_id=member.id,
             created_at=now, updated_at=now)
        for values in checked
    ]
    try:
        for start in range(0, len(rows), INSERT_BATCH):
            db.session.execute(insert(Product), rows[start:start + INSERT_BATCH])
        record_audit(member.id, "seller", seller.id, "products_imported",
                     detail=str(len(rows)))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise DomainError(_("Nothing was imported: products were added at the same time. Try again.")) from None
    except BaseException:
        db.session.rollback()
        raise
    return len(rows)


def _valid_category_ids() -> set[int]:
    """Sub-categories and childless top categories: where a product may be listed."""
    parents = select(Category.parent_id).where(Category.parent_id.is_not(None))
    return set(db.session.scalars(select(Category.id).where(Category.id.not_in(parents))))


# --- the template -------------------------------------------------------------------------------

def template_csv() -> bytes:
    """The downloadable template: UTF-8 with a byte-order mark (for Excel), Vietnamese headers,
    one example row."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([column.template_header for column in COLUMNS])
    writer.writerow(EXAMPLE_ROW)
    return (_BOM + buffer.getvalue()).encode("utf-8")


def reference() -> dict:
    """What the upload page lists: sub-categories (slug and names), units and limits."""
    lookups = _Lookups()
    return {
        "categories": [(lookups.slugs[category_id], label) for category_id, label in lookups.labels.items()],
        "units": [(code, label) for code, label in UNITS.items()],
        "columns": COLUMNS,
        "max_rows": MAX_ROWS,
        "max_megabytes": MAX_BYTES // (1024 * 1024),
    }


# --- keeping an upload between preview and confirmation -----------------------------------------

def _import_folder() -> Path:
    root = current_app.config.get("UPLOAD_FOLDER") or Path(current_app.instance_path, "uploads")
    return Path(root) / IMPORT_AREA


def _stored_path(seller_id: int, token: str) -> Path | None:
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        return None
    return _import_folder() / f"{int(seller_id)}-{token}.csv"


def _sweep_old_uploads(folder: Path) -> None:
    limit = time.time() - STORED_FOR_SECONDS
    for path in folder.glob("*.csv"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
        except OSError:
            pass


def _store(seller_id: int, data: bytes) -> str:
    folder = _import_folder()
    folder.mkdir(parents=True, exist_ok=True)
    _sweep_old_uploads(folder)
    token = secrets.token_urlsafe(24)
    path = _stored_path(seller_id, token)
    temporary = folder / f".{token}.part"
    with open(temporary, "wb") as out:
        out.write(data)
    os.replace(temporary, path)
    return token


def preview_upload(member: User, file) -> tuple[Preview, str | None]:
    """Check an uploaded CSV for `member`'s seller; when it can be imported, keep its bytes
    and return the token that confirms the import (bound to the seller), else None."""
    seller = acting_seller(member)
    preview = parse(file, seller)
    token = None
    if preview.ok:
        data = file.encode("utf-8") if isinstance(file, str) else bytes(file)
        token = _store(seller.id, data)
    return preview, token


def import_stored(member: User, token: str, progress: Callable[[int], None] | None = None) -> int:
    """Import the upload kept under `token`, all or nothing, then forget it.

    ImportNotFound when the token is unknown, expired, or another seller's.
    """
    seller = acting_seller(member)
    path = _stored_path(seller.id, token)
    if path is None or not path.is_file():
        raise ImportNotFound(_("This import is no longer available. Upload the file again."))
    try:
        count = import_rows(member, parse(path.read_bytes(), seller), progress)
    except ImportFailed:
        path.unlink(missing_ok=True)  # the file is out of date: it must be fixed and uploaded again
        raise
    path.unlink(missing_ok=True)
    return count


def discard_stored(member: User, token: str) -> None:
    """Forget a kept upload without importing it (the member cancelled)."""
    seller = acting_seller(member)
    path = _stored_path(seller.id, token)
    if path is None or not path.is_file():
        raise ImportNotFound(_("This import is no longer available. Upload the file again."))
    path.unlink(missing_ok=True)
