"""A report as an XLSX workbook (exports.xlsx_bytes loads this module, and openpyxl with it,
only when a workbook is asked for: openpyxl is some 8 MB and 175 modules in every worker).

Every text cell is written as a string, never a formula, and marked as typed text: a
seller's or a program's name is people's text, and "=HYPERLINK(...)" typed as a
cooperative's name must never run.
"""
import io
import re
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink

from market.core import csv_export
from market.staff.reports import workbook_charts
from market.staff.reports.formats import display, number_or_none, writable
from market.staff.reports.tables import Column, Kind, Report, Table

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
SHEET_TITLE_MAX = 31
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
EXCEL_TEXT_MAX = 32767
NUMBER_FORMATS = {
    Kind.COUNT: "#,##0",
    Kind.MONEY: "#,##0",
    Kind.PERCENT: '0.0" %"',
    Kind.NUMBER: "#,##0.0",
    Kind.MONTH: "mm/yyyy",
}


def xlsx_bytes(report: Report, locale: str) -> bytes:
    """The report as one workbook: a first sheet saying what it covers, then a sheet per
    table (bold frozen header, typed cells, widths set, a native chart where the table has one)."""
    workbook = Workbook()
    with force_locale(locale):
        cover = workbook.active
        cover.title = _sheet_title(_("Report"), set())
        used = {cover.title.casefold()}
        sheets = []
        for table in report.tables:
            sheet = workbook.create_sheet(_sheet_title(str(table.title), used, fallback=table.key))
            used.add(sheet.title.casefold())
            _fill_table(sheet, table, locale)
            workbook_charts.add(sheet, table)
            sheets.append((sheet.title, table))
        _fill_cover(cover, report, sheets, locale)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _fill_cover(sheet, report: Report, sheets: list, locale: str) -> None:
    period, scope = report.period, report.scope
    date_format = _date_format(locale)
    rows = [
        (_("Reporting period"), period.label or f"{display(period.start, Kind.DATE, locale)} – "
                                                 f"{display(period.end, Kind.DATE, locale)}"),
        (_("From"), period.start),
        (_("To"), period.end),
        (_("Province"), scope.province or _("All provinces")),
        (_("Program"), scope.program_slug or _("All programs")),
        (_("Generated at"), _vietnam_time(report.generated_at)),
    ]
    for number, (label, value) in enumerate(rows, start=1):
        _text_cell(sheet.cell(row=number, column=1), label).font = Font(bold=True)
        cell = sheet.cell(row=number, column=2)
        if isinstance(value, datetime):
            cell.value, cell.number_format = value, date_format + " hh:mm"
        elif isinstance(value, date):
            cell.value, cell.number_format = value, date_format
        else:
            _text_cell(cell, value)
    first = len(rows) + 2
    _text_cell(sheet.cell(row=first, column=1), _("Tables")).font = Font(bold=True)
    for number, (title, table) in enumerate(sheets, start=first + 1):
        cell = _text_cell(sheet.cell(row=number, column=1), str(table.title))
        cell.hyperlink = Hyperlink(ref=cell.coordinate, location="'{}'!A1".format(title.replace("'", "''")))
        cell.font = Font(underline="single", color="1F4E79")
        _text_cell(sheet.cell(row=number, column=2), str(table.note or ""))
    sheet.column_dimensions["A"].width = 40
    sheet.column_dimensions["B"].width = 60


def _fill_table(sheet, table: Table, locale: str) -> None:
    widths = []
    for index, column in enumerate(table.columns, start=1):
        cell = _text_cell(sheet.cell(row=1, column=index), str(column.label))
        cell.font = Font(bold=True)
        widths.append(len(str(column.label)))
    for row_number, row in enumerate(table.rows, start=2):
        for index, (value, column) in enumerate(zip(row, table.columns), start=1):
            _typed_cell(sheet.cell(row=row_number, column=index), value, column, locale)
            widths[index - 1] = max(widths[index - 1], len(display(value, column.kind, locale)))
    sheet.freeze_panes = "A2"
    if table.columns:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{max(len(table.rows) + 1, 1)}"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 60)


def _typed_cell(cell, value, column: Column, locale: str) -> None:
    kind = column.kind
    if value is None:
        return
    if kind in (Kind.COUNT, Kind.MONEY, Kind.PERCENT, Kind.NUMBER):
        number = number_or_none(value)
        if number is None:  # NaN stays empty; text in a number column is written as text
            if not isinstance(value, int | float):
                _text_cell(cell, str(value))
            return
        cell.value = round(number) if kind in (Kind.COUNT, Kind.MONEY) else number
        cell.number_format = NUMBER_FORMATS[kind]
    elif kind in (Kind.DATE, Kind.MONTH) and isinstance(value, date):
        cell.value = value.date() if isinstance(value, datetime) else value
        cell.number_format = NUMBER_FORMATS.get(kind) or _date_format(locale)
    else:
        _text_cell(cell, str(value))


def _text_cell(cell, text: str):
    """Text as a string cell, whatever it starts with (openpyxl would make "=..." a formula)."""
    cell.value = writable(str(text))[:EXCEL_TEXT_MAX]
    cell.data_type = "s"
    if csv_export.safe_cell(cell.value) != cell.value:  # what the CSV would neutralise
        cell.quotePrefix = True  # Excel keeps it text even when the cell is edited
    return cell


def _date_format(locale: str) -> str:
    return "yyyy-mm-dd" if locale.split("_")[0] == "en" else "dd/mm/yyyy"


def _vietnam_time(moment: datetime | None) -> datetime | str:
    """Excel has no time zones: the time as read in Vietnam (naive values are UTC)."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(VIETNAM).replace(tzinfo=None, microsecond=0)


def _sheet_title(title: str, used: set[str], fallback: str = "") -> str:
    """A name Excel accepts: no []:*?/\\, not starting or ending with an apostrophe, at
    most 31 characters, and unlike every other sheet's (Excel ignores case)."""
    clean = " ".join(SHEET_FORBIDDEN.sub(" ", writable(title)).split()).strip("'").strip()
    if not clean or clean.casefold() == "history":  # "History" is Excel's own
        clean = " ".join(SHEET_FORBIDDEN.sub(" ", fallback).split()).strip("'").strip() or "Sheet"
    name, number = clean[:SHEET_TITLE_MAX].rstrip("' "), 1
    while not name or name.casefold() in used:
        number += 1
        suffix = f" ({number})"
        name = clean[:SHEET_TITLE_MAX - len(suffix)].rstrip("' ") + suffix
    return name
