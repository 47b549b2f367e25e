"""Days of Vietnam's calendar typed in a date box, and the instants that bound them.

A staff member asking for 31 May means 31 May in Vietnam: an order placed at 23:30 that
evening (16:30 UTC) belongs to it, one placed at 00:30 on 1 June (17:30 UTC on 31 May) does
not. `DayRange.bounds()` turns days into UTC instants [start, end) for SQL, so the same
filter gives the same rows on SQLite (which stores UTC wall time) and PostgreSQL.

Dates come as `YYYY-MM-DD` (what `<input type="date">` sends); anything else, a day that
does not exist, a year outside 2000-2099 (where time-zone arithmetic cannot overflow) or an
end before the start is a message for the field, never an exception.
"""
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l

EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)
# [0-9], not \d: \d also matches other scripts' digits ("٢٠٢٦").
_ISO_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")

FORMAT_MESSAGE = _l("Enter a date as YYYY-MM-DD, e.g. 2026-05-31.")
RANGE_MESSAGE = _l("Enter a date between 2000 and 2099.")
NO_SUCH_DAY_MESSAGE = _l("There is no such day in the calendar.")
ORDER_MESSAGE = _l("The end date is before the start date.")


def vietnam() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def parse_day(text) -> date | None:
    """`text` as a calendar day when it is exactly YYYY-MM-DD and a real day in range, else None."""
    if not isinstance(text, str):
        return None
    match = _ISO_DAY.fullmatch(text.strip())
    if match is None:
        return None
    try:
        day = date(*(int(part) for part in match.groups()))
    except ValueError:  # 2026-02-30, month 13
        return None
    return day if EARLIEST <= day <= LATEST else None


def today_in_vietnam() -> date:
    return datetime.now(timezone.utc).astimezone(vietnam()).date()


def start_of_day(day: date) -> datetime:
    """Midnight at the start of `day` in Vietnam, as a UTC instant."""
    return datetime.combine(day, time.min, vietnam()).astimezone(timezone.utc)


@dataclass(frozen=True)
class DayRange:
    """Inclusive days in Vietnam's calendar; either end may be open (None)."""

    start: date | None = None
    end: date | None = None

    def __bool__(self) -> bool:
        return self.start is not None or self.end is not None

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """UTC instants: the first moment of `start` and the first moment after `end`."""
        return (
            start_of_day(self.start) if self.start else None,
            start_of_day(self.end + timedelta(days=1)) if self.end else None,
        )

    def conditions(self, column) -> list:
        """SQL conditions keeping `column` (a UTC timestamp) inside the range."""
        low, high = self.bounds()
        found = []
        if low is not None:
            found.append(column >= low)
        if high is not None:
            found.append(column < high)
        return found

    def args(self, start_key: str = "from", end_key: str = "to") -> dict[str, str]:
        """The range as query-string arguments (for links that keep it)."""
        values = {start_key: self.start, end_key: self.end}
        return {key: day.isoformat() for key, day in values.items() if day is not None}

    def label(self) -> str:
        """ASCII for file names: "2026-05-01_2026-05-31", "from-2026-05-01", "to-2026-05-31", ""."""
        if self.start and self.end:
            return f"{self.start.isoformat()}_{self.end.isoformat()}"
        if self.start:
            return f"from-{self.start.isoformat()}"
        return f"to-{self.end.isoformat()}" if self.end else ""


def read_day_range(args, start_key: str = "from", end_key: str = "to") -> tuple[DayRange, dict[str, str]]:
    """The range in `args` (a request's query string) and a message per field that was wrong.

    An empty box is an open end. With any message the range returned is empty, so a caller
    that shows the messages never also filters by half of what was asked.
    """
    errors: dict[str, str] = {}
    days: dict[str, date | None] = {}
    for key in (start_key, end_key):
        text = args.get(key) or ""
        days[key] = parse_day(text) if text.strip() else None
        if text.strip() and days[key] is None:
            errors[key] = str(_why_not_a_day(text.strip()))
    start, end = days[start_key], days[end_key]
    if not errors and start and end and end < start:
        errors[end_key] = str(ORDER_MESSAGE)
    return (DayRange() if errors else DayRange(start, end)), errors


def _why_not_a_day(text: str):
    """The message for a date box `parse_day` refused."""
    if _ISO_DAY.fullmatch(text) is None:
        return FORMAT_MESSAGE
    try:
        date.fromisoformat(text)
    except ValueError:  # 2026-02-30, 2026-13-01
        return NO_SUCH_DAY_MESSAGE
    return RANGE_MESSAGE
