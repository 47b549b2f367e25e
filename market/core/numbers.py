"""Numbers sent by a visitor: the one place where request text becomes an int (or a Decimal).

Python's own readers are far too lenient for request text: `int()` takes "٣" (an
Arabic-Indic three), "１２" (full-width), " 1 ", "1_000" and "+5"; `Decimal()` takes "NaN",
"sNaN" and "1e9"; and `str.isdigit()` says True for "²" and "①", which `int()` then refuses
(an uncaught ValueError, a 500). Here only ASCII digits count, with a bounded length, so what
comes back is a plain number in range or the caller's default: never an exception.

- `parse_int` / `parse_decimal`: text -> number or default.
- `int_arg`: a query-string argument (`?page=2`) -> number or default.
- `parse_ids`: the values of a repeated field (`remove_image=3&remove_image=5`) -> ids.
- `parse_price`: a price in đồng typed the Vietnamese way ("25.000", "25.000 ₫", "25k",
  "1,5 triệu") -> int or None.
- `WholeNumberField` / `DecimalNumberField` / `PriceField`: WTForms fields reading through the
  same rules, with one clear message when the text is not a number.
"""
import re
import unicodedata
from decimal import Decimal

from flask import request
from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, IntegerField
from wtforms.validators import NumberRange, StopValidation
from wtforms.widgets import TextInput

# 18 digits always fit a signed 64-bit column (BIGINT), so a parsed number never overflows
# the database; callers with smaller columns pass a `maximum`.
MAX_DIGITS = 18

_UNSIGNED = re.compile(r"(?P<digits>[0-9]+)")
_SIGNED = re.compile(r"-?(?P<digits>[0-9]+)")
_DECIMAL = re.compile(r"(?P<sign>-?)(?P<whole>[0-9]+)(?:[.,](?P<fraction>[0-9]+))?")

NUMBER_MESSAGE = _l("Enter a whole number, e.g. 12.")
PRICE_FORMAT_MESSAGE = _l("Write the price in đồng, e.g. 25000, 25.000, 25k or 1,5 triệu.")
DECIMAL_MESSAGE = _l("Enter a number, e.g. 2.5.")


def _in_range(number, minimum, maximum) -> bool:
    return (minimum is None or number >= minimum) and (maximum is None or number <= maximum)


def parse_int(value, *, default=None, minimum=None, maximum=None, signed=False, max_digits=MAX_DIGITS):
    """`value` read as a whole number, or `default` when it is not one or is out of range.

    Accepted: ASCII digits only (leading zeros allowed), at most `max_digits` of them, with one
    leading "-" only when `signed`. Refused: spaces, "+", "_", exponents, any other script's
    digits, superscripts, None. An int (not a bool) is only checked against the range.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return value if _in_range(value, minimum, maximum) else default
    if not isinstance(value, str):
        return default
    match = (_SIGNED if signed else _UNSIGNED).fullmatch(value)
    if match is None or len(match.group("digits")) > max_digits:
        return default
    number = int(value)
    return number if _in_range(number, minimum, maximum) else default


def parse_decimal(value, *, default=None, minimum=None, maximum=None, places=2, signed=False,
                  max_digits=MAX_DIGITS):
    """`value` read as a decimal number with at most `places` decimals, or `default`.

    "2.5" and "2,5" (the Vietnamese decimal comma) both give Decimal("2.5"). Refused: NaN,
    infinities, exponents, grouping separators, any digit that is not ASCII.
    """
    if not isinstance(value, str):
        return default
    match = _DECIMAL.fullmatch(value)
    if match is None or (match.group("sign") and not signed) or len(match.group("whole")) > max_digits:
        return default
    fraction = match.group("fraction")
    if fraction is not None and len(fraction) > places:
        return default
    number = Decimal(f"{match.group('sign')}{match.group('whole')}.{fraction or '0'}")
    return number if _in_range(number, minimum, maximum) else default


# Words after a price. "k", "nghìn" and "ngàn" multiply by a thousand, "tr" and "triệu" by a
# million; the currency ("₫", "đ", "đồng", "VND") says nothing more. Compared after folding đ
# to d and dropping accents, so "trieu", "nghin" and "dong" typed without accents count too.
_PRICE_MULTIPLIERS = {"k": 1_000, "nghin": 1_000, "ngan": 1_000, "tr": 1_000_000, "trieu": 1_000_000}
_PRICE_CURRENCY = ("₫", "vnd", "dong", "d")
_PRICE_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
_PRICE_WORD = re.compile(r"(?P<number>[0-9.,\s\u00a0\u202f\u2009]*[0-9])\s*(?P<word>[a-z]*)")
_GROUPED_PRICE = re.compile(r"[0-9]{1,3}(?:(?P<mark>[.,])[0-9]{3})(?:(?P=mark)[0-9]{3})*")
_SPACE_GROUPED_PRICE = re.compile(r"[0-9]{1,3}(?: [0-9]{3})+")
_PRICE_FRACTION = re.compile(r"(?P<whole>[0-9]{1,6})(?:[.,](?P<fraction>[0-9]{1,2}))?")
# "1tr2" (1,2 triệu) and "2k5" (2,5 nghìn): the digits after the word are its decimals; one
# digit (tenths) or three ("1tr250"). Two are refused: "1tr50" is said for 1.050.000 as often
# as for 1.500.000.
_PRICE_SPOKEN = re.compile(r"(?P<whole>[0-9]{1,6})(?P<word>k|tr)(?P<fraction>[0-9]|[0-9]{3})")
MAX_PRICE_TEXT = 40


def _fold_price_text(text: str) -> str:
    text = unicodedata.normalize("NFD", text.strip().lower().replace("đ", "d"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", text)


def _strip_currency(text: str) -> str:
    for mark in _PRICE_CURRENCY:
        if text.endswith(mark):
            return text[: -len(mark)].rstrip(" .")
        if text.startswith(mark):
            return text[len(mark):].lstrip(" .")
    return text


def parse_price(value) -> int | None:
    """A price in whole đồng as Vietnamese sellers type it, or None when it is not clearly one.

    Understood: "25000", "25.000", "25,000", "25 000", "1.250.000" (groups of three), each
    with or without a currency ("25.000 ₫", "25.000đ", "25000 VND", "25.000 đồng"); and
    a number before "k", "nghìn"/"ngàn" (×1.000) or "tr"/"triệu" (×1.000.000), with at
    most two decimals there ("25k", "2,5k", "1,5tr", "1.5 triệu"), or the habit of writing
    the decimals after the word, one or three digits ("1tr2" for 1.200.000, "2k5" for 2.500,
    "1tr250" for 1.250.000). Refused as ambiguous: "1tr50" (1.050.000 or 1.500.000?),
    "25.5" or "25,50" without such a word (a decimal or a slip?), mixed marks ("1.000,000"),
    decimals that leave part of a đồng ("1,2345k"), signs, and digits of other scripts.
    The caller checks the range.
    """
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_PRICE_TEXT:
        return None
    text = _PRICE_SPACES.sub(" ", _fold_price_text(value))
    text = _strip_currency(text)
    spoken = _PRICE_SPOKEN.fullmatch(text)
    if spoken is not None:
        thousandths = int(spoken.group("whole")) * 1000 + int(spoken.group("fraction").ljust(3, "0"))
        total, rest = divmod(thousandths * _PRICE_MULTIPLIERS[spoken.group("word")], 1000)
        return None if rest else total
    match = _PRICE_WORD.fullmatch(text)
    if match is None:
        return None
    number, word = match.group("number").strip(), match.group("word")
    if word in _PRICE_MULTIPLIERS:
        fraction = _PRICE_FRACTION.fullmatch(number)
        if fraction is None:
            return None
        hundredths = int(fraction.group("whole")) * 100 + int((fraction.group("fraction") or "0").ljust(2, "0"))
        total, rest = divmod(hundredths * _PRICE_MULTIPLIERS[word], 100)
        return None if rest else total
    if word:
        return None
    if re.fullmatch(r"[0-9]+", number):
        return parse_int(number)
    if _GROUPED_PRICE.fullmatch(number) or _SPACE_GROUPED_PRICE.fullmatch(number):
        return parse_int(re.sub(r"[., ]", "", number))
    return None


def int_arg(name: str, default=None, *, minimum=None, maximum=None, signed=False, args=None):
    """The query-string argument `name` (of `args`, else the current request's) as an int.

    Absent, malformed or out of range: `default`, never an error; a list page asked for
    `?page=²` simply shows its first page.
    """
    source = request.args if args is None else args
    return parse_int(source.get(name), default=default, minimum=minimum, maximum=maximum, signed=signed)


def parse_ids(values) -> list[int]:
    """Positive ids from the values of a repeated field, in order, without repeats or garbage."""
    ids = (parse_int(value, minimum=1) for value in values)
    return list(dict.fromkeys(number for number in ids if number is not None))


def _range_message(field):
    """The message of the field's NumberRange, which says what a valid value looks like."""
    for validator in field.validators:
        if isinstance(validator, NumberRange) and validator.message:
            return validator.message
    return None


class _StrictReading:
    """Shared by the two fields: spaces around the text are forgiven (people paste them), an
    empty box is no value (so InputRequired/Optional decide), and text that is not a number
    gets exactly one message instead of the parse error plus the range error."""

    default_message = NUMBER_MESSAGE

    def _read(self, text: str):
        raise NotImplementedError

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = valuelist[0].strip() if isinstance(valuelist[0], str) else None
        if text == "":
            self.data = None
            return
        self.data = None if text is None else self._read(text)
        if self.data is None:
            raise ValueError(self.invalid_value_message or _range_message(self) or self.default_message)

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()  # the message is already there, once


class WholeNumberField(_StrictReading, IntegerField):
    """An IntegerField reading only ASCII digits through `parse_int` ("٣", "²", "1_000",
    "1e3" are refused, not read as 3 or crashed on). `signed=True` allows a leading "-";
    `minimum`/`maximum` refuse what is outside with the field's one message (or use NumberRange)."""

    def __init__(self, label=None, validators=None, signed=False, max_digits=MAX_DIGITS, minimum=None, maximum=None,
                 **kwargs):
        super().__init__(label, validators, **kwargs)
        self.signed, self.max_digits, self.minimum, self.maximum = signed, max_digits, minimum, maximum

    def _read(self, text: str):
        return parse_int(text, signed=self.signed, max_digits=self.max_digits, minimum=self.minimum,
                         maximum=self.maximum)


class PriceField(_StrictReading, IntegerField):
    """A price in đồng read through `parse_price` ("25.000", "25k", "1,5 triệu"). Drawn as a text
    box with the phone's number pad: a number box would refuse "25.000" or "25k" in the
    browser. The range is left to the field's NumberRange, so unreadable text and a price out
    of range get different messages."""

    default_message = PRICE_FORMAT_MESSAGE

    def __init__(self, label=None, validators=None, **kwargs):
        render_kw = {"inputmode": "decimal", "autocomplete": "off", **(kwargs.pop("render_kw", None) or {})}
        super().__init__(label, validators, widget=TextInput(), render_kw=render_kw, **kwargs)
        self.invalid_value_message = PRICE_FORMAT_MESSAGE

    def _read(self, text: str):
        return parse_price(text)


class DecimalNumberField(_StrictReading, DecimalField):
    """A DecimalField reading through `parse_decimal` ("2.5" or "2,5"; no NaN, no exponent);
    `minimum`/`maximum` as for WholeNumberField."""

    default_message = DECIMAL_MESSAGE

    def __init__(self, label=None, validators=None, places=2, signed=False, minimum=None, maximum=None, **kwargs):
        super().__init__(label, validators, places=places, **kwargs)
        self.signed, self.minimum, self.maximum = signed, minimum, maximum

    def _read(self, text: str):
        return parse_decimal(text, places=self.places, signed=self.signed, minimum=self.minimum, maximum=self.maximum)

