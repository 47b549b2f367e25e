"""The union's report (/staff/reports) and the same figures as downloads: the workbook
(/staff/reports.xlsx) and one CSV per table (/staff/reports/<table key>.csv).

The three read the same query string through `report_forms.read_choice`, so a download
link carrying the page's arguments gives exactly the page's figures; provincial staff are
held to their own province on every one of them, whatever the URL says. A choice that
cannot be read shows the page with its messages (400) and the default report; a download
is then refused the same way rather than served for another period than the one asked.
"""
import re

from flask import Response, abort, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from market.core.csv_export import csv_download
from market.core.days import today_in_vietnam
from market.core.security import roles_required
from market.geo.provinces import lookup
from market.staff import bp
from market.staff.report_forms import ReportChoice, read_choice
from market.staff.reports import charts, exports, figures
from market.staff.reports.formats import NUMERIC_KINDS, display
from market.staff.reports.tables import Report
from market.text import fold

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILE_STEM = {"vi": "bao-cao", "en": "report"}
# A table of one row and this many columns or more reads better turned on its side: each
# figure on its own line, so a phone need not scroll sideways through nine columns.
SIDEWAYS_FROM = 4
# A chart this many times taller than wide does not fit on an A4 page at a readable size
# (95 mm wide in print: 34 provinces are two pages long); paper gets its table alone.
TALLER_THAN_A_PAGE = 2.6
_VIEW_BOX = re.compile(r'viewBox="0 0 ([0-9.]+) ([0-9.]+)"')


def _locale() -> str:
    return get_locale().language


def _asked() -> tuple[ReportChoice, Report]:
    choice = read_choice(request.args, current_user, today_in_vietnam(), _locale())
    return choice, figures.build_report(choice.period, choice.scope)


@bp.route("/reports")
@roles_required("staff")
def reports():
    return _page(*_asked())


@bp.route("/reports.xlsx")
@roles_required("staff")
def reports_xlsx():
    choice, report = _asked()
    if choice.failed:
        return _page(choice, report)
    return _attachment(exports.xlsx_bytes(report, _locale()), _file_name(report, "xlsx"), XLSX_TYPE)


@bp.route("/reports/<key>.csv")
@roles_required("staff")
def report_csv(key: str):
    choice, report = _asked()
    table = next((table for table in report.tables if table.key == key), None)
    if table is None:
        abort(404)
    if choice.failed:
        return _page(choice, report)
    return csv_download(exports.csv_bytes(table, _locale()), _file_name(report, "csv", table.key))


def _page(choice: ReportChoice, report: Report):
    locale = _locale()
    # `charts.svg` writes its markup itself and escapes every text it puts in (province,
    # program and seller names come from people), so its output is inlined as it is.
    drawings = {table.key: Markup(charts.svg(table, locale)) for table in report.tables}
    tall = {key for key, drawing in drawings.items() if _proportion(drawing) > TALLER_THAN_A_PAGE}
    html = render_template(
        "staff/report.html", report=report, choice=choice, form=choice.form, drawings=drawings, tall=tall,
        cell=lambda value, kind: display(value, kind, locale), numeric=NUMERIC_KINDS,
        sideways_from=SIDEWAYS_FROM, province=_province_name(report, locale),
        program=dict(choice.form.program.choices).get(report.scope.program_slug, report.scope.program_slug),
    )
    return html, 400 if choice.failed else 200


def _proportion(drawing: str) -> float:
    """Height over width of a chart, from its view box (0 when there is none)."""
    found = _VIEW_BOX.search(drawing[:400])
    return float(found.group(2)) / float(found.group(1)) if found and float(found.group(1)) else 0.0


def _province_name(report: Report, locale: str) -> str | None:
    found = lookup(report.scope.province) if report.scope.province else None
    if found is None:
        return report.scope.province
    return found.name_en if locale == "en" else found.name


def _file_name(report: Report, extension: str, table_key: str = "") -> str:
    """ASCII, with the period's days and the scope: "bao-cao-2026-12-01_2027-05-31-lam-dong.xlsx"."""
    period, scope = report.period, report.scope
    parts = [FILE_STEM.get(_locale(), "report"), f"{period.start.isoformat()}_{period.end.isoformat()}"]
    parts += [_ascii(name) for name in (scope.province, scope.program_slug) if name]
    if table_key:
        parts.append(_ascii(table_key))
    return "-".join(part for part in parts if part) + "." + extension


def _ascii(text: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "-", fold(text)).strip("-")


def _attachment(content: bytes, filename: str, content_type: str) -> Response:
    response = Response(content, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"  # the union's figures are not for shared caches
    return response
