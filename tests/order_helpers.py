"""Builders shared by the order tests: products on sale and orders placed through the services.

Call them inside the `app` fixture's application context (shop, rival: tests.catalog_helpers).
"""
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from market.extensions import db
from market.orders import cart as carts
from market.orders.checkout import CheckoutDetails, place_order
from market.orders.models import Order
from market.orders.payment_methods import enabled_methods
from tests.catalog_helpers import make_product

# A real 2025 address: Hà Nội, Xã Phú Nghĩa.
ADDRESS = {"province": "01", "commune": "Xã Phú Nghĩa", "street_address": "12 Hàng Bạc"}


def details(**changes) -> CheckoutDetails:
    values = {"full_name": "Nguyễn Thị Mai", "phone": "0912 345 678", "email": "mai@example.vn",
              "note": "Giao giờ hành chính", "payment_method": "cod", "locale": "en", **ADDRESS}
    values.update(changes)
    return CheckoutDetails(**values)


def guest_cart(*lines) -> carts.SessionCart:
    """A guest's cart holding (product, quantity) lines."""
    store = carts.SessionCart({})
    for product, quantity in lines:
        carts.add_to_cart(store, product.id, quantity)
    return store


def place(*lines, user=None, methods=None, **changes) -> Order:
    """Place an order for (product, quantity) lines as a guest (or `user`)."""
    store = carts.UserCart(user.id) if user is not None else carts.SessionCart({})
    for product, quantity in lines:
        carts.add_to_cart(store, product.id, quantity)
    return place_order(store, details(**changes), user.id if user else None, methods or enabled_methods())


def reload(order: Order) -> Order:
    db.session.expire_all()
    return db.session.scalar(select(Order).where(Order.id == order.id))


@pytest.fixture
def goods(shop, rival):
    """Two sellers with products on sale: honey (shop, 10 in stock) and tea (rival, 5)."""
    honey = make_product(shop.owner, name="Mật ong hoa nhãn", price_vnd=150_000, stock=10)
    comb = make_product(shop.owner, name="Mật ong sáp", price_vnd=220_000, stock=3)
    tea = make_product(rival.owner, name="Trà Tân Cương", price_vnd=90_000, stock=5, category="mat-ong")
    return SimpleNamespace(honey=honey, comb=comb, tea=tea, shop=shop, rival=rival)
