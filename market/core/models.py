"""Cross-cutting tables: the email outbox."""
from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from market.core.clock import utcnow
from market.extensions import db


class OutboundEmail(db.Model):
    """An email waiting in (or delivered from) the outbox.

    Rows are written in the transaction of the decision that causes them and sent later
    by `market.core.mail.deliver_pending`, so a mail failure never undoes a decision.
    """

    __tablename__ = "outbound_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)  # plain text
    html_body: Mapped[str | None] = mapped_column(Text)  # the same message as HTML, when it has one
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Null until delivered: the delivery queue is "sent_at IS NULL".
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    # Every delivery try, failed or not; once MAIL_MAX_ATTEMPTS tries failed, it is given up.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))

    def __repr__(self) -> str:
        state = "sent" if self.sent_at else f"unsent, {self.attempts} attempts"
        return f"<OutboundEmail {self.id} to {self.to_address} ({state})>"
