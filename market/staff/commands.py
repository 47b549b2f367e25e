"""`flask --app wsgi report --from YYYY-MM-DD --to YYYY-MM-DD [--province NAME] [--program SLUG]
--out DIR [--locale vi|en]`: the union's report as files, for a scheduled job or a person
without the web: `report.xlsx`, one CSV per table and one SVG per charted table, the same
figures as /staff/reports shows for that period and scope.

It runs with the server's own rights (every province). Every argument is checked before
anything is counted or written: a wrong one is a usage error (exit code 2) naming the
option, and DIR is left as it was.
"""
import re
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import force_locale

from market.core.days import read_day_range
from market.core.domain import DomainError
from market.staff.reports import charts, exports, periods
from market.staff.reports.figures import build_report, scope_for
from market.staff.reports.tables import Period, Report, Scope

LOCALES = ("vi", "en")
OPTION_OF_FIELD = {"start": "--from", "end": "--to", "province": "--province", "program": "--program"}
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


@click.command("report")
@click.option("--from", "start", required=True, metavar="YYYY-MM-DD", help="First day of the period (Vietnam's calendar).")
@click.option("--to", "end", required=True, metavar="YYYY-MM-DD", help="Last day of the period, included.")
@click.option("--province", default=None, metavar="NAME", help="One province or city (name, pre-2025 name or code); all by default.")
@click.option("--program", default=None, metavar="SLUG", help="One program, by its slug; all by default.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write into (created if missing).")
@click.option("--locale", type=click.Choice(LOCALES), default="vi", show_default=True,
              help="Language of the headers, labels and charts.")
@with_appcontext
def report_command(start: str, end: str, province: str | None, program: str | None, out: Path, locale: str) -> None:
    """Write the union's report for a period and scope: XLSX, CSV per table, SVG per chart."""
    with force_locale(locale):  # messages, row labels and headers in the report's language
        period = _period(start, end)
        scope = _scope(province, program)
        files = report_files(build_report(period, scope), locale)
    out.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = out / name
        path.write_bytes(content)
        click.echo(f"{path} ({len(content):,} bytes)")
    click.echo(f"{len(files)} files written for {period.start.isoformat()} to {period.end.isoformat()}.")


def report_files(report: Report, locale: str) -> dict[str, bytes]:
    """Every file of the report by name: report.xlsx, <table key>.csv, <table key>.svg."""
    files = {"report.xlsx": exports.xlsx_bytes(report, locale)}
    files.update(exports.csv_files(report, locale))
    for table in report.tables:
        drawing = charts.svg(table, locale)
        if drawing:
            stem = re.sub(r"[^A-Za-z0-9_-]", "_", table.key) or "chart"
            files[f"{stem}.svg"] = (XML_DECLARATION + drawing).encode("utf-8")
    return files


def _period(start: str, end: str) -> Period:
    days, errors = read_day_range({"from": start, "to": end})
    for key, option in (("from", "--from"), ("to", "--to")):
        if key in errors:
            raise click.BadParameter(errors[key], param_hint=f"'{option}'")
    try:
        return periods.custom(days.start, days.end)  # an empty one: "enter the first and the last day"
    except DomainError as error:
        raise click.BadParameter(str(error.message), param_hint=f"'{OPTION_OF_FIELD.get(error.field, '--from')}'")


def _scope(province: str | None, program: str | None) -> Scope:
    try:
        return scope_for(None, province, program)
    except DomainError as error:
        raise click.BadParameter(str(error.message), param_hint=f"'{OPTION_OF_FIELD.get(error.field, '--province')}'")
