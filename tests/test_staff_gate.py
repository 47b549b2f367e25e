"""Every /staff page is for union staff only. The staff pages live in each domain's
`staff_views.py` on that domain's blueprint, each view gated by `roles_required("staff")`:
this walks the URL map so that a staff page added without the gate is caught."""
from flask import url_for

from tests.conftest import AuthActions, csrf_token_from


def _staff_rules(app):
    return sorted((rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/staff")), key=lambda r: r.rule)


def _url(rule) -> str:
    return rule.build(dict.fromkeys(rule.arguments, 1), append_unknown=False)[1]


def _knock(client, rule, token_page: str):
    """GET the page, or POST to it with a valid CSRF token when it takes POST only."""
    if "GET" in rule.methods:
        return client.get(_url(rule))
    token = csrf_token_from(client.get(token_page))
    return client.post(_url(rule), data={"csrf_token": token, "action": "approve", "reason": "", "note": "x"})


def test_the_staff_console_has_its_pages(app):
    endpoints = {rule.endpoint.split(".")[0] for rule in _staff_rules(app)}
    assert endpoints == {
        "staff", "sellers", "programs", "catalog", "orders", "payments",
        "accounts", "pages", "reviews", "complaints",
    }


def test_every_staff_page_sends_an_anonymous_visitor_to_sign_in(app):
    with app.test_request_context():
        sign_in = url_for("accounts.login")
    client = app.test_client()
    for rule in _staff_rules(app):
        response = _knock(client, rule, sign_in)
        assert response.status_code == 302, rule.rule
        assert response.headers["Location"].startswith(sign_in + "?next="), rule.rule


def test_every_staff_page_refuses_a_signed_in_shopper(app, make_user):
    make_user("mai@example.vn")
    client = app.test_client()
    assert AuthActions(client).login(email="mai@example.vn").status_code == 302
    for rule in _staff_rules(app):
        response = _knock(client, rule, "/account/profile")
        assert response.status_code == 403, rule.rule
