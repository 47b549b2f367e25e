"""Orders through their services: placing, stock, states, payment, expiry, ledger."""
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select, update

from market.accounts.models import Notification
from market.core.clock import utcnow
from market.core.domain import DomainError
from market.core.mail import outbox
from market.core.states import ReasonRequired, TransitionError
from market.extensions import db
from market.orders import cart as carts
from market.orders import ledger, services
from market.orders.checkout import CartChanged, CheckoutError, place_order
from market.orders.models import LedgerEntry, Order, OrderLine, SellerOrder
from market.orders.states import PAYMENT_TRANSITIONS, SELLER_ORDER_TRANSITIONS
from tests.builders import details, fresh, guest_cart, place, reload


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- placing -----------------------------------------------------------------------------------

def test_an_order_is_split_per_seller_with_lines_as_they_were(goods):
    with force_locale("en"):
        order = place((goods.honey, 2), (goods.tea, 1), (goods.comb, 1))
    order = reload(order)
    assert order.number == f"CPN-{order.created_at.year}-{order.id:06d}"
    assert len(order.token) >= 40
    parts = {part.seller_id: part for part in order.seller_orders}
    honey_part, tea_part = parts[goods.shop.seller.id], parts[goods.rival.seller.id]
    assert honey_part.items_subtotal_vnd == 2 * 150_000 + 220_000
    assert tea_part.items_subtotal_vnd == 90_000
    assert [(line.product_name, line.unit_price_vnd, line.quantity) for line in honey_part.lines] == [
        ("Mật ong hoa nhãn", 150_000, 2), ("Mật ong sáp", 220_000, 1)]
    assert honey_part.status == tea_part.status == "pending"  # cash on delivery: to the sellers at once
    assert order.total_vnd == sum(part.subtotal_vnd for part in order.seller_orders)
    assert order.total_vnd == order.items_total_vnd + order.shipping_total_vnd
    assert (fresh(goods.honey.id).stock, fresh(goods.comb.id).stock, fresh(goods.tea.id).stock) == (8, 2, 4)


def test_lines_keep_the_name_and_price_after_the_product_changes(goods):
    from market.catalog import services as catalog

    order = place((goods.honey, 1))
    catalog.set_stock_and_price(goods.shop.owner, goods.honey.id, stock=9, price_vnd=999_000, seen_stock=9)
    line = db.session.scalar(select(OrderLine))
    assert (line.unit_price_vnd, line.product_name) == (150_000, "Mật ong hoa nhãn")
    assert reload(order).total_vnd < 999_000


def test_shipping_is_the_sellers_flat_fee_or_free_over_its_threshold(goods):
    goods.shop.seller.shipping_fee_vnd, goods.shop.seller.free_shipping_over_vnd = 25_000, 300_000
    goods.rival.seller.shipping_fee_vnd, goods.rival.seller.free_shipping_over_vnd = 20_000, None
    db.session.commit()
    order = reload(place((goods.honey, 2), (goods.tea, 1)))
    shipping = {part.seller_id: part.shipping_vnd for part in order.seller_orders}
    assert shipping == {goods.shop.seller.id: 0, goods.rival.seller.id: 20_000}
    assert order.shipping_total_vnd == 20_000


def test_commission_comes_from_the_sellers_program_and_is_never_recalculated(goods, staff, app):
    from tests.builders import enrol_in_program, make_program

    program = make_program(staff, commission_rate_bp=200)
    enrol_in_program(staff, goods.shop.owner, program)
    order = reload(place((goods.honey, 1), (goods.tea, 1)))
    rates = {part.seller_id: part.commission_rate_bp for part in order.seller_orders}
    assert rates == {goods.shop.seller.id: 200, goods.rival.seller.id: app.config["DEFAULT_COMMISSION_BP"]}
    honey_part = next(part for part in order.seller_orders if part.seller_id == goods.shop.seller.id)
    assert honey_part.commission_vnd == 3_000  # 2 % of 150.000, not of the shipping
    assert honey_part.commission_vnd + honey_part.net_vnd == honey_part.subtotal_vnd
    program.commission_rate_bp = 900
    db.session.commit()
    assert {part.seller_id: part.commission_rate_bp for part in reload(order).seller_orders} == rates
    assert db.session.get(SellerOrder, honey_part.id).commission_vnd == 3_000


def test_the_shoppers_stored_cart_empties_and_the_shopper_is_told(goods, make_user):
    shopper = make_user("mai@example.vn")
    order = place((goods.honey, 1), user=shopper)
    assert carts.UserCart(shopper.id).items() == {}
    assert db.session.scalar(select(Notification).where(Notification.user_id == shopper.id)).link == f"/orders/{order.token}"
    # Both of the honey seller's people... well, its owner here, hear of the new order.
    assert db.session.scalar(select(Notification).where(Notification.user_id == goods.shop.owner.id,
                                                        Notification.link.like("/sell/orders/%")))


def test_a_guest_paying_ahead_must_give_an_email(goods):
    with force_locale("en"), pytest.raises(CheckoutError) as error:
        place((goods.honey, 1), email="", payment_method="bank_transfer")
    assert "email" in error.value.errors
    assert count(Order) == 0 and fresh(goods.honey.id).stock == 10


@pytest.mark.parametrize("field, value", [
    ("phone", "12345"), ("phone", "024 3825 7654"), ("province", "Atlantis"), ("commune", "Phường Không Có"),
    ("street_address", "  "), ("full_name", ""), ("payment_method", "card"), ("payment_method", "bitcoin"),
])
def test_bad_details_are_refused_by_field_and_change_nothing(goods, field, value):
    with pytest.raises(CheckoutError) as error:
        place((goods.honey, 1), **{field: value})
    assert field in error.value.errors
    assert count(Order) == 0 and fresh(goods.honey.id).stock == 10


def test_old_province_names_are_understood(goods):
    order = place((goods.honey, 1), province="Binh Duong", commune="thu dau mot")
    assert (order.province_code, order.commune_name) == ("79", "Phường Thủ Dầu Một")


def test_a_price_change_since_adding_stops_the_order_until_accepted(goods):
    from market.catalog import services as catalog

    store = guest_cart((goods.honey, 1))
    catalog.set_stock_and_price(goods.shop.owner, goods.honey.id, stock=10, price_vnd=160_000, seen_stock=10)
    summary = carts.summarise(store)
    assert summary.lines[0].price_changed and summary.has_changes
    with force_locale("en"), pytest.raises(CartChanged, match="price of Mật ong hoa nhãn has changed"):
        place_order(store, details(), None, ["cod"])
    carts.accept_changes(store)
    order = place_order(store, details(), None, ["cod"])
    assert order.items_total_vnd == 160_000


def test_when_one_line_cannot_be_served_nothing_is_taken_and_the_line_is_named(goods):
    store = guest_cart((goods.honey, 2), (goods.tea, 5))
    # Someone else buys the tea first.
    place((goods.tea, 4))
    with force_locale("en"), pytest.raises(CartChanged, match="Trà Tân Cương"):
        place_order(store, details(), None, ["cod"])
    assert count(Order) == 1
    assert fresh(goods.honey.id).stock == 10 and fresh(goods.tea.id).stock == 1


def test_a_placement_failing_half_way_leaves_no_order_and_no_stock_taken(goods, monkeypatch):
    from market.orders import checkout

    def broken(order):
        raise RuntimeError("the notice could not be written")

    monkeypatch.setattr(checkout.notices, "order_placed", broken)
    store = guest_cart((goods.honey, 2), (goods.tea, 1))
    with pytest.raises(RuntimeError):
        place_order(store, details(), None, ["cod"])
    db.session.expire_all()
    assert count(Order) == count(SellerOrder) == count(OrderLine) == 0
    assert fresh(goods.honey.id).stock == 10 and fresh(goods.tea.id).stock == 5
    assert carts.cart_count(store) == 3  # the cart is still there to try again


# --- cart --------------------------------------------------------------------------------------

def test_cart_quantities_are_limited_to_stock_and_merged_at_sign_in(goods, make_user):
    store = guest_cart((goods.comb, 2))
    assert carts.add_to_cart(store, goods.comb.id, 5) == (3, True)
    shopper = make_user("mai@example.vn")
    carts.add_to_cart(carts.UserCart(shopper.id), goods.honey.id, 1)
    carts.merge_guest_cart(shopper.id, store.items())
    assert carts.UserCart(shopper.id).items() == {goods.honey.id: (1, 150_000), goods.comb.id: (3, 220_000)}
    summary = carts.summarise(carts.UserCart(shopper.id))
    assert [group.seller.id for group in summary.groups] == [goods.shop.seller.id]
    assert summary.count == 4


def test_products_not_on_sale_cannot_be_added(goods):
    from market.catalog import services as catalog

    catalog.change_product_status(goods.shop.owner, goods.honey.id, "hide")
    with force_locale("en"), pytest.raises(DomainError, match="no longer on sale"):
        carts.add_to_cart(carts.SessionCart({}), goods.honey.id, 1)
    with pytest.raises(DomainError):
        carts.add_to_cart(carts.SessionCart({}), goods.tea.id, 0)


# --- states ------------------------------------------------------------------------------------

def part_of(order, seller):
    return next(part for part in reload(order).seller_orders if part.seller_id == seller.id)


def test_the_seller_confirms_ships_and_delivers_cash_on_delivery(goods):
    order = place((goods.honey, 2))
    part = part_of(order, goods.shop.seller)
    owner = goods.shop.owner
    services.fulfil(owner, part, "confirm")
    with force_locale("en"), pytest.raises(DomainError, match="carrier"):
        services.fulfil(owner, part, "ship")
    services.fulfil(owner, part, "ship", carrier="Viettel Post", tracking_number="VTP123")
    with pytest.raises(DomainError):
        services.fulfil(owner, part, "deliver")  # cash on delivery: the cash must be recorded
    services.fulfil(owner, part, "deliver", cash_collected=True)
    order = reload(order)
    assert order.payment_status == "paid" and order.seller_orders[0].status == "delivered"
    entry = db.session.scalar(select(LedgerEntry))
    assert (entry.kind, entry.amount_vnd) == ("commission_owed", -part.commission_vnd)
    actions = [row.action for row in services.timeline(part)]
    assert actions == ["placed", "confirm", "ship", "deliver"]


def test_refused_moves_are_errors_and_change_nothing(goods):
    order = place((goods.honey, 1))
    part = part_of(order, goods.shop.seller)
    with pytest.raises(TransitionError):
        services.fulfil(goods.shop.owner, part, "deliver", cash_collected=True)
    with pytest.raises(ReasonRequired):
        services.fulfil(goods.shop.owner, part, "cancel")
    services.fulfil(goods.shop.owner, part, "confirm")
    with pytest.raises(TransitionError):
        services.cancel_by_shopper(reload(order), part.id, None)
    assert part_of(order, goods.shop.seller).status == "confirmed"


def test_cancelling_gives_the_stock_back(goods, staff):
    order = place((goods.honey, 3), (goods.tea, 2))
    services.cancel_by_shopper(reload(order), part_of(order, goods.rival.seller).id, None)
    assert fresh(goods.tea.id).stock == 5
    with pytest.raises(ReasonRequired):
        services.cancel_by_staff(staff, part_of(order, goods.shop.seller), "")
    services.cancel_by_staff(staff, part_of(order, goods.shop.seller), "Người mua gọi điện huỷ")
    assert fresh(goods.honey.id).stock == 10
    assert part_of(order, goods.shop.seller).cancel_reason == "Người mua gọi điện huỷ"


# --- payment -------------------------------------------------------------------------------------

def test_a_transfer_waits_for_the_money_then_goes_to_the_sellers(goods, staff):
    order = place((goods.honey, 1), payment_method="bank_transfer")
    assert {part.status for part in reload(order).seller_orders} == {"awaiting_payment"}
    assert [part.status for part in services.seller_orders_of(goods.shop.seller.id).items] == ["awaiting_payment"]
    with pytest.raises(TransitionError):
        services.fulfil(goods.shop.owner, reload(order).seller_orders[0], "confirm")
    services.record_payment(reload(order), staff.id, "FT2026")
    order = reload(order)
    assert order.payment_status == "paid" and order.seller_orders[0].status == "pending"
    part = order.seller_orders[0]
    for action, extra in (("confirm", {}), ("ship", {"carrier": "GHN", "tracking_number": "1"}), ("deliver", {})):
        services.fulfil(goods.shop.owner, part, action, **extra)
    entry = db.session.scalar(select(LedgerEntry))
    assert (entry.kind, entry.amount_vnd) == ("net_owed", part.net_vnd)
    assert ledger.seller_money(goods.shop.seller.id).balance_vnd == part.net_vnd


def test_unpaid_orders_expire_and_their_stock_comes_back(goods):
    order = place((goods.honey, 4), payment_method="bank_transfer")
    cod = place((goods.honey, 1))
    assert services.expire_overdue(utcnow()) == 0
    later = utcnow() + timedelta(hours=25)
    assert services.expire_overdue(later) == 1
    assert services.expire_overdue(later) == 0  # already done: a second run (or machine) does nothing
    order = reload(order)
    assert order.payment_status == "expired" and order.seller_orders[0].status == "cancelled"
    assert reload(cod).payment_status == "unpaid"
    assert fresh(goods.honey.id).stock == 9


def test_a_refund_cancels_what_has_not_shipped_and_takes_back_what_was_owed(goods, staff):
    order = place((goods.honey, 1), (goods.tea, 1), payment_method="bank_transfer")
    services.record_payment(reload(order), staff.id)
    honey = part_of(order, goods.shop.seller)
    for action, extra in (("confirm", {}), ("ship", {"carrier": "GHN", "tracking_number": "1"}), ("deliver", {})):
        services.fulfil(goods.shop.owner, honey, action, **extra)
    services.record_refund(reload(order), None, "re_1")
    assert part_of(order, goods.rival.seller).status == "cancelled"
    assert fresh(goods.tea.id).stock == 5
    assert ledger.seller_money(goods.shop.seller.id).balance_vnd == 0
    with pytest.raises(TransitionError):
        services.record_refund(reload(order), None)


def test_guests_find_their_order_by_number_and_phone_or_email(goods):
    order = place((goods.honey, 1))
    assert services.find_guest_order(order.number, "+84912345678") == order
    assert services.find_guest_order(order.number.lower(), "MAI@example.vn") == order
    assert services.find_guest_order(order.number, "0987654321") is None
    assert services.find_guest_order("CPN-2026-999999", "0912345678") is None


# --- programs and the catalog ---------------------------------------------------------------------

def test_program_pages_count_the_orders_and_sales_of_enrolled_sellers(goods, staff, client):
    from market.programs.services import program_figures, program_sales
    from tests.builders import EN, enrol_in_program, make_program

    program = make_program(staff)
    enrol_in_program(staff, goods.shop.owner, program)
    delivered = place((goods.honey, 2))
    part = part_of(delivered, goods.shop.seller)
    for action, extra in (("confirm", {}), ("ship", {"carrier": "GHN", "tracking_number": "1"}),
                          ("deliver", {"cash_collected": True})):
        services.fulfil(goods.shop.owner, part, action, **extra)
    place((goods.honey, 1))  # placed, not yet delivered
    place((goods.tea, 1))  # the rival is not enrolled
    cancelled = place((goods.honey, 1))
    services.cancel_by_shopper(reload(cancelled), part_of(cancelled, goods.shop.seller).id, None)
    assert program_sales(program) == (2, part.subtotal_vnd)
    figures = program_figures(program)
    assert (figures.orders, figures.sales_vnd) == (2, part.subtotal_vnd)
    page = client.get(f"/programs/{program.slug}", headers=EN).get_data(as_text=True)
    assert "Orders from enrolled sellers" in page


def test_an_ordered_product_is_kept_when_its_seller_deletes_it(goods):
    from market.catalog import services as catalog

    place((goods.honey, 1))
    with pytest.raises(DomainError):
        catalog.delete_product(goods.shop.owner, goods.honey.id)
    catalog.delete_product(goods.shop.owner, goods.comb.id)  # never ordered


def test_the_expire_command_expires_overdue_orders(goods, runner):
    order = place((goods.honey, 2), payment_method="bank_transfer")
    db.session.execute(update(Order).where(Order.id == order.id)
                       .values(payment_expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    result = runner.invoke(args=["orders", "expire"])
    assert result.exit_code == 0 and "1 order(s) expired" in result.output
    assert reload(order).payment_status == "expired" and fresh(goods.honey.id).stock == 10
    assert "0 order(s) expired" in runner.invoke(args=["orders", "expire"]).output


def test_a_guest_with_an_email_hears_of_the_order_and_each_change(goods):
    order = place((goods.honey, 1), email="mai@example.vn")
    services.fulfil(goods.shop.owner, part_of(order, goods.shop.seller), "confirm")
    emails = outbox("mai@example.vn")
    assert len(emails) == 2
    assert all(f"/orders/{order.token}" in email.body for email in emails)
    assert order.number in emails[0].subject
    # A guest without an email gets nothing sent anywhere.
    place((goods.honey, 1), email="")
    assert len(outbox("mai@example.vn")) == 2


# --- every move of the tables ---------------------------------------------------------------------

SELLER_MOVES = [(action, old, new) for action, moves in SELLER_ORDER_TRANSITIONS.table.items()
                for old, new in moves.items()]
PAYMENT_MOVES = [(action, old, new) for action, moves in PAYMENT_TRANSITIONS.table.items()
                 for old, new in moves.items()]


@pytest.mark.parametrize("action, old, new", SELLER_MOVES)
def test_every_seller_order_move_in_the_table_is_allowed(goods, action, old, new):
    order = place((goods.honey, 1))
    part = part_of(order, goods.shop.seller)
    db.session.execute(update(SellerOrder).where(SellerOrder.id == part.id).values(status=old))
    db.session.commit()
    part = part_of(order, goods.shop.seller)
    services._move(part, action, None)
    db.session.commit()
    assert part_of(order, goods.shop.seller).status == new
    assert services.timeline(part)[-1].to_status == new


@pytest.mark.parametrize("action, old", [
    ("confirm", "awaiting_payment"), ("confirm", "shipped"), ("ship", "pending"), ("deliver", "confirmed"),
    ("cancel", "shipped"), ("cancel", "delivered"), ("cancel_by_shopper", "confirmed"), ("release", "pending"),
    ("expire", "pending"), ("refund", "delivered"),
])
def test_a_sample_of_refused_seller_order_moves(goods, action, old):
    order = place((goods.honey, 1))
    part = part_of(order, goods.shop.seller)
    db.session.execute(update(SellerOrder).where(SellerOrder.id == part.id).values(status=old))
    db.session.commit()
    with pytest.raises(TransitionError):
        services._move(part_of(order, goods.shop.seller), action, None)
    assert part_of(order, goods.shop.seller).status == old


@pytest.mark.parametrize("action, old, new", PAYMENT_MOVES)
def test_every_payment_move_in_the_table_is_allowed(goods, action, old, new):
    order = place((goods.honey, 1), payment_method="bank_transfer")
    db.session.execute(update(Order).where(Order.id == order.id).values(payment_status=old))
    db.session.commit()
    services._change_payment(reload(order), action, None)
    db.session.commit()
    assert reload(order).payment_status == new


@pytest.mark.parametrize("action, old", [("pay", "paid"), ("pay", "refunded"), ("refund", "unpaid"),
                                         ("refund", "expired"), ("expire", "paid"), ("expire", "expired")])
def test_a_sample_of_refused_payment_moves(goods, action, old):
    order = place((goods.honey, 1), payment_method="bank_transfer")
    db.session.execute(update(Order).where(Order.id == order.id).values(payment_status=old))
    db.session.commit()
    with pytest.raises(TransitionError):
        services._change_payment(reload(order), action, None)
    assert reload(order).payment_status == old


# --- who marks a transfer paid; money due back; cash on delivery settled ---------------------------

def test_only_central_staff_mark_a_transfer_paid(goods, staff, make_user):
    provincial = make_user("lamdong@example.vn", role="staff", province="Lâm Đồng")
    shared = place((goods.honey, 1), (goods.tea, 1), payment_method="bank_transfer")
    alone = place((goods.honey, 1), payment_method="bank_transfer")
    # The seller of the whole order neither: the money is in the union's account, which she
    # cannot see, and a paid order makes the union owe her the net.
    for actor, order in ((goods.shop.owner, shared), (provincial, shared), (goods.shop.owner, alone)):
        with pytest.raises(DomainError):
            services.mark_transfer_paid(actor, reload(order))
    assert reload(shared).payment_status == reload(alone).payment_status == "unpaid"
    services.mark_transfer_paid(staff, reload(shared))
    assert reload(shared).payment_status == "paid"


def test_cancelling_a_part_already_paid_for_tells_staff_to_refund_it(goods, staff):
    order = place((goods.honey, 1), (goods.tea, 1), payment_method="bank_transfer")
    services.mark_transfer_paid(staff, reload(order))
    tea = part_of(order, goods.rival.seller)
    services.fulfil(goods.rival.owner, tea, "cancel", reason="Hết hàng trong kho")
    notice = db.session.scalar(select(Notification).where(Notification.user_id == staff.id,
                                                          Notification.subject.like("%" + order.number + "%")))
    assert notice is not None and notice.link == f"/staff/orders?number={order.number}"
    assert [entry.action for entry in services.payment_timeline(reload(order))][-1] == "refund_due"
    assert fresh(goods.tea.id).stock == 5


def test_cash_on_delivery_is_paid_when_the_last_open_part_is_cancelled_after_the_others_delivered(goods, staff):
    order = place((goods.honey, 1), (goods.tea, 1))
    honey = part_of(order, goods.shop.seller)
    for action, extra in (("confirm", {}), ("ship", {"carrier": "GHN", "tracking_number": "1"}),
                          ("deliver", {"cash_collected": True})):
        services.fulfil(goods.shop.owner, honey, action, **extra)
    assert reload(order).payment_status == "unpaid"  # the tea is still to come
    services.cancel_by_staff(staff, part_of(order, goods.rival.seller), "Người bán nghỉ Tết")
    order = reload(order)
    assert order.payment_status == "paid" and order.paid_at is not None


def test_large_orders_fit_the_money_columns(goods):
    from market.catalog import services as catalog

    catalog.set_stock_and_price(goods.shop.owner, goods.honey.id, stock=10, price_vnd=900_000_000, seen_stock=10)
    order = reload(place((goods.honey, 9)))
    assert order.items_total_vnd == 8_100_000_000
