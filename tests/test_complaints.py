"""Complaints and takedowns: "Report this product" (anyone), "Report a problem" with an order
part (its shopper), the seller's answer within 2 days, staff's decision within 5 days with
its effect (dismiss, refund owed, product taken down, seller warned or suspended), deadlines
and the overdue flag under frozen time, provincial scope, and hostile input.

Views are driven through the test client with CSRF on; texts are asserted in English."""
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from flask_babel import force_locale
from sqlalchemy import func, select

from market.accounts.models import Notification
from market.accounts.services import find_user_by_email
from market.catalog import services as catalog
from market.complaints import services
from market.complaints.models import Complaint, ComplaintPhoto
from market.complaints.rules import is_overdue
from market.core.audit import history
from market.core.domain import DomainError
from market.core.models import OutboundEmail
from market.extensions import db
from market.orders import services as orders
from market.search.backend import SearchRequest, get_backend
from market.sellers.models import Seller
from tests import builders
from tests.conftest import csrf_token_from, post_form

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)
EN = {"Accept-Language": "en"}


def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def notices_of(user) -> list[Notification]:
    """The user's account messages, oldest first."""
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


def complaint_notices(user) -> list[Notification]:
    """The user's account messages that link to a complaint."""
    return [notice for notice in notices_of(user) if "/complaints/" in (notice.link or "")]


def emails_to(address: str) -> list[OutboundEmail]:
    return list(db.session.scalars(select(OutboundEmail).where(OutboundEmail.to_address == address)))


def fresh_complaint(complaint_id: int) -> Complaint:
    db.session.expire_all()
    return db.session.get(Complaint, complaint_id)


def part_of(order, seller):
    return next(part for part in builders.reload(order).seller_orders if part.seller_id == seller.id)


def delivered(goods, user=None, product=None):
    """An order of one jar of honey (as `user`, or a guest), confirmed, shipped and delivered."""
    order = builders.place((product or goods.honey, 1), user=user)
    part = part_of(order, goods.shop.seller)
    owner = goods.shop.owner
    orders.fulfil(owner, part, "confirm")
    orders.fulfil(owner, part, "ship", carrier="Viettel Post", tracking_number="VTP1")
    orders.fulfil(owner, part, "deliver", cash_collected=True)
    return builders.reload(order), part_of(order, goods.shop.seller)


def report(goods, reporter=None, product=None, **changes):
    values = {"reason": "counterfeit", "text": "Hàng giả, nhãn in mờ.", "email_for_guest": "khach@example.vn"}
    values.update(changes)
    return services.report_product(reporter, (product or goods.honey).id, values["reason"], values["text"],
                                   values["email_for_guest"] if reporter is None else None)


@pytest.fixture
def shopper(app):
    return builders.make_user("mai@example.vn")


@pytest.fixture
def central(app):
    return builders.make_user("central@example.vn", role="staff")


# --- reporting a product -----------------------------------------------------------------------

@pytest.mark.parametrize("reason, text, email, field", [
    ("", "Hàng giả", "a@example.vn", "reason"),
    ("not_received", "Hàng giả", "a@example.vn", "reason"),  # an order reason, not a product one
    ("COUNTERFEIT", "Hàng giả", "a@example.vn", "reason"),
    ("counterfeit", "   ", "a@example.vn", "text"),
    ("counterfeit", "x" * 2001, "a@example.vn", "text"),
    ("counterfeit", "nul\x00byte", "a@example.vn", "text"),
    ("counterfeit", "Hàng giả", "", "email"),
    ("counterfeit", "Hàng giả", "not-an-email", "email"),
])
def test_a_product_report_needs_a_listed_reason_a_text_and_a_guests_email(goods, reason, text, email, field):
    with force_locale("en"), pytest.raises(DomainError) as caught:
        services.report_product(None, goods.honey.id, reason, text, email)
    assert caught.value.field == field
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 0


@pytest.mark.parametrize("reason, field", [("counterfeit", "reason"), ("", "reason"), ("broken", "reason")])
def test_an_order_problem_needs_an_order_reason(goods, shopper, reason, field):
    _order, part = delivered(goods, shopper)
    with pytest.raises(DomainError) as caught:
        services.report_order_problem(shopper, part.id, reason, "Vỡ hũ")
    assert caught.value.field == field


def test_a_guest_reports_a_product_from_its_page_and_follows_it_by_link(goods, client):
    english(client)
    page = client.get(f"/products/{goods.honey.slug}")
    assert f'/products/{goods.honey.slug}/report' in page.get_data(as_text=True)
    response = post_form(client, f"/products/{goods.honey.slug}/report",
                         {"reason": "misleading", "text": "Ghi 500g nhưng chỉ có 300g.", "email": "Khach@Example.vn"})
    assert response.status_code == 303
    complaint = db.session.scalar(select(Complaint))
    assert (complaint.kind, complaint.reason, complaint.reporter_id, complaint.reporter_email) == (
        "product", "misleading", None, "khach@example.vn")
    assert complaint.seller_id == goods.shop.seller.id and complaint.status == "open"
    assert response.headers["Location"] == f"/complaints/{complaint.token}"
    # The guest is emailed the link of her complaint's page; every member of the seller is told.
    (email,) = emails_to("khach@example.vn")
    assert f"/complaints/{complaint.token}" in email.body
    (notice,) = complaint_notices(goods.shop.owner)
    assert notice.link == f"/sell/complaints/{complaint.id}" and goods.honey.name in notice.subject
    followed = client.get(f"/complaints/{complaint.token}").get_data(as_text=True)
    assert "Ghi 500g nhưng chỉ có 300g." in followed and "Complaint made" in followed
    assert [entry.action for entry in history("complaint", complaint.id)] == ["complaint_reported"]


def test_a_guest_must_give_an_email_and_a_listed_reason_on_the_page(goods, client):
    english(client)
    url = f"/products/{goods.honey.slug}/report"
    response = post_form(client, url, {"reason": "made-up", "text": "Hàng giả", "email": ""})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Enter your email" in body and "Not a valid choice" in body
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 0
    # No CSRF token, no report.
    assert client.post(url, data={"reason": "other", "text": "x", "email": "a@example.vn"}).status_code in (200, 400)
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 0


def test_a_signed_in_shopper_reports_without_an_email_and_finds_it_in_her_account(goods, shopper, client_for):
    client = english(client_for(shopper.email))
    form = client.get(f"/products/{goods.honey.slug}/report").get_data(as_text=True)
    assert 'name="email"' not in form
    response = post_form(client, f"/products/{goods.honey.slug}/report",
                         {"reason": "prohibited", "text": "Có chất cấm."})
    complaint = db.session.scalar(select(Complaint))
    assert response.headers["Location"] == f"/account/complaints/{complaint.id}"
    assert complaint.reporter_id == shopper.id and complaint.reporter_email is None
    assert [n.link for n in notices_of(shopper)] == [f"/account/complaints/{complaint.id}"]
    listing = client.get("/account/complaints").get_data(as_text=True)
    assert f"/account/complaints/{complaint.id}" in listing
    # She finds the list from her account and from her orders.
    for page in ("/account/profile", "/account/orders"):
        assert 'href="/account/complaints"' in client.get(page).get_data(as_text=True), page
    assert "Có chất cấm." in client.get(f"/account/complaints/{complaint.id}").get_data(as_text=True)
    # Twice the same open report is refused; another shopper cannot read hers.
    with pytest.raises(DomainError):
        services.report_product(shopper, goods.honey.id, "other", "Lần nữa", None)
    builders.make_user("other@example.vn")
    other = client_for("other@example.vn")
    assert other.get(f"/account/complaints/{complaint.id}").status_code == 404
    assert client_for("other@example.vn").get("/account/complaints").status_code == 200


def test_only_a_product_on_sale_can_be_reported(goods, client):
    catalog.change_product_status(goods.shop.owner, goods.comb.id, "hide")
    assert client.get(f"/products/{goods.comb.slug}/report").status_code == 404
    assert client.get("/products/no-such-thing/report").status_code == 404
    with pytest.raises(services.ComplaintNotFound):
        report(goods, product=goods.comb)


def test_reports_are_rate_limited_per_ip(goods, client, app):
    app.config["COMPLAINT_LIMIT_PER_IP"] = "2 per minute"
    url = f"/products/{goods.honey.slug}/report"
    token = csrf_token_from(client.get(url))
    codes = [client.post(url, data={"csrf_token": token, "reason": "other", "text": f"Lần {n}",
                                    "email": "a@example.vn"}).status_code for n in range(3)]
    assert codes == [303, 303, 429]
    assert client.get(url).status_code == 200  # reading the form is not counted


# --- reporting a problem with an order part ------------------------------------------------------

def test_only_the_orders_shopper_reports_a_problem_with_it(goods, shopper, client_for, client, app):
    order, part = delivered(goods, shopper)
    url = f"/orders/{order.token}/parts/{part.id}/problem"
    builders.make_user("other@example.vn")
    assert client.get(url).status_code == 404  # an account's order: not for a visitor holding the link
    assert client_for("other@example.vn").get(url).status_code == 404
    with pytest.raises(services.ComplaintNotFound):
        services.report_order_problem(None, part.id, "damaged", "Vỡ", order_token=order.token)
    with pytest.raises(services.ComplaintNotFound):
        services.report_order_problem(goods.rival.owner, part.id, "damaged", "Vỡ")
    mine = english(client_for(shopper.email))
    page = mine.get(f"/orders/{order.token}").get_data(as_text=True)
    assert url in page
    response = post_form(mine, url, {"reason": "damaged", "text": "Hũ vỡ khi nhận.",
                                     "photos": [builders.photo(), builders.photo(colour="#123456")]},
                         content_type="multipart/form-data")
    assert response.status_code == 303
    complaint = db.session.scalar(select(Complaint))
    assert (complaint.kind, complaint.seller_order_id, complaint.reporter_id) == ("order", part.id, shopper.id)
    assert len(complaint.photos) == 2
    stored = builders.stored_files(app)
    assert all(f"complaint-photos/{photo.stored_name}" in stored for photo in complaint.photos)
    # One open complaint per part.
    with pytest.raises(DomainError, match="already open"):
        services.report_order_problem(shopper, part.id, "other", "Lần nữa")
    assert "already open" in mine.get(url).get_data(as_text=True)
    # The reporter sees her photos; the seller sees them; another seller does not.
    photo = complaint.photos[0]
    assert mine.get(f"/complaints/{complaint.token}/photos/{photo.id}").headers["Content-Type"].startswith("image/")
    seller = client_for(goods.shop.owner.email)
    assert seller.get(f"/sell/complaints/{complaint.id}/photos/{photo.id}").status_code == 200
    rival = client_for(goods.rival.owner.email)
    assert rival.get(f"/sell/complaints/{complaint.id}/photos/{photo.id}").status_code == 404
    assert mine.get(f"/complaints/{complaint.token}/photos/999999").status_code == 404


def test_a_guest_order_is_reported_through_its_link(goods, client):
    english(client)
    order, part = delivered(goods)
    url = f"/orders/{order.token}/parts/{part.id}/problem"
    assert client.get(f"/orders/{'x' * 30}/parts/{part.id}/problem").status_code == 404
    with pytest.raises(services.ComplaintNotFound):
        services.report_order_problem(None, part.id, "damaged", "Vỡ", order_token="wrong-token")
    response = post_form(client, url, {"reason": "not_as_described", "text": "Không phải mật ong nhãn."})
    complaint = db.session.scalar(select(Complaint))
    assert response.headers["Location"] == f"/complaints/{complaint.token}"
    assert complaint.reporter_id is None and complaint.reporter_email == order.email
    assert any(f"/complaints/{complaint.token}" in email.body for email in emails_to(order.email))


def test_a_problem_needs_a_confirmed_part_and_at_most_three_photos(goods, shopper):
    order = builders.place((goods.honey, 1), user=shopper)
    part = part_of(order, goods.shop.seller)
    with force_locale("en"), pytest.raises(DomainError, match="confirmed"):
        services.report_order_problem(shopper, part.id, "not_received", "Chưa nhận")
    orders.fulfil(goods.shop.owner, part, "confirm")
    with pytest.raises(DomainError) as caught:
        services.report_order_problem(shopper, part.id, "damaged", "Vỡ", [builders.photo() for _ in range(4)])
    assert caught.value.field == "photos"
    with pytest.raises(DomainError) as caught:
        services.report_order_problem(shopper, part.id, "damaged", "Vỡ",
                                      [builders.upload(b"not an image", "a.png")])
    assert caught.value.field == "photos"
    assert db.session.scalar(select(func.count()).select_from(ComplaintPhoto)) == 0
    assert services.report_order_problem(shopper, part.id, "not_received", "Chưa nhận").status == "open"


# --- the seller answers --------------------------------------------------------------------------

def test_every_member_is_told_and_one_answers_on_the_seller_page(goods, shopper, client_for):
    member = builders.add_member(goods.shop.owner, "thu@example.vn")
    complaint = report(goods, shopper)
    assert [n.link for n in complaint_notices(member)] == [f"/sell/complaints/{complaint.id}"]
    client = english(client_for(member.email))
    assert f"/sell/complaints/{complaint.id}" in client.get("/sell/complaints").get_data(as_text=True)
    page = client.get(f"/sell/complaints/{complaint.id}").get_data(as_text=True)
    assert "Answer before" in page
    # Who reported a product stays unknown to the seller.
    assert shopper.email not in page and f"<td>{shopper.full_name}</td>" not in page and "The shopper" in page
    response = post_form(client, f"/sell/complaints/{complaint.id}", {"text": "Hàng chính hãng, có hoá đơn."})
    assert response.status_code == 303
    complaint = fresh_complaint(complaint.id)
    assert (complaint.status, complaint.seller_answer, complaint.answered_by_id) == (
        "answered", "Hàng chính hãng, có hoá đơn.", member.id)
    assert "Hàng chính hãng" in notices_of(shopper)[-1].body
    assert [entry.action for entry in history("complaint", complaint.id)] == ["complaint_reported",
                                                                               "complaint_answered"]
    with pytest.raises(DomainError, match="already been answered"):
        services.answer(goods.shop.owner, complaint.id, "Lần hai")


def test_another_seller_cannot_see_or_answer(goods, shopper, client_for):
    complaint = report(goods, shopper)
    rival = client_for(goods.rival.owner.email)
    assert rival.get(f"/sell/complaints/{complaint.id}").status_code == 404
    assert f"/sell/complaints/{complaint.id}" not in rival.get("/sell/complaints").get_data(as_text=True)
    with pytest.raises(services.ComplaintNotFound):
        services.answer(goods.rival.owner, complaint.id, "Không phải của tôi")
    with pytest.raises(services.ComplaintNotFound):
        services.answer(shopper, complaint.id, "Tôi là người mua")
    assert fresh_complaint(complaint.id).status == "open"


# --- deadlines and the overdue flag ------------------------------------------------------------

def test_deadlines_and_the_overdue_flag_follow_the_clock(goods, shopper, staff, client_for):
    with time_machine.travel(T0, tick=False) as traveller:
        complaint = report(goods, shopper)
        complaint = fresh_complaint(complaint.id)
        assert services.aware(complaint.answer_due_at) == T0 + timedelta(days=2)
        assert services.aware(complaint.decision_due_at) == T0 + timedelta(days=5)
        assert services.overdue(T0) == [] and services.near_deadline(T0, timedelta(days=1)) == []
        traveller.move_to(T0 + timedelta(days=1, hours=12))
        now = T0 + timedelta(days=1, hours=12)
        assert [c.id for c in services.near_deadline(now, timedelta(days=1))] == [complaint.id]
        assert not is_overdue(complaint, now)
        # Past the seller's 2 days without an answer: overdue, flagged to staff.
        traveller.move_to(T0 + timedelta(days=2, minutes=1))
        now = T0 + timedelta(days=2, minutes=1)
        assert [c.id for c in services.overdue(now)] == [complaint.id]
        assert [c.id for c in services.overdue(now, staff)] == [complaint.id]
        client = english(client_for(staff.email))
        listing = client.get("/staff/complaints?overdue=1").get_data(as_text=True)
        assert f"/staff/complaints/{complaint.id}" in listing and "status-overdue" in listing
        # Answered late: it waits for the union now, not overdue until the decision is due.
        services.answer(goods.shop.owner, complaint.id, "Xin lỗi, trả lời muộn.")
        traveller.move_to(T0 + timedelta(days=3))
        assert services.overdue(T0 + timedelta(days=3)) == []
        assert "status-overdue" not in client.get("/staff/complaints").get_data(as_text=True)
        assert f"/staff/complaints/{complaint.id}" not in client.get("/staff/complaints?overdue=1").get_data(
            as_text=True)
        traveller.move_to(T0 + timedelta(days=5, minutes=1))
        assert [c.id for c in services.overdue(T0 + timedelta(days=5, minutes=1))] == [complaint.id]
        assert "status-overdue" in client.get(f"/staff/complaints/{complaint.id}").get_data(as_text=True)
        services.decide(staff, complaint.id, "dismiss", "Không đủ căn cứ.")
        assert services.overdue(T0 + timedelta(days=6)) == []


# --- decisions ----------------------------------------------------------------------------------

def test_staff_dismiss_with_a_reason_and_both_sides_are_told(goods, shopper, staff, client_for):
    complaint = report(goods, shopper)
    client = english(client_for(staff.email))
    page = client.get(f"/staff/complaints/{complaint.id}").get_data(as_text=True)
    assert "Hàng giả, nhãn in mờ." in page and "mai@example.vn" in page
    response = post_form(client, f"/staff/complaints/{complaint.id}", {"decision": "dismiss", "reason": ""})
    assert response.status_code == 200 and fresh_complaint(complaint.id).status == "open"
    response = post_form(client, f"/staff/complaints/{complaint.id}",
                         {"decision": "dismiss", "reason": "Sản phẩm có chứng nhận."})
    assert response.status_code == 303
    complaint = fresh_complaint(complaint.id)
    assert (complaint.status, complaint.decision, complaint.decided_by_id) == ("decided", "dismiss", staff.id)
    assert "Sản phẩm có chứng nhận." in notices_of(shopper)[-1].body
    assert "Sản phẩm có chứng nhận." in notices_of(goods.shop.owner)[-1].body
    steps = history("complaint", complaint.id)
    assert [(e.action, e.actor_id, e.reason) for e in steps][-1] == ("complaint_dismiss", staff.id,
                                                                     "Sản phẩm có chứng nhận.")
    with pytest.raises(DomainError, match="already been decided"):
        services.decide(staff, complaint.id, "seller_warned", "Lần hai")
    # The reporter and the seller each see the decision and the steps.
    assert "Sản phẩm có chứng nhận." in client_for(shopper.email).get(
        f"/account/complaints/{complaint.id}").get_data(as_text=True)
    assert "Decided: dismissed" in english(client_for(goods.shop.owner.email)).get(
        f"/sell/complaints/{complaint.id}").get_data(as_text=True)



def found_ids(text: str) -> set[int]:
    return {hit.product_id for hit in get_backend().search(SearchRequest(text=text, per_page=100)).hits}


def test_a_product_taken_down_leaves_the_shop_search_and_sitemap_at_once(engine, goods, shopper, staff, client):
    honey = goods.honey
    assert honey.id in found_ids("mat ong hoa nhan")
    assert f"/products/{honey.slug}" in client.get("/sitemap.xml").get_data(as_text=True)
    complaint = report(goods, shopper)
    services.decide(staff, complaint.id, "product_taken_down", "Hàng giả theo kết quả kiểm tra.")
    assert builders.fresh(honey.id).status == "blocked"
    assert client.get(f"/products/{honey.slug}").status_code == 404
    assert honey.slug not in client.get("/c/mat-ong").get_data(as_text=True)
    assert f"/products/{honey.slug}" not in client.get("/sitemap.xml").get_data(as_text=True)
    assert honey.id not in found_ids("mat ong hoa nhan")
    assert goods.comb.id in found_ids("mat ong sap")  # the seller's other products stay
    assert honey.slug not in client.get("/search?q=mat+ong").get_data(as_text=True)
    actions = [entry.action for entry in history("product", honey.id)]
    assert actions[-1] == "block"
    assert "Hàng giả theo kết quả kiểm tra." in notices_of(goods.shop.owner)[-1].body


def test_an_order_complaint_takes_down_the_product_staff_name_among_its_lines(goods, shopper, staff):
    _order, part = delivered(goods, shopper)
    complaint = services.report_order_problem(shopper, part.id, "not_as_described", "Không đúng mô tả")
    with pytest.raises(DomainError) as caught:
        services.decide(staff, complaint.id, "product_taken_down", "Sai mô tả")  # which product?
    assert caught.value.field == "product_id"
    with pytest.raises(DomainError):
        services.decide(staff, complaint.id, "product_taken_down", "Sai mô tả", goods.tea.id)  # not in the order
    db.session.rollback()
    assert fresh_complaint(complaint.id).status == "open"  # nothing of a refused decision was kept
    assert builders.fresh(goods.tea.id).status == "active"
    services.decide(staff, complaint.id, "product_taken_down", "Sai mô tả", goods.honey.id)
    assert builders.fresh(goods.honey.id).status == "blocked"


def test_a_decision_is_one_transaction_a_failed_takedown_keeps_nothing(goods, shopper, staff, monkeypatch):
    complaint = report(goods, shopper)
    before = len(notices_of(shopper)), len(notices_of(goods.shop.owner))

    def refused(*_args, **_kwargs):
        raise DomainError("the catalog refused")

    monkeypatch.setattr(services, "moderate_product", refused)
    with pytest.raises(DomainError, match="refused"):
        services.decide(staff, complaint.id, "product_taken_down", "Hàng giả")
    complaint = fresh_complaint(complaint.id)
    assert (complaint.status, complaint.decision) == ("open", None)
    assert [e.action for e in history("complaint", complaint.id)] == ["complaint_reported"]
    assert (len(notices_of(shopper)), len(notices_of(goods.shop.owner))) == before
    assert builders.fresh(goods.honey.id).status == "active"


def test_suspending_the_seller_takes_all_its_products_off_the_shop(goods, shopper, staff, client):
    complaint = report(goods, shopper)
    services.decide(staff, complaint.id, "seller_suspended", "Nhiều lần bán hàng giả.")
    db.session.expire_all()
    assert db.session.get(Seller, goods.shop.seller.id).status == "suspended"
    for product in (goods.honey, goods.comb):
        assert client.get(f"/products/{product.slug}").status_code == 404
        assert product.id not in found_ids(product.name)
    assert client.get(f"/products/{goods.tea.slug}").status_code == 200
    assert [e.action for e in history("seller", goods.shop.seller.id)][-1] == "suspend"


def test_a_warning_goes_to_the_owner_with_its_reason(goods, shopper, staff):
    complaint = report(goods, shopper)
    services.decide(staff, complaint.id, "seller_warned", "Mô tả phải đúng khối lượng.")
    warning = [n for n in notices_of(goods.shop.owner) if n.subject.startswith(("A warning", "Cảnh báo"))]
    assert warning and "Mô tả phải đúng khối lượng." in warning[0].body
    assert db.session.get(Seller, goods.shop.seller.id).status == "approved"


def test_a_refund_owed_is_for_an_order_problem_and_central_staff_are_told(goods, shopper, staff, central):
    provincial = builders.make_user("lamdong@example.vn", role="staff", province="Lâm Đồng")
    with pytest.raises(DomainError) as caught:
        services.decide(staff, report(goods, shopper).id, "refund_owed", "Hoàn tiền")
    assert caught.value.field == "decision"
    order, part = delivered(goods, shopper)
    complaint = services.report_order_problem(shopper, part.id, "damaged", "Hũ vỡ")
    services.decide(provincial, complaint.id, "refund_owed", "Hàng vỡ khi giao, người bán nhận lỗi.")
    for user in (staff, central):
        refund = [n for n in notices_of(user) if order.number in n.subject]
        assert refund and refund[0].link == f"/staff/orders/{part.id}"
    assert not [n for n in notices_of(provincial) if order.number in n.subject]
    assert [e.action for e in history("order", order.id)][-1] == "complaint_refund_due"


# --- staff scope and the list -------------------------------------------------------------------

def test_provincial_staff_see_only_their_provinces_complaints(goods, shopper, staff, client_for):
    hanoi_owner, _hanoi = builders.approved_seller(staff, "hn@example.vn", province="Hà Nội")
    hanoi_product = builders.make_product(hanoi_owner, name="Cốm làng Vòng")
    ours = report(goods, shopper)
    theirs = services.report_product(shopper, hanoi_product.id, "other", "Hết hạn", None)
    builders.make_user("hanoi-staff@example.vn", role="staff", province="Hà Nội")
    client = client_for("hanoi-staff@example.vn")
    listing = client.get("/staff/complaints").get_data(as_text=True)
    assert f"/staff/complaints/{theirs.id}" in listing and f"/staff/complaints/{ours.id}" not in listing
    assert client.get(f"/staff/complaints/{ours.id}").status_code == 404
    with pytest.raises(services.ComplaintNotFound):
        services.decide(find_user_by_email("hanoi-staff@example.vn"), ours.id, "dismiss", "Không thuộc tỉnh")
    central_listing = client_for(staff.email).get("/staff/complaints").get_data(as_text=True)
    assert f"/staff/complaints/{ours.id}" in central_listing and f"/staff/complaints/{theirs.id}" in central_listing


def test_the_staff_list_filters_by_status_and_pages(goods, shopper, staff, client_for, monkeypatch):
    monkeypatch.setattr(services, "PER_PAGE", 2)
    made = [services.report_product(None, goods.honey.id, "other", f"Lần {n}", f"k{n}@example.vn")
            for n in range(3)]
    services.answer(goods.shop.owner, made[0].id, "Đã xử lý")
    client = client_for(staff.email)
    answered = client.get("/staff/complaints?status=answered").get_data(as_text=True)
    assert f"/staff/complaints/{made[0].id}\"" in answered and f"/staff/complaints/{made[1].id}\"" not in answered
    first = client.get("/staff/complaints").get_data(as_text=True)
    second = client.get("/staff/complaints?page=2").get_data(as_text=True)
    shown = [c.id for c in made if f"/staff/complaints/{c.id}\"" in first + second]
    assert sorted(shown) == sorted(c.id for c in made)
    assert "page=2" in first


# --- hostile input ------------------------------------------------------------------------------

def test_hostile_parameters_give_400_or_404_never_500(goods, shopper, staff, client_for, client):
    complaint = report(goods, shopper)
    staff_client = client_for(staff.email)
    for url in ("/staff/complaints?status=bogus", "/staff/complaints/99999999999999999999",
                "/staff/complaints/abc", f"/staff/complaints/{complaint.id}/photos/1"):
        assert staff_client.get(url).status_code == 404, url
    for url in ("/staff/complaints?page=²", "/staff/complaints?page=-1", "/staff/complaints?overdue=%00",
                "/staff/complaints?page=999999999"):
        assert staff_client.get(url).status_code == 200, url
    for url in ("/complaints/short", "/complaints/" + "A" * 40, "/complaints/%00" + "a" * 30,
                "/account/complaints/1", "/orders/xyz/parts/1/problem",
                f"/orders/xyz/parts/{'9' * 30}/problem", "/sell/complaints/1", "/orders/%C2%B2/parts/1/problem",
                "/complaints/" + "²" * 20, f"/complaints/{'²' * 20}/photos/1"):
        assert client.get(url).status_code in (302, 404), url
    order, part = delivered(goods, shopper)
    assert client.get(f"/orders/{'²' * 20}/parts/{part.id}/problem").status_code == 404
    url = f"/staff/complaints/{complaint.id}"
    for data in ({"decision": "explode", "reason": "x"}, {"decision": "product_taken_down", "reason": "x",
                                                          "product_id": "abc"},
                 {"decision": "dismiss", "reason": "x\x00y"}):
        response = post_form(staff_client, url, data)
        assert response.status_code == 200, data
    assert fresh_complaint(complaint.id).status == "open"
    seller = client_for(goods.shop.owner.email)
    assert post_form(seller, f"/sell/complaints/{complaint.id}", {"text": "a\x00b"}).status_code == 200
    assert seller.get("/sell/complaints?page=x").status_code == 200
