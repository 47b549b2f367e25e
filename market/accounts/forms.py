"""Account forms; every message is in the visitor's language."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from market.accounts.services import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from market.core.forms import PlainText, VietnamesePhone, strip_filter

NAME_REQUIRED = _l("Enter your full name.")
NAME_LENGTH = _l("Your name must be at most 120 characters.")
EMAIL_REQUIRED = _l("Enter your email address.")
EMAIL_INVALID = _l("Enter a valid email address, e.g. lan@example.com.")
PASSWORD_REQUIRED = _l("Enter a password.")
PASSWORD_LENGTH = _l(
    "The password must be between %(min)d and %(max)d characters.",
    min=MIN_PASSWORD_LENGTH,
    max=MAX_PASSWORD_LENGTH,
)
PASSWORDS_DIFFER = _l("The two passwords do not match.")


def _email_field(label=None):
    return EmailField(
        label or _l("Email"),
        filters=[strip_filter],
        validators=[DataRequired(EMAIL_REQUIRED), Length(max=254, message=EMAIL_INVALID), Email(EMAIL_INVALID)],
    )


def _new_password_fields():
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(PASSWORD_REQUIRED),
            Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH, message=PASSWORD_LENGTH),
        ],
        description=_l("At least %(min)d characters.", min=MIN_PASSWORD_LENGTH),
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(_l("Repeat the password.")), EqualTo("password", PASSWORDS_DIFFER)],
    )
    return password, confirm


def _full_name_field():
    return StringField(
        _l("Full name"),
        filters=[strip_filter],
        validators=[DataRequired(NAME_REQUIRED), Length(max=120, message=NAME_LENGTH), PlainText()],
    )


def _phone_field():
    return StringField(
        _l("Mobile phone (optional)"),
        filters=[strip_filter],
        validators=[Optional(), VietnamesePhone()],
    )


class RegisterForm(FlaskForm):
    full_name = _full_name_field()
    email = _email_field()
    phone = _phone_field()
    password, confirm = _new_password_fields()
    next = HiddenField()


class LoginForm(FlaskForm):
    email = _email_field()
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(PASSWORD_REQUIRED), Length(max=MAX_PASSWORD_LENGTH, message=PASSWORD_LENGTH)],
    )
    remember = BooleanField(_l("Remember me"))
    next = HiddenField()


class ProfileForm(FlaskForm):
    full_name = _full_name_field()
    phone = _phone_field()
    locale = SelectField(
        _l("Language"),
        choices=[SelectChoice("vi", "Tiếng Việt", {"lang": "vi"}), SelectChoice("en", "English", {"lang": "en"})],
        validators=[DataRequired()],
    )


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Enter your current password.")), Length(max=MAX_PASSWORD_LENGTH)],
    )
    password, confirm = _new_password_fields()


class ForgotPasswordForm(FlaskForm):
    email = _email_field()


class ResetPasswordForm(FlaskForm):
    password, confirm = _new_password_fields()


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(_l("Enter your password.")), Length(max=MAX_PASSWORD_LENGTH)],
    )
    understood = BooleanField(
        _l("I understand that my account is deleted for good and cannot be restored."),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )


class StaffUserActionForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (kept in the account's history)"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=2000), PlainText(multiline=True)],
    )
