"""The union's report, figure by figure, against small worlds computed by hand: periods and
their Vietnamese days, the scope (provincial staff held to their province, a program's
sellers), sellers and decisions, program targets, commerce, trends and reported figures.

Moments are UTC; Vietnam is UTC+7: "2026-05-31 17:30" is 1 June, 00:30 in Vietnam.
"""
from datetime import date, datetime, timezone
from types import SimpleNamespace

import pytest
from flask_babel import force_locale
from sqlalchemy import update

from market.catalog import services as catalog
from market.core.domain import DomainError
from market.extensions import db
from market.orders import services as orders
from market.programs import services as programs
from market.sellers import services as sellers
from market.sellers.models import Seller
from market.staff.reports import periods
from market.staff.reports.figures import build_report, scope_for
from market.staff.reports.tables import Period, Scope
from tests import builders
from tests.report_builders import at, order_at, seller_with_history

Q2 = periods.custom(date(2026, 4, 1), date(2026, 6, 30))
JUNE = periods.custom(date(2026, 6, 1), date(2026, 6, 30))
ALL = Scope()
ZEROS = (0, 0, None, 0, 0, 0, 0)


@pytest.fixture(autouse=True)
def english(app):
    """Row labels are written in the language of the moment: English here (the msgids)."""
    with force_locale("en"):
        yield


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def rows(report, key) -> list[tuple]:
    return report.table(key).rows


# --- periods ------------------------------------------------------------------------------------

@pytest.mark.parametrize("args, start, end, label", [
    (("midyear", 2026), date(2025, 12, 1), date(2026, 5, 31), "Mid-year 2026"),
    (("yearend", 2026), date(2025, 12, 1), date(2026, 11, 30), "Year-end 2026"),
    (("quarter", 2026, 2), date(2026, 4, 1), date(2026, 6, 30), "Q2 2026"),
    (("quarter", 2026, 4), date(2026, 10, 1), date(2026, 12, 31), "Q4 2026"),
    (("month", 2024, None, 2), date(2024, 2, 1), date(2024, 2, 29), "02/2024"),
    (("month", 2026, None, 12), date(2026, 12, 1), date(2026, 12, 31), "12/2026"),
    (("year", 2026), date(2026, 1, 1), date(2026, 12, 31), "2026"),
])
def test_presets(args, start, end, label):
    period = periods.preset(*args)
    assert (period.start, period.end, str(period.label)) == (start, end, label)


def test_preset_labels_are_translated_when_shown():
    # A lazy string: made once, read in the language of whoever reads the report.
    label = periods.preset("midyear", 2026).label
    assert not isinstance(label, str) and str(label) == "Mid-year 2026"


@pytest.mark.parametrize("args", [
    ("weekly", 2026), ("quarter", 2026), ("quarter", 2026, 5), ("quarter", 2026, 0), ("month", 2026),
    ("month", 2026, None, 13), ("year", 2019), ("year", 2101), ("year", "2026"), ("year", True), ("year", 2026.0),
    ("month", 2026, None, "²"), ("year", 10**20),
])
def test_bad_presets_are_refused(args):
    with pytest.raises(DomainError):
        periods.preset(*args)


def test_custom_ranges_and_their_refusals():
    assert periods.custom(date(2024, 1, 1), date(2026, 12, 31)) == Period(date(2024, 1, 1), date(2026, 12, 31), "")
    assert periods.custom(date(2026, 6, 1), date(2026, 6, 1)).end == date(2026, 6, 1)  # one day
    assert periods.custom(date(2024, 2, 29), date(2027, 2, 28)).end == date(2027, 2, 28)
    refusals = [
        ((date(2026, 6, 2), date(2026, 6, 1)), "comes before"),
        ((date(2019, 12, 31), date(2020, 1, 31)), "before 2020"),
        ((date(2024, 1, 1), date(2027, 1, 1)), "at most 3 years"),
        ((date(2024, 2, 29), date(2027, 3, 1)), "at most 3 years"),
        ((date(2100, 12, 1), date(2101, 1, 1)), "before 2101"),
        (("2026-01-01", date(2026, 2, 1)), "first and the last day"),
        ((None, None), "first and the last day"),
    ]
    for (start, end), words in refusals:
        with pytest.raises(DomainError) as refused:
            periods.custom(start, end)
        assert words in str(refused.value), (start, end, str(refused.value))


def test_bounds_are_midnights_in_vietnam_as_utc():
    assert periods.bounds(JUNE) == (utc("2026-05-31 17:00"), utc("2026-06-30 17:00"))
    assert periods.bounds(periods.preset("midyear", 2026)) == (utc("2025-11-30 17:00"), utc("2026-05-31 17:00"))


def test_months_and_quarters_of_a_period():
    midyear = periods.preset("midyear", 2026)
    assert periods.months(midyear) == [date(2025, 12, 1)] + [date(2026, m, 1) for m in range(1, 6)]
    assert periods.quarters(midyear) == [date(2026, 1, 1), date(2026, 4, 1)]
    odd = periods.custom(date(2026, 2, 15), date(2026, 7, 1))
    assert periods.months(odd) == [date(2026, m, 1) for m in range(2, 8)]
    assert periods.quarters(odd) == [date(2026, 4, 1), date(2026, 7, 1)]
    # The first and last months are clipped to the period.
    buckets = periods.month_bounds(odd)
    assert buckets[0] == (date(2026, 2, 1), utc("2026-02-14 17:00"), utc("2026-02-28 17:00"))
    assert buckets[-1] == (date(2026, 7, 1), utc("2026-06-30 17:00"), utc("2026-07-01 17:00"))
    assert len(periods.months(periods.custom(date(2024, 1, 15), date(2027, 1, 14)))) == 37


# --- scope ----------------------------------------------------------------------------------------

@pytest.fixture
def program(app, staff):
    return builders.make_program(staff, commission_rate_bp=500)


def test_central_staff_choose_any_province_by_name_old_name_or_code(staff):
    assert scope_for(staff, None, None) == Scope(None, None)
    assert scope_for(staff, "  ", "") == Scope(None, None)
    assert scope_for(staff, "Lâm Đồng", None) == Scope("Lâm Đồng", None)
    assert scope_for(staff, "lam dong", None).province == "Lâm Đồng"
    assert scope_for(staff, "01", None).province == "Hà Nội"
    assert scope_for(staff, "Hà Giang", None).province == "Tuyên Quang"  # merged in 2025


def test_provincial_staff_are_held_to_their_province(make_user):
    lamdong = make_user("ld@example.vn", role="staff", province="Lâm Đồng")
    for asked in (None, "", "Hà Nội", "01", "Atlantis"):
        assert scope_for(lamdong, asked, None) == Scope("Lâm Đồng", None)


@pytest.mark.parametrize("province", ["Atlantis", "../", "²", "99", "x" * 10_000, 79, ["Hà Nội"]])
def test_an_unknown_province_is_refused(staff, province):
    with pytest.raises(DomainError) as refused:
        scope_for(staff, province, None)
    assert "Unknown province" in str(refused.value)


def test_programs_are_named_by_an_existing_slug(staff, program):
    assert scope_for(staff, None, program.slug) == Scope(None, program.slug)
    for slug in ("khong-co", "../", "x" * 500, 3):
        with pytest.raises(DomainError) as refused:
            scope_for(staff, None, slug)
        assert "Unknown program" in str(refused.value)


def test_only_staff_read_reports_and_a_forged_scope_is_refused(make_user):
    with pytest.raises(DomainError):
        scope_for(make_user("mai@example.vn"), None, None)
    for scope in (Scope("Atlantis", None), Scope(None, "khong-co")):
        with pytest.raises(DomainError):
            build_report(JUNE, scope)


# --- an empty period --------------------------------------------------------------------------------

def test_an_empty_period_has_zeros_and_no_shares(staff):
    report = build_report(JUNE, ALL)
    assert report.period == JUNE and report.scope == ALL
    assert rows(report, "sellers_activity") == [
        ("Applications received", 0), ("Approved", 0), ("Rejected", 0), ("Suspended", 0)]
    assert rows(report, "sellers_total") == [("All sellers", *ZEROS)]
    assert [r[1:] for r in rows(report, "sellers_by_legal_form")] == [ZEROS] * 4
    assert len(rows(report, "sellers_by_province")) == 34
    assert rows(report, "program_targets") == [] and rows(report, "program_targets_by_province") == []
    assert rows(report, "commerce") == [(0, 0, 0, 0, 0, None, 0, 0, 0)]
    assert [r[1:] for r in rows(report, "commerce_payment_methods")] == [(0, 0)] * 3
    assert [r[1:] for r in rows(report, "commerce_cancellations")] == [(0, 0)] * 5
    assert rows(report, "commerce_cancel_reasons") == []
    assert rows(report, "trends") == [(date(2026, 6, 1), 0, 0, 0)]
    assert rows(report, "seller_figures") == [] and rows(report, "seller_figures_missing") == []


def test_every_table_has_stable_keys_typed_columns_and_charts_on_its_columns(staff):
    report = build_report(periods.preset("midyear", 2026), ALL)
    assert [table.key for table in report.tables] == [
        "sellers_activity", "sellers_total", "sellers_by_legal_form", "sellers_by_province", "program_targets",
        "program_targets_by_province", "commerce", "commerce_payment_methods", "commerce_cancellations",
        "commerce_cancel_reasons", "trends", "seller_figures", "seller_figures_missing",
        "first_steps", "first_steps_days", "first_steps_by_province",
    ]
    for table in report.tables:
        keys = [column.key for column in table.columns]
        assert all(len(r) == len(keys) for r in table.rows), table.key
        assert str(table.title)
        if table.chart is not None:
            assert table.chart.category in keys and set(table.chart.series) <= set(keys), table.key


# --- sellers -------------------------------------------------------------------------------------------

@pytest.fixture
def seller_world(app, staff):
    """Sellers applying and decided around the second quarter of 2026 (1 April - 30 June)."""
    def history(letter, steps, **changes):
        return seller_with_history(staff, f"{letter}@example.vn", steps, name=f"HTX {letter.upper()}", **changes)

    world = SimpleNamespace(
        # Approved before the quarter.
        a=history("a", [("2026-03-09 03:00", "submit"), ("2026-03-10 03:00", "approve")]),
        # Applied on 31 March, 23:30 in Vietnam; approved on 1 April, 00:30 in Vietnam.
        b=history("b", [("2026-03-31 16:30", "submit"), ("2026-03-31 17:30", "approve")], province="Hà Nội",
                  legal_form="household", members_count=5, women_members_count=3, workers_count=4,
                  women_workers_count=2),
        c=history("c", [("2026-04-05 03:00", "submit"), ("2026-04-06 03:00", "reject")],
                  legal_form="cooperative_group", members_count=8, women_members_count=8, workers_count=0,
                  women_workers_count=0),
        # Suspended on 1 July, 00:30 in Vietnam: still approved at the quarter's end.
        d=history("d", [("2026-04-10 03:00", "submit"), ("2026-04-11 03:00", "approve"),
                        ("2026-06-30 17:30", "suspend")], legal_form="enterprise", members_count=3,
                  women_members_count=3, workers_count=10, women_workers_count=7),
        # Applied on 30 June, 23:30 in Vietnam: inside the quarter, still pending.
        e=history("e", [("2026-06-30 16:30", "submit")]),
        f=history("f", [("2026-04-01 03:00", "submit"), ("2026-04-02 03:00", "approve"),
                        ("2026-05-15 03:00", "suspend")], members_count=6, women_members_count=6,
                  workers_count=6, women_workers_count=6),
        g=history("g", [("2026-02-01 03:00", "submit"), ("2026-02-02 03:00", "approve"),
                        ("2026-04-20 03:00", "suspend"), ("2026-05-20 03:00", "reinstate")],
                  members_count=10, women_members_count=8, workers_count=12, women_workers_count=9),
        # First applied in March; sent again in April after changes were asked: one application, in March.
        h=history("h", [("2026-03-20 03:00", "submit"), ("2026-03-25 03:00", "request_changes"),
                        ("2026-04-03 03:00", "submit"), ("2026-07-02 03:00", "approve")],
                  legal_form="cooperative_group"),
    )
    # The application asks for women-led sellers; one from before that rule is not.
    db.session.execute(update(Seller).where(Seller.id == world.b.id).values(women_led=False))
    db.session.commit()
    return world


def test_applications_and_decisions_fall_in_vietnam_days(seller_world):
    report = build_report(Q2, ALL)
    # Received: c, d, e (30 June, 23:30 in Vietnam), f; not b (31 March in Vietnam) nor h (March).
    # Approved: b (1 April in Vietnam), d, f. Suspended: f, g; d's suspension is in July in Vietnam.
    assert rows(report, "sellers_activity") == [
        ("Applications received", 4), ("Approved", 3), ("Rejected", 1), ("Suspended", 2)]


def test_approved_sellers_at_the_end_of_the_period_by_form_and_province(seller_world):
    report = build_report(Q2, ALL)
    # Approved on 30 June (Vietnam): a, b, d (suspended a day later), g (reinstated).
    assert rows(report, "sellers_total") == [("All sellers", 4, 3, 75.0, 42, 35, 56, 44)]
    assert rows(report, "sellers_by_legal_form") == [
        ("Cooperative", 2, 2, 100.0, 34, 29, 42, 35),
        ("Cooperative group", *ZEROS),
        ("Household business", 1, 0, 0.0, 5, 3, 4, 2),
        ("Enterprise / start-up", 1, 1, 100.0, 3, 3, 10, 7),
    ]
    by_province = {r[0]: r[1:] for r in rows(report, "sellers_by_province")}
    assert by_province.pop("Hà Nội") == (1, 0, 0.0, 5, 3, 4, 2)
    assert by_province.pop("Lâm Đồng") == (3, 3, 100.0, 37, 32, 52, 42)
    assert set(by_province.values()) == {ZEROS} and len(by_province) == 32


def test_trends_count_approvals_in_their_vietnamese_month(seller_world):
    report = build_report(periods.preset("midyear", 2026), ALL)
    # g in February, a in March, b (1 April in Vietnam), d and f in April.
    assert [(r[0], r[1]) for r in rows(report, "trends")] == [
        (date(2025, 12, 1), 0), (date(2026, 1, 1), 0), (date(2026, 2, 1), 1), (date(2026, 3, 1), 1),
        (date(2026, 4, 1), 3), (date(2026, 5, 1), 0)]


def test_provincial_staff_see_their_province_whatever_they_ask(seller_world, make_user):
    lamdong = make_user("ld@example.vn", role="staff", province="Lâm Đồng")
    report = build_report(Q2, scope_for(lamdong, "Hà Nội", None))
    assert report.scope == Scope("Lâm Đồng", None)
    assert rows(report, "sellers_activity") == [
        ("Applications received", 4), ("Approved", 2), ("Rejected", 1), ("Suspended", 2)]
    assert rows(report, "sellers_total") == [("All sellers", 3, 3, 100.0, 37, 32, 52, 42)]
    assert rows(report, "sellers_by_province") == [("Lâm Đồng", 3, 3, 100.0, 37, 32, 52, 42)]


def test_a_province_with_no_sellers_has_a_row_of_zeros(seller_world, staff):
    report = build_report(Q2, scope_for(staff, "Cà Mau", None))
    assert [r[1] for r in rows(report, "sellers_activity")] == [0, 0, 0, 0]
    assert rows(report, "sellers_total") == [("All sellers", *ZEROS)]
    assert rows(report, "sellers_by_province") == [("Cà Mau", *ZEROS)]
    assert rows(report, "commerce")[0][:4] == (0, 0, 0, 0)


# --- commerce ----------------------------------------------------------------------------------------

@pytest.fixture
def market(app, staff, categories, program):
    """Three sellers approved on 1 May 2026 (two in Lâm Đồng, one in Hà Nội), the first in the
    program, and orders on either side of June's edges in Vietnam. Every seller charges
    30.000 ₫ shipping a part and 5 % commission on the goods."""
    with at("2026-05-01 03:00"):
        shop_owner, shop = builders.approved_seller(staff, "hoa@example.vn", "HTX Mật ong")
        rival_owner, rival = builders.approved_seller(staff, "chi@example.vn", "HTX Chè")
        north_owner, north = builders.approved_seller(staff, "thu@example.vn", "HTX Gạo", province="Hà Nội")
        honey = builders.make_product(shop_owner, name="Mật ong", price_vnd=150_000, stock=20)
        comb = builders.make_product(shop_owner, name="Mật ong sáp", price_vnd=220_000, stock=5)
        tea = builders.make_product(rival_owner, name="Trà", price_vnd=90_000, stock=20)
        rice = builders.make_product(north_owner, name="Gạo", price_vnd=50_000, stock=20)
    with at("2026-05-02 03:00"):
        builders.enrol_in_program(staff, shop_owner, program)
    mai, ngoc, huong = (builders.make_user(f"{name}@example.vn") for name in ("mai", "ngoc", "huong"))

    # 31 May, 23:30 in Vietnam: May. Shop 150.000 + 30.000, commission 7.500.
    order_at("2026-05-31 16:30", (honey, 1))
    # 1 June, 00:30 in Vietnam: June. Shop 300.000 + 30.000, commission 15.000.
    order_at("2026-05-31 17:30", (honey, 2), user=mai)
    # Shop 150.000 + 30.000 (7.500); the rival's 90.000 + 30.000 (4.500) cancelled by the shopper.
    both = order_at("2026-06-10 03:00", (honey, 1), (tea, 1), user=mai)
    orders.cancel_by_shopper(builders.reload(both), part(both, rival).id, mai.id)
    # Hà Nội: 100.000 + 30.000 (5.000), cancelled by the seller, out of stock.
    out = order_at("2026-06-15 03:00", (rice, 2), user=ngoc)
    orders.fulfil(north_owner, part(out, north), "cancel", reason="Hết hàng")
    # A bank transfer still awaiting its money: 220.000 + 30.000 (11.000), not a sale yet.
    order_at("2026-06-20 03:00", (comb, 1), user=ngoc, payment_method="bank_transfer")
    # Cancelled by union staff: 150.000 + 30.000.
    staffed = order_at("2026-06-25 03:00", (honey, 1))
    orders.cancel_by_staff(staff, part(staffed, shop), " Hết hàng ")
    # 30 June, 23:30 in Vietnam: June. The rival 180.000 + 30.000, commission 9.000.
    order_at("2026-06-30 16:30", (tea, 2), user=huong)
    # 1 July, 00:30 in Vietnam: July.
    order_at("2026-06-30 17:30", (tea, 1), user=mai)
    return SimpleNamespace(shop=shop, shop_owner=shop_owner, rival=rival, north=north, program=program, honey=honey)


def part(order, seller):
    return next(p for p in builders.reload(order).seller_orders if p.seller_id == seller.id)


COMMERCE_COLUMNS = ("products_on_sale", "orders", "orders_sold", "sales_vnd", "commission_vnd", "average_order_vnd",
                    "shoppers", "repeat_shoppers", "cancelled")


def commerce(report) -> dict:
    (values,) = rows(report, "commerce")
    return dict(zip(COMMERCE_COLUMNS, values))


def test_commerce_counts_june_in_vietnam_and_leaves_cancelled_parts_out(market):
    report = build_report(JUNE, ALL)
    assert [column.key for column in report.table("commerce").columns] == list(COMMERCE_COLUMNS)
    # Placed in June (Vietnam): 6 orders; sold: the two of mai and huong's (330 + 180 + 210 thousand).
    assert commerce(report) == dict(
        products_on_sale=4, orders=6, orders_sold=3, sales_vnd=720_000, commission_vnd=31_500,
        average_order_vnd=240_000, shoppers=2, repeat_shoppers=1, cancelled=3)
    assert rows(report, "commerce_payment_methods") == [
        ("Cash on delivery (COD)", 5, 720_000), ("Bank transfer (VietQR)", 1, 0), ("Card (Stripe)", 0, 0)]
    assert rows(report, "commerce_cancellations") == [
        ("Cancelled by the shopper", 1, 120_000), ("Cancelled by the seller", 1, 130_000),
        ("Cancelled by union staff", 1, 180_000), ("Cancelled: not paid in time", 0, 0),
        ("Cancelled: payment refunded", 0, 0)]
    assert rows(report, "commerce_cancel_reasons") == [("Hết hàng", 2)]


def test_repeat_shoppers_need_two_orders_sold_in_the_period(market):
    # ngoc placed two orders in June, neither sold (one cancelled, one unpaid): not a repeat shopper.
    # mai's third order is in July (Vietnam): in July alone, she is a shopper once.
    july = build_report(periods.preset("month", 2026, month=7), ALL)
    assert (commerce(july)["shoppers"], commerce(july)["repeat_shoppers"]) == (1, 0)


def test_commerce_in_a_province(market, staff):
    lamdong = build_report(JUNE, scope_for(staff, "Lâm Đồng", None))
    assert commerce(lamdong) == dict(
        products_on_sale=3, orders=5, orders_sold=3, sales_vnd=720_000, commission_vnd=31_500,
        average_order_vnd=240_000, shoppers=2, repeat_shoppers=1, cancelled=2)
    assert [r[1] for r in rows(lamdong, "commerce_cancellations")] == [1, 0, 1, 0, 0]
    hanoi = build_report(JUNE, scope_for(staff, "Hà Nội", None))
    assert commerce(hanoi) == dict(
        products_on_sale=1, orders=1, orders_sold=0, sales_vnd=0, commission_vnd=0,
        average_order_vnd=None, shoppers=0, repeat_shoppers=0, cancelled=1)
    assert rows(hanoi, "commerce_cancel_reasons") == [("Hết hàng", 1)]


def test_commerce_of_a_program_counts_its_enrolled_sellers_only(market, staff):
    report = build_report(JUNE, scope_for(staff, None, market.program.slug))
    # The shop alone: mai's two orders sold (330.000 and 180.000), the unpaid transfer, the staff's cancel.
    assert commerce(report) == dict(
        products_on_sale=2, orders=4, orders_sold=2, sales_vnd=510_000, commission_vnd=22_500,
        average_order_vnd=255_000, shoppers=1, repeat_shoppers=1, cancelled=1)
    assert rows(report, "sellers_total")[0][1] == 1


def test_products_on_sale_are_those_listed_at_the_period_s_end(market, staff):
    # Hidden on 1 July, 00:30 in Vietnam; a new product listed in July; a seller suspended in July.
    with at("2026-06-30 17:30"):
        catalog.change_product_status(market.shop_owner, market.honey.id, "hide")
        builders.make_product(market.shop_owner, name="Sáp ong", price_vnd=80_000)
    with at("2026-07-10 03:00"):
        sellers.decide(staff, market.north.id, "suspend", "Hồ sơ chưa đầy đủ.")
    assert commerce(build_report(JUNE, ALL))["products_on_sale"] == 4
    assert commerce(build_report(periods.preset("month", 2026, month=7), ALL))["products_on_sale"] == 3
    # Before anything was listed.
    assert commerce(build_report(periods.preset("month", 2026, month=4), ALL))["products_on_sale"] == 0


def test_trends_month_by_month_add_up_to_the_period(market):
    report = build_report(Q2, ALL)
    assert rows(report, "trends") == [
        (date(2026, 4, 1), 0, 0, 0),
        (date(2026, 5, 1), 3, 1, 180_000),
        (date(2026, 6, 1), 0, 6, 720_000),
    ]
    assert commerce(report)["orders"] == 7 and commerce(report)["sales_vnd"] == 900_000


def test_the_report_runs_the_same_queries_however_many_orders(market, staff):
    def statements():
        with builders.counted_queries() as seen:
            build_report(JUNE, ALL)
        return len(seen)

    before = statements()
    for hour in range(3, 9):
        order_at(f"2026-06-12 0{hour}:00", (market.honey, 1))
    assert statements() == before


# --- program targets ------------------------------------------------------------------------------

@pytest.fixture
def enrolled(app, staff, program):
    """The program's targets: cooperatives 1.500, cooperative groups 10.000, jobs for women 30.000."""
    with at("2026-05-01 03:00"):
        coop_owner, coop = builders.approved_seller(staff, "hoa@example.vn", "HTX Mật ong")
        group_owner = builders.make_user("thu@example.vn")
        group = builders.make_seller(group_owner, province="Hà Nội", legal_form="cooperative_group", staff=staff,
                                     logo=False)
        late_owner, _late = builders.approved_seller(staff, "chi@example.vn", "HTX Chè")
    with at("2026-05-02 03:00"):
        for owner, jobs in ((coop_owner, 20), (group_owner, 7)):
            enrolment = builders.enrol(owner, program, jobs_for_women=jobs, today=date(2026, 5, 2))
            programs.decide_enrolment(staff, enrolment.id, "approve")
    # In July: a third cooperative joins (12 jobs) and the first reports 40 jobs for the third quarter.
    with at("2026-07-05 03:00"):
        enrolment = builders.enrol(late_owner, program, jobs_for_women=12, today=date(2026, 7, 5))
        programs.decide_enrolment(staff, enrolment.id, "approve")
        sellers.report_figures(coop_owner, 18, 40, date(2026, 7, 5))
    return SimpleNamespace(program=program, coop=coop, group=group)


def test_program_progress_at_the_period_s_end_with_one_decimal(enrolled):
    name = enrolled.program.name
    q2 = build_report(Q2, ALL)
    assert rows(q2, "program_targets") == [
        (name, "Cooperatives strengthened", 1500, 1, 0.1, date(2030, 12, 31)),
        (name, "Cooperative groups", 10000, 1, 0.0, date(2030, 12, 31)),
        (name, "Stable jobs for women", 30000, 27, 0.1, date(2030, 12, 31)),
    ]
    assert q2.table("program_targets").chart.series == ("percent",)
    year = build_report(periods.preset("year", 2026), ALL)
    # By December: the third cooperative, and the first's 40 jobs reported for July.
    assert [r[3:5] for r in rows(year, "program_targets")] == [(2, 0.1), (1, 0.0), (59, 0.2)]


def test_an_enrolment_counts_by_the_vietnam_day_it_was_decided(enrolled, staff):
    """30 June 16:30 UTC is 23:30 in Vietnam (still Q2); 18:00 UTC is already 1 July."""
    for email, moment in (("kim@example.vn", "2026-06-30 16:30"), ("ngan@example.vn", "2026-06-30 18:00")):
        with at("2026-06-01 03:00"):
            owner, _seller = builders.approved_seller(staff, email, f"HTX {email}")
            enrolment = builders.enrol(owner, enrolled.program, jobs_for_women=1, today=date(2026, 6, 1))
        with at(moment):
            programs.decide_enrolment(staff, enrolment.id, "approve")
    # Q2 counts the coop of May and the one decided at 23:30 on 30 June, not the one of 1 July.
    assert rows(build_report(Q2, ALL), "program_targets")[0][3] == 2


def test_program_progress_per_province(enrolled, staff):
    name = enrolled.program.name
    report = build_report(periods.preset("year", 2026), ALL)
    assert rows(report, "program_targets_by_province") == [
        (name, "Cooperatives strengthened", "Hà Nội", 0, 0.0),
        (name, "Cooperatives strengthened", "Lâm Đồng", 2, 0.1),
        (name, "Cooperative groups", "Hà Nội", 1, 0.0),
        (name, "Cooperative groups", "Lâm Đồng", 0, 0.0),
        (name, "Stable jobs for women", "Hà Nội", 7, 0.0),
        (name, "Stable jobs for women", "Lâm Đồng", 52, 0.2),
    ]
    hanoi = build_report(periods.preset("year", 2026), scope_for(staff, "Hà Nội", enrolled.program.slug))
    assert [r[2:4] for r in rows(hanoi, "program_targets")] == [(1500, 0), (10000, 1), (30000, 7)]
    nobody = build_report(periods.preset("year", 2026), scope_for(staff, "Cà Mau", None))
    assert [r[2:] for r in rows(nobody, "program_targets_by_province")] == [("Cà Mau", 0, 0.0)] * 3


def test_the_program_page_counts_by_the_same_rule(enrolled):
    figures = programs.program_figures(enrolled.program)
    assert {t.metric: t.value for t in figures.targets} == {
        "cooperatives": 2, "cooperative_groups": 1, "jobs_for_women": 59}
    assert (figures.jobs_for_women_now, figures.women_members_now) == (59, 18 + 15 + 15)


# --- the figures sellers report ---------------------------------------------------------------------

@pytest.fixture
def reporting(app, staff):
    """Three sellers approved in 2026 (the third on 1 April, 00:30 in Vietnam) and their reports."""
    with at("2026-01-10 03:00"):
        one_owner, one = builders.approved_seller(staff, "hoa@example.vn", "HTX Một")
        two_owner, two = builders.approved_seller(staff, "thu@example.vn", "HTX Hai", province="Hà Nội")
    three = seller_with_history(staff, "chi@example.vn", [("2026-03-31 10:00", "submit"),
                                                        ("2026-03-31 17:30", "approve")], name="HTX Ba")
    with at("2026-02-01 03:00"):
        sellers.report_figures(one_owner, 20, 25, date(2026, 2, 1))
        sellers.report_figures(two_owner, 9, 4, date(2026, 2, 1))
    with at("2026-05-01 03:00"):
        sellers.report_figures(one_owner, 21, 30, date(2026, 5, 1))
    return SimpleNamespace(one=one, two=two, three=three)


def test_figures_reported_per_quarter_and_who_did_not_report(reporting):
    report = build_report(periods.preset("midyear", 2026), ALL)
    assert rows(report, "seller_figures") == [
        ("Q1 2026", 2, 2, 0, 29, 29),  # the third was approved on 1 April in Vietnam
        ("Q2 2026", 3, 1, 2, 21, 30),
    ]
    assert rows(report, "seller_figures_missing") == [
        ("Q2 2026", "HTX Hai", "Hà Nội", "Cooperative"),
        ("Q2 2026", "HTX Ba", "Lâm Đồng", "Cooperative"),
    ]
    lamdong = build_report(periods.preset("midyear", 2026), Scope("Lâm Đồng", None))
    assert rows(lamdong, "seller_figures") == [("Q1 2026", 1, 1, 0, 20, 25), ("Q2 2026", 2, 1, 1, 21, 30)]
    assert [r[1] for r in rows(lamdong, "seller_figures_missing")] == ["HTX Ba"]
