"""Sign-in throttling with device cookies: guessing never locks the owner's own browser out."""

import pytest
from itsdangerous import URLSafeTimedSerializer

from market.accounts import device_cookies
from tests.conftest import csrf_token_from

PASSWORD = "correct-horse-battery"
WRONG = "wrong-password-1"
DEVICE_PATH = "/account/"


def new_browser(app, ip):
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": ip, "HTTP_ACCEPT_LANGUAGE": "en"})
    return client


def attempt(client, email="lan@example.vn", password=PASSWORD):
    page = client.get("/account/sign-in")
    return client.post(
        "/account/sign-in", data={"csrf_token": csrf_token_from(page), "email": email, "password": password}
    )


def sign_out(client):
    page = client.get("/account/profile")
    client.post("/account/sign-out", data={"csrf_token": csrf_token_from(page)})


def device_cookie(client):
    return client.get_cookie(device_cookies.COOKIE_NAME, path=DEVICE_PATH)


def give_device_cookie(client, value):
    client.set_cookie(device_cookies.COOKIE_NAME, value, path=DEVICE_PATH)


@pytest.fixture
def lan(make_user):
    return make_user("lan@example.vn")


@pytest.fixture
def owner(app, lan):
    """Lan's own phone: it has signed in before (and out), so it holds a device cookie."""
    phone = new_browser(app, "203.0.113.7")
    assert attempt(phone).status_code == 302
    sign_out(phone)
    assert device_cookie(phone) is not None
    return phone


def guess(app, times, email="lan@example.vn"):
    """An attacker's failed guesses, from an address of its own."""
    attacker = new_browser(app, "198.51.100.66")
    for _ in range(times):
        assert attempt(attacker, email=email, password=WRONG).status_code == 200
    return attacker


def test_after_an_attackers_failed_guesses_the_owners_browser_still_signs_in(app, owner):
    attacker = guess(app, app_limit(app))

    assert attempt(attacker).status_code == 429  # the untrusted pool is used up, right password or not
    assert attempt(new_browser(app, "192.0.2.10")).status_code == 429  # a new browser has no device cookie
    assert attempt(owner).status_code == 302  # the owner's phone does


def test_a_forged_device_cookie_gives_no_trust(app, owner):
    guess(app, app_limit(app))
    forged = URLSafeTimedSerializer("not-our-secret", salt=device_cookies.SALT).dumps([["lan@example.vn", "x" * 22]])
    tampered = device_cookie(owner).value[:-2] + "xx"
    for value in (forged, tampered, "garbage"):
        client = new_browser(app, "192.0.2.10")
        give_device_cookie(client, value)
        assert attempt(client).status_code == 429
    assert attempt(owner).status_code == 302


def test_a_device_cookie_of_another_account_gives_no_trust(app, owner, make_user):
    make_user("bob@example.vn")
    bobs_laptop = new_browser(app, "192.0.2.10")
    assert attempt(bobs_laptop, email="bob@example.vn").status_code == 302
    sign_out(bobs_laptop)
    guess(app, app_limit(app))

    assert attempt(bobs_laptop).status_code == 429  # trusted for Bob, not for Lan
    assert attempt(owner).status_code == 302


def test_a_device_cookie_that_keeps_failing_is_locked_itself(app, owner):
    for _ in range(5):  # LOGIN_LIMIT_PER_DEVICE
        assert attempt(owner, password=WRONG).status_code == 200

    assert attempt(owner).status_code == 429
    # Its failures were its own: other browsers of the account are not held back by them.
    assert attempt(new_browser(app, "192.0.2.10")).status_code == 302


def test_the_device_limit_is_a_setting(app, owner):
    app.config["LOGIN_LIMIT_PER_DEVICE"] = "2 per minute"
    for _ in range(2):
        assert attempt(owner, password=WRONG).status_code == 200
    assert attempt(owner).status_code == 429


def test_the_per_ip_limit_still_holds_for_a_trusted_browser(app, owner):
    app.config["LOGIN_LIMIT_PER_IP"] = "3 per minute"
    for _ in range(3):
        assert attempt(owner, email="someone-else@example.vn", password=WRONG).status_code == 200
    assert attempt(owner).status_code == 429


def test_a_browser_trusts_every_account_signed_in_on_it(app, owner, make_user):
    make_user("bob@example.vn")
    assert attempt(owner, email="bob@example.vn").status_code == 302  # a family's shared phone
    sign_out(owner)
    guess(app, app_limit(app))
    guess(app, app_limit(app), email="bob@example.vn")
    assert attempt(owner).status_code == 302
    sign_out(owner)
    assert attempt(owner, email="bob@example.vn").status_code == 302


def test_the_device_cookie_is_signed_httponly_long_lived_and_renewed_at_each_sign_in(app, owner):
    cookie = device_cookie(owner)
    assert cookie.http_only and cookie.same_site == "Lax" and cookie.path == DEVICE_PATH
    assert cookie.max_age is not None and cookie.max_age >= 180 * 24 * 3600
    with app.test_request_context():
        assert device_cookies.read_entries(cookie.value)[0][0] == "lan@example.vn"
    assert "correct-horse" not in cookie.value
    assert attempt(owner).status_code == 302
    assert device_cookie(owner).value != cookie.value  # a new nonce


def test_registration_gives_the_browser_a_device_cookie(client):
    page = client.get("/account/register")
    client.post(
        "/account/register",
        data={
            "csrf_token": csrf_token_from(page),
            "full_name": "Nguyễn Thị Lan",
            "email": "Lan@Example.vn",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    with client.application.test_request_context():
        assert device_cookies.nonce_for(device_cookie(client).value, "lan@example.vn")


def app_limit(app) -> int:
    """How many failures LOGIN_LIMIT_PER_ACCOUNT allows ("5 per 5 minutes": 5)."""
    return int(app.config["LOGIN_LIMIT_PER_ACCOUNT"].split()[0])
