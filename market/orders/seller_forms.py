"""Forms of the seller's order pages: moving an order on, and the shipping terms."""
import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import TextInput

from market.core.forms import PlainText, strip_filter

# How people write an amount of đồng: "30000", "30.000", "30 000", "30,000 ₫", "30.000đ".
_CURRENCY = re.compile(r"\s*(₫|đ|đồng|dong|vnd)$", re.IGNORECASE)
# ASCII digits only ("٣" is a \d too otherwise); spaces include the no-break ones of formatted money.
_AMOUNT = re.compile(r"\d+|\d{1,3}(?:([.,\s\u00a0\u202f])\d{3})(?:\1\d{3})*", re.ASCII)
AMOUNT_MESSAGE = _l("Enter an amount in đồng, e.g. 30000.")


class AmountField(IntegerField):
    """A whole number of đồng; thousands separators and the currency sign are tolerated
    (a text input, so a phone's keyboard lets people type them)."""

    widget = TextInput()

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = (valuelist[0] or "").strip()
        if not raw:
            self.data = None
            return
        amount = _CURRENCY.sub("", raw)
        if not _AMOUNT.fullmatch(amount) or len(amount) > 16:
            self.data = None
            raise ValueError(AMOUNT_MESSAGE)
        self.data = int(re.sub(r"\D", "", amount))


class ShipForm(FlaskForm):
    carrier = StringField(
        _l("Carrier"), filters=[strip_filter],
        description=_l("e.g. Viettel Post, GHN, VNPost"),
        validators=[DataRequired(_l("Enter the carrier.")), Length(max=60), PlainText()],
    )
    tracking_number = StringField(
        _l("Tracking number"), filters=[strip_filter],
        validators=[DataRequired(_l("Enter the tracking number.")), Length(max=60), PlainText()],
    )


class DeliverForm(FlaskForm):
    cash_collected = BooleanField(_l("Cash collected"))


class CancelForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for cancelling"), filters=[strip_filter],
        description=_l("The shopper will see it."),
        validators=[DataRequired(_l("Give a reason: the shopper will see it.")), Length(max=500),
                    PlainText(multiline=True)],
        render_kw={"rows": 3, "maxlength": 500},
    )


class ShippingForm(FlaskForm):
    shipping_fee_vnd = AmountField(
        _l("Shipping fee per order (đồng)"),
        description=_l("Charged once on each order from your shop. 0 for free shipping."),
        validators=[InputRequired(AMOUNT_MESSAGE)],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    free_shipping_over_vnd = AmountField(
        _l("Free shipping from (đồng)"),
        description=_l("Orders from your shop of at least this much ship free. Leave empty for never."),
        validators=[Optional()],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
