"""Every order figure of a report in one pass over the period's orders: a year holds some
200,000 orders, and each scan of them (joined to their sellers' parts) costs more than all
the report's other queries together, so they are read once (plus the few cancelled parts).

An order belongs to the Vietnamese day it was placed on. A seller's part of it counts as
sold unless it was cancelled or still awaits its payment; sales are what the shopper pays
the seller (goods and shipping) and commission is the one fixed on the part when placed.
In a province or program scope, only the parts of the sellers in scope count.

Two statements: the parts summed per order, then two aggregates of those orders joined by
UNION ALL (per payment method and month; per signed-in shopper, then counted); and the
cancelled parts per kind and per reason given. The month is an index into
`periods.month_bounds(period)`, bucketed by a CASE on UTC instants (no date function, so
SQLite and PostgreSQL agree).
"""
from dataclasses import dataclass, field

from sqlalchemy import case, func, literal_column, null, select, union_all

from market.accounts.models import Role, User
from market.core.audit import AuditEntry
from market.extensions import db
from market.orders.models import Order, SellerOrder, SellerOrderStatus
from market.staff.reports import periods
from market.staff.reports.figures_common import Reach, number
from market.staff.reports.tables import Period

SOLD = SellerOrder.status.not_in((SellerOrderStatus.CANCELLED, SellerOrderStatus.AWAITING_PAYMENT))
CANCELLED = SellerOrder.status == SellerOrderStatus.CANCELLED
TOP_REASONS = 20


@dataclass
class Counts:
    """Orders placed, orders sold (with a part sold), sales and commission (đồng), and
    cancelled parts."""

    orders: int = 0
    sold: int = 0
    sales: int = 0
    commission: int = 0
    cancelled: int = 0

    def add(self, other: "Counts") -> "Counts":
        return Counts(*(a + b for a, b in zip(self.values(), other.values())))

    def values(self) -> tuple[int, int, int, int, int]:
        return self.orders, self.sold, self.sales, self.commission, self.cancelled


@dataclass
class OrderFigures:
    by_method_month: dict[tuple[str, int], Counts] = field(default_factory=dict)  # (method, month index)
    shoppers: int = 0          # signed-in shoppers with an order sold
    repeat_shoppers: int = 0   # ... with two or more
    cancellations: dict[str, tuple[int, int]] = field(default_factory=dict)  # kind -> (parts, amount)
    reasons: list[tuple[str, int]] = field(default_factory=list)  # (reason given, parts), most frequent first

    def total(self, method: str | None = None, month: int | None = None) -> Counts:
        total = Counts()
        for (row_method, row_month), counts in self.by_method_month.items():
            if method in (None, row_method) and month in (None, row_month):
                total = total.add(counts)
        return total


def order_figures(period: Period, reach: Reach) -> OrderFigures:
    """The period's order figures in the reach, in two statements."""
    figures = OrderFigures()
    _read(figures, db.session.execute(_sales_statement(period, reach)))
    _read(figures, db.session.execute(_cancellations_statement(period, reach)))
    figures.reasons.sort(key=lambda reason: (-reason[1], reason[0]))
    return figures


def _sales_statement(period: Period, reach: Reach):
    """Per payment method and month: orders, orders sold, sales, commission, cancelled parts;
    then signed-in shoppers with an order sold, and those with two or more.

    The parts are summed per order straight from the tables (grouped by the order's key, so
    PostgreSQL streams them in the order of its indexes), and only that narrow row per order
    is kept for the two aggregates."""
    start, end = periods.bounds(period)
    per_order = (
        select(
            Order.user_id, Order.payment_method.label("method"), month_of(Order.created_at, period).label("month"),
            func.max(case((SOLD, 1), else_=0)).label("sold"),
            func.sum(case((SOLD, SellerOrder.subtotal_vnd), else_=0)).label("sales"),
            func.sum(case((SOLD, SellerOrder.commission_vnd), else_=0)).label("commission"),
            func.sum(case((CANCELLED, 1), else_=0)).label("cancelled"),
        )
        .select_from(SellerOrder).join(Order, Order.id == SellerOrder.order_id)
        .where(Order.created_at >= start, Order.created_at < end, reach.sellers(SellerOrder.seller_id))
        .group_by(Order.id, Order.user_id, Order.payment_method, Order.created_at)
        .cte("per_order")
    )
    by_method_month = select(
        literal_column("'method'").label("section"), per_order.c.method.label("name"), per_order.c.month,
        func.count().label("a"), func.sum(per_order.c.sold).label("b"), func.sum(per_order.c.sales).label("c"),
        func.sum(per_order.c.commission).label("d"), func.sum(per_order.c.cancelled).label("e"),
    ).group_by(per_order.c.method, per_order.c.month)
    per_shopper = (
        select(func.count().label("orders")).where(per_order.c.user_id.is_not(None), per_order.c.sold == 1)
        .group_by(per_order.c.user_id).subquery()
    )
    zero = literal_column("0")
    shoppers = select(
        literal_column("'shoppers'"), null(), null(), func.count(),
        func.sum(case((per_shopper.c.orders >= 2, 1), else_=0)), zero, zero, zero,
    ).select_from(per_shopper)
    return union_all(by_method_month, shoppers)


def _cancellations_statement(period: Period, reach: Reach):
    """Cancelled parts per kind (parts, amount), then the reasons given, most frequent first.

    A part's kind is read from the audit row that cancelled it, and whether union staff
    wrote it."""
    start, end = periods.bounds(period)
    staff_ids = select(User.id).where(User.role == Role.STAFF)
    kind = case(
        (AuditEntry.action == "cancel_by_shopper", "shopper"),
        (AuditEntry.action == "expire", "unpaid"),
        (AuditEntry.action == "refund", "refunded"),
        ((AuditEntry.action == "cancel") & AuditEntry.actor_id.in_(staff_ids), "staff"),
        (AuditEntry.action == "cancel", "seller"),
        else_="other",
    )
    cancelling = (
        (AuditEntry.subject_type == "seller_order") & (AuditEntry.subject_id == SellerOrder.id)
        & (AuditEntry.to_status == SellerOrderStatus.CANCELLED)
    )
    parts = (
        select(kind.label("kind"), SellerOrder.subtotal_vnd.label("amount"),
               func.trim(SellerOrder.cancel_reason).label("reason"))
        .select_from(SellerOrder).join(Order, Order.id == SellerOrder.order_id).outerjoin(AuditEntry, cancelling)
        .where(CANCELLED, Order.created_at >= start, Order.created_at < end, reach.sellers(SellerOrder.seller_id))
        .cte("cancelled_parts")
    )
    zero = literal_column("0")
    kinds = select(
        literal_column("'cancelled'"), parts.c.kind, null(), func.count(), func.sum(parts.c.amount), zero, zero, zero,
    ).group_by(parts.c.kind)
    reasons = (
        select(parts.c.reason, func.count().label("parts")).where(parts.c.reason.is_not(None), parts.c.reason != "")
        .group_by(parts.c.reason).order_by(func.count().desc(), parts.c.reason).limit(TOP_REASONS).subquery()
    )
    top_reasons = select(literal_column("'reason'"), reasons.c.reason, null(), reasons.c.parts, zero, zero, zero, zero)
    return union_all(kinds, top_reasons)


def month_of(moment, period: Period):
    """The index (from 0) of the period's month `moment` falls in: the first month whose end
    is after it (Vietnam's months, as UTC instants)."""
    buckets = periods.month_bounds(period)
    return case(*((moment < month_end, index) for index, (_month, _first, month_end) in enumerate(buckets)))


def _read(figures: OrderFigures, result) -> None:
    for section, name, month, a, b, c, d, e in result:
        if section == "method":
            figures.by_method_month[(name, int(month))] = Counts(*(number(value) for value in (a, b, c, d, e)))
        elif section == "shoppers":
            figures.shoppers, figures.repeat_shoppers = number(a), number(b)
        elif section == "cancelled":
            figures.cancellations[name] = (number(a), number(b))
        else:
            figures.reasons.append((name, number(a)))
