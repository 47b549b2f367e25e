"""Help on a seller's behalf through the test client, CSRF left on: the owner's page (grant,
end, refused to others), "Help this seller" on the staff page, the staff member working in
the seller area (products, stock and price, orders) with every action audited with both
names, the pages closed to her, the banner and the way back, and the grant checked again on
every request."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from market.accounts.models import Notification
from market.catalog.models import Product
from market.core.audit import AuditEntry
from market.core.clock import utcnow
from market.extensions import db
from market.orders.models import SellerOrder
from market.sellers import helping
from market.sellers.acting import KEY
from market.sellers.models import SellerHelpGrant
from tests.builders import EN, add_member, category_id, fresh, make_product, make_user, place
from tests.conftest import csrf_token_from, post_form

TAM = "tam@example.vn"  # provincial staff of the shop's province (Lâm Đồng)


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def tam(shop):
    return make_user(TAM, role="staff", province="Lâm Đồng", full_name="Trần Thị Tâm")


@pytest.fixture
def granted(shop, tam):
    """The shop's owner let her province's staff help for 14 days."""
    return helping.grant_help(shop.owner, None, 14, utcnow())


def start_helping(client, seller_id):
    page = f"/staff/sellers/{seller_id}"
    return post_form(client, f"{page}/help", {}, form_url=page, headers=EN)


@pytest.fixture
def helper(granted, shop, client_for):
    """Tâm's browser, acting for the shop."""
    client = client_for(TAM)
    response = start_helping(client, shop.seller.id)
    assert response.status_code == 302 and response.headers["Location"] == "/sell"
    return client


def stop(client):
    return post_form(client, "/sell/acting/stop", {}, form_url="/sell", headers=EN)


def acting(client) -> bool:
    with client.session_transaction() as session:
        return KEY in session


# --- the owner's page ------------------------------------------------------------------------------

def test_the_owner_grants_and_ends_help_on_her_page(shop, tam, client_for):
    client = client_for()
    page = text(client.get("/sell/help-from-union", headers=EN))
    assert "Ask the union to help" in page and 'value="14"' in page and "Trần Thị Tâm" in page
    response = post_form(client, "/sell/help-from-union", {"helper": "province", "days": "10"}, headers=EN)
    assert response.status_code == 302
    page = text(client.get("/sell/help-from-union", headers=EN))
    assert "Help in force" in page and "the staff of the Women&#39;s Union of Lâm Đồng" in page
    assert post_form(client, "/sell/help-from-union/end", {}, form_url="/sell/help-from-union",
                     headers=EN).status_code == 302
    page = text(client.get("/sell/help-from-union", headers=EN))
    assert "Help in force" not in page and "ended by" in page


def test_the_owners_form_refuses_bad_input_without_a_crash(shop, tam, client_for):
    client = client_for()
    for data in ({"helper": "province", "days": "61"}, {"helper": "province", "days": "abc"},
                 {"helper": "999999", "days": "5"}, {"helper": "province"}):
        assert post_form(client, "/sell/help-from-union", data, headers=EN).status_code == 400
    assert db.session.scalar(select(SellerHelpGrant.id)) is None


def test_a_plain_member_a_shopper_and_staff_cannot_grant_help(shop, tam, client_for):
    add_member(shop.owner, "mai@example.vn")
    member = client_for("mai@example.vn")
    page = member.get("/sell/help-from-union")  # she reads it, without the form
    assert page.status_code == 200 and "Chỉ chủ gian hàng mới có thể đề nghị" in page.get_data(as_text=True)
    assert 'name="helper"' not in page.get_data(as_text=True)
    token = csrf_token_from(member.get("/sell"))
    assert member.post("/sell/help-from-union", data={"csrf_token": token, "helper": "province",
                                                      "days": "5"}).status_code == 403
    make_user("khach@example.vn")
    for email in ("khach@example.vn", TAM):
        response = client_for(email).get("/sell/help-from-union")
        assert response.status_code == 302 and response.headers["Location"].startswith("/sell/apply")
    assert db.session.scalar(select(SellerHelpGrant.id)) is None


# --- opening the seller area -----------------------------------------------------------------------

def test_help_this_seller_shows_only_to_covered_staff(shop, tam, staff, client_for):
    page = f"/staff/sellers/{shop.seller.id}"
    assert "Help this seller" not in text(client_for(TAM).get(page, headers=EN))
    helping.grant_help(shop.owner, None, 14, utcnow())
    assert "Help this seller" in text(client_for(TAM).get(page, headers=EN))
    central = client_for(staff.email)
    assert "Help this seller" not in text(central.get(page, headers=EN))
    # Posting anyway is refused with the reason, and opens nothing.
    response = start_helping(central, shop.seller.id)
    assert response.headers["Location"] == page and not acting(central)
    assert "not you" in text(central.get(page, headers=EN))


def test_without_consent_or_out_of_province_staff_open_nothing(shop, tam, client_for):
    client = client_for(TAM)
    assert start_helping(client, shop.seller.id).status_code == 302 and not acting(client)
    assert "has not asked for the union" in text(client.get(f"/staff/sellers/{shop.seller.id}", headers=EN))
    helping.grant_help(shop.owner, None, 14, utcnow())
    make_user("hn@example.vn", role="staff", province="Hà Nội")
    hanoi = client_for("hn@example.vn")
    assert hanoi.post(f"/staff/sellers/{shop.seller.id}/help",
                      data={"csrf_token": csrf_token_from(hanoi.get("/staff/"))}).status_code == 404
    assert not acting(hanoi)


# --- working as a member would ---------------------------------------------------------------------

def test_the_helper_lists_a_product_audited_with_both_names(helper, shop, tam, client_for):
    dashboard = text(helper.get("/sell", headers=EN))
    assert "Acting for HTX Mật ong Hưng Yên" in dashboard
    data = {"name": "Mật ong rừng", "category_id": str(category_id("mat-ong")), "description": "Mật ong rừng.",
            "price_vnd": "180000", "compare_at_price_vnd": "", "stock": "8", "unit": "jar", "weight_grams": "500",
            "origin_province": "", "ocop_stars": "", "save": "1"}
    response = post_form(helper, "/sell/products/new", data, headers=EN, content_type="multipart/form-data")
    assert response.status_code == 302, text(response)
    product = db.session.scalar(select(Product).where(Product.name == "Mật ong rừng"))
    assert product.seller_id == shop.seller.id
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "product_created"))
    assert (entry.actor_id, entry.on_behalf_of_seller_id) == (tam.id, shop.seller.id)
    # The owner sees it in her history, done by the union.
    history = text(client_for().get("/sell/history", headers=EN))
    assert "done by the union (Trần Thị Tâm)" in history and "Product created" in history and "Mật ong rừng" in history
    staff_page = text(client_for(TAM).get(f"/staff/sellers/{shop.seller.id}", headers=EN))
    assert "done by the union (Trần Thị Tâm)" in staff_page and "Mật ong rừng" in staff_page


def test_the_helper_sets_stock_and_price(helper, shop, tam):
    product = make_product(shop.owner, stock=20, price_vnd=150_000)
    response = post_form(helper, f"/sell/products/{product.id}/quick",
                         {"stock": "12", "price_vnd": "165000", "seen_stock": "20"},
                         form_url="/sell/products", headers=EN)
    assert response.status_code == 302
    assert (fresh(product.id).stock, fresh(product.id).price_vnd) == (12, 165_000)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "stock_price_set"))
    assert (entry.actor_id, entry.on_behalf_of_seller_id) == (tam.id, shop.seller.id)


def test_the_helper_confirms_and_ships_an_order(helper, shop, tam, goods, staff, client_for):
    order = place((goods.honey, 1))
    part = db.session.scalar(select(SellerOrder).where(SellerOrder.order_id == order.id,
                                                       SellerOrder.seller_id == shop.seller.id))
    url = f"/sell/orders/{part.id}"
    assert "Acting for" in text(helper.get(url, headers=EN))
    assert post_form(helper, f"{url}/confirm", {}, form_url=url, headers=EN).status_code == 302
    assert post_form(helper, f"{url}/ship", {"carrier": "GHN", "tracking_number": "GHN1"}, form_url=url,
                     headers=EN).status_code == 302
    db.session.expire_all()
    assert db.session.get(SellerOrder, part.id).status == "shipped"
    # Saying it was delivered and the cash collected is the seller's to say.
    token = csrf_token_from(helper.get(url))
    assert helper.post(f"{url}/deliver", data={"csrf_token": token, "cash_collected": "y"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(SellerOrder, part.id).status == "shipped"
    moves = db.session.scalars(select(AuditEntry).where(AuditEntry.subject_type == "seller_order",
                                                        AuditEntry.action.in_(("confirm", "ship")))).all()
    assert len(moves) == 2 and {(m.actor_id, m.on_behalf_of_seller_id) for m in moves} == {(tam.id, shop.seller.id)}
    # The owner's order page and the central staff's audit log say the union did it.
    assert "done by the union (Trần Thị Tâm)" in text(client_for().get(url, headers=EN))
    audit_log = text(client_for(staff.email).get("/staff/audit", headers=EN))
    assert "on the seller&#39;s behalf" in audit_log
    # Another seller's order stays out of reach.
    theirs = place((goods.tea, 1))
    other = db.session.scalar(select(SellerOrder).where(SellerOrder.order_id == theirs.id))
    assert helper.get(f"/sell/orders/{other.id}").status_code == 404


def test_what_the_owner_does_herself_is_not_marked(helper, shop):
    make_product(shop.owner)
    assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.on_behalf_of_seller_id.is_not(None))) is None


# --- closed to the helper --------------------------------------------------------------------------

CLOSED_PAGES = ("/sell/members", "/sell/statement", "/sell/terms", "/sell/profile", "/sell/help-from-union",
                "/sell/apply", "/sell/programs/any/apply", "/account/password", "/account/profile", "/account/sessions", "/account/delete")


def test_members_money_terms_and_accounts_are_closed(helper, shop):
    for path in CLOSED_PAGES:
        response = helper.get(path, headers=EN)
        assert response.status_code == 302 and response.headers["Location"] == "/sell", path
        assert "this page is closed" in text(helper.get("/sell", headers=EN)), path
    token = csrf_token_from(helper.get("/sell"))
    for path, data in (("/sell/members", {"email": "x@example.vn"}), ("/sell/help-from-union/end", {}),
                       ("/sell/terms", {"version": "1"}), ("/account/password", {}),
                       ("/sell/figures", {"women_members": "3", "jobs_for_women": "2"}),
                       ("/sell/complaints/1", {"answer": "x"}), ("/sell/members/1/remove", {}),
                       ("/sell/help-from-union", {"helper": "province", "days": "60"})):
        assert helper.post(path, data={"csrf_token": token, **data}).status_code == 403, path
    assert helping.grant_in_force(shop.seller.id, utcnow()) is not None  # the owner's consent untouched
    page = text(helper.get("/sell/figures", headers=EN))  # reading is fine
    assert "Acting for" in page


def test_the_helper_signs_out_normally(helper):
    response = post_form(helper, "/account/sign-out", {}, form_url="/sell")
    assert response.status_code == 302
    assert helper.get("/sell/products").status_code == 302


# --- banner, way back, checks on every request ----------------------------------------------------

def test_the_banner_is_on_every_page_and_leads_back(helper, shop):
    for path in ("/sell", "/sell/products", "/sell/orders", "/sell/history", "/", "/staff/", "/cart"):
        page = text(helper.get(path, headers=EN))
        assert "Acting for HTX Mật ong Hưng Yên" in page and 'action="/sell/acting/stop"' in page, path
    response = stop(helper)
    assert response.headers["Location"] == f"/staff/sellers/{shop.seller.id}"
    assert not acting(helper)
    assert "Acting for" not in text(helper.get("/", headers=EN))
    # No longer a member: /sell is the visitor's page, the products page sends her away.
    assert "Acting for" not in text(helper.get("/sell", headers=EN))
    assert helper.get("/sell/products").status_code == 302


def test_staff_work_while_acting_is_not_marked_as_the_sellers(helper, shop, tam):
    # Out of the seller area she is staff again: blocking the seller's own product from the
    # staff console is the union's decision, not something done for the seller.
    product = make_product(shop.owner)
    url = f"/staff/products/{product.id}"
    response = post_form(helper, url, {"action": "block", "reason": "Ảnh không đúng với sản phẩm."}, headers=EN)
    assert response.status_code == 302 and fresh(product.id).status == "blocked"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "block"))
    assert (entry.actor_id, entry.on_behalf_of_seller_id) == (tam.id, None)


def test_help_ended_by_the_owner_stops_the_helper_at_her_next_request(helper, shop, client_for):
    owner = client_for()
    post_form(owner, "/sell/help-from-union/end", {}, form_url="/sell/help-from-union")
    response = helper.get("/sell/products", headers=EN)
    assert response.status_code == 302 and response.headers["Location"] == f"/staff/sellers/{shop.seller.id}"
    assert not acting(helper)
    page = text(helper.get(response.headers["Location"], headers=EN))
    assert "You no longer act for this seller" in page and "ended the union" in page
    assert "Help this seller" not in page


def test_an_expired_period_stops_the_helper_and_tells_the_owner_once(helper, shop, client_for):
    past = utcnow() - timedelta(minutes=1)
    db.session.execute(update(SellerHelpGrant).values(starts_at=past - timedelta(days=1), ends_at=past))
    db.session.commit()
    told = db.session.scalar(select(Notification.id).order_by(Notification.id.desc()))
    response = helper.get("/", headers=EN)
    assert response.status_code == 200 and "Acting for" not in text(response)
    assert "period in which" in text(response)
    assert helper.get("/sell/products").status_code == 302
    new = db.session.scalars(select(Notification).where(Notification.id > told)).all()
    assert [n.user_id for n in new] == [shop.owner.id]
    grant = db.session.scalar(select(SellerHelpGrant))
    assert grant.ended_at is not None and grant.ended_by_id is None
    page = text(client_for().get("/sell/help-from-union", headers=EN))
    assert "Help in force" not in page and "the period ran out" in page
    assert db.session.scalars(select(Notification).where(Notification.id > told)).all() == new  # told once


def test_the_owner_is_told_when_help_starts_and_ends(shop, tam, client_for):
    client = client_for()
    post_form(client, "/sell/help-from-union", {"helper": "province", "days": "14"})
    post_form(client, "/sell/help-from-union/end", {}, form_url="/sell/help-from-union")
    messages = db.session.scalars(select(Notification).where(Notification.user_id == shop.owner.id)
                                  .order_by(Notification.id)).all()
    help_messages = [m for m in messages if m.link == "/sell/help-from-union"]
    assert len(help_messages) == 2

