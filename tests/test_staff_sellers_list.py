"""The staff's list of sellers (/staff/sellers) and its CSV: search by name (folded), registration
number or phone (any usual form), filters, sort, pages that keep the filters, one query a page,
and provincial staff held to their province whatever they ask for. Through the test client."""
import csv
import io
import re
from html import unescape
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest

from market.programs import services as programs
from market.sellers import services as sellers
from market.sellers import staff_queries
from tests import builders
from tests.builders import EN, counted_queries, enrol, make_program, make_seller, make_user

HUNG_YEN_WARD = "Phường Đường Hào"


@pytest.fixture
def world(app, monkeypatch):
    """Five listed sellers in four provinces, one draft, a program with one approved enrolment."""
    monkeypatch.setitem(builders.COMMUNES, "Hưng Yên", "Phường Đường Hào")
    monkeypatch.setitem(builders.COMMUNES, "Thái Nguyên", "Phường Bá Xuyên")
    central = make_user("central@example.vn", role="staff")
    lamdong = make_user("staff.ld@example.vn", role="staff", province="Lâm Đồng")

    def seller(email, status, **changes):
        return make_seller(make_user(email), status, staff=central, logo=False, **changes)

    honey = seller("honey@example.vn", "approved", name="HTX Mật ong Hưng Yên", province="Hưng Yên",
                   phone="+842633822222")
    peach = seller("peach@example.vn", "pending", name="Hợp tác xã Đào Hà Nội", province="Hà Nội",
                   phone="+84912345678")
    greens = seller("greens@example.vn", "approved", name="Tổ hợp tác Rau Lâm Đồng", legal_form="cooperative_group",
                    phone="+84987654321")
    tea = seller("tea@example.vn", "rejected", name="Hộ kinh doanh Chè Thái Nguyên", legal_form="household",
                 province="Thái Nguyên", phone="+84977111222")
    sun = seller("sun@example.vn", "changes_requested", name="Doanh nghiệp Ánh Dương", legal_form="enterprise",
                 phone="+84966333444")
    draft = seller("draft@example.vn", "draft", name="HTX Nháp Lâm Đồng", phone="+84955444555")
    program = make_program(central)
    programs.decide_enrolment(central, enrol(honey.memberships[0].user, program).id, "approve")
    enrol(greens.memberships[0].user, program)  # pending: not "in" the program
    greens = sellers.decide(central, greens.id, "suspend", "Kiểm tra chất lượng.")
    return SimpleNamespace(central=central, lamdong=lamdong, honey=honey, peach=peach, greens=greens, tea=tea,
                           sun=sun, draft=draft, program=program)


@pytest.fixture
def central(world, client_for):
    return client_for("central@example.vn")


def names(response) -> list[str]:
    """The sellers listed on the page, in order."""
    listing = response.get_data(as_text=True).split('id="all-sellers"', 1)[1]
    table = listing.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in listing else ""
    return [unescape(name) for name in re.findall(r'<td><a href="/staff/sellers/\d+">([^<]+)</a>', table)]


def listed(client, **args) -> list[str]:
    response = client.get("/staff/sellers", query_string=args, headers=EN)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return names(response)


ALL = {"HTX Mật ong Hưng Yên", "Hợp tác xã Đào Hà Nội", "Tổ hợp tác Rau Lâm Đồng", "Hộ kinh doanh Chè Thái Nguyên",
       "Doanh nghiệp Ánh Dương"}


# --- search ----------------------------------------------------------------------------------------

def test_the_list_shows_every_submitted_seller_and_never_a_draft(central):
    assert set(listed(central)) == ALL


# (Each test loops over its cases: building the world is what costs.)

def test_search_by_name_with_or_without_accents(central):
    for text in ["mật ong", "mat ong", "MẬT ONG", "Mat  Ong hung", "hưng yên mật", "  mat ong  "]:
        assert listed(central, q=text) == ["HTX Mật ong Hưng Yên"], text


def test_search_folds_d_with_stroke_and_every_mark(central):
    for text, found in [("dao ha noi", "Hợp tác xã Đào Hà Nội"), ("ĐÀO", "Hợp tác xã Đào Hà Nội"),
                        ("anh duong", "Doanh nghiệp Ánh Dương"), ("che thai", "Hộ kinh doanh Chè Thái Nguyên")]:
        assert listed(central, q=text) == [found], text


def test_search_by_registration_number(world, central):
    number = world.honey.registration_number
    for text in [number, f"{number[:4]} {number[4:7]} {number[7:]}", number[-6:], f"{number[:3]}-{number[3:]}",
                 f" {number.lower()} "]:
        assert listed(central, q=text) == ["HTX Mật ong Hưng Yên"], text


def test_search_by_phone_in_any_usual_form(central):
    for text in ["0263 382 2222", "02633822222", "+84263 382 2222", "+84 263 3822222", "(0263) 382-2222",
                 "0263.382.2222", "84 263 382 2222", "382 2222"]:
        assert listed(central, q=text) == ["HTX Mật ong Hưng Yên"], text
    for text in ["0912 345 678", "+84 912 345 678", "84912345678", "912345678"]:
        assert listed(central, q=text) == ["Hợp tác xã Đào Hà Nội"], text


def test_a_search_that_matches_nothing_says_so(central):
    response = central.get("/staff/sellers?q=kh%C3%B4ng+c%C3%B3", headers=EN)
    assert names(response) == [] and "No seller matches." in response.get_data(as_text=True)


# --- filters -------------------------------------------------------------------------------------

FILTERS = [
    ({"status": "approved"}, {"HTX Mật ong Hưng Yên"}),
    ({"status": "pending"}, {"Hợp tác xã Đào Hà Nội"}),
    ({"status": "suspended"}, {"Tổ hợp tác Rau Lâm Đồng"}),
    ({"status": "rejected"}, {"Hộ kinh doanh Chè Thái Nguyên"}),
    ({"status": "changes_requested"}, {"Doanh nghiệp Ánh Dương"}),
    ({"province": "68"}, {"Tổ hợp tác Rau Lâm Đồng", "Doanh nghiệp Ánh Dương"}),
    ({"province": "33"}, {"HTX Mật ong Hưng Yên"}),
    ({"legal_form": "household"}, {"Hộ kinh doanh Chè Thái Nguyên"}),
    ({"legal_form": "cooperative"}, {"HTX Mật ong Hưng Yên", "Hợp tác xã Đào Hà Nội"}),
    ({"legal_form": "cooperative_group"}, {"Tổ hợp tác Rau Lâm Đồng"}),
    ({"province": "68", "legal_form": "enterprise", "q": "anh"}, {"Doanh nghiệp Ánh Dương"}),
    ({"province": "01", "status": "approved"}, set()),
]


def test_each_filter(central):
    for args, expected in FILTERS:
        assert set(listed(central, **args)) == expected, args


def test_program_filter_lists_approved_enrolments_only(world, central):
    # greens applied too, but its enrolment is still pending.
    assert listed(central, program=world.program.slug) == ["HTX Mật ong Hưng Yên"]


HOSTILE_FILTERS = [{"status": "draft"}, {"status": "bogus"}, {"province": "99"}, {"province": "Hà Nội"},
                   {"legal_form": "co-op"}, {"program": "no-such-program"}, {"status": "²"}, {"q": "x" * 5000},
                   {"q": "mat\x00ong"}, {"program": "x" * 5000}]


def test_a_hostile_filter_gets_a_message_and_no_list(central):
    for args in HOSTILE_FILTERS:
        response = central.get("/staff/sellers", query_string=args, headers=EN)
        assert response.status_code == 400, args
        page = response.get_data(as_text=True)
        assert 'class="error"' in page and "Please correct the errors below." in page
        assert names(response) == []
        assert central.get("/staff/sellers.csv", query_string=args).status_code == 400


def test_the_filters_are_shown_as_chosen(world, central):
    page = central.get("/staff/sellers", query_string={"q": "mat ong", "status": "approved", "province": "33",
                                                       "program": world.program.slug}, headers=EN).get_data(as_text=True)
    assert 'value="mat ong"' in page
    assert '<option selected value="approved">' in page and '<option selected value="33">' in page
    assert f'<option selected value="{world.program.slug}">' in page


# --- sort --------------------------------------------------------------------------------------------

BY_NAME = ["Doanh nghiệp Ánh Dương", "Hộ kinh doanh Chè Thái Nguyên", "Hợp tác xã Đào Hà Nội", "HTX Mật ong Hưng Yên",
           "Tổ hợp tác Rau Lâm Đồng"]


def test_sort_by_name_folds_vietnamese(central):
    # "Ánh" with the As, "Đào" with the Ds (plain SQL would put both after "Z"); "Hộ" before "Hợp" before "HTX".
    assert listed(central, sort="name") == BY_NAME
    assert listed(central, sort="-name") == BY_NAME[::-1]


def test_sort_by_province_uses_the_provinces_folded_names(central):
    # Hà Nội, Hưng Yên, Lâm Đồng (two: by name), Thái Nguyên.
    assert listed(central, sort="province") == [
        "Hợp tác xã Đào Hà Nội", "HTX Mật ong Hưng Yên", "Doanh nghiệp Ánh Dương", "Tổ hợp tác Rau Lâm Đồng",
        "Hộ kinh doanh Chè Thái Nguyên"]


def test_sort_by_status_follows_the_work(central):
    assert listed(central, sort="status") == [
        "Hợp tác xã Đào Hà Nội", "Doanh nghiệp Ánh Dương", "HTX Mật ong Hưng Yên", "Tổ hợp tác Rau Lâm Đồng",
        "Hộ kinh doanh Chè Thái Nguyên"]


def test_sort_by_dates(world, central):
    applied = ["HTX Mật ong Hưng Yên", "Hợp tác xã Đào Hà Nội", "Tổ hợp tác Rau Lâm Đồng",
               "Hộ kinh doanh Chè Thái Nguyên", "Doanh nghiệp Ánh Dương"]  # the order they applied
    assert listed(central, sort="applied") == applied
    assert listed(central, sort="-applied") == applied[::-1]
    # The pending seller has no decision yet: last, whichever way.
    decided = listed(central, sort="decided")
    assert decided[-1] == "Hợp tác xã Đào Hà Nội" and listed(central, sort="-decided")[-1] == "Hợp tác xã Đào Hà Nội"
    # The greens were suspended last of all (their last decision).
    assert decided[:-1] == ["HTX Mật ong Hưng Yên", "Hộ kinh doanh Chè Thái Nguyên", "Doanh nghiệp Ánh Dương",
                            "Tổ hợp tác Rau Lâm Đồng"]


def test_a_hostile_sort_falls_back_to_the_default(central):
    newest_first = listed(central)
    assert newest_first[0] == "Doanh nghiệp Ánh Dương"  # the last to apply
    for sort in ["", "bogus", "--name", "name;DROP TABLE sellers", "²", "\x00", "x" * 5000, "-", "id", "story",
                 "-password_hash"]:
        assert listed(central, sort=sort) == newest_first, sort


def test_the_headings_sort_both_ways_and_say_which(central):
    page = central.get("/staff/sellers?sort=name&status=approved", headers=EN).get_data(as_text=True)
    assert 'aria-sort="ascending"' in page
    heading = re.search(r'<th scope="col" aria-sort="ascending">\s*<a href="([^"]+)"', page).group(1)
    assert parse_qs(urlsplit(unescape(heading)).query) == {"sort": ["-name"], "status": ["approved"]}


# --- pages ---------------------------------------------------------------------------------------

def links(page: str, rel: str) -> dict:
    href = re.search(rf'<a rel="{rel}" href="([^"]+)"', page).group(1)
    return parse_qs(urlsplit(unescape(href)).query)


def test_pages_keep_the_search_filters_and_sort(world, central, monkeypatch):
    monkeypatch.setattr(staff_queries, "PER_PAGE", 2)
    for number in range(3):
        make_seller(make_user(f"extra{number}@example.vn"), "approved", name=f"HTX Mật ong số {number}",
                    staff=world.central, logo=False, phone=f"+8491200000{number}")
    args = {"q": "mat ong", "status": "approved", "legal_form": "cooperative", "sort": "-name"}
    first = central.get("/staff/sellers", query_string=args, headers=EN).get_data(as_text=True)
    assert "Page 1 of 2" in first
    following = links(first, "next")
    assert following == {**{key: [value] for key, value in args.items()}, "page": ["2"]}
    second = central.get("/staff/sellers", query_string={**args, "page": 2}, headers=EN)
    assert names(second) == ["HTX Mật ong số 0", "HTX Mật ong Hưng Yên"]  # "so" after "hung", backwards
    assert links(second.get_data(as_text=True), "prev") == {**{key: [value] for key, value in args.items()}, "page": ["1"]}
    # The CSV link carries the filters and the sort, not the page.
    csv_link = re.search(r'href="(/staff/sellers\.csv[^"]*)"', second.get_data(as_text=True)).group(1)
    assert parse_qs(urlsplit(unescape(csv_link)).query) == {key: [value] for key, value in args.items()}


def test_a_hostile_or_past_the_end_page_shows_a_page(central, monkeypatch):
    monkeypatch.setattr(staff_queries, "PER_PAGE", 2)
    for page, expected in [("²", BY_NAME[:2]), ("-1", BY_NAME[:2]), ("0", BY_NAME[:2]), ("x", BY_NAME[:2]),
                           ("99999999999999999999", BY_NAME[:2]), ("2", BY_NAME[2:4]), ("3", BY_NAME[4:]),
                           ("4", BY_NAME[4:]), ("99999", BY_NAME[4:])]:
        response = central.get(f"/staff/sellers?sort=name&page={page}", headers=EN)
        assert response.status_code == 200
        assert names(response) == expected, page


def test_one_query_lists_a_page_whatever_its_size(world, central):
    def statements(args):
        with counted_queries() as seen:
            assert central.get("/staff/sellers", query_string=args).status_code == 200
        return seen

    args = {"status": "approved", "program": world.program.slug, "sort": "name"}
    before = statements(args)
    for number in range(8):
        owner = make_user(f"more{number}@example.vn")
        make_seller(owner, "approved", name=f"HTX thêm {number}", staff=world.central, logo=False,
                    phone=f"+8491300000{number}")
        programs.decide_enrolment(world.central, enrol(owner, world.program).id, "approve")
    after = statements(args)
    assert len(listed(central, **args)) == 9
    assert len(after) == len(before)
    reading_sellers = [s for s in after if re.search(r"FROM sellers\b", s)]
    assert len(reading_sellers) == 1, reading_sellers


# --- provincial staff ----------------------------------------------------------------------------

LAM_DONG = {"Tổ hợp tác Rau Lâm Đồng", "Doanh nghiệp Ánh Dương"}


def test_provincial_staff_see_only_their_province_whatever_they_ask(world, client_for):
    lamdong = client_for("staff.ld@example.vn")
    for args, expected in [({}, LAM_DONG), ({"province": "68"}, LAM_DONG), ({"sort": "province"}, LAM_DONG),
                           ({"province": "01"}, set()), ({"province": "33"}, set()), ({"q": "dao ha noi"}, set()),
                           ({"q": "0912 345 678"}, set()), ({"status": "pending"}, set()),
                           ({"program": world.program.slug}, set()), ({"q": "anh duong"}, {"Doanh nghiệp Ánh Dương"})]:
        assert set(listed(lamdong, **args)) == expected, args
        rows = read_csv(lamdong.get("/staff/sellers.csv", query_string=args, headers=EN))
        assert {row["Seller"] for row in rows} == expected, args


def test_provincial_staff_see_their_province_instead_of_a_choice(world, client_for):
    page = client_for("staff.ld@example.vn").get("/staff/sellers", headers=EN).get_data(as_text=True)
    assert 'name="province"' not in page and "Lâm Đồng" in page


# --- CSV -----------------------------------------------------------------------------------------

def read_csv(response) -> list[dict]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="sellers-')
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_the_csv_holds_every_page_of_the_filtered_list_in_its_order(world, central, monkeypatch):
    monkeypatch.setattr(staff_queries, "PER_PAGE", 2)
    rows = read_csv(central.get("/staff/sellers.csv?sort=name", headers=EN))
    assert [row["Seller"] for row in rows] == BY_NAME
    honey = next(row for row in rows if row["Seller"] == "HTX Mật ong Hưng Yên")
    assert honey == {
        "Seller": "HTX Mật ong Hưng Yên", "Business registration number": world.honey.registration_number, "Legal form": "Cooperative",
        "Status": "approved", "Province": "Hung Yen", "Commune or ward": HUNG_YEN_WARD,
        "Street address": "Thôn Trường Sơn", "Phone": "0263 3822 222", "Women-led": "yes", "Leader": "Trần Thị Hoa",
        "Members": "24", "Women members": "21", "Workers": "30", "Women workers": "26",
        "Programs": world.program.name_en, "Applied on": honey["Applied on"], "Decided on": honey["Decided on"],
        "Seller number": str(world.honey.id),
    }
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", honey["Applied on"]) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", honey["Decided on"])
    filtered = read_csv(central.get("/staff/sellers.csv", query_string={"q": "lam dong", "status": "suspended"}, headers=EN))
    assert [row["Seller"] for row in filtered] == ["Tổ hợp tác Rau Lâm Đồng"]


def test_the_csv_speaks_the_staff_members_language(central):
    [row] = read_csv(central.get("/staff/sellers.csv?q=mat+ong", headers={"Accept-Language": "vi"}))
    assert list(row)[:5] == ["Người bán", "Mã số đăng ký kinh doanh", "Loại hình", "Trạng thái", "Tỉnh, thành phố"]
    assert (row["Người bán"], row["Trạng thái"], row["Tỉnh, thành phố"]) == ("HTX Mật ong Hưng Yên", "đã duyệt", "Hưng Yên")


def test_the_csv_cannot_run_formulas(world, central):
    make_seller(make_user("evil@example.vn"), "pending", name='=HYPERLINK("http://evil.example","Bấm")',
                staff=world.central, logo=False, phone="+84911222333", leader_name="@SUM(1+1)")
    rows = read_csv(central.get("/staff/sellers.csv?status=pending", headers=EN))
    evil = next(row for row in rows if "HYPERLINK" in row["Seller"])
    assert evil["Seller"] == "'=HYPERLINK(\"http://evil.example\",\"Bấm\")"
    assert evil["Leader"] == "'@SUM(1+1)"
    # The page shows the name as typed (escaped), not with the CSV's apostrophe.
    assert "=HYPERLINK(&#34;http://evil.example&#34;,&#34;Bấm&#34;)" in central.get("/staff/sellers?status=pending").get_data(as_text=True)


def test_the_queue_opens_the_unfiltered_list_only(central):
    page = central.get("/staff/sellers", headers=EN).get_data(as_text=True)
    assert "Applications waiting for review" in page
    filtered = central.get("/staff/sellers?status=approved", headers=EN).get_data(as_text=True)
    assert "Applications waiting for review" not in filtered

