"""Staff forms for orders and sellers' money: cancel, refund, mark paid, record a settlement."""
import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from market.core.forms import PlainText, strip_filter

# A whole number of đồng, signed, with optional thousands separators: "1.500.000", "-250 000",
# "1,500,000", "-250000". A separator must be followed by exactly three digits, so "1,5" is
# refused rather than read as 15 (đồng have no minor unit).
_AMOUNT = re.compile(r"([+-]?)(\d{1,3}(?:([.,\u00a0\u202f ])\d{3})(?:\3\d{3})*|\d+)", re.ASCII)  # ASCII digits only
_CURRENCY_SIGNS = ("₫", "đồng", "dong", "VND", "vnd", "đ", "d")
AMOUNT_MESSAGE = _l("Enter a whole number of đồng, e.g. 1.500.000 or -250.000.")


def parse_dong(text: str) -> int | None:
    """A typed amount of đồng as an int, or None when it is not a plain whole number."""
    text = (text or "").strip()
    for sign in _CURRENCY_SIGNS:
        if text.endswith(sign):
            text = text[: -len(sign)].strip()
            break
    match = _AMOUNT.fullmatch(text)
    if match is None:
        return None
    value = int(re.sub(r"\D", "", match.group(2)))
    return -value if match.group(1) == "-" else value


class DongField(StringField):
    """A signed whole amount of đồng typed as people write it (dots, commas or spaces between
    thousands); `data` is an int. What was typed is shown back when it could not be read."""

    def process_formdata(self, valuelist):
        if not valuelist or not (valuelist[0] or "").strip():
            self.data = None
            return
        if len(valuelist[0]) > 30:
            self.data = None
            raise ValueError(AMOUNT_MESSAGE)
        self.data = parse_dong(valuelist[0])
        if self.data is None:
            raise ValueError(AMOUNT_MESSAGE)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return str(self.data) if self.data is not None else ""


class CancelOrderForm(FlaskForm):
    """Staff cancel a seller's part; the reason is required by the service (shown to the shopper and seller)."""

    reason = TextAreaField(
        _l("Reason for cancelling (the shopper and the seller see it)"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=500), PlainText(multiline=True)],
    )


class MarkPaidForm(FlaskForm):
    """Staff saw the bank transfer arrive: the button and its CSRF token, nothing else."""


class RefundForm(FlaskForm):
    reference = StringField(
        _l("Reference of the refund transfer"),
        filters=[strip_filter],
        description=_l("The reference of the bank transfer that sent the money back to the shopper."),
        validators=[DataRequired(_l("Enter the reference of the refund transfer.")), Length(max=100), PlainText()],
    )


class SettlementForm(FlaskForm):
    amount = DongField(
        _l("Amount (đồng)"),
        description=_l(
            "Positive: the seller paid the union. Negative: the union paid the seller. "
            "Whole đồng, e.g. 1.500.000 or -250.000."
        ),
        validators=[InputRequired(AMOUNT_MESSAGE)],
    )
    memo = StringField(
        _l("Memo"),
        filters=[strip_filter],
        description=_l("What this settlement was, e.g. the bank transfer's reference."),
        validators=[
            DataRequired(_l("Say what this settlement was (e.g. the bank transfer's reference).")),
            Length(max=300),
            PlainText(),
        ],
    )
