"""The transition tables of orders: a seller's part, and the order's payment."""
from market.core.states import Transitions
from market.orders.models import PaymentStatus as P
from market.orders.models import SellerOrderStatus as S

SELLER_ORDER_TRANSITIONS = Transitions(
    {
        "release": {S.AWAITING_PAYMENT: S.PENDING},  # the money arrived: the seller may start
        "confirm": {S.PENDING: S.CONFIRMED},
        "ship": {S.CONFIRMED: S.SHIPPED},
        "deliver": {S.SHIPPED: S.DELIVERED},
        "cancel_by_shopper": {S.AWAITING_PAYMENT: S.CANCELLED, S.PENDING: S.CANCELLED},
        # By the seller or by staff, with a reason.
        "cancel": {S.PENDING: S.CANCELLED, S.CONFIRMED: S.CANCELLED},
        # By the system: payment expired, or refunded before the goods left.
        "expire": {S.AWAITING_PAYMENT: S.CANCELLED},
        "refund": {S.AWAITING_PAYMENT: S.CANCELLED, S.PENDING: S.CANCELLED, S.CONFIRMED: S.CANCELLED},
    }
)

# Seller-order actions a seller's member may take from the seller's order page.
SELLER_ACTIONS = ("confirm", "ship", "deliver", "cancel")

PAYMENT_TRANSITIONS = Transitions(
    {
        # A payment may still arrive after the order expired (a late card webhook, a slow
        # transfer): it is recorded, and staff are told to refund it.
        "pay": {P.UNPAID: P.PAID, P.EXPIRED: P.PAID},
        "refund": {P.PAID: P.REFUNDED},
        "expire": {P.UNPAID: P.EXPIRED},
    }
)
