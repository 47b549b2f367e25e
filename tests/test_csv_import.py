"""CSV import of products: parsing and checks, all-or-nothing import, the pages, the shell command."""
import io
import random
import re
import time
from contextlib import contextmanager

import pytest
from flask_babel import refresh
from sqlalchemy import func, select

from market.catalog import csv_import, services
from market.catalog.csv_import import ImportFailed, parse, parse_whole_number
from market.catalog.models import Product
from market.core.audit import AuditEntry
from market.extensions import db
from market.sellers import services as sellers
from tests.builders import application, certificate
from tests.conftest import csrf_token_from, post_form

VI_HEADER = "Tên sản phẩm,Danh mục,Giá (đồng),Giá gốc,Tồn kho,Đơn vị,Khối lượng (gram),Xuất xứ,Mô tả"
EN_HEADER = "Product name,Category,Price (VND),Price before discount,Stock,Unit,Weight (grams),Origin,Description"
GOOD_ROWS = [
    'Mật ong hoa cà phê,mat-ong,185000,220000,50,chai,700,Lâm Đồng,"Mật ong rừng, nguyên chất"',
    "Cà phê Cầu Đất,Cà phê,\"120.000\",,30,kg,1000,,",
    "Gạo ST25,Rice,\"95,000\",,100,bag,5000,Sóc Trăng,Gạo thơm",
]


@pytest.fixture
def staff(make_user):
    return make_user("staff@example.vn", role="staff")


def approved_seller(make_user, staff, email, **changes):
    owner = make_user(email)
    seller = sellers.save_application(owner, application(**changes), submit=True, documents=certificate())
    sellers.decide(staff, seller.id, "approve")
    return owner, seller


@pytest.fixture
def world(app, make_user, staff):
    services.seed_categories()
    owner, seller = approved_seller(make_user, staff, "hoa@example.vn")
    return owner, seller


@pytest.fixture
def owner(world):
    return world[0]


@pytest.fixture
def seller(world):
    return world[1]


def csv_text(header: str, rows, delimiter: str = ",") -> str:
    lines = [header, *rows]
    if delimiter != ",":
        lines = [line.replace(",", delimiter) for line in lines]
    return "\r\n".join(lines) + "\r\n"


def product_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Product))


@contextmanager
def language(app, code: str):
    """A request in language `code` (the tests' shared app context caches the locale: drop it)."""
    with app.test_request_context(headers={"Accept-Language": code}):
        refresh()
        yield
    refresh()


def errors_at(preview) -> dict[tuple[int, str], str]:
    return {(error.line, error.column): error.message for error in preview.errors()}


# --- reading headers, delimiters, encodings ------------------------------------------------------

def test_vietnamese_headers(seller):
    preview = parse(csv_text(VI_HEADER, GOOD_ROWS).encode(), seller)
    assert preview.ok, (preview.problems, errors_at(preview))
    assert [row.line for row in preview.rows] == [2, 3, 4]
    first, second, third = (row.data for row in preview.rows)
    assert (first.name, first.price_vnd, first.compare_at_price_vnd, first.stock, first.unit) == (
        "Mật ong hoa cà phê", 185000, 220000, 50, "bottle")
    assert first.description == "Mật ong rừng, nguyên chất"
    assert (second.price_vnd, second.unit, second.compare_at_price_vnd, second.origin_province) == (120000, "kg", None, None)
    assert (third.price_vnd, third.unit) == (95000, "bag")
    assert preview.category_labels[first.category_id].endswith("Mật ong")


def test_english_headers(seller):
    preview = parse(csv_text(EN_HEADER, GOOD_ROWS), seller)
    assert preview.ok, (preview.problems, errors_at(preview))
    assert set(preview.columns) == {column.key for column in csv_import.COLUMNS}


def test_headers_without_diacritics_in_any_case_and_any_order(seller):
    header = "DON VI,ten san pham,gia (dong),ton kho,danh muc,XUAT XU"
    preview = parse(csv_text(header, ["hộp,Trà Shan tuyết,\"250.000\",12,tra,ha giang"]), seller)
    assert preview.ok, (preview.problems, errors_at(preview))
    data = preview.rows[0].data
    assert (data.name, data.unit, data.price_vnd, data.stock, data.origin_province) == (
        "Trà Shan tuyết", "box", 250000, 12, "ha giang")


def test_semicolons_and_a_byte_order_mark(seller):
    rows = ["Mật ong;mat-ong;185.000;;5;chai;;;", "Trà;tra;90.000;;5;gói;;;"]
    data = ("\ufeff" + csv_text(VI_HEADER, rows, delimiter=";")).encode("utf-8")
    preview = parse(data, seller)
    assert preview.ok, (preview.problems, errors_at(preview))
    assert preview.delimiter == ";"
    assert [row.data.price_vnd for row in preview.rows] == [185000, 90000]
    assert "name" in preview.columns  # the BOM is not part of the first header


def test_template_parses_back_as_one_valid_row(seller):
    preview = parse(csv_import.template_csv(), seller)
    assert preview.ok and preview.row_count == 1


def test_blank_lines_are_skipped_and_line_numbers_stay_those_of_the_file(seller):
    text = csv_text(VI_HEADER, ["", GOOD_ROWS[0], ",,,,,,,,", "Trà,tra,abc,,5,gói,,,"])
    preview = parse(text, seller)
    assert [row.line for row in preview.rows] == [3, 5]
    assert (5, "price_vnd") in errors_at(preview)


def test_a_multiline_description_keeps_the_numbers_of_later_lines(seller):
    text = csv_text(VI_HEADER, ['Mật ong,mat-ong,185000,,5,chai,,,"Dòng một\nDòng hai"', "Trà,tra,0,,5,gói,,,"])
    preview = parse(text, seller)
    assert preview.rows[0].data.description == "Dòng một\nDòng hai"
    assert (4, "price_vnd") in errors_at(preview)


@pytest.mark.parametrize(
    ("written", "value"),
    [("185000", 185000), ("185.000", 185000), ("185,000", 185000), ("1.250.000", 1250000), ("185 000 ₫", 185000),
     ("185.000đ", 185000), ("185,000 VND", 185000), ("185.000,00", 185000), ("185000.00", 185000), ("-5", -5),
     (" 7 ", 7), ("", None)],
)
def test_whole_numbers_as_people_write_them(written, value):
    assert parse_whole_number(written) == value


@pytest.mark.parametrize("written", ["12,5", "1.5", "abc", "185.00.000", "1,2345", "١٢", "12a", "1e6"])
def test_other_numbers_are_refused(written):
    with pytest.raises(ValueError):
        parse_whole_number(written)


# --- each kind of bad cell, by line and column -----------------------------------------------------

BAD_CELLS = [
    ("bad price", "Mật ong,mat-ong,12.5.0,,5,chai,,,", "price_vnd"),
    ("price with decimals", "Mật ong,mat-ong,\"12,5\",,5,chai,,,", "price_vnd"),
    ("zero price", "Mật ong,mat-ong,0,,5,chai,,,", "price_vnd"),
    ("negative stock", "Mật ong,mat-ong,185000,,-3,chai,,,", "stock"),
    ("stock not a number", "Mật ong,mat-ong,185000,,nhiều,chai,,,", "stock"),
    ("unknown category", "Mật ong,banh-chung,185000,,5,chai,,,", "category"),
    ("top category", "Mật ong,Trà & cà phê,185000,,5,chai,,,", "category"),
    ("unknown unit", "Mật ong,mat-ong,185000,,5,thùng phuy,,,", "unit"),
    ("compare below price", "Mật ong,mat-ong,185000,150000,5,chai,,,", "compare_at_price_vnd"),
    ("compare equal to price", "Mật ong,mat-ong,185000,185.000,5,chai,,,", "compare_at_price_vnd"),
    ("empty name", ",mat-ong,185000,,5,chai,,,", "name"),
    ("too-long name", "M" * 151 + ",mat-ong,185000,,5,chai,,,", "name"),
    ("unknown province", "Mật ong,mat-ong,185000,,5,chai,,Atlantis,", "origin_province"),
    ("weight not a number", "Mật ong,mat-ong,185000,,5,chai,0.7kg,,", "weight_grams"),
    ("control character in the name", "Mật\x07ong,mat-ong,185000,,5,chai,,,", "name"),
    ("unquoted comma", "Mật ong,mat-ong,185000,,5,chai,,,Thơm, ngọt", ""),
]


@pytest.mark.parametrize(("case", "row", "column"), BAD_CELLS, ids=[case for case, _row, _column in BAD_CELLS])
def test_bad_cells_are_reported_by_line_and_column(app, seller, case, row, column):
    preview = parse(csv_text(VI_HEADER, [GOOD_ROWS[0], row, GOOD_ROWS[1]]), seller)
    assert not preview.problems
    assert not preview.ok
    found = preview.errors()
    assert [(error.line, error.column) for error in found] == [(3, column)], [(e.line, e.column, e.message) for e in found]
    error = found[0]
    assert error.message
    if column:
        assert error.header == preview.columns[column].header  # the header as the file wrote it
        assert error.letter == "ABCDEFGHI"[preview.columns[column].index]


def test_a_quote_left_open_is_reported_where_it_opens(seller):
    rows = ['Mật ong,mat-ong,185000,,5,chai,,,"Thơm ngọt', "Trà,tra,90000,,5,gói,,,", "Gạo,gao,95000,,5,bag,,,"]
    preview = parse(csv_text(VI_HEADER, rows), seller)
    assert preview.row_count == 1
    assert list(errors_at(preview)) == [(2, "description")]


def test_several_errors_on_one_line_are_all_listed_in_column_order(seller):
    preview = parse(csv_text(VI_HEADER, [",xyz,abc,,-1,thùng phuy,,,"]), seller)
    assert [error.column for error in preview.errors()] == ["name", "category", "price_vnd", "stock", "unit"]
    assert [error.letter for error in preview.errors()] == ["A", "B", "C", "E", "F"]


@pytest.fixture
def vietnamese_catalogue(monkeypatch):
    """The project's Vietnamese .po as it stands (the committed .mo may lag behind it)."""
    import flask_babel
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import NullTranslations, Translations

    with open("market/translations/vi/LC_MESSAGES/messages.po", "rb") as source:
        catalogue = read_po(source, locale="vi")
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    vietnamese = Translations(compiled)

    def get_translations(domain):
        locale = flask_babel.get_locale()
        return vietnamese if locale is not None and locale.language == "vi" else NullTranslations()

    monkeypatch.setattr(flask_babel.Domain, "get_translations", get_translations)


def test_errors_are_in_the_visitors_language(app, seller, vietnamese_catalogue):
    text = csv_text(VI_HEADER, ["Mật ong,mat-ong,185000,,5,chai,,Atlantis,"])
    with language(app, "vi"):
        assert errors_at(parse(text, seller))[(2, "origin_province")] == "Tỉnh, thành phố không hợp lệ."
    with language(app, "en"):
        assert errors_at(parse(text, seller))[(2, "origin_province")] == "Unknown province."


# --- problems of the file as a whole ----------------------------------------------------------------

def cp1258_bytes() -> bytes:
    # What Excel's plain "CSV" gives on a Vietnamese Windows: Windows-1258, not UTF-8.
    return csv_text("Ten san pham,Danh muc,Gia,Ton kho,Don vi", ["Cà phê đen,ca-phe,185000,5,kg"]).encode("cp1258")


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (cp1258_bytes(), "UTF-8"),
        (random.Random(7).randbytes(3000), "UTF-8"),
        (b"PK\x03\x04" + random.Random(8).randbytes(500), "Excel"),
        ("Tên sản phẩm,Danh mục\r\n".encode("utf-16"), "UTF-16"),
        (b"name,category\x00,price", "text"),
        (b"", "empty"),
        (b"\xef\xbb\xbf \r\n \r\n", "empty"),
        (b"a,b,c\r\n1,2,3\r\n", "first line"),
        ("Tên sản phẩm,Danh mục\r\nMật ong,mat-ong\r\n".encode(), "Columns missing"),
        (csv_text(VI_HEADER + ",Tên", []).encode(), "same column"),
        (csv_text(VI_HEADER, []).encode(), "no products"),
        (csv_text(VI_HEADER, [GOOD_ROWS[0], 'A,mat-ong,1,,1,kg,,,"' + "x" * 200_000 + '"']).encode(), "Line 3"),
    ],
    ids=["windows-1258", "random bytes", "xlsx", "utf-16", "NUL", "empty", "blank", "no known header",
         "missing columns", "doubled column", "header only", "huge cell"],
)
def test_unreadable_files_get_one_clear_problem(app, seller, data, words):
    with language(app, "en"):
        preview = parse(data, seller)
    assert not preview.ok and preview.rows == []
    assert any(words in problem for problem in preview.problems), preview.problems


def test_size_and_row_limits(app, seller, monkeypatch):
    with language(app, "en"):
        too_big = parse(b"x" * (csv_import.MAX_BYTES + 1), seller)
        assert "larger than 4 MB" in too_big.problems[0]
        monkeypatch.setattr(csv_import.parsing, "MAX_ROWS", 2)  # where parse() reads it
        too_many = parse(csv_text(VI_HEADER, GOOD_ROWS), seller)
        assert "more than 2 products" in too_many.problems[0]
        assert too_many.rows == []


def test_unknown_and_ocop_columns_are_ignored_with_a_warning(app, seller):
    header = "STT," + VI_HEADER + ",Ghi chú,Sao OCOP"
    with language(app, "en"):
        preview = parse(csv_text(header, ["1," + GOOD_ROWS[0] + ",giao nhanh,4"]), seller)
    assert preview.ok
    assert len(preview.warnings) == 2 and "Ghi chú" in preview.warnings[0] and "OCOP" in preview.warnings[1]
    assert preview.rows[0].data.ocop_stars is None


@pytest.mark.parametrize(
    "data",
    [b"\xff" * 10, b"\r\n\r\n\r\n", b'"', b'""""', b"\n".join([b","] * 5000), b";\t,\r\n" * 100, "\u202e,\u0000".encode(),
     ("Tên sản phẩm\r\n" + "\r\n" * 40_000).encode()],
)
def test_parse_never_raises(seller, data):
    preview = parse(data, seller)
    assert not preview.ok


def test_parse_never_raises_on_fuzzed_rows(seller):
    generator = random.Random(42)
    alphabet = ',;"\r\n\t 0123456789.-₫đĐaáàảãạ\x00\x1f\ufeffmat-ong'
    for _ in range(300):
        body = "".join(generator.choice(alphabet) for _ in range(generator.randint(0, 200)))
        for data in ((VI_HEADER + "\r\n" + body).encode(), body.encode(), body):
            parse(data, seller)


# --- importing -------------------------------------------------------------------------------------

def test_import_makes_drafts_with_unique_slugs_and_one_audit_row(owner, seller):
    rows = GOOD_ROWS + ['Mật ong hoa cà phê,mat-ong,99000,,1,lọ,,,']
    count = csv_import.import_rows(owner, parse(csv_text(VI_HEADER, rows), seller))
    assert count == 4
    products = list(db.session.scalars(select(Product).order_by(Product.id)))
    assert {p.status for p in products} == {"draft"}
    assert {p.seller_id for p in products} == {seller.id}
    assert [p.slug for p in products] == ["mat-ong-hoa-ca-phe", "ca-phe-cau-dat", "gao-st25", "mat-ong-hoa-ca-phe-2"]
    assert products[0].origin_province_code == "68" and products[1].origin_province_code == seller.province_code
    assert products[2].origin_province_code == "92"  # Sóc Trăng is part of Cần Thơ since 2025
    assert (products[0].compare_at_price_vnd, products[0].weight_grams, products[3].unit) == (220000, 700, "jar")
    assert {p.created_by_id for p in products} == {owner.id}
    assert {(p.ocop_stars, p.ocop_status) for p in products} == {(None, "none")}
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "products_imported")).all()
    assert [(a.actor_id, a.subject_type, a.subject_id, a.detail) for a in audit] == [(owner.id, "seller", seller.id, "4")]


def test_slugs_stay_unique_against_existing_products(owner, seller):
    csv_import.import_rows(owner, parse(csv_text(VI_HEADER, GOOD_ROWS[:1] * 3), seller))
    csv_import.import_rows(owner, parse(csv_text(VI_HEADER, GOOD_ROWS[:1] * 2), seller))
    slugs = sorted(db.session.scalars(select(Product.slug)))
    assert slugs == ["mat-ong-hoa-ca-phe"] + [f"mat-ong-hoa-ca-phe-{n}" for n in range(2, 6)]


def test_a_file_with_one_bad_row_imports_nothing(owner, seller):
    rows = GOOD_ROWS + ["Trà,tra,90000,,-1,gói,,,"]
    preview = parse(csv_text(VI_HEADER, rows), seller)
    with pytest.raises(ImportFailed) as failed:
        csv_import.import_rows(owner, preview)
    assert [(error.line, error.column) for error in failed.value.errors] == [(5, "stock")]
    assert product_count() == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "products_imported")) == 0


def test_rows_are_validated_again_at_import(owner, seller):
    preview = parse(csv_text(VI_HEADER, GOOD_ROWS), seller)
    assert preview.ok
    preview.rows[1].data.price_vnd = 0  # as if something changed between the preview and the import
    with pytest.raises(ImportFailed) as failed:
        csv_import.import_rows(owner, preview)
    assert [(error.line, error.column) for error in failed.value.errors] == [(3, "price_vnd")]
    assert product_count() == 0


def test_import_from_plain_product_data(owner, seller):
    category_id = services.category_by_slug("mat-ong").id
    rows = [services.ProductData(name=f"Mật ong {n}", category_id=category_id, price_vnd=1000, stock=1, unit="jar")
            for n in range(3)]
    assert csv_import.import_rows(owner, rows) == 3
    with pytest.raises(ImportFailed) as failed:
        csv_import.import_rows(owner, [rows[0], services.ProductData(name="", category_id=category_id, price_vnd=1,
                                                                    stock=1, unit="jar")])
    assert [(error.line, error.column) for error in failed.value.errors] == [(3, "name")]
    assert product_count() == 3


def test_only_approved_sellers_import(app, make_user, staff):
    services.seed_categories()
    owner = make_user("pending@example.vn")
    seller = sellers.save_application(owner, application(), submit=True, documents=certificate())
    from market.core.domain import DomainError

    with pytest.raises(DomainError):
        csv_import.import_rows(owner, parse(csv_text(VI_HEADER, GOOD_ROWS), seller))
    assert product_count() == 0


def ten_thousand_rows() -> bytes:
    categories = ["mat-ong", "Cà phê", "tra", "Gạo", "Honey", "gom-su"]
    units = ["chai", "kg", "hộp", "gói", "bag", "piece"]
    provinces = ["Lâm Đồng", "", "Hà Giang", "79", "Quang Binh", "Huế"]
    rows = []
    for n in range(10_000):
        price = f"{100_000 + n * 10:,}".replace(",", ".")  # written the Vietnamese way: 185.000
        rows.append(f'Sản phẩm số {n},{categories[n % 6]},{price},{200_000 + n * 10},{n % 500},{units[n % 6]},'
                    f'{250 + n % 1000},{provinces[n % 6]},"Mô tả sản phẩm {n}, làm thủ công."')
    return ("\ufeff" + csv_text(VI_HEADER, rows)).encode()


def test_ten_thousand_rows_import_in_one_go(owner, seller):
    data = ten_thousand_rows()
    started = time.perf_counter()
    preview = parse(data, seller)
    parsed = time.perf_counter()
    assert preview.ok and preview.row_count == 10_000, (preview.problems, preview.errors()[:3])
    count = csv_import.import_rows(owner, preview)
    finished = time.perf_counter()
    print(f"\n10,000-row CSV ({len(data) / 2**20:.1f} MB): parse and check {parsed - started:.2f} s, "
          f"import {finished - parsed:.2f} s, total {finished - started:.2f} s")
    assert count == 10_000 and product_count() == 10_000
    assert db.session.scalar(select(func.count(func.distinct(Product.slug)))) == 10_000
    assert db.session.scalar(select(Product.price_vnd).where(Product.slug == "san-pham-so-9999")) == 199_990
    assert finished - started < 30


# --- the pages -------------------------------------------------------------------------------------

def upload(client, text_or_bytes, filename="san-pham.csv", **kwargs):
    data = text_or_bytes.encode() if isinstance(text_or_bytes, str) else text_or_bytes
    return post_form(client, "/sell/products/import", {"file": (io.BytesIO(data), filename)},
                     content_type="multipart/form-data", **kwargs)


def stored_imports(app) -> list[str]:
    folder = csv_import.stored._import_folder()
    return sorted(path.name for path in folder.glob("*.csv")) if folder.exists() else []


TOKEN_RE = r'action="/sell/products/import/([A-Za-z0-9_-]+)"'


def test_template_download(client, auth, owner):
    auth.login("hoa@example.vn")
    response = client.get("/sell/products/import/template.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Tên sản phẩm,Danh mục,Giá (đồng)") and len(lines) == 2


def test_upload_preview_confirm(app, client, auth, owner, seller):
    auth.login("hoa@example.vn")
    page = client.get("/sell/products/import", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and b"mat-ong" in page.data and b"/sell/products/import/template.csv" in page.data
    preview = upload(client, csv_text(VI_HEADER, GOOD_ROWS))
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "Mật ong hoa cà phê" in html
    token = re.search(TOKEN_RE, html).group(1)
    assert stored_imports(app) == [f"{seller.id}-{token}.csv"]
    assert product_count() == 0

    # Without its CSRF token the confirmation is refused.
    assert client.post(f"/sell/products/import/{token}").status_code == 400
    confirmed = client.post(f"/sell/products/import/{token}", data={"csrf_token": csrf_token_from(preview)})
    assert confirmed.status_code == 302 and confirmed.headers["Location"].endswith("/sell/products?status=draft")
    assert product_count() == 3
    assert stored_imports(app) == []
    # The same token cannot import twice.
    again = client.post(f"/sell/products/import/{token}", data={"csrf_token": csrf_token_from(preview)})
    assert again.status_code == 404 and product_count() == 3


def test_preview_lists_errors_by_line_and_column_and_offers_no_confirmation(app, client, auth, owner):
    auth.login("hoa@example.vn")
    response = upload(client, csv_text(VI_HEADER, GOOD_ROWS + ["Trà,tra,90000,,-1,gói,,Atlantis,"]),
                      headers={"Accept-Language": "en"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<td>5</td>" in html and "E · Tồn kho" in html and "H · Xuất xứ" in html
    assert "Unknown province." in html
    assert "/sell/products/import/" not in html.replace('action="/sell/products/import"', "")
    assert stored_imports(app) == []


def test_other_sellers_member_cannot_use_the_token(app, client, auth, owner, seller, make_user, staff):
    approved_seller(make_user, staff, "lan@example.vn", name="HTX Dệt thổ cẩm", registration_number="5800999999")
    auth.login("hoa@example.vn")
    token = re.search(TOKEN_RE, upload(client, csv_text(VI_HEADER, GOOD_ROWS)).get_data(as_text=True)).group(1)
    auth.logout()
    auth.login("lan@example.vn")
    page = client.get("/sell/products/import")
    for url in (f"/sell/products/import/{token}", f"/sell/products/import/{token}/cancel",
                "/sell/products/import/not-a-token", "/sell/products/import/..%2F..%2Fsecret"):
        response = client.post(url, data={"csrf_token": csrf_token_from(page)})
        assert response.status_code == 404, url
    assert product_count() == 0
    assert stored_imports(app) == [f"{seller.id}-{token}.csv"]


def test_confirmation_checks_the_rows_again(app, client, auth, owner):
    auth.login("hoa@example.vn")
    preview = upload(client, csv_text(VI_HEADER, GOOD_ROWS), headers={"Accept-Language": "en"})
    token = re.search(TOKEN_RE, preview.get_data(as_text=True)).group(1)
    db.session.delete(services.category_by_slug("gao"))  # staff removed a category meanwhile
    db.session.commit()
    response = client.post(f"/sell/products/import/{token}", data={"csrf_token": csrf_token_from(preview)},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Nothing was imported" in html and "<td>4</td>" in html and "B · Danh mục" in html
    assert product_count() == 0 and stored_imports(app) == []


def test_cancel_forgets_the_upload(app, client, auth, owner):
    auth.login("hoa@example.vn")
    preview = upload(client, csv_text(VI_HEADER, GOOD_ROWS))
    token = re.search(TOKEN_RE, preview.get_data(as_text=True)).group(1)
    response = client.post(f"/sell/products/import/{token}/cancel", data={"csrf_token": csrf_token_from(preview)})
    assert response.status_code == 302 and stored_imports(app) == [] and product_count() == 0


@pytest.mark.parametrize("data", [cp1258_bytes(), random.Random(3).randbytes(5000), b"", b"PK\x03\x04garbage"])
def test_bad_files_through_the_page_get_a_message_not_an_error(client, auth, owner, data):
    auth.login("hoa@example.vn")
    response = upload(client, data, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "cannot be imported" in html
    assert product_count() == 0


def test_upload_needs_csrf_and_an_approved_seller(client, auth, app, make_user):
    services.seed_categories()
    owner = make_user("pending@example.vn")
    sellers.save_application(owner, application(), submit=True, documents=certificate())
    auth.login("pending@example.vn")
    response = client.get("/sell/products/import")
    assert response.status_code == 302
    def file():
        return {"file": (io.BytesIO(csv_text(VI_HEADER, GOOD_ROWS).encode()), "a.csv")}

    assert client.post("/sell/products/import", data=file()).status_code == 400  # no CSRF token
    token = csrf_token_from(client.get("/account/profile"))
    response = client.post("/sell/products/import", data={"csrf_token": token, **file()})
    assert response.status_code == 302 and response.headers["Location"].endswith("/sell")
    assert product_count() == 0 and stored_imports(app) == []


def test_guests_are_sent_to_sign_in(client):
    assert client.get("/sell/products/import").status_code == 302
    assert client.get("/sell/products/import/template.csv").status_code == 302


# --- the shell command -------------------------------------------------------------------------------

def test_cli_imports_and_prints_a_summary(runner, owner, seller, tmp_path):
    path = tmp_path / "san-pham.csv"
    rows = ["Mật ong;mat-ong;185.000;220.000;50;chai;700;Lâm Đồng;Mật ong rừng, nguyên chất",
            "Cà phê;ca-phe;120,000;;30;kg;;;", "Gạo ST25;gao;95000;;100;túi;;;"]
    path.write_bytes(("\ufeff" + csv_text(VI_HEADER.replace(",", ";"), rows)).encode())
    result = runner.invoke(args=["catalog", "import", str(path), "--seller", seller.slug])
    assert result.exit_code == 0, result.output
    assert "3 products imported as drafts" in result.output
    assert product_count() == 3
    assert {p.created_by_id for p in db.session.scalars(select(Product))} == {owner.id}


def test_cli_lists_errors_by_line_and_column_and_imports_nothing(runner, seller, tmp_path):
    path = tmp_path / "san-pham.csv"
    path.write_text(csv_text(VI_HEADER, GOOD_ROWS + ["Trà,tra,abc,,-1,gói,,,"]), encoding="utf-8")
    result = runner.invoke(args=["catalog", "import", str(path), "--seller", seller.slug, "--lang", "en"])
    assert result.exit_code == 1
    assert f"{path}:5: C “Giá (đồng)” [abc]: Write the price in đồng" in result.output
    assert f"{path}:5: E “Tồn kho” [-1]: Enter the quantity in stock" in result.output
    assert "nothing was imported" in result.output
    assert product_count() == 0


def test_cli_refuses_bad_arguments(runner, seller, tmp_path, make_user):
    path = tmp_path / "san-pham.csv"
    path.write_text(csv_text(VI_HEADER, GOOD_ROWS), encoding="utf-8")
    make_user("stranger@example.vn")
    for args in (["--seller", "no-such-seller"], ["--seller", seller.slug, "--as", "stranger@example.vn"],
                 ["--seller", seller.slug, "--as", "nobody@example.vn"]):
        result = runner.invoke(args=["catalog", "import", str(path), *args])
        assert result.exit_code != 0, args
    binary = tmp_path / "anh.jpg"
    binary.write_bytes(random.Random(1).randbytes(2000))
    result = runner.invoke(args=["catalog", "import", str(binary), "--seller", seller.slug, "--lang", "en"])
    assert result.exit_code == 1 and "UTF-8" in result.output
    assert product_count() == 0
