"""The review form (shopper), the reply form (seller) and the hiding form (staff)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from market.core.forms import PlainText, strip_filter
from market.core.numbers import WholeNumberField

RATING_MESSAGE = _l("Choose a rating from 1 to 5 stars.")


class ReviewForm(FlaskForm):
    rating = WholeNumberField(_l("Your rating"), validators=[InputRequired(RATING_MESSAGE)], minimum=1, maximum=5,
                              max_digits=1, invalid_value_message=RATING_MESSAGE)
    body = TextAreaField(_l("Your review (optional)"), filters=[strip_filter],
                         description=_l("What you liked or did not: taste, quality, packing. At most 2,000 characters."),
                         validators=[Optional(), Length(max=2000), PlainText(multiline=True)])
    photos = MultipleFileField(_l("Photos (up to 3; JPEG, PNG or WebP, at most 5 MB each)"),
                               render_kw={"accept": "image/jpeg,image/png,image/webp"})


class ReplyForm(FlaskForm):
    text = TextAreaField(_l("Your reply"), filters=[strip_filter],
                         validators=[InputRequired(_l("Write your reply.")), Length(max=2000), PlainText(multiline=True)])


class HideForm(FlaskForm):
    reason = TextAreaField(_l("Reason (the author is told)"), filters=[strip_filter],
                           validators=[InputRequired(_l("Give a reason: the author will see it.")), Length(max=1000),
                                       PlainText(multiline=True)])
