"""A report as downloads: one CSV file per table, or one XLSX workbook.

CSV is for machines and for opening in a spreadsheet: UTF-8 with a byte-order mark (so Excel
reads Vietnamese right), headers in the staff member's language, values in one plain form
whatever the language (counts and đồng as whole numbers, shares with one decimal and a dot,
dates ISO). XLSX is for people: numbers stay numbers and dates real dates, formatted.

Both are safe against formula injection: a seller's or a program's name is people's text,
and a spreadsheet must never run "=HYPERLINK(...)" typed as a cooperative's name. In a CSV
a text cell starting with = + - @ tab or CR (`core.csv_export.safe_cell`) gets a leading
apostrophe (numbers we write ourselves are left alone: -5 is a number); in the XLSX every
text cell is written as a string, never a formula, and marked as typed text.
"""
import re
from datetime import date, datetime

from flask_babel import force_locale

from market.core import csv_export
from market.staff.reports.formats import number_or_none
from market.staff.reports.tables import Kind, Report, Table


# --- CSV ------------------------------------------------------------------------------------

def csv_bytes(table: Table, locale: str) -> bytes:
    """One table as a CSV file: BOM, a header row of the columns' labels in `locale`, then
    one line per row in a machine-friendly form (written by `core.csv_export`, the one rule
    for every download: text that could run as a formula gets its apostrophe)."""
    with force_locale(locale):
        header = [str(column.label) for column in table.columns]
    rows = ([_csv_value(value, column.kind) for value, column in zip(row, table.columns)] for row in table.rows)
    return csv_export.csv_bytes(header, rows)


def csv_files(report: Report, locale: str) -> dict[str, bytes]:
    """Every table of the report as a CSV file, by file name ("<table key>.csv")."""
    files = {}
    for table in report.tables:
        stem = re.sub(r"[^A-Za-z0-9_-]", "_", table.key) or "table"
        name, number = f"{stem}.csv", 1
        while name in files:
            number += 1
            name = f"{stem}_{number}.csv"
        files[name] = csv_bytes(table, locale)
    return files


def _csv_value(value, kind: Kind):
    """Numbers as numbers (whole for counts and đồng, one decimal for shares and averages),
    days ISO (`2026-07-24`, a month `2026-07`), anything else as text."""
    if value is None:
        return None
    if kind in (Kind.COUNT, Kind.MONEY, Kind.PERCENT, Kind.NUMBER):
        number = number_or_none(value)
        if number is None:  # NaN stays empty; text in a number column is written as text
            return None if isinstance(value, int | float) else str(value)
        return round(number) if kind in (Kind.COUNT, Kind.MONEY) else round(number, 1)
    if kind in (Kind.DATE, Kind.MONTH) and isinstance(value, date):
        day = value.date() if isinstance(value, datetime) else value
        return day.isoformat()[:7] if kind == Kind.MONTH else day.isoformat()
    return str(value)


# --- XLSX -----------------------------------------------------------------------------------

def xlsx_bytes(report: Report, locale: str) -> bytes:
    """The report as one workbook (market/staff/reports/workbook.py)."""
    from market.staff.reports import workbook  # openpyxl loads with it, only when asked for

    return workbook.xlsx_bytes(report, locale)
