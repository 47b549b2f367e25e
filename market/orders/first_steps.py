"""The first steps orders answers for market.sellers.first_steps (which sits below orders), in
one aggregate query whatever the sellers sold:

- confirmed: the earliest confirmation of a part that is still confirmed, shipped or
  delivered (a confirmed part cancelled afterwards does not count);
- delivered: the earliest delivery;
- first_order: the earliest part placed that counts as a sale (not cancelled, not a transfer
  never paid), as the seller home counts sales; the union's counts measure from it.
"""
from sqlalchemy import Select, and_, case, func, select

from market.core.audit import AuditEntry
from market.extensions import db
from market.orders.models import SellerOrder, SellerOrderStatus
from market.orders.seller_home import NOT_SALES
from market.sellers import first_steps

CONFIRMED_OR_LATER = (SellerOrderStatus.CONFIRMED, SellerOrderStatus.SHIPPED, SellerOrderStatus.DELIVERED)


@first_steps.register
def order_steps(seller_ids: Select) -> first_steps.Facts:
    confirmation = and_(AuditEntry.subject_type == "seller_order", AuditEntry.subject_id == SellerOrder.id,
                        AuditEntry.action == "confirm")
    delivered = SellerOrder.status == SellerOrderStatus.DELIVERED
    rows = db.session.execute(
        select(SellerOrder.seller_id,
               func.min(case((SellerOrder.status.in_(CONFIRMED_OR_LATER),
                              func.coalesce(AuditEntry.created_at, SellerOrder.updated_at)))),
               func.min(case((delivered, func.coalesce(SellerOrder.delivered_at, SellerOrder.updated_at)))),
               func.min(case((SellerOrder.status.not_in(NOT_SALES), SellerOrder.created_at))))
        .outerjoin(AuditEntry, confirmation)
        .where(SellerOrder.seller_id.in_(seller_ids))
        .group_by(SellerOrder.seller_id)
    )
    facts: first_steps.Facts = {}
    for seller_id, confirmed, delivered_on, placed in rows:
        facts[seller_id] = {key: moment for key, moment in
                            (("confirmed", confirmed), ("delivered", delivered_on), ("first_order", placed)) if moment}
    return facts
