"""The periods a report covers: the union's presets (mid-year, year-end, a quarter, a month, a
year) and any range, in Vietnam's calendar, with the UTC instants the queries compare with.

Vietnam keeps UTC+7 all year (no daylight saving), so a Vietnamese day runs from 17:00 UTC
the day before to 17:00 UTC: an order placed on 31 May at 17:30 UTC is 1 June in Vietnam.
"""
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from market.core.days import start_of_day
from market.core.domain import DomainError
from market.staff.reports.tables import Period

# The pilot has no data before 2020; far-future years are typing mistakes.
FIRST_DAY = date(2020, 1, 1)
FIRST_YEAR, LAST_YEAR = 2020, 2100
MAX_YEARS = 3
PRESETS = ("midyear", "yearend", "quarter", "month", "year")


def preset(name: str, year: int, quarter: int | None = None, month: int | None = None) -> Period:
    """The period of a preset: "midyear" (1 Dec of year-1 to 31 May, the report due 5 June),
    "yearend" (1 Dec of year-1 to 30 Nov, due 30 November), "quarter" (calendar quarter 1-4),
    "month" (1-12) or "year" (the calendar year). A DomainError for anything else."""
    year = _whole(year, FIRST_YEAR, LAST_YEAR, _("Choose a year between %(first)d and %(last)d.",
                                                 first=FIRST_YEAR, last=LAST_YEAR))
    if name == "midyear":
        return Period(date(year - 1, 12, 1), date(year, 5, 31), _l("Mid-year %(year)d", year=year))
    if name == "yearend":
        return Period(date(year - 1, 12, 1), date(year, 11, 30), _l("Year-end %(year)d", year=year))
    if name == "quarter":
        quarter = _whole(quarter, 1, 4, _("Choose a quarter from 1 to 4."))
        start = date(year, 3 * quarter - 2, 1)
        return Period(start, _last_day_of_month(date(year, 3 * quarter, 1)), _l("Q%(q)d %(year)d", q=quarter, year=year))
    if name == "month":
        month = _whole(month, 1, 12, _("Choose a month from 1 to 12."))
        start = date(year, month, 1)
        return Period(start, _last_day_of_month(start), _l("%(month)02d/%(year)d", month=month, year=year))
    if name == "year":
        return Period(date(year, 1, 1), date(year, 12, 31), _l("%(year)d", year=year))
    raise DomainError(_("Unknown period: choose mid-year, year-end, a quarter, a month or a year."))


def custom(start: date, end: date) -> Period:
    """Any range of days (both included), from 2020 on and at most three years long."""
    if not isinstance(start, date) or not isinstance(end, date):
        raise DomainError(_("Enter the first and the last day of the period."))
    start, end = _day(start), _day(end)
    if end < start:
        raise DomainError(_("The last day of the period comes before its first day."), "end")
    if start < FIRST_DAY:
        raise DomainError(_("The marketplace has no figures before 2020: start on 1 January 2020 or later."), "start")
    if end.year > LAST_YEAR:
        raise DomainError(_("Choose a last day before %(year)d.", year=LAST_YEAR + 1), "end")
    if end >= _add_years(start, MAX_YEARS):
        raise DomainError(_("A report covers at most %(years)d years: choose a shorter period.", years=MAX_YEARS), "end")
    return Period(start, end, "")


def bounds(period: Period) -> tuple[datetime, datetime]:
    """(start, end) as UTC instants for `start <= created_at < end`: midnight in Vietnam on the
    period's first day, and midnight in Vietnam on the day after its last."""
    return start_of_day(period.start), start_of_day(period.end + timedelta(days=1))



def months(period: Period) -> list[date]:
    """The first day of each month the period touches, in order."""
    found, month = [], period.start.replace(day=1)
    while month <= period.end:
        found.append(month)
        month = _next_month(month)
    return found


def month_bounds(period: Period) -> list[tuple[date, datetime, datetime]]:
    """For each month the period touches: (first day, UTC start, UTC end), clipped to the
    period, so the buckets of a month-by-month table add up to the period's figures."""
    first, last = bounds(period)
    return [
        (month, max(first, start_of_day(month)), min(last, start_of_day(_next_month(month))))
        for month in months(period)
    ]


def quarters(period: Period) -> list[date]:
    """The first day of each calendar quarter that starts inside the period (sellers report
    their figures under their quarter's first day)."""
    return [month for month in months(period) if month.month in (1, 4, 7, 10) and month >= period.start]


def quarter_end(quarter_start: date) -> date:
    """The last day of the quarter starting on `quarter_start`."""
    return _last_day_of_month(date(quarter_start.year, quarter_start.month + 2, 1))


def quarter_label(quarter_start: date) -> str:
    return _("Q%(q)d %(year)d", q=(quarter_start.month - 1) // 3 + 1, year=quarter_start.year)


def _whole(value, lowest: int, highest: int, message: str) -> int:
    # bool is an int in Python: True is not a year.
    if isinstance(value, bool) or not isinstance(value, int) or not lowest <= value <= highest:
        raise DomainError(message)
    return value


def _day(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _last_day_of_month(day: date) -> date:
    return _next_month(day.replace(day=1)) - timedelta(days=1)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # from 29 February: the day after 28 February
        return date(day.year + years, 3, 1)
