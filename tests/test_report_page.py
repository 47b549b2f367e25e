"""The union's report as staff meet it: /staff/reports (the period presets and chosen days,
the scope, hostile query strings), its downloads (/staff/reports.xlsx and one CSV per table)
and provincial staff held to their province on every one of them.

The clock stands at 15 April 2026, 10:00 in Vietnam: the union's mid-year period 2026
(1 December 2025 to 31 May 2026) is running, so it is the default report.
"""
import csv
import io
import re
from datetime import date

import pytest
import time_machine
from flask_babel import force_locale
from markupsafe import escape
from openpyxl import load_workbook

from market.staff.report_forms import running_period
from market.staff.reports import exports, periods
from market.staff.reports.figures import build_report, scope_for
from tests import builders
from tests.builders import EN

VI = {"Accept-Language": "vi"}
NOW = "2026-04-15 03:00 +0000"
DEFAULT = ("2025-12-01", "2026-05-31")
MIDYEAR_2026 = {"period": "midyear", "year": "2026"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HOSTILE_NAME = "HTX <b>Hà Nội</b> & \"co\""


@pytest.fixture(autouse=True)
def clock(app):
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(staff, categories):
    """A cooperative in Lâm Đồng (enrolled: 1 of the program's 50 cooperatives, 2.0 %) and one
    in Hà Nội with a name that is markup; an order for each."""
    ld_owner, ld_seller = builders.approved_seller(staff, "ld.owner@example.vn", "HTX Cà phê Cầu Đất")
    hn_owner, hn_seller = builders.approved_seller(staff, "hn.owner@example.vn", HOSTILE_NAME, province="Hà Nội")
    coffee = builders.make_product(ld_owner, name="Cà phê Cầu Đất", price_vnd=150_000, stock=10)
    silk = builders.make_product(hn_owner, name="Khăn lụa", price_vnd=90_000, stock=10)
    builders.place((coffee, 1))
    builders.place((silk, 2))
    program = builders.make_program(staff, targets={"cooperatives": 50})
    builders.enrol_in_program(staff, ld_owner, program)
    builders.make_user("ld.staff@example.vn", role="staff", province="Lâm Đồng")
    builders.make_user("mai@example.vn")
    return program


@pytest.fixture
def central(client_for, world):
    return client_for("staff@example.vn")


@pytest.fixture
def central_alone(client_for, staff):
    """Central staff in an empty market: enough for what the query string does."""
    return client_for("staff@example.vn")


@pytest.fixture
def lamdong(client_for, world):
    return client_for("ld.staff@example.vn")


def report_days(page) -> tuple[str, str]:
    """The first and last day the page's summary says it covers."""
    text = page.get_data(as_text=True)
    summary = text[text.index('class="facts report-summary"'):]
    return tuple(re.findall(r'<time datetime="(\d{4}-\d{2}-\d{2})">', summary)[:2])


def table_html(page, key: str) -> str:
    text = page.get_data(as_text=True)
    start = text.index(f'<section id="{key}"')
    return text[start:text.index("</section>", start)]


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


# --- the default period and the presets ---------------------------------------------------------

@pytest.mark.parametrize("today, expected", [
    (date(2026, 1, 1), ("midyear", 2026)),
    (date(2026, 5, 31), ("midyear", 2026)),
    (date(2026, 6, 1), ("yearend", 2026)),
    (date(2026, 11, 30), ("yearend", 2026)),
    (date(2026, 12, 1), ("midyear", 2027)),   # 1 December opens the next year's periods
    (date(2026, 12, 31), ("midyear", 2027)),
])
def test_the_period_running_today(today, expected):
    assert running_period(today) == expected


def test_the_default_report_is_the_period_running_today(central):
    page = central.get("/staff/reports", headers=EN)
    assert page.status_code == 200
    assert report_days(page) == DEFAULT
    assert "Mid-year 2026" in page.get_data(as_text=True)


@pytest.mark.parametrize("query, days", [
    ("period=midyear&year=2026", ("2025-12-01", "2026-05-31")),
    ("period=yearend&year=2026", ("2025-12-01", "2026-11-30")),
    ("period=quarter&year=2026&quarter=2", ("2026-04-01", "2026-06-30")),
    ("period=month&year=2024&month=2", ("2024-02-01", "2024-02-29")),
    ("period=year&year=2025", ("2025-01-01", "2025-12-31")),
    ("period=range&from=2026-03-05&to=2026-04-10", ("2026-03-05", "2026-04-10")),
    ("from=2026-03-05&to=2026-04-10", ("2026-03-05", "2026-04-10")),  # days alone: chosen days
    # Boxes the period does not read are left alone, whatever they hold.
    ("period=midyear&year=2026&month=13&quarter=%C2%B2&from=nonsense", ("2025-12-01", "2026-05-31")),
    ("period=quarter&quarter=1", ("2026-01-01", "2026-03-31")),  # no year: this year
])
def test_presets_and_chosen_days_resolve_to_their_days(central_alone, query, days):
    page = central_alone.get(f"/staff/reports?{query}", headers=EN)
    assert page.status_code == 200
    assert report_days(page) == days


def test_the_downloads_carry_the_pages_choices(central):
    page = central.get("/staff/reports?period=quarter&year=2026&quarter=1&program=&month=7", headers=EN)
    text = page.get_data(as_text=True)
    assert 'href="/staff/reports.xlsx?period=quarter&amp;year=2026&amp;quarter=1"' in text
    assert 'href="/staff/reports/trends.csv?period=quarter&amp;year=2026&amp;quarter=1"' in text


# --- hostile values: a message in the reader's language and the default report -----------------

@pytest.mark.parametrize("query, message", [
    ("period=year&year=99999", "Choose a year between 2020 and 2100."),
    ("period=year&year=%C2%B2", "Choose a year between 2020 and 2100."),
    ("period=year&year=2019", "Choose a year between 2020 and 2100."),
    ("period=year&year=-1", "Choose a year between 2020 and 2100."),
    ("period=year&year=" + "9" * 500, "Choose a year between 2020 and 2100."),
    ("period=month&year=2026&month=13", "Choose one of the options in the list."),
    ("period=month&year=2026&month=", "Choose a month from 1 to 12."),
    ("period=quarter&year=2026", "Choose a quarter from 1 to 4."),
    ("period=quarter&year=2026&quarter=5", "Choose one of the options in the list."),
    ("period=..%2F..%2Fetc", "Choose one of the options in the list."),
    ("period=weekly", "Choose one of the options in the list."),
    ("period=range&from=2026-05-31&to=2026-01-01", "The end date is before the start date."),
    ("period=range&from=2026-02-30&to=2026-03-01", "There is no such day in the calendar."),
    ("period=range&from=%C2%B2&to=2026-03-01", "Enter a date as YYYY-MM-DD, e.g. 2026-05-31."),
    ("period=range&from=99999-01-01&to=2026-03-01", "Enter a date as YYYY-MM-DD, e.g. 2026-05-31."),
    ("period=range&from=2026-01-01", "Enter the first and the last day of the period."),
    ("period=range&from=2019-12-01&to=2020-01-31", "no figures before 2020"),
    ("period=range&from=2021-01-01&to=2025-01-01", "A report covers at most 3 years"),
    ("province=..%2F", "Choose one of the options in the list."),
    ("province=Atlantis", "Choose one of the options in the list."),
    ("program=no-such-program", "Choose one of the options in the list."),
    ("program=%00", "Choose one of the options in the list."),
])
def test_a_hostile_value_gets_a_message_and_the_default_report(central_alone, query, message):
    page = central_alone.get(f"/staff/reports?{query}", headers=EN)
    text = page.get_data(as_text=True)
    assert page.status_code == 400
    assert message in text
    assert "the report below is the default one" in text
    assert report_days(page) == DEFAULT
    assert 'id="sellers_by_province"' in text  # the default report itself, every table
    # Its downloads are the default report's, not the refused choice's.
    assert 'href="/staff/reports.xlsx?period=midyear&amp;year=2026"' in text


def test_a_hostile_value_is_told_in_vietnamese_too(central):
    page = central.get("/staff/reports?period=month&year=99999&month=13", headers=VI)
    text = page.get_data(as_text=True)
    assert page.status_code == 400
    assert report_days(page) == DEFAULT
    assert 'lang="vi"' in text and 'aria-invalid="true"' in text


def test_a_hostile_value_on_a_download_gets_the_page_not_a_file(central):
    for url in ("/staff/reports.xlsx?period=year&year=99999", "/staff/reports/trends.csv?period=month&month=13"):
        response = central.get(url, headers=EN)
        assert response.status_code == 400, url
        assert response.content_type.startswith("text/html")
        assert "Content-Disposition" not in response.headers


# --- what the page shows --------------------------------------------------------------------------

def test_numbers_are_written_as_the_reader_writes_them(central, world):
    vietnamese = table_html(central.get("/staff/reports", headers=VI), "program_targets")
    english = table_html(central.get("/staff/reports", headers=EN), "program_targets")
    assert ">2,0 %<" in vietnamese and ">2.0%<" in english
    commerce_vi = table_html(central.get("/staff/reports", headers=VI), "commerce")
    # 150.000 ₫ + 2 × 90.000 ₫ of goods and two shipping fees of 30.000 ₫.
    assert ">390.000\xa0₫<" in commerce_vi
    assert ">₫390,000<" in table_html(central.get("/staff/reports", headers=EN), "commerce")


def test_every_table_has_its_title_note_chart_and_contents_entry(central):
    page = central.get("/staff/reports", headers=EN)
    text = page.get_data(as_text=True)
    with force_locale("en"):
        report = build_report(periods.preset("midyear", 2026), scope_for(None, None, None))
    for table in report.tables:
        section = table_html(page, table.key)
        with force_locale("en"):
            title, note = str(table.title), str(table.note)
        assert f'<a href="#{table.key}">{title}</a>' in text or f'<a href="#{table.key}">{escape(title)}</a>' in text
        assert f'<caption id="{table.key}-caption" class="visually-hidden">{title}</caption>' in section \
            or not table.rows
        # Titles and notes are our own words, some lazy strings (not escaped), some text (escaped).
        assert (note in section or str(escape(note)) in section) if table.note else True
        assert ('<svg xmlns="http://www.w3.org/2000/svg"' in section) == (table.chart is not None)
        assert 'class="table-wrap"' in section or not table.rows
        assert f'href="/staff/reports/{table.key}.csv?period=midyear&amp;year=2026"' in section
    summary = text[text.index("report-summary"):text.index("</dl>")]
    assert "All provinces" in summary and "All programs" in summary and "Generated at" in summary
    assert "Apr 15, 2026, 10:00:00" in summary  # Vietnam time
    assert '<link rel="stylesheet" href="/static/css/report.css">' in text


def test_names_from_people_are_escaped_in_the_tables_and_the_charts(central):
    text = central.get("/staff/reports?period=quarter&year=2026&quarter=2", headers=EN).get_data(as_text=True)
    assert "<b>Hà Nội</b>" not in text
    assert "HTX &lt;b&gt;Hà Nội&lt;/b&gt; &amp;" in text


def test_the_staff_nav_links_to_the_reports(central):
    text = central.get("/staff/", headers=EN).get_data(as_text=True)
    assert '<a href="/staff/reports">' in text and "<span>Reports</span>" in text


@pytest.mark.parametrize("url", [
    "/staff/reports", "/staff/reports.xlsx", "/staff/reports/trends.csv",
])
def test_anonymous_visitors_and_shoppers_are_refused(app, world, client_for, url):
    anonymous = app.test_client().get(url)
    assert anonymous.status_code == 302 and "/account/sign-in" in anonymous.headers["Location"]
    assert client_for("mai@example.vn").get(url).status_code == 403


# --- scope: central staff choose; provincial staff are held to their province -------------------

def province_rows(content: bytes) -> list[str]:
    return [row[0] for row in csv_rows(content)[1:]]


@pytest.mark.parametrize("province", ["01", "Hà Nội", "ha noi", "Hanoi"])
def test_central_staff_choose_a_province_by_code_or_name(central, province):
    page = central.get("/staff/reports", query_string={"province": province}, headers=EN)
    assert page.status_code == 200
    section = table_html(page, "sellers_by_province")
    assert "Hà Nội" in section and "Lâm Đồng" not in section
    csv_file = central.get("/staff/reports/sellers_by_province.csv", query_string={"province": province}, headers=EN)
    assert province_rows(csv_file.data) == ["Hà Nội"]


def test_provincial_staff_see_their_province_whatever_the_url_says(lamdong):
    page = lamdong.get("/staff/reports?province=01", headers=EN)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Lam Dong" in text[text.index("report-summary"):text.index("</dl>")]
    assert 'name="province"' not in text  # nothing to choose
    section = table_html(page, "sellers_by_province")
    assert "Lâm Đồng" in section and "Hà Nội" not in section
    assert "Khăn lụa" not in text and "HTX &lt;b&gt;" not in text
    # A hostile province is not even read for them: it is not theirs to choose.
    assert lamdong.get("/staff/reports?province=..%2F", headers=EN).status_code == 200


def test_provincial_staff_are_held_to_their_province_on_every_download(lamdong, central):
    with force_locale("en"):
        own = build_report(periods.preset("midyear", 2026), scope_for(None, "Lâm Đồng", None))
    for key in [table.key for table in own.tables]:
        response = lamdong.get(f"/staff/reports/{key}.csv?period=midyear&year=2026&province=01", headers=EN)
        assert response.status_code == 200, key
        assert response.data == exports.csv_bytes(own.table(key), "en"), key
        assert "-lam-dong-" in response.headers["Content-Disposition"], key
    assert province_rows(lamdong.get("/staff/reports/sellers_by_province.csv?province=Hà Nội").data) == ["Lâm Đồng"]
    workbook = load_workbook(io.BytesIO(lamdong.get("/staff/reports.xlsx?province=01", headers=EN).data))
    cover = {row[0]: row[1] for row in workbook["Report"].iter_rows(values_only=True) if row[0]}
    assert cover["Province"] == "Lâm Đồng"
    by_province = workbook["Approved sellers by province"]
    assert [row[0] for row in by_province.iter_rows(min_row=2, values_only=True)] == ["Lâm Đồng"]
    # Central staff asking the same see Hà Nội: the URL was not the reason.
    assert province_rows(central.get("/staff/reports/sellers_by_province.csv?province=01").data) == ["Hà Nội"]


# --- the downloads ----------------------------------------------------------------------------------

def test_the_workbook_is_served_and_opens(central):
    response = central.get("/staff/reports.xlsx?period=midyear&year=2026", headers=VI)
    assert response.status_code == 200
    assert response.content_type == XLSX
    assert response.headers["Content-Disposition"] == 'attachment; filename="bao-cao-2025-12-01_2026-05-31.xlsx"'
    assert response.headers["Cache-Control"] == "private, no-store"
    workbook = load_workbook(io.BytesIO(response.data))
    with force_locale("vi"):
        report = build_report(periods.preset("midyear", 2026), scope_for(None, None, None))
    assert len(workbook.sheetnames) == 1 + len(report.tables)
    activity = [row for row in workbook.worksheets[1].iter_rows(min_row=2, values_only=True)]
    assert activity == report.table("sellers_activity").rows  # numbers as numbers
    assert activity[0][1] == 2
    english = central.get("/staff/reports.xlsx?period=yearend&year=2026&province=Lâm Đồng", headers=EN)
    assert english.headers["Content-Disposition"] == \
        'attachment; filename="report-2025-12-01_2026-11-30-lam-dong.xlsx"'


def test_each_table_is_served_as_csv_with_the_pages_figures(central):
    with force_locale("en"):
        report = build_report(periods.preset("midyear", 2026), scope_for(None, None, None))
    for table in report.tables:
        response = central.get(f"/staff/reports/{table.key}.csv?period=midyear&year=2026", headers=EN)
        assert response.status_code == 200
        assert response.content_type == "text/csv; charset=utf-8"
        assert response.headers["Content-Disposition"].startswith(
            f'attachment; filename="report-2025-12-01_2026-05-31-{table.key}.csv"')
        rows = csv_rows(response.data)
        with force_locale("en"):
            assert rows[0] == [str(column.label) for column in table.columns]
        assert len(rows) == 1 + len(table.rows)
    commerce = csv_rows(central.get("/staff/reports/commerce.csv", headers=EN).data)
    assert dict(zip(commerce[0], commerce[1]))["Orders placed"] == "2"


@pytest.mark.parametrize("key", ["nope", "..", "sellers_by_province.csv", "SELLERS_TOTAL", "%C2%B2"])
def test_an_unknown_table_is_not_found(central, key):
    assert central.get(f"/staff/reports/{key}.csv", headers=EN).status_code == 404
