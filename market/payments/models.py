"""What the payment providers leave behind: each webhook event id, stored once, and every
payment event that did not match what we expected (an anomaly for central staff)."""
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.core.clock import utcnow
from market.extensions import db


class WebhookEvent(db.Model):
    """A payment provider's event id, stored once: a repeated delivery is recognised and skipped."""

    __tablename__ = "webhook_events"
    __table_args__ = (UniqueConstraint("provider", "event_id", name="uq_webhook_events_provider_event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(255))
    event_type: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PaymentAnomaly(db.Model):
    """A payment event we refused to act on (wrong amount, currency or session, a partial
    refund...): kept for central staff, it changed nothing else."""

    __tablename__ = "payment_anomalies"
    __table_args__ = (Index("ix_payment_anomalies_open", "resolved_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str | None] = mapped_column(String(255))
    event_type: Mapped[str] = mapped_column(String(100))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # e.g. amount_mismatch, currency_mismatch, unknown_session
    detail: Mapped[str] = mapped_column(Text, default="")
    amount: Mapped[int | None] = mapped_column(BigInteger)  # as the event gave it, in its currency's units
    currency: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    order = relationship("Order")
