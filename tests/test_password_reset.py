"""Password reset by email: one answer for every email, a signed link that expires in an
hour and works once, limits per IP and per email, every session ended."""
import re
from datetime import timedelta

import pytest
import time_machine
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select
from werkzeug.security import check_password_hash

from market.accounts import reset, sessions
from market.accounts.models import User
from market.core.clock import utcnow
from market.core.models import OutboundEmail
from market.extensions import db
from tests.builders import PASSWORD
from tests.conftest import AuthActions, csrf_token_from

NEW_PASSWORD = "a-brand-new-secret"
LINK_RE = re.compile(r"http://localhost(/account/reset-password/[A-Za-z0-9_.\-]+)")


def browser(app, ip="203.0.113.7"):
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": ip, "HTTP_ACCEPT_LANGUAGE": "en"})
    return client


def ask(client, email):
    page = client.get("/account/forgot-password")
    return client.post("/account/forgot-password", data={"csrf_token": csrf_token_from(page), "email": email})


def emails_to(address) -> list[OutboundEmail]:
    return list(db.session.scalars(select(OutboundEmail).where(OutboundEmail.to_address == address)))


def reset_path(address) -> str:
    (email,) = emails_to(address)
    match = LINK_RE.search(email.body)
    assert match, email.body
    assert match.group(0) in email.html_body
    return match.group(1)


def set_password(client, path, password=NEW_PASSWORD, confirm=None):
    page = client.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)
    return client.post(path, data={"csrf_token": csrf_token_from(page), "password": password,
                                   "confirm": confirm or password})


def signed_in(client) -> bool:
    return client.get("/account/profile").status_code == 200


@pytest.fixture
def lan(make_user):
    return make_user("lan@example.vn")


def test_the_sign_in_page_links_to_forgot_password(client):
    page = client.get("/account/sign-in", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'href="/account/forgot-password"' in page
    assert "Forgot your password?" in page


def test_known_and_unknown_emails_get_the_same_answer(app, lan):
    known = ask(browser(app), "Lan@Example.vn")
    unknown = ask(browser(app, "203.0.113.8"), "nobody@example.vn")
    assert known.status_code == unknown.status_code == 200

    def answer(response, email):
        return response.get_data(as_text=True).replace(email, "EMAIL")

    assert answer(known, "Lan@Example.vn") == answer(unknown, "nobody@example.vn")
    assert "If an account exists for" in known.get_data(as_text=True)
    assert len(emails_to("lan@example.vn")) == 1
    assert emails_to("nobody@example.vn") == []


def test_the_email_is_in_the_users_language_with_html_and_text(app, make_user):
    user = make_user("mai@example.vn")
    user.locale = "en"
    db.session.commit()
    ask(browser(app), "mai@example.vn")
    (email,) = emails_to("mai@example.vn")
    assert email.subject == "Choose a new password"
    assert "60 minutes" in email.body and "60 minutes" in email.html_body
    assert "ignore this email" in email.body
    assert email.html_body.startswith("<!doctype html>")


def test_the_link_sets_a_new_password_ends_every_session_and_signs_this_browser_in(app, lan):
    phone, laptop = browser(app), browser(app, "198.51.100.2")
    for client in (phone, laptop):
        assert AuthActions(client).login().status_code == 302
    stranger = browser(app, "192.0.2.9")
    ask(stranger, "lan@example.vn")

    response = set_password(stranger, reset_path("lan@example.vn"))

    assert response.status_code == 302 and response.headers["Location"].endswith("/account/profile")
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert not signed_in(phone) and not signed_in(laptop)
    assert signed_in(stranger)
    assert len(sessions.live_sessions(lan.id)) == 1
    db.session.refresh(lan)
    assert check_password_hash(lan.password_hash, NEW_PASSWORD)
    assert AuthActions(browser(app, "192.0.2.50")).login(password=PASSWORD).status_code == 200
    assert AuthActions(browser(app, "192.0.2.51")).login(password=NEW_PASSWORD).status_code == 302
    # She is told by email (and in her messages) that the password changed.
    assert any(email.subject == "Mật khẩu của bạn đã được thay đổi" for email in emails_to("lan@example.vn"))


def test_a_link_works_once(app, lan):
    client = browser(app)
    ask(client, "lan@example.vn")
    path = reset_path("lan@example.vn")
    page = client.get(path)
    token = csrf_token_from(page)
    first = client.post(path, data={"csrf_token": token, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert first.status_code == 302

    again = browser(app, "198.51.100.3").get(path)
    assert again.status_code == 400
    assert "already been used" in again.get_data(as_text=True)
    replay = client.post(path, data={"csrf_token": token, "password": "yet-another-one", "confirm": "yet-another-one"})
    assert replay.status_code == 400
    db.session.refresh(lan)
    assert check_password_hash(lan.password_hash, NEW_PASSWORD)


def test_a_link_dies_when_the_password_changes_otherwise(app, lan):
    ask(browser(app), "lan@example.vn")
    path = reset_path("lan@example.vn")
    client = browser(app, "198.51.100.4")
    AuthActions(client).login()
    page = client.get("/account/password")
    client.post("/account/password", data={"csrf_token": csrf_token_from(page), "current_password": PASSWORD,
                                           "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert browser(app, "198.51.100.5").get(path).status_code == 400


def test_a_link_expires_after_an_hour(app, lan):
    with time_machine.travel("2026-07-01 08:00 +0000", tick=False) as traveller:
        ask(browser(app), "lan@example.vn")
        path = reset_path("lan@example.vn")
        traveller.shift(timedelta(minutes=59))
        assert browser(app, "198.51.100.6").get(path).status_code == 200
        traveller.shift(timedelta(minutes=2))
        expired = browser(app, "198.51.100.7").get(path)
    assert expired.status_code == 400
    assert "expired" in expired.get_data(as_text=True)
    assert 'href="/account/forgot-password"' in expired.get_data(as_text=True)


def test_the_lifetime_is_a_setting(app, lan):
    app.config["PASSWORD_RESET_MAX_AGE"] = 60
    with time_machine.travel("2026-07-01 08:00 +0000", tick=False) as traveller:
        token = reset.make_token(lan)
        traveller.shift(timedelta(seconds=61))
        with pytest.raises(reset.ResetLinkError):
            reset.user_for_token(token)


def test_a_tampered_or_foreign_token_is_refused(app, lan):
    token = reset.make_token(lan)
    forged = URLSafeTimedSerializer("not-our-secret", salt=reset.SALT).dumps([lan.id, "0" * 32])
    other_salt = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="seller-invitation").dumps([lan.id, "x"])
    for bad in (token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"), forged, other_salt, "garbage", "a.b.c"):
        response = browser(app).get(f"/account/reset-password/{bad}")
        assert response.status_code == 400, bad
        assert "not valid" in response.get_data(as_text=True)


def test_another_users_token_resets_only_that_user(app, lan, make_user):
    """A token names its user: Mai's link changes Mai's password, never Lan's, and it cannot
    be bent to Lan's id (the signature covers the id)."""
    mai = make_user("mai@example.vn")
    mai_token = reset.make_token(mai)
    payload, _, rest = mai_token.partition(".")
    assert browser(app).get(f"/account/reset-password/{payload.replace('W', 'X')}.{rest}").status_code in (400,)
    set_password(browser(app), f"/account/reset-password/{mai_token}")
    db.session.refresh(lan)
    db.session.refresh(mai)
    assert check_password_hash(mai.password_hash, NEW_PASSWORD)
    assert check_password_hash(lan.password_hash, PASSWORD)
    # A token made for Lan with Mai's fingerprint does not open Lan's account either.
    crossed = reset._serializer().dumps([lan.id, reset._fingerprint(mai)])
    assert browser(app).get(f"/account/reset-password/{crossed}").status_code == 400


def test_the_new_password_follows_the_length_rules(app, lan):
    ask(browser(app), "lan@example.vn")
    path = reset_path("lan@example.vn")
    client = browser(app, "198.51.100.8")
    short = set_password(client, path, "short")
    assert short.status_code == 200 and "between 10 and 128 characters" in short.get_data(as_text=True)
    differ = set_password(client, path, NEW_PASSWORD, confirm=NEW_PASSWORD + "x")
    assert differ.status_code == 200 and "do not match" in differ.get_data(as_text=True)
    db.session.refresh(lan)
    assert check_password_hash(lan.password_hash, PASSWORD)


def test_a_deactivated_or_deleted_account_gets_no_link_and_its_old_link_dies(app, lan):
    old_token = reset.make_token(lan)
    lan.deactivated_at = utcnow()
    db.session.commit()
    assert ask(browser(app), "lan@example.vn").status_code == 200
    assert emails_to("lan@example.vn") == []
    assert browser(app).get(f"/account/reset-password/{old_token}").status_code == 400


def test_the_reset_post_needs_the_csrf_token(app, lan):
    path = f"/account/reset-password/{reset.make_token(lan)}"
    response = browser(app).post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 400
    db.session.refresh(lan)
    assert check_password_hash(lan.password_hash, PASSWORD)


def test_asking_is_limited_per_email_alike_for_known_and_unknown(app, lan):
    app.config["PASSWORD_RESET_LIMIT_PER_EMAIL"] = "2 per hour"
    for email in ("lan@example.vn", "nobody@example.vn"):
        answers = [ask(browser(app, f"192.0.2.{n}"), email).status_code for n in range(1, 4)]
        assert answers == [200, 200, 429], email
    assert len(emails_to("lan@example.vn")) == 2
    # Another email from the same addresses is not limited by these.
    assert ask(browser(app, "192.0.2.1"), "mai@example.vn").status_code == 200


def test_asking_is_limited_per_ip(app, lan):
    app.config["PASSWORD_RESET_LIMIT_PER_IP"] = "3 per hour"
    client = browser(app, "198.51.100.99")
    answers = [ask(client, f"someone{n}@example.vn").status_code for n in range(4)]
    assert answers == [200, 200, 200, 429]
    assert ask(browser(app, "198.51.100.100"), "someone9@example.vn").status_code == 200


def test_only_the_hash_matching_the_link_is_replaced(app, lan):
    """Two uses of one link at the same moment: the second finds the hash changed."""
    token = reset.make_token(lan)
    reset.reset_password(token, NEW_PASSWORD, "test", "127.0.0.1")
    lan_row = db.session.get(User, lan.id)
    with pytest.raises(reset.ResetLinkError):
        reset.reset_password(token, "another-password", "test", "127.0.0.1")
    db.session.refresh(lan_row)
    assert check_password_hash(lan_row.password_hash, NEW_PASSWORD)


def test_an_unknown_email_costs_the_same_work(app, lan, monkeypatch):
    """Known or not, the email is rendered (and a token signed); only a known one is queued."""
    rendered = []
    real_render = reset.render_email

    def counting_render(*args, **kwargs):
        rendered.append(args[0])
        return real_render(*args, **kwargs)

    monkeypatch.setattr(reset, "render_email", counting_render)
    reset.request_reset("nobody@example.vn")
    reset.request_reset("lan@example.vn")
    assert rendered == ["password_reset", "password_reset"]
    assert len(emails_to("lan@example.vn")) == 1 and emails_to("nobody@example.vn") == []


def test_a_link_dies_once_the_user_signs_in(app, lan):
    """She remembered her password after all: the link she asked for is void."""
    ask(browser(app), "lan@example.vn")
    path = reset_path("lan@example.vn")
    assert AuthActions(browser(app, "198.51.100.9")).login().status_code == 302
    assert browser(app, "198.51.100.10").get(path).status_code == 400
