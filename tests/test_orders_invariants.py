"""An order's money comes from what was taken, and the rules that say it adds up are checked
before every commit and by `flask --app wsgi orders verify`."""
import pytest
from sqlalchemy import func, select, update

from market.catalog.models import Product
from market.extensions import db
from market.orders import checkout
from market.orders.checkout import CartChanged
from market.orders.invariants import OrderTotalsError, order_mismatches, verify_orders
from market.orders.models import Order, OrderLine, SellerOrder
from tests.builders import make_product, place, reload


def test_the_last_units_are_charged_in_full(shop):
    # The outside tester's case: every unit in the cart, so stock reaches 0 when it is taken.
    coffee = make_product(shop.owner, name="Cà phê Arabica", price_vnd=110_000, stock=38)

    order = reload(place((coffee, 38)))

    part = order.seller_orders[0]
    assert part.lines[0].quantity == 38 and part.lines[0].line_total_vnd == 38 * 110_000
    assert part.items_subtotal_vnd == 38 * 110_000
    assert order.items_total_vnd == 38 * 110_000
    assert order.total_vnd == 38 * 110_000 + part.shipping_vnd
    assert part.shipping_vnd == shop.seller.shipping_fee_vnd
    assert part.commission_vnd + part.net_vnd == part.subtotal_vnd > 0
    assert db.session.get(Product, coffee.id).stock == 0


def test_the_order_page_shows_the_full_total_after_buying_everything(client, shop):
    coffee = make_product(shop.owner, name="Cà phê Robusta", price_vnd=110_000, stock=2)
    order = reload(place((coffee, 2)))

    page = client.get(f"/orders/{order.token}").get_data(as_text=True)

    total = order.total_vnd
    assert total == 220_000 + order.shipping_total_vnd
    # The total line, never "0 ₫" (the money filter groups thousands with dots).
    assert f"<strong>{total:,}".replace(",", ".") in page


def test_a_price_changed_while_checking_out_takes_nothing(shop, monkeypatch):
    honey = make_product(shop.owner, name="Mật ong rừng", price_vnd=150_000, stock=5)
    checked = checkout._refuse_changed_lines

    def seller_edits_the_price_meanwhile(cart):
        checked(cart)  # the shopper's cart matched when it was read...
        db.session.execute(update(Product).where(Product.id == honey.id).values(price_vnd=1_000))

    monkeypatch.setattr(checkout, "_refuse_changed_lines", seller_edits_the_price_meanwhile)

    with pytest.raises(CartChanged):
        place((honey, 2))

    assert db.session.scalar(select(func.count()).select_from(Order)) == 0
    assert db.session.scalar(select(Product.stock).where(Product.id == honey.id)) == 5


def test_an_order_that_does_not_add_up_is_never_committed(shop):
    honey = make_product(shop.owner, name="Mật ong bạc hà", price_vnd=150_000, stock=5)
    order = place((honey, 1))
    part = order.seller_orders[0]
    # Any code path writing amounts that disagree with the lines is stopped at commit.
    part.items_subtotal_vnd = 0
    part.subtotal_vnd = part.shipping_vnd
    part.commission_vnd, part.net_vnd = 0, part.shipping_vnd
    order.items_total_vnd, order.total_vnd = 0, order.shipping_total_vnd

    with pytest.raises(OrderTotalsError) as refused:
        db.session.commit()

    assert "items subtotal = sum of lines" in str(refused.value)
    db.session.rollback()
    stored = reload(order)
    assert stored.items_total_vnd == 150_000 and stored.seller_orders[0].items_subtotal_vnd == 150_000


def test_status_changes_do_not_need_the_amounts_rechecked_but_pass(shop, monkeypatch):
    honey = make_product(shop.owner, name="Mật ong hoa cà phê", price_vnd=90_000, stock=5)
    order = reload(place((honey, 1)))
    calls = []
    monkeypatch.setattr("market.orders.invariants.order_mismatches", lambda o: calls.append(o) or [])

    order.seller_orders[0].carrier = "VNPost"
    db.session.commit()

    assert calls == []  # only writes of money are checked again


def test_order_mismatches_names_each_broken_rule(shop):
    honey = make_product(shop.owner, name="Mật ong keo dậu", price_vnd=100_000, stock=5)
    order = reload(place((honey, 2)))
    assert order_mismatches(order) == []

    part = order.seller_orders[0]
    part.lines[0].line_total_vnd = 1
    part.commission_vnd += 5
    order.shipping_total_vnd += 1
    rules = {mismatch.rule.split(": ", 1)[-1] for mismatch in order_mismatches(order)}
    db.session.rollback()

    assert {"line total = price × quantity", "items subtotal = sum of lines", "commission = rate × items",
            "commission + net = subtotal", "shipping total = sum of parts' shipping"} <= rules


def _tamper_like_the_bug(order_id: int) -> None:
    """What the old checkout stored for the last units: lines in full, goods counted as 0.
    Written in SQL past the guard, as a bad deploy or a hand edit would."""
    part_id = db.session.scalar(select(SellerOrder.id).where(SellerOrder.order_id == order_id))
    db.session.execute(update(SellerOrder).where(SellerOrder.id == part_id).values(
        items_subtotal_vnd=0, subtotal_vnd=SellerOrder.shipping_vnd, commission_vnd=0, net_vnd=SellerOrder.shipping_vnd))
    db.session.execute(update(Order).where(Order.id == order_id).values(
        items_total_vnd=0, total_vnd=Order.shipping_total_vnd))
    db.session.commit()


def _restore(order_id: int, items: int, rate_fee: int) -> None:
    part_id = db.session.scalar(select(SellerOrder.id).where(SellerOrder.order_id == order_id))
    db.session.execute(update(SellerOrder).where(SellerOrder.id == part_id).values(
        items_subtotal_vnd=items, subtotal_vnd=SellerOrder.shipping_vnd + items, commission_vnd=rate_fee,
        net_vnd=SellerOrder.shipping_vnd + items - rate_fee))
    db.session.execute(update(Order).where(Order.id == order_id).values(
        items_total_vnd=items, total_vnd=Order.shipping_total_vnd + items))
    db.session.commit()


def test_orders_verify_passes_then_names_each_mismatch(shop, runner):
    honey = make_product(shop.owner, name="Mật ong hoa vải", price_vnd=110_000, stock=40)
    good = reload(place((honey, 1)))
    bad = reload(place((honey, 38)))
    fee = bad.seller_orders[0].commission_vnd

    result = runner.invoke(args=["orders", "verify"])
    assert result.exit_code == 0, result.output
    assert "Every order adds up." in result.output

    _tamper_like_the_bug(bad.id)
    try:
        result = runner.invoke(args=["orders", "verify"])
        assert result.exit_code == 1
        assert f"{bad.number}: " in result.output and "items subtotal = sum of lines" in result.output
        assert good.number not in result.output
        assert [m.order_number for m in verify_orders(batch_size=1)] == [bad.number]
    finally:
        _restore(bad.id, 38 * 110_000, fee)  # the suite checks every order after each test
    assert list(verify_orders()) == []


def test_lines_keep_the_order_they_were_added_in(shop):
    first = make_product(shop.owner, name="Trà sen", price_vnd=50_000, stock=3)
    second = make_product(shop.owner, name="Trà atiso", price_vnd=60_000, stock=3)

    order = reload(place((second, 1), (first, 3)))

    assert [line.product_name for line in order.seller_orders[0].lines] == ["Trà atiso", "Trà sen"]
    assert db.session.scalar(select(func.sum(OrderLine.line_total_vnd))) == 60_000 + 150_000
