"""Placing an order: one transaction that checks the cart, takes the stock, splits the
order per seller, fixes each seller's commission and starts the payment."""
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from market.catalog.models import Product, ProductStatus
from market.core.audit import record_audit
from market.core.changes import forget_loaded, note_stock_changed
from market.core.clock import utcnow
from market.core.domain import DomainError
from market.core.phones import parse_vn_phone
from market.extensions import db
from market.geo.provinces import get_by_code
from market.geo.provinces import lookup as lookup_province
from market.geo.wards import find_ward
from market.orders import notices
from market.orders.cart import CartLine, CartSummary, summarise
from market.orders.models import Order, OrderLine, PaymentMethod, SellerOrder, SellerOrderStatus
from market.orders.payment_methods import get_provider
from market.orders.pricing import shipping_fee, split
from market.programs.models import Enrolment, Program
from market.sellers.models import Seller


class CheckoutError(DomainError):
    """The checkout form has mistakes: `errors` maps each field to its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(next(iter(errors.values())))
        self.errors = errors


class CartChanged(DomainError):
    """A line cannot be served as the shopper saw it (price, stock or availability)."""


@dataclass
class CheckoutDetails:
    full_name: str
    phone: str
    email: str | None
    province: str  # a code from the select, or a name typed (old names understood)
    commune: str
    street_address: str
    note: str = ""
    payment_method: str = PaymentMethod.COD
    locale: str = "vi"


@dataclass
class Destination:
    """The checked address and contact, as they are stored on the order."""

    full_name: str
    phone: str
    email: str | None
    province_code: str
    commune_code: str | None
    commune_name: str
    street_address: str
    note: str


def check_details(details: CheckoutDetails, signed_in: bool, enabled_methods: list[str]) -> Destination:
    """The cleaned address and contact; CheckoutError naming every field that is wrong."""
    errors: dict[str, str] = {}
    full_name = (details.full_name or "").strip()
    if not full_name:
        errors["full_name"] = _("Enter the name of the person receiving the order.")
    phone = parse_vn_phone((details.phone or "").strip())
    if phone is None:
        errors["phone"] = _("Enter a Vietnamese mobile number, e.g. 0912 345 678.")
    email = (details.email or "").strip().lower() or None
    if details.payment_method not in enabled_methods:
        errors["payment_method"] = _("Choose one of the payment methods offered.")
    elif email is None and not signed_in and details.payment_method != PaymentMethod.COD:
        # Guests paying ahead need the payment instructions and the order link by email.
        errors["email"] = _("Enter your email: we send the payment details and your order's link there.")
    province = get_by_code(details.province or "") or lookup_province(details.province or "")
    if province is None:
        errors["province"] = _("Choose a province or city from the list (old names are accepted).")
    commune = (details.commune or "").strip()
    ward = find_ward(province.code, commune) if province and commune else None
    if not commune:
        errors["commune"] = _("Enter the commune or ward.")
    elif province is not None and ward is None:
        errors["commune"] = _("This commune or ward is not in %(province)s on the 2025 map.", province=province.name)
    street = (details.street_address or "").strip()
    if not street:
        errors["street_address"] = _("Enter the house number and street.")
    if errors:
        raise CheckoutError(errors)
    return Destination(full_name[:120], phone, email, province.code, ward.code, ward.name, street[:200],
                       (details.note or "").strip()[:1000])


def commission_rate_for(seller_id: int, today: date) -> int:
    """The seller's commission rate now: the lowest of its programs open today, else the default."""
    return commission_rates_for([seller_id], today)[seller_id]


def commission_rates_for(seller_ids, today: date) -> dict[int, int]:
    """Each seller's commission rate now (as `commission_rate_for`), in one query."""
    ids = sorted(set(seller_ids))
    lowest = dict(db.session.execute(
        select(Enrolment.seller_id, func.min(Program.commission_rate_bp))
        .join(Program, Program.id == Enrolment.program_id)
        .where(Enrolment.seller_id.in_(ids), Enrolment.status == "approved", Program.starts_on <= today,
               (Program.ends_on.is_(None)) | (Program.ends_on >= today))
        .group_by(Enrolment.seller_id)
    ).all()) if ids else {}
    default = current_app.config["DEFAULT_COMMISSION_BP"]
    return {seller_id: lowest.get(seller_id, default) for seller_id in ids}


def _refuse_changed_lines(cart: CartSummary) -> None:
    """The shopper pays what they saw: any change since is a stop, naming the line."""
    if cart.gone:
        raise CartChanged(_("A product in your cart is no longer on sale: review your cart."))
    for line in cart.lines:
        if line.price_changed:
            raise CartChanged(_("The price of %(name)s has changed: review your cart.", name=line.product.name))
        if not line.available or line.short_of_stock:
            raise CartChanged(_("Only %(count)d of %(name)s left: review your cart.",
                                count=line.product.stock, name=line.product.name))


@dataclass(frozen=True)
class TakenLine:
    """A cart line as it was taken from stock: the order is built from these alone, never
    from the products afterwards (their stock has just moved, their price may move)."""

    product_id: int
    seller_id: int
    name: str
    unit: str
    unit_price_vnd: int
    quantity: int

    @property
    def line_total_vnd(self) -> int:
        return self.unit_price_vnd * self.quantity


_PRODUCTS = Product.__table__
# One conditional UPDATE per product (a Core statement: the ORM's bulk-update machinery costs
# more Python than the statement itself), returning the stock left so that the search index
# hears only of products it shows as sold out from now on.
_TAKE_STOCK = (
    update(_PRODUCTS)
    .where(_PRODUCTS.c.id == bindparam("product_id"), _PRODUCTS.c.stock >= bindparam("quantity"),
           _PRODUCTS.c.status == ProductStatus.ACTIVE, _PRODUCTS.c.price_vnd == bindparam("price_seen"))
    .values(stock=_PRODUCTS.c.stock - bindparam("quantity"))
    .returning(_PRODUCTS.c.stock)
)


def _take_stock(line: CartLine) -> TakenLine | None:
    """Take the line's units in the current transaction, only if that many are there at the
    price the shopper saw; the line as taken, or None."""
    product = line.product
    left = db.session.execute(_TAKE_STOCK, {"product_id": line.product_id, "quantity": line.quantity,
                                            "price_seen": line.price_seen_vnd}).scalar()
    if left is None:
        return None
    note_stock_changed(Product, line.product_id, left + line.quantity, left)
    forget_loaded(Product, line.product_id, "stock")  # whoever reads it next in this transaction needs the new value
    return TakenLine(line.product_id, product.seller_id, product.name, product.unit, line.price_seen_vnd, line.quantity)


def _local_year() -> int:
    return datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).year


def place_order(store, details: CheckoutDetails, user_id: int | None, enabled_methods: list[str],
                cart: CartSummary | None = None) -> Order:
    """Place the cart as one order (all or nothing) and empty the cart; returns the order.

    `cart`: `summarise(store)` if the caller has it already in this transaction (the checkout
    page does), else it is read here. Raises CheckoutError (form mistakes), CartChanged (a
    line changed since the shopper saw it, or its stock ran out meanwhile: nothing is taken,
    the message names the line).
    """
    destination = check_details(details, user_id is not None, enabled_methods)
    if cart is None:
        cart = summarise(store, photos=False)
    if cart.is_empty:
        raise CartChanged(_("Your cart is empty."))
    _refuse_changed_lines(cart)
    try:
        taken = []
        # In product order, so two buyers of the same products never wait on each other in a cycle.
        for line in sorted(cart.lines, key=lambda line: line.product_id):
            taken_line = _take_stock(line)
            if taken_line is None:
                raise CartChanged(_("Sorry, %(name)s ran out or changed while you were checking out: "
                                    "review your cart.", name=line.product.name))
            taken.append(taken_line)
        order = _build_order(cart, taken, destination, details, user_id)
        provider = get_provider(details.payment_method)
        provider.on_placed(order)
        for seller_order in order.seller_orders:
            record_audit(user_id, "seller_order", seller_order.id, "placed", None, seller_order.status)
        if hasattr(store, "user_id"):
            store.clear()  # the stored cart empties in the order's own transaction
        notices.order_placed(order)
        fixed = {key: getattr(order, key) for key in _FIXED_WHEN_PLACED}
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    for key, value in fixed.items():
        set_committed_value(order, key, value)
    store.clear()
    store.save()
    return order


# What the page after placing reads and no later change alters: kept on the order through
# the commit, which would otherwise make that page read the order again.
_FIXED_WHEN_PLACED = ("number", "token", "payment_method")


def _seller_part(seller: Seller, lines: list[TakenLine], rate: int) -> SellerOrder:
    """One seller's part at commission `rate`, its money computed from the lines as taken."""
    items_subtotal = sum(line.line_total_vnd for line in lines)
    shipping = shipping_fee(items_subtotal, seller.shipping_fee_vnd, seller.free_shipping_over_vnd)
    subtotal, fee, net = split(items_subtotal, shipping, rate)
    part = SellerOrder(
        seller_id=seller.id, status=SellerOrderStatus.PENDING, items_subtotal_vnd=items_subtotal,
        shipping_vnd=shipping, subtotal_vnd=subtotal, commission_rate_bp=rate, commission_vnd=fee, net_vnd=net,
    )
    for line in lines:
        part.lines.append(OrderLine(
            product_id=line.product_id, product_name=line.name, unit=line.unit, unit_price_vnd=line.unit_price_vnd,
            quantity=line.quantity, line_total_vnd=line.line_total_vnd,
        ))
    return part


def _build_order(cart: CartSummary, taken: list[TakenLine], destination: Destination, details: CheckoutDetails,
                 user_id: int | None) -> Order:
    rates = commission_rates_for((group.seller.id for group in cart.groups), utcnow().date())
    parts = []
    for group in cart.groups:  # sellers in the order the shopper added them
        lines = sorted((line for line in taken if line.seller_id == group.seller.id), key=_added_order(group))
        parts.append(_seller_part(group.seller, lines, rates[group.seller.id]))
    order = Order(
        number=f"new-{secrets.token_hex(8)}",  # 20 characters; replaced below once the id is known
        token=secrets.token_urlsafe(32),
        user_id=user_id,
        locale=details.locale if details.locale in current_app.config["LANGUAGES"] else "vi",
        payment_method=details.payment_method,
        items_total_vnd=sum(part.items_subtotal_vnd for part in parts),
        shipping_total_vnd=sum(part.shipping_vnd for part in parts),
        total_vnd=sum(part.subtotal_vnd for part in parts),
        seller_orders=parts,
        **vars(destination),
    )
    db.session.add(order)
    db.session.flush()
    order.number = f"CPN-{_local_year()}-{order.id:06d}"
    return order


def _added_order(group):
    """Sort key keeping a seller's lines in the order the shopper added them to the cart."""
    position = {line.product_id: index for index, line in enumerate(group.lines)}
    return lambda line: position[line.product_id]
