"""The union counts its new sellers' first steps (market.staff.first_steps): per province and
period, the sellers approved who reached each step and the median days from approval to their
first product, order and delivery; in the staff member's scope; on the staff home and in the
report with its CSV and XLSX downloads; a fixed number of statements."""
import csv
import io
from datetime import date, datetime, timezone

import pytest
import time_machine
from flask_babel import force_locale
from openpyxl import load_workbook

from market.catalog import services as catalog
from market.core import on_behalf
from market.core.clock import utcnow
from market.orders import services as orders
from market.sellers import first_steps, helping
from market.staff.first_steps import count_first_steps, first_steps_for_staff, union_year
from market.staff.reports import periods
from market.staff.reports.figures import build_report, scope_for
from market.sellers.models import Seller
from tests import builders
from tests.builders import EN, counted_queries
from tests.report_builders import at, seller_with_history

LAM_DONG, HA_NOI = "Lâm Đồng", "Hà Nội"
NOVEMBER = periods.preset("month", 2026, month=11)


def part_of(order, seller):
    return next(part for part in order.seller_orders if part.seller_id == seller.id)


@pytest.fixture
def lamdong(app):
    return builders.make_user("ld@example.vn", role="staff", province=LAM_DONG)


@pytest.fixture
def cohort(staff, categories):
    """Sellers approved in November 2026 (times UTC, all in the Vietnamese day they name):
    A (Lâm Đồng) lists on the 3rd day, sells on the 8th, delivers on the 12th; B (Lâm Đồng)
    lists on the 1st day, its only order is cancelled; C (Hà Nội) lists on the 1st day then
    hides it; E (Hà Nội) approved, suspended and reinstated, does nothing. D (Lâm Đồng),
    approved in October, sells in November but is not of the period."""
    a = seller_with_history(staff, "a@example.vn", [("2026-10-20 03:00", "submit"), ("2026-11-02 03:00", "approve")])
    b = seller_with_history(staff, "b@example.vn", [("2026-10-21 03:00", "submit"), ("2026-11-10 03:00", "approve")])
    c = seller_with_history(staff, "c@example.vn", [("2026-10-22 03:00", "submit"), ("2026-11-20 03:00", "approve")],
                            province=HA_NOI)
    seller_with_history(staff, "e@example.vn", [("2026-10-23 03:00", "submit"), ("2026-11-03 03:00", "approve"),
                                                ("2026-11-04 03:00", "suspend"), ("2026-11-25 03:00", "reinstate")],
                        province=HA_NOI)
    d = seller_with_history(staff, "d@example.vn", [("2026-10-01 03:00", "submit"), ("2026-10-15 03:00", "approve")])
    with at("2026-11-05 03:00"):
        honey = builders.make_product(a.owner, name="Mật ong A")
        dried = builders.make_product(d.owner, name="Chuối sấy D")
    with at("2026-11-10 03:00"):
        order = builders.place((honey, 1))
        orders.fulfil(a.owner, part_of(order, a), "confirm")
        builders.place((dried, 1))
    with at("2026-11-14 03:00"):
        orders.fulfil(a.owner, part_of(order, a), "ship", carrier="VNPost", tracking_number="EE1")
        orders.fulfil(a.owner, part_of(order, a), "deliver", cash_collected=True)
    with at("2026-11-11 03:00"):
        tea = builders.make_product(b.owner, name="Trà B")
    with at("2026-11-12 03:00"):
        cancelled = builders.place((tea, 1))
        orders.fulfil(b.owner, part_of(cancelled, b), "confirm")
        orders.fulfil(b.owner, part_of(cancelled, b), "cancel", reason="Hết hàng")
    with at("2026-11-21 03:00"):
        rice = builders.make_product(c.owner, name="Gạo C")
        catalog.change_product_status(c.owner, rice.id, "hide")
    return {"a": a, "b": b, "c": c, "d": d}


def test_counts_and_medians_per_province_and_in_total(cohort):
    counts = count_first_steps(Seller.id.is_not(None), NOVEMBER)
    total = counts.total
    assert total.approved == 4  # A, B, C and E (its first approval is November's); not D
    assert total.reached == {"profile": 0, "shipping": 0, "photo": 3, "on_sale": 2, "confirmed": 1,
                             "delivered": 1, "figures": 0, "helped": 0}
    assert total.median_days("first_product") == 1.0  # 3, 1, 1
    assert (total.measured("first_order"), total.median_days("first_order")) == (1, 8.0)  # B's was cancelled
    assert total.median_days("first_delivery") == 12.0
    lam_dong, ha_noi = counts.by_province["68"], counts.by_province["01"]
    assert (lam_dong.approved, ha_noi.approved) == (2, 2)
    assert lam_dong.median_days("first_product") == 2.0  # 3 and 1
    assert ha_noi.reached["photo"] == 1 and ha_noi.reached["on_sale"] == 0  # C hid its product
    assert ha_noi.median_days("first_order") is None


def test_the_sellers_union_staff_helped_on_their_behalf_are_counted(cohort, staff):
    """Helped: staff did something for her with her consent (the audit row names her seller);
    a grant never used, or staff acting for themselves, is not help."""
    a, c = cohort["a"], cohort["c"]
    helper = builders.make_user("tam@example.vn", role="staff", province=LAM_DONG)
    with at("2026-11-16 03:00"):
        helping.grant_help(a.owner, helper.id, 14, utcnow())
        helping.grant_help(c.owner, staff.id, 14, utcnow())  # consent given, never used
        on_behalf.begin(helper.id, a.id)
        try:
            builders.make_product(helper, name="Mật ong rừng A")
        finally:
            on_behalf.end()
        builders.make_product(a.owner, name="Sáp ong A")  # her own work: not help
    counts = count_first_steps(Seller.id.is_not(None), NOVEMBER)
    assert counts.total.reached["helped"] == 1
    assert counts.by_province["68"].reached["helped"] == 1 and counts.by_province["01"].reached["helped"] == 0
    assert helping.helped_seller_ids(*periods.bounds(NOVEMBER), acted_only=True) == {a.id}
    # The seller's own home does not show it as one of her steps.
    with at("2026-11-16 04:00"):
        assert "helped" not in [step.key for step in first_steps.first_steps(a, utcnow()).steps]


def test_another_period_counts_its_own_sellers(cohort):
    october = count_first_steps(Seller.id.is_not(None), periods.preset("month", 2026, month=10))
    assert october.total.approved == 1 and october.total.reached["delivered"] == 0
    assert october.total.reached["confirmed"] == 0  # D's November order was never confirmed
    assert october.total.median_days("first_order") == 26.0  # approved 15 October, order 10 November


def test_provincial_staff_count_their_province_only(cohort, staff, lamdong):
    today = date(2026, 11, 30)
    assert union_year(today) == periods.preset("yearend", 2026)
    assert union_year(date(2026, 12, 1)) == periods.preset("yearend", 2027)
    own = first_steps_for_staff(lamdong, union_year(today))
    assert own.total.approved == 3 and set(own.by_province) == {"68"}  # A, B and D (October)
    everyone = first_steps_for_staff(staff, union_year(today))
    assert everyone.total.approved == 5 and set(everyone.by_province) == {"68", "01"}
    assert first_steps_for_staff(lamdong, NOVEMBER).total.approved == 2  # A and B
    shopper = builders.make_user("shopper@example.vn")
    assert first_steps_for_staff(shopper, NOVEMBER).total.approved == 0


def test_provincial_staff_download_their_province_only(cohort, client_for, lamdong):
    response = client_for("ld@example.vn").get(
        "/staff/reports/first_steps_by_province.csv?period=month&year=2026&month=11&province=01", headers=EN)
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == [LAM_DONG] and rows[1][1] == "2"


def test_the_counts_cost_the_same_statements_whatever_the_data(cohort, staff):
    with counted_queries() as few:
        count_first_steps(Seller.id.is_not(None), NOVEMBER)
    owner = cohort["a"].owner
    with at("2026-11-16 03:00"):
        for number in range(3):
            product = builders.make_product(owner, name=f"Mật ong số {number}")
            orders.fulfil(owner, part_of(builders.place((product, 1)), cohort["a"]), "confirm")
    with counted_queries() as many:
        count_first_steps(Seller.id.is_not(None), NOVEMBER)
    assert len(many) == len(few) <= 5


def test_the_report_has_the_section_per_province(cohort):
    with force_locale("en"):
        report = build_report(NOVEMBER, scope_for(None, None, None))
        steps = report.table("first_steps")
        assert steps.rows[0] == ("Sellers approved", 4, 100.0)
        assert ("First product with a photo", 3, 75.0) in steps.rows
        assert report.table("first_steps_days").rows == [
            ("Days to first product", 3, 1.0), ("Days to first order", 1, 8.0), ("Days to first delivery", 1, 12.0)]
        by_province = {row[0]: row for row in report.table("first_steps_by_province").rows}
        assert len(by_province) == 34
        assert by_province[LAM_DONG][1:] == (2, 0, 0, 2, 2, 1, 1, 0, 0, 2.0, 8.0, 12.0)
        assert by_province["Huế"][1:] == (0, 0, 0, 0, 0, 0, 0, 0, 0, None, None, None)
        own = build_report(NOVEMBER, scope_for(None, HA_NOI, None))
        assert [row[0] for row in own.table("first_steps_by_province").rows] == [HA_NOI]
        assert own.table("first_steps").rows[0][1] == 2


# --- the pages ------------------------------------------------------------------------------

def test_the_staff_home_shows_the_union_years_first_steps(cohort, client_for, lamdong):
    with time_machine.travel(datetime(2026, 11, 28, 3, tzinfo=timezone.utc), tick=False):
        page = client_for("ld@example.vn").get("/staff/", headers=EN).get_data(as_text=True)
    section = page.split('id="first-steps"')[1].split("</section>")[0]
    assert "New sellers' first steps" in section
    assert "Sellers approved from Dec 1, 2025 to Nov 30, 2026" in section
    assert "<th scope=\"row\">Sellers approved</th><td>3</td>" in section  # A, B, D: Lâm Đồng only
    assert "median 17 days" in section  # to the first order: A's 8 days and D's 26
    assert 'href="/staff/reports?period=yearend&amp;year=2026#first_steps_by_province"' in section


def test_the_csv_and_the_workbook_carry_the_section(cohort, client_for):
    client = client_for("staff@example.vn")
    response = client.get("/staff/reports/first_steps_by_province.csv?period=month&year=2026&month=11", headers=EN)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Province", "Sellers approved", "Profile and logo"]
    assert rows[0][-1] == "Days to first delivery"
    assert next(row for row in rows if row[0] == LAM_DONG)[1:] == ["2", "0", "0", "2", "2", "1", "1", "0", "0", "2.0", "8.0",
                                                                    "12.0"]
    workbook = load_workbook(io.BytesIO(client.get("/staff/reports.xlsx?period=month&year=2026&month=11",
                                                   headers=EN).data))
    titles = [name for name in workbook.sheetnames if name.startswith("New sellers")]
    assert len(titles) == 3
    steps = workbook[next(name for name in titles if name == "New sellers' first steps")]
    assert list(steps.iter_rows(min_row=2, max_row=2, values_only=True))[0][:2] == ("Sellers approved", 4)
