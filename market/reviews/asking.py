"""One email a few days after delivery asking the shopper to review what she received.

`flask --app wsgi reviews ask` (cron, e.g. hourly, on any number of machines) finds the
delivered parts of orders placed from an account, delivered at least `REVIEW_ASK_AFTER_DAYS`
ago (and not longer than `ASK_WITHIN_DAYS`), not yet asked; each is claimed with a
conditional UPDATE of `review_asked_at`, so it is asked once even when two machines run the
command at the same moment. A part whose lines are all reviewed already, or whose shopper
deleted her account, is marked asked without an email. Guests are not asked: only a
signed-in shopper can review.
"""
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from market.core.clock import utcnow
from market.core.emails import send_email
from market.extensions import db
from market.orders.models import Order, SellerOrder, SellerOrderStatus
from market.reviews.services import reviews_of_lines

ASK_WITHIN_DAYS = 30  # a delivery older than this (say the command was off for long) is not asked about
BATCH = 100


def _due(now, batch: int) -> list[int]:
    after = timedelta(days=current_app.config["REVIEW_ASK_AFTER_DAYS"])
    query = (
        select(SellerOrder.id).join(Order, Order.id == SellerOrder.order_id)
        .where(SellerOrder.status == SellerOrderStatus.DELIVERED, SellerOrder.review_asked_at.is_(None),
               SellerOrder.delivered_at <= now - after,
               SellerOrder.delivered_at > now - timedelta(days=ASK_WITHIN_DAYS),
               Order.user_id.is_not(None))
        .order_by(SellerOrder.delivered_at, SellerOrder.id).limit(batch)
    )
    return list(db.session.scalars(query))


def _claim(seller_order_id: int, now) -> bool:
    claimed = db.session.execute(
        update(SellerOrder).where(SellerOrder.id == seller_order_id, SellerOrder.review_asked_at.is_(None))
        .values(review_asked_at=now).execution_options(synchronize_session=False)
    ).rowcount
    return bool(claimed)


def _ask(seller_order_id: int) -> bool:
    """Email the shopper of one delivered part (if she still has lines to review)."""
    part = db.session.scalar(
        select(SellerOrder).where(SellerOrder.id == seller_order_id)
        .options(selectinload(SellerOrder.lines), selectinload(SellerOrder.seller))
    )
    order = part.order
    user = order.user
    if user is None or user.deleted_at is not None or user.deactivated_at is not None:
        return False
    reviewed = reviews_of_lines([line.id for line in part.lines])
    lines = [line for line in part.lines if line.id not in reviewed]
    if not lines:
        return False
    send_email(
        user.email, "review_request", order.locale or user.locale,
        _l("How was your order %(number)s?", number=order.number),
        order=order, part=part, lines=lines, given_name=(user.full_name.split() or [""])[-1],
    )
    return True


def ask_for_reviews(now=None, batch: int = BATCH) -> int:
    """Ask about every part due now; returns how many emails were queued."""
    now = now or utcnow()
    sent = 0
    while True:
        due = _due(now, batch)
        if not due:
            return sent
        for seller_order_id in due:
            if _claim(seller_order_id, now) and _ask(seller_order_id):
                sent += 1
        db.session.commit()
