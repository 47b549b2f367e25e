"""Staff forms about payments: resolving a payment anomaly."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from market.core.forms import PlainText, strip_filter
from market.payments.anomalies import NOTE_MAX


class ResolveAnomalyForm(FlaskForm):
    """Central staff say what they did about an anomaly (kept in the audit trail)."""

    note = TextAreaField(
        _l("What was done"),
        filters=[strip_filter],
        description=_l("E.g. refunded in Stripe on 2 December, or checked: a test payment."),
        validators=[DataRequired(_l("Say what was done about it.")), Length(max=NOTE_MAX), PlainText(multiline=True)],
    )
