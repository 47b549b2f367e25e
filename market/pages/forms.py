"""Forms of the public pages: a new version (central staff) and accepting the seller terms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from market.core.forms import PlainText, strip_filter
from market.core.numbers import WholeNumberField
from market.pages.services import MAX_BODY, MAX_NOTE, MAX_TITLE

FORMAT_HELP = _l(
    "Plain text. A blank line starts a new paragraph; a line starting with “## ” is a heading, "
    "a line starting with “- ” an item of a list; [words](/path) links to a page of the marketplace, and a line "
    "[picture: name] shows one of the guides' pictures. {hotline}, {email} and {address} show the union's contact "
    "details, {commission} the standard commission rate."
)


class PageVersionForm(FlaskForm):
    title_vi = StringField(_l("Title in Vietnamese"), filters=[strip_filter],
                           validators=[DataRequired(_l("Enter a title.")), Length(max=MAX_TITLE), PlainText()])
    title_en = StringField(_l("Title in English"), filters=[strip_filter],
                           validators=[DataRequired(_l("Enter a title.")), Length(max=MAX_TITLE), PlainText()])
    body_vi = TextAreaField(_l("Text in Vietnamese"), description=FORMAT_HELP, render_kw={"rows": 18},
                            validators=[DataRequired(_l("Enter the text.")), Length(max=MAX_BODY), PlainText(multiline=True)])
    body_en = TextAreaField(_l("Text in English"), description=FORMAT_HELP, render_kw={"rows": 18},
                            validators=[DataRequired(_l("Enter the text.")), Length(max=MAX_BODY), PlainText(multiline=True)])
    effective_on = DateField(_l("Effective from"), description=_l("Today or later. Until then the page keeps its current version."),
                             validators=[InputRequired(_l("Enter a date."))])
    change_note = StringField(_l("What changed (shown in the history)"), filters=[strip_filter],
                              validators=[Optional(), Length(max=MAX_NOTE), PlainText()])


class AcceptTermsForm(FlaskForm):
    # The version the reader was shown: accepting is for that version only.
    version = WholeNumberField(widget=HiddenInput(), validators=[InputRequired()], minimum=1, maximum=1_000_000)
