"""Verified-buyer reviews: only the shopper of a delivered part, once per line, 1–5 stars,
up to 3 photos; the seller's one reply; staff hiding with a reason (audited, the author
told) within their provinces; what product and seller pages, their JSON-LD and the order
page show; the one email asking for a review a few days after delivery."""
import io
import json
import re
from datetime import datetime, timezone

import pytest
import time_machine
from flask_babel import force_locale
from sqlalchemy import func, select

from market.accounts.models import Notification, User
from market.core.audit import AuditEntry
from market.core.domain import DomainError
from market.core.mail import outbox
from market.core.page_cache import pages
from market.extensions import db
from market.orders import services as orders
from market.orders.models import SellerOrder
from market.reviews import services
from market.reviews.models import Review
from tests import builders
from tests.builders import EN
from tests.conftest import csrf_token_from, post_form

SHOPPER = "mai@example.vn"
LD_JSON = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


# --- helpers ---------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def english(app):
    """Service messages in English, so tests can read them (pages follow their own headers)."""
    with force_locale("en"):
        yield


@pytest.fixture
def shopper(app):
    user = builders.make_user(SHOPPER, full_name="Nguyễn Thị Mai")
    user.locale = "en"
    db.session.commit()
    return user


def _owner_of(goods, part):
    return goods.shop.owner if part.seller_id == goods.shop.seller.id else goods.rival.owner


def _move_to(goods, part, status: str) -> None:
    steps = {"pending": [], "confirmed": ["confirm"], "shipped": ["confirm", "ship"],
             "delivered": ["confirm", "ship", "deliver"], "cancelled": ["cancel"]}[status]
    owner = _owner_of(goods, part)
    for step in steps:
        extra = {"ship": {"carrier": "Viettel Post", "tracking_number": "VTP1"},
                 "deliver": {"cash_collected": True}, "cancel": {"reason": "Hết hàng"}}.get(step, {})
        orders.fulfil(owner, db.session.get(SellerOrder, part.id), step, **extra)


def ordered(goods, user, *lines, status="delivered"):
    """An order of `user` (or a guest) for (product, quantity) lines, every part moved to `status`."""
    order = builders.place(*lines, user=user)
    for part in builders.reload(order).seller_orders:
        _move_to(goods, part, status)
    return builders.reload(order)


def line_of(order, product):
    return next(line for part in order.seller_orders for line in part.lines if line.product_id == product.id)


def review(user, order, product, rating=5, body="Ngon lắm", photos=()):
    return services.submit_review(user, builders.reload(order), line_of(order, product).id, rating, body, photos)


def review_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Review))


def ld_json(response) -> dict:
    return json.loads(LD_JSON.search(response.get_data(as_text=True)).group(1))


def write_url(order, product) -> str:
    return f"/orders/{order.token}/review/{line_of(order, product).id}"


def files(count, data=None):
    return [(io.BytesIO(data or builders.image_bytes((32, 32))), f"anh{index}.png") for index in range(count)]


# --- who may review what ----------------------------------------------------------------------

@pytest.mark.parametrize("status", ["pending", "confirmed", "shipped", "cancelled"])
def test_no_review_before_delivery(goods, shopper, status):
    order = ordered(goods, shopper, (goods.honey, 1), status=status)
    assert services.reviewable_lines(shopper, order) == []
    with pytest.raises(DomainError, match="delivered|once it has been"):
        review(shopper, order, goods.honey)
    assert review_count() == 0


def test_only_delivered_parts_are_reviewable(goods, shopper):
    order = builders.place((goods.honey, 1), (goods.tea, 1), user=shopper)
    honey_part = next(part for part in order.seller_orders if part.seller_id == goods.shop.seller.id)
    _move_to(goods, honey_part, "delivered")
    order = builders.reload(order)
    assert [line.product_id for line in services.reviewable_lines(shopper, order)] == [goods.honey.id]
    with pytest.raises(DomainError):
        review(shopper, order, goods.tea)


def test_not_someone_elses_order_nor_a_guests(app, goods, shopper, make_user, client_for):
    other = make_user("lan.khach@example.vn")
    order = ordered(goods, shopper, (goods.honey, 1))
    assert services.reviewable_lines(other, order) == []
    with pytest.raises(DomainError, match="Only the shopper"):
        review(other, order, goods.honey)
    assert client_for("lan.khach@example.vn").get(write_url(order, goods.honey)).status_code == 404
    guest_order = ordered(goods, None, (goods.comb, 1))
    assert services.reviewable_lines(shopper, guest_order) == []
    assert client_for(SHOPPER).get(write_url(guest_order, goods.comb)).status_code == 404
    # Signed out: asked to sign in first.
    response = app.test_client().get(write_url(order, goods.honey))
    assert response.status_code == 302 and "/account/sign-in" in response.headers["Location"]


def test_once_per_line(goods, shopper):
    order = ordered(goods, shopper, (goods.honey, 1), (goods.comb, 1))
    review(shopper, order, goods.honey)
    with pytest.raises(DomainError, match="already reviewed"):
        review(shopper, order, goods.honey)
    review(shopper, order, goods.comb, rating=3)  # another line of the same order is fine
    assert review_count() == 2
    assert services.reviewable_lines(shopper, builders.reload(order)) == []


def test_two_reviews_of_one_line_at_once_leave_one_and_no_files(app, goods, shopper, monkeypatch):
    order = ordered(goods, shopper, (goods.honey, 1))
    review(shopper, order, goods.honey)
    files_before = builders.stored_files(app)
    # The second request read "not reviewed yet" before the first committed.
    monkeypatch.setattr(services, "_reviewed_line_ids", lambda ids: set())
    with pytest.raises(DomainError, match="already reviewed"):
        review(shopper, order, goods.honey, photos=[builders.photo()])
    assert review_count() == 1
    assert builders.stored_files(app) == files_before


@pytest.mark.parametrize("rating", ["²", "-1", "0", "6", "9" * 40, "", "4.5", "٣", " 5x", None])
def test_hostile_ratings_are_refused(goods, shopper, rating):
    order = ordered(goods, shopper, (goods.honey, 1))
    with pytest.raises(DomainError, match="1 to 5"):
        review(shopper, order, goods.honey, rating=rating)
    assert review_count() == 0


@pytest.mark.parametrize("rating", ["²", "-1", "6", "9" * 40, ""])
def test_the_form_refuses_hostile_ratings(goods, shopper, client_for, rating):
    order = ordered(goods, shopper, (goods.honey, 1))
    client = client_for(SHOPPER)
    url = write_url(order, goods.honey)
    response = post_form(client, url, {"rating": rating, "body": "x"}, headers=EN)
    assert response.status_code == 400
    assert "Choose a rating from 1 to 5 stars." in response.get_data(as_text=True)
    assert review_count() == 0


def test_text_is_short(goods, shopper):
    order = ordered(goods, shopper, (goods.honey, 1))
    with pytest.raises(DomainError, match="2000"):
        review(shopper, order, goods.honey, body="a" * 2001)
    review(shopper, order, goods.honey, body="a" * 2000)


def test_up_to_three_photos_checked_and_reencoded(app, goods, shopper, client_for):
    order = ordered(goods, shopper, (goods.honey, 1), (goods.comb, 1))
    client = client_for(SHOPPER)
    response = post_form(client, write_url(order, goods.honey), {"rating": "5", "photos": files(4)}, headers=EN)
    assert response.status_code == 400 and "At most 3 photos." in response.get_data(as_text=True)
    response = post_form(client, write_url(order, goods.honey),
                         {"rating": "4", "photos": files(1, builders.fake_jpeg())}, headers=EN)
    assert response.status_code == 400 and "not a JPEG, PNG or WebP image" in response.get_data(as_text=True)
    assert review_count() == 0
    before = builders.stored_files(app)
    assert not any(name.startswith(services.PHOTO_AREA) for name in before)
    response = post_form(client, write_url(order, goods.honey), {"rating": "4", "body": "Thơm", "photos": files(3)})
    assert response.status_code == 302
    saved = db.session.scalar(select(Review))
    assert [photo.position for photo in saved.photos] == [0, 1, 2]
    stored = {name for name in builders.stored_files(app) if name.startswith(services.PHOTO_AREA)}
    assert len(stored) == 6 and all(name.endswith((".webp",)) for name in stored)  # thumb and large, WebP
    # Served while the review shows.
    photo = client.get(f"/media/reviews/{saved.photos[0].stored_name}-thumb.webp")
    assert photo.status_code == 200 and photo.mimetype == "image/webp"
    assert client.get("/media/reviews/nothing-thumb.webp").status_code == 404


# --- the review form from the order page -------------------------------------------------------

def test_order_page_asks_for_reviews_of_delivered_lines(goods, shopper, client_for):
    order = builders.place((goods.honey, 1), (goods.tea, 1), user=shopper)
    honey_part = next(part for part in order.seller_orders if part.seller_id == goods.shop.seller.id)
    client = client_for(SHOPPER)
    assert "Write a review" not in client.get(f"/orders/{order.token}", headers=EN).get_data(as_text=True)
    _move_to(goods, honey_part, "delivered")
    order = builders.reload(order)
    page = client.get(f"/orders/{order.token}", headers=EN).get_data(as_text=True)
    assert page.count("Write a review") == 1 and write_url(order, goods.honey) in page
    form = client.get(write_url(order, goods.honey), headers=EN)
    assert form.status_code == 200 and "Review Mật ong hoa nhãn" in form.get_data(as_text=True)
    response = post_form(client, write_url(order, goods.honey), {"rating": "5", "body": "Rất ngon"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/orders/{order.token}")
    assert "Write a review" not in client.get(f"/orders/{order.token}", headers=EN).get_data(as_text=True)
    # The form again: already reviewed, back to the order with a message.
    again = client.get(write_url(order, goods.honey), headers=EN)
    assert again.status_code == 302
    # A post without the CSRF token is refused.
    assert client.post(write_url(order, goods.honey), data={"rating": "5"}).status_code == 400


def test_the_seller_is_told_of_a_new_review(goods, shopper):
    order = ordered(goods, shopper, (goods.honey, 1))
    review(shopper, order, goods.honey, rating=2)
    notes = db.session.scalars(select(Notification).where(Notification.user_id == goods.shop.owner.id)).all()
    assert any(note.link == "/sell/reviews" for note in notes)


# --- the seller's reply ----------------------------------------------------------------------

def test_a_member_replies_once_and_the_author_is_told(goods, shopper, client_for):
    order = ordered(goods, shopper, (goods.honey, 1))
    written = review(shopper, order, goods.honey, rating=3)
    client = client_for("hoa@example.vn")
    desk = client.get("/sell/reviews", headers=EN).get_data(as_text=True)
    assert "Ngon lắm" in desk and f"/sell/reviews/{written.id}/reply" in desk
    response = post_form(client, f"/sell/reviews/{written.id}/reply", {"text": "Cảm ơn chị!"}, form_url="/sell/reviews")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Review, written.id).reply_body == "Cảm ơn chị!"
    assert db.session.scalar(select(Notification).where(Notification.user_id == shopper.id,
                                                        Notification.subject.contains("replied")))
    with force_locale("en"), pytest.raises(DomainError, match="already replied"):
        services.reply(goods.shop.owner, written.id, "Lần hai")
    desk = client.get("/sell/reviews", headers=EN).get_data(as_text=True)
    assert f"/sell/reviews/{written.id}/reply" not in desk
    post_form(client, f"/sell/reviews/{written.id}/reply", {"text": "Lần hai"}, form_url="/sell/reviews")
    db.session.expire_all()
    assert db.session.get(Review, written.id).reply_body == "Cảm ơn chị!"


def test_only_the_sellers_members_reply(goods, shopper, client_for):
    order = ordered(goods, shopper, (goods.honey, 1))
    written = review(shopper, order, goods.honey)
    with pytest.raises(DomainError, match="not one of your shop"):
        services.reply(goods.rival.owner, written.id, "Không phải của tôi")
    rival = client_for("lan@example.vn")
    response = post_form(rival, f"/sell/reviews/{written.id}/reply", {"text": "x"}, form_url="/sell/reviews")
    assert response.status_code == 404
    with force_locale("en"), pytest.raises(DomainError, match="Write your reply"):
        services.reply(goods.shop.owner, written.id, "   ")
    db.session.expire_all()
    assert db.session.get(Review, written.id).reply_body is None


# --- staff -----------------------------------------------------------------------------------

def test_staff_hide_with_a_reason_audited_and_the_author_told(goods, shopper, staff, client_for):
    order = ordered(goods, shopper, (goods.honey, 1))
    written = review(shopper, order, goods.honey, rating=1, body="Số điện thoại 0912...")
    with pytest.raises(DomainError, match="reason"):
        services.hide(staff, written.id, "  ")
    client = client_for("staff@example.vn")
    listing = client.get("/staff/reviews?sort=lowest", headers=EN)
    assert listing.status_code == 200 and "Số điện thoại" in listing.get_data(as_text=True)
    response = post_form(client, f"/staff/reviews/{written.id}/hide", {"reason": ""}, form_url="/staff/reviews")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Review, written.id).hidden_at is None
    response = post_form(client, f"/staff/reviews/{written.id}/hide",
                         {"reason": "Personal data in the text", "back": "https://evil.example/"},
                         form_url="/staff/reviews")
    assert response.status_code == 302 and response.headers["Location"] == "/staff/reviews"
    db.session.expire_all()
    hidden = db.session.get(Review, written.id)
    assert hidden.hidden_at is not None and hidden.hidden_reason == "Personal data in the text"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.subject_type == "review"))
    assert (entry.action, entry.actor_id, entry.reason) == ("review_hidden", staff.id, "Personal data in the text")
    told = db.session.scalar(select(Notification).where(Notification.user_id == shopper.id,
                                                        Notification.subject.contains("hidden")))
    assert told.subject == "Your review of Mật ong hoa nhãn was hidden"  # her language: English
    assert "Personal data in the text" in told.body
    assert any("was hidden" in email.subject for email in outbox(SHOPPER))
    with force_locale("en"), pytest.raises(DomainError, match="already hidden"):
        services.hide(staff, written.id, "again")
    assert "Personal data" in client.get("/staff/reviews?show=hidden", headers=EN).get_data(as_text=True)
    assert "Số điện thoại" not in client.get("/staff/reviews?show=visible", headers=EN).get_data(as_text=True)
    assert client.get("/staff/reviews?show=nonsense").status_code == 404
    # Shown again.
    post_form(client, f"/staff/reviews/{written.id}/unhide", {}, form_url="/staff/reviews")
    db.session.expire_all()
    assert db.session.get(Review, written.id).hidden_at is None
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "review_shown"))


def test_a_hidden_review_is_gone_from_averages_pages_and_json_ld(goods, shopper, staff, client):
    order = ordered(goods, shopper, (goods.honey, 1), (goods.comb, 1))
    kept = review(shopper, order, goods.honey, rating=5, body="Tuyệt vời")
    hidden = review(shopper, ordered(goods, shopper, (goods.honey, 1)), goods.honey, rating=1,
                    body="Quảng cáo", photos=[builders.photo()])
    assert services.summary(goods.honey.id).count == 2
    services.hide(staff, hidden.id, "Advertising")
    numbers = services.summary(goods.honey.id)
    assert (numbers.count, numbers.average) == (1, 5)
    page = client.get(f"/products/{goods.honey.slug}", headers=EN)
    text = page.get_data(as_text=True)
    assert "Tuyệt vời" in text and "Quảng cáo" not in text
    data = ld_json(page)
    assert data["aggregateRating"]["reviewCount"] == 1
    assert [item["reviewBody"] for item in data["review"]] == ["Tuyệt vời"]
    assert "Quảng cáo" not in client.get(f"/sellers/{goods.shop.seller.slug}").get_data(as_text=True)
    assert services.seller_summary(goods.shop.seller.id).count == 1
    # A hidden review's photos are for staff only.
    name = f"{hidden.photos[0].stored_name}-thumb.webp"
    assert client.get(f"/media/reviews/{name}").status_code == 404
    assert kept.id


def test_provincial_staff_only_their_provinces_sellers(goods, shopper, make_user, client_for):
    # Both sellers are in Lâm Đồng; Hà Nội's staff see neither.
    order = ordered(goods, shopper, (goods.honey, 1))
    written = review(shopper, order, goods.honey, body="Trong tỉnh")
    hanoi = make_user("hanoi@example.vn", role="staff", province="Hà Nội")
    lamdong = make_user("lamdong@example.vn", role="staff", province="Lâm Đồng")
    with pytest.raises(DomainError, match="province"):
        services.hide(hanoi, written.id, "Không phù hợp")
    assert services.staff_reviews(hanoi).total == 0
    client = client_for("hanoi@example.vn")
    assert "Trong tỉnh" not in client.get("/staff/reviews").get_data(as_text=True)
    token = csrf_token_from(client.get("/staff/reviews"))
    response = client.post(f"/staff/reviews/{written.id}/hide", data={"csrf_token": token, "reason": "x"})
    assert response.status_code == 404
    services.hide(lamdong, written.id, "Không phù hợp")
    assert services.staff_reviews(lamdong, "hidden").total == 1


# --- what pages show ---------------------------------------------------------------------------

def test_summary_numbers(goods, shopper):
    for rating in (5, 4, 4):
        review(shopper, ordered(goods, shopper, (goods.honey, 1)), goods.honey, rating=rating)
    numbers = services.summary(goods.honey.id)
    assert str(numbers.average) == "4.3" and numbers.count == 3 and numbers.stars_shown == 4
    assert numbers.distribution == [(5, 1, 33), (4, 2, 67), (3, 0, 0), (2, 0, 0), (1, 0, 0)]
    empty = services.summary(goods.tea.id)
    assert (empty.average, empty.count) == (None, 0)
    review(shopper, ordered(goods, shopper, (goods.tea, 1)), goods.tea, rating=2)
    assert services.seller_summary(goods.shop.seller.id).count == 3
    assert services.seller_summary(goods.rival.seller.id).count == 1


def test_author_shown_as_given_name_and_initial_or_deleted(goods, shopper):
    written = review(shopper, ordered(goods, shopper, (goods.honey, 1)), goods.honey)
    assert services.author_name(written) == "Mai N."
    shopper.full_name = "Lan"
    assert services.author_name(written) == "Lan"
    shopper.deleted_at = datetime.now(timezone.utc)
    assert services.author_name(written) == "Deleted account"
    db.session.rollback()


def test_product_page_reviews_paginated_newest_first_without_n_plus_1(goods, shopper, client):
    product = builders.make_product(goods.shop.owner, name="Mật ong rừng", stock=30)
    with time_machine.travel("2026-03-01 08:00 +0000", tick=True) as traveller:
        for number in range(12):
            order = ordered(goods, shopper, (product, 1))
            review(shopper, order, product, rating=1 + number % 5, body=f"Lần mua số {number}",
                   photos=[builders.photo()] if number % 2 else [])
            traveller.shift(3600)
    first = client.get(f"/products/{product.slug}", headers=EN).get_data(as_text=True)
    assert "Lần mua số 11" in first and "Lần mua số 2<" in first and "Lần mua số 1<" not in first
    assert first.index("Lần mua số 11") < first.index("Lần mua số 10")
    assert "Verified purchase" in first and "Mai N." in first and "12 reviews" in first
    assert "reviews_page=2" in first
    second = client.get(f"/products/{product.slug}?reviews_page=2", headers=EN).get_data(as_text=True)
    assert "Lần mua số 1<" in second and "Lần mua số 0<" in second and "Lần mua số 11" not in second
    assert client.get(f"/products/{product.slug}?reviews_page=²").status_code == 200
    # Photos and authors are loaded with the page, not one query per review.
    db.session.expire_all()
    with builders.counted_queries() as many:
        client.get(f"/products/{product.slug}")
    other = builders.make_product(goods.shop.owner, name="Mật ong bạc hà", stock=5)
    review(shopper, ordered(goods, shopper, (other, 1)), other, photos=[builders.photo()])
    db.session.expire_all()
    with builders.counted_queries() as one:
        client.get(f"/products/{other.slug}")
    assert len(many) == len(one)


def test_seller_page_shows_reviews_and_replies(goods, shopper, client):
    written = review(shopper, ordered(goods, shopper, (goods.honey, 1)), goods.honey, rating=4, body="Đóng gói kỹ")
    services.reply(goods.shop.owner, written.id, "Cảm ơn chị đã ủng hộ")
    page = client.get(f"/sellers/{goods.shop.seller.slug}", headers=EN).get_data(as_text=True)
    assert "Đóng gói kỹ" in page and "Cảm ơn chị đã ủng hộ" in page and "Mật ong hoa nhãn" in page
    assert "1 review" in page


def test_json_ld_carries_the_rating_and_latest_reviews(goods, shopper, client):
    assert "aggregateRating" not in ld_json(client.get(f"/products/{goods.honey.slug}"))
    with time_machine.travel("2026-04-02 20:00 +0000"):  # 3 April in Vietnam
        review(shopper, ordered(goods, shopper, (goods.honey, 1)), goods.honey, rating=4, body="Thơm </script>")
    review(shopper, ordered(goods, shopper, (goods.honey, 1)), goods.honey, rating=5, body="")
    data = ld_json(client.get(f"/products/{goods.honey.slug}"))
    assert data["aggregateRating"] == {"@type": "AggregateRating", "ratingValue": 4.5, "reviewCount": 2,
                                       "bestRating": 5, "worstRating": 1}
    older = data["review"][1]
    assert older == {"@type": "Review", "author": {"@type": "Person", "name": "Mai N."},
                     "reviewRating": {"@type": "Rating", "ratingValue": 4, "bestRating": 5, "worstRating": 1},
                     "reviewBody": "Thơm </script>", "datePublished": "2026-04-03"}
    assert "reviewBody" not in data["review"][0]


def test_a_cached_product_page_shows_a_new_review_at_once(app, goods, shopper, client):
    app.config["PAGE_CACHE_SECONDS"] = 60
    try:
        url = f"/products/{goods.honey.slug}"
        client.get(url)
        assert client.get(url).headers.get("X-Page-Cache") == "hit"
        review(shopper, ordered(goods, shopper, (goods.honey, 1)), goods.honey, body="Mới viết")
        assert "Mới viết" in client.get(url).get_data(as_text=True)
    finally:
        app.config["PAGE_CACHE_SECONDS"] = 0
        pages.clear()


# --- the email asking for a review -------------------------------------------------------------

def test_the_ask_command_sends_once_and_only_after_n_days(app, goods, shopper, runner):
    with time_machine.travel("2026-05-01 08:00 +0000"):
        order = ordered(goods, shopper, (goods.honey, 1), (goods.tea, 1))
        ordered(goods, None, (goods.comb, 1))  # a guest: not asked
    reviewed = ordered(goods, shopper, (goods.comb, 1))
    with time_machine.travel("2026-05-03 08:00 +0000"):
        assert "0 review request(s)" in runner.invoke(args=["reviews", "ask"]).output
    assert [email for email in outbox(SHOPPER) if "How was your order" in email.subject] == []
    with time_machine.travel("2026-05-04 09:00 +0000"):
        result = runner.invoke(args=["reviews", "ask"])
        assert "2 review request(s)" in result.output  # one per delivered part (honey's seller, tea's)
        assert "0 review request(s)" in runner.invoke(args=["reviews", "ask"]).output
    asked = [email for email in outbox(SHOPPER) if "How was your order" in email.subject]
    assert len(asked) == 2 and all(order.number in email.subject for email in asked)
    body = next(email for email in asked if "Mật ong hoa nhãn" in email.body)
    assert f"http://localhost/orders/{order.token}/review/{line_of(order, goods.honey).id}" in body.body
    assert "Hello Mai," in body.body and "delivered your order" in body.body
    assert body.html_body and "Rate it" in body.html_body
    db.session.expire_all()
    assert all(part.review_asked_at is not None for part in db.session.get(type(order), order.id).seller_orders)
    assert reviewed.seller_orders[0].review_asked_at is None  # delivered today: not yet


def test_a_part_already_reviewed_is_not_asked_about(app, goods, shopper, runner):
    with time_machine.travel("2026-05-01 08:00 +0000"):
        order = ordered(goods, shopper, (goods.honey, 1))
        review(shopper, order, goods.honey)
    with time_machine.travel("2026-05-05 08:00 +0000"):
        assert "0 review request(s)" in runner.invoke(args=["reviews", "ask"]).output
    db.session.expire_all()
    assert db.session.get(SellerOrder, order.seller_orders[0].id).review_asked_at is not None


def test_a_deleted_account_is_not_asked(app, goods, shopper, runner):
    with time_machine.travel("2026-05-01 08:00 +0000"):
        ordered(goods, shopper, (goods.honey, 1))
    db.session.get(User, shopper.id).deleted_at = datetime(2026, 5, 2, tzinfo=timezone.utc)
    db.session.commit()
    with time_machine.travel("2026-05-05 08:00 +0000"):
        assert "0 review request(s)" in runner.invoke(args=["reviews", "ask"]).output

