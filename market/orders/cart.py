"""The cart: guests keep theirs in the session, signed-in shoppers in the database.

Both are the same `CartStore` to the rules below. A line remembers the price the shopper
saw; a later change of price or stock is shown on the cart and checkout pages and has to
be accepted, never applied silently.
"""
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from functools import cache

from flask import current_app, g, has_request_context
from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import joinedload, selectinload

from market.catalog.models import Product
from market.core.domain import DomainError
from market.extensions import db
from market.orders.models import CartItem
from market.orders.pricing import shipping_fee
from market.sellers.models import Seller

SESSION_KEY = "cart"
MAX_LINES = 50  # a guest's session cookie stays small


class SessionCart:
    """A guest's cart in the (signed cookie) session: {"<product id>": [quantity, price seen]}."""

    def __init__(self, session: MutableMapping):
        self.session = session

    def items(self) -> dict[int, tuple[int, int]]:
        raw = self.session.get(SESSION_KEY) or {}
        return {int(pid): (int(qty), int(price)) for pid, (qty, price) in raw.items()}

    def count(self) -> int:
        """Units in the cart."""
        return sum(quantity for quantity, _price in self.items().values())

    def put(self, product_id: int, quantity: int, price_seen_vnd: int) -> None:
        raw = dict(self.session.get(SESSION_KEY) or {})
        raw[str(product_id)] = [quantity, price_seen_vnd]
        self.session[SESSION_KEY] = raw  # reassigned so the session notices the change

    def remove(self, product_id: int) -> None:
        raw = dict(self.session.get(SESSION_KEY) or {})
        raw.pop(str(product_id), None)
        self.session[SESSION_KEY] = raw

    def clear(self) -> None:
        self.session.pop(SESSION_KEY, None)

    def save(self) -> None:
        """Nothing to write: the session travels with the response."""


@cache
def _units_in_cart():
    # Built once per process: building a statement costs more than running this one.
    return select(func.coalesce(func.sum(CartItem.quantity), 0)).where(CartItem.user_id == bindparam("user_id"))


def units_in_cart_of(user_id_column):
    """The units in the cart of the user in `user_id_column`, as a scalar subquery (read with
    each signed-in request's session lookup for the header: see orders/views.py)."""
    return (select(func.coalesce(func.sum(CartItem.quantity), 0)).where(CartItem.user_id == user_id_column)
            .scalar_subquery())


def _note_cart_changed() -> None:
    """The header's count read with the session is out of date for the rest of this request."""
    if has_request_context():
        g.cart_changed = True


class UserCart:
    """A signed-in shopper's cart rows (kept across devices and sign-ins)."""

    def __init__(self, user_id: int):
        self.user_id = user_id

    def _rows(self) -> dict[int, CartItem]:
        rows = db.session.scalars(select(CartItem).where(CartItem.user_id == self.user_id))
        return {row.product_id: row for row in rows}

    def items(self) -> dict[int, tuple[int, int]]:
        return {pid: (row.quantity, row.price_seen_vnd) for pid, row in self._rows().items()}

    def count(self) -> int:
        """Units in the cart, counted by the database (the header shows it on every page)."""
        return db.session.scalar(_units_in_cart(), {"user_id": self.user_id})

    def put(self, product_id: int, quantity: int, price_seen_vnd: int) -> None:
        _note_cart_changed()
        row = self._rows().get(product_id)
        if row is None:
            db.session.add(CartItem(user_id=self.user_id, product_id=product_id, quantity=quantity,
                                    price_seen_vnd=price_seen_vnd))
        else:
            row.quantity, row.price_seen_vnd = quantity, price_seen_vnd

    def remove(self, product_id: int) -> None:
        _note_cart_changed()
        db.session.execute(delete(CartItem).where(CartItem.user_id == self.user_id, CartItem.product_id == product_id))

    def clear(self) -> None:
        _note_cart_changed()
        db.session.execute(delete(CartItem).where(CartItem.user_id == self.user_id))

    def save(self) -> None:
        db.session.commit()


@dataclass
class CartLine:
    product_id: int
    quantity: int
    price_seen_vnd: int
    product: Product | None  # None when it is no longer on sale

    @property
    def available(self) -> bool:
        return self.product is not None and self.product.stock > 0

    @property
    def price_changed(self) -> bool:
        return self.product is not None and self.product.price_vnd != self.price_seen_vnd

    @property
    def short_of_stock(self) -> bool:
        return self.product is not None and 0 < self.product.stock < self.quantity

    @property
    def has_change(self) -> bool:
        return not self.available or self.price_changed or self.short_of_stock

    @property
    def line_total_vnd(self) -> int:
        return self.product.price_vnd * self.quantity if self.product else 0


@dataclass
class SellerGroup:
    """The lines of one seller, with the shipping that seller charges."""

    seller: Seller
    lines: list[CartLine] = field(default_factory=list)

    @property
    def items_subtotal_vnd(self) -> int:
        return sum(line.line_total_vnd for line in self.lines if line.available)

    @property
    def shipping_vnd(self) -> int:
        if not self.items_subtotal_vnd:
            return 0
        return shipping_fee(self.items_subtotal_vnd, self.seller.shipping_fee_vnd, self.seller.free_shipping_over_vnd)

    @property
    def total_vnd(self) -> int:
        return self.items_subtotal_vnd + self.shipping_vnd


@dataclass
class CartSummary:
    groups: list[SellerGroup]
    gone: list[CartLine]  # lines whose product is no longer on sale

    @property
    def lines(self) -> list[CartLine]:
        return [line for group in self.groups for line in group.lines] + self.gone

    @property
    def count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def items_total_vnd(self) -> int:
        return sum(group.items_subtotal_vnd for group in self.groups)

    @property
    def shipping_total_vnd(self) -> int:
        return sum(group.shipping_vnd for group in self.groups)

    @property
    def total_vnd(self) -> int:
        return self.items_total_vnd + self.shipping_total_vnd

    @property
    def has_changes(self) -> bool:
        return any(line.has_change for line in self.lines)

    @property
    def is_empty(self) -> bool:
        return not self.lines


def _max_quantity(product: Product) -> int:
    return min(product.stock, current_app.config["MAX_CART_QUANTITY"])


def _visible_product(product_id: int) -> Product | None:
    return db.session.scalar(select(Product).where(Product.id == product_id, Product.visible()))


def add_to_cart(store, product_id: int, quantity: int) -> tuple[int, bool]:
    """Add `quantity` of a product, limited to its stock; returns the quantity now in the cart
    and whether the limit cut what was asked.

    Raises DomainError when the product is not on sale, sold out, or the quantity is not positive.
    """
    if not isinstance(quantity, int) or quantity < 1:
        raise DomainError(_("Choose a quantity of at least 1."), "quantity")
    product = _visible_product(product_id)
    if product is None:
        raise DomainError(_("This product is no longer on sale."))
    if product.stock < 1:
        raise DomainError(_("Sorry, %(name)s is sold out.", name=product.name))
    items = store.items()
    if product_id not in items and len(items) >= MAX_LINES:
        raise DomainError(_("Your cart is full: check out or remove something first."))
    asked = items.get(product_id, (0, 0))[0] + quantity
    allowed = min(asked, _max_quantity(product))
    store.put(product_id, allowed, product.price_vnd)
    store.save()
    return allowed, allowed < asked


def set_quantities(store, quantities: dict[int, int]) -> None:
    """Set line quantities (0 removes a line), each limited to the product's stock."""
    items = store.items()
    for product_id, quantity in quantities.items():
        if product_id not in items:
            continue
        if quantity <= 0:
            store.remove(product_id)
            continue
        product = _visible_product(product_id)
        if product is None or product.stock < 1:
            store.remove(product_id)
            continue
        # The price seen stays: changing a quantity is not accepting a new price.
        store.put(product_id, min(quantity, _max_quantity(product)), items[product_id][1])
    store.save()


def remove_from_cart(store, product_id: int) -> None:
    store.remove(product_id)
    store.save()


def accept_changes(store) -> None:
    """Take the cart as it now is: current prices, quantities cut to stock, gone lines removed."""
    for line in summarise(store).lines:
        if not line.available:
            store.remove(line.product_id)
        else:
            store.put(line.product_id, min(line.quantity, _max_quantity(line.product)), line.product.price_vnd)
    store.save()


def summarise(store, photos: bool = True) -> CartSummary:
    """The cart's lines with their products, grouped by seller (in the order first added).
    `photos`: load the products' photos too (pages show them; placing an order does not)."""
    items = store.items()
    products = {}
    if items:
        # The seller in the same query (one per product): one statement less than loading it apart.
        options = [joinedload(Product.seller), *([selectinload(Product.images)] if photos else [])]
        query = select(Product).where(Product.id.in_(items), Product.visible()).options(*options)
        products = {product.id: product for product in db.session.scalars(query)}
    groups: dict[int, SellerGroup] = {}
    gone: list[CartLine] = []
    for product_id, (quantity, price_seen) in items.items():
        product = products.get(product_id)
        line = CartLine(product_id, quantity, price_seen, product)
        if product is None:
            gone.append(line)
            continue
        groups.setdefault(product.seller_id, SellerGroup(product.seller)).lines.append(line)
    return CartSummary(list(groups.values()), gone)


def cart_count(store) -> int:
    """Number of items in the cart (for the header)."""
    return store.count()


def merge_guest_cart(user_id: int, guest_items: dict[int, tuple[int, int]]) -> None:
    """At sign-in, add a guest cart's lines to the shopper's stored cart (quantities add up,
    limited to stock; the price seen is the guest's, so a change since is still shown)."""
    if not guest_items:
        return
    store = UserCart(user_id)
    stored = store.items()
    for product_id, (quantity, price_seen) in guest_items.items():
        product = _visible_product(product_id)
        if product is None or product.stock < 1:
            continue
        total = min(stored.get(product_id, (0, 0))[0] + quantity, _max_quantity(product))
        store.put(product_id, total, price_seen)
    store.save()
