"""A complaint, its photos and its deadlines."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.accounts.models import User
from market.catalog.models import Product
from market.core.clock import utcnow
from market.extensions import db
from market.orders.models import SellerOrder
from market.sellers.models import BelongsToSeller, Seller


class ComplaintKind(StrEnum):
    PRODUCT = "product"  # "Report this product": anyone
    ORDER = "order"  # "Report a problem" with an order part: its shopper


class ComplaintStatus(StrEnum):
    OPEN = "open"  # waiting for the seller's answer
    ANSWERED = "answered"  # the seller answered; waiting for staff
    DECIDED = "decided"  # staff decided; closed


class ComplaintDecision(StrEnum):
    DISMISS = "dismiss"
    REFUND_OWED = "refund_owed"
    PRODUCT_TAKEN_DOWN = "product_taken_down"
    SELLER_WARNED = "seller_warned"
    SELLER_SUSPENDED = "seller_suspended"


class Complaint(BelongsToSeller, db.Model):
    __tablename__ = "complaints"
    __table_args__ = (
        CheckConstraint("kind IN ('product', 'order')", name="kind_known"),
        CheckConstraint("status IN ('open', 'answered', 'decided')", name="status_known"),
        CheckConstraint(
            "decision IS NULL OR decision IN "
            "('dismiss', 'refund_owed', 'product_taken_down', 'seller_warned', 'seller_suspended')",
            name="decision_known",
        ),
        CheckConstraint("kind = 'product' OR seller_order_id IS NOT NULL", name="order_complaint_has_order"),
        CheckConstraint("kind = 'order' OR product_id IS NOT NULL", name="product_complaint_has_product"),
        Index("ix_complaints_status_due", "status", "answer_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The page a guest reporter follows the complaint on (an account holder has it in her account too).
    token: Mapped[str] = mapped_column(String(48), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(30))  # a key of the kind's reason list
    body: Mapped[str] = mapped_column(Text, default="")
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    seller_order_id: Mapped[int | None] = mapped_column(ForeignKey("seller_orders.id", ondelete="CASCADE"), index=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    reporter_email: Mapped[str | None] = mapped_column(String(254))  # for a guest's report
    status: Mapped[str] = mapped_column(String(10), default=ComplaintStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The seller answers within two days; staff decide by decision_due_at.
    answer_due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decision_due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    seller_answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision: Mapped[str | None] = mapped_column(String(20))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    product: Mapped[Product | None] = relationship()
    seller_order: Mapped[SellerOrder | None] = relationship()
    seller: Mapped[Seller] = relationship()
    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id])
    photos: Mapped[list["ComplaintPhoto"]] = relationship(
        back_populates="complaint", cascade="all, delete-orphan", order_by="ComplaintPhoto.position"
    )

    @classmethod
    def reported_by(cls, user):
        """SQL condition: `user` made the complaint (get_owned_or_404 for the reporter)."""
        return cls.reporter_id == user.id


class ComplaintPhoto(db.Model):
    __tablename__ = "complaint_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(SmallInteger, default=0)

    complaint: Mapped[Complaint] = relationship(back_populates="photos")
