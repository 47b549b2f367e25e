"""A review of one order line, its photos, the seller's reply and staff's hiding."""
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.accounts.models import User
from market.catalog.models import Product
from market.core.clock import utcnow
from market.extensions import db
from market.orders.models import OrderLine
from market.sellers.models import BelongsToSeller, Seller


class Review(BelongsToSeller, db.Model):
    """A shopper's rating (1–5) and words on one delivered order line: one per line."""

    __tablename__ = "reviews"
    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_in_range"),
        # Product and seller pages list visible reviews, newest first.
        Index("ix_reviews_product_visible", "product_id", "hidden_at", "created_at"),
        Index("ix_reviews_seller_visible", "seller_id", "hidden_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id", ondelete="CASCADE"), unique=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"))
    # Null only if the account row itself went (it normally stays, emptied, when deleted).
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    rating: Mapped[int] = mapped_column(SmallInteger)
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The seller's one reply.
    reply_body: Mapped[str | None] = mapped_column(Text)
    reply_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reply_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Hidden by staff (with the reason the author is told); hidden reviews count nowhere.
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    order_line: Mapped[OrderLine] = relationship()
    product: Mapped[Product] = relationship()
    seller: Mapped[Seller] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    photos: Mapped[list["ReviewPhoto"]] = relationship(
        back_populates="review", cascade="all, delete-orphan", order_by="ReviewPhoto.position"
    )

    # owned_by (the mixin's): the seller's members, who reply. The author's rule:
    @classmethod
    def written_by(cls, user):
        """SQL condition: `user` wrote the review."""
        return cls.author_id == user.id


class ReviewPhoto(db.Model):
    __tablename__ = "review_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(60))  # a token of core.uploads' image area
    position: Mapped[int] = mapped_column(SmallInteger, default=0)

    review: Mapped[Review] = relationship(back_populates="photos")
