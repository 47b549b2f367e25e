"""Placing an order: one transaction that checks the cart, takes the stock, splits the
order per seller, fixes each seller's commission and starts the payment."""
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from market.accounts.models import utcnow
from market.catalog.models import Product, ProductStatus
from market.core.audit import record_audit
from market.core.changes import forget_loaded, note_changed
from market.core.domain import DomainError
from market.core.phones import parse_vn_phone
from market.extensions import db
from market.geo.provinces import get_by_code
from market.geo.provinces import lookup as lookup_province
from market.geo.wards import find_ward
from market.orders import notices
from market.orders.cart import CartSummary, summarise
from market.orders.models import Order, OrderLine, PaymentMethod, SellerOrder, SellerOrderStatus
from market.orders.pricing import split
from market.payments.registry import get_provider
from market.programs.models import Enrolment, Program


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
    rates = db.session.scalars(
        select(Program.commission_rate_bp)
        .join(Enrolment, Enrolment.program_id == Program.id)
        .where(Enrolment.seller_id == seller_id, Enrolment.status == "approved", Program.starts_on <= today,
               (Program.ends_on.is_(None)) | (Program.ends_on >= today))
    ).all()
    return min(rates) if rates else current_app.config["DEFAULT_COMMISSION_BP"]


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


def _take_stock(product_id: int, quantity: int) -> bool:
    """Take `quantity` units in the current transaction, only if that many are there (row count)."""
    result = db.session.execute(
        update(Product)
        .where(Product.id == product_id, Product.stock >= quantity, Product.status == ProductStatus.ACTIVE)
        .values(stock=Product.stock - quantity)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    note_changed(Product, product_id)
    forget_loaded(Product, product_id, "stock")  # the search document must say "sold out" when it is
    return True


def _local_year() -> int:
    return datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).year


def place_order(store, details: CheckoutDetails, user_id: int | None, enabled_methods: list[str]) -> Order:
    """Place the cart as one order (all or nothing) and empty the cart; returns the order.

    Raises CheckoutError (form mistakes), CartChanged (a line changed since the shopper saw
    it, or its stock ran out meanwhile: nothing is taken, the message names the line).
    """
    destination = check_details(details, user_id is not None, enabled_methods)
    cart = summarise(store)
    if cart.is_empty:
        raise CartChanged(_("Your cart is empty."))
    _refuse_changed_lines(cart)
    try:
        # In product order, so two buyers of the same products never wait on each other in a cycle.
        for line in sorted(cart.lines, key=lambda line: line.product_id):
            if not _take_stock(line.product_id, line.quantity):
                raise CartChanged(_("Sorry, %(name)s ran out while you were checking out: review your cart.",
                                    name=line.product.name))
        order = _build_order(cart, destination, details, user_id)
        provider = get_provider(details.payment_method)
        provider.on_placed(order)
        for seller_order in order.seller_orders:
            record_audit(user_id, "seller_order", seller_order.id, "placed", None, seller_order.status)
        if hasattr(store, "user_id"):
            store.clear()  # the stored cart empties in the order's own transaction
        notices.order_placed(order)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    store.clear()
    store.save()
    return order


def _build_order(cart: CartSummary, destination: Destination, details: CheckoutDetails, user_id: int | None) -> Order:
    today = utcnow().date()
    order = Order(
        number=f"new-{secrets.token_hex(8)}",  # 20 characters; replaced below once the id is known
        token=secrets.token_urlsafe(32),
        user_id=user_id,
        locale=details.locale if details.locale in current_app.config["LANGUAGES"] else "vi",
        payment_method=details.payment_method,
        items_total_vnd=cart.items_total_vnd,
        shipping_total_vnd=cart.shipping_total_vnd,
        total_vnd=cart.total_vnd,
        **vars(destination),
    )
    for group in cart.groups:
        rate = commission_rate_for(group.seller.id, today)
        subtotal, fee, net = split(group.items_subtotal_vnd, group.shipping_vnd, rate)
        seller_order = SellerOrder(
            seller_id=group.seller.id, status=SellerOrderStatus.PENDING,
            items_subtotal_vnd=group.items_subtotal_vnd, shipping_vnd=group.shipping_vnd, subtotal_vnd=subtotal,
            commission_rate_bp=rate, commission_vnd=fee, net_vnd=net,
        )
        for line in group.lines:
            seller_order.lines.append(OrderLine(
                product_id=line.product_id, product_name=line.product.name, unit=line.product.unit,
                unit_price_vnd=line.product.price_vnd, quantity=line.quantity, line_total_vnd=line.line_total_vnd,
            ))
        order.seller_orders.append(seller_order)
    db.session.add(order)
    db.session.flush()
    order.number = f"CPN-{_local_year()}-{order.id:06d}"
    return order
