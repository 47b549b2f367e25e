"""The owner's form letting the union help on her seller's behalf (`helping.grant_help`)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange

from market.sellers.helping import DEFAULT_DAYS, MAX_DAYS, MIN_DAYS

PROVINCE = "province"  # the helper choice meaning "the staff of my province"


class HelpGrantForm(FlaskForm):
    helper = SelectField(_l("Who may help"), validate_choice=True)
    days = IntegerField(_l("For how many days"), default=DEFAULT_DAYS,
                        validators=[InputRequired(_l("Say for how many days.")),
                                    NumberRange(MIN_DAYS, MAX_DAYS, _l("Choose between %(min)s and %(max)s days."))])

    def staff_id(self) -> int | None:
        """None for the province's staff, else the chosen staff member's id."""
        return None if self.helper.data == PROVINCE else int(self.helper.data)
