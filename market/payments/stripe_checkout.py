"""Card payments through Stripe Checkout: creating the session, and applying Stripe's events.

Stripe hosts the card form; we never see a card number. The shopper is sent to a Checkout
Session made for one order; Stripe then tells us what happened through signed webhook
events (see `payments.views`), which `handle_event` applies once each, in any order.
"""
import logging
from datetime import datetime, timedelta

import stripe
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from market.core.audit import AuditEntry
from market.core.clock import aware, utcnow
from market.core.domain import DomainError
from market.core.i18n import format_money
from market.core.numbers import parse_int
from market.core.states import TransitionError
from market.extensions import db
from market.orders import services
from market.orders.models import Order, PaymentMethod, PaymentStatus, SellerOrder, SellerOrderStatus
from market.payments import anomalies
from market.payments.anomalies import Mismatch
from market.payments.models import WebhookEvent

log = logging.getLogger(__name__)

PROVIDER = "stripe"
# Stripe accepts a session's expires_at between 30 minutes and 24 hours after it receives
# the request; the margins absorb the request's travel time and small clock differences.
SESSION_MIN = timedelta(minutes=30)
SESSION_MAX = timedelta(hours=24)
MARGIN = timedelta(minutes=5)


# --- creating the Checkout Session ----------------------------------------------------------

def _client() -> stripe.StripeClient:
    config = current_app.config
    api_base = config.get("STRIPE_API_BASE")
    return stripe.StripeClient(
        api_key=config["STRIPE_SECRET_KEY"], base_addresses={"api": api_base} if api_base else None
    )


def _expires_at(order: Order, now: datetime) -> int:
    """The session's end as a Unix timestamp: the order's own payment deadline, clamped.

    The upper bound counts from when the order was placed, not from now, so a retry sends
    the very same value and Stripe's idempotency check replays the first session instead
    of refusing the request as different.
    """
    placed = aware(order.created_at) if order.created_at else now
    deadline = aware(order.payment_expires_at) if order.payment_expires_at else placed + SESSION_MAX
    latest = placed + SESSION_MAX - MARGIN
    earliest = now + SESSION_MIN + MARGIN
    return int(max(min(deadline, latest), earliest).timestamp())


def _line_items(order: Order) -> list[dict]:
    """One line per seller's part (its goods and shipping), named so the shopper sees whom
    they pay. A part the shopper cancelled meanwhile is not charged."""
    return [
        {
            "quantity": 1,
            "price_data": {
                "currency": "vnd",
                # VND is zero-decimal for Stripe: the amount is the whole number of đồng.
                "unit_amount": seller_order.subtotal_vnd,
                "product_data": {"name": f"{seller_order.seller.name} – {order.number}"},
            },
        }
        for seller_order in order.seller_orders
        if seller_order.status != SellerOrderStatus.CANCELLED
    ]


def session_params(order: Order, return_url: str, now: datetime | None = None) -> dict:
    """The Checkout Session request for `order` (mode payment, in đồng, one line per seller)."""
    metadata = {"order_id": str(order.id), "order_number": order.number}
    params = {
        "mode": "payment",
        "currency": "vnd",
        "payment_method_types": ["card"],
        "line_items": _line_items(order),
        "client_reference_id": order.number,
        "metadata": metadata,
        # Copied onto the charge, so a later charge.refunded event names its order.
        "payment_intent_data": {"metadata": metadata},
        "expires_at": _expires_at(order, now or utcnow()),
        "success_url": return_url,
        "cancel_url": return_url,
        "locale": "vi" if (order.locale or "vi").startswith("vi") else "en",
    }
    if order.email:
        params["customer_email"] = order.email
    return params


def checkout_url(order: Order, return_url: str) -> str:
    """Create (or, on a retry, get back) the order's Checkout Session; returns Stripe's page URL.

    The session id is kept in `order.payment_reference`. Raises DomainError when the order
    cannot be paid by card now or Stripe refuses or cannot be reached; the order is kept
    either way, so the shopper can try again from its page.
    """
    if (order.payment_method != PaymentMethod.CARD or order.payment_status != PaymentStatus.UNPAID
            or not current_app.config.get("STRIPE_SECRET_KEY")):
        raise DomainError(_("This order can no longer be paid by card."))
    params = session_params(order, return_url)
    if not params["line_items"]:
        raise DomainError(_("Nothing is left to pay in this order."))
    # The same key on every attempt for this order and amount: a retry after a timeout or a
    # second click gets the first session back instead of opening a second one; after the
    # shopper cancelled a part the amount differs, and so does the key (a new session).
    options = {"idempotency_key": f"checkout-{order.id}-{order.token[:8]}-{order.amount_due_vnd}"}
    try:
        session = _client().v1.checkout.sessions.create(params, options)
    except stripe.StripeError as error:
        log.warning("Stripe refused a Checkout Session for order %s: %s", order.number, error)
        raise DomainError(_("Card payment is unavailable right now. Your order %(number)s is kept: "
                            "try again in a few minutes from its page.", number=order.number)) from error
    order.payment_reference = session.id
    db.session.commit()
    return session.url


# --- applying webhook events ----------------------------------------------------------------

def _order_for(data: dict) -> Order | None:
    """The card order an event's object names in its metadata (both id and number must agree,
    so an event from another installation sharing the Stripe account is never applied here)."""
    metadata = data.get("metadata") or {}
    order_id = parse_int(str(metadata.get("order_id", "")), minimum=1)
    if order_id is None:
        return None
    order = db.session.get(Order, order_id)
    if order is None or order.number != metadata.get("order_number") or order.payment_method != PaymentMethod.CARD:
        return None
    return order


def _is_our_session(order: Order, data: dict) -> bool:
    # The session must be the one we opened for this order (its id was kept when created);
    # with none kept, no session of Stripe's is ours.
    return bool(order.payment_reference) and data.get("id") == order.payment_reference


def _whole(value) -> int | None:
    """An amount as Stripe sends it (an integer), else None (bool is an int in Python)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _currency(data: dict) -> str | None:
    currency = data.get("currency")
    return currency.lower() if isinstance(currency, str) else None


def _due_when_expired(order: Order) -> int:
    """What the order asked for when it expired: the parts its expiry cancelled (a part the
    shopper had cancelled before was no longer due). The audit trail records which."""
    cancelled_by_expiry = (
        select(AuditEntry.id).where(AuditEntry.subject_type == "seller_order", AuditEntry.subject_id == SellerOrder.id,
                                    AuditEntry.action == "expire").exists()
    )
    return db.session.scalar(
        select(func.coalesce(func.sum(SellerOrder.subtotal_vnd), 0))
        .where(SellerOrder.order_id == order.id, cancelled_by_expiry)
    )


def _expected_vnd(order: Order) -> int | None:
    """What one payment for `order` (or the charge a refund returns) must amount to, in đồng.

    Once paid: what was recorded as paid (None for a payment recorded without its amount:
    nothing can match it). Before: what is due now (the parts not cancelled). After our own
    expiry: what was due when it expired (a late payment is recorded, then refunded).
    """
    if order.payment_status in (PaymentStatus.PAID, PaymentStatus.REFUNDED):
        return order.paid_amount_vnd
    if order.payment_status == PaymentStatus.EXPIRED:
        return _due_when_expired(order)
    return order.amount_due_vnd


def _wrong_currency(amount: int | None, currency: str | None) -> Mismatch | None:
    if currency == "vnd":
        return None
    return Mismatch("currency_mismatch", lambda: _(
        "The event's amount is %(amount)s %(currency)s; the order is in đồng.",
        amount=amount if amount is not None else "?", currency=(currency or "?").upper(),
    ), amount, currency)


def _payment_mismatch(order: Order, data: dict) -> Mismatch | None:
    """Why a paid session cannot pay `order`, or None when it is the order's own session,
    paid in đồng, for exactly what is due."""
    session, ours = str(data.get("id") or "?"), order.payment_reference
    amount, currency = _whole(data.get("amount_total")), _currency(data)
    if not _is_our_session(order, data):
        return Mismatch("unknown_session", lambda: (
            _("Session %(session)s was paid, but the order's own session is %(ours)s.", session=session, ours=ours)
            if ours else
            _("Session %(session)s was paid, but no Checkout Session was opened for this order.", session=session)
        ), amount, currency)
    wrong_currency = _wrong_currency(amount, currency)
    if wrong_currency:
        return wrong_currency
    expected = _expected_vnd(order)
    if amount is None or amount <= 0 or amount != expected:
        # E.g. a session opened before the shopper cancelled a part, paid in full: the money
        # is more than is due, and the session no longer matches the order.
        return Mismatch("amount_mismatch", lambda: _(
            "Paid %(paid)s; the amount due is %(due)s.", paid=format_money(amount) or "?",
            due=format_money(expected) if expected is not None else "?",
        ), amount, currency)
    return None


def _session_paid(order: Order, data: dict) -> bool | Mismatch:
    # "unpaid" on checkout.session.completed means a delayed method: async_payment_succeeded follows.
    if data.get("payment_status") != "paid":
        return False
    mismatch = _payment_mismatch(order, data)
    if mismatch:
        return mismatch
    services.record_payment(order, None, data.get("id"), amount_vnd=data["amount_total"])
    return True


def _session_expired(order: Order, data: dict) -> bool:
    if not _is_our_session(order, data):
        return False
    services.expire_payment(order)  # TransitionError when it was paid meanwhile
    return True


def _refund_mismatch(order: Order, data: dict) -> Mismatch | None:
    """Why a refunded charge cannot refund `order`, or None when it is a full refund, in
    đồng, of a charge of exactly what was paid for the order."""
    charge = str(data.get("id") or "?")
    amount, refunded, currency = _whole(data.get("amount")), _whole(data.get("amount_refunded")), _currency(data)
    wrong_currency = _wrong_currency(refunded, currency)
    if wrong_currency:
        return wrong_currency
    expected = _expected_vnd(order)
    if amount is None or amount <= 0 or amount != expected:
        return Mismatch("refund_mismatch", lambda: _(
            "Charge %(charge)s of %(amount)s was refunded; the order's payment is %(paid)s.", charge=charge,
            amount=format_money(amount) or "?", paid=format_money(expected) if expected is not None else "?",
        ), refunded, currency)
    if refunded is None or refunded < amount:
        # A goodwill gesture or one item: staff settle it with the seller; the order stays.
        return Mismatch("partial_refund", lambda: _(
            "%(refunded)s of the %(amount)s charged (%(charge)s) was refunded.",
            refunded=format_money(refunded) or "?", amount=format_money(amount), charge=charge,
        ), refunded, currency)
    return None


def _charge_refunded(order: Order, data: dict) -> bool | Mismatch:
    # Full refunds of the order's own payment only; anything else is an anomaly for staff.
    mismatch = _refund_mismatch(order, data)
    if mismatch:
        return mismatch
    if order.payment_status in (PaymentStatus.UNPAID, PaymentStatus.EXPIRED):
        # The refund overtook the completion event: the money did come, then went back.
        services.record_refund_before_payment(order, data.get("id"), amount_vnd=data["amount"])
    else:
        services.record_refund(order, None, data.get("id"))
    return True


HANDLERS = {
    "checkout.session.completed": _session_paid,
    "checkout.session.async_payment_succeeded": _session_paid,
    "checkout.session.expired": _session_expired,
    "charge.refunded": _charge_refunded,
}


def _is_stored(event_id: str) -> bool:
    return db.session.scalar(
        select(WebhookEvent.id).where(WebhookEvent.provider == PROVIDER, WebhookEvent.event_id == event_id)
    ) is not None


def _store(event_id: str, event_type: str) -> None:
    db.session.add(WebhookEvent(provider=PROVIDER, event_id=event_id, event_type=event_type[:100]))


def _store_alone(event_id: str, event_type: str) -> None:
    """Record an event that changed nothing (ignored, or overtaken by an earlier one)."""
    db.session.rollback()
    if _is_stored(event_id):
        return
    _store(event_id, event_type)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # a concurrent delivery of the same event stored it first


def _event_object(event: dict) -> dict:
    """The event's `data.object` (the session or the charge), {} when there is none."""
    found = event.get("data")
    found = found.get("object") if isinstance(found, dict) else None
    return found if isinstance(found, dict) else {}


def handle_event(event: dict) -> str:
    """Apply one verified Stripe event, once; returns what happened:

    "processed" (an order changed), "duplicate" (this event id was handled before),
    "ignored" (a type we do not act on, an unknown order, a session still unpaid),
    "anomaly" (a payment or refund that does not match the order: kept for central staff,
    the order unchanged) or "stale" (the order had already moved on: expired after paid,
    paid twice, ...). The event row is stored in the same transaction as its effect (or its
    anomaly), so a crash in between leaves neither and Stripe's retry applies it afresh.
    """
    event_id, event_type = str(event["id"]), str(event["type"])
    if _is_stored(event_id):
        return "duplicate"
    handler = HANDLERS.get(event_type)
    data = _event_object(event)
    order = _order_for(data) if handler else None
    if handler and order is None:
        log.warning("Stripe event %s (%s) names no card order of ours; ignored", event_id, event_type)
    if order is None:
        _store_alone(event_id, event_type)
        return "ignored"
    # Added before the service runs, so the service's single commit stores it with the change.
    _store(event_id, event_type)
    try:
        done = handler(order, data)
        if isinstance(done, Mismatch):
            anomalies.record(PROVIDER, event_id, event_type, order, done)
            db.session.commit()
            log.warning("Stripe event %s (%s) for order %s kept as an anomaly: %s",
                        event_id, event_type, order.number, done.kind)
            return "anomaly"
    except TransitionError:
        # The service rolled back (dropping our row too): keep the event as seen, change nothing.
        _store_alone(event_id, event_type)
        return "stale"
    except IntegrityError:
        db.session.rollback()
        if _is_stored(event_id):
            return "duplicate"  # the same event, delivered twice at once, was applied by the other
        raise
    if not done:
        _store_alone(event_id, event_type)
        return "ignored"
    return "processed"
