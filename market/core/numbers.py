"""Numbers sent by a visitor: the one place where request text becomes an int (or a Decimal).

Python's own readers are far too lenient for request text: `int()` takes "٣" (an
Arabic-Indic three), "１２" (full-width), " 1 ", "1_000" and "+5"; `Decimal()` takes "NaN",
"sNaN" and "1e9"; and `str.isdigit()` says True for "²" and "①", which `int()` then refuses
(an uncaught ValueError, a 500). Here only ASCII digits count, with a bounded length, so what
comes back is a plain number in range or the caller's default: never an exception.

- `parse_int` / `parse_decimal`: text -> number or default.
- `int_arg`: a query-string argument (`?page=2`) -> number or default.
- `parse_ids`: the values of a repeated field (`remove_image=3&remove_image=5`) -> ids.
- `WholeNumberField` / `DecimalNumberField`: WTForms fields reading through the same rules,
  with one clear message when the text is not a number.
"""
import re
from decimal import Decimal

from flask import request
from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, IntegerField
from wtforms.validators import NumberRange, StopValidation

# 18 digits always fit a signed 64-bit column (BIGINT), so a parsed number never overflows
# the database; callers with smaller columns pass a `maximum`.
MAX_DIGITS = 18

_UNSIGNED = re.compile(r"(?P<digits>[0-9]+)")
_SIGNED = re.compile(r"-?(?P<digits>[0-9]+)")
_DECIMAL = re.compile(r"(?P<sign>-?)(?P<whole>[0-9]+)(?:[.,](?P<fraction>[0-9]+))?")

NUMBER_MESSAGE = _l("Enter a whole number, e.g. 12.")
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


class DecimalNumberField(_StrictReading, DecimalField):
    """A DecimalField reading through `parse_decimal` ("2.5" or "2,5"; no NaN, no exponent);
    `minimum`/`maximum` as for WholeNumberField."""

    default_message = DECIMAL_MESSAGE

    def __init__(self, label=None, validators=None, places=2, signed=False, minimum=None, maximum=None, **kwargs):
        super().__init__(label, validators, places=places, **kwargs)
        self.signed, self.minimum, self.maximum = signed, minimum, maximum

    def _read(self, text: str):
        return parse_decimal(text, places=self.places, signed=self.signed, minimum=self.minimum, maximum=self.maximum)

