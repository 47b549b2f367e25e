"""The report's commerce figures (products on sale, orders, sales and commission, average
order, repeat shoppers, cancellations, payment methods) and the month-by-month trends, from
one pass over the period's orders (`figures_orders`)."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from market.catalog.models import Product, ProductStatus
from market.core.audit import ACTION_LABELS, AuditEntry
from market.extensions import db
from market.orders.models import PAYMENT_METHOD_LABELS, PaymentMethod
from market.staff.reports import periods
from market.staff.reports.figures_common import Reach, approved_at, number, status_at
from market.staff.reports.figures_orders import TOP_REASONS, OrderFigures, month_of, order_figures
from market.staff.reports.tables import Chart, Column, Kind, Period, Table

# How a part came to be cancelled (the kinds of figures_orders), in the order shown.
CANCELLATION_KINDS = (
    ("shopper", ACTION_LABELS["cancel_by_shopper"]),
    ("seller", _l("Cancelled by the seller")),
    ("staff", _l("Cancelled by union staff")),
    ("unpaid", ACTION_LABELS["expire"]),
    ("refunded", ACTION_LABELS["refund"]),
    ("other", _l("Other")),
)


def commerce_tables(period: Period, reach: Reach) -> list[Table]:
    """commerce, commerce_payment_methods, commerce_cancellations, commerce_cancel_reasons and
    trends."""
    figures = order_figures(period, reach)
    total = figures.total()
    summary = (
        _on_sale_at_end(period, reach), total.orders, total.sold, total.sales, total.commission,
        round(total.sales / total.sold) if total.sold else None,
        figures.shoppers, figures.repeat_shoppers, total.cancelled,
    )
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
                "Products on sale on the period's last day (read from the audit trail of listings). Orders placed in "
                "the period (Vietnam's days). Sales (goods and shipping) and commission: each seller's part of an "
                "order that is neither cancelled nor still awaiting payment; an order with such a part is sold, and "
                "the average order is sales divided by orders sold. Repeat shoppers: signed-in shoppers with two "
                "orders sold or more."
            ),
        ),
        _methods_table(figures),
        _cancellations_table(figures),
        _reasons_table(figures),
        _trends_table(period, reach, figures),
    ]


def _on_sale_at_end(period: Period, reach: Reach) -> int:
    """Products on sale on the period's last day: listed then, by a seller approved then."""
    _start, end = periods.bounds(period)
    return number(db.session.scalar(
        select(func.count()).select_from(Product).where(
            Product.id.in_(status_at("product", ProductStatus.ACTIVE, end)),
            Product.seller_id.in_(approved_at(end)), reach.sellers(Product.seller_id))
    ))


def _methods_table(figures: OrderFigures) -> Table:
    totals = {method: figures.total(method=method) for method in PaymentMethod}
    return Table(
        "commerce_payment_methods", _l("Payment methods used"),
        (Column("method", _l("Payment method")), Column("orders", _l("Orders placed"), Kind.COUNT),
         Column("sales_vnd", _l("Sales"), Kind.MONEY)),
        [(str(PAYMENT_METHOD_LABELS[method]), counts.orders, counts.sales) for method, counts in totals.items()],
        Chart("bar", "method", ("orders",)),
    )


def _cancellations_table(figures: OrderFigures) -> Table:
    counted = figures.cancellations
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


def _reasons_table(figures: OrderFigures) -> Table:
    return Table(
        "commerce_cancel_reasons", _l("Reasons given for cancelling"),
        (Column("reason", _l("Reason given")), Column("cancelled", _l("Cancelled seller orders"), Kind.COUNT)),
        list(figures.reasons),
        note=_l("The reasons sellers and union staff wrote, word for word: the %(count)d most frequent.",
                count=TOP_REASONS),
    )


# --- month by month ------------------------------------------------------------------------

def _trends_table(period: Period, reach: Reach, figures: OrderFigures) -> Table:
    """trends: sellers approved, orders placed and sales, per month of the period (months
    clipped to the period, so they add up to the period's figures)."""
    approved = _approved_per_month(period, reach)
    rows = []
    for index, month in enumerate(periods.months(period)):
        counts = figures.total(month=index)
        rows.append((month, approved.get(index, 0), counts.orders, counts.sales))
    return Table(
        "trends", _l("Month by month"),
        (Column("month", _l("Month"), Kind.MONTH), Column("sellers_approved", _l("Sellers approved"), Kind.COUNT),
         Column("orders", _l("Orders placed"), Kind.COUNT), Column("sales_vnd", _l("Sales"), Kind.MONEY)),
        rows,
        Chart("line", "month", ("orders", "sellers_approved"), _l("Orders and sellers approved, month by month")),
        _l("Months in Vietnam's calendar; the first and last months count only their days inside the period."),
    )


def _approved_per_month(period: Period, reach: Reach) -> dict[int, int]:
    start, end = periods.bounds(period)
    approvals = (
        select(month_of(AuditEntry.created_at, period).label("month"), AuditEntry.subject_id)
        .where(AuditEntry.subject_type == "seller", AuditEntry.action == "approve",
               AuditEntry.created_at >= start, AuditEntry.created_at < end, reach.sellers(AuditEntry.subject_id))
        .subquery()
    )
    # Grouped outside: PostgreSQL would not take the CASE in GROUP BY, bound again with new
    # parameters, for the one selected.
    query = select(approvals.c.month, func.count(func.distinct(approvals.c.subject_id))).group_by(approvals.c.month)
    return {int(month): number(count) for month, count in db.session.execute(query)}
