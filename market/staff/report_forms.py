"""The report page's choices (/staff/reports and its downloads), read from the query string.

A GET form: it changes nothing, so it carries no CSRF token, and a report can be bookmarked
or sent to a colleague as a link. Only the fields the chosen period uses are read (a month
left in its box while "Mid-year" is chosen is not an error). Anything wrong (year 99999,
month 13, '²', a last day before the first, an unknown province or program) is a message
beside its field, and the report shown is then the default one, never half of what was
asked: see `read_choice`.
"""
from dataclasses import dataclass, field
from datetime import date

from babel.dates import get_month_names
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import NumberRange, Optional, ValidationError

from market.accounts.models import User
from market.core.days import read_day_range
from market.core.domain import DomainError
from market.core.numbers import WholeNumberField
from market.geo import provinces
from market.programs.services import all_programs
from market.staff.reports import periods
from market.staff.reports.figures import scope_for
from market.staff.reports.tables import Period, Scope

RANGE = "range"
PERIOD_CHOICES = [
    ("midyear", _l("Mid-year report (Dec – May)")),
    ("yearend", _l("Year-end report (Dec – Nov)")),
    ("quarter", _l("A quarter")),
    ("month", _l("A month")),
    ("year", _l("A calendar year")),
    (RANGE, _l("Chosen days")),
]
# The fields each kind of period reads; the others are left alone, whatever they hold.
READS = {
    "midyear": ("year",), "yearend": ("year",), "quarter": ("year", "quarter"),
    "month": ("year", "month"), "year": ("year",), RANGE: ("start", "end"),
}
ALWAYS_READ = ("period", "province", "program")
YEAR_MESSAGE = _l("Choose a year between %(first)d and %(last)d.", first=periods.FIRST_YEAR, last=periods.LAST_YEAR)
CHOICE_MESSAGE = _l("Choose one of the options in the list.")
DAYS_MESSAGE = _l("Enter the first and the last day of the period.")
QUARTER_MESSAGE = _l("Choose a quarter from 1 to 4.")
MONTH_MESSAGE = _l("Choose a month from 1 to 12.")


def running_period(today: date) -> tuple[str, int]:
    """The union's report period running on `today` (a day in Vietnam): the mid-year period
    (1 December of the year before to 31 May) until 31 May, then the year-end period (to
    30 November); from 1 December the next year's mid-year period has begun."""
    year = today.year + 1 if today.month == 12 else today.year
    return ("midyear" if today <= date(year, 5, 31) else "yearend"), year


def _listed(form, field) -> None:
    """A value from the list or none: a hand-made URL gets a message, not a guess."""
    if field.data and field.data not in {value for value, _label in field.choices}:
        raise ValidationError(CHOICE_MESSAGE)


class ReportForm(FlaskForm):
    """What the staff member asks for: the period (a preset of the union's calendar or chosen
    days) and the scope (a province, for central staff only; a program)."""

    class Meta:
        csrf = False  # a GET filter: it changes nothing

    period = SelectField(_l("Reporting period"), validate_choice=False, validators=[_listed])
    year = WholeNumberField(
        _l("Year"), minimum=periods.FIRST_YEAR, maximum=periods.LAST_YEAR, max_digits=4,
        invalid_value_message=YEAR_MESSAGE,
        validators=[Optional(), NumberRange(periods.FIRST_YEAR, periods.LAST_YEAR, message=YEAR_MESSAGE)],
        description=_l("Mid-year and year-end periods are named by the year they end in."),
    )
    quarter = SelectField(_l("Quarter"), validate_choice=False, validators=[_listed])
    month = SelectField(_l("Month"), validate_choice=False, validators=[_listed])
    start = StringField(_l("First day"), name="from")
    end = StringField(_l("Last day"), name="to")
    province = SelectField(_l("Province or city"), validate_choice=False, validators=[_listed])
    program = SelectField(_l("Program"), validate_choice=False, validators=[_listed])

    def __init__(self, formdata, staff: User, locale: str, default: tuple[str, int]):
        super().__init__(formdata=formdata)
        self.period.choices = list(PERIOD_CHOICES)
        self.quarter.choices = [(str(q), _("Q%(q)d", q=q)) for q in range(1, 5)]
        month_names = get_month_names("wide", locale=locale)
        self.month.choices = [(str(m), month_names[m]) for m in range(1, 13)]
        self.program.choices = [("", _("All programs"))] + [(p.slug, p.name) for p in all_programs()]
        if staff.staff_province_code:
            del self.province  # provincial staff read their own province only: nothing to choose
        else:
            self.province.choices = [("", _("All provinces"))] + provinces.choices(locale)
            self.province.data = _province_code(self.province.data)
        self.period.data = self.period.data or (RANGE if self.start.data or self.end.data else default[0])
        for select in (self.period, self.quarter, self.month):
            _show_nothing_chosen_if_unlisted(select)
        if self.year.data is None and not self.year.process_errors:  # absent or empty: the default year
            self.year.data = default[1]

    def validate(self, extra_validators=None) -> bool:
        super().validate(extra_validators)
        read = set(ALWAYS_READ) | set(READS.get(self.period.data, ()))
        for name, form_field in self._fields.items():
            if name not in read:
                form_field.errors = []
        if self.period.data == RANGE and not self.errors:
            self._check_days()
        for name, message in (("quarter", QUARTER_MESSAGE), ("month", MONTH_MESSAGE)):
            chosen = self._fields[name]
            if name in read and not chosen.data and not chosen.errors:
                chosen.errors = [str(message)]
        return not self.errors

    def _check_days(self) -> None:
        _days, errors = read_day_range({"from": self.start.data or "", "to": self.end.data or ""})
        for key, form_field in (("from", self.start), ("to", self.end)):
            if key in errors:
                form_field.errors = [errors[key]]
        if not errors and not (self.start.data and self.end.data):
            (self.end if self.start.data else self.start).errors = [str(DAYS_MESSAGE)]

    def add_error(self, name: str | None, message) -> None:
        """A service's message beside its field ("start", "end", "province"...), else the period's."""
        form_field = self._fields.get(name or "") or self.period
        form_field.errors = [*form_field.errors, str(message)]

    def period_asked(self) -> Period:
        """The period asked for, once the form validated (a DomainError from `periods`
        otherwise: the year, quarter, month or days out of what a report covers)."""
        kind = self.period.data
        if kind == RANGE:
            return periods.custom(date.fromisoformat(self.start.data.strip()), date.fromisoformat(self.end.data.strip()))
        quarter = int(self.quarter.data) if kind == "quarter" and self.quarter.data else None
        month = int(self.month.data) if kind == "month" and self.month.data else None
        return periods.preset(kind, self.year.data, quarter=quarter, month=month)

    def params(self) -> dict[str, str]:
        """The choices as query-string arguments, only those the period reads (for the
        download links, which must give the same figures as the page)."""
        kind = self.period.data
        names = {"year": self.year.data, "quarter": self.quarter.data, "month": self.month.data,
                 "from": self.start.data, "to": self.end.data}
        read = {"from" if n == "start" else "to" if n == "end" else n for n in READS[kind]}
        found = {"period": kind, **{name: str(value).strip() for name, value in names.items()
                                    if name in read and value not in (None, "")}}
        if "province" in self and self.province.data:
            found["province"] = self.province.data
        if self.program.data:
            found["program"] = self.program.data
        return found


def _show_nothing_chosen_if_unlisted(select: SelectField) -> None:
    """A value from a hand-made URL that is not in the list: the box shows a blank choice
    beside its message, rather than the browser's first option as if it had been chosen."""
    if select.data and select.data not in {value for value, _label in select.choices}:
        select.choices = [("", "—"), *select.choices]


def _province_code(value):
    """A province as its code: a hand-made link may name it ("Lâm Đồng", "Da Lat"...)."""
    if not isinstance(value, str) or not value.strip():
        return value
    found = provinces.get_by_code(value) or provinces.lookup(value)
    return found.code if found else value


@dataclass
class ReportChoice:
    """What the page shows: the form as the staff member filled it, and the period and scope
    of the report (the default ones when anything was wrong, `failed` then True)."""

    form: ReportForm
    period: Period
    scope: Scope
    failed: bool = False
    params: dict[str, str] = field(default_factory=dict)


def read_choice(args, staff: User, today: date, locale: str) -> ReportChoice:
    """The report asked for in `args` (a query string) by `staff` on `today` (Vietnam's day).
    Provincial staff are held to their province whatever `args` say. Anything wrong puts a
    message beside its field and gives the default report: the period running today, every
    province in the staff member's reach, every program."""
    default = running_period(today)
    form = ReportForm(args, staff, locale, default)
    if form.validate():
        try:
            period = form.period_asked()
            scope = scope_for(staff, form.province.data if "province" in form else None, form.program.data)
            _offer_days(form, period)
            return ReportChoice(form, period, scope, params=form.params())
        except DomainError as error:
            form.add_error(error.field, error.message)
    kind, year = default
    _offer_days(form, periods.preset(kind, year))
    return ReportChoice(form, periods.preset(kind, year), scope_for(staff, None, None), failed=True,
                        params={"period": kind, "year": str(year)})


def _offer_days(form: ReportForm, period: Period) -> None:
    """Empty day boxes show the days of the report on the page, a start for choosing others."""
    if not (form.start.data or "").strip() and not (form.end.data or "").strip():
        form.start.data, form.end.data = period.start.isoformat(), period.end.isoformat()
