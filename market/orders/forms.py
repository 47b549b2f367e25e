"""Shopper forms: add to cart, the cart, checkout, the address book, finding an order."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from market.core.forms import PlainText, strip_filter
from market.core.numbers import WholeNumberField
from market.sellers.forms import province_choices

QUANTITY_MESSAGE = _l("Choose a quantity between 1 and 99.")


class AddToCartForm(FlaskForm):
    product_id = HiddenField()
    quantity = WholeNumberField(_l("Quantity"), default=1, validators=[InputRequired(QUANTITY_MESSAGE),
                                                                     NumberRange(1, 99, QUANTITY_MESSAGE)])


class AddressFields(FlaskForm):
    """Who receives the parcel and where, on the 2025 map (no district level)."""

    full_name = StringField(_l("Full name"), filters=[strip_filter],
                            validators=[DataRequired(_l("Enter the name of the person receiving the order.")),
                                        Length(max=120), PlainText()])
    # Checked (and put in E.164) by the service, so the message is the same everywhere.
    phone = StringField(_l("Mobile phone"), filters=[strip_filter],
                        validators=[DataRequired(_l("Enter a Vietnamese mobile number, e.g. 0912 345 678.")),
                                    Length(max=32)])
    province = SelectField(_l("Province or city"), choices=province_choices,
                           validators=[DataRequired(_l("Choose a province or city."))])
    # `list`: the province's 2025 wards as suggestions (orders/_ward_suggestions.html); any text is still
    # accepted here and checked against the map by the service.
    commune = StringField(_l("Commune or ward"), filters=[strip_filter], render_kw={"list": "ward-suggestions"},
                          description=_l("As on the 2025 map, e.g. “Phường Ba Đình” or “Xã Tân Hội”."),
                          validators=[DataRequired(_l("Enter the commune or ward.")), Length(max=100), PlainText()])
    street_address = StringField(_l("House number and street"), filters=[strip_filter],
                                 validators=[DataRequired(_l("Enter the house number and street.")),
                                             Length(max=200), PlainText()])


class AddressForm(AddressFields):
    is_default = BooleanField(_l("Use this address by default"))


class CheckoutForm(AddressFields):
    email = EmailField(_l("Email"), filters=[strip_filter],
                       description=_l("For the order's confirmation and link. Optional with cash on delivery."),
                       validators=[Optional(), Email(_l("Enter a valid email address.")), Length(max=254)])
    note = TextAreaField(_l("Note for the sellers"), validators=[Optional(), Length(max=1000),
                                                                 PlainText(multiline=True)])
    payment_method = RadioField(_l("Payment"), default="cod",
                                validators=[DataRequired(_l("Choose one of the payment methods offered."))])
    save_address = BooleanField(_l("Save this address in my address book"))


class CancelPartForm(FlaskForm):
    reason = TextAreaField(_l("Why are you cancelling? (optional)"), filters=[strip_filter],
                           description=_l("The seller reads it."),
                           validators=[Optional(), Length(max=500), PlainText(multiline=True)],
                           render_kw={"rows": 2})


class FindOrderForm(FlaskForm):
    number = StringField(_l("Order number"), filters=[strip_filter], description=_l("For example CPN-2026-000123."),
                         validators=[DataRequired(_l("Enter the order number.")), Length(max=20), PlainText()])
    contact = StringField(_l("Phone or email given at checkout"), filters=[strip_filter],
                          validators=[DataRequired(_l("Enter the phone or the email.")), Length(max=254), PlainText()])


class ReceiptForm(FlaskForm):
    receipt = FileField(_l("Photo of the transfer receipt"),
                        validators=[DataRequired(_l("Choose a photo of the receipt."))],
                        render_kw={"accept": "image/jpeg,image/png,image/webp"})
