"""The seller's order pages through the test client, CSRF left on: the list and its filters,
an order's page and its moves, the packing slip, the transfer receipt and marking it paid,
the shipping fee, and the money statement. A seller only ever reaches its own parts."""
import re

import pytest
from sqlalchemy import func, select

from market.core.audit import AuditEntry
from market.core.domain import DomainError
from market.core.states import ReasonRequired
from market.extensions import db
from market.orders import services, shipping
from market.orders.models import LedgerEntry, SellerOrder
from market.orders.states import SELLER_ACTIONS
from market.sellers import services as sellers
from market.sellers.models import Seller
from tests.builders import EN, counted_queries, fresh, image_bytes, make_product, place, reload, upload
from tests.conftest import post_form

HOA = "hoa@example.vn"  # owner of goods.shop (honey)
LAN = "lan@example.vn"  # owner of goods.rival (tea)


def text(response) -> str:
    return response.get_data(as_text=True)


def part_of(order, seller) -> SellerOrder:
    return next(part for part in reload(order).seller_orders if part.seller_id == seller.id)


def status_of(part: SellerOrder) -> str:
    db.session.expire_all()
    return db.session.get(SellerOrder, part.id).status


def act(client, part, action, **data):
    """Post one of the order page's forms, as a browser would (token read from the page)."""
    url = f"/sell/orders/{part.id}"
    return post_form(client, f"{url}/{action}", data, form_url=url, headers=EN)


# --- the list ----------------------------------------------------------------------------------

def test_the_list_shows_the_sellers_own_orders_and_filters_by_status(goods, client_for):
    ours = place((goods.honey, 2), full_name="Trần Thị Bích")
    theirs = place((goods.tea, 1))
    both = place((goods.comb, 1), (goods.tea, 2))
    services.fulfil(goods.shop.owner, part_of(ours, goods.shop.seller), "confirm")
    client = client_for()

    page = text(client.get("/sell/orders", headers=EN))
    assert ours.number in page and both.number in page and theirs.number not in page
    assert "Trần Thị Bích" in page and "Hanoi" in page  # the shopper and the province
    assert "2 items" in page and "Cash on delivery (COD)" in page and "unpaid" in page
    # New orders come first.
    assert page.index(both.number) < page.index(ours.number)

    confirmed = text(client.get("/sell/orders?status=confirmed", headers=EN))
    assert ours.number in confirmed and both.number not in confirmed
    assert 'href="/sell/orders?status=shipped"' in confirmed  # filters are plain links
    new = text(client.get("/sell/orders?status=pending", headers=EN))
    assert both.number in new and ours.number not in new
    assert client.get("/sell/orders?status=nonsense").status_code == 404


def test_the_list_runs_a_fixed_number_of_queries(goods, client_for):
    client = client_for()
    place((goods.honey, 1))
    db.session.expire_all()
    with counted_queries() as few:
        client.get("/sell/orders")
    for _ in range(3):
        place((goods.honey, 1), (goods.comb, 1))
    db.session.expire_all()
    with counted_queries() as many:
        assert client.get("/sell/orders").status_code == 200
    assert len(many) == len(few)


def test_people_who_are_not_sellers_do_not_get_in(goods, client_for, client, make_user, staff):
    assert "/account/sign-in" in client.get("/sell/orders").headers["Location"]
    make_user("mai@example.vn")
    shopper = client_for("mai@example.vn")
    for url in ("/sell/orders", "/sell/shipping", "/sell/statement"):
        assert shopper.get(url).headers["Location"].endswith("/sell/apply")
    part = part_of(place((goods.honey, 1)), goods.shop.seller)
    assert shopper.get(f"/sell/orders/{part.id}").status_code == 302
    assert client_for("staff@example.vn").get("/sell/orders", follow_redirects=True).status_code == 403


def test_a_seller_not_yet_approved_is_sent_to_its_dashboard(app, make_user, client_for):
    from tests.builders import application, certificate

    owner = make_user("thu@example.vn")
    sellers.save_application(owner, application(), submit=True, documents=certificate())
    response = client_for("thu@example.vn").get("/sell/orders")
    assert response.status_code == 302 and response.headers["Location"].endswith("/sell")


def test_a_suspended_seller_still_sees_and_ships_its_orders(goods, client_for, staff):
    part = part_of(place((goods.honey, 1)), goods.shop.seller)
    sellers.decide(staff, goods.shop.seller.id, "suspend", "Kiểm tra chất lượng")
    client = client_for()
    assert client.get(f"/sell/orders/{part.id}").status_code == 200
    assert act(client, part, "confirm").status_code == 302
    assert status_of(part) == "confirmed"


# --- ownership ----------------------------------------------------------------------------

def test_another_sellers_order_is_not_found_anywhere(goods, client_for):
    order = place((goods.honey, 1), (goods.tea, 1), payment_method="bank_transfer")
    services.attach_receipt(reload(order), upload(image_bytes()))
    ours, theirs = part_of(order, goods.shop.seller), part_of(order, goods.rival.seller)
    client = client_for()
    assert client.get(f"/sell/orders/{ours.id}/receipt").status_code == 200
    for url in ("", "/slip", "/receipt"):
        assert client.get(f"/sell/orders/{theirs.id}{url}").status_code == 404
    form_url = f"/sell/orders/{ours.id}"  # a page of ours, for a valid CSRF token
    for action, data in (("confirm", {}), ("ship", {"carrier": "GHN", "tracking_number": "1"}),
                         ("deliver", {"cash_collected": "y"}), ("cancel", {"reason": "x"}), ("paid", {})):
        response = post_form(client, f"/sell/orders/{theirs.id}/{action}", data, form_url=form_url)
        assert response.status_code == 404
    assert client.get("/sell/orders/999999").status_code == 404
    assert reload(order).payment_status == "unpaid" and status_of(theirs) == "awaiting_payment"


# --- an order's page and its moves ----------------------------------------------------------------

def test_the_order_page_shows_lines_money_address_and_timeline(goods, client_for):
    order = place((goods.honey, 2), (goods.comb, 1), note="Gọi trước khi giao <b>nhé</b>")
    part = part_of(order, goods.shop.seller)
    page = text(client_for().get(f"/sell/orders/{part.id}", headers=EN))
    assert order.number in page and "Mật ong hoa nhãn" in page and "Mật ong sáp" in page
    assert "₫300,000" in page and "₫520,000" in page  # a line total, the items subtotal
    assert f"Commission ({part.commission_rate_bp / 100:g}%)" in page
    assert "0912 345 678" in page and "12 Hàng Bạc" in page and "Xã Phú Nghĩa" in page and "Hanoi" in page
    assert "Gọi trước khi giao &lt;b&gt;nhé&lt;/b&gt;" in page  # the note, escaped
    assert "Order placed" in page  # the timeline, labelled
    for label in ("Confirm the order", "Cancel this order"):
        assert label in page
    assert "Mark as shipped" not in page and "Mark as paid" not in page  # not now / not a transfer


def test_the_seller_confirms_ships_and_delivers_cash_on_delivery(goods, client_for):
    order = place((goods.honey, 2))
    part = part_of(order, goods.shop.seller)
    client = client_for()

    response = act(client, part, "confirm")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/sell/orders/{part.id}")
    assert status_of(part) == "confirmed"
    page = text(client.get(response.headers["Location"], headers=EN))
    assert "is confirmed" in page and "Mark as shipped" in page and "Confirmed by the seller" in page

    missing = act(client, part, "ship", carrier="Viettel Post", tracking_number="  ")
    assert missing.status_code == 400 and "Enter the tracking number." in text(missing)
    assert status_of(part) == "confirmed"
    assert act(client, part, "ship", carrier="Viettel Post", tracking_number="VTP123").status_code == 302
    assert status_of(part) == "shipped"
    page = text(client.get(f"/sell/orders/{part.id}", headers=EN))
    assert "Viettel Post" in page and "VTP123" in page and "Cash to collect" in page

    page = text(client.get(f"/sell/orders/{part.id}", headers=EN))
    # One form, one press: the cash to collect, a required box, the button that does both.
    deliver_form = page[page.index('id="deliver-form"'):]
    deliver_form = deliver_form[:deliver_form.index("</form>")]
    assert f'action="/sell/orders/{part.id}/deliver#deliver-form"' in page
    assert "₫330,000" in deliver_form and 'name="cash_collected" value="y" required' in deliver_form
    assert "Mark as delivered and cash collected" in deliver_form
    refused = act(client, part, "deliver")  # cash on delivery: the cash must be recorded
    assert refused.status_code == 400
    refused_form = text(refused)[text(refused).index('id="deliver-form"'):]
    assert 'aria-invalid="true"' in refused_form[:refused_form.index("</form>")]
    assert "Record the cash collected" in refused_form[:refused_form.index("</form>")]
    assert status_of(part) == "shipped"
    assert act(client, part, "deliver", cash_collected="y").status_code == 302
    assert status_of(part) == "delivered" and reload(order).payment_status == "paid"
    page = text(client.get(f"/sell/orders/{part.id}", headers=EN))
    assert "What next" not in page  # nothing more to do


def test_delivering_a_paid_transfer_needs_no_cash(goods, client_for, staff):
    order = place((goods.honey, 1), payment_method="bank_transfer")
    services.record_payment(reload(order), staff.id, "FT1")
    part = part_of(order, goods.shop.seller)
    services.fulfil(goods.shop.owner, part, "confirm")
    services.fulfil(goods.shop.owner, part, "ship", carrier="GHN", tracking_number="1")
    client = client_for()
    page = text(client.get(f"/sell/orders/{part.id}", headers=EN))
    assert "Cash to collect" not in page and 'name="cash_collected"' not in page
    assert act(client, part, "deliver").status_code == 302
    assert status_of(part) == "delivered"


def test_cancelling_needs_a_reason_and_gives_the_stock_back(goods, client_for):
    order = place((goods.honey, 3))
    part = part_of(order, goods.shop.seller)
    client = client_for()
    assert fresh(goods.honey.id).stock == 7
    refused = act(client, part, "cancel", reason="   ")
    assert refused.status_code == 400 and "Give a reason" in text(refused)
    assert status_of(part) == "pending" and fresh(goods.honey.id).stock == 7
    assert act(client, part, "cancel", reason="Hết hàng do mưa bão").status_code == 302
    assert status_of(part) == "cancelled" and fresh(goods.honey.id).stock == 10
    page = text(client.get(f"/sell/orders/{part.id}", headers=EN))
    assert "Hết hàng do mưa bão" in page and "What next" not in page


def test_a_move_not_allowed_now_shows_a_message_and_changes_nothing(goods, client_for):
    order = place((goods.honey, 1))
    part = part_of(order, goods.shop.seller)
    client = client_for()
    response = act(client, part, "deliver", cash_collected="y")
    # Refused where the seller is looking: under "What next", at the anchor the form posts to.
    assert response.status_code == 409
    assert '<p class="error" role="alert" id="deliver-form">This cannot be done now: the order is “new”.</p>' \
        in text(response)
    assert status_of(part) == "pending" and reload(order).payment_status == "unpaid"
    # An old page: someone else confirmed it meanwhile; confirming again is refused, not a 500.
    services.fulfil(goods.shop.owner, part, "confirm")
    response = act(client, part, "confirm")
    assert response.status_code == 409 and status_of(part) == "confirmed"
    assert 'id="confirm-form">This cannot be done now: the order is “confirmed”' in text(response)
    assert client.post(f"/sell/orders/{part.id}/explode", data={}).status_code == 404


def test_a_move_beaten_by_someone_else_is_refused_by_the_service_not_a_500(goods, client_for, monkeypatch):
    from market.orders import seller_views

    part = part_of(place((goods.honey, 1)), goods.shop.seller)
    client = client_for()
    # The page offered "deliver" (as if it were still allowed); the service's table says no.
    monkeypatch.setattr(seller_views, "allowed_actions", lambda seller_order: list(SELLER_ACTIONS))
    response = act(client, part, "deliver", cash_collected="y")
    assert response.status_code == 409 and status_of(part) == "pending"
    assert "the order is “new”" in text(response)


def test_a_reason_the_service_asks_for_is_shown_beside_its_field(goods, client_for, monkeypatch):
    def refuse(*args, **kwargs):
        raise ReasonRequired("Give a reason: the shopper will see it.", "reason")

    part = part_of(place((goods.honey, 1)), goods.shop.seller)
    monkeypatch.setattr(services, "fulfil", refuse)
    response = act(client_for(), part, "cancel", reason="?")
    assert response.status_code == 400 and 'id="reason-error"' in text(response)
    assert status_of(part) == "pending"


def test_a_refusal_of_no_field_is_shown_in_the_form_pressed_not_only_at_the_top(goods, client_for, monkeypatch):
    def refuse(*args, **kwargs):
        raise DomainError("The carrier's record does not match.")

    order = place((goods.honey, 1))
    part = part_of(order, goods.shop.seller)
    for action in ("confirm", "ship"):
        services.fulfil(goods.shop.owner, part, action, carrier="GHN", tracking_number="1")
    monkeypatch.setattr(services, "fulfil", refuse)
    response = act(client_for(), part, "deliver", cash_collected="y")
    assert response.status_code == 400
    page = text(response)
    deliver_form = page[page.index('id="deliver-form"'):]
    assert '<p class="error" role="alert">The carrier&#39;s record does not match.</p>' \
        in deliver_form[:deliver_form.index("</form>")]
    assert 'checked' in deliver_form[:deliver_form.index("</form>")]  # what was ticked stays ticked
    assert status_of(part) == "shipped"


def test_a_form_without_its_csrf_token_is_refused(goods, client_for):
    part = part_of(place((goods.honey, 1)), goods.shop.seller)
    response = client_for().post(f"/sell/orders/{part.id}/confirm", data={})
    assert response.status_code == 400 and status_of(part) == "pending"


# --- the packing slip -----------------------------------------------------------------------------

def test_the_packing_slip_is_printable_and_says_what_to_collect(goods, client_for):
    order = place((goods.honey, 2), (goods.comb, 1), note="Giao giờ hành chính")
    part = part_of(order, goods.shop.seller)
    client = client_for()
    page = text(client.get(f"/sell/orders/{part.id}/slip", headers=EN))
    assert "HTX Mật ong Hưng Yên" in page and order.number in page and "Nguyễn Thị Mai" in page
    assert "Mật ong sáp" in page and "Giao giờ hành chính" in page
    assert re.search(r"COD: collect ₫\d{3},000", page)
    assert "site-header" not in page and "site-search" not in page  # no site navigation
    css = client.get(re.search(r'<link rel="stylesheet" href="([^"]+)"', page).group(1))
    assert css.mimetype == "text/css" and "@media print" in text(css)


def test_a_paid_order_slip_asks_for_no_cash(goods, client_for, staff):
    order = place((goods.honey, 1), payment_method="bank_transfer")
    services.record_payment(reload(order), staff.id, "FT1")
    page = text(client_for().get(f"/sell/orders/{part_of(order, goods.shop.seller).id}/slip", headers=EN))
    assert "COD: collect" not in page and "Paid: collect nothing." in page


# --- bank transfers --------------------------------------------------------------------------------

def test_the_seller_sees_the_receipt_but_only_the_union_marks_a_transfer_paid(goods, client_for, staff):
    order = place((goods.honey, 1), payment_method="bank_transfer")
    part = part_of(order, goods.shop.seller)
    client = client_for()
    url = f"/sell/orders/{part.id}"
    page = text(client.get(url, headers=EN))
    assert "has not sent a photo" in page and "The union marks the order as paid" in page
    assert "Mark as paid" not in page and "Confirm the order" not in page
    assert client.get(f"{url}/receipt").status_code == 404

    services.attach_receipt(reload(order), upload(image_bytes((40, 20))))
    page = text(client.get(url, headers=EN))
    assert f'src="{url}/receipt"' in page
    receipt = client.get(f"{url}/receipt")
    assert receipt.status_code == 200 and receipt.mimetype.startswith("image/")
    assert "private" in receipt.headers["Cache-Control"]

    # The order is all hers, and still the old "mark paid" address does nothing.
    response = post_form(client, f"{url}/paid", {}, form_url=url, headers=EN)
    assert response.status_code == 404
    assert reload(order).payment_status == "unpaid" and status_of(part) == "awaiting_payment"
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 0

    services.mark_transfer_paid(staff, reload(order))
    page = text(client.get(url, headers=EN))
    assert "Confirm the order" in page and "The union marks the order as paid" not in page


# --- shipping fee ------------------------------------------------------------------------------------

def test_the_shipping_fee_is_saved_and_applies_to_the_next_order(goods, client_for):
    before = part_of(place((goods.honey, 1)), goods.shop.seller)
    assert before.shipping_vnd == 30_000
    client = client_for()
    page = text(client.get("/sell/shipping", headers=EN))
    assert "Shipping fee per order" in page and 'value="30000"' in page
    response = post_form(client, "/sell/shipping", {"shipping_fee_vnd": "25.000", "free_shipping_over_vnd": "500000"},
                         headers=EN)
    assert response.status_code == 302
    seller = db.session.get(Seller, goods.shop.seller.id, populate_existing=True)
    assert (seller.shipping_fee_vnd, seller.free_shipping_over_vnd) == (25_000, 500_000)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "shipping_updated"))
    assert (entry.actor_id, entry.subject_type, entry.subject_id) == (goods.shop.owner.id, "seller", seller.id)

    assert part_of(place((goods.honey, 1)), goods.shop.seller).shipping_vnd == 25_000
    assert part_of(place((goods.honey, 4)), goods.shop.seller).shipping_vnd == 0  # 600.000 ₫: free
    assert db.session.get(SellerOrder, before.id).shipping_vnd == 30_000  # placed orders keep theirs

    post_form(client, "/sell/shipping", {"shipping_fee_vnd": "0", "free_shipping_over_vnd": ""})
    seller = db.session.get(Seller, goods.shop.seller.id, populate_existing=True)
    assert (seller.shipping_fee_vnd, seller.free_shipping_over_vnd) == (0, None)


def test_a_member_who_is_not_the_owner_sets_the_fee_too(goods, make_user, client_for):
    from tests.builders import add_member

    add_member(goods.shop.owner, "cuc@example.vn")
    response = post_form(client_for("cuc@example.vn"), "/sell/shipping",
                         {"shipping_fee_vnd": "15000", "free_shipping_over_vnd": ""})
    assert response.status_code == 302
    assert db.session.get(Seller, goods.shop.seller.id, populate_existing=True).shipping_fee_vnd == 15_000


@pytest.mark.parametrize(("fee", "over", "message"), [
    ("5000001", "", "Enter a fee between 0 and 5.000.000 đồng."),
    ("", "", "Enter an amount in đồng, e.g. 30000."),
    ("-1", "", "Enter an amount in đồng, e.g. 30000."),
    ("ba mươi nghìn", "", "Enter an amount in đồng, e.g. 30000."),
    ("30,5", "", "Enter an amount in đồng, e.g. 30000."),
    ("30000", "0", "Enter an amount above 0 đồng, or leave it empty"),
    ("30000", "abc", "Enter an amount in đồng, e.g. 30000."),
])
def test_bad_shipping_figures_are_refused_in_the_pages_language(goods, client_for, fee, over, message):
    response = post_form(client_for(), "/sell/shipping", {"shipping_fee_vnd": fee, "free_shipping_over_vnd": over},
                         headers=EN)
    assert response.status_code == 400 and message in text(response)
    seller = db.session.get(Seller, goods.shop.seller.id, populate_existing=True)
    assert (seller.shipping_fee_vnd, seller.free_shipping_over_vnd) == (30_000, None)


def test_the_shipping_service_checks_its_figures(goods, make_user):
    with pytest.raises(DomainError) as refused:
        shipping.set_shipping(goods.shop.owner, 30_000, -5)
    assert refused.value.field == "free_shipping_over_vnd"
    for fee in (-1, 5_000_001, True, "30000", None):
        with pytest.raises(DomainError):
            shipping.set_shipping(goods.shop.owner, fee, None)
    with pytest.raises(DomainError):
        shipping.set_shipping(make_user("mai@example.vn"), 10_000, None)  # not a seller's member
    assert shipping.set_shipping(goods.shop.owner, 5_000_000, 1).shipping_fee_vnd == 5_000_000


# --- money --------------------------------------------------------------------------------------------

def test_the_statement_shows_what_is_owed_after_a_cod_delivery(goods, client_for):
    client = client_for()
    assert "Settled" in text(client.get("/sell/statement", headers=EN))
    order = place((goods.honey, 2))
    part = part_of(order, goods.shop.seller)
    for action, extra in (("confirm", {}), ("ship", {"carrier": "GHN", "tracking_number": "1"}),
                          ("deliver", {"cash_collected": "y"})):
        assert act(client, part, action, **extra).status_code == 302
    page = text(client.get("/sell/statement", headers=EN))
    commission = f"₫{part.commission_vnd:,}"
    assert f"You owe the union {commission}." in page
    assert "Commission on a cash-on-delivery order" in page and order.number in page
    assert f"-{commission}" in page  # the entry and the balance after it
    assert f'href="/sell/orders/{part.id}"' in page


def test_the_statement_shows_what_the_union_owes_for_a_paid_transfer(goods, client_for, staff):
    order = place((goods.honey, 1), payment_method="bank_transfer")
    services.record_payment(reload(order), staff.id, "FT1")
    part = part_of(order, goods.shop.seller)
    for action, extra in (("confirm", {}), ("ship", {"carrier": "GHN", "tracking_number": "1"}), ("deliver", {})):
        services.fulfil(goods.shop.owner, part, action, **extra)
    page = text(client_for().get("/sell/statement", headers=EN))
    assert f"The union owes you ₫{part.net_vnd:,}." in page
    # Another seller's money is not shown.
    rival_product = make_product(goods.rival.owner, name="Chè búp", price_vnd=50_000, stock=5)
    place((rival_product, 1))
    assert "Chè búp" not in text(client_for().get("/sell/statement", headers=EN))


def test_the_order_desk_is_paged_with_new_orders_first(goods, client_for, monkeypatch):
    from market.orders import services

    monkeypatch.setattr(services, "SELLER_PAGE_SIZE", 2)
    first, second, third = (place((goods.honey, 1)) for _ in range(3))
    services.fulfil(goods.shop.owner, part_of(first, goods.shop.seller), "confirm")
    client = client_for()
    page_one = text(client.get("/sell/orders", headers=EN))
    # New ones first (oldest first), then the confirmed one on the next page.
    assert second.number in page_one and third.number in page_one and first.number not in page_one
    assert page_one.index(second.number) < page_one.index(third.number)
    assert first.number in text(client.get("/sell/orders?page=2", headers=EN))
