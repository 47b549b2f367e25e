"""What placing an order costs the database, and what it writes to the search index.

An order sends a fixed number of statements whatever its size, but for one conditional
stock UPDATE per product; and it writes to the search index only when it sells the last
units of a product (the index holds whether a product is in stock, not how many), which
the facet counts and the "in stock" filter then show exactly, as they do when a
cancellation puts the units back.
"""
import re

from sqlalchemy import func, select

from market.catalog.models import Product
from market.extensions import db
from market.orders import services
from market.orders.checkout import commission_rate_for, commission_rates_for, place_order
from market.orders.payment_methods import enabled_methods
from market.search.backend import SearchRequest
from tests.builders import (
    TODAY,
    counted_queries,
    details,
    enrol_in_program,
    fresh,
    guest_cart,
    make_program,
    reload,
)


def _statements_placing(*lines) -> list[str]:
    store, methods = guest_cart(*lines), enabled_methods()
    with counted_queries() as statements:
        place_order(store, details(), None, methods)
    return statements


def test_statements_per_order_grow_only_by_one_stock_update_per_product(goods):
    _statements_placing((goods.honey, 1))  # the first order of a process loads what it caches
    one_line = _statements_placing((goods.honey, 1))
    # Three products of two sellers: two parts, three lines, two sellers' members told.
    three_lines = _statements_placing((goods.honey, 1), (goods.comb, 1), (goods.tea, 2))
    updates = [s for s in three_lines if s.lstrip().upper().startswith("UPDATE PRODUCTS")]
    assert len(updates) == 3
    if db.engine.dialect.name == "postgresql":
        # The new rows of each table go in one statement (the parts, the lines, the notices...).
        assert len(three_lines) - len(one_line) == 2, "\n".join(three_lines)
    else:
        # SQLite's driver is sent one INSERT per row (in process, no round trip): the same kinds
        # of statement, none more per seller or per line.
        assert _kinds(three_lines) == _kinds(one_line), "\n".join(three_lines)


def _kinds(statements: list[str]) -> set[str]:
    # One row is inserted without RETURNING (the driver's last row id), several with it.
    return {re.sub(r"\?(?:, \?)+", "?", statement).removesuffix(" RETURNING id") for statement in statements}


def test_an_order_leaving_stock_writes_nothing_to_the_index(engine, goods):
    store, methods = guest_cart((goods.honey, 2), (goods.tea, 1)), enabled_methods()
    with counted_queries() as statements:
        place_order(store, details(), None, methods)
    assert [s for s in statements if "product_search" in s or "search_queue" in s] == []
    assert fresh(goods.honey.id).stock == 8 and fresh(goods.tea.id).stock == 4


# The tests taking `engine` name it before `goods`, so that the products are written into it.

def _in_stock(engine, text: str = "") -> tuple[set[int], dict]:
    result = engine.search(SearchRequest(text=text, per_page=100, in_stock_only=True))
    return {hit.product_id for hit in result.hits}, engine.search(SearchRequest(text=text, per_page=100)).facets


def _products_in_stock() -> int:
    return db.session.scalar(select(func.count()).select_from(Product).where(Product.visible(), Product.stock > 0))


def test_selling_the_last_units_shows_sold_out_and_a_cancellation_brings_them_back(engine, goods):
    hits, facets = _in_stock(engine)
    assert goods.tea.id in hits and facets["in_stock"]["true"] == _products_in_stock() == 3

    order = place_order(guest_cart((goods.tea, 5), (goods.honey, 1)), details(), None, enabled_methods())
    hits, facets = _in_stock(engine)
    assert goods.tea.id not in hits and goods.honey.id in hits
    assert facets["in_stock"]["true"] == _products_in_stock() == 2

    part = next(part for part in reload(order).seller_orders if part.seller_id == goods.rival.seller.id)
    services.cancel_by_shopper(reload(order), part.id, None)
    hits, facets = _in_stock(engine)
    assert goods.tea.id in hits and fresh(goods.tea.id).stock == 5
    assert facets["in_stock"]["true"] == _products_in_stock() == 3


def test_commission_rates_of_a_checkout_are_each_sellers_rate(goods, staff):
    enrol_in_program(staff, goods.shop.owner, make_program(staff, commission_rate_bp=150))
    sellers = [goods.shop.seller.id, goods.rival.seller.id]
    rates = commission_rates_for(sellers, TODAY)
    assert rates == {seller: commission_rate_for(seller, TODAY) for seller in sellers}
    assert rates[goods.shop.seller.id] == 150 and rates[goods.rival.seller.id] != 150
