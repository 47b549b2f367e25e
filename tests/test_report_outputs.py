"""The report's outputs, from fixture tables covering every column kind and the awkward
cases (hostile names, formula-looking text, None, zeros, huge values, 34 provinces, no
rows): the SVG chart parsed as XML, the CSV parsed back, the XLSX opened cell by cell."""
import csv
import io
import re
import zipfile
import xml.etree.ElementTree as ET
from datetime import date, datetime, timezone

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook

from market.staff.reports import charts, exports
from tests.conftest import make_app
from market.staff.reports.tables import Chart, Column, Kind, Period, Report, Scope, Table

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def app(database_url, instance_path):
    """These outputs read no database, only translations: one app context for the module
    (in place of conftest's per-test app, which migrates and empties tables)."""
    application = make_app(database_url, instance_path)
    with application.app_context():
        yield application

HOSTILE = '<script>alert("x")</script> & \'Hợp tác xã\''
FORMULA = '=HYPERLINK("http://evil.example","bấm")'
FORMULA_LIKE = [FORMULA, "+84 912 345 678", "-1 trick", "@SUM(A1)", "\tTab first", "\rCR first", "＝SUM(A1)",
                " =1+1"]
EVERY_KIND = (
    Column("province", _l("Province"), Kind.TEXT),
    Column("orders", _l("Orders"), Kind.COUNT),
    Column("sales", _l("Sales"), Kind.MONEY),
    Column("women_share", "Women-led share", Kind.PERCENT),
    Column("average_items", "Average items", Kind.NUMBER),
    Column("first_sale", _l("Date"), Kind.DATE),
    Column("month", "Month", Kind.MONTH),
)


def every_kind_table(chart_kind: str = "hbar") -> Table:
    rows = [
        ("Hà Nội", 1234, 150000, 2.0, 3.26, date(2026, 7, 24), date(2026, 7, 1)),
        (HOSTILE, 0, -5000, None, None, None, None),
        ("Thành phố Hồ Chí Minh", 7, 10**15, 100.0, 0.04, date(2025, 12, 1), date(2025, 12, 1)),
        ("Ctrl\x01char", None, None, 12.35, 1e6, date(2026, 1, 31), date(2026, 1, 1)),
    ] + [(text, 1, 1, 1.0, 1.0, None, None) for text in FORMULA_LIKE]
    return Table("every_kind", "Every kind", EVERY_KIND, rows,
                 chart=Chart(chart_kind, "province", ("orders", "women_share")), note="How it is counted")


def trends_table() -> Table:
    months = [date(2025, 12, 1)] + [date(2026, month, 1) for month in range(1, 12)]
    rows = [(month, index * 10, index * 1_500_000) for index, month in enumerate(months)]
    rows[5] = (months[5], None, None)  # a month with no figure breaks the line
    return Table("trends", "Month by month",
                 (Column("month", "Month", Kind.MONTH), Column("orders", _l("Orders"), Kind.COUNT),
                  Column("sales", _l("Sales"), Kind.MONEY)),
                 rows, chart=Chart("line", "month", ("orders", "sales")))


def legal_forms_table() -> Table:
    return Table("legal_forms", "Sellers by legal form",
                 (Column("form", _l("Legal form")), Column("sellers", _l("Sellers"), Kind.COUNT)),
                 [("Hợp tác xã", 1234), ("Tổ hợp tác", 56), ("Hộ kinh doanh", 0)],
                 chart=Chart("bar", "form", ("sellers",)))


def provinces_table(count: int = 34) -> Table:
    rows = [(f"Tỉnh số {index} có tên khá dài", index * 3, float(index)) for index in range(count)]
    return Table("provinces", "By province",
                 (Column("province", _l("Province")), Column("sellers", _l("Sellers"), Kind.COUNT),
                  Column("share", "Share", Kind.PERCENT)),
                 rows, chart=Chart("bar", "province", ("sellers", "share")))


def simple_table(key: str, rows: list, kind: str = "bar") -> Table:
    return Table(key, f"Table {key}", (Column("name", "Name"), Column("value", "Value", Kind.COUNT)),
                 rows, chart=Chart(kind, "name", ("value",)))


def parsed(document: str) -> ET.Element:
    root = ET.fromstring(document)
    assert root.tag == f"{SVG}svg"
    return root


def bars(root: ET.Element) -> list[ET.Element]:
    """The bars: rectangles carrying their value in a <title>."""
    return [rect for rect in root.iter(f"{SVG}rect") if rect.find(f"{SVG}title") is not None]


def texts(root: ET.Element) -> list[str]:
    return ["".join(element.itertext()) for element in root.iter(f"{SVG}text")]


def tips(root: ET.Element) -> list[str]:
    return [element.text for element in root.iter(f"{SVG}title")][1:]  # the first names the chart


# --- SVG ------------------------------------------------------------------------------------

def test_chart_is_an_accessible_svg_with_title_and_desc(app):
    root = parsed(charts.svg(legal_forms_table(), "en"))
    assert root.get("role") == "img"
    assert root.get("width") == "100%" and root.get("viewBox").startswith("0 0 420 ")
    title, desc = root[0], root[1]
    assert title.tag == f"{SVG}title" and title.text == "Sellers by legal form"
    assert desc.tag == f"{SVG}desc" and "table beside" in desc.text
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"


def test_vertical_bars_one_per_value_with_its_value(app):
    root = parsed(charts.svg(legal_forms_table(), "vi"))
    assert len(bars(root)) == 3
    assert tips(root) == ["Hợp tác xã, Người bán: 1.234", "Tổ hợp tác, Người bán: 56", "Hộ kinh doanh, Người bán: 0"]
    shown = texts(root)
    assert {"1.234", "56", "0", "Hợp tác xã", "Tổ hợp tác"} <= set(shown)
    assert "Người bán" in shown  # the legend names the series in Vietnamese


def test_axis_and_labels_in_each_language(app):
    table = provinces_table(3)
    vi, en = texts(parsed(charts.svg(table, "vi"))), texts(parsed(charts.svg(table, "en")))
    assert "2,0 %" in vi and "2.0%" in en
    big = simple_table("big", [("A", 1234567), ("B", 2)], "line")
    vi_ticks, en_ticks = texts(parsed(charts.svg(big, "vi"))), texts(parsed(charts.svg(big, "en")))
    assert "1.000.000" in vi_ticks and "1,000,000" in en_ticks
    assert "A, Value: 1,234,567" in tips(parsed(charts.svg(big, "en")))


def test_chart_speaks_the_language_asked_not_the_requests(app):
    with force_locale("vi"):  # a Vietnamese page asking for the English chart (the command)
        root = parsed(charts.svg(every_kind_table(), "en"))
    assert "Orders" in texts(root) and "Đơn hàng" not in texts(root)
    assert "Ctrlchar, Orders: no figure" in tips(root)


def test_hostile_names_are_escaped_and_control_characters_dropped(app):
    document = charts.svg(every_kind_table(), "en")
    assert "<script" not in document and "&lt;script&gt;" in document
    root = parsed(document)
    assert any(HOSTILE in tip for tip in tips(root))
    assert HOSTILE in texts(root)  # the name shown whole, as text
    assert "Ctrlchar" in texts(root)


def test_many_categories_are_drawn_as_horizontal_bars(app):
    root = parsed(charts.svg(provinces_table(34), "vi"))
    assert len(bars(root)) == 68  # 34 provinces, two series
    names = [text for text in texts(root) if text.startswith("Tỉnh số")]
    assert len(names) == 34  # each name whole, on its own line
    assert {rect.get("height") for rect in bars(root)} == {"14"}  # horizontal, all of a thickness
    assert max(float(rect.get("x")) + float(rect.get("width")) for rect in bars(root)) <= 420
    few = parsed(charts.svg(legal_forms_table(), "vi"))  # three short names stay vertical
    assert len({rect.get("height") for rect in bars(few)}) == 3


def test_none_values_draw_no_bar_but_say_so(app):
    root = parsed(charts.svg(every_kind_table(), "en"))
    # 12 provinces, two series, two values missing (an order count, a share)
    assert len(bars(root)) == 24 - 2
    assert sum("no figure" in tip for tip in tips(root)) == 2


def test_patterns_tell_series_apart_without_colour(app):
    document = charts.svg(provinces_table(3), "en")
    root = parsed(document)
    fills = {rect.get("fill") for rect in bars(root)}
    assert len(fills) == 2 and "url(#chart-provinces-p1)" in fills
    assert root.find(f".//{SVG}pattern[@id='chart-provinces-p1']") is not None


def test_line_chart_has_a_marker_per_value_and_breaks_at_a_gap(app):
    root = parsed(charts.svg(trends_table(), "vi"))
    markers = [element for element in root.iter() if element is not root and element.find(f"{SVG}title") is not None]
    assert len(markers) == 2 * 11  # 12 months, one with no figure, two series
    lines = [path for path in root.iter(f"{SVG}path") if path.get("fill") == "none" and "L" in path.get("d")]
    assert len(lines) == 4  # each series broken in two by the missing month
    assert "12/2025, Doanh thu: 0\xa0₫" in tips(root)  # Babel keeps the sign on its number


@pytest.mark.parametrize("table", [
    simple_table("empty", []),
    simple_table("zeros", [("A", 0), ("B", 0)]),
    simple_table("zeros_h", [("A", 0), ("B", 0)], "hbar"),
    simple_table("zeros_line", [("A", 0), ("B", 0)], "line"),
    simple_table("nones", [("A", None), ("B", None)]),
    simple_table("one", [("Only", 5)]),
    simple_table("one_line", [("Only", 5)], "line"),
    simple_table("huge", [("A", 10**18), ("B", -(10**17))]),
    simple_table("huge_h", [("A", 10**18), ("B", -(10**17))], "hbar"),
    Table("floats", "Floats", (Column("name", "Name"), Column("value", "Value", Kind.NUMBER)),
          [("A", 1e300), ("B", float("nan")), ("C", float("inf"))], chart=Chart("bar", "name", ("value",))),
    every_kind_table("bar"),
    every_kind_table("line"),
])
def test_awkward_tables_still_make_valid_readable_svg(app, table):
    document = charts.svg(table, "vi")
    root = parsed(document)
    assert re.search(r"\b(nan|inf)\b", document) is None
    width = float(root.get("viewBox").split()[2])
    sizes = [float(element.get("font-size")) for element in root.iter() if element.get("font-size")]
    assert sizes and min(sizes) * 360 / width >= 12  # 12 px at least on a 360 px screen
    for element in root.iter():
        assert element.get("style") is None  # the page's CSP forbids inline styles
        assert not element.tag.endswith("script")
    assert len({element.get("id") for element in root.iter() if element.get("id")}) == \
        len([element for element in root.iter() if element.get("id")])


def test_empty_table_says_there_is_nothing_to_draw(app):
    root = parsed(charts.svg(simple_table("empty", []), "en"))
    assert bars(root) == [] and "No figures to draw." in texts(root)


def test_no_chart_no_svg(app):
    assert charts.svg(Table("plain", "Plain", EVERY_KIND[:2], [("A", 1)]), "vi") == ""


def test_two_charts_on_one_page_have_distinct_ids(app):
    first = parsed(charts.svg(provinces_table(3), "vi"))
    second = parsed(charts.svg(every_kind_table(), "vi"))
    ids = lambda root: {element.get("id") for element in root.iter() if element.get("id")}  # noqa: E731
    assert not ids(first) & ids(second)


# --- CSV ------------------------------------------------------------------------------------

def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_header_in_the_staff_members_language(app):
    vi = read_csv(exports.csv_bytes(every_kind_table(), "vi"))
    en = read_csv(exports.csv_bytes(every_kind_table(), "en"))
    assert vi[0] == ["Tỉnh, thành phố", "Đơn hàng", "Doanh thu", "Women-led share", "Average items", "Ngày", "Month"]
    assert en[0] == ["Province", "Orders", "Sales", "Women-led share", "Average items", "Date", "Month"]
    assert vi[1:] == en[1:]  # values are written the same whatever the language


def test_csv_values_in_a_machine_friendly_form(app):
    rows = read_csv(exports.csv_bytes(every_kind_table(), "vi"))
    assert rows[1] == ["Hà Nội", "1234", "150000", "2.0", "3.3", "2026-07-24", "2026-07"]
    assert rows[2] == [HOSTILE, "0", "-5000", "", "", "", ""]  # a negative number stays a number
    assert rows[3][2] == "1000000000000000" and rows[3][3] == "100.0" and rows[3][4] == "0.0"
    assert rows[4][0] == "Ctrl\x01char" and rows[4][1:3] == ["", ""]


def test_csv_odd_numbers(app):
    table = Table("odd", "Odd", (Column("name", "Name"), Column("share", "Share", Kind.PERCENT),
                                 Column("money", "Money", Kind.MONEY)),
                  [("NaN", float("nan"), "=1+1"), ("Negative", -12.34, -7), ("Huge", 1e20, 10**18)])
    rows = read_csv(exports.csv_bytes(table, "en"))
    assert rows[1:] == [["NaN", "", "'=1+1"], ["Negative", "-12.3", "-7"], ["Huge", "1e+20", "1000000000000000000"]]
    report = fixture_report()
    report.tables = [table]
    sheet = open_xlsx(exports.xlsx_bytes(report, "en"))["Odd"]
    assert sheet["B2"].value is None and sheet["C2"].value == "=1+1" and sheet["C2"].data_type == "s"
    assert sheet["B3"].value == -12.34 and sheet["C3"].value == -7 and sheet["C4"].value == 10**18


def test_csv_neutralises_formulas_in_text(app):
    rows = read_csv(exports.csv_bytes(every_kind_table(), "en"))
    assert [row[0] for row in rows[5:]] == ["'" + text for text in FORMULA_LIKE]
    for row in rows[1:]:
        assert not row[0].startswith(("=", "+", "-", "@", "\t", "\r"))


def test_csv_files_one_per_table(app):
    report = fixture_report()
    files = exports.csv_files(report, "vi")
    assert list(files) == ["every_kind.csv", "trends.csv", "legal_forms.csv", "provinces.csv", "hostile.csv",
                           "dup_a.csv", "dup_b.csv", "empty.csv", "every_kind_2.csv"]
    assert read_csv(files["empty.csv"]) == [["Name", "Value"], ["A", "1"]]
    assert read_csv(exports.csv_bytes(simple_table("nothing", []), "en")) == [["Name", "Value"]]
    assert read_csv(files["trends.csv"])[1] == ["2025-12", "0", "0"]


# --- XLSX -----------------------------------------------------------------------------------

def titled(key: str, title: str) -> Table:
    table = simple_table(key, [("A", 1)])
    table.title = title
    return table


def fixture_report() -> Report:
    return Report(
        period=Period(date(2025, 12, 1), date(2026, 5, 31), "Mid-year 2026"),
        scope=Scope(province="Hà Nội", program_slug=None),
        tables=[every_kind_table(), trends_table(), legal_forms_table(), provinces_table(),
                titled("hostile", "Sales [by] province: a/b*c?d\\e 'x'"),
                titled("dup_a", "Orders and sales by province, month by month, all programs"),
                titled("dup_b", "Orders and sales by province, month by month, all programs"),
                titled("empty", "'"),
                titled("every_kind", "REPORT")],
        generated_at=datetime(2026, 5, 31, 17, 30, tzinfo=timezone.utc),  # 00:30 on 1 June in Hà Nội
    )


def open_xlsx(data: bytes):
    return load_workbook(io.BytesIO(data))


def test_xlsx_first_sheet_says_what_the_report_covers(app):
    book = open_xlsx(exports.xlsx_bytes(fixture_report(), "vi"))
    cover = book.worksheets[0]
    with force_locale("vi"):
        assert cover.title == _("Report") and cover["A1"].value == _("Reporting period")
    assert cover["B1"].value == "Mid-year 2026"
    assert cover["B2"].value == datetime(2025, 12, 1) and cover["B2"].number_format == "dd/mm/yyyy"
    assert cover["B3"].value == datetime(2026, 5, 31)
    assert cover["B4"].value == "Hà Nội"
    assert cover["B6"].value == datetime(2026, 6, 1, 0, 30)  # Vietnam's time, as Excel has no zones
    assert cover["A9"].value == "Every kind" and cover["A9"].hyperlink.location == "'Every kind'!A1"
    assert cover["B9"].value == "How it is counted"
    english = open_xlsx(exports.xlsx_bytes(fixture_report(), "en")).worksheets[0]
    assert english.title == "Report" and english["A1"].value == "Reporting period"
    assert english["B2"].number_format == "yyyy-mm-dd"


def test_xlsx_cells_are_typed_and_formatted(app):
    book = open_xlsx(exports.xlsx_bytes(fixture_report(), "vi"))
    sheet = book["Every kind"]
    header = [cell.value for cell in sheet[1]]
    assert header == ["Tỉnh, thành phố", "Đơn hàng", "Doanh thu", "Women-led share", "Average items", "Ngày", "Month"]
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    name, orders, sales, share, average, day, month = sheet[2]
    assert name.value == "Hà Nội" and name.data_type == "s"
    assert orders.value == 1234 and type(orders.value) is int and orders.number_format == "#,##0"
    assert sales.value == 150000 and type(sales.value) is int and sales.number_format == "#,##0"
    assert share.value == 2.0 and share.number_format == '0.0" %"'  # XLSX keeps no int/float difference
    assert sheet["D5"].value == 12.35 and sheet["D5"].number_format == '0.0" %"'
    assert average.value == pytest.approx(3.26) and average.number_format == "#,##0.0"
    assert day.value == datetime(2026, 7, 24) and day.is_date and day.number_format == "dd/mm/yyyy"
    assert month.value == datetime(2026, 7, 1) and month.is_date and month.number_format == "mm/yyyy"
    assert sheet["C3"].value == -5000 and sheet["D3"].value is None and sheet["F3"].value is None
    assert sheet["C4"].value == 10**15
    assert sheet["A5"].value == "Ctrlchar"  # XML cannot carry control characters
    assert sheet.column_dimensions["A"].width > 8


def test_xlsx_text_is_never_a_formula(app):
    data = exports.xlsx_bytes(fixture_report(), "en")
    sheet = open_xlsx(data)["Every kind"]
    written = [sheet.cell(row=row, column=1) for row in range(6, 6 + len(FORMULA_LIKE))]
    # (XML reads a carriage return as a line feed: still text, still not a formula)
    assert [cell.value for cell in written] == [text.replace("\r", "\n") for text in FORMULA_LIKE]
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in written)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name), name


def test_xlsx_sheet_names_are_valid_and_unique(app):
    book = open_xlsx(exports.xlsx_bytes(fixture_report(), "en"))
    names = book.sheetnames
    assert len(names) == 10
    assert len({name.casefold() for name in names}) == len(names)
    for name in names:
        assert 0 < len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name)
        assert not name.startswith("'") and not name.endswith("'")
    assert names[5] == "Sales by province a b c d e 'x"
    assert names[6] == "Orders and sales by province, m" and names[7] == "Orders and sales by provinc (2)"
    assert names[8] == "empty"  # a title of nothing but an apostrophe falls back on the key
    assert names[9] == "REPORT (2)"  # the cover is "Report" already, whatever the case


def test_xlsx_empty_table_keeps_its_header(app):
    report = fixture_report()
    report.tables = [simple_table("empty", [])]
    sheet = open_xlsx(exports.xlsx_bytes(report, "en"))["Table empty"]
    assert [cell.value for cell in sheet[1]] == ["Name", "Value"] and sheet.max_row == 1


def test_xlsx_has_a_native_chart_for_each_charted_table(app):
    data = exports.xlsx_bytes(fixture_report(), "en")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        charts_written = [name for name in archive.namelist() if name.startswith("xl/charts/chart")]
        kinds = b"".join(archive.read(name) for name in charts_written)
    # every charted table with rows: every kind, trends, legal forms, provinces, four titled
    assert len(charts_written) == 9
    assert b"lineChart" in kinds and b'barDir val="bar"' in kinds and b'barDir val="col"' in kinds
