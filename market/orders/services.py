"""Order states after placing: the seller's fulfilment, cancellations, payment, expiry.

Every move goes through a transition table (`orders.states`) with a conditional UPDATE, so
two people acting at once cannot both win; every move is timestamped and attributed in the
audit trail, which is also the timeline the shopper sees.
"""
from collections.abc import Iterator
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import Row, case, func, select, update
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from market.accounts.models import User
from market.catalog.models import Product
from market.core import on_behalf, uploads
from market.core.audit import history, record_audit
from market.core.changes import forget_loaded, note_changed, note_stock_changed
from market.core.clock import utcnow
from market.core.days import DayRange
from market.core.domain import DomainError
from market.core.paging import Page, paginate
from market.core.phones import parse_vn_phone
from market.core.states import ReasonRequired, TransitionError, change_status
from market.extensions import db
from market.orders import ledger, notices
from market.orders.models import (
    Order,
    OrderLine,
    PaymentMethod,
    PaymentStatus,
    SellerOrder,
    SellerOrderStatus,
)
from market.orders.states import PAYMENT_TRANSITIONS, SELLER_ORDER_TRANSITIONS
from market.sellers.models import Seller

STAFF_PAGE_SIZE = 50
STAFF_CSV_ROWS = 100_000  # a download holds at most this many seller orders (the page says so)


# --- reading ---------------------------------------------------------------------------------

def order_by_token(token: str) -> Order | None:
    """The order behind an order page's link, with everything its page shows."""
    if not isinstance(token, str) or not 20 <= len(token) <= 48:
        return None
    return db.session.scalar(
        select(Order).where(Order.token == token).options(
            selectinload(Order.seller_orders).selectinload(SellerOrder.lines),
            selectinload(Order.seller_orders).selectinload(SellerOrder.seller),
        )
    )


def order_for_visitor(token: str, user: User | None) -> Order | None:
    """The order behind an order page's link, for this visitor: a guest's order for anyone
    holding its link; an account's order only for that account (`Order.owned_by`)."""
    order = order_by_token(token)
    if order is None or order.user_id is None:
        return order
    if user is None or not db.session.scalar(select(Order.id).where(Order.id == order.id, Order.owned_by(user))):
        return None
    return order


def find_guest_order(number: str, contact: str) -> Order | None:
    """An order by its number and the phone or email given at checkout (for guests)."""
    number = (number or "").strip().upper()
    contact = (contact or "").strip()
    if not number or not contact or len(number) > 20 or len(contact) > 254:
        return None
    order = db.session.scalar(select(Order).where(Order.number == number))
    if order is None:
        return None
    phone = parse_vn_phone(contact, mobile_only=False)
    if (phone and phone == order.phone) or (order.email and contact.lower() == order.email):
        return order
    return None


def orders_of(user: User) -> list[Order]:
    """A shopper's orders, newest first, with what their cards show (sellers, lines, a photo of
    each product) loaded in a fixed number of queries."""
    parts = selectinload(Order.seller_orders)
    return list(db.session.scalars(
        select(Order).where(Order.user_id == user.id).order_by(Order.id.desc())
        .options(parts.selectinload(SellerOrder.seller),
                 parts.selectinload(SellerOrder.lines).selectinload(OrderLine.product).selectinload(Product.images))
    ))


SELLER_PAGE_SIZE = 30
# The seller's desk: new orders first, then those to ship (oldest first, they wait longest),
# then the rest newest first.
_DESK_RANK = case({SellerOrderStatus.PENDING: 0, SellerOrderStatus.CONFIRMED: 1, SellerOrderStatus.SHIPPED: 2},
                  value=SellerOrder.status, else_=3)


def seller_orders_of(seller_id: int, status: str | None = None, page: int = 1) -> Page:
    """One page of a seller's orders for its desk, lines and order loaded."""
    query = (
        select(SellerOrder)
        .where(SellerOrder.seller_id == seller_id)
        .options(selectinload(SellerOrder.lines), selectinload(SellerOrder.order))
    )
    if status:
        query = query.where(SellerOrder.status == status)
    waiting_first = case((_DESK_RANK < 3, SellerOrder.id), else_=-SellerOrder.id)
    return paginate(query.order_by(_DESK_RANK, waiting_first), page, SELLER_PAGE_SIZE)


def _staff_orders_query(staff: User, status: str | None, payment: str | None, number: str, days: DayRange):
    query = select(SellerOrder).join(SellerOrder.order).where(SellerOrder.in_staff_scope(staff))
    if status:
        query = query.where(SellerOrder.status == status)
    if payment:
        query = query.where(Order.payment_status == payment)
    if number:
        # Numbers are written in capitals (CPN-2026-000123): comparing so keeps the unique index.
        query = query.where(Order.number == number.upper())
    # Days the part was placed, in Vietnam's calendar.
    return query.where(*days.conditions(SellerOrder.created_at)).order_by(SellerOrder.id.desc())


def staff_orders(staff: User, status: str | None, payment: str | None, number: str, page: int,
                 days: DayRange = DayRange()) -> Page:
    """Seller orders `staff` may see, newest first, one page; the order and seller come in the
    same query (the list shows both), the count in one more."""
    query = _staff_orders_query(staff, status, payment, number, days)
    query = query.options(contains_eager(SellerOrder.order), joinedload(SellerOrder.seller))
    return paginate(query, page, STAFF_PAGE_SIZE)


def staff_order_batches(staff: User, status: str | None, payment: str | None, number: str,
                        days: DayRange = DayRange()) -> Iterator[list[Row]]:
    """Every seller order of the staff list's filters (all pages, at most STAFF_CSV_ROWS), newest
    first, a thousand at a time, each batch after the last id seen: for the CSV, read while it
    is sent. Plain rows of what the CSV shows (ORM objects cost ten times more to load)."""
    query = _staff_orders_query(staff, status, payment, number, days).join(SellerOrder.seller).with_only_columns(
        SellerOrder.id, Order.number, SellerOrder.created_at, Seller.name.label("seller_name"),
        Seller.province_code.label("seller_province"), Order.full_name, Order.province_code, Order.payment_method,
        Order.payment_status, SellerOrder.status, SellerOrder.items_subtotal_vnd, SellerOrder.shipping_vnd,
        SellerOrder.subtotal_vnd, SellerOrder.commission_vnd, SellerOrder.net_vnd, SellerOrder.delivered_at,
    )
    left, last_id = STAFF_CSV_ROWS, None
    while left > 0:
        batch = query if last_id is None else query.where(SellerOrder.id < last_id)
        rows = db.session.execute(batch.limit(min(1000, left))).all()
        if not rows:
            return
        yield rows
        left, last_id = left - len(rows), rows[-1].id


def timeline(seller_order: SellerOrder) -> list:
    """Every change of one seller order, oldest first, with who made it."""
    return history("seller_order", seller_order.id)


def payment_timeline(order: Order) -> list:
    return history("order", order.id)


# --- stock --------------------------------------------------------------------------------

def _return_stock(parts: list[SellerOrder]) -> None:
    """Put the parts' quantities back on sale (UPDATEs adding to what is there now).

    In product order, as placing an order takes them, so a cancellation and a checkout of
    the same products never wait on each other in a cycle.
    """
    for line in sorted((line for part in parts for line in part.lines), key=lambda line: line.product_id):
        left = db.session.execute(
            update(Product).where(Product.id == line.product_id).values(stock=Product.stock + line.quantity)
            .returning(Product.stock).execution_options(synchronize_session=False)
        ).scalar()
        if left is not None:  # a product deleted since is nothing to give back to
            note_stock_changed(Product, line.product_id, left - line.quantity, left)
        forget_loaded(Product, line.product_id, "stock")


# --- seller orders ---------------------------------------------------------------------------

def _move(seller_order: SellerOrder, action: str, actor_id: int | None, reason: str | None = None,
          detail: str | None = None, **values) -> None:
    """One move along the seller-order table, with its audit row. A caller cancelling gives
    the stock back (`_return_stock`), all parts at once."""
    old, new = change_status(seller_order, action, SELLER_ORDER_TRANSITIONS, **values)
    record_audit(actor_id, "seller_order", seller_order.id, action, old, new, reason, detail)


def fulfil(member: User, seller_order: SellerOrder, action: str, reason: str | None = None,
           carrier: str | None = None, tracking_number: str | None = None, cash_collected: bool = False) -> None:
    """A seller's member moves its order on: confirm, ship (carrier and tracking), deliver
    (cash collected, for cash on delivery) or cancel (with a reason). The caller has checked
    that `seller_order` is the member's seller's (get_owned_or_404)."""
    reason = (reason or "").strip()[:500] or None
    if action == "cancel":
        if not reason:
            raise ReasonRequired(_("Give a reason: the shopper will see it."), "reason")
        _cancel_part(seller_order, "cancel", member.id, reason)
    elif action == "confirm":
        _move(seller_order, "confirm", member.id)
    elif action == "ship":
        carrier, tracking_number = (carrier or "").strip()[:60], (tracking_number or "").strip()[:60]
        if not carrier or not tracking_number:
            raise DomainError(_("Enter the carrier and the tracking number."), "tracking_number")
        _move(seller_order, "ship", member.id, detail=f"{carrier} {tracking_number}",
              carrier=carrier, tracking_number=tracking_number)
    elif action == "deliver":
        _deliver(member, seller_order, cash_collected)
    else:
        raise DomainError(_("This cannot be done now."))
    # Union staff moving an order for the seller (sellers.acting): she hears of it too.
    notices.seller_order_changed(seller_order, reason, tell_seller=on_behalf.seller_for(member.id) is not None)
    db.session.commit()


def _deliver(member: User, seller_order: SellerOrder, cash_collected: bool) -> None:
    order = seller_order.order
    cod = order.payment_method == PaymentMethod.COD
    if cod and not cash_collected:
        raise DomainError(_("Record the cash collected: cash on delivery is paid on delivery."), "cash_collected")
    _move(seller_order, "deliver", member.id, cash_collected=cod, delivered_at=utcnow())
    if cod:
        ledger.commission_owed(seller_order)
        _settle_cash_on_delivery(order, member.id)
    elif order.payment_status == PaymentStatus.PAID:
        ledger.net_owed(seller_order)


def _settle_cash_on_delivery(order: Order, actor_id: int | None) -> None:
    """A cash-on-delivery order is paid once every part not cancelled is delivered (and one is).

    The order's row is locked first, so two sellers delivering the last two parts at once
    take turns, and the second sees the first's delivery (each statement reads what was
    committed before it began).
    """
    db.session.execute(select(Order.id).where(Order.id == order.id).with_for_update())
    open_parts = db.session.scalar(
        select(func.count()).select_from(SellerOrder).where(
            SellerOrder.order_id == order.id,
            SellerOrder.status.not_in((SellerOrderStatus.DELIVERED, SellerOrderStatus.CANCELLED)))
    )
    delivered = db.session.scalar(
        select(func.count()).select_from(SellerOrder).where(
            SellerOrder.order_id == order.id, SellerOrder.status == SellerOrderStatus.DELIVERED)
    )
    db.session.refresh(order, ["payment_status"])
    if open_parts == 0 and delivered and order.payment_status == PaymentStatus.UNPAID:
        _change_payment(order, "pay", actor_id, paid_at=utcnow())


def _cancel_part(seller_order: SellerOrder, action: str, actor_id: int | None, reason: str | None = None) -> None:
    """Cancel one seller's part: its stock comes back; a part already paid for online is
    money the union must return (staff are told); a cash-on-delivery order whose other parts
    were all delivered is now paid."""
    values = {"cancel_reason": reason} if reason else {}
    _move(seller_order, action, actor_id, reason, **values)
    _return_stock([seller_order])
    order = seller_order.order
    if order.payment_status == PaymentStatus.PAID and order.payment_method != PaymentMethod.COD:
        record_audit(actor_id, "order", order.id, "refund_due", detail=f"{seller_order.subtotal_vnd} ₫")
        notices.refund_needed(order, seller_order.subtotal_vnd)
    elif order.payment_method == PaymentMethod.COD:
        _settle_cash_on_delivery(order, actor_id)


def cancel_by_shopper(order: Order, seller_order_id: int, actor_id: int | None, reason: str | None = None) -> None:
    """The shopper cancels a seller's part before the seller confirmed it (stock comes back),
    saying why if they wish: the seller reads it on the order and in the notice."""
    reason = (reason or "").strip()[:500] or None
    seller_order = _part_of(order, seller_order_id)
    _cancel_part(seller_order, "cancel_by_shopper", actor_id, reason)
    notices.seller_order_changed(seller_order, reason, tell_seller=True)
    db.session.commit()


def cancel_by_staff(staff: User, seller_order: SellerOrder, reason: str | None) -> None:
    """Staff cancel a seller's part (pending or confirmed) and say why."""
    reason = (reason or "").strip()[:500] or None
    if not reason:
        raise ReasonRequired(_("Give a reason: the shopper and the seller will see it."), "reason")
    _cancel_part(seller_order, "cancel", staff.id, reason)
    notices.seller_order_changed(seller_order, reason, tell_seller=True)
    db.session.commit()


def _part_of(order: Order, seller_order_id: int) -> SellerOrder:
    for seller_order in order.seller_orders:
        if seller_order.id == seller_order_id:
            return seller_order
    raise DomainError(_("This is not part of your order."))


# --- payment ------------------------------------------------------------------------------

def _change_payment(order: Order, action: str, actor_id: int | None, detail: str | None = None,
                    notify: bool = True, **values) -> str:
    """Move the order's payment along its table (conditional UPDATE); returns the status it left."""
    old, new = change_status(order, action, PAYMENT_TRANSITIONS, column="payment_status", **values)
    record_audit(actor_id, "order", order.id, f"payment_{action}", old, new, detail=detail)
    if notify:
        notices.payment_changed(order)
    return old


def _move_parts(order: Order, action: str, actor_id: int | None) -> list[SellerOrder]:
    """Move every part of `order` that the action applies to now, in one UPDATE; returns them.

    Set-based, so a part another request moved meanwhile (a cancellation, a confirmation)
    is simply not among them, rather than failing the payment that caused the move.
    """
    moves = SELLER_ORDER_TRANSITIONS.table[action]
    (new,) = set(moves.values())  # every such action leads to one status
    moved_ids = set(db.session.scalars(
        update(SellerOrder).where(SellerOrder.order_id == order.id, SellerOrder.status.in_(list(moves)))
        .values(status=new).returning(SellerOrder.id).execution_options(synchronize_session=False)
    ))
    parts = [part for part in order.seller_orders if part.id in moved_ids]
    for part in parts:
        record_audit(actor_id, "seller_order", part.id, action, part.status, new)
        db.session.expire(part, ["status", "updated_at"])
        note_changed(SellerOrder, part.id)
    return parts


def record_payment(order: Order, actor_id: int | None, reference: str | None = None,
                   amount_vnd: int | None = None) -> None:
    """Money arrived for an order paid ahead (transfer seen by staff or the seller, or Stripe).

    The sellers' parts go to them. A payment arriving when nothing is left to deliver (the
    order expired, or the shopper cancelled every part) is recorded too, and staff are told
    to refund it. `amount_vnd`, when the provider reports it, is kept as what was paid.
    """
    values = {"paid_at": utcnow()}
    if reference:
        values["payment_reference"] = reference[:255]
    if amount_vnd is not None:
        values["paid_amount_vnd"] = amount_vnd
    _change_payment(order, "pay", actor_id, detail=reference, **values)
    released = _move_parts(order, "release", actor_id)
    for seller_order in released:
        notices.new_order_for_seller(seller_order)
    if not released:
        # Expired, or every part cancelled meanwhile: nothing to deliver for this money.
        notices.refund_needed(order, order.total_vnd if amount_vnd is None else amount_vnd)
    db.session.commit()


def mark_transfer_paid(actor: User, order: Order) -> None:
    """Central staff saw the bank transfer arrive in the union's account: the order is paid.

    Only central staff see that account. A seller never marks a transfer paid, not even
    for an order that is all theirs: the money is the union's, and a paid order makes the
    union owe the seller the net. Only bank transfers are marked by hand.
    """
    if order.payment_method != PaymentMethod.BANK_TRANSFER:
        raise DomainError(_("Only bank transfers are marked as paid by hand."))
    if not actor.is_central_staff:
        raise DomainError(_("Only central staff, who see the union's account, mark a transfer as paid."))
    record_payment(order, actor.id, _("Transfer seen by %(name)s", name=actor.full_name))


RECEIPT_AREA = "receipts"


def attach_receipt(order: Order, file) -> None:
    """The shopper's photo of the transfer receipt (checked and re-encoded; replaces any
    earlier one). Raises UploadError for anything but a photo."""
    if order.payment_method != PaymentMethod.BANK_TRANSFER or order.payment_status != PaymentStatus.UNPAID:
        raise DomainError(_("A receipt is only needed for a bank transfer not yet paid."))
    stored = uploads.store_image(file, RECEIPT_AREA)
    previous = order.receipt_name
    order.receipt_name = stored.stored_name
    record_audit(order.user_id, "order", order.id, "receipt_uploaded")
    db.session.commit()
    if previous:
        uploads.delete_stored(RECEIPT_AREA, previous)


def expire_payment(order: Order, actor_id: int | None = None) -> None:
    """No money in time: the order expires and its stock goes back on sale."""
    _change_payment(order, "expire", actor_id)
    _return_stock(_move_parts(order, "expire", actor_id))
    db.session.commit()


def refund_transfer(staff: User, order: Order, reference: str | None) -> None:
    """Central staff record that a bank transfer went back to the shopper (card refunds are
    recorded from Stripe's webhook)."""
    if not staff.is_central_staff:
        raise DomainError(_("Only central staff record refunds."))
    if order.payment_method != PaymentMethod.BANK_TRANSFER:
        raise DomainError(_("Card payments are refunded in Stripe; the refund is recorded when Stripe reports it."))
    if not (reference or "").strip():
        raise DomainError(_("Enter the reference of the refund transfer."), "reference")
    record_refund(order, staff.id, reference.strip()[:255])


def record_refund(order: Order, actor_id: int | None, reference: str | None = None) -> None:
    """The money went back to the shopper: parts not yet shipped are cancelled (stock back),
    and whatever the platform owed the sellers for them is taken back."""
    _change_payment(order, "refund", actor_id, detail=reference)
    unshipped = _move_parts(order, "refund", actor_id)
    for seller_order in unshipped:
        notices.seller_order_changed(seller_order, tell_seller=True)
    _return_stock(unshipped)
    for seller_order in order.seller_orders:
        ledger.take_back(seller_order)
    db.session.commit()


def record_refund_before_payment(order: Order, reference: str | None, amount_vnd: int | None = None) -> None:
    """Stripe reports a refund of money we had not yet recorded (its events came out of
    order): the payment and its refund, in one transaction, without the payment's notices
    (nothing is released to sellers: it goes straight back)."""
    values = {"paid_at": utcnow(), "paid_amount_vnd": amount_vnd}
    _change_payment(order, "pay", None, detail=reference, notify=False, **values)
    record_refund(order, None, reference)


def overdue_orders(now: datetime, limit: int = 200) -> list[int]:
    """Ids of unpaid orders past their payment deadline (cash on delivery never expires)."""
    return list(db.session.scalars(
        select(Order.id).where(
            Order.payment_status == PaymentStatus.UNPAID,
            Order.payment_method != PaymentMethod.COD,
            Order.payment_expires_at < now,
        ).order_by(Order.payment_expires_at).limit(limit)
    ))


def expire_overdue(now: datetime | None = None) -> int:
    """Expire every overdue unpaid order; returns how many this call expired.

    Safe on several machines at once: each order's expiry is a conditional UPDATE, so an
    order another machine expired first is simply skipped.
    """

    now = now or utcnow()
    expired = 0
    for order_id in overdue_orders(now):
        order = db.session.get(Order, order_id, populate_existing=True)
        if order is None or order.payment_status != PaymentStatus.UNPAID:
            continue
        try:
            expire_payment(order)
        except TransitionError:
            continue  # another machine got there first
        expired += 1
    return expired
