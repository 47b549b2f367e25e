"""Forms of complaints: report a product, report a problem with an order part, the seller's
answer, the staff decision. The services check every rule again (reason list, lengths)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, MultipleFileField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from market.complaints.rules import DECISION_LABELS, MAX_ANSWER, MAX_TEXT, ORDER_REASONS, PRODUCT_REASONS
from market.core.forms import PlainText, optional_int, strip_filter

class ProductReportForm(FlaskForm):
    reason = RadioField(_l("What is wrong?"), choices=[(key, label) for key, label in PRODUCT_REASONS.items()],
                        validators=[DataRequired(_l("Choose a reason from the list."))])
    text = TextAreaField(_l("Tell us more"), filters=[strip_filter],
                         validators=[DataRequired(_l("Tell us what is wrong.")), Length(max=MAX_TEXT),
                                     PlainText(multiline=True)])
    # Guests only: the view drops it for a signed-in reporter.
    email = EmailField(_l("Your email"), filters=[strip_filter],
                       description=_l("We tell you what the union decides. Only the union sees it."),
                       validators=[DataRequired(_l("Enter your email, so we can tell you what happens.")),
                                   Length(max=254), Email(_l("Enter a valid email address."))])


class OrderProblemForm(FlaskForm):
    reason = RadioField(_l("What happened?"), choices=[(key, label) for key, label in ORDER_REASONS.items()],
                        validators=[DataRequired(_l("Choose a reason from the list."))])
    text = TextAreaField(_l("Tell us more"), filters=[strip_filter],
                         validators=[DataRequired(_l("Tell us what is wrong.")), Length(max=MAX_TEXT),
                                     PlainText(multiline=True)])
    photos = MultipleFileField(_l("Photos (up to 3, optional)"), render_kw={"accept": "image/jpeg,image/png,image/webp"},
                               description=_l("JPEG, PNG or WebP: the parcel, the damage, what arrived."))


class AnswerForm(FlaskForm):
    text = TextAreaField(_l("Your answer"), filters=[strip_filter],
                         description=_l("The shopper and the union read it."),
                         validators=[DataRequired(_l("Write your answer.")), Length(max=MAX_ANSWER),
                                     PlainText(multiline=True)])


class DecisionForm(FlaskForm):
    decision = SelectField(_l("Decision"), choices=[(key, label) for key, label in DECISION_LABELS.items()],
                           validators=[DataRequired(_l("Choose a decision from the list."))])
    product_id = SelectField(_l("Product to take down"), coerce=optional_int, choices=[], validate_choice=False,
                             validators=[Optional()])
    reason = TextAreaField(_l("Reason"), filters=[strip_filter],
                           description=_l("The shopper and the seller see it."),
                           validators=[DataRequired(_l("Give a reason: the shopper and the seller will see it.")),
                                       Length(max=MAX_TEXT), PlainText(multiline=True)])

    def set_products(self, products) -> None:
        self.product_id.choices = [("", _l("Choose…"))] + [(product.id, product.name) for product in products]

