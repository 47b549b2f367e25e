"""`flask report`: the union's report written as files (report.xlsx, a CSV per table, an SVG
per chart) for a period and scope; the same figures as the page and its downloads; every
wrong argument a usage error (exit code 2) that writes nothing."""
import csv
import io
import xml.etree.ElementTree as ET
from datetime import date

import pytest
import time_machine
from flask_babel import force_locale
from openpyxl import load_workbook

from market.staff.reports import periods
from market.staff.reports.figures import build_report, scope_for
from market.staff.reports.tables import Kind
from tests import builders

NOW = "2026-04-15 03:00 +0000"
FROM, TO = "2026-01-01", "2026-04-30"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def clock(app):
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(staff, categories):
    ld_owner, _ = builders.approved_seller(staff, "ld.owner@example.vn", "HTX Cà phê Cầu Đất")
    hn_owner, _ = builders.approved_seller(staff, "hn.owner@example.vn", "=HYPERLINK(\"x\")", province="Hà Nội")
    coffee = builders.make_product(ld_owner, name="Cà phê Cầu Đất", price_vnd=150_000, stock=10)
    silk = builders.make_product(hn_owner, name="Khăn lụa", price_vnd=90_000, stock=10)
    builders.place((coffee, 1))
    builders.place((silk, 2), payment_method="bank_transfer")
    builders.make_user("ld.staff@example.vn", role="staff", province="Lâm Đồng")


def run(runner, *args):
    return runner.invoke(args=["report", *args])


def labels(table, locale: str) -> list[str]:
    with force_locale(locale):
        return [str(column.label) for column in table.columns]


def report_of(locale: str, province: str | None = None):
    with force_locale(locale):
        return build_report(periods.custom(date.fromisoformat(FROM), date.fromisoformat(TO)),
                            scope_for(None, province, None))


def csv_text(value, kind: Kind) -> str:
    """A value as the CSV writes it (numbers plain, days ISO), to compare with the report."""
    if value is None:
        return ""
    if kind in (Kind.COUNT, Kind.MONEY):
        return str(round(value))
    if kind in (Kind.PERCENT, Kind.NUMBER):
        return str(round(value, 1))
    if kind == Kind.MONTH:
        return value.isoformat()[:7]
    if kind == Kind.DATE:
        return value.isoformat()
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text  # formula-safe


def read_csv(path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_it_writes_the_workbook_a_csv_per_table_and_an_svg_per_chart(runner, world, tmp_path):
    out = tmp_path / "reports" / "2026-q1"  # created, parents too
    result = run(runner, "--from", FROM, "--to", TO, "--out", str(out))
    assert result.exit_code == 0, result.output
    report = report_of("vi")
    charted = {table.key for table in report.tables if table.chart}
    expected = {"report.xlsx"} | {f"{t.key}.csv" for t in report.tables} | {f"{key}.svg" for key in charted}
    assert {path.name for path in out.iterdir()} == expected
    for name in expected:
        assert str(out / name) in result.output
    assert f"{len(expected)} files written for 2026-01-01 to 2026-04-30." in result.output


def test_the_csv_files_hold_the_reports_rows(runner, world, tmp_path):
    assert run(runner, "--from", FROM, "--to", TO, "--out", str(tmp_path), "--locale", "en").exit_code == 0
    report = report_of("en")
    for table in report.tables:
        rows = read_csv(tmp_path / f"{table.key}.csv")
        assert rows[0] == labels(table, "en"), table.key
        expected = [[csv_text(value, column.kind) for value, column in zip(row, table.columns)] for row in table.rows]
        assert rows[1:] == expected, table.key
    commerce = read_csv(tmp_path / "commerce.csv")
    assert dict(zip(*commerce))["Orders placed"] == "2"
    missing = read_csv(tmp_path / "seller_figures_missing.csv")
    assert any(row[1] == "'=HYPERLINK(\"x\")" for row in missing[1:])  # never a formula


def test_the_files_equal_the_pages_downloads(runner, world, tmp_path, client_for):
    assert run(runner, "--from", FROM, "--to", TO, "--out", str(tmp_path), "--locale", "en",
               "--province", "Lâm Đồng").exit_code == 0
    browser = client_for("ld.staff@example.vn")
    query = {"period": "range", "from": FROM, "to": TO}
    for table in report_of("en", "Lâm Đồng").tables:
        served = browser.get(f"/staff/reports/{table.key}.csv", query_string=query, headers=builders.EN)
        assert served.status_code == 200
        assert served.data == (tmp_path / f"{table.key}.csv").read_bytes(), table.key
    page = browser.get("/staff/reports.xlsx", query_string=query, headers=builders.EN)
    written = load_workbook(tmp_path / "report.xlsx")
    served = load_workbook(io.BytesIO(page.data))
    assert written.sheetnames == served.sheetnames
    for name in written.sheetnames[1:]:  # the cover's "generated at" differs by the second
        assert list(written[name].values) == list(served[name].values), name


def test_the_workbook_holds_every_table_cell_by_cell(runner, world, tmp_path):
    assert run(runner, "--from", FROM, "--to", TO, "--out", str(tmp_path), "--locale", "en").exit_code == 0
    report = report_of("en")
    workbook = load_workbook(tmp_path / "report.xlsx")
    assert len(workbook.worksheets) == 1 + len(report.tables)
    cover = {row[0]: row[1] for row in workbook.worksheets[0].iter_rows(values_only=True) if row[0]}
    assert cover["Province"] == "All provinces"
    assert cover["From"].date() == date(2026, 1, 1) and cover["To"].date() == date(2026, 4, 30)
    for sheet, table in zip(workbook.worksheets[1:], report.tables):
        assert [cell.value for cell in sheet[1]] == labels(table, "en")
        for row, cells in zip(table.rows, sheet.iter_rows(min_row=2)):
            for value, column, cell in zip(row, table.columns, cells):
                if column.kind in (Kind.DATE, Kind.MONTH) and value is not None:
                    assert cell.value.date() == value, (table.key, column.key)
                elif column.kind == Kind.TEXT:
                    assert cell.value == (None if value is None else str(value)), (table.key, column.key)
                else:
                    assert cell.value == value, (table.key, column.key)
        assert sheet.max_row == 1 + len(table.rows) or not table.rows


def test_the_charts_are_svg_documents_with_a_title(runner, world, tmp_path):
    assert run(runner, "--from", FROM, "--to", TO, "--out", str(tmp_path), "--locale", "en").exit_code == 0
    for path in tmp_path.glob("*.svg"):
        root = ET.parse(path).getroot()
        assert root.tag == f"{SVG}svg" and root.get("role") == "img"
        assert root.find(f"{SVG}title").text


def test_a_province_and_a_program_narrow_the_report(runner, world, staff, tmp_path):
    program = builders.make_program(staff)
    result = run(runner, "--from", FROM, "--to", TO, "--province", "Lam Dong", "--program", program.slug,
                 "--out", str(tmp_path), "--locale", "en")
    assert result.exit_code == 0, result.output
    assert [row[0] for row in read_csv(tmp_path / "sellers_by_province.csv")[1:]] == ["Lâm Đồng"]
    cover = {row[0]: row[1] for row in load_workbook(tmp_path / "report.xlsx").worksheets[0].values if row[0]}
    assert cover["Province"] == "Lâm Đồng" and cover["Program"] == program.slug


def test_the_headers_are_in_the_chosen_language(runner, world, tmp_path):
    assert run(runner, "--from", FROM, "--to", TO, "--out", str(tmp_path / "en"), "--locale", "en").exit_code == 0
    assert read_csv(tmp_path / "en" / "trends.csv")[0][0] == "Month"
    assert run(runner, "--from", FROM, "--to", TO, "--out", str(tmp_path / "vi")).exit_code == 0
    assert read_csv(tmp_path / "vi" / "trends.csv")[0] == labels(report_of("vi").table("trends"), "vi")


@pytest.mark.parametrize("args, option", [
    (["--from", "2026-13-01", "--to", TO], "'--from'"),
    (["--from", "²", "--to", TO], "'--from'"),
    (["--from", "99999-01-01", "--to", TO], "'--from'"),
    (["--from", "", "--to", TO], "'--from'"),
    (["--from", FROM, "--to", "2026-02-30"], "'--to'"),
    (["--from", "2026-05-01", "--to", "2026-04-01"], "'--to'"),
    (["--from", "2019-01-01", "--to", TO], "'--from'"),
    (["--from", "2020-01-01", "--to", "2024-01-01"], "'--to'"),
    (["--from", FROM, "--to", TO, "--province", "Atlantis"], "'--province'"),
    (["--from", FROM, "--to", TO, "--province", "../"], "'--province'"),
    (["--from", FROM, "--to", TO, "--program", "no-such-program"], "'--program'"),
    (["--from", FROM, "--to", TO, "--locale", "fr"], "'--locale'"),
    (["--to", TO], "'--from'"),
])
def test_a_wrong_argument_is_a_usage_error_and_writes_nothing(runner, world, tmp_path, args, option):
    out = tmp_path / "out"
    result = run(runner, *args, "--out", str(out))
    assert result.exit_code == 2, result.output
    assert option in result.output
    assert not out.exists()


def test_an_out_that_is_a_file_is_refused(runner, world, tmp_path):
    target = tmp_path / "report.xlsx"
    target.write_bytes(b"keep me")
    result = run(runner, "--from", FROM, "--to", TO, "--out", str(target))
    assert result.exit_code == 2
    assert target.read_bytes() == b"keep me"


def test_without_out_nothing_is_written(runner, world):
    result = run(runner, "--from", FROM, "--to", TO)
    assert result.exit_code == 2 and "'--out'" in result.output
