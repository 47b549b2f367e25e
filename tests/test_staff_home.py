"""The staff home (/staff/): the queues of work with their counts and oldest times, this
month against last month (Vietnam's months), the sellers owing last quarter's figures and
the reminders sent to them; each in the staff member's scope."""
from datetime import date, datetime, timedelta, timezone

import pytest
import time_machine
from babel.dates import format_interval
from flask_babel import force_locale
from sqlalchemy import func, select

from market.accounts.models import Notification
from market.catalog.models import OcopStatus, Product
from market.complaints import services as complaints
from market.core.audit import AuditEntry
from market.core.models import OutboundEmail
from market.extensions import db
from market.orders import services as orders
from market.programs import services as programs
from market.sellers import services as sellers
from market.sellers.models import Seller
from market.staff import home, reminders
from tests import builders
from tests.builders import EN, counted_queries
from tests.conftest import csrf_token_from

LAM_DONG, HA_NOI = "Lâm Đồng", "Hà Nội"


def at(moment: str):
    """Travel to `moment` (UTC unless it says otherwise) and stay there."""
    return time_machine.travel(utc(moment), tick=False)


def utc(moment: str) -> datetime:
    return datetime.fromisoformat(moment).replace(tzinfo=timezone.utc)


def by_key(staff, now: datetime) -> dict[str, home.Queue]:
    return {queue.key: queue for queue in home.queues(staff, now)}


@pytest.fixture
def central(app):
    return builders.make_user("central@example.vn", role="staff", full_name="Chị Trung ương")


@pytest.fixture
def lamdong(app):
    return builders.make_user("ld@example.vn", role="staff", province=LAM_DONG)


@pytest.fixture
def hanoi(app):
    return builders.make_user("hn@example.vn", role="staff", province=HA_NOI)


def seller_in(province: str, email: str, status: str = "approved", staff=None, **changes) -> Seller:
    return builders.make_seller(builders.make_user(email), status, province=province, staff=staff, logo=False,
                                **changes)


def send_back(seller: Seller) -> Seller:
    """The owner sends the application back after staff asked for changes."""
    data = builders.application(name=seller.name, registration_number=seller.registration_number,
                                province=LAM_DONG)
    return sellers.save_application(seller.owner, data, submit=True)


def claim_ocop(member) -> Product:
    return builders.catalog.create_product(member, builders.product_data(name="Cà phê Cầu Đất", ocop_stars=4),
                                           photos=[builders.photo()],
                                           ocop_certificate=builders.pdf(), publish=True)


# --- the queues --------------------------------------------------------------------------------

@pytest.fixture
def busy_world(app, central, categories):
    """A week of work in Lâm Đồng, each thing at a known moment (UTC):

    - 1 June 08:00 an application (new); 3 June staff ask changes of another, sent back 5 June 08:00;
    - 2 June 08:00 the shop applies to a program; 2 June 09:00 a product's OCOP stars claimed;
    - 5 June 09:00 a cash order nobody confirms; 7 June 09:00 another (not yet stuck);
    - 7 June 14:00 a transfer (expires 8 June 14:00); 8 June 09:00 another (expires 9 June);
    - complaints made 5 June 09:00 (answer due 7 June: overdue), 6 June 12:00 (due 8 June
      12:00) and 8 June 09:00 (due 10 June).
    Then the staff home is read on 8 June at 10:00.
    """
    with at("2026-05-20 08:00"):
        owner, shop = builders.approved_seller(central, "hoa@example.vn", name="HTX Mật ong Hưng Yên")
        program = builders.make_program(central)
        honey = builders.make_product(owner, name="Mật ong hoa nhãn", price_vnd=150_000, stock=50)
    with at("2026-06-01 08:00"):
        fresh = seller_in(LAM_DONG, "moi@example.vn", "pending", name="HTX Rau Lang Biang")
    with at("2026-06-03 08:00"):
        asked = seller_in(LAM_DONG, "sua@example.vn", "changes_requested", staff=central, name="HTX Dệt Lạc Dương")
    with at("2026-06-05 08:00"):
        send_back(asked)
    with at("2026-06-02 08:00"):
        builders.enrol(owner, program, today=date(2026, 6, 2))
    with at("2026-06-02 09:00"):
        starred = claim_ocop(owner)
    with at("2026-06-05 09:00"):
        stuck = builders.place((honey, 1))
        complaints.report_product(None, honey.id, "counterfeit", "Nhãn in mờ.", "a@example.vn")
    with at("2026-06-07 09:00"):
        builders.place((honey, 1))
    with at("2026-06-07 14:00"):
        closing = builders.place((honey, 1), payment_method="bank_transfer")
    with at("2026-06-08 09:00"):
        builders.place((honey, 1), payment_method="bank_transfer")
    with at("2026-06-06 12:00"):
        complaints.report_product(None, honey.id, "misleading", "Sai mô tả.", "b@example.vn")
    with at("2026-06-08 09:00"):
        complaints.report_product(None, honey.id, "other", "Khác.", "c@example.vn")
    return dict(shop=shop, fresh=fresh, asked=asked, starred=starred, stuck=stuck, closing=closing)


def test_each_queue_counts_its_work_and_its_oldest_wait(busy_world, central):
    queues = by_key(central, utc("2026-06-08 10:00"))
    expected = {
        "applications": (1, timedelta(days=7, hours=2)),
        "changes_answered": (1, timedelta(days=3, hours=2)),
        "enrolments": (1, timedelta(days=6, hours=2)),
        "ocop": (1, timedelta(days=6, hours=1)),
        "stuck_orders": (1, timedelta(days=3, hours=1)),
        "transfers": (1, timedelta(hours=4)),  # time left before it expires
        "complaints_overdue": (1, timedelta(days=1, hours=1)),  # past the seller's answer deadline
        "complaints_due": (1, timedelta(hours=2)),  # the seller's answer is due at 12:00
        "complaints_other": (1, timedelta(hours=1)),
    }
    assert {key: (queue.count, queue.age) for key, queue in queues.items()} == expected
    assert queues["applications"].first.name == "HTX Rau Lang Biang"
    assert queues["changes_answered"].first.name == "HTX Dệt Lạc Dương"
    assert queues["ocop"].first.id == busy_world["starred"].id
    assert queues["stuck_orders"].first.order_id == busy_world["stuck"].id
    assert queues["transfers"].first.id == busy_world["closing"].id


def test_the_page_says_the_counts_and_oldest_times_in_words(busy_world, client_for):
    with at("2026-06-08 10:00"):
        page = client_for("central@example.vn").get("/staff/", headers=EN).get_data(as_text=True)
    assert "New seller applications" in page and "Oldest waiting: 1 week" in page
    assert "Applications sent back with the changes asked" in page and "Oldest waiting: 3 days" in page
    assert "Orders not confirmed for more than 2 days" in page
    assert "Bank transfers unpaid, expiring within 6 hours" in page and "The first expires in 4 hours" in page
    assert "Most overdue: 1 day past its deadline" in page
    assert "Complaints due within 1 day" in page and "The next deadline is in 2 hours" in page
    assert busy_world["stuck"].number in page and busy_world["closing"].number in page
    assert 'href="/staff/complaints?overdue=1"' in page
    assert 'href="/staff/orders?status=pending"' in page


def test_a_seller_order_becomes_stuck_after_two_days(busy_world, central):
    assert by_key(central, utc("2026-06-09 08:59"))["stuck_orders"].count == 1
    assert by_key(central, utc("2026-06-09 09:01"))["stuck_orders"].count == 2


def test_provincial_staff_see_only_their_provinces_queues(busy_world, lamdong, hanoi):
    now = utc("2026-06-08 10:00")
    assert {key: queue.count for key, queue in by_key(lamdong, now).items()} == dict.fromkeys(
        ["applications", "changes_answered", "enrolments", "ocop", "stuck_orders", "transfers",
         "complaints_overdue", "complaints_due", "complaints_other"], 1)
    assert all(queue.count == 0 and queue.first is None and queue.age is None
               for queue in by_key(hanoi, now).values())


def test_a_transfers_total_is_shown_to_central_staff_only(busy_world, client_for, lamdong):
    """An order's total may include sellers of other provinces: a provincial staff member sees
    the order's number (it has a part in her province), not what the whole order costs."""
    total = f"({busy_world['closing'].total_vnd:,}\xa0₫)".replace(",", ".")
    with at("2026-06-08 10:00"):
        central_page = client_for("central@example.vn").get("/staff/").get_data(as_text=True)
        provincial_page = client_for("ld@example.vn").get("/staff/").get_data(as_text=True)
    assert busy_world["closing"].number in central_page and total in central_page
    assert busy_world["closing"].number in provincial_page and total not in provincial_page


def test_provincial_page_shows_none_of_another_provinces_work(busy_world, client_for, hanoi):
    with at("2026-06-08 10:00"):
        page = client_for("hn@example.vn").get("/staff/", headers=EN).get_data(as_text=True)
    assert "Nothing is waiting for the union in your scope." in page
    assert "HTX Rau Lang Biang" not in page and busy_world["stuck"].number not in page


# --- empty ---------------------------------------------------------------------------------------

def test_an_empty_marketplace_has_an_empty_home(app, central, client_for):
    with at("2026-06-08 10:00"):
        response = client_for("central@example.vn").get("/staff/", headers=EN)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Nothing is waiting for the union in your scope." in page
    assert "Every seller has sent last quarter's figures." in page
    assert "Quarter 1 of 2026" in page
    assert "Today's count only: no history is kept of what was on sale." in page
    with force_locale("en"):
        assert format_interval(date(2026, 6, 1), date(2026, 6, 8), "MMMMd", locale="en") in page


# --- this month against last month -------------------------------------------------------------

def place_at(moment: str, product, **changes):
    with at(moment):
        return builders.place((product, 1), **changes)


def test_months_follow_vietnams_calendar_across_its_midnight(app, central, categories):
    with at("2026-05-02 02:00"):
        owner, shop = builders.approved_seller(central, "hoa@example.vn")
        honey = builders.make_product(owner, price_vnd=100_000, stock=50)
    place_at("2026-05-31 16:30", honey)  # 23:30 on 31 May in Vietnam: May
    place_at("2026-05-31 17:30", honey)  # 00:30 on 1 June in Vietnam: June
    place_at("2026-05-05 03:00", honey)  # in the first days of May: the same days as 1–10 June
    cancelled = place_at("2026-06-03 03:00", honey)
    with at("2026-06-03 04:00"):
        orders.cancel_by_staff(central, cancelled.seller_orders[0], "Khách đặt nhầm.")
    place_at("2026-06-04 03:00", honey, payment_method="bank_transfer")  # never paid: no sale
    with at("2026-05-31 16:59"):  # 23:59 on 31 May
        _late_owner, _late = builders.approved_seller(central, "muon@example.vn")
    with at("2026-05-31 17:00"):  # midnight: 1 June
        _early_owner, _early = builders.approved_seller(central, "som@example.vn")

    span, figures = home.month_figures(central, utc("2026-06-10 05:00"))  # 12:00 on 10 June
    assert (span.this_month, span.last_month, span.same_until) == (date(2026, 6, 1), date(2026, 5, 1), date(2026, 5, 10))
    got = {figure.key: (figure.this_month, figure.same_days, figure.last_month) for figure in figures}
    shipping = 30_000
    assert got == {
        "sellers_approved": (1, 1, 2),  # 2 May and 31 May; 1 June
        "products_on_sale": (1, None, None),
        "products_published": (0, 1, 1),
        "orders": (1, 1, 2),
        "sales": (100_000 + shipping, 100_000 + shipping, 2 * (100_000 + shipping)),
    }
    orders_figure = next(figure for figure in figures if figure.key == "orders")
    assert (orders_figure.change, orders_figure.percent) == (0, 0)


def test_change_and_percent_only_where_they_mean_something():
    assert (home.Figure("orders", 3, 2, 5).change, home.Figure("orders", 3, 2, 5).percent) == (1, 50)
    assert (home.Figure("orders", 1, 4, 5).change, home.Figure("orders", 1, 4, 5).percent) == (-3, -75)
    assert (home.Figure("orders", 3, 0, 0).change, home.Figure("orders", 3, 0, 0).percent) == (3, None)
    assert (home.Figure("products_on_sale", 9, None, None).change, home.Figure("products_on_sale", 9, None, None).percent) == (None, None)


def test_the_same_days_of_a_shorter_month_stop_at_its_end(app):
    span = home.months(utc("2026-03-31 05:00"))  # 12:00 on 31 March in Vietnam
    assert (span.last_month, span.same_until, span.same_end) == (date(2026, 2, 1), date(2026, 2, 28), span.this_start)
    assert span.this_start == utc("2026-02-28 17:00")


def test_month_figures_are_in_the_staff_members_province(app, central, hanoi, categories):
    with at("2026-06-02 02:00"):
        owner, _shop = builders.approved_seller(central, "hoa@example.vn")
        honey = builders.make_product(owner, stock=50)
    place_at("2026-06-03 03:00", honey)
    _span, figures = home.month_figures(hanoi, utc("2026-06-10 05:00"))
    assert [(figure.this_month, figure.same_days, figure.last_month) for figure in figures] == [
        (0, 0, 0), (0, None, None), (0, 0, 0), (0, 0, 0), (0, 0, 0)]
    _span, figures = home.month_figures(central, utc("2026-06-10 05:00"))
    assert [figure.this_month for figure in figures] == [1, 1, 1, 1, 180_000]


def test_the_page_shows_the_change_with_its_sign_and_percent(app, central, client_for, categories):
    with at("2026-05-02 02:00"):
        owner, _shop = builders.approved_seller(central, "hoa@example.vn")
        honey = builders.make_product(owner, price_vnd=100_000, stock=50)
    place_at("2026-05-03 03:00", honey)
    place_at("2026-06-03 03:00", honey)
    place_at("2026-06-04 03:00", honey)
    with at("2026-06-10 05:00"):
        page = client_for("central@example.vn").get("/staff/", headers=EN).get_data(as_text=True)
    assert "+1 <span class=\"muted\">(+100%)</span>" in page  # orders: 2 against 1
    assert "−1" in page  # sellers approved: none in June, one in the first days of May


# --- sellers owing last quarter's figures ---------------------------------------------------------

@pytest.fixture
def quarter_world(app, central):
    """Sellers approved in the first quarter of 2026 (Lâm Đồng unless said), read on 10 April:
    one sent figures in the quarter, one only in April (late), two never (one in Hà Nội);
    one approved only in April owes nothing yet."""
    with at("2026-02-10 03:00"):
        reported = seller_in(LAM_DONG, "du@example.vn", name="HTX Đã báo cáo")
        late = seller_in(LAM_DONG, "tre@example.vn", name="HTX Báo cáo trễ")
        silent = seller_in(LAM_DONG, "im@example.vn", name="HTX Chưa báo cáo")
        far = seller_in(HA_NOI, "xa@example.vn", name="HTX Hà Nội chưa báo cáo")
    with at("2026-03-01 03:00"):
        sellers.report_figures(reported.owner, 10, 12, date(2026, 3, 1))
    with at("2026-04-05 03:00"):
        sellers.report_figures(late.owner, 10, 12, date(2026, 4, 5))
    with at("2026-04-02 03:00"):
        newcomer = seller_in(LAM_DONG, "moi@example.vn", name="HTX Mới duyệt")
    return dict(reported=reported, late=late, silent=silent, far=far, newcomer=newcomer)


NOW = "2026-04-10 03:00"  # 10:00 on 10 April in Vietnam


def owing(staff) -> list[str]:
    return [row.seller.name for row in home.missing_page(staff, utc(NOW)).items]


def test_who_owes_last_quarters_figures(quarter_world, central, lamdong, hanoi):
    assert home.last_quarter(date(2026, 4, 10)) == home.Quarter(date(2026, 1, 1))
    assert home.last_quarter(date(2026, 1, 1)) == home.Quarter(date(2025, 10, 1))
    assert home.Quarter(date(2025, 10, 1)).end == date(2025, 12, 31)
    assert owing(central) == ["HTX Chưa báo cáo", "HTX Hà Nội chưa báo cáo"]
    assert owing(lamdong) == ["HTX Chưa báo cáo"]
    assert owing(hanoi) == ["HTX Hà Nội chưa báo cáo"]


def test_the_list_is_paged_with_its_count(app, central):
    with at("2026-02-10 03:00"):
        for number in range(home.MISSING_PER_PAGE + 3):
            seller_in(LAM_DONG, f"s{number}@example.vn", name=f"HTX số {number:02d}")
    first, last = home.missing_page(central, utc(NOW)), home.missing_page(central, utc(NOW), page=2)
    assert (first.total, first.pages, len(first.items), len(last.items)) == (23, 2, 20, 3)
    assert last.items[-1].seller.name == "HTX số 22"
    assert home.missing_page(central, utc(NOW), page=99).page == 2


def remind(client, **data):
    token = csrf_token_from(client.get("/staff/"))
    return client.post("/staff/figures/reminders", data={"csrf_token": token, **data}, headers=EN)


def reminders_of(seller: Seller) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.subject_id == seller.id, AuditEntry.action == "figures_reminded"))


def test_remind_one_seller_sends_a_message_and_an_email_and_audits(quarter_world, central, client_for):
    silent = quarter_world["silent"]
    with at(NOW):
        client = client_for("central@example.vn")
        response = remind(client, seller_id=str(silent.id))
        assert response.status_code == 302 and response.headers["Location"].endswith("/staff/#figures")
        page = client.get("/staff/", headers=EN).get_data(as_text=True)
    assert "Reminder sent to 1 seller." in page
    owner = silent.owner
    message = db.session.scalar(select(Notification).where(Notification.user_id == owner.id)
                                .order_by(Notification.id.desc()))
    assert message.link == "/sell/figures"
    assert "quý 1" in message.subject.lower() or "quarter 1" in message.subject.lower()
    email = db.session.scalar(select(OutboundEmail).where(OutboundEmail.to_address == owner.email)
                              .order_by(OutboundEmail.id.desc()))
    assert email.subject == message.subject and "http://localhost/sell/figures" in email.body
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "figures_reminded"))
    assert (entry.actor_id, entry.subject_type, entry.subject_id, entry.detail) == (central.id, "seller", silent.id, "2026-Q1")
    assert "Reminded today" in page


def test_not_twice_the_same_day_in_vietnam(quarter_world, central, client_for):
    silent = quarter_world["silent"]
    with at("2026-04-10 16:30"):  # 23:30 in Vietnam
        client = client_for("central@example.vn")
        remind(client, seller_id=str(silent.id))
        remind(client, seller_id=str(silent.id))
        assert reminders_of(silent) == 1
        assert "1 seller had already been reminded today." in client.get("/staff/", headers=EN).get_data(as_text=True)
    with at("2026-04-10 17:30"):  # 00:30 on 11 April in Vietnam: a new day
        remind(client, seller_id=str(silent.id))
    assert reminders_of(silent) == 2


def test_remind_all_reaches_every_owing_seller_in_scope_once(quarter_world, lamdong, central, client_for):
    with at(NOW):
        remind(client_for("ld@example.vn"), all="1")
        assert [reminders_of(quarter_world[key]) for key in ("silent", "far", "late", "reported", "newcomer")] == [
            1, 0, 0, 0, 0]
        client = client_for("central@example.vn")
        remind(client, all="1")
        page = client.get("/staff/", headers=EN).get_data(as_text=True)
    assert [reminders_of(quarter_world[key]) for key in ("silent", "far")] == [1, 1]
    assert "Reminder sent to 1 seller." in page and "1 seller had already been reminded today." in page
    assert "All of them were reminded today." in page


def test_provincial_staff_cannot_remind_another_provinces_seller(quarter_world, lamdong, client_for):
    with at(NOW):
        response = remind(client_for("ld@example.vn"), seller_id=str(quarter_world["far"].id))
    assert response.status_code == 404
    assert reminders_of(quarter_world["far"]) == 0


def test_a_seller_owing_nothing_is_not_reminded(quarter_world, client_for):
    with at(NOW):
        client = client_for("central@example.vn")
        remind(client, seller_id=str(quarter_world["late"].id))
        page = client.get("/staff/", headers=EN).get_data(as_text=True)
    assert "This seller owes no figures, or is not in your province." in page
    assert reminders_of(quarter_world["late"]) == 0


def test_remind_needs_the_csrf_token(quarter_world, client_for):
    with at(NOW):
        response = client_for("central@example.vn").post(
            "/staff/figures/reminders", data={"seller_id": str(quarter_world["silent"].id)})
    assert response.status_code == 400
    assert reminders_of(quarter_world["silent"]) == 0


@pytest.mark.parametrize("value", ["", "²", "-1", "0", "99999999999999999999", "../1", "1" * 5000, "١"])
def test_a_bad_seller_id_is_a_400(quarter_world, client_for, value):
    with at(NOW):
        response = remind(client_for("central@example.vn"), seller_id=value)
    assert response.status_code == 400


def test_an_unknown_seller_is_a_404(quarter_world, client_for):
    with at(NOW):
        assert remind(client_for("central@example.vn"), seller_id="999999").status_code == 404


def test_the_reminder_is_in_the_owners_language(quarter_world, central):
    silent = quarter_world["silent"]
    silent.owner.locale = "en"
    db.session.commit()
    with at(NOW), force_locale("vi"):
        done = reminders.remind_missing_figures(central, utc(NOW), silent.id)
    assert done == reminders.Reminded(sent=1)
    message = db.session.scalar(select(Notification).where(Notification.user_id == silent.owner.id)
                                .order_by(Notification.id.desc()))
    assert message.subject == "Send your figures to the union: quarter 1 of 2026"
    assert "from January 1, 2026 to March 31, 2026" in message.body


# --- speed ---------------------------------------------------------------------------------------

def read_home_counting_queries(client_for) -> tuple[list[str], str]:
    with at("2026-06-08 10:00"):
        client = client_for("central@example.vn")
        client.get("/staff/")
        with counted_queries() as statements:
            response = client.get("/staff/", headers=EN)
    assert response.status_code == 200
    return statements, response.get_data(as_text=True)


def test_the_page_costs_the_same_queries_whatever_the_data(busy_world, central, client_for):
    few, page = read_home_counting_queries(client_for)
    assert "Every seller has sent last quarter's figures." in page
    with at("2026-02-10 03:00"):
        for number in range(6):
            seller_in(LAM_DONG, f"q{number}@example.vn", name=f"HTX quý {number}")
    with at("2026-06-08 09:30"):
        for _ in range(3):
            builders.place((db.session.scalar(select(Product).where(Product.name == "Mật ong hoa nhãn")), 1),
                           payment_method="bank_transfer")
    many, page = read_home_counting_queries(client_for)
    assert "HTX quý 5" in page and "The first expires in 4 hours" in page
    assert len(many) == len(few) < 40


def test_provincial_page_lists_only_its_province_without_a_province_column(quarter_world, lamdong, client_for):
    with at(NOW):
        page = client_for("ld@example.vn").get("/staff/", headers=EN).get_data(as_text=True)
    owed = page.split('id="figures"', 1)[1]
    assert "HTX Chưa báo cáo" in owed and "HTX Hà Nội chưa báo cáo" not in owed
    assert "1 seller owes figures." in owed and "Remind 1 seller" in owed
    assert ">Province<" not in owed


@pytest.mark.parametrize("page", ["²", "-3", "99999999999", "abc", ""])
def test_a_strange_page_number_still_shows_the_home(quarter_world, client_for, page):
    with at(NOW):
        response = client_for("central@example.vn").get(f"/staff/?page={page}", headers=EN)
    assert response.status_code == 200
    assert "HTX Chưa báo cáo" in response.get_data(as_text=True)


def test_the_reminder_is_in_the_sellers_history(quarter_world, central, client_for):
    silent = quarter_world["silent"]
    with at(NOW):
        client = client_for("central@example.vn")
        remind(client, seller_id=str(silent.id))
        page = client.get(f"/staff/sellers/{silent.id}", headers=EN).get_data(as_text=True)
    assert "Reminded to send figures" in page and "2026-Q1" in page
