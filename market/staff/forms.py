"""Staff decision form: the action is the button pressed; some need a reason."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from market.core.forms import PlainText, strip_filter


class DecisionForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (required to reject, request changes or suspend; the applicant sees it)"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=2000), PlainText(multiline=True)],
    )


# Button label of each decision, in the order they are shown.
DECISION_LABELS = {
    "approve": _l("Approve"),
    "request_changes": _l("Request changes"),
    "reject": _l("Reject"),
    "suspend": _l("Suspend"),
    "reinstate": _l("Reinstate"),
}
