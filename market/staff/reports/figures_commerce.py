"""The report's commerce figures (products on sale, orders, sales and commission, average
order, repeat shoppers, cancellations, payment methods) and the month-by-month trends.

An order belongs to the Vietnamese day it was placed on. A seller's part of it counts as a
sale unless it was cancelled or still awaits its payment; sales are what the shopper pays
the seller (goods and shipping) and commission is the one fixed on the part when placed.
In a province or program scope, only the parts of the sellers in scope count.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from market.accounts.models import Role, User
from market.catalog.models import Product, ProductStatus
from market.core.audit import ACTION_LABELS, AuditEntry
from market.extensions import db
from market.orders.models import PAYMENT_METHOD_LABELS, Order, PaymentMethod, SellerOrder, SellerOrderStatus
from market.staff.reports import periods
from market.staff.reports.figures_common import Reach, approved_at, number, status_at
from market.staff.reports.tables import Chart, Column, Kind, Period, Table

SOLD = SellerOrder.status.not_in((SellerOrderStatus.CANCELLED, SellerOrderStatus.AWAITING_PAYMENT))
CANCELLED = SellerOrder.status == SellerOrderStatus.CANCELLED
# How a part came to be cancelled: the audit row that cancelled it, and who wrote it.
CANCELLATION_KINDS = (
    ("shopper", ACTION_LABELS["cancel_by_shopper"]),
    ("seller", _l("Cancelled by the seller")),
    ("staff", _l("Cancelled by union staff")),
    ("unpaid", ACTION_LABELS["expire"]),
    ("refunded", ACTION_LABELS["refund"]),
    ("other", _l("Other")),
)
TOP_REASONS = 20


def _parts(start, end, reach: Reach, *columns):
    """SELECT `columns` FROM the in-scope parts of the orders placed in [start, end)."""
    return (
        select(*columns)
        .select_from(SellerOrder).join(Order, Order.id == SellerOrder.order_id)
        .where(Order.created_at >= start, Order.created_at < end, reach.sellers(SellerOrder.seller_id))
    )


def commerce_tables(period: Period, reach: Reach) -> list[Table]:
    """commerce, commerce_payment_methods, commerce_cancellations, commerce_cancel_reasons."""
    start, end = periods.bounds(period)
    methods = _by_method(start, end, reach)
    orders, sold, sales, commission, cancelled = (sum(row[i] for row in methods.values()) for i in range(5))
    shoppers, repeat = _shoppers(start, end, reach)
    # On sale at the period's end: listed then, by a seller approved then.
    on_sale = db.session.scalar(
        select(func.count()).select_from(Product).where(
            Product.id.in_(status_at("product", ProductStatus.ACTIVE, end)),
            Product.seller_id.in_(approved_at(end)), reach.sellers(Product.seller_id))
    )
    summary = (number(on_sale), orders, sold, sales, commission, round(sales / sold) if sold else None,
               shoppers, repeat, cancelled)
    return [
        Table(
            "commerce", _l("Commerce"),
            (
                Column("products_on_sale", _l("Products on sale at the end"), Kind.COUNT),
                Column("orders", _l("Orders placed"), Kind.COUNT),
                Column("orders_sold", _l("Orders sold"), Kind.COUNT),
                Column("sales_vnd", _l("Sales"), Kind.MONEY),
                Column("commission_vnd", _l("Commission"), Kind.MONEY),
                Column("average_order_vnd", _l("Average order"), Kind.MONEY),
                Column("shoppers", _l("Signed-in shoppers"), Kind.COUNT),
                Column("repeat_shoppers", _l("Repeat shoppers"), Kind.COUNT),
                Column("cancelled", _l("Cancelled seller orders"), Kind.COUNT),
            ),
            [summary],
            note=_l(
                "Products on sale on the period's last day (read from the audit trail of listings). Orders placed in the period (Vietnam's "
                "days). Sales (goods and shipping) and commission: each seller's part of an order that is neither "
                "cancelled nor still awaiting payment; an order with such a part is sold, and the average order is "
                "sales divided by orders sold. Repeat shoppers: signed-in shoppers with two orders sold or more."
            ),
        ),
        _methods_table(methods),
        _cancellations_table(start, end, reach),
        _reasons_table(start, end, reach),
    ]


def _by_method(start, end, reach: Reach) -> dict[str, tuple[int, int, int, int, int]]:
    """(orders, orders sold, sales, commission, cancelled parts) per payment method: an order has
    one method, so the methods' figures add up to the period's."""
    query = _parts(
        start, end, reach, Order.payment_method,
        func.count(func.distinct(Order.id)),
        func.count(func.distinct(case((SOLD, Order.id)))),
        func.sum(case((SOLD, SellerOrder.subtotal_vnd), else_=0)),
        func.sum(case((SOLD, SellerOrder.commission_vnd), else_=0)),
        func.sum(case((CANCELLED, 1), else_=0)),
    ).group_by(Order.payment_method)
    return {method: tuple(number(value) for value in values) for method, *values in db.session.execute(query)}


def _shoppers(start, end, reach: Reach) -> tuple[int, int]:
    """(signed-in shoppers with an order sold, those with two or more)."""
    per_shopper = (
        _parts(start, end, reach, Order.user_id, func.count(func.distinct(Order.id)).label("orders"))
        .where(SOLD, Order.user_id.is_not(None))
        .group_by(Order.user_id)
        .subquery()
    )
    shoppers, repeat = db.session.execute(
        select(func.count(), func.sum(case((per_shopper.c.orders >= 2, 1), else_=0))).select_from(per_shopper)
    ).one()
    return number(shoppers), number(repeat)


def _methods_table(methods: dict) -> Table:
    rows = [
        (str(PAYMENT_METHOD_LABELS[method]), methods.get(method, (0,) * 5)[0], methods.get(method, (0,) * 5)[2])
        for method in PaymentMethod
    ]
    return Table(
        "commerce_payment_methods", _l("Payment methods used"),
        (Column("method", _l("Payment method")), Column("orders", _l("Orders placed"), Kind.COUNT),
         Column("sales_vnd", _l("Sales"), Kind.MONEY)),
        rows,
        Chart("bar", "method", ("orders",)),
    )


def _cancellations_table(start, end, reach: Reach) -> Table:
    """Cancelled parts of the period's orders, by how they were cancelled (the audit row that
    moved each to "cancelled", and whether its author was union staff)."""
    cancelling = (
        (AuditEntry.subject_type == "seller_order") & (AuditEntry.subject_id == SellerOrder.id)
        & (AuditEntry.to_status == SellerOrderStatus.CANCELLED)
    )
    kind = case(
        (AuditEntry.action == "cancel_by_shopper", "shopper"),
        (AuditEntry.action == "expire", "unpaid"),
        (AuditEntry.action == "refund", "refunded"),
        ((AuditEntry.action == "cancel") & (User.role == Role.STAFF), "staff"),
        (AuditEntry.action == "cancel", "seller"),
        else_="other",
    ).label("kind")
    inner = (
        _parts(start, end, reach, kind, SellerOrder.subtotal_vnd)
        .outerjoin(AuditEntry, cancelling).outerjoin(User, User.id == AuditEntry.actor_id)
        .where(CANCELLED)
        .subquery()
    )
    # Grouped outside: PostgreSQL would not see the CASE in GROUP BY as the one selected.
    counted = {
        name: (number(parts), number(amount))
        for name, parts, amount in db.session.execute(
            select(inner.c.kind, func.count(), func.sum(inner.c.subtotal_vnd)).group_by(inner.c.kind)
        )
    }
    rows = [(str(label), *counted.get(name, (0, 0))) for name, label in CANCELLATION_KINDS
            if name != "other" or name in counted]
    return Table(
        "commerce_cancellations", _l("Cancellations"),
        (Column("reason", _l("How it was cancelled")), Column("cancelled", _l("Cancelled seller orders"), Kind.COUNT),
         Column("amount_vnd", _l("Amount"), Kind.MONEY)),
        rows,
        Chart("hbar", "reason", ("cancelled",)),
        _l("Each seller's part of the period's orders that is cancelled now, by who or what cancelled it."),
    )


def _reasons_table(start, end, reach: Reach) -> Table:
    """The reasons sellers and staff gave, word for word, most frequent first."""
    reason = func.trim(SellerOrder.cancel_reason)
    inner = _parts(start, end, reach, reason.label("reason")).where(CANCELLED, SellerOrder.cancel_reason.is_not(None)).subquery()
    rows = db.session.execute(
        select(inner.c.reason, func.count().label("parts")).where(inner.c.reason != "")
        .group_by(inner.c.reason).order_by(func.count().desc(), inner.c.reason).limit(TOP_REASONS)
    ).all()
    return Table(
        "commerce_cancel_reasons", _l("Reasons given for cancelling"),
        (Column("reason", _l("Reason given")), Column("cancelled", _l("Cancelled seller orders"), Kind.COUNT)),
        [(text, number(parts)) for text, parts in rows],
        note=_l("The reasons sellers and union staff wrote, word for word: the %(count)d most frequent.",
                count=TOP_REASONS),
    )


# --- month by month ------------------------------------------------------------------------

def trends_table(period: Period, reach: Reach) -> Table:
    """trends: sellers approved, orders placed and sales, per month of the period (months
    clipped to the period, so they add up to the period's figures)."""
    buckets = periods.month_bounds(period)
    start, end = periods.bounds(period)
    approved = _per_month(
        select(_bucket(AuditEntry.created_at, buckets), AuditEntry.subject_id.label("item"))
        .where(AuditEntry.subject_type == "seller", AuditEntry.action == "approve",
               AuditEntry.created_at >= start, AuditEntry.created_at < end, reach.sellers(AuditEntry.subject_id))
    )
    orders = _per_month(_parts(
        start, end, reach, _bucket(Order.created_at, buckets), Order.id.label("item"),
        case((SOLD, SellerOrder.subtotal_vnd), else_=0).label("amount"),
    ))
    rows = [(month, approved.get(index, (0, 0))[0], *orders.get(index, (0, 0)))
            for index, (month, _first, _last) in enumerate(buckets)]
    return Table(
        "trends", _l("Month by month"),
        (Column("month", _l("Month"), Kind.MONTH), Column("sellers_approved", _l("Sellers approved"), Kind.COUNT),
         Column("orders", _l("Orders placed"), Kind.COUNT), Column("sales_vnd", _l("Sales"), Kind.MONEY)),
        rows,
        Chart("line", "month", ("orders", "sellers_approved"), _l("Orders and sellers approved, month by month")),
        _l("Months in Vietnam's calendar; the first and last months count only their days inside the period."),
    )


def _bucket(moment, buckets):
    """The index of the month `moment` falls in: the first month whose end is after it."""
    return case(*((moment < month_end, index) for index, (_month, _first, month_end) in enumerate(buckets))).label("bucket")


def _per_month(query) -> dict[int, tuple[int, int]]:
    """(distinct items, sum of amounts) per bucket of a query selecting bucket, item and,
    optionally, amount. Grouped outside the query: PostgreSQL would not take the CASE in
    GROUP BY, bound again with new parameters, for the one selected."""
    inner = query.subquery()
    total = func.sum(inner.c.amount) if "amount" in inner.c else func.count()
    return {
        bucket: (number(items), number(amount))
        for bucket, items, amount in db.session.execute(
            select(inner.c.bucket, func.count(func.distinct(inner.c.item)), total).group_by(inner.c.bucket)
        )
    }
