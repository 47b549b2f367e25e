"""The shared CSV writer: BOM, formula-safe text, numbers kept as numbers, a download."""
import csv
import io

import pytest

from market.core.csv_export import BOM, csv_bytes, csv_download, safe_cell


@pytest.mark.parametrize("text", ["=1+1", "+84912345678", "-5", "@SUM(A1)", "\t=1", "\r=1", "  =1", "＝1", "=HYPERLINK(\"http://x\")"])
def test_text_a_spreadsheet_would_run_gets_an_apostrophe(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value, cell", [(None, ""), (12, 12), (-3, -3), (2.5, 2.5), ("HTX Mật ong", "HTX Mật ong"),
                                         ("0263 382 2222", "0263 382 2222"), ("a=b", "a=b"), (True, "True")])
def test_other_values_are_kept(value, cell):
    assert safe_cell(value) == cell


def test_csv_bytes_start_with_a_bom_and_parse_back():
    content = csv_bytes(["Tên", "Số"], [["=cmd|' /C calc'!A0", -4], ["Hợp tác xã \"Đất\", Lâm Đồng", None]])
    text = content.decode("utf-8")
    assert text.startswith(BOM)
    rows = list(csv.reader(io.StringIO(text.removeprefix(BOM))))
    assert rows == [["Tên", "Số"], ["'=cmd|' /C calc'!A0", "-4"], ["Hợp tác xã \"Đất\", Lâm Đồng", ""]]


def test_csv_download_names_the_file_in_both_forms(app):
    with app.test_request_context():
        response = csv_download(b"x", "người-bán-2026.csv")
    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="ng')
    assert "filename*=UTF-8''ng%C6%B0%E1%BB%9Di-b%C3%A1n-2026.csv" in disposition
    assert response.headers["Cache-Control"] == "private, no-store"
