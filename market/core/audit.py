"""The audit trail: who did what to which object, when, from which status to which, and why."""
from collections.abc import Callable
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, ForeignKey, Index, String, Text, select, text
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from market.core import on_behalf
from market.core.clock import utcnow
from market.extensions import db

# How each audited action is shown in a history, in the reader's language.
ACTION_LABELS = {
    "created": _l("Application started"),
    "submit": _l("Submitted"),
    "applied": _l("Applied"),
    "approve": _l("Approved"),
    "reject": _l("Rejected"),
    "request_changes": _l("Changes requested"),
    "suspend": _l("Suspended"),
    "reinstate": _l("Reinstated"),
    "member_invited": _l("Member invited"),
    "member_invited_by_link": _l("Member invited by a shared link"),
    "invitation_revoked": _l("Invitation withdrawn"),
    "member_joined": _l("Member joined"),
    "member_removed": _l("Member removed"),
    "document_removed": _l("Document removed"),
    "profile_updated": _l("Profile updated"),
    "figures_reported": _l("Figures reported"),
    "figures_reminded": _l("Reminded to send figures"),
    "program_created": _l("Program created"),
    "program_updated": _l("Program updated"),
    "products_imported": _l("Products imported"),
    "product_created": _l("Product created"),
    "product_updated": _l("Product updated"),
    "product_deleted": _l("Product deleted"),
    "stock_price_set": _l("Stock and price changed"),
    "publish": _l("Put on sale"),
    "hide": _l("Hidden"),
    "block": _l("Blocked"),
    "unblock": _l("Unblocked"),
    "ocop_verified": _l("OCOP rating verified"),
    "ocop_refused": _l("OCOP rating refused"),
    "category_saved": _l("Category saved"),
    "unit_added": _l("Selling unit added"),
    "settlement_recorded": _l("Settlement recorded"),
    "shipping_updated": _l("Shipping fee changed"),
    # Orders: each seller's part, and the order's payment.
    "placed": _l("Order placed"),
    "release": _l("Paid: the order goes to the seller"),
    "confirm": _l("Confirmed by the seller"),
    "ship": _l("Shipped"),
    "deliver": _l("Delivered"),
    "cancel_by_shopper": _l("Cancelled by the shopper"),
    "cancel": _l("Cancelled"),
    "expire": _l("Cancelled: not paid in time"),
    "refund": _l("Cancelled: payment refunded"),
    "payment_pay": _l("Paid"),
    "payment_refund": _l("Refunded"),
    "payment_expire": _l("Payment expired"),
    "receipt_uploaded": _l("Transfer receipt sent"),
    "refund_due": _l("A cancelled part was already paid: refund due"),
    "anomaly_resolved": _l("Payment anomaly resolved"),
    # Accounts: central staff's actions, a reset by email, the holder deleting the account.
    "deactivate": _l("Account deactivated"),
    "reactivate": _l("Account reactivated"),
    "password_reset_sent": _l("Password reset link sent"),
    "password_reset": _l("Password reset by email"),
    "account_deleted": _l("Account deleted by its holder"),
    # Complaints (subject "complaint"); the order of a refund owed gets complaint_refund_due.
    "complaint_reported": _l("Complaint made"),
    "complaint_answered": _l("Answered by the seller"),
    "complaint_dismiss": _l("Decided: dismissed"),
    "complaint_refund_owed": _l("Decided: refund owed to the shopper"),
    "complaint_product_taken_down": _l("Decided: product taken down"),
    "complaint_seller_warned": _l("Decided: seller warned"),
    "complaint_seller_suspended": _l("Decided: seller suspended"),
    "complaint_refund_due": _l("A complaint was decided: refund due"),
    "review_hidden": _l("Review hidden"),
    "review_shown": _l("Review shown again"),
    "review_replied": _l("Review answered by the seller"),
    "page_saved": _l("New version of a public page saved"),
    # Help on a seller's behalf (market.sellers.helping): the owner's consent, its end, and
    # each time a staff member opened the seller area under it.
    "help_granted": _l("The union may help on the seller's behalf"),
    "help_ended": _l("Help from the union ended"),
    "help_expired": _l("Help from the union ended: its period ran out"),
    "help_opened": _l("The union opened the seller area to help"),
}


_SELLERS = "subject_type = 'seller'"
_CANCELLATIONS = "subject_type = 'seller_order' AND to_status = 'cancelled'"


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_subject", "subject_type", "subject_id"),
        # The audit log browser's person filter, newest first (migration 0013).
        Index("ix_audit_entries_actor", "actor_id", "id"),
        # For the report (migration 0012): sellers' history, and the rows that cancelled seller
        # orders, read from the index alone; partial, so small in a trail of order moves.
        Index("ix_audit_entries_seller_history", "subject_id", "created_at", "id",
              postgresql_include=["action", "to_status"], postgresql_where=text(_SELLERS), sqlite_where=text(_SELLERS)),
        Index("ix_audit_entries_cancellations", "subject_id", postgresql_include=["action", "actor_id"],
              postgresql_where=text(_CANCELLATIONS), sqlite_where=text(_CANCELLATIONS)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int]
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str | None] = mapped_column(String(30))
    reason: Mapped[str | None] = mapped_column(Text)
    # Extra context (e.g. which email was invited); plain text, shown to staff.
    detail: Mapped[str | None] = mapped_column(String(300))
    # Set when a staff member did this in a seller's area with the seller's consent (the
    # seller's own history then lists it, whatever its subject). By table name: core sits
    # below sellers.
    on_behalf_of_seller_id: Mapped[int | None] = mapped_column(
        ForeignKey("sellers.id", ondelete="SET NULL"), index=True)

    # By name, not by import: core sits below accounts, and the mapper resolves "User" once
    # every model is loaded.
    actor: Mapped["User | None"] = relationship("User")


def record_audit(
    actor_id: int | None,
    subject_type: str,
    subject_id: int,
    action: str,
    from_status: str | None = None,
    to_status: str | None = None,
    reason: str | None = None,
    detail: str | None = None,
) -> AuditEntry:
    """Add an audit row to the current transaction (the caller commits it with the change).

    While `actor_id` acts for a seller in this request (`core.on_behalf`), the row names that
    seller too: services need not know whether a member or the union did it."""
    entry = AuditEntry(
        on_behalf_of_seller_id=on_behalf.seller_for(actor_id),
        actor_id=actor_id,
        subject_type=subject_type,
        subject_id=subject_id,
        action=action,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        detail=detail,
    )
    db.session.add(entry)
    return entry


def history(subject_type: str, subject_id: int, on_behalf_of: int | None = None) -> list[AuditEntry]:
    """Every audit row of one object, oldest first, with its actor loaded; with
    `on_behalf_of`, also every row done on behalf of that seller (any subject)."""
    about = (AuditEntry.subject_type == subject_type) & (AuditEntry.subject_id == subject_id)
    if on_behalf_of is not None:
        about = about | (AuditEntry.on_behalf_of_seller_id == on_behalf_of)
    query = (
        select(AuditEntry)
        .where(about)
        .options(joinedload(AuditEntry.actor))
        .order_by(AuditEntry.created_at, AuditEntry.id)
    )
    return list(db.session.scalars(query))


# How to name the objects of audit rows (a product's name, an order's number): the packages
# that know them sit above core, so create_app hands the staff audit log's namer down.
_subject_namer: Callable[[list], dict] | None = None


def register_subject_namer(namer: Callable[[list], dict]) -> None:
    """`namer(entries)` -> {(subject_type, subject_id): name} for rows of the audit trail."""
    global _subject_namer
    _subject_namer = namer


def subject_names(entries: list) -> dict[tuple[str, int], str]:
    """The names of the entries' objects, when a namer was registered (else none)."""
    return _subject_namer(entries) if _subject_namer is not None and entries else {}
