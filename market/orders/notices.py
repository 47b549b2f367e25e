"""Messages about orders: to the shopper (account message and email, or email alone for a
guest) and to every member of the seller. Each joins the caller's transaction."""
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from market.accounts.models import Role, User
from market.accounts.services import notify
from market.core.i18n import format_money
from market.core.mail import queue_email
from market.core.urls import public_url, site_path
from market.extensions import db
from market.orders.models import ORDER_STATUS_LABELS, Order, SellerOrder, SellerOrderStatus
from market.sellers.models import SellerMember


def _tell_shopper(order: Order, subject_and_body) -> None:
    """`subject_and_body()` is called in the shopper's language."""
    with force_locale(order.locale or "vi"):
        subject, body = subject_and_body()
    if order.user is not None:
        notify(order.user, subject, body, link=site_path("orders.order_page", token=order.token))
    elif order.email:
        page = public_url("orders.order_page", token=order.token)
        queue_email(order.email, subject[:200], f"{body}\n\n{page}")


def _tell_seller(seller_order: SellerOrder, subject_and_body) -> None:
    members = db.session.scalars(
        select(SellerMember).where(SellerMember.seller_id == seller_order.seller_id)
        .options(joinedload(SellerMember.user))
    ).all()
    for member in members:
        with force_locale(member.user.locale or "vi"):
            subject, body = subject_and_body()
        notify(member.user, subject, body, link=site_path("orders.seller_order", seller_order_id=seller_order.id))


def order_placed(order: Order) -> None:
    _tell_shopper(order, lambda: (
        _("Order %(number)s received", number=order.number),
        _("Thank you! We received your order %(number)s for %(total)s.", number=order.number,
          total=format_money(order.total_vnd)),
    ))
    for seller_order in order.seller_orders:
        if seller_order.status == SellerOrderStatus.PENDING:
            new_order_for_seller(seller_order)


def new_order_for_seller(seller_order: SellerOrder) -> None:
    _tell_seller(seller_order, lambda: (
        _("New order %(number)s", number=seller_order.order.number),
        _("A new order %(number)s for %(amount)s is waiting for your confirmation.",
          number=seller_order.order.number, amount=format_money(seller_order.subtotal_vnd)),
    ))


def seller_order_changed(seller_order: SellerOrder, reason: str | None = None, tell_seller: bool = False) -> None:
    """The shopper (and, when someone else made the change, the seller) hear of a new status."""
    def text():
        status = str(ORDER_STATUS_LABELS[seller_order.status])
        body = _("Your order %(number)s from %(seller)s is now: %(status)s.", number=seller_order.order.number,
                 seller=seller_order.seller.name, status=status)
        if seller_order.status == SellerOrderStatus.SHIPPED and seller_order.tracking_number:
            body += " " + _("Carrier: %(carrier)s, tracking number: %(tracking)s.",
                            carrier=seller_order.carrier or "", tracking=seller_order.tracking_number)
        if reason:
            body += " " + _("Reason: %(reason)s", reason=reason)
        return _("Order %(number)s: %(status)s", number=seller_order.order.number, status=status), body

    _tell_shopper(seller_order.order, text)
    if tell_seller:
        _tell_seller(seller_order, text)


def payment_changed(order: Order) -> None:
    def text():
        status = str(ORDER_STATUS_LABELS[order.payment_status])
        return (_("Order %(number)s: payment %(status)s", number=order.number, status=status),
                _("The payment of your order %(number)s (%(total)s) is now: %(status)s.", number=order.number,
                  total=format_money(order.total_vnd), status=status))

    _tell_shopper(order, text)


def refund_needed(order: Order, amount_vnd: int) -> None:
    """Money the union holds for goods that will not be sent (a part cancelled after payment,
    or a payment that came after the order expired): central staff return it."""
    staff = db.session.scalars(select(User).where(User.role == Role.STAFF, User.staff_province_code.is_(None)))
    for user in staff:
        with force_locale(user.locale or "vi"):
            subject = _("Refund needed: order %(number)s", number=order.number)
            body = _("The union holds %(amount)s paid for order %(number)s for goods that will not be sent "
                     "(a part was cancelled, or the payment came after the order expired). Refund the shopper.",
                     amount=format_money(amount_vnd), number=order.number)
        notify(user, subject, body, link=site_path("orders.staff_orders", number=order.number))
