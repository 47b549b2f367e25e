"""Program forms: staff edit programs; sellers apply to them."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from market.core.forms import PlainText, strip_filter
from market.core.numbers import DecimalNumberField, WholeNumberField
from market.geo.provinces import all_provinces
from market.programs.models import METRIC_LABELS
from market.sellers.forms import _required_count_field
from market.sellers.models import LEGAL_FORM_LABELS

REQUIRED = _l("This field is required.")


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _text(label, max_length, required=True, multiline=False):
    validators = [DataRequired(REQUIRED)] if required else [Optional()]
    validators += [Length(max=max_length), PlainText(multiline=multiline)]
    field_class = TextAreaField if multiline else StringField
    return field_class(label, filters=[strip_filter], validators=validators)


class ProgramForm(FlaskForm):
    name_vi = _text(_l("Name in Vietnamese"), 200)
    name_en = _text(_l("Name in English"), 200)
    description_vi = _text(_l("Description in Vietnamese"), 5000, required=False, multiline=True)
    description_en = _text(_l("Description in English"), 5000, required=False, multiline=True)
    badge_vi = _text(_l("Badge in Vietnamese (shown on the storefront)"), 40)
    badge_en = _text(_l("Badge in English"), 40)
    starts_on = DateField(_l("Starts on"), validators=[InputRequired(_l("Enter a date."))])
    ends_on = DateField(_l("Ends on (optional)"), validators=[Optional()])
    legal_forms = CheckboxList(
        _l("Legal forms allowed (none ticked: all)"),
        choices=[SelectChoice(k.value, v) for k, v in LEGAL_FORM_LABELS.items()],
        validate_choice=True,
    )
    women_led_required = BooleanField(_l("Only women-led sellers"), default=True)
    province_codes = CheckboxList(
        _l("Provinces (none ticked: all)"),
        choices=lambda: [SelectChoice(p.code, p.name) for p in all_provinces()],
    )
    commission_rate = DecimalNumberField(
        _l("Commission rate for enrolled sellers (%)"),
        places=2,
        # The range is checked by the field itself: NumberRange would %-format this message and fail on its "%".
        validators=[InputRequired(REQUIRED)],
        minimum=0,
        maximum=100,
        invalid_value_message=_l("The commission rate must be between 0 and 100 %."),
        render_kw={"min": 0, "max": 100},
    )
    featured = BooleanField(_l("Feature on the home page"))
    targets_due_on = DateField(_l("Targets due on (optional)"), validators=[Optional()])


# One optional target field per metric, named target_<metric>.
for _metric, _label in METRIC_LABELS.items():
    setattr(
        ProgramForm,
        f"target_{_metric.value}",
        WholeNumberField(_label, validators=[Optional(), NumberRange(1, 10_000_000, _l("Enter a whole number above 0."))]),
    )


class EnrolForm(FlaskForm):
    statement = TextAreaField(
        _l("Why would the program help you?"),
        filters=[strip_filter],
        validators=[DataRequired(_l("Say in a few words why the program would help you.")), Length(max=2000), PlainText(multiline=True)],
    )
    women_members = _required_count_field(_l("Women members today"))
    jobs_for_women = _required_count_field(_l("Stable jobs for women today"))
