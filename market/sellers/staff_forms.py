"""The staff's forms on sellers.

- The decision on an application (a seller's, or a seller's enrolment in a program): the
  action is the button pressed; some need a reason. Programs reuse it for enrolments, which
  follow the same review table (`market.core.states.REVIEW_TRANSITIONS`). A seller decision
  hard to undo takes a second step that names the seller and the consequence.
- The search and filters of the list of sellers."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from market.core.forms import PlainText, strip_filter
from market.core.i18n import select_locale
from market.core.states import REVIEW_TRANSITIONS, status_label
from market.geo import provinces
from market.sellers.models import LEGAL_FORM_LABELS
from market.sellers.staff_queries import (
    CONFIRMED_ACTIONS,
    LISTED_STATUSES,
    MAX_SEARCH,
    SellerFilters,
    parse_sort,
    program_choices,
)


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


# --- the list of sellers ------------------------------------------------------------------------

def _one_of_the_choices(form, field) -> None:
    """A value from the list or none: a hand-made URL gets a message, not a guess."""
    if field.data and field.data not in {value for value, _label in field.choices}:
        raise ValidationError(_l("Choose one of the options in the list."))


class SellerListForm(FlaskForm):
    """The search and filters of /staff/sellers, read from the query string (a GET form: no
    CSRF token, it changes nothing). `sort` comes from the column headings' links."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Name, registration number or phone"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=MAX_SEARCH), PlainText()],
    )
    status = SelectField(_l("Status"), validate_choice=False, validators=[_one_of_the_choices])
    province = SelectField(_l("Province or city"), validate_choice=False, validators=[_one_of_the_choices])
    legal_form = SelectField(_l("Legal form"), validate_choice=False, validators=[_one_of_the_choices])
    program = SelectField(_l("Program"), validate_choice=False, validators=[_one_of_the_choices])
    sort = HiddenField()

    def __init__(self, formdata, **kwargs):
        super().__init__(formdata=formdata, **kwargs)
        every = [("", _("All"))]
        self.status.choices = every + [(status, status_label(status)) for status in LISTED_STATUSES]
        self.province.choices = every + provinces.choices(select_locale())
        self.legal_form.choices = every + [(key, str(label)) for key, label in LEGAL_FORM_LABELS.items()]
        self.program.choices = every + program_choices()
        self.sort.data = parse_sort(self.sort.data)

    def filters(self) -> SellerFilters:
        """What was asked, once the form has validated."""
        return SellerFilters(
            text=self.q.data or "",
            status=self.status.data or None,
            province_code=self.province.data or None,
            legal_form=self.legal_form.data or None,
            program=self.program.data or None,
            sort=parse_sort(self.sort.data),
        )


# --- the second step of a decision hard to undo -------------------------------------------------


def confirmation_step(action: str, form_data) -> str:
    """Which step a decision posted with `form_data` is at: "act" (a decision without a second
    step, or confirmed on it), "cancel" (the second step's Cancel) or "confirm" (show it)."""
    if action not in CONFIRMED_ACTIONS:
        return "act"
    if form_data.get("cancel"):
        return "cancel"
    return "act" if form_data.get("confirm") == "yes" else "confirm"


def confirmation_texts(preview) -> dict[str, object]:
    """The second step's question, consequences (plain sentences) and its Yes button."""
    name, products = preview.seller_name, preview.products_on_sale
    told_with_reason = _("The owner is told your reason by message and email.")
    told = told_with_reason if preview.reason else _("The owner is told by message and email.")
    texts = {
        "approve": (
            _("Approve %(name)s?", name=name),
            [_("Its page opens in the shop at once and its members can list products for sale."), told],
            _("Yes, approve"),
        ),
        "reject": (
            _("Reject the application of %(name)s?", name=name),
            [_("This is final: the application cannot be edited or sent again, and the seller cannot sell here."),
             told_with_reason],
            _("Yes, reject"),
        ),
        "suspend": (
            _("Suspend %(name)s?", name=name),
            [ngettext("Its %(num)d product on sale leaves the shop at once, with its page, and its members can "
                      "no longer list products.",
                      "Its %(num)d products on sale leave the shop at once, with its page, and its members can "
                      "no longer list products.", products) if products
             else _("Its page leaves the shop at once and its members can no longer list products."),
             _("Orders already placed stay with it to ship."), told_with_reason],
            _("Yes, suspend"),
        ),
        "reinstate": (
            _("Reinstate %(name)s?", name=name),
            [ngettext("Its %(num)d product on sale comes back to the shop at once, with its page, and its members "
                      "can list products again.",
                      "Its %(num)d products on sale come back to the shop at once, with its page, and its members "
                      "can list products again.", products) if products
             else _("Its page comes back to the shop at once and its members can list products again."), told],
            _("Yes, reinstate"),
        ),
    }
    question, consequences, yes = texts[preview.action]
    return {"question": question, "consequences": consequences, "yes": yes}
