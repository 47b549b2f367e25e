"""Emails worth reading (issue 12, item 8): each email in HTML and plain text, in the
recipient's language, inside the layout; the order confirmation, a seller's new order,
an applicant's "received" and decision, the staff's daily digest; the VietQR code as a PNG."""
import re
from datetime import timedelta

import pytest

from market.core.clock import utcnow
from market.core.emails import render_email
from market.core.i18n import format_money
from market.core.mail import outbox
from market.extensions import db
from market.orders import services as orders
from market.orders.models import Order
from market.orders.notices import new_order_for_seller_email, order_placed_email
from tests.builders import make_product, make_user, place, reload

TAG = re.compile(r"<[a-zA-Z/!][^>]*>")


def html_text(html: str) -> str:
    """The HTML's words, tags gone (entities left: the tests compare escaped text)."""
    return re.sub(r"[ \t\r\n]+", " ", TAG.sub(" ", html)).strip()  # no-break spaces kept (money)


def money(amount: int, locale: str) -> str:
    from flask_babel import force_locale

    with force_locale(locale):
        return format_money(amount)


def the_part(order, seller):
    return next(part for part in order.seller_orders if part.seller_id == seller.id)


# --- the layout -----------------------------------------------------------------------------------

@pytest.mark.parametrize("locale, name, footer", [
    ("en", "Women's Cooperative Market", "how to reach us"),
    ("vi", None, None),
])
def test_the_layout_carries_the_name_the_footer_and_the_language(app, locale, name, footer):
    with app.test_request_context("/", headers={"Accept-Language": "vi" if locale == "en" else "en"}):
        email = render_email("notice", locale, "Hello <b>", body="One\n\nTwo & <script>x</script>", link=None)
    assert f'<html lang="{locale}">' in email.html
    assert "http://localhost/pages/contact" in email.html and "http://localhost/pages/contact" in email.text
    if name:
        assert name in email.html and email.text.startswith(name)
        assert footer in email.html
    assert "<script>x" not in email.html and "&lt;script&gt;x" in email.html
    assert "Hello &lt;b&gt;" in email.html and email.subject == "Hello <b>"
    assert "<script>x</script>" in email.text and not TAG.search(email.text.replace("<script>x</script>", "").replace("<b>", ""))
    assert "\n\n\n" not in email.text and email.text.endswith("\n") and not email.text.endswith("\n\n")


# --- the order confirmation -----------------------------------------------------------------------

def test_the_bank_transfer_confirmation_lists_everything_needed_to_pay_in_english(app, goods):
    order = place((goods.honey, 2), (goods.tea, 1), payment_method="bank_transfer", email="mai@example.vn")
    [row] = outbox("mai@example.vn")
    assert row.subject == f"Order {order.number} received"
    assert row.body and row.html_body and "<html" in row.html_body  # the outbox row holds both bodies
    text, html = row.body, html_text(row.html_body)
    honey, tea = the_part(order, goods.shop.seller), the_part(order, goods.rival.seller)
    for body in (text, html):
        # Lines per seller: name, quantity, unit price, line total; shipping and subtotal per seller.
        assert "HTX Mật ong Hưng Yên" in body and "HTX Chè Tân Cương" in body
        assert "Mật ong hoa nhãn" in body and "₫150,000" in body and "₫300,000" in body
        assert "Trà Tân Cương" in body and "₫90,000" in body
        assert money(honey.shipping_vnd, "en") in body and money(honey.subtotal_vnd, "en") in body
        assert money(tea.subtotal_vnd, "en") in body
        assert money(order.items_total_vnd, "en") in body and money(order.total_vnd, "en") in body
        # The delivery address, the shopper's name and phone, her note.
        assert "Nguyễn Thị Mai" in body and "0912 345 678" in body and "12 Hàng Bạc" in body
        assert "Xã Phú Nghĩa" in body and "Hanoi" in body and "Giao giờ hành chính" in body
        # The payment method and the transfer's details.
        assert "Bank transfer (VietQR)" in body
        assert "Vietcombank" in body and "0011004455667" in body and "HOI LIEN HIEP PHU NU VIET NAM" in body
        assert "Transfer note" in body and order.number in body
        assert f"Amount {money(order.amount_due_vnd, 'en')}" in body.replace(":", "")
        assert "Pay before" in body and "(Vietnam time)" in body
    # The deadline is local time, in English: 24 hours after placing, in Vietnam (UTC+7).
    expires = order.payment_expires_at.replace(tzinfo=None) + timedelta(hours=7)
    assert f"{expires:%B} {expires.day}, {expires.year}" in text
    # The QR code as a PNG by URL (no SVG, no data: URI); the text carries the same URL.
    qr_url = f"http://localhost/orders/{order.token}/vietqr.png"
    assert f'src="{qr_url}"' in row.html_body and qr_url in text
    assert "<svg" not in row.html_body and "data:" not in row.html_body
    assert f"http://localhost/orders/{order.token}" in text and "<script" not in row.html_body
    assert not TAG.search(text)


def test_the_confirmation_is_written_in_the_shoppers_language(app, goods):
    order = place((goods.honey, 1), payment_method="bank_transfer", email="mai@example.vn", locale="vi")
    [row] = outbox("mai@example.vn")
    assert '<html lang="vi">' in row.html_body
    for body in (row.body, html_text(row.html_body)):
        assert money(150_000, "vi") in body and money(order.total_vnd, "vi") in body
        assert "Hà Nội" in body and "Vietcombank" in body and order.number in body
        assert "tháng" in body  # the deadline as Vietnamese write a date
    assert "₫150,000" not in row.body and "Pay before" not in row.body


def test_cash_on_delivery_has_no_transfer_and_says_how_to_pay(app, goods):
    order = place((goods.honey, 1), payment_method="cod", email="mai@example.vn")
    [row] = outbox("mai@example.vn")
    assert "Cash on delivery (COD)" in row.body and "in cash" in row.body
    assert "vietqr.png" not in row.html_body and "Transfer note" not in row.body
    assert order.number in row.subject


def test_a_signed_in_shopper_gets_one_rich_email_and_a_short_message(app, goods):
    from market.accounts.models import Notification

    shopper = make_user("thu@example.vn")
    shopper.locale = "en"
    order = place((goods.honey, 1), user=shopper, email="thu@example.vn", payment_method="bank_transfer")
    [row] = outbox("thu@example.vn")
    assert "0011004455667" in row.body and "Mật ong hoa nhãn" in row.body
    note = db.session.scalars(db.select(Notification).where(Notification.user_id == shopper.id)).one()
    assert note.link == f"/orders/{order.token}" and "0011004455667" not in note.body
    assert note.subject == row.subject


# --- the VietQR code as a PNG ------------------------------------------------------------------------

def test_the_vietqr_png_is_served_for_the_right_token_only(app, client, goods):
    import io

    import segno

    from market.payments.vietqr import build_payload

    order = place((goods.honey, 2), payment_method="bank_transfer")
    response = client.get(f"/orders/{order.token}/vietqr.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.data.startswith(b"\x89PNG\r\n\x1a\n")
    # The code of this order's amount and number, nothing else.
    expected = io.BytesIO()
    payload = build_payload(app.config["VIETQR_BANK_BIN"], app.config["VIETQR_ACCOUNT_NUMBER"],
                            order.amount_due_vnd, order.number)
    segno.make_qr(payload, error="m").save(expected, kind="png", scale=5, border=4)
    assert response.data == expected.getvalue()
    assert client.get(f"/orders/{order.token[:-2]}xx/vietqr.png").status_code == 404
    assert client.get("/orders/nope/vietqr.png").status_code == 404
    # Nothing to transfer: cash on delivery, or once paid.
    cod = place((goods.honey, 1), payment_method="cod")
    assert client.get(f"/orders/{cod.token}/vietqr.png").status_code == 404
    orders.record_payment(reload(order), None, "FT123")
    assert client.get(f"/orders/{order.token}/vietqr.png").status_code == 404


# --- user text is never markup ----------------------------------------------------------------------

def test_names_with_markup_are_escaped_in_html_and_plain_in_text(app, staff, goods):
    from tests.builders import approved_seller

    owner, seller = approved_seller(staff, "xss@example.vn", name="HTX <script>alert(1)</script>")
    product = make_product(owner, name="Ong <img src=x onerror=alert(2)>", price_vnd=100_000, stock=5)
    order = place((product, 1), email="mai@example.vn", note="<b>giao sớm</b>")
    [row] = outbox("mai@example.vn")
    assert "<script>" not in row.html_body and "<img src=x" not in row.html_body and "<b>giao" not in row.html_body
    assert "HTX &lt;script&gt;alert(1)&lt;/script&gt;" in row.html_body
    assert "Ong &lt;img src=x onerror=alert(2)&gt;" in row.html_body
    assert "HTX <script>alert(1)</script>" in row.body and "Ong <img src=x onerror=alert(2)>" in row.body
    [to_seller] = [e for e in outbox("xss@example.vn") if order.number in e.subject]
    assert "<script>" not in to_seller.html_body and "&lt;script&gt;" in to_seller.html_body
    assert "<b>giao" not in to_seller.html_body and "&lt;b&gt;giao sớm" in to_seller.html_body


# --- the seller's new order ------------------------------------------------------------------------

def test_each_member_gets_the_lines_to_prepare_and_where_to_ship(app, goods):
    from tests.builders import add_member

    add_member(goods.shop.owner, "nga@example.vn")
    order = place((goods.honey, 3), (goods.comb, 1), (goods.tea, 1), payment_method="cod")
    part = the_part(order, goods.shop.seller)
    for address in ("hoa@example.vn", "nga@example.vn"):
        [row] = [e for e in outbox(address) if order.number in e.subject]
        for body in (row.body, html_text(row.html_body)):
            assert "Mật ong hoa nhãn" in body and "Mật ong sáp" in body and "jar" in body
            assert "Trà Tân Cương" not in body  # another seller's line
            assert "Nguyễn Thị Mai" in body and "0912 345 678" in body and "12 Hàng Bạc" in body
            assert "Xã Phú Nghĩa" in body and "Giao giờ hành chính" in body
        assert "- 3 jar × Mật ong hoa nhãn" in row.body and "- 1 jar × Mật ong sáp" in row.body
        assert f"http://localhost/sell/orders/{part.id}" in row.body
        assert f'href="http://localhost/sell/orders/{part.id}"' in row.html_body
        assert money(part.subtotal_vnd, "vi") in row.body  # members read Vietnamese: collect X on delivery
        assert not TAG.search(row.body)


def test_the_seller_of_a_paid_transfer_is_told_to_collect_nothing(app, goods):
    order = place((goods.honey, 1), payment_method="bank_transfer", email="mai@example.vn")
    assert not [e for e in outbox("hoa@example.vn") if order.number in e.subject]  # not before the money
    goods.shop.owner.locale = "en"
    db.session.commit()
    orders.record_payment(reload(order), None, "FT123")
    [row] = [e for e in outbox("hoa@example.vn") if order.number in e.subject]
    assert "collect nothing" in row.body and "Bank transfer (VietQR)" in row.body
    assert "Collect" not in row.body


def test_the_seller_of_cash_on_delivery_collects_the_parts_total_in_english(app, goods):
    goods.shop.owner.locale = "en"
    db.session.commit()
    order = place((goods.honey, 2), payment_method="cod")
    part = the_part(order, goods.shop.seller)
    [row] = [e for e in outbox("hoa@example.vn") if order.number in e.subject]
    assert f"Collect {money(part.subtotal_vnd, 'en')} in cash on delivery." in row.body
    assert "- 2 jar × Mật ong hoa nhãn" in row.body
    assert "Hanoi" in row.body and '<html lang="en">' in row.html_body


# --- applicants -------------------------------------------------------------------------------------

def applicant(email="hoa@example.vn", locale="en"):
    user = make_user(email)
    user.locale = locale
    db.session.commit()
    return user


def test_the_applicant_hears_her_application_arrived(app, categories):
    from market.sellers import services as sellers
    from tests.builders import application, make_seller

    owner = applicant()
    make_seller(owner, "draft", name="HTX <Sen> Hồng")
    assert outbox("hoa@example.vn") == []  # a draft is not an application yet
    sellers.save_application(owner, application(name="HTX <Sen> Hồng", accepts_terms=True), submit=True)
    [row] = outbox("hoa@example.vn")
    assert row.subject == "Application received: HTX <Sen> Hồng"
    assert "received the application of “HTX <Sen> Hồng”" in row.body and "What happens now" in row.body
    assert "Union staff of Lam Dong" in row.body or "Union staff of Lâm Đồng" in row.body
    assert "http://localhost/sell\n" in row.body and 'href="http://localhost/sell"' in row.html_body
    assert "HTX &lt;Sen&gt; Hồng" in row.html_body and "<Sen>" not in row.html_body
    assert not TAG.search(row.body.replace("<Sen>", ""))


@pytest.mark.parametrize("action, status, reason, next_step, link", [
    ("approve", "pending", None, "Add your first product", "http://localhost/sell/products/new"),
    ("request_changes", "pending", "Ảnh giấy phép bị mờ.", "Edit the application", "http://localhost/sell/apply"),
    ("reject", "pending", "Không phải hợp tác xã do phụ nữ làm chủ.", "Contact the union",
     "http://localhost/pages/contact"),
    ("suspend", "approved", "Bán hàng giả.", "Contact the union", "http://localhost/pages/contact"),
    ("reinstate", "suspended", None, "Your products", "http://localhost/sell/products"),
])
def test_the_decision_email_gives_the_reason_and_what_next(app, categories, staff, action, status, reason,
                                                           next_step, link):
    from tests.builders import make_seller
    from market.sellers import services as sellers

    owner = applicant()
    seller = make_seller(owner, status, name="HTX Sen Hồng", staff=staff, reason="Lý do cũ.")
    before = len(outbox("hoa@example.vn"))
    sellers.decide(staff, seller.id, action, reason)
    rows = outbox("hoa@example.vn")
    assert len(rows) == before + 1  # one email: the rich one, not the notice as well
    row = rows[-1]
    assert row.subject.startswith("Decision on your seller")
    assert "HTX Sen Hồng" in row.body and "What next" in row.body and next_step in row.body
    if reason:
        assert reason in row.body and reason in row.html_body
    assert f"{link}\n" in row.body and f'href="{link}"' in row.html_body
    assert "http://localhost/sell\n" in row.body
    assert not TAG.search(row.body)


def test_the_decision_email_is_in_the_applicants_language(app, categories, staff):
    from tests.builders import make_seller
    from market.sellers import services as sellers

    owner = applicant(locale="vi")
    seller = make_seller(owner, "pending", name="HTX Sen Hồng", staff=staff)
    sellers.decide(staff, seller.id, "request_changes", "Ảnh mờ.")
    row = outbox("hoa@example.vn")[-1]
    assert '<html lang="vi">' in row.html_body and "Ảnh mờ." in row.body
    assert "What next" not in row.body and "http://localhost/sell/apply" in row.body


# --- the staff's daily digest -----------------------------------------------------------------------

def staff_member(email, province=None, locale="en"):
    user = make_user(email, role="staff", province=province)
    user.locale = locale
    db.session.commit()
    return user


def complaint_about(product, now, answer_due, decision_due):
    """A product report, straight into the table (the complaints' own rules are tested there)."""
    import secrets

    from market.complaints.models import Complaint

    complaint = Complaint(token=secrets.token_urlsafe(24), kind="product", reason="fake", body="Hàng giả",
                          product_id=product.id, seller_id=product.seller_id, created_at=now - timedelta(days=3),
                          answer_due_at=answer_due, decision_due_at=decision_due)
    db.session.add(complaint)
    db.session.commit()
    return complaint


def test_no_digest_when_nothing_waits(app, staff, runner):
    from market.staff.digest import send_digests

    staff_member("lamdong@example.vn", "Lâm Đồng")
    assert send_digests() == 0
    result = runner.invoke(args=["staff", "digest"])
    assert result.exit_code == 0 and "Queued 0 digest email(s)." in result.output
    assert outbox() == []


def test_the_digest_tells_each_staff_member_what_waits_in_her_scope(app, staff, goods, runner):
    from market.orders.models import SellerOrder
    from market.staff.digest import send_digests
    from tests.builders import make_seller

    staff.locale = "en"
    lamdong = staff_member("lamdong@example.vn", "Lâm Đồng")
    hanoi = staff_member("hanoi@example.vn", "Hà Nội")
    gone = staff_member("gone@example.vn")
    gone.deactivated_at = utcnow()
    now = utcnow()
    # A seller application waiting in Lâm Đồng; another in Hà Nội.
    waiting = make_seller(make_user("sen@example.vn"), "pending", name="HTX <Sen> Lâm Đồng")
    hanoi_waiting = make_seller(make_user("dao@example.vn"), "pending", name="HTX Đào Hà Nội", province="Hà Nội")
    # A part new for three days (goods' sellers are in Lâm Đồng), and a transfer expiring in 6 hours.
    stuck = place((goods.honey, 1), payment_method="cod")
    db.session.execute(db.update(SellerOrder).where(SellerOrder.order_id == stuck.id)
                       .values(updated_at=now - timedelta(days=3)))
    fresh_order = place((goods.tea, 1), payment_method="cod")  # new today: not stuck
    transfer = place((goods.comb, 1), payment_method="bank_transfer")
    db.session.execute(db.update(Order).where(Order.id == transfer.id)
                       .values(payment_expires_at=now + timedelta(hours=6)))
    later = place((goods.comb, 1), payment_method="bank_transfer")  # expires in 24 hours: not yet
    db.session.commit()
    # Complaints: one past its deadline, one due within the day, one far off.
    late = complaint_about(goods.honey, now, now - timedelta(hours=2), now + timedelta(days=2))
    soon = complaint_about(goods.tea, now, now + timedelta(hours=5), now + timedelta(days=3))
    far = complaint_about(goods.comb, now, now + timedelta(days=2), now + timedelta(days=5))

    result = runner.invoke(args=["staff", "digest"])
    assert result.exit_code == 0 and "Queued 3 digest email(s)." in result.output
    assert outbox("gone@example.vn") == []

    [central] = outbox("staff@example.vn")
    [provincial] = outbox("lamdong@example.vn")
    [hanoi_row] = outbox("hanoi@example.vn")
    for row in (central, provincial):
        assert row.subject == "Daily digest: what waits for the union"
        for body in (row.body, html_text(row.html_body)):
            assert stuck.number in body and transfer.number in body
            assert fresh_order.number not in body and later.number not in body
            assert "Mật ong hoa nhãn" in body and "Trà Tân Cương" in body and "Mật ong sáp" not in body
        assert f"http://localhost/staff/sellers/{waiting.id}" in row.body
        assert f'href="http://localhost/staff/sellers/{waiting.id}"' in row.html_body
        assert "past their deadline" in row.body or "past its deadline" in row.body
        assert "within a day" in row.body and "more than two days" in row.body
        assert "HTX <Sen> Lâm Đồng" in row.body and "HTX &lt;Sen&gt; Lâm Đồng" in row.html_body
        assert "<Sen>" not in row.html_body and not TAG.search(row.body.replace("<Sen>", ""))
        assert f"/staff/orders?number={stuck.number}" in row.body
        assert f"/staff/complaints/{late.id}" in row.body and f"/staff/complaints/{far.id}" not in row.body
        assert f"/staff/complaints/{soon.id}" in row.body
    # Central staff see every province; provincial staff their own.
    assert "2 applications wait for a decision." in central.body and "HTX Đào Hà Nội" in central.body
    assert "1 application waits for a decision." in provincial.body and "HTX Đào Hà Nội" not in provincial.body
    assert "in every province today" in central.body and "in Lam Dong today" in provincial.body
    # Hà Nội's staff: only their application, nothing of Lâm Đồng's.
    assert "HTX Đào Hà Nội" in hanoi_row.body and f"/staff/sellers/{hanoi_waiting.id}" in hanoi_row.body
    assert stuck.number not in hanoi_row.body and "HTX <Sen>" not in hanoi_row.body
    assert "complaint" not in hanoi_row.body.split("--")[0].lower()
    # The next day, nothing new: the same things are said again, as long as they wait.
    assert send_digests(now + timedelta(minutes=1)) == 3


def test_the_digest_is_written_in_the_staff_members_language(app, staff, categories):
    from market.staff.digest import build_digest, digest_email
    from tests.builders import make_seller

    staff.locale = "vi"
    make_seller(make_user("sen@example.vn"), "pending", name="HTX Sen")
    email = digest_email(build_digest(staff, utcnow()))
    assert '<html lang="vi">' in email.html and "HTX Sen" in email.text and "tháng" in email.text


# --- no email leaves inside a request -----------------------------------------------------------------

def test_a_request_only_queues_emails_the_outbox_sends_them_later(app, client, goods, monkeypatch):
    import smtplib

    from tests.builders import CHECKOUT
    from tests.conftest import csrf_token_from, post_form

    def no_smtp(*args, **kwargs):
        raise AssertionError("SMTP opened inside a request")

    app.config["MAIL_SERVER"] = "smtp.example.vn"
    monkeypatch.setattr(smtplib, "SMTP", no_smtp)
    monkeypatch.setattr(smtplib, "SMTP_SSL", no_smtp)
    page = client.get(f"/products/{goods.honey.slug}")
    client.post("/cart/add", data={"csrf_token": csrf_token_from(page), "product_id": goods.honey.id, "quantity": 1})
    response = post_form(client, "/checkout", {**CHECKOUT, "email": "mai@example.vn"})
    assert response.status_code == 303
    [row] = outbox("mai@example.vn")
    assert row.sent_at is None and row.attempts == 0 and row.html_body  # queued with the order, both bodies
    assert all(email.sent_at is None for email in outbox())  # the seller's too


def test_an_account_message_keeps_its_paragraphs_and_line_breaks(app):
    email = render_email("notice", "en", "Hello", body="Line one\nline two\n\nNext <i>", link="http://localhost/sell")
    assert 'white-space:pre-line">Line one\nline two</p>' in email.html and "Next &lt;i&gt;</p>" in email.html
    assert 'href="http://localhost/sell"' in email.html
    assert "Line one\nline two\n\nNext <i>\nhttp://localhost/sell\n" in email.text
