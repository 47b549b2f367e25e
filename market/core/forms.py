"""What the forms of every domain share: the button-only form, service errors shown beside
their fields, and field validators."""
from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import ValidationError

from market.core.domain import DomainError
from market.core.numbers import parse_int
from market.core.phones import parse_vn_phone


class ActionForm(FlaskForm):
    """A button-only form (remove, cancel, accept...): it carries the CSRF token and nothing else."""


def show_errors(form, error: DomainError) -> None:
    """Put a service's error(s) beside the form fields they belong to; the rest are flashed."""
    errors = getattr(error, "errors", None) or {error.field: error.message}
    for field_name, message in errors.items():
        field = getattr(form, field_name or "", None)
        if field is not None and hasattr(field, "errors"):
            if not isinstance(field.errors, list):
                field.errors = list(field.errors)
            field.errors.append(str(message))
        else:
            flash(str(message), "error")


class VietnamesePhone:
    """Accept a Vietnamese number (mobile only by default) and put its E.164 form in `field.data`."""

    def __init__(self, mobile_only: bool = True):
        self.mobile_only = mobile_only

    def __call__(self, form, field):
        if not field.data:
            field.data = None
            return
        e164 = parse_vn_phone(field.data, self.mobile_only)
        if e164 is None:
            raise ValidationError(
                _l("Enter a Vietnamese mobile number, e.g. 0912 345 678.")
                if self.mobile_only
                else _l("Enter a Vietnamese phone number, e.g. 0912 345 678.")
            )
        field.data = e164


def strip_filter(value):
    """Trim spaces around text input (WTForms filter)."""
    return value.strip() if isinstance(value, str) else value


class PlainText:
    """Refuse control characters (NUL breaks PostgreSQL text); line breaks only when allowed."""

    def __init__(self, multiline: bool = False):
        self.allowed = {"\n", "\r", "\t"} if multiline else set()

    def __call__(self, form, field):
        text = field.data or ""
        if any((ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0) and ch not in self.allowed for ch in text):
            raise ValidationError(_l("This text contains characters that are not allowed."))


def optional_int(value):
    """SelectField coerce for numeric choices with an empty "Choose…" option."""
    if value in (None, ""):
        return None
    number = parse_int(value)
    if number is None:
        raise ValueError(value)  # SelectField turns it into its "not a valid choice" error
    return number
