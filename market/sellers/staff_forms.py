"""The staff's decision on an application (a seller's, or a seller's enrolment in a program):
the action is the button pressed; some need a reason. Programs reuse it for enrolments, which
follow the same review table (`market.core.states.REVIEW_TRANSITIONS`)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from market.core.forms import PlainText, strip_filter
from market.core.states import REVIEW_TRANSITIONS


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


def allowed_decisions(status: str) -> dict:
    """The decisions (action: button label) the review table allows from `status`."""
    allowed = set(REVIEW_TRANSITIONS.allowed_actions(status))
    return {action: label for action, label in DECISION_LABELS.items() if action in allowed}
