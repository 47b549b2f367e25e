"""Card payments through Stripe Checkout: creating the session, and applying Stripe's events.

Stripe hosts the card form; we never see a card number. The shopper is sent to a Checkout
Session made for one order; Stripe then tells us what happened through signed webhook
events (see `payments.views`), which `handle_event` applies once each, in any order.
"""
import logging
from datetime import datetime, timedelta, timezone

import stripe
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from market.accounts.models import utcnow
from market.core.domain import DomainError
from market.core.states import TransitionError
from market.extensions import db
from market.orders import notices, services
from market.orders.models import Order, PaymentMethod, PaymentStatus, SellerOrderStatus
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
    def aware(moment: datetime) -> datetime:
        # SQLite hands back naive datetimes; everything here is stored in UTC.
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)

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
    order_id = str(metadata.get("order_id", ""))
    if not order_id.isdigit():
        return None
    order = db.session.get(Order, int(order_id))
    if order is None or order.number != metadata.get("order_number") or order.payment_method != PaymentMethod.CARD:
        return None
    return order


def _is_our_session(order: Order, data: dict) -> bool:
    # The session must be the one we opened for this order (its id was kept when created).
    return order.payment_reference in (None, data.get("id"))


def _session_paid(order: Order, data: dict) -> bool:
    # "unpaid" on checkout.session.completed means a delayed method: async_payment_succeeded follows.
    if data.get("payment_status") != "paid" or not _is_our_session(order, data):
        return False
    services.record_payment(order, None, data.get("id"))
    paid = data.get("amount_total")
    if isinstance(paid, int) and 0 < order.amount_due_vnd < paid:
        # A session opened before the shopper cancelled a part was paid in full: the union
        # holds more than is due, and returns the difference.
        notices.refund_needed(order, paid - order.amount_due_vnd)
        db.session.commit()
    return True


def _session_expired(order: Order, data: dict) -> bool:
    if not _is_our_session(order, data):
        return False
    services.expire_payment(order)  # TransitionError when it was paid meanwhile
    return True


def _charge_refunded(order: Order, data: dict) -> bool:
    # Full refunds only: a partial refund (a goodwill gesture, one item) is settled by staff
    # with the seller and leaves the order as it is, so it is acknowledged and ignored.
    amount = data.get("amount")
    if not amount or data.get("amount_refunded") != amount:
        return False
    if order.payment_status in (PaymentStatus.UNPAID, PaymentStatus.EXPIRED):
        # The refund overtook the completion event: the money did come, then went back.
        services.record_refund_before_payment(order, data.get("id"))
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
    "ignored" (a type we do not act on, an unknown order, a partial refund) or "stale"
    (the order had already moved on: expired after paid, paid twice, ...).
    The event row is stored in the same transaction as its effect, so a crash in between
    leaves neither and Stripe's retry applies it afresh.
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
