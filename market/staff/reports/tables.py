"""What a report is made of, shared by the figures (which fill it), the page, the charts, the
CSV and XLSX downloads and the `report` command (which show or write it).

A report is a list of tables. A table is plain data: typed columns and rows of Python values
(int, float, str, date, None), never formatted text, so each output formats for itself
(the page in the staff member's language, the XLSX as numbers and dates, the CSV as text).
"""
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class Kind(StrEnum):
    """How a column's values are typed and shown."""
    TEXT = "text"
    COUNT = "count"        # int
    MONEY = "money"        # int, đồng
    PERCENT = "percent"    # float 0..100 (or None when the share has no base), one decimal shown
    NUMBER = "number"      # float, one decimal shown (an average, a median)
    DATE = "date"          # datetime.date
    MONTH = "month"        # datetime.date, the first day of a month (shown as "07/2026")


@dataclass(frozen=True)
class Column:
    key: str
    label: str             # a lazy string: translated when shown
    kind: Kind = Kind.TEXT


@dataclass(frozen=True)
class Chart:
    """How a table is drawn: categories from one column, one series per value column."""
    kind: str                          # "bar" (vertical), "hbar" (horizontal, for long names), "line"
    category: str                      # the key of the column naming each bar or point
    series: tuple[str, ...]            # keys of numeric columns, one series each
    title: str = ""                    # a lazy string; the table's title when empty


@dataclass
class Table:
    key: str                           # stable, ASCII, used as file name and anchor: "sellers_by_province"
    title: str                         # a lazy string
    columns: tuple[Column, ...]
    rows: list[tuple] = field(default_factory=list)
    chart: Chart | None = None
    note: str = ""                     # a lazy string shown under the table (how it is counted)

    def column(self, key: str) -> Column:
        return next(column for column in self.columns if column.key == key)

    def values(self, key: str) -> list:
        index = [column.key for column in self.columns].index(key)
        return [row[index] for row in self.rows]


@dataclass(frozen=True)
class Period:
    """Inclusive days in Vietnam's calendar (Asia/Ho_Chi_Minh): an order placed at 23:30 on
    31 May in Vietnam belongs to May even though it is 16:30 UTC."""
    start: date
    end: date
    label: str = ""                    # "Mid-year 2026", "Q3 2026", "07/2026", or "" for a custom range


@dataclass(frozen=True)
class Scope:
    """Which sellers a report counts: one province (its 2025 name) or all; one program or all."""
    province: str | None = None
    program_slug: str | None = None


@dataclass
class Report:
    period: Period
    scope: Scope
    tables: list[Table]
    generated_at: datetime

    def table(self, key: str) -> Table:
        return next(table for table in self.tables if table.key == key)
