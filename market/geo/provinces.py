"""Vietnam's 34 provincial-level units, as reorganised from 1 July 2025.

Source: National Assembly resolution 202/2025/QH15 (12 June 2025), which merged
the 63 former provinces and cities into 6 centrally-run cities and 28 provinces.
Each merged unit keeps the 2-digit code of the former unit that hosts its
administrative centre, which is not always the one whose name it kept
(e.g. Quảng Trị is "44", formerly Quảng Bình's code).
"""
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from market.text import fold


@dataclass(frozen=True, slots=True)
class Province:
    """One provincial-level unit: a centrally-run city or a province."""

    code: str  # official 2-digit code
    name: str  # Vietnamese, with diacritics, without "Tỉnh"/"Thành phố"
    name_en: str  # English, without diacritics
    kind: Literal["city", "province"]
    former_names: tuple[str, ...] = ()  # pre-2025 provinces merged into this one


_PROVINCES: tuple[Province, ...] = (
    Province("01", "Hà Nội", "Hanoi", "city"),
    Province("04", "Cao Bằng", "Cao Bang", "province"),
    Province("08", "Tuyên Quang", "Tuyen Quang", "province", ("Hà Giang",)),
    Province("11", "Điện Biên", "Dien Bien", "province"),
    Province("12", "Lai Châu", "Lai Chau", "province"),
    Province("14", "Sơn La", "Son La", "province"),
    Province("15", "Lào Cai", "Lao Cai", "province", ("Yên Bái",)),
    Province("19", "Thái Nguyên", "Thai Nguyen", "province", ("Bắc Kạn",)),
    Province("20", "Lạng Sơn", "Lang Son", "province"),
    Province("22", "Quảng Ninh", "Quang Ninh", "province"),
    Province("24", "Bắc Ninh", "Bac Ninh", "province", ("Bắc Giang",)),
    Province("25", "Phú Thọ", "Phu Tho", "province", ("Vĩnh Phúc", "Hòa Bình")),
    Province("31", "Hải Phòng", "Hai Phong", "city", ("Hải Dương",)),
    Province("33", "Hưng Yên", "Hung Yen", "province", ("Thái Bình",)),
    Province("37", "Ninh Bình", "Ninh Binh", "province", ("Hà Nam", "Nam Định")),
    Province("38", "Thanh Hóa", "Thanh Hoa", "province"),
    Province("40", "Nghệ An", "Nghe An", "province"),
    Province("42", "Hà Tĩnh", "Ha Tinh", "province"),
    Province("44", "Quảng Trị", "Quang Tri", "province", ("Quảng Bình",)),
    Province("46", "Huế", "Hue", "city"),
    Province("48", "Đà Nẵng", "Da Nang", "city", ("Quảng Nam",)),
    Province("51", "Quảng Ngãi", "Quang Ngai", "province", ("Kon Tum",)),
    Province("52", "Gia Lai", "Gia Lai", "province", ("Bình Định",)),
    Province("56", "Khánh Hòa", "Khanh Hoa", "province", ("Ninh Thuận",)),
    Province("66", "Đắk Lắk", "Dak Lak", "province", ("Phú Yên",)),
    Province("68", "Lâm Đồng", "Lam Dong", "province", ("Đắk Nông", "Bình Thuận")),
    Province("75", "Đồng Nai", "Dong Nai", "province", ("Bình Phước",)),
    Province(
        "79", "Hồ Chí Minh", "Ho Chi Minh City", "city",
        ("Bình Dương", "Bà Rịa – Vũng Tàu"),
    ),
    Province("80", "Tây Ninh", "Tay Ninh", "province", ("Long An",)),
    Province("82", "Đồng Tháp", "Dong Thap", "province", ("Tiền Giang",)),
    Province("86", "Vĩnh Long", "Vinh Long", "province", ("Bến Tre", "Trà Vinh")),
    Province("91", "An Giang", "An Giang", "province", ("Kiên Giang",)),
    Province("92", "Cần Thơ", "Can Tho", "city", ("Sóc Trăng", "Hậu Giang")),
    Province("96", "Cà Mau", "Ca Mau", "province", ("Bạc Liêu",)),
)

# Spellings people type that neither folding nor dropping spaces/punctuation
# reduces to an official name: abbreviations, old names, older orthography.
_ALIASES: dict[str, tuple[str, ...]] = {
    "79": ("HCM", "TPHCM", "HCMC", "Sài Gòn", "BRVT"),
    "46": ("Thừa Thiên Huế",),
    "66": ("Đắc Lắc", "Đắk Lắc"),
    "68": ("Đắc Nông",),
    "19": ("Bắc Cạn",),
}

# Administrative prefixes (Vietnamese, on folded text) and English suffixes.
_PREFIX = re.compile(r"^(?:tinh|thanh pho|tp|t\.p)(?:[\s.]+|$)")
_SUFFIX = re.compile(r"\s+(?:city|province)$")
# Longer than any real name plus prefix; bounds the work done on hostile input.
_MAX_INPUT = 100


def _key(text: str) -> str:
    """Folded text without spaces or punctuation: "Bà Rịa - Vũng Tàu" -> "bariavungtau"."""
    return "".join(ch for ch in fold(text) if unicodedata.category(ch)[0] not in "PZ")


def _build_index() -> dict[str, Province]:
    index: dict[str, Province] = {}
    for province in _PROVINCES:
        names = (province.name, province.name_en, *province.former_names,
                 *_ALIASES.get(province.code, ()))
        for name in names:
            key = _key(name)
            if index.setdefault(key, province) is not province:
                raise ValueError(f"province name key {key!r} is ambiguous")
    return index


_INDEX = _build_index()
_BY_CODE = {p.code: p for p in _PROVINCES}
_SORTED = tuple(sorted(_PROVINCES, key=lambda p: (fold(p.name), p.code)))
_CHOICES = {
    "vi": tuple(sorted(((p.code, p.name) for p in _PROVINCES), key=lambda c: fold(c[1]))),
    "en": tuple(sorted(((p.code, p.name_en) for p in _PROVINCES), key=lambda c: fold(c[1]))),
}


def all_provinces() -> tuple[Province, ...]:
    """All 34 units, sorted by folded Vietnamese name (Đà Nẵng sorts with the Ds)."""
    return _SORTED


def get_by_code(code: str) -> Province | None:
    """The unit with this official 2-digit code ("01", "79"...), or None."""
    return _BY_CODE.get(code.strip()) if isinstance(code, str) else None


def lookup(name: str) -> Province | None:
    """The current unit for a current or pre-2025 name, or None if unknown.

    Tolerates missing diacritics, case, spacing, punctuation, the prefixes
    "Tỉnh"/"Thành phố"/"TP." and the English suffixes "City"/"Province", and
    common abbreviations ("TP.HCM", "BRVT", "Sài Gòn"). Never raises.
    """
    if not isinstance(name, str) or len(name) > _MAX_INPUT:
        return None
    folded = fold(name)
    bare = _SUFFIX.sub("", _PREFIX.sub("", folded))
    return _INDEX.get(_key(folded)) or _INDEX.get(_key(bare))


def choices(locale: str) -> list[tuple[str, str]]:
    """(code, display name) pairs for a select box, sorted by folded display name.

    English names for "en" locales ("en", "en_US"...), Vietnamese otherwise.
    """
    language = str(locale).replace("-", "_").split("_")[0].lower()
    return list(_CHOICES["en" if language == "en" else "vi"])
