"""Carts, addresses, orders split per seller, their lines, and each seller's money ledger.

Every amount is an integer number of đồng. An order's lines keep the product's name and
price as they were when it was placed; later edits of the product never reach them.
"""
from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.accounts.models import User
from market.catalog.models import Product
from market.core.clock import utcnow
from market.extensions import db
from market.sellers.models import BelongsToSeller, Seller


class CartItem(db.Model):
    """A line of a signed-in shopper's cart (guests keep theirs in the session)."""

    __tablename__ = "cart_items"
    __table_args__ = (
        UniqueConstraint("user_id", "product_id", name="uq_cart_items_user_product"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    quantity: Mapped[int]
    # The price the shopper saw when adding: a later change is shown, never silently applied.
    price_seen_vnd: Mapped[int]
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Address(db.Model):
    """An entry of a signed-in shopper's address book (2025 map: province, commune/ward)."""

    __tablename__ = "addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    full_name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(20))
    province_code: Mapped[str] = mapped_column(String(2))
    commune_code: Mapped[str | None] = mapped_column(String(5))
    commune_name: Mapped[str] = mapped_column(String(100))
    street_address: Mapped[str] = mapped_column(String(200))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @classmethod
    def owned_by(cls, user):
        return cls.user_id == user.id


class PaymentMethod(StrEnum):
    COD = "cod"
    BANK_TRANSFER = "bank_transfer"
    CARD = "card"


class PaymentStatus(StrEnum):
    UNPAID = "unpaid"
    PAID = "paid"
    REFUNDED = "refunded"
    EXPIRED = "expired"


class SellerOrderStatus(StrEnum):
    # Card and transfer orders wait for the money before the seller sees them.
    AWAITING_PAYMENT = "awaiting_payment"
    PENDING = "pending"
    CONFIRMED = "confirmed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


ORDER_STATUS_LABELS = {
    SellerOrderStatus.AWAITING_PAYMENT: _l("awaiting payment"),
    SellerOrderStatus.PENDING: _l("new"),
    SellerOrderStatus.CONFIRMED: _l("confirmed"),
    SellerOrderStatus.SHIPPED: _l("shipped"),
    SellerOrderStatus.DELIVERED: _l("delivered"),
    SellerOrderStatus.CANCELLED: _l("cancelled"),
    PaymentStatus.UNPAID: _l("unpaid"),
    PaymentStatus.PAID: _l("paid"),
    PaymentStatus.REFUNDED: _l("refunded"),
    PaymentStatus.EXPIRED: _l("expired"),
}

PAYMENT_METHOD_LABELS = {
    PaymentMethod.COD: _l("Cash on delivery (COD)"),
    PaymentMethod.BANK_TRANSFER: _l("Bank transfer (VietQR)"),
    PaymentMethod.CARD: _l("Card (Stripe)"),
}


class Order(db.Model):
    """What a shopper bought in one checkout; one SellerOrder per seller inside."""

    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("payment_method IN ('cod', 'bank_transfer', 'card')", name="payment_method_known"),
        CheckConstraint("payment_status IN ('unpaid', 'paid', 'refunded', 'expired')", name="payment_status_known"),
        CheckConstraint("items_total_vnd >= 0 AND shipping_total_vnd >= 0", name="totals_not_negative"),
        CheckConstraint("total_vnd = items_total_vnd + shipping_total_vnd", name="total_adds_up"),
        # The expiry sweep: unpaid orders by deadline.
        Index("ix_orders_unpaid_expiry", "payment_status", "payment_expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # CPN-2026-000123
    token: Mapped[str] = mapped_column(String(48), unique=True)  # the order page's unguessable key
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    full_name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(20))  # E.164
    email: Mapped[str | None] = mapped_column(String(254))
    province_code: Mapped[str] = mapped_column(String(2))
    commune_code: Mapped[str | None] = mapped_column(String(5))
    commune_name: Mapped[str] = mapped_column(String(100))
    street_address: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    locale: Mapped[str] = mapped_column(String(5), default="vi")
    payment_method: Mapped[str] = mapped_column(String(20))
    payment_status: Mapped[str] = mapped_column(String(10), default=PaymentStatus.UNPAID)
    payment_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # What the provider reported as paid (đồng), so a refund can be checked against it.
    paid_amount_vnd: Mapped[int | None] = mapped_column(BigInteger)
    payment_reference: Mapped[str | None] = mapped_column(String(255))  # e.g. Stripe's Checkout Session id
    receipt_name: Mapped[str | None] = mapped_column(String(60))  # the shopper's transfer receipt photo
    items_total_vnd: Mapped[int] = mapped_column(BigInteger)
    shipping_total_vnd: Mapped[int] = mapped_column(BigInteger)
    total_vnd: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User | None] = relationship()
    seller_orders: Mapped[list["SellerOrder"]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="SellerOrder.id"
    )

    @classmethod
    def owned_by(cls, user):
        return cls.user_id == user.id

    @property
    def live_parts(self) -> list["SellerOrder"]:
        return [part for part in self.seller_orders if part.status != SellerOrderStatus.CANCELLED]

    @property
    def amount_due_vnd(self) -> int:
        """What the shopper pays now: the parts not cancelled (goods and shipping)."""
        return sum(part.subtotal_vnd for part in self.live_parts)


class SellerOrder(BelongsToSeller, db.Model):
    """One seller's part of an order: its lines, shipping, commission and fulfilment."""

    __tablename__ = "seller_orders"
    __table_args__ = (
        CheckConstraint(
            "status IN ('awaiting_payment', 'pending', 'confirmed', 'shipped', 'delivered', 'cancelled')",
            name="status_known",
        ),
        CheckConstraint("items_subtotal_vnd >= 0 AND shipping_vnd >= 0", name="amounts_not_negative"),
        CheckConstraint("subtotal_vnd = items_subtotal_vnd + shipping_vnd", name="subtotal_adds_up"),
        CheckConstraint("commission_vnd >= 0 AND commission_vnd + net_vnd = subtotal_vnd", name="net_adds_up"),
        CheckConstraint("commission_rate_bp >= 0 AND commission_rate_bp <= 10000", name="rate_in_range"),
        Index("ix_seller_orders_seller_status", "seller_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(20))
    items_subtotal_vnd: Mapped[int] = mapped_column(BigInteger)
    shipping_vnd: Mapped[int] = mapped_column(BigInteger)
    subtotal_vnd: Mapped[int] = mapped_column(BigInteger)  # items + shipping: what the shopper pays this seller's part
    # Fixed when the order is placed, from the seller's program (or the default): never recalculated.
    commission_rate_bp: Mapped[int]
    commission_vnd: Mapped[int] = mapped_column(BigInteger)
    net_vnd: Mapped[int] = mapped_column(BigInteger)  # subtotal - commission: the seller's part
    carrier: Mapped[str | None] = mapped_column(String(60))
    tracking_number: Mapped[str | None] = mapped_column(String(60))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    cash_collected: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    # When the part was delivered (reviews open then), and when its shopper was asked to review.
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    review_asked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    order: Mapped[Order] = relationship(back_populates="seller_orders")
    seller: Mapped[Seller] = relationship()
    lines: Mapped[list["OrderLine"]] = relationship(
        back_populates="seller_order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )



class OrderLine(db.Model):
    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0 AND unit_price_vnd > 0", name="positive"),
        CheckConstraint("line_total_vnd = CAST(unit_price_vnd AS BIGINT) * quantity", name="total_adds_up"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_order_id: Mapped[int] = mapped_column(ForeignKey("seller_orders.id", ondelete="CASCADE"), index=True)
    # Products that were ordered are never deleted (only hidden), so the link stays.
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="RESTRICT"), index=True)
    product_name: Mapped[str] = mapped_column(String(150))
    unit: Mapped[str] = mapped_column(String(20))
    unit_price_vnd: Mapped[int]
    quantity: Mapped[int]
    line_total_vnd: Mapped[int] = mapped_column(BigInteger)

    seller_order: Mapped[SellerOrder] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()


class LedgerKind(StrEnum):
    COMMISSION_OWED = "commission_owed"  # cash on delivery: the seller holds the cash, owes the commission
    NET_OWED = "net_owed"  # card or transfer: the platform holds the money, owes the seller the net
    REFUND = "refund"  # a refund takes back what the platform owed
    SETTLEMENT = "settlement"  # money actually handed over, either way


LEDGER_KIND_LABELS = {
    LedgerKind.COMMISSION_OWED: _l("Commission on a cash-on-delivery order"),
    LedgerKind.NET_OWED: _l("Sale paid online (owed to the seller)"),
    LedgerKind.REFUND: _l("Refund"),
    LedgerKind.SETTLEMENT: _l("Settlement"),
}


class LedgerEntry(db.Model):
    """A money event between the platform and a seller.

    Positive amounts: the platform owes the seller; negative: the seller owes the
    platform. A seller's balance is the sum of its entries.
    """

    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint("kind IN ('commission_owed', 'net_owed', 'refund', 'settlement')", name="kind_known"),
        # One entry of each kind per seller order: replaying an event cannot count it twice.
        UniqueConstraint("seller_order_id", "kind", name="uq_ledger_entries_seller_order_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="RESTRICT"), index=True)
    seller_order_id: Mapped[int | None] = mapped_column(ForeignKey("seller_orders.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(20))
    amount_vnd: Mapped[int] = mapped_column(BigInteger)
    memo: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    seller_order: Mapped[SellerOrder | None] = relationship()
