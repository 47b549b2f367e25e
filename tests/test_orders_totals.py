"""Totals always add up, for any cart: checked with Hypothesis, in pure arithmetic and on real orders."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, update

from market.catalog.models import Product
from market.core.changes import note_changed
from market.extensions import db
from market.orders.invariants import order_mismatches
from market.orders.models import LedgerEntry
from market.orders.pricing import commission, shipping_fee, split
from market.sellers.models import Seller
from tests.builders import place, reload

amounts = st.integers(min_value=0, max_value=2_000_000_000)
rates = st.integers(min_value=0, max_value=10_000)


@given(items=amounts, fee=st.integers(0, 5_000_000), free_over=st.none() | st.integers(1, 10_000_000), rate=rates)
def test_a_seller_part_splits_into_commission_and_net(items, fee, free_over, rate):
    shipping = shipping_fee(items, fee, free_over)
    subtotal, fee_taken, net = split(items, shipping, rate)
    assert subtotal == items + shipping
    assert fee_taken + net == subtotal
    assert 0 <= fee_taken <= items and net >= shipping >= 0
    assert fee_taken == commission(items, rate)


@given(items=amounts)
def test_commission_at_the_extremes(items):
    assert commission(items, 0) == 0
    assert commission(items, 10_000) == items


line = st.tuples(st.integers(0, 2), st.integers(1, 4))  # (which product, quantity)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lines=st.lists(line, min_size=1, max_size=4, unique_by=lambda pair: pair[0]),
    prices=st.tuples(*[st.integers(1, 50_000_000)] * 3),
    fees=st.tuples(st.integers(0, 200_000), st.integers(0, 200_000)),
    free_over=st.tuples(st.none() | st.integers(1, 100_000_000), st.none() | st.integers(1, 100_000_000)),
    method=st.sampled_from(["cod", "bank_transfer"]),
    last_units=st.booleans(),
)
def test_any_order_adds_up(goods, lines, prices, fees, free_over, method, last_units):
    products = [goods.honey, goods.comb, goods.tea]
    wanted = dict(lines)
    for index, (product, price) in enumerate(zip(products, prices)):
        # Half the time the cart takes a product's last units (its stock drops to 0).
        stock = wanted.get(index, 10) if last_units else 10
        db.session.execute(update(Product).where(Product.id == product.id).values(price_vnd=price, stock=stock))
        note_changed(Product, product.id)  # as every UPDATE statement in the app does, for the search index
    for seller, fee, threshold in zip((goods.shop.seller, goods.rival.seller), fees, free_over):
        db.session.execute(update(Seller).where(Seller.id == seller.id)
                           .values(shipping_fee_vnd=fee, free_shipping_over_vnd=threshold))
    db.session.commit()
    db.session.expire_all()

    order = reload(place(*[(products[index], quantity) for index, quantity in lines], payment_method=method))
    parts = order.seller_orders
    assert order_mismatches(order) == []
    assert sorted((l.product_id, l.quantity) for part in parts for l in part.lines) == sorted(
        (products[index].id, quantity) for index, quantity in lines)
    assert order.items_total_vnd == sum(prices[index] * quantity for index, quantity in lines)
    assert order.total_vnd == order.items_total_vnd + order.shipping_total_vnd
    assert order.items_total_vnd == sum(l.line_total_vnd for part in parts for l in part.lines)
    assert order.shipping_total_vnd == sum(part.shipping_vnd for part in parts)
    assert order.total_vnd == sum(part.subtotal_vnd for part in parts)
    for part in parts:
        assert part.items_subtotal_vnd == sum(l.unit_price_vnd * l.quantity for l in part.lines)
        assert part.commission_vnd + part.net_vnd == part.subtotal_vnd
        assert min(part.commission_vnd, part.net_vnd, part.shipping_vnd, part.items_subtotal_vnd) >= 0
        expected_shipping = shipping_fee(part.items_subtotal_vnd, part.seller.shipping_fee_vnd,
                                         part.seller.free_shipping_over_vnd)
        assert part.shipping_vnd == expected_shipping

    # Through the ORM, so the seller orders and lines go too on every database.
    db.session.execute(delete(LedgerEntry))
    db.session.delete(order)
    db.session.commit()
    db.session.expire_all()
