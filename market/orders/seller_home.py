"""The seller home's counts of orders and products (registered with market.sellers.home,
which sits below catalog and orders): three aggregate queries whatever the seller holds."""
from sqlalchemy import and_, case, func, or_, select

from market.catalog.models import Product, ProductStatus
from market.extensions import db
from market.orders.models import OrderLine, SellerOrder, SellerOrderStatus
from market.sellers import home

# Parts that count as sales: as the staff home and the programs count them.
NOT_SALES = (SellerOrderStatus.CANCELLED, SellerOrderStatus.AWAITING_PAYMENT)


def _count(condition):
    return func.count(case((condition, 1)))


def _sum(condition, value):
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)


@home.register
def orders_and_products(seller_id: int, span: home.Span, low_stock: int) -> tuple[dict[str, int], home.Sales]:
    sold = SellerOrder.status.not_in(NOT_SALES)
    this_month, same_days = span.this_month(SellerOrder.created_at), span.same_days(SellerOrder.created_at)
    orders = db.session.execute(
        select(
            _count(SellerOrder.status == SellerOrderStatus.PENDING),
            _count(SellerOrder.status == SellerOrderStatus.CONFIRMED),
            _count(and_(sold, this_month)), _count(and_(sold, same_days)),
            _sum(and_(sold, this_month), SellerOrder.subtotal_vnd), _sum(and_(sold, same_days), SellerOrder.subtotal_vnd),
        ).where(SellerOrder.seller_id == seller_id,
                or_(SellerOrder.status.in_((SellerOrderStatus.PENDING, SellerOrderStatus.CONFIRMED)),
                    SellerOrder.created_at >= span.last_start))
    ).one()
    units = db.session.execute(
        select(_sum(this_month, OrderLine.quantity), _sum(same_days, OrderLine.quantity))
        .select_from(OrderLine).join(SellerOrder, SellerOrder.id == OrderLine.seller_order_id)
        .where(SellerOrder.seller_id == seller_id, sold, SellerOrder.created_at >= span.last_start)
    ).one()
    on_sale = Product.status == ProductStatus.ACTIVE
    products = db.session.execute(
        select(_count(and_(on_sale, Product.stock <= 0)),
               _count(and_(on_sale, Product.stock > 0, Product.stock <= low_stock)),
               _count(Product.status == ProductStatus.BLOCKED))
        .where(Product.seller_id == seller_id)
    ).one()
    todo = {"to_confirm": orders[0], "to_ship": orders[1], "out_of_stock": products[0],
            "low_stock": products[1], "blocked": products[2]}
    sales = home.Sales(orders=orders[2], units=int(units[0]), revenue_vnd=int(orders[4]),
                       orders_before=orders[3], units_before=int(units[1]), revenue_before_vnd=int(orders[5]))
    return todo, sales
