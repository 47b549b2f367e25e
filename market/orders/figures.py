"""Order figures other domains show: how many orders a set of sellers had, and what they sold.

Programs show their enrolled sellers' orders and sales, but programs sits below orders and
cannot ask for them; `register_program_sales()` (called when the app is built) hands this
counter to programs instead.
"""
from datetime import datetime

from sqlalchemy import case, func, select

from market.extensions import db
from market.orders.models import SellerOrder, SellerOrderStatus
from market.programs.services import count_sales_with


def orders_and_sales(seller_ids: list[int], since: datetime) -> tuple[int, int]:
    """(orders, delivered sales in đồng) of the sellers' parts placed since `since`; cancelled
    parts and parts still awaiting payment do not count, sales count only delivered parts."""
    if not seller_ids:
        return 0, 0
    delivered = SellerOrder.status == SellerOrderStatus.DELIVERED
    row = db.session.execute(
        select(func.count(), func.coalesce(func.sum(case((delivered, SellerOrder.subtotal_vnd), else_=0)), 0))
        .where(SellerOrder.seller_id.in_(seller_ids), SellerOrder.created_at >= since,
               SellerOrder.status.not_in((SellerOrderStatus.CANCELLED, SellerOrderStatus.AWAITING_PAYMENT)))
    ).one()
    return int(row[0]), int(row[1])


def register_program_sales() -> None:
    """Let program figures count orders and sales (called by the app factory)."""
    count_sales_with(orders_and_sales)
