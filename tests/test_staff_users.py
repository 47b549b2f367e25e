"""Central staff administer accounts at /staff/users: search, a user's page, deactivate
(every session ends at once), reactivate, send a reset link; each action audited."""
import re

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from market.accounts import admin, deletion, sessions
from market.accounts.models import User
from market.accounts.services import AccountError
from market.core.audit import history
from market.core.models import OutboundEmail
from market.extensions import db
from tests import builders
from tests.builders import PASSWORD
from tests.conftest import AuthActions, csrf_token_from


def browser(app, ip="203.0.113.7"):
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": ip, "HTTP_ACCEPT_LANGUAGE": "en"})
    return client


def signed_in_as(app, email, ip="203.0.113.7"):
    client = browser(app, ip)
    assert AuthActions(client).login(email=email).status_code == 302
    return client


def signed_in(client) -> bool:
    return client.get("/account/profile").status_code == 200


def act(client, user_id, action, reason=""):
    path = f"/staff/users/{user_id}"
    page = client.get(path)
    return client.post(path, data={"csrf_token": csrf_token_from(page), "action": action, "reason": reason})


@pytest.fixture
def central(app, staff):
    return signed_in_as(app, "staff@example.vn", "192.0.2.1")


@pytest.fixture
def lan(make_user):
    return make_user("lan@example.vn", full_name="Trần Thị Lan")


def test_provincial_staff_and_shoppers_are_refused(app, lan):
    builders.make_user("tinh@example.vn", role="staff", province="Lâm Đồng")
    provincial = signed_in_as(app, "tinh@example.vn")
    shopper = signed_in_as(app, "lan@example.vn", "203.0.113.9")
    for path in ("/staff/users", f"/staff/users/{lan.id}"):
        assert provincial.get(path).status_code == 403
        assert shopper.get(path).status_code == 403
        assert browser(app).get(path).status_code == 302
    assert "/staff/users" not in provincial.get("/staff/").get_data(as_text=True)


def test_search_by_email_or_name_paginated(app, central, lan, make_user):
    make_user("mai@example.vn", full_name="Nguyễn Thị Mai")
    by_email = central.get("/staff/users?q=LAN@example").get_data(as_text=True)
    assert "lan@example.vn" in by_email and "mai@example.vn" not in by_email
    by_name = central.get("/staff/users?q=thị mai").get_data(as_text=True)
    assert "mai@example.vn" in by_name and "lan@example.vn" not in by_name
    assert "No account matches." in central.get("/staff/users?q=100%25").get_data(as_text=True)
    for number in range(admin.PER_PAGE):
        make_user(f"shopper{number:02d}@example.vn")
    first = central.get("/staff/users").get_data(as_text=True)
    assert "Page 1 of 2" in first and 'rel="next"' in first
    assert "Page 2 of 2" in central.get("/staff/users?page=2").get_data(as_text=True)
    assert central.get("/staff/users?page=²").status_code == 200
    assert 'href="/staff/users"' in central.get("/staff/").get_data(as_text=True)


def test_the_user_page_shows_role_dates_sessions_and_status(app, central, lan):
    signed_in_as(app, "lan@example.vn", "203.0.113.20")
    signed_in_as(app, "lan@example.vn", "203.0.113.21")
    page = central.get(f"/staff/users/{lan.id}").get_data(as_text=True)
    assert "lan@example.vn" in page and "Trần Thị Lan" in page and "Shopper" in page
    assert re.search(r"Signed-in devices</dt><dd>2<", page)
    assert "Active" in page and "Last sign-in" in page and "Created" in page
    assert central.get("/staff/users/999999").status_code == 404


def test_deactivating_ends_every_session_at_once_and_refuses_sign_in(app, central, lan, staff):
    phone = signed_in_as(app, "lan@example.vn", "203.0.113.30")
    without_reason = act(central, lan.id, "deactivate")
    assert "Give the reason" in without_reason.get_data(as_text=True)
    assert signed_in(phone)

    response = act(central, lan.id, "deactivate", "Fraudulent orders reported by two sellers.")

    assert response.status_code == 302
    assert not signed_in(phone)
    assert sessions.live_sessions(lan.id) == []
    refused = AuthActions(browser(app, "203.0.113.31")).login(email="lan@example.vn")
    assert refused.status_code == 200
    assert "This account has been deactivated; contact the union." in refused.get_data(as_text=True)
    # Only whoever knows the password is told.
    wrong = AuthActions(browser(app, "203.0.113.32")).login(email="lan@example.vn", password="wrong-password")
    assert "deactivated" not in wrong.get_data(as_text=True)
    (entry,) = history("user", lan.id)
    assert (entry.action, entry.actor_id, entry.from_status, entry.to_status) == ("deactivate", staff.id, "active",
                                                                                  "deactivated")
    assert entry.reason == "Fraudulent orders reported by two sellers."
    assert "Account deactivated" in central.get(f"/staff/users/{lan.id}").get_data(as_text=True)


def test_reactivating_lets_the_user_sign_in_again(app, central, lan):
    act(central, lan.id, "deactivate", "Checking a complaint.")
    assert act(central, lan.id, "reactivate", "Complaint cleared.").status_code == 302
    assert signed_in(signed_in_as(app, "lan@example.vn", "203.0.113.40"))
    assert [entry.action for entry in history("user", lan.id)] == ["deactivate", "reactivate"]
    twice = act(central, lan.id, "reactivate")
    assert "This account is active." in twice.get_data(as_text=True)


def test_the_user_loader_refuses_an_inactive_user_even_with_a_live_session(app, lan):
    phone = signed_in_as(app, "lan@example.vn")
    lan.deactivated_at = db.func.now()  # set without ending the sessions
    db.session.commit()
    assert sessions.live_sessions(lan.id)
    assert not signed_in(phone)


def test_staff_cannot_deactivate_themselves(app, central, staff):
    assert 'value="deactivate"' not in central.get(f"/staff/users/{staff.id}").get_data(as_text=True)
    response = act(central, staff.id, "deactivate", "testing")
    assert "You cannot deactivate your own account." in response.get_data(as_text=True)
    db.session.refresh(staff)
    assert staff.deactivated_at is None
    with pytest.raises(AccountError):
        admin.act(staff, staff.id, "deactivate", "testing")


def test_provincial_staff_cannot_act_through_the_service(app, lan):
    provincial = builders.make_user("tinh@example.vn", role="staff", province="Lâm Đồng")
    with force_locale("en"), pytest.raises(AccountError, match="Only central staff"):
        admin.act(provincial, lan.id, "deactivate", "no")


def test_sending_a_reset_link(app, central, lan):
    response = act(central, lan.id, "send_reset", "She called the hotline.")
    assert response.status_code == 302
    (email,) = db.session.scalars(select(OutboundEmail).where(OutboundEmail.to_address == "lan@example.vn"))
    assert "/account/reset-password/" in email.body
    (entry,) = history("user", lan.id)
    assert entry.action == "password_reset_sent" and entry.reason == "She called the hotline."
    act(central, lan.id, "deactivate", "Closed.")
    refused = act(central, lan.id, "send_reset")
    assert "reactivate it first" in refused.get_data(as_text=True)


def test_a_deleted_account_is_listed_but_cannot_be_acted_on(app, central, lan, staff):
    deletion.delete_account(db.session.get(User, lan.id), PASSWORD)
    listing = central.get("/staff/users").get_data(as_text=True)
    assert "Deleted account" in listing and "Trần Thị Lan" not in listing
    page = central.get(f"/staff/users/{lan.id}").get_data(as_text=True)
    assert 'value="deactivate"' not in page and "Deleted" in page
    with pytest.raises(AccountError, match="deleted"):
        admin.act(staff, lan.id, "deactivate", "x")


def test_an_unknown_action_and_a_missing_csrf_token_are_refused(app, central, lan):
    assert "Choose an action." in act(central, lan.id, "delete", "x").get_data(as_text=True)
    assert central.post(f"/staff/users/{lan.id}", data={"action": "deactivate", "reason": "x"}).status_code == 400
    db.session.refresh(lan)
    assert lan.deactivated_at is None
