"""Index writes that could not be made yet (the index was busy or failed)."""
from datetime import datetime

from sqlalchemy import DateTime, Integer
from sqlalchemy.orm import Mapped, mapped_column

from market.core.clock import utcnow
from market.extensions import db


class SearchQueueEntry(db.Model):
    """A product whose index entry must be refreshed (one row a product; no foreign key,
    since a deleted product must still leave the index)."""

    __tablename__ = "search_queue"

    product_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    queued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
