"""Seller forms: application and profile, members, figures."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import BooleanField, EmailField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, Regexp

from market.core.forms import PlainText, VietnamesePhone, strip_filter
from market.core.numbers import WholeNumberField
from market.geo.provinces import all_provinces
from market.sellers.models import LEADER_ROLE_LABELS, LEGAL_FORM_LABELS
from market.sellers.services import MAX_COUNT

COUNT_MESSAGE = _l("Enter a whole number between 0 and 100.000.")
IMAGE_ACCEPT = "image/jpeg,image/png,image/webp"
DOCUMENT_ACCEPT = "image/jpeg,image/png,application/pdf"


def province_choices() -> list[SelectChoice]:
    """The 34 units, each labelled with the pre-2025 provinces it absorbed."""
    choices = [SelectChoice("", _l("Choose…"))]
    for province in all_provinces():
        label = province.name
        if province.former_names:
            label = f"{province.name} ({', '.join(province.former_names)})"
        choices.append(SelectChoice(province.code, label))
    return choices


def _count_field(label):
    return WholeNumberField(label, validators=[Optional(), NumberRange(0, MAX_COUNT, COUNT_MESSAGE)], render_kw={"inputmode": "numeric", "min": 0})


class ApplicationForm(FlaskForm):
    legal_form = SelectField(
        _l("Legal form"),
        choices=[SelectChoice("", _l("Choose…"))] + [SelectChoice(k.value, v) for k, v in LEGAL_FORM_LABELS.items()],
        validators=[DataRequired(_l("Choose the legal form."))],
    )
    name = StringField(
        _l("Name of the cooperative or business"),
        filters=[strip_filter],
        validators=[DataRequired(_l("Enter the seller's name.")), Length(max=150), PlainText()],
    )
    registration_number = StringField(
        _l("Business registration number"),
        filters=[strip_filter],
        description=_l("Required for cooperatives and enterprises; optional for cooperative groups and households."),
        validators=[
            Optional(),
            Length(max=30),
            Regexp(r"^[A-Za-z0-9./-]+$", message=_l("Use only letters, digits, dots, slashes and dashes.")),
        ],
    )
    province = SelectField(_l("Province or city"), choices=province_choices, validators=[DataRequired(_l("Choose a province or city."))])
    commune = StringField(
        _l("Commune or ward"),
        filters=[strip_filter],
        description=_l("As on the 2025 map, e.g. “Phường Xuân Hương - Đà Lạt” or “Xã Tân Hội”."),
        validators=[Optional(), Length(max=100), PlainText()],
    )
    street_address = StringField(_l("Street address (house number, street, hamlet)"), filters=[strip_filter], validators=[Optional(), Length(max=200), PlainText()])
    phone = StringField(_l("Phone"), filters=[strip_filter], validators=[Optional(), VietnamesePhone(mobile_only=False)])
    story = TextAreaField(
        _l("Your story"),
        description=_l("Plain text, shown on your page: who you are, what you make, how."),
        validators=[Optional(), Length(max=5000), PlainText(multiline=True)],
    )
    members_count = _count_field(_l("Members"))
    women_members_count = _count_field(_l("Women members"))
    workers_count = _count_field(_l("Workers"))
    women_workers_count = _count_field(_l("Women workers"))
    women_led = BooleanField(_l("A woman chairs or directs the seller, or owns the majority of it"))
    leader_name = StringField(_l("Name of the woman who leads it"), filters=[strip_filter], validators=[Optional(), Length(max=120), PlainText()])
    leader_role = SelectField(
        _l("Her role"),
        choices=[SelectChoice("", _l("Choose…"))] + [SelectChoice(k.value, v) for k, v in LEADER_ROLE_LABELS.items()],
        validators=[Optional()],
    )
    leadership_statement = TextAreaField(
        _l("How women lead the seller"),
        validators=[Optional(), Length(max=1000), PlainText(multiline=True)],
    )
    logo = FileField(_l("Logo (JPEG, PNG or WebP, at most 5 MB)"), render_kw={"accept": IMAGE_ACCEPT})
    certificate = FileField(
        _l("Business registration certificate (JPEG, PNG or PDF, at most 10 MB)"), render_kw={"accept": DOCUMENT_ACCEPT}
    )
    documents = MultipleFileField(
        _l("Photos and other documents (JPEG, PNG or PDF)"), render_kw={"accept": DOCUMENT_ACCEPT}
    )
    # Required to submit (checked by the service, so a draft can be saved without it).
    accept_terms = BooleanField(_l("I have read the seller terms and I accept them on behalf of the seller"))


# Fixed once the union approved the seller; the owner edits the rest.
FIXED_AFTER_APPROVAL = ("legal_form", "name", "registration_number", "province", "women_led", "certificate", "documents")


class InviteForm(FlaskForm):
    email = EmailField(
        _l("Email of the person to invite"),
        filters=[strip_filter],
        validators=[DataRequired(_l("Enter an email address.")), Length(max=254), Email(_l("Enter a valid email address, e.g. lan@example.com."))],
    )


def _required_count_field(label):
    # InputRequired, not DataRequired: 0 is a real answer.
    return WholeNumberField(
        label,
        validators=[InputRequired(COUNT_MESSAGE), NumberRange(0, MAX_COUNT, COUNT_MESSAGE)],
        render_kw={"inputmode": "numeric", "min": 0},
    )


class FiguresForm(FlaskForm):
    women_members = _required_count_field(_l("Women members"))
    jobs_for_women = _required_count_field(_l("Stable jobs for women"))
