"""Product and category forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from market.catalog.models import MAX_PRICE_VND, MAX_STOCK
from market.core.forms import PlainText, optional_int, strip_filter
from market.core.numbers import PriceField, WholeNumberField
from market.sellers.forms import province_choices

PRICE_MESSAGE = _l("Enter a price in đồng, more than 0 and at most 1.000.000.000.")
STOCK_MESSAGE = _l("Enter the quantity in stock, from 0 to 1.000.000.")
IMAGE_ACCEPT = "image/jpeg,image/png,image/webp"


PRICE_HINT = _l("In đồng, e.g. 25000, 25.000 or 25k.")


def _price_field(label, required=True, description=PRICE_HINT):
    validators = [InputRequired(PRICE_MESSAGE)] if required else [Optional()]
    return PriceField(label, validators=validators + [NumberRange(1, MAX_PRICE_VND, PRICE_MESSAGE)],
                      description=description)


def _stock_field():
    return WholeNumberField(_l("Quantity in stock"), validators=[InputRequired(STOCK_MESSAGE), NumberRange(0, MAX_STOCK, STOCK_MESSAGE)],
                            description=_l("How many you can send now; 0 shows the product as sold out."),
                            render_kw={"inputmode": "numeric", "min": 0})


class ProductForm(FlaskForm):
    name = StringField(_l("Product name"), filters=[strip_filter],
                       description=_l("What shoppers search for, e.g. “Mật ong hoa nhãn 500 ml”."),
                       validators=[DataRequired(_l("Enter the product's name.")), Length(max=150), PlainText()])
    category_id = SelectField(_l("Category"), coerce=optional_int, validate_choice=False,
                              validators=[DataRequired(_l("Choose a category."))])
    description = TextAreaField(_l("Description"),
                                description=_l("Taste, size, how it is made and kept. Plain text; line breaks are kept."),
                                validators=[Optional(), Length(max=5000), PlainText(multiline=True)])
    price_vnd = _price_field(_l("Selling price (đồng)"))
    compare_at_price_vnd = _price_field(
        _l("Price before discount (đồng)"), required=False,
        description=_l("Only when you sell below your usual price: shoppers see it crossed out. Leave empty otherwise."),
    )
    stock = _stock_field()
    unit = SelectField(_l("Sold by"), choices=[], validate_choice=False,
                       description=_l("What one price buys: a kilogram, a bunch, a bottle…"),
                       validators=[DataRequired(_l("Choose a unit."))])
    weight_grams = WholeNumberField(_l("Packed weight of one unit (grams)"), validators=[Optional(), NumberRange(0, 1_000_000)],
                                    description=_l("Used to work out the shipping fee, e.g. 550 for a 500 ml bottle."),
                                    render_kw={"inputmode": "numeric", "min": 0})
    origin_province = SelectField(_l("Origin (province or city)"), choices=province_choices, validators=[Optional()],
                                  description=_l("Leave empty for the seller's own province."))
    ocop_stars = SelectField(
        _l("OCOP rating"),
        choices=[SelectChoice("", _l("None")), SelectChoice("3", "3 ★"), SelectChoice("4", "4 ★"), SelectChoice("5", "5 ★")],
        validators=[Optional()],
        description=_l("Shown once the union has checked your certificate."),
    )
    ocop_certificate = FileField(_l("OCOP certificate"), description=_l("A photo or scan: JPEG, PNG or PDF."),
                                 render_kw={"accept": "image/jpeg,image/png,application/pdf"})
    photos = MultipleFileField(
        _l("Add photos"), description=_l("JPEG, PNG or WebP; up to 8 photos, at most 5 MB each. The first is the main photo."),
        render_kw={"accept": IMAGE_ACCEPT},
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


class UnitForm(FlaskForm):
    """A selling unit central staff add to the list sellers choose from."""
    name_vi = StringField(_l("Name in Vietnamese"), filters=[strip_filter], description=_l("As sellers say it, e.g. “bó”."),
                          validators=[DataRequired(_l("This field is required.")), Length(max=30), PlainText()])
    name_en = StringField(_l("Name in English"), filters=[strip_filter], description=_l("e.g. “bunch”."),
                          validators=[DataRequired(_l("This field is required.")), Length(max=30), PlainText()])
