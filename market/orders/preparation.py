"""How long a seller usually takes to send an order: shown on its product pages.

Measured, not declared: over the seller's latest shipped parts, the time from when the part
could be prepared (placed, or paid for a transfer or card) to when the seller marked it
shipped (its audit row). Shown only once there are enough parts to mean something.
"""
import math
from statistics import median

from sqlalchemy import and_, select

from market.core.clock import aware
from market.core.audit import AuditEntry
from market.core.kept_data import kept
from market.extensions import db
from market.orders.models import Order, PaymentMethod, SellerOrder, SellerOrderStatus

RECENT_PARTS = 20
MIN_PARTS = 3


def usual_preparation_days(seller_id: int) -> int | None:
    """The median number of days (rounded up, at least 1) the seller took to ship its latest
    parts, or None when it has shipped fewer than MIN_PARTS.

    Kept per worker (core/kept_data.py): every product page of the seller shows it, and it
    moves only when a part ships.
    """
    tables = (Order.__tablename__, SellerOrder.__tablename__, AuditEntry.__tablename__)
    return kept(f"preparation_days:{seller_id}", tables, lambda: _measure(seller_id))


def _measure(seller_id: int) -> int | None:
    rows = db.session.execute(
        select(Order.payment_method, Order.created_at, Order.paid_at, AuditEntry.created_at)
        .join(SellerOrder, SellerOrder.order_id == Order.id)
        .join(AuditEntry, and_(AuditEntry.subject_type == "seller_order", AuditEntry.subject_id == SellerOrder.id,
                               AuditEntry.to_status == SellerOrderStatus.SHIPPED))
        .where(SellerOrder.seller_id == seller_id,
               SellerOrder.status.in_([SellerOrderStatus.SHIPPED, SellerOrderStatus.DELIVERED]))
        .order_by(SellerOrder.id.desc())
        .limit(RECENT_PARTS)
    ).all()
    if len(rows) < MIN_PARTS:
        return None
    hours = []
    for method, placed_at, paid_at, shipped_at in rows:
        ready = paid_at if method != PaymentMethod.COD and paid_at else placed_at
        hours.append(max(0.0, (aware(shipped_at) - aware(ready)).total_seconds() / 3600))
    return max(1, math.ceil(median(hours) / 24))
