"""Vietnam's 3,321 communes, wards and special zones, as reorganised from 1 July 2025.

Since 1 July 2025 there is no district level: every xã (commune), phường (ward) and
đặc khu (special zone) sits directly under one of the 34 provincial units of
`market.geo.provinces`, and has an official 5-digit code from the national
register of administrative units kept by the General Statistics Office (GSO).

Data: `wards_2025.csv` beside this file, one line per unit (code, province_code,
name), generated once from the PyPI package `vietnam-provinces` 2025.10.1 (data
retrieved 2025-10-18 from the GSO register) by a throwaway script that read
`vietnam_provinces.lookup.WARD_MAPPING` and wrote each ward's code zero-padded to
5 digits, its province code zero-padded to 2 digits and its full name with runs
of spaces collapsed (ten names had a double space after the type word), sorted
by code, under a "#" comment line naming the package version. The package is not a runtime dependency. To refresh: install a newer
`vietnam-provinces` in a scratch folder, regenerate the file the same way and
update the count in tests/test_wards.py.

The file is read lazily, on the first call to a function here, so importing this
module costs nothing.
"""
import csv
import functools
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NamedTuple

from market.geo.provinces import get_by_code
from market.text import fold

DATA_FILE = Path(__file__).with_name("wards_2025.csv")

WardKind = Literal["phuong", "xa", "dac_khu"]

# Official type words, as they start every name in the data.
_TYPE_WORDS: dict[str, WardKind] = {"Phường ": "phuong", "Xã ": "xa", "Đặc khu ": "dac_khu"}

# Type words people type before a name, as sequences of plain (unaccented,
# lowercase) words: "Phường", "phuong", "P.", "Xã", "X.", "Đặc khu", "ĐK".
_PREFIXES: tuple[tuple[tuple[str, ...], WardKind], ...] = (
    (("phuong",), "phuong"),
    (("p",), "phuong"),
    (("xa",), "xa"),
    (("x",), "xa"),
    (("dac", "khu"), "dac_khu"),
    (("dk",), "dac_khu"),
)
# English type words after a name: "Ba Dinh Ward".
_SUFFIXES: dict[str, WardKind] = {"ward": "phuong", "commune": "xa"}

# Vietnamese tone marks (as combining characters after NFKD). Where a tone sits
# within a syllable varies ("Hòa"/"Hoà", "Thủy"/"Thuỷ", both in the official data),
# so keys carry a word's tones after its letters rather than where they were put.
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")

# Longer than any real name plus type word; bounds the work done on hostile input.
_MAX_INPUT = 100


@dataclass(frozen=True, slots=True)
class Ward:
    """One commune-level unit: a xã, a phường or a đặc khu."""

    code: str  # official 5-digit code, e.g. "00004"
    name: str  # full Vietnamese name with its type word, e.g. "Phường Ba Đình"
    province_code: str  # 2-digit code of its province in market.geo.provinces

    @property
    def kind(self) -> WardKind:
        """"phuong" (ward), "xa" (commune) or "dac_khu" (special zone), from the name."""
        for word, kind in _TYPE_WORDS.items():
            if self.name.startswith(word):
                return kind
        raise ValueError(f"ward name without a type word: {self.name!r}")


class _Data(NamedTuple):
    by_code: dict[str, Ward]
    by_province: dict[str, tuple[Ward, ...]]
    # (province code, key) -> wards, keyed by full name and by name without type word
    accented: dict[tuple[str, str], tuple[Ward, ...]]
    plain: dict[tuple[str, str], tuple[Ward, ...]]


def _words(text: str) -> list[str]:
    """Lowercase NFKD words: runs of letters, digits and marks; anything else separates."""
    words: list[str] = []
    current: list[str] = []
    for ch in unicodedata.normalize("NFKD", text.casefold()):
        if unicodedata.category(ch)[0] in "LNM":
            current.append(ch)
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return words


def _plain(word: str) -> str:
    """A word without any diacritics: "đình" -> "dinh"."""
    return "".join(ch for ch in word if not unicodedata.combining(ch)).replace("đ", "d")


def _accented_key(words: list[str]) -> str:
    """Words joined, keeping diacritics, each word's tones moved to its end."""
    return "".join(
        "".join(ch for ch in w if ch not in _TONES) + "".join(ch for ch in w if ch in _TONES)
        for w in words
    )


def _plain_key(words: list[str]) -> str:
    """Words joined without diacritics: the same key as fold() minus spaces and punctuation."""
    return "".join(_plain(w) for w in words)


def _has_diacritics(words: list[str]) -> bool:
    return any(_plain(w) != w for w in words)


@functools.cache
def _data() -> _Data:
    """Read and check the data file once."""
    by_code: dict[str, Ward] = {}
    with DATA_FILE.open(encoding="utf-8", newline="") as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        for row in rows:
            ward = Ward(row["code"], row["name"], row["province_code"])
            if len(ward.code) != 5 or not ward.code.isdigit():
                raise ValueError(f"bad ward code {ward.code!r}")
            if get_by_code(ward.province_code) is None:
                raise ValueError(f"ward {ward.code} has unknown province {ward.province_code!r}")
            if " ".join(ward.name.split()) != ward.name:
                raise ValueError(f"ward {ward.code} name has stray spaces: {ward.name!r}")
            ward.kind  # noqa: B018 - raises on a name without a type word
            if by_code.setdefault(ward.code, ward) is not ward:
                raise ValueError(f"duplicate ward code {ward.code}")

    grouped: dict[str, list[Ward]] = {}
    accented: dict[tuple[str, str], list[Ward]] = {}
    plain: dict[tuple[str, str], list[Ward]] = {}
    for ward in by_code.values():
        grouped.setdefault(ward.province_code, []).append(ward)
        full = _words(ward.name)
        bare = full[2:] if ward.kind == "dac_khu" else full[1:]
        for index, key_of in ((accented, _accented_key), (plain, _plain_key)):
            for words in (full, bare):
                matches = index.setdefault((ward.province_code, key_of(words)), [])
                if ward not in matches:
                    matches.append(ward)

    by_province = {
        code: tuple(sorted(wards, key=lambda w: (fold(w.name), w.code)))
        for code, wards in grouped.items()
    }
    return _Data(
        by_code,
        by_province,
        {key: tuple(wards) for key, wards in accented.items()},
        {key: tuple(wards) for key, wards in plain.items()},
    )


def wards_of(province_code: str) -> tuple[Ward, ...]:
    """The wards of the province with this 2-digit code, sorted by folded full name.

    The full name starts with the type word, so phường come before xã. Empty for
    an unknown code.
    """
    if not isinstance(province_code, str):
        return ()
    return _data().by_province.get(province_code.strip(), ())


def get_ward(code: str) -> Ward | None:
    """The ward with this official 5-digit code ("00004"), or None."""
    if not isinstance(code, str):
        return None
    return _data().by_code.get(code.strip())


def _readings(words: list[str]) -> list[tuple[WardKind | None, list[str]]]:
    """Ways to read typed words: as a whole, or as a type word plus a name."""
    readings: list[tuple[WardKind | None, list[str]]] = [(None, words)]
    plain = [_plain(w) for w in words]
    for prefix, kind in _PREFIXES:
        n = len(prefix)
        if len(words) > n and tuple(plain[:n]) == prefix:
            readings.append((kind, words[n:]))
    if len(words) > 1 and plain[-1] in _SUFFIXES:
        readings.append((_SUFFIXES[plain[-1]], words[:-1]))
    return readings


def find_ward(province_code: str, text: str) -> Ward | None:
    """The ward of this province that `text` names, or None if unknown or ambiguous.

    Matches what people type: any case, with or without diacritics (tone marks in
    either placement, "Hoà"/"Hòa"), with or without spaces and punctuation, with
    or without the type word, full or abbreviated ("Phường Ba Đình", "phuong ba
    dinh", "P. Ba Đình", "Ba Dinh", "Ba Dinh Ward").

    Typed diacritics count when they single out one ward ("Văn Lăng" vs "Văn
    Lang"); text without any diacritics that fits several wards gives None, as
    does a name without type word shared by a phường and a xã. A type word that
    does not fit is only overruled when the name alone names exactly one ward
    ("Phường Tân Lập" finds "Xã Tân Lập" if there is no such phường). Never raises.
    """
    if not isinstance(province_code, str) or not isinstance(text, str):
        return None
    if len(text) > _MAX_INPUT:
        return None
    province_code = province_code.strip()
    words = _words(text)
    if not words or get_by_code(province_code) is None:
        return None
    data = _data()
    readings = _readings(words)
    indexes = ((data.accented, _accented_key), (data.plain, _plain_key))
    if not _has_diacritics(words):
        indexes = indexes[1:]  # "thanh an" may mean Thạnh An as well as Thanh An

    for strict in (True, False):
        for index, key_of in indexes:
            found: set[Ward] = set()
            for kind, name_words in readings:
                matches = index.get((province_code, key_of(name_words)), ())
                if kind is not None and strict:
                    matches = tuple(w for w in matches if w.kind == kind)
                found.update(matches)
            if len(found) == 1:
                return found.pop()
            if found:
                return None  # ambiguous: looser passes would not narrow it
    return None
