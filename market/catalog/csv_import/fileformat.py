"""The file's format: its limits, its columns and the headers each is known by (English or
Vietnamese, with or without diacritics, in any case)."""
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from market.text import fold

MAX_BYTES = 4 * 1024 * 1024
MAX_ROWS = 10_000
MAX_COLUMNS = 50
MAX_DESCRIPTION = 5_000
# Blank lines are skipped, but a file of nothing else must not keep us busy.
MAX_RECORDS = MAX_ROWS * 3
BOM = "\ufeff"


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
COLUMN_OF_FIELD = {column.field: column.key for column in COLUMNS}
# Words people add to a header that do not change its meaning: units and "optional" marks.
_HEADER_NOISE = {"vnd", "vn", "dong", "d", "gram", "grams", "gam", "gr", "g", "optional", "tuy", "chon",
                 "required", "bat", "buoc"}
# Columns people keep in spreadsheets that we knowingly leave out.
ROW_NUMBER_HEADERS = {"stt", "no", "so thu tu", "#", ""}
OCOP_HEADERS = {"ocop", "ocop stars", "ocop rating", "sao ocop", "hang ocop", "xep hang ocop", "so sao ocop"}

EXAMPLE_ROW = ("Mật ong hoa cà phê 500 ml", "mat-ong", "185000", "220000", "50", "bottle", "700", "Lâm Đồng",
               "Mật ong nguyên chất từ rừng cà phê Cầu Đất.")


def header_key(text: str) -> str:
    """ "Giá (đồng)" -> "gia", "Khối lượng (gram)" -> "khoi luong", "price_vnd" -> "price"."""
    words = re.sub(r"[^a-z0-9#]+", " ", fold(text or "")).split()
    while len(words) > 1 and words[-1] in _HEADER_NOISE:
        words.pop()
    return " ".join(words)


def _build_header_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for column in COLUMNS:
        for spelling in (column.key, column.template_header, *column.aliases):
            key = header_key(spelling)
            if index.setdefault(key, column.key) != column.key:
                raise ValueError(f"header {spelling!r} is ambiguous")
    return index


HEADER_INDEX = _build_header_index()


def column_letter(index: int) -> str:
    """Spreadsheet letters of a 0-based column index: 0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters

