"""A report's values as a person reads them, in a given language: `1.234`, `2,0 %`,
`150.000 ₫`, `07/2026` in Vietnamese. Shared by the charts (and free for the page), so a
figure reads the same in the table and on its chart.

Babel is called with an explicit locale rather than Flask-Babel's current one, so the
charts and downloads can be made for a language other than the request's (the command).
"""
import math
import re
from datetime import date
from decimal import InvalidOperation

from babel.dates import format_date
from babel.numbers import (format_compact_currency, format_compact_decimal, format_currency, format_decimal,
                           format_scientific)

from market.staff.reports.tables import Kind

NUMERIC_KINDS = frozenset({Kind.COUNT, Kind.MONEY, Kind.PERCENT, Kind.NUMBER})

# Characters XML 1.0 (SVG, XLSX) cannot carry at all: control characters but tab and newline.
_UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# A full value longer than this is shortened (`1,5 Tr ₫`) where space is tight.
COMPACT_OVER = 10


def writable(text: str) -> str:
    """`text` without the characters XML cannot hold (a pasted name may bring them)."""
    return _UNWRITABLE.sub("", text)


def number_or_none(value) -> float | None:
    """A numeric cell as a finite number, or None for a missing or non-finite one."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def display(value, kind: Kind, locale: str) -> str:
    """One value in full, as the table shows it ("" for None)."""
    if kind in NUMERIC_KINDS:
        number = number_or_none(value)
        if number is None:
            return ""
        try:
            return _number(number, kind, locale)
        except InvalidOperation:  # beyond Babel's decimal precision (1e300): still shown
            return format_scientific(number, locale=locale)
    if value is None:
        return ""
    if kind == Kind.MONTH and isinstance(value, date):
        return f"{value.month:02d}/{value.year}"
    if kind == Kind.DATE and isinstance(value, date):
        return format_date(value, "medium", locale=locale)
    return writable(str(value))


def _number(number: float, kind: Kind, locale: str) -> str:
    if kind == Kind.COUNT:
        return format_decimal(round(number), locale=locale)
    if kind == Kind.MONEY:
        return format_currency(round(number), "VND", locale=locale)
    if kind == Kind.PERCENT:
        return percent(number, locale)
    return format_decimal(number, "#,##0.0", locale=locale)


def percent(number: float, locale: str) -> str:
    """One decimal and the sign as each language writes it: `2,0 %` (vi), `2.0%` (en)."""
    digits = format_decimal(number, "#,##0.0", locale=locale)
    return f"{digits}%" if locale.split("_")[0] == "en" else f"{digits} %"


def short(value, kind: Kind, locale: str) -> str:
    """A value for a tight place (an axis tick, a label on a bar): the full form while it
    is short, else rounded to thousands, millions, billions (`1,5 Tr ₫`, `₫1.5M`)."""
    full = display(value, kind, locale)
    number = number_or_none(value)
    if kind not in (Kind.COUNT, Kind.MONEY, Kind.NUMBER) or number is None or len(full) <= COMPACT_OVER:
        return full
    try:
        if kind == Kind.MONEY:
            return format_compact_currency(number, "VND", locale=locale, fraction_digits=1)
        return format_compact_decimal(number, locale=locale, fraction_digits=1)
    except InvalidOperation:
        return full
