"""Reading one row's cells: numbers as people write them, categories and units by any spelling,
then the product's own checks (`validate_product`)."""
import re

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from market.catalog.csv_import.fileformat import COLUMN_BY_KEY, COLUMN_OF_FIELD, MAX_DESCRIPTION
from market.catalog.models import UNITS, Category
from market.catalog.units import unit_codes, unit_names
from market.catalog.services import ProductData, validate_product
from market.core.numbers import parse_price
from market.extensions import db
from market.sellers.models import Seller
from market.sellers.services import ValidationFailed
from market.text import fold

_CURRENCY = re.compile(r"(?:₫|vnđ|vnd|đồng|dong|đ|d)\.?$", re.IGNORECASE)
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")
_GROUPED = re.compile(r"\d{1,3}(?:([.,])\d{3})(?:\1\d{3})*", re.ASCII)  # ASCII digits only


PRICE_KEYS = ("price_vnd", "compare_at_price_vnd")
# Four or more digits, or groups of three, then a spreadsheet's ",00" / ".0".
_SPREADSHEET_ZERO_CENTS = re.compile(r"(?P<whole>[0-9]{4,}|[0-9]{1,3}(?:[.,][0-9]{3})+)[.,]0{1,2}")


def parse_price_cell(text: str) -> int | None:
    """A price cell read as the product form reads a price ("185.000 ₫", "185k"); None when empty.

    A spreadsheet's own zero decimals are dropped after a price that is clearly in đồng
    ("185000,00", "185.000,0"); "185.00" or "25,0" stay refused (185 đồng, or a slip?)."""
    if not (text or "").strip():
        return None
    price = parse_price(text)
    if price is None:
        zero_cents = _SPREADSHEET_ZERO_CENTS.fullmatch(text.strip())
        price = parse_price(zero_cents.group("whole")) if zero_cents else None
    if price is None:
        raise ValueError(text)
    return price


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


class Lookups:
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
        # Accents tell "bó" (a bunch) from "bộ" (a set): the exact spelling is tried first.
        self.exact_units = _exact_unit_spellings()

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
        unit = self.exact_units.get(value.lower()) or self.units.get(fold(value).rstrip("."))
        if unit is None:
            return "", _("Unknown unit “%(value)s”. Use one of: %(units)s.", value=value[:30], units=", ".join(sorted(unit_codes())))
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
    "piece": ("piece", "pcs", "pc", "cai", "chiec"),
    "bunch": ("bunch", "bo rau", "mo"),
    "fruit": ("fruit", "qua", "trai"),
    "head": ("head", "con"),
    "tray": ("tray", "khay", "vi"),
    "ten": ("ten", "chuc"),
    "set": ("set", "bo"),
    "metre": ("metre", "meter", "m", "met"),
    "litre": ("litre", "liter", "l", "lit"),
}


def _exact_unit_spellings() -> dict[str, str]:
    spellings: dict[str, str] = {}
    for language in ("vi", "en"):
        with force_locale(language):
            for code, label in UNITS.items():
                spellings.setdefault(str(label).lower(), code)
    for code, name_vi, name_en in unit_names():
        spellings.setdefault(name_vi.lower(), code)
        spellings.setdefault(name_en.lower(), code)
    return spellings


def _unit_spellings() -> dict[str, str]:
    spellings: dict[str, str] = {}
    for code, synonyms in _UNIT_SYNONYMS.items():
        for synonym in synonyms:
            spellings.setdefault(fold(synonym), code)
    for language in ("vi", "en"):
        with force_locale(language):
            for code, label in UNITS.items():
                spellings.setdefault(fold(str(label)), code)
    for code, name_vi, name_en in unit_names():
        for spelling in (code, name_vi, name_en):
            spellings.setdefault(fold(spelling), code)
    return spellings


def row_data(cells: dict[str, str], lookups: Lookups) -> ProductData:
    """A row's cells parsed into ProductData; cell errors go to `data.errors` by field."""
    errors: dict[str, str] = {}

    def number(key: str, message) -> int | None:
        try:
            return (parse_price_cell if key in PRICE_KEYS else parse_whole_number)(cells.get(key, ""))
        except ValueError:
            errors[COLUMN_BY_KEY[key].field] = str(message)
            return None

    money = _("Write the price in đồng, e.g. 185000, 185.000 or 185k.")
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


def check_row(data: ProductData, seller: Seller, valid_ids: set[int]) -> dict[str, str]:
    """The row's errors by column key ({} when it can be imported)."""
    try:
        validate_product(data, seller, valid_ids)
    except ValidationFailed as failed:
        return {COLUMN_OF_FIELD.get(name, name): str(message) for name, message in failed.errors.items()}
    return {}

