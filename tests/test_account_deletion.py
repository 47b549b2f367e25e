"""Deleting one's own account: personal fields emptied, orders (and their shipping snapshot)
kept, sessions, addresses, cart and messages gone; no sign-in or reset afterwards."""
import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from market.accounts import deletion, reset
from market.accounts.models import Notification, Role, User, UserSession
from market.accounts.services import AccountError, notify
from market.core.audit import history
from market.core.domain import DomainError
from market.core.models import OutboundEmail
from market.extensions import db
from market.orders import addresses
from market.orders import cart as carts
from market.orders.models import Address, CartItem, Order
from market.sellers.models import SellerMember
from tests import builders
from tests.builders import PASSWORD
from tests.conftest import AuthActions, csrf_token_from


def browser(app, ip="203.0.113.7"):
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": ip, "HTTP_ACCEPT_LANGUAGE": "en"})
    return client


def signed_in(client) -> bool:
    return client.get("/account/profile").status_code == 200


def delete_through_page(client, password=PASSWORD, understood="y"):
    page = client.get("/account/delete")
    assert page.status_code == 200
    data = {"csrf_token": csrf_token_from(page), "password": password}
    if understood:
        data["understood"] = understood
    return client.post("/account/delete", data=data)


def count(model, **where) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query)


@pytest.fixture
def mai(app, goods):
    """A shopper with an order, a saved address, a cart line, a message and a second device."""
    user = builders.make_user("mai@example.vn", full_name="Nguyễn Thị Mai")
    user.phone = "+84912345678"
    user.locale = "en"
    db.session.commit()
    order = builders.place((goods.honey, 2), user=user)
    addresses.save_address(user, addresses.check_address("Nguyễn Thị Mai", "0912 345 678", "01", "Xã Phú Nghĩa",
                                                         "12 Hàng Bạc"), True)
    carts.add_to_cart(carts.UserCart(user.id), goods.tea.id, 1)
    notify(user, "Hello", "A message")
    db.session.commit()
    return user, order


def test_the_page_says_what_goes_and_what_stays(app, mai):
    client = browser(app)
    AuthActions(client).login(email="mai@example.vn")
    page = client.get("/account/delete").get_data(as_text=True)
    for words in ("What is removed", "What stays", "Your orders", "reviews", "cannot be undone"):
        assert words in page
    assert 'href="/account/delete"' in client.get("/account/profile").get_data(as_text=True)


def test_deleting_empties_personal_fields_and_keeps_orders(app, mai):
    user, order = mai
    fields = ("full_name", "phone", "email", "province_code", "commune_name", "street_address", "total_vnd")
    snapshot = {name: getattr(order, name) for name in fields}
    assert snapshot["full_name"] == "Nguyễn Thị Mai" and snapshot["total_vnd"] > 0
    phone, laptop = browser(app), browser(app, "198.51.100.2")
    for client in (phone, laptop):
        assert AuthActions(client).login(email="mai@example.vn").status_code == 302

    response = delete_through_page(phone)

    assert response.status_code == 302
    assert not signed_in(phone) and not signed_in(laptop)
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.email == f"deleted-{user.id}@deleted.invalid"
    assert user.full_name == "" and user.phone is None and user.locale is None
    assert user.deleted_at is not None and not user.is_active
    assert count(UserSession, user_id=user.id) == 0
    assert count(Address, user_id=user.id) == 0
    assert count(CartItem, user_id=user.id) == 0
    assert count(Notification, user_id=user.id) == 0
    kept = db.session.get(Order, order.id)
    assert kept.user_id == user.id
    assert {name: getattr(kept, name) for name in snapshot} == snapshot
    assert [entry.action for entry in history("user", user.id)] == ["account_deleted"]


def test_a_deleted_account_cannot_sign_in_nor_reset(app, mai):
    user, _order = mai
    deletion.delete_account(user, PASSWORD)
    assert AuthActions(browser(app)).login(email="mai@example.vn").status_code == 200
    assert AuthActions(browser(app)).login(email=user.email).status_code == 200
    before = count(OutboundEmail)
    page = browser(app).get("/account/forgot-password")
    browser(app).post("/account/forgot-password",
                      data={"csrf_token": csrf_token_from(page), "email": "mai@example.vn"})
    assert count(OutboundEmail) == before
    with pytest.raises(reset.ResetLinkError):
        reset.user_for_token(reset.make_token(user))
    # Notices to a deleted account are kept as messages but never emailed.
    notify(user, "Your order shipped", "…")
    db.session.commit()
    assert count(OutboundEmail) == before


def test_the_email_is_free_for_a_new_account(app, mai):
    user, _order = mai
    deletion.delete_account(user, PASSWORD)
    again = builders.make_user("mai@example.vn")
    assert again.id != user.id


def test_a_wrong_password_or_no_confirmation_deletes_nothing(app, mai):
    user, _order = mai
    client = browser(app)
    AuthActions(client).login(email="mai@example.vn")
    wrong = delete_through_page(client, password="not-my-password")
    assert wrong.status_code == 200 and "The password is not correct." in wrong.get_data(as_text=True)
    unticked = delete_through_page(client, understood=None)
    assert unticked.status_code == 200 and "Tick the box" in unticked.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).deleted_at is None
    assert signed_in(client)


def test_the_page_needs_a_signed_in_user_and_the_csrf_token(app, mai):
    assert browser(app).get("/account/delete").status_code == 302
    client = browser(app)
    AuthActions(client).login(email="mai@example.vn")
    assert client.post("/account/delete", data={"password": PASSWORD, "understood": "y"}).status_code == 400
    db.session.expire_all()
    assert db.session.get(User, mai[0].id).deleted_at is None


def test_staff_cannot_delete_their_own_account(app, staff):
    with force_locale("en"), pytest.raises(AccountError, match="staff account"):
        deletion.delete_account(staff, PASSWORD)
    client = browser(app)
    AuthActions(client).login(email="staff@example.vn")
    response = delete_through_page(client)
    assert "ask central staff to deactivate it" in response.get_data(as_text=True)
    assert 'href="/account/delete"' not in client.get("/account/profile").get_data(as_text=True)


def test_the_only_owner_of_a_seller_is_told_to_hand_it_over_first(app, shop):
    with force_locale("en"), pytest.raises(DomainError, match="Contact the union"):
        deletion.delete_account(shop.owner, PASSWORD)
    db.session.expire_all()
    owner = db.session.get(User, shop.owner.id)
    assert owner.deleted_at is None and owner.email == "hoa@example.vn"
    client = browser(app)
    AuthActions(client).login(email="hoa@example.vn")
    response = delete_through_page(client)
    assert response.status_code == 200 and "You are the owner of" in response.get_data(as_text=True)
    assert signed_in(client)


def test_a_member_leaves_her_seller_with_her_account(app, shop):
    member = builders.add_member(shop.owner, "an@example.vn")
    assert member.role == Role.SELLER
    deletion.delete_account(member, PASSWORD)
    db.session.expire_all()
    assert count(SellerMember, user_id=member.id) == 0
    assert db.session.get(User, member.id).role == Role.SHOPPER
    assert count(SellerMember, seller_id=shop.seller.id) == 1
    assert "member_removed" in [entry.action for entry in history("seller", shop.seller.id)]
