"""Messages about orders: to the shopper (account message and email, or email alone for a
guest) and to every member of the seller. Each joins the caller's transaction.

The order confirmation and a seller's new order are rich emails (`emails/order_placed.*`,
`emails/new_order_for_seller.*`: the lines, the address, how it is paid); the account
message beside them stays short. A signed-in shopper or a member gets one email, the rich
one (`notify(..., email=...)`)."""
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from market.accounts.models import Role, User
from market.accounts.services import notify
from market.core.emails import RenderedEmail, local_time, queue_rendered, render_email
from market.core.i18n import format_money
from market.core.mail import queue_email
from market.core.urls import public_url, site_path
from market.extensions import db
from market.orders.models import (
    ORDER_STATUS_LABELS,
    Order,
    PaymentMethod,
    PaymentStatus,
    SellerOrder,
    SellerOrderStatus,
)
from market.orders.payment_methods import get_provider
from market.sellers.models import SellerMember

# The endpoint (payments' blueprint) serving an order's VietQR code as a PNG, by its token.
VIETQR_PNG_ENDPOINT = "payments.vietqr_png"


def _tell_shopper(order: Order, subject_and_body, email=None) -> None:
    """`subject_and_body()` is called in the shopper's language; `email(subject)`, when
    given, renders the email sent instead of the plain notice."""
    with force_locale(order.locale or "vi"):
        subject, body = subject_and_body()
    rendered = email(subject) if email is not None else None
    if order.user is not None:
        notify(order.user, subject, body, link=site_path("orders.order_page", token=order.token), email=rendered)
    elif order.email:
        if rendered is not None:
            queue_rendered(order.email, rendered)
        else:
            page = public_url("orders.order_page", token=order.token)
            queue_email(order.email, subject[:200], f"{body}\n\n{page}")


def _members_of(seller_ids) -> dict[int, list[SellerMember]]:
    """The members (with their accounts) of each seller, in one query. No flush first: the
    notices about to be written would otherwise go one statement at a time, not together at
    the commit."""
    with db.session.no_autoflush:
        members = db.session.scalars(
            select(SellerMember).where(SellerMember.seller_id.in_(sorted(set(seller_ids))))
            .options(joinedload(SellerMember.user)).order_by(SellerMember.id)
        ).all()
    found: dict[int, list[SellerMember]] = {}
    for member in members:
        found.setdefault(member.seller_id, []).append(member)
    return found


def _tell_seller(seller_order: SellerOrder, subject_and_body, email=None,
                 members: list[SellerMember] | None = None) -> None:
    """Every member of the part's seller (`members`, when the caller loaded them)."""
    if members is None:
        members = _members_of([seller_order.seller_id]).get(seller_order.seller_id, [])
    for member in members:
        locale = member.user.locale or "vi"
        with force_locale(locale):
            subject, body = subject_and_body()
        rendered = email(subject, locale) if email is not None else None
        notify(member.user, subject, body, link=site_path("orders.seller_order", seller_order_id=seller_order.id),
               email=rendered)


def order_placed(order: Order) -> None:
    _tell_shopper(
        order,
        lambda: (
            _("Order %(number)s received", number=order.number),
            _("Thank you! We received your order %(number)s for %(total)s.", number=order.number,
              total=format_money(order.total_vnd)),
        ),
        email=lambda subject: order_placed_email(order, subject),
    )
    waiting = [part for part in order.seller_orders if part.status == SellerOrderStatus.PENDING]
    members = _members_of(part.seller_id for part in waiting) if waiting else {}
    for seller_order in waiting:
        new_order_for_seller(seller_order, members.get(seller_order.seller_id, []))


def order_placed_email(order: Order, subject: str | None = None) -> RenderedEmail:
    """The order confirmation, in the order's language: every line per seller, shipping,
    totals, the delivery address, the payment method and, while a bank transfer is due,
    the account, amount, transfer note, deadline and VietQR code (a PNG by URL)."""
    provider = get_provider(order.payment_method)
    # The provider says what there is to pay now (the bank transfer's account), as on the order page.
    transfer = provider.instructions(order)
    with force_locale(order.locale or "vi"):
        if subject is None:
            subject = _("Order %(number)s received", number=order.number)
        if transfer is not None:
            next_step = _("Your order goes to the sellers once your transfer of %(amount)s arrives.",
                          amount=format_money(order.amount_due_vnd))
        elif provider.pays_ahead and order.payment_status != PaymentStatus.PAID:
            next_step = _("Your order goes to the sellers once it is paid: open your order to pay.")
        elif order.payment_method == PaymentMethod.COD:
            next_step = _("Each seller confirms and ships their part; pay each delivery in cash when it arrives.")
        else:
            next_step = _("Each seller confirms and ships their part; we will tell you at every step.")
        deadline = local_time(order.payment_expires_at)
    return render_email(
        "order_placed", order.locale, subject, order=order, method=provider, transfer=transfer,
        next_step=next_step, deadline=deadline,
        qr_url=public_url(VIETQR_PNG_ENDPOINT, token=order.token) if transfer is not None else None,
        page_url=public_url("orders.order_page", token=order.token),
    )


def new_order_for_seller(seller_order: SellerOrder, members: list[SellerMember] | None = None) -> None:
    _tell_seller(
        seller_order,
        lambda: (
            _("New order %(number)s", number=seller_order.order.number),
            _("A new order %(number)s for %(amount)s is waiting for your confirmation.",
              number=seller_order.order.number, amount=format_money(seller_order.subtotal_vnd)),
        ),
        email=lambda subject, locale: new_order_for_seller_email(seller_order, locale, subject),
        members=members,
    )


def new_order_for_seller_email(seller_order: SellerOrder, locale: str | None,
                               subject: str | None = None) -> RenderedEmail:
    """What a seller's member needs to prepare and ship a part: the lines (name, unit,
    quantity), the shopper's name, phone and address, and what to collect on delivery."""
    order = seller_order.order
    provider = get_provider(order.payment_method)
    if subject is None:
        with force_locale(locale or "vi"):
            subject = _("New order %(number)s", number=order.number)
    return render_email(
        "new_order_for_seller", locale, subject, part=seller_order, order=order, method=provider,
        cash=not provider.pays_ahead,
        part_url=public_url("orders.seller_order", seller_order_id=seller_order.id),
    )


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
