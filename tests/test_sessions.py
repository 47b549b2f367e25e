"""Server-side sessions: sign-out ends copied cookies; the signed-in devices page."""
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select, update

from market.accounts import sessions
from market.accounts.models import User, UserSession
from market.accounts.user_agents import describe
from market.core.clock import utcnow
from market.extensions import db
from tests.builders import counted_queries
from tests.conftest import AuthActions, post_form

PHONE = "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0 Mobile Safari/537.36"
LAPTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:126.0) Gecko/20100101 Firefox/126.0"
REMEMBER = "remember_token"


def new_browser(app, user_agent=PHONE, ip="203.0.113.7"):
    """A test client that always sends this User-Agent and address, like one real browser."""
    client = app.test_client()
    client.environ_base.update({"HTTP_USER_AGENT": user_agent, "REMOTE_ADDR": ip, "HTTP_ACCEPT_LANGUAGE": "en"})
    return client


def sign_in(client, **extra):
    response = AuthActions(client).login(**extra)
    assert response.status_code == 302
    return client


def copy_cookies(source, target, *names):
    for name in names:
        cookie = source.get_cookie(name)
        assert cookie is not None, f"no {name} cookie to copy"
        target.set_cookie(name, cookie.value)


def signed_in(client) -> bool:
    return client.get("/account/profile").status_code == 200


def live_count(user_id) -> int:
    return len(sessions.live_sessions(user_id))


@pytest.fixture
def lan(make_user):
    return make_user("lan@example.vn")


# --- sign-out ends the session on the server ---------------------------------------------

def test_a_session_cookie_copied_before_sign_out_is_signed_out_after_it(app, lan):
    owner = sign_in(new_browser(app))
    thief = new_browser(app)
    copy_cookies(owner, thief, "session")
    assert signed_in(thief)

    AuthActions(owner).logout()

    assert not signed_in(owner)
    assert not signed_in(thief)


def test_a_remember_cookie_copied_before_sign_out_dies_with_it(app, lan):
    owner = sign_in(new_browser(app), remember="y")
    stolen = owner.get_cookie(REMEMBER).value
    thief = new_browser(app)
    thief.set_cookie(REMEMBER, stolen)
    assert signed_in(thief)  # the remember cookie alone restores the session

    AuthActions(owner).logout()

    assert not signed_in(thief)
    late_thief = new_browser(app)
    late_thief.set_cookie(REMEMBER, stolen)
    assert not signed_in(late_thief)


def test_sign_out_deletes_the_remember_cookie_and_stays_signed_out(app, lan):
    owner = sign_in(new_browser(app), remember="y")
    AuthActions(owner).logout()
    assert owner.get_cookie(REMEMBER) is None
    assert not signed_in(owner)


def test_a_session_unseen_longer_than_the_remember_duration_is_over(app, lan):
    owner = sign_in(new_browser(app), remember="y")
    db.session.execute(update(UserSession).values(last_seen_at=utcnow() - timedelta(days=31)))
    db.session.commit()
    assert not signed_in(owner)


def test_the_cookie_of_an_unknown_or_malformed_session_signs_nobody_in(app, lan):
    client = new_browser(app)
    for forged in (f"{lan.id}:", f"{lan.id}:not-a-key", f"{lan.id}:0", "²:x", ":", "abc"):
        with client.session_transaction() as session:
            session["_user_id"] = forged
        assert not signed_in(client)


def test_a_key_of_one_user_does_not_open_another_account(app, lan, make_user):
    bob = make_user("bob@example.vn")
    owner = sign_in(new_browser(app))
    with owner.session_transaction() as session:
        session["_user_id"] = session["_user_id"].replace(f"{lan.id}:", f"{bob.id}:", 1)
    assert not signed_in(owner)


def test_each_request_costs_one_lookup_and_last_seen_is_written_at_most_every_few_minutes(app, lan):
    owner = sign_in(new_browser(app))
    statements = []

    def count(*args, **kwargs):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert owner.get("/account/").status_code == 302  # login_required, then a redirect
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1 and "user_sessions" in statements[0]

    a_minute_ago = utcnow() - timedelta(minutes=1)
    db.session.execute(update(UserSession).values(last_seen_at=a_minute_ago))
    db.session.commit()
    owner.get("/account/profile")
    db.session.expire_all()
    assert sessions.aware(db.session.scalar(select(UserSession.last_seen_at))) == a_minute_ago  # not written

    db.session.execute(update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=10)))
    db.session.commit()
    owner.get("/account/profile")
    db.session.expire_all()
    seen = sessions.aware(db.session.scalar(select(UserSession.last_seen_at)))
    assert utcnow() - seen < timedelta(minutes=1)


# --- the signed-in devices page ------------------------------------------------------------

def test_the_page_lists_each_device_in_plain_words_and_marks_this_one(app, lan):
    sign_in(new_browser(app, LAPTOP, ip="198.51.100.20"))
    phone = sign_in(new_browser(app, PHONE, ip="203.0.113.7"))

    page = phone.get("/account/sessions").get_data(as_text=True)

    assert "Chrome on Android" in page and "Firefox on Windows" in page
    assert "203.0.113.7" in page and "198.51.100.20" in page
    assert page.count("This device") == 1
    assert page.index("This device") > page.index("Chrome on Android")
    assert page.index("This device") < page.index("Firefox on Windows")  # newest first, this one
    assert page.count("Sign out this device") == 1  # only for the other one


def test_the_profile_links_to_the_devices_page(app, lan):
    owner = sign_in(new_browser(app))
    assert 'href="/account/sessions"' in owner.get("/account/profile").get_data(as_text=True)


def test_the_page_needs_a_signed_in_user(client):
    response = client.get("/account/sessions")
    assert response.status_code == 302 and response.headers["Location"].startswith("/account/sign-in")


def test_ending_another_session_from_the_page_signs_that_browser_out(app, lan):
    laptop = sign_in(new_browser(app, LAPTOP))
    phone = sign_in(new_browser(app, PHONE))
    laptop_session = db.session.scalar(select(UserSession).where(UserSession.user_agent == LAPTOP))

    response = post_form(phone, f"/account/sessions/{laptop_session.id}/end", {}, form_url="/account/sessions")

    assert response.status_code == 302
    assert "That device has been signed out." in phone.get("/account/sessions").get_data(as_text=True)
    assert not signed_in(laptop)
    assert signed_in(phone)


def test_ending_a_session_twice_says_it_has_ended_and_changes_nothing(app, lan):
    laptop = sign_in(new_browser(app, LAPTOP))
    phone = sign_in(new_browser(app, PHONE))
    laptop_id = db.session.scalar(select(UserSession.id).where(UserSession.user_agent == LAPTOP))
    post_form(phone, f"/account/sessions/{laptop_id}/end", {}, form_url="/account/sessions")

    response = post_form(phone, f"/account/sessions/{laptop_id}/end", {}, form_url="/account/sessions")

    assert response.status_code == 302
    assert "That session has already ended." in phone.get("/account/sessions").get_data(as_text=True)
    assert signed_in(phone) and not signed_in(laptop)


def test_ending_this_device_from_the_page_is_a_sign_out(app, lan):
    phone = sign_in(new_browser(app), remember="y")
    own_id = db.session.scalar(select(UserSession.id))
    response = post_form(phone, f"/account/sessions/{own_id}/end", {}, form_url="/account/sessions")
    assert response.headers["Location"] == "/"
    assert not signed_in(phone) and phone.get_cookie(REMEMBER) is None


def test_nobody_can_end_another_users_session(app, lan, make_user):
    make_user("bob@example.vn")
    lan_browser = sign_in(new_browser(app))
    bob_browser = sign_in(new_browser(app, LAPTOP, ip="198.51.100.20"), email="bob@example.vn")
    lan_session = db.session.scalar(select(UserSession).where(UserSession.user_id == lan.id))

    response = post_form(bob_browser, f"/account/sessions/{lan_session.id}/end", {}, form_url="/account/sessions")

    assert response.status_code == 404
    assert signed_in(lan_browser)
    assert "203.0.113.7" not in bob_browser.get("/account/sessions").get_data(as_text=True)
    assert post_form(bob_browser, "/account/sessions/999999/end", {}, form_url="/account/sessions").status_code == 404


def test_ending_a_session_needs_post_and_the_csrf_token(app, lan):
    laptop = sign_in(new_browser(app, LAPTOP))
    phone = sign_in(new_browser(app, PHONE))
    laptop_id = db.session.scalar(select(UserSession.id).where(UserSession.user_agent == LAPTOP))
    assert phone.get(f"/account/sessions/{laptop_id}/end").status_code == 405
    assert phone.post(f"/account/sessions/{laptop_id}/end").status_code == 400
    assert phone.post("/account/sessions/end-others").status_code == 400
    assert signed_in(laptop)


def test_sign_out_all_other_devices(app, lan, make_user):
    make_user("bob@example.vn")
    others = [sign_in(new_browser(app, LAPTOP)), sign_in(new_browser(app, PHONE, ip="192.0.2.1"), remember="y")]
    bob_browser = sign_in(new_browser(app), email="bob@example.vn")
    phone = sign_in(new_browser(app))

    response = post_form(phone, "/account/sessions/end-others", {}, form_url="/account/sessions")

    assert response.status_code == 302
    assert "2 other devices have been signed out." in phone.get("/account/sessions").get_data(as_text=True)
    assert signed_in(phone) and signed_in(bob_browser)
    assert not any(signed_in(other) for other in others)
    assert live_count(lan.id) == 1


# --- password change and the service for deactivation ------------------------------------

def test_a_password_change_ends_every_other_session_and_the_old_cookie_of_this_one(app, lan):
    laptop = sign_in(new_browser(app, LAPTOP), remember="y")
    remembered_copy = new_browser(app, LAPTOP)
    copy_cookies(laptop, remembered_copy, REMEMBER)
    phone = sign_in(new_browser(app), remember="y")
    copy_of_phone = new_browser(app)
    copy_cookies(phone, copy_of_phone, "session")

    response = post_form(
        phone,
        "/account/password",
        {"current_password": "correct-horse-battery", "password": "a-new-password-1", "confirm": "a-new-password-1"},
    )

    assert response.status_code == 302
    assert signed_in(phone)  # this browser goes on, in a new session
    assert not signed_in(laptop) and not signed_in(remembered_copy) and not signed_in(copy_of_phone)
    assert live_count(lan.id) == 1
    # Still remembered: its new remember cookie alone signs it in.
    restored = new_browser(app)
    copy_cookies(phone, restored, REMEMBER)
    assert signed_in(restored)


def test_end_all_sessions_signs_out_every_browser_when_the_caller_commits(app, lan):
    browsers = [sign_in(new_browser(app, LAPTOP), remember="y"), sign_in(new_browser(app))]

    ended = sessions.end_all_sessions(lan.id)
    db.session.commit()

    assert ended == 2
    assert not any(signed_in(each) for each in browsers)


def test_sign_in_keeps_few_dead_sessions(app, lan):
    client = new_browser(app)
    for _ in range(4):
        sign_in(client)
        AuthActions(client).logout()
    sign_in(client)
    total = db.session.scalar(select(func.count()).select_from(UserSession))
    assert total == 1 and live_count(lan.id) == 1


def test_sign_in_records_when_and_from_where(app, lan):
    sign_in(new_browser(app, "x" * 400, ip="2001:db8::1"))
    user_session = db.session.scalar(select(UserSession))
    assert user_session.ip_address == "2001:db8::1"
    assert len(user_session.user_agent) == 255
    assert len(user_session.key_hash) == 64
    assert db.session.get(User, lan.id).last_login_at is not None


@pytest.mark.parametrize(
    ("user_agent", "words"),
    [
        (PHONE, "Chrome on Android"),
        (LAPTOP, "Firefox on Windows"),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
         "Version/17.5 Mobile/15E148 Safari/604.1", "Safari on iPhone"),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
         "CriOS/125.0 Mobile/15E148 Safari/604.1", "Chrome on iPhone"),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
         "Version/17.5 Safari/605.1.15", "Safari on macOS"),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0 "
         "Safari/537.36 Edg/125.0", "Edge on Windows"),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
         "coc_coc_browser/128.0 Chrome/122.0 Safari/537.36", "Cốc Cốc on Windows"),
        ("Mozilla/5.0 (Linux; Android 13; SM-A135F) AppleWebKit/537.36 (KHTML, like Gecko) "
         "SamsungBrowser/24.0 Chrome/117.0 Mobile Safari/537.36", "Samsung Internet on Android"),
        ("Mozilla/5.0 (Linux; Android 12) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile "
         "Safari/537.36 Zalo android/12100711 ZaloTheme/light", "Zalo on Android"),
        ("curl/8.5.0", "Unknown device"),
        ("", "Unknown device"),
    ],
)
def test_user_agents_in_plain_words(app, user_agent, words):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert describe(user_agent) == words


# --- the sign-out form's CSRF token, signed once per worker (core/security.py) -------------

def _menu_token(client) -> str:
    from tests.conftest import CSRF_RE

    return CSRF_RE.search(client.get("/").get_data(as_text=True)).group(1)


def test_a_session_keeps_its_signed_csrf_token_and_it_still_signs_out(app, lan, monkeypatch):
    import flask_wtf.csrf

    signed = []

    class CountingSerializer(flask_wtf.csrf.URLSafeTimedSerializer):
        def dumps(self, *args, **kwargs):
            signed.append(1)
            return super().dumps(*args, **kwargs)

    monkeypatch.setattr(flask_wtf.csrf, "URLSafeTimedSerializer", CountingSerializer)
    browser = sign_in(new_browser(app))
    token = _menu_token(browser)
    signed.clear()
    assert _menu_token(browser) == token and _menu_token(browser) == token
    assert signed == []  # not signed again
    other = sign_in(new_browser(app, LAPTOP))
    assert _menu_token(other) != token
    assert browser.post("/account/sign-out", data={"csrf_token": token}).status_code == 302
    assert not signed_in(browser) and signed_in(other)


def test_the_kept_token_is_the_one_the_pages_forms_carry(app, lan):
    browser = sign_in(new_browser(app))
    _menu_token(browser)
    page = browser.get("/account/profile").get_data(as_text=True)
    from tests.conftest import CSRF_RE

    assert len(set(CSRF_RE.findall(page))) == 1


def test_with_a_time_limit_every_token_is_signed_afresh(app, lan):
    app.config["WTF_CSRF_TIME_LIMIT"] = 3600
    try:
        browser = sign_in(new_browser(app))
        app.extensions.pop("kept_csrf_tokens", None)
        _menu_token(browser)
        assert not app.extensions.get("kept_csrf_tokens")
    finally:
        app.config["WTF_CSRF_TIME_LIMIT"] = None


def test_the_signed_in_user_is_a_clean_object_of_the_requests_session(app, lan):
    """The lookup builds the user from its row (sessions._attached_user): she is held by the
    session as if loaded, with nothing to write, a change to her is saved, and a user the
    session already held is the one returned."""
    key = sessions.start_session(lan, PHONE, None)
    lan_id = lan.id
    db.session.expunge_all()
    found = sessions.find_live_session(lan_id, key)
    user = found.user
    assert user.email == "lan@example.vn" and user in db.session
    assert not db.session.is_modified(user) and not db.session.dirty and not db.session.new
    assert sessions.find_live_session(lan_id, key).user is user
    user.full_name = "Lan đổi tên"
    db.session.commit()  # expires her
    with counted_queries() as statements:
        again = sessions.find_live_session(lan_id, key).user
        assert again is user and again.full_name == "Lan đổi tên" and again.email == "lan@example.vn"
    assert len(statements) == 1  # filled in from the lookup's row, not read again
    db.session.expunge_all()
    assert db.session.get(User, lan_id).full_name == "Lan đổi tên"
    assert sessions.find_live_session(lan_id + 1, key) is None


def test_a_sign_out_racing_another_still_signs_this_browser_out(app, lan, monkeypatch):
    """A double tap on "Sign out": the second request found the session live, then the first
    ended it. The second still signs the browser out, without an error page."""
    lan_id = lan.id
    browser = sign_in(new_browser(app))
    token = _menu_token(browser)
    original = sessions.end_session

    def ended_meanwhile(found):
        sessions.end_all_sessions(lan_id)
        db.session.commit()
        original(found)

    monkeypatch.setattr(sessions, "end_session", ended_meanwhile)
    response = browser.post("/account/sign-out", data={"csrf_token": token})
    assert response.status_code == 302
    assert not signed_in(browser)
