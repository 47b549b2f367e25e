"""Product and category forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from market.catalog.models import MAX_PRICE_VND, MAX_STOCK, UNITS
from market.core.forms import PlainText, optional_int, strip_filter
from market.core.numbers import WholeNumberField
from market.sellers.forms import province_choices

PRICE_MESSAGE = _l("Enter a price in đồng, more than 0 and at most 1.000.000.000.")
STOCK_MESSAGE = _l("Enter the quantity in stock, from 0 to 1.000.000.")
IMAGE_ACCEPT = "image/jpeg,image/png,image/webp"


def _price_field(label, required=True):
    validators = [InputRequired(PRICE_MESSAGE)] if required else [Optional()]
    return WholeNumberField(label, validators=validators + [NumberRange(1, MAX_PRICE_VND, PRICE_MESSAGE)],
                        render_kw={"inputmode": "numeric", "min": 1})


def _stock_field():
    return WholeNumberField(_l("In stock"), validators=[InputRequired(STOCK_MESSAGE), NumberRange(0, MAX_STOCK, STOCK_MESSAGE)],
                        render_kw={"inputmode": "numeric", "min": 0})


class ProductForm(FlaskForm):
    name = StringField(_l("Product name"), filters=[strip_filter],
                       validators=[DataRequired(_l("Enter the product's name.")), Length(max=150), PlainText()])
    category_id = SelectField(_l("Category"), coerce=optional_int, validate_choice=False,
                              validators=[DataRequired(_l("Choose a category."))])
    description = TextAreaField(_l("Description"), description=_l("Plain text; line breaks are kept."),
                                validators=[Optional(), Length(max=5000), PlainText(multiline=True)])
    price_vnd = _price_field(_l("Price (đồng)"))
    compare_at_price_vnd = _price_field(_l("Price before discount (optional)"), required=False)
    stock = _stock_field()
    unit = SelectField(_l("Unit"), choices=[SelectChoice(k, v) for k, v in UNITS.items()],
                       validators=[DataRequired(_l("Choose a unit."))])
    weight_grams = WholeNumberField(_l("Weight for shipping (grams)"), validators=[Optional(), NumberRange(0, 1_000_000)],
                                render_kw={"inputmode": "numeric", "min": 0})
    origin_province = SelectField(_l("Origin (province or city)"), choices=province_choices, validators=[Optional()],
                                  description=_l("Leave empty for the seller's own province."))
    ocop_stars = SelectField(
        _l("OCOP rating"),
        choices=[SelectChoice("", _l("None")), SelectChoice("3", "3 ★"), SelectChoice("4", "4 ★"), SelectChoice("5", "5 ★")],
        validators=[Optional()],
        description=_l("Shown once the union has checked your certificate."),
    )
    ocop_certificate = FileField(_l("OCOP certificate (JPEG, PNG or PDF)"),
                                 render_kw={"accept": "image/jpeg,image/png,application/pdf"})
    photos = MultipleFileField(
        _l("Photos (JPEG, PNG or WebP, up to 8, at most 5 MB each)"), render_kw={"accept": IMAGE_ACCEPT}
    )


class QuickEditForm(FlaskForm):
    stock = _stock_field()
    price_vnd = _price_field(_l("Price (đồng)"))
    seen_stock = HiddenField()


class ImportForm(FlaskForm):
    """The CSV file of products a seller imports (/sell/products/import)."""
    file = FileField(
        _l("CSV file"),
        validators=[FileRequired(_l("Choose a CSV file."))],
        render_kw={"accept": ".csv,text/csv"},
    )


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason (the seller sees it)"), filters=[strip_filter],
                           validators=[Optional(), Length(max=2000), PlainText(multiline=True)])


class CategoryForm(FlaskForm):
    name_vi = StringField(_l("Name in Vietnamese"), filters=[strip_filter],
                          validators=[DataRequired(_l("This field is required.")), Length(max=100), PlainText()])
    name_en = StringField(_l("Name in English"), filters=[strip_filter],
                          validators=[DataRequired(_l("This field is required.")), Length(max=100), PlainText()])
    parent_id = SelectField(_l("Under"), coerce=optional_int, validate_choice=False)
    position = WholeNumberField(_l("Position"), default=0, validators=[Optional(), NumberRange(0, 1000)])
