"""Staff decisions hard to undo (approve, reject, suspend, reinstate) take a second step that
names the seller and the consequence; only the confirmed post acts. Through the test client,
with CSRF on, posting what the pages' forms hold as a browser would."""
from html import unescape
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from market.accounts.models import Notification
from market.core.audit import history
from market.core.mail import OutboundEmail
from market.extensions import db
from market.sellers import services as sellers
from market.sellers.models import Seller
from tests.builders import EN, make_product, make_seller, make_user
from tests.conftest import AuthActions, csrf_token_from

REASON = "Bán hàng không đúng mô tả.\nCần kiểm tra lại."


class _Forms(HTMLParser):
    """The POST forms of a page: their hidden fields and their submit buttons."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method") == "post":
            self.forms.append({"action": attrs.get("action"), "hidden": {}, "buttons": {}})
        elif self.forms and tag == "input" and attrs.get("type") == "hidden":
            self.forms[-1]["hidden"][attrs["name"]] = attrs.get("value", "")
        elif self.forms and tag == "button" and attrs.get("name"):
            self.forms[-1]["buttons"][attrs["name"]] = attrs.get("value", "")


def confirm_form(page: str) -> dict:
    """The second step's form (the one with a confirm button)."""
    parser = _Forms()
    parser.feed(page)
    return next(form for form in parser.forms if "confirm" in form["buttons"])


def press(client, page: str, button: str, **changes):
    """Press `button` on the second step, sending its hidden fields as a browser would."""
    form = confirm_form(page)
    data = {**form["hidden"], button: form["buttons"][button], **changes}
    return client.post(form["action"], data=data, headers=EN)


def first_step(client, seller_id: int, action: str, reason: str = ""):
    url = f"/staff/sellers/{seller_id}"
    token = csrf_token_from(client.get(url))
    return client.post(url, data={"csrf_token": token, "action": action, "reason": reason}, headers=EN)


def traces(seller_id: int) -> tuple:
    """What a decision leaves: the seller's status and reason, its audit rows, the owner's messages and emails."""
    db.session.expire_all()
    seller = db.session.get(Seller, seller_id)
    owner = seller.owner
    return (
        seller.status, seller.status_reason, len(history("seller", seller_id)),
        db.session.scalar(select(func.count()).where(Notification.user_id == owner.id)),
        db.session.scalar(select(func.count()).where(OutboundEmail.to_address == owner.email)),
    )


@pytest.fixture
def sellers_to_decide(app, staff, categories):
    """A pending application, and an approved seller with two products on sale (and a draft)."""
    pending = make_seller(make_user("hoa@example.vn"), "pending", name="Hợp tác xã Đào Hà Nội", province="Hà Nội",
                          logo=False)
    owner = make_user("lan@example.vn")
    approved = make_seller(owner, "approved", name="HTX Mật ong Hưng Yên", staff=staff, logo=False)
    make_product(owner, name="Mật ong hoa nhãn")
    make_product(owner, name="Mật ong sáp")
    make_product(owner, name="Mật ong rừng (nháp)", publish=False)
    return {"pending": pending, "approved": approved}


@pytest.fixture
def central(staff, client_for):
    return client_for("staff@example.vn")


CASES = [
    # action, seller, reason typed, question, a consequence, the Yes button, status after
    ("approve", "pending", "", "Approve Hợp tác xã Đào Hà Nội?",
     "Its page opens in the shop at once and its members can list products for sale.", "Yes, approve", "approved"),
    ("reject", "pending", REASON, "Reject the application of Hợp tác xã Đào Hà Nội?",
     "This is final: the application cannot be edited or sent again", "Yes, reject", "rejected"),
    ("suspend", "approved", REASON, "Suspend HTX Mật ong Hưng Yên?",
     "Its 2 products on sale leave the shop at once, with its page, and its members can no longer list products.",
     "Yes, suspend", "suspended"),
    ("reinstate", "suspended", "", "Reinstate HTX Mật ong Hưng Yên?",
     "Its 2 products on sale come back to the shop at once, with its page, and its members can list products again.",
     "Yes, reinstate", "approved"),
]


def _seller(sellers_to_decide, staff, which: str) -> Seller:
    if which == "suspended":
        return sellers.decide(staff, sellers_to_decide["approved"].id, "suspend", "Tạm ngừng để kiểm tra.")
    return sellers_to_decide[which]


@pytest.mark.parametrize("action, which, reason, question, consequence, yes, after", CASES, ids=[c[0] for c in CASES])
def test_the_first_step_names_the_seller_and_the_consequence_and_changes_nothing(
        sellers_to_decide, staff, central, action, which, reason, question, consequence, yes, after):
    seller = _seller(sellers_to_decide, staff, which)
    before = traces(seller.id)
    response = first_step(central, seller.id, action, reason)
    assert response.status_code == 200
    page = unescape(response.get_data(as_text=True))
    assert f">{question}</h1>" in page and consequence in page
    assert f">{yes}</button>" in page and ">Cancel</button>" in page
    assert traces(seller.id) == before  # no status, no audit row, no message, no email
    form = confirm_form(response.get_data(as_text=True))
    assert form["hidden"]["action"] == action and unescape(form["hidden"]["reason"]) == reason


@pytest.mark.parametrize("action, which, reason, question, consequence, yes, after", CASES, ids=[c[0] for c in CASES])
def test_the_confirmed_step_acts_with_the_reason_typed_first(
        sellers_to_decide, staff, central, action, which, reason, question, consequence, yes, after):
    seller = _seller(sellers_to_decide, staff, which)
    status, _reason, entries, notes, emails = traces(seller.id)
    page = first_step(central, seller.id, action, reason).get_data(as_text=True)
    response = press(central, page, "confirm")
    assert response.status_code == 302 and response.headers["Location"] == f"/staff/sellers/{seller.id}"
    assert traces(seller.id) == (after, reason if action in ("reject", "suspend") else None, entries + 1, notes + 1,
                                 emails + 1)
    entry = history("seller", seller.id)[-1]
    assert (entry.action, entry.from_status, entry.to_status, entry.reason) == (action, status, after, reason or None)


def test_a_suspension_says_when_no_product_is_on_sale(app, staff, central):
    seller = make_seller(make_user("empty@example.vn"), "approved", name="HTX Chưa có hàng", staff=staff, logo=False)
    page = unescape(first_step(central, seller.id, "suspend", "Lý do.").get_data(as_text=True))
    assert "Its page leaves the shop at once and its members can no longer list products." in page
    assert "0 products" not in page
    assert "Orders already placed stay with it to ship." in page
    assert "The owner is told your reason by message and email." in page


def test_cancel_changes_nothing_and_keeps_the_reason(sellers_to_decide, central):
    seller = sellers_to_decide["approved"]
    before = traces(seller.id)
    page = first_step(central, seller.id, "suspend", REASON).get_data(as_text=True)
    response = press(central, page, "cancel")
    assert response.status_code == 200
    back = response.get_data(as_text=True)
    assert ">Suspend</button>" in back  # the seller's file, its decision form again
    textarea = unescape(back).split('name="reason"', 1)[1].split("</textarea>", 1)[0]
    assert textarea.split(">", 1)[1].strip() == REASON
    assert traces(seller.id) == before


def test_a_refusal_without_a_reason_is_stopped_at_the_first_step(sellers_to_decide, central):
    for seller, action in [(sellers_to_decide["pending"], "reject"), (sellers_to_decide["approved"], "suspend")]:
        before = traces(seller.id)
        response = first_step(central, seller.id, action, "   ")
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and "Give a reason" in page and 'name="confirm"' not in page
        assert traces(seller.id) == before


def test_a_decision_the_status_does_not_allow_gets_no_second_step(sellers_to_decide, central):
    seller = sellers_to_decide["pending"]
    before = traces(seller.id)
    for action in ("suspend", "reinstate"):
        page = first_step(central, seller.id, action, "Lý do.").get_data(as_text=True)
        assert "This cannot be done now" in page and 'name="confirm"' not in page
        confirmed = central.post(f"/staff/sellers/{seller.id}", data={
            "csrf_token": csrf_token_from(central.get(f"/staff/sellers/{seller.id}")), "action": action,
            "reason": "Lý do.", "confirm": "yes"}, headers=EN)
        assert "This cannot be done now" in confirmed.get_data(as_text=True)
    assert traces(seller.id) == before


@pytest.mark.parametrize("token", [None, "", "forged-token", "wrong"])
def test_a_confirmation_without_the_right_csrf_token_is_refused(sellers_to_decide, central, token):
    seller = sellers_to_decide["approved"]
    before = traces(seller.id)
    page = first_step(central, seller.id, "suspend", REASON).get_data(as_text=True)
    form = confirm_form(page)
    data = {**form["hidden"], "confirm": "yes"}
    if token is None:
        data.pop("csrf_token")
    elif token == "wrong":
        other = client_token_of_another_session(central.application)
        data["csrf_token"] = other
    else:
        data["csrf_token"] = token
    response = central.post(form["action"], data=data, headers=EN)
    assert response.status_code == 400
    assert traces(seller.id) == before


def client_token_of_another_session(app) -> str:
    """A valid CSRF token, but of another browser's session."""
    other = app.test_client()
    AuthActions(other).login(email="staff@example.vn", password="correct-horse-battery")
    return csrf_token_from(other.get("/staff/sellers"))


def test_a_decision_taken_by_someone_else_meanwhile_is_not_taken_twice(sellers_to_decide, staff, central):
    seller = sellers_to_decide["pending"]
    page = first_step(central, seller.id, "approve").get_data(as_text=True)
    colleague = make_user("colleague@example.vn", role="staff")
    sellers.decide(colleague, seller.id, "approve")
    after_colleague = traces(seller.id)
    response = press(central, page, "confirm")
    assert response.status_code == 200 and "This cannot be done now" in response.get_data(as_text=True)
    assert traces(seller.id) == after_colleague


def test_requesting_changes_still_acts_at_once(sellers_to_decide, central):
    seller = sellers_to_decide["pending"]
    response = first_step(central, seller.id, "request_changes", "Bổ sung ảnh sản phẩm.")
    assert response.status_code == 302
    assert traces(seller.id)[:2] == ("changes_requested", "Bổ sung ảnh sản phẩm.")


def test_provincial_staff_cannot_reach_another_provinces_confirmation(sellers_to_decide, client_for):
    make_user("staff.ld@example.vn", role="staff", province="Lâm Đồng")
    lamdong = client_for("staff.ld@example.vn")
    seller = sellers_to_decide["pending"]  # in Hà Nội
    before = traces(seller.id)
    token = csrf_token_from(lamdong.get("/staff/sellers"))
    for data in ({"action": "approve"}, {"action": "approve", "confirm": "yes"}):
        response = lamdong.post(f"/staff/sellers/{seller.id}", data={"csrf_token": token, "reason": "", **data})
        assert response.status_code == 404
    assert traces(seller.id) == before


def test_the_confirmation_works_without_javascript(sellers_to_decide, central):
    page = first_step(central, sellers_to_decide["approved"].id, "suspend", REASON).get_data(as_text=True)
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    assert "<script" not in main and " onclick=" not in main  # the site's one script only suggests searches
    form = confirm_form(page)
    assert set(form["hidden"]) == {"csrf_token", "action", "reason"}
    assert form["buttons"] == {"confirm": "yes", "cancel": "1"}
    # Cancel lands on the decision form (its reason kept), not at the top of the seller's file.
    seller_id = sellers_to_decide["approved"].id
    assert f'formaction="/staff/sellers/{seller_id}#decision"' in page
    assert 'id="decision"' in central.get(f"/staff/sellers/{seller_id}").get_data(as_text=True)
