"""What a complaint may say and how it is shown: reasons, statuses, decisions, deadlines.

Deadlines (the returns page says the same): the seller answers within
`COMPLAINT_ANSWER_DAYS` (2) days of the report; the union decides within
`COMPLAINT_DECISION_DAYS` (5) days of it. A complaint is overdue while it waits past its
deadline: open (no answer) past `answer_due_at`, or not decided past `decision_due_at`.
"""
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_

from market.core.clock import aware
from market.complaints.models import Complaint, ComplaintDecision, ComplaintKind, ComplaintStatus

PRODUCT_REASONS = {
    "counterfeit": _l("Counterfeit or fake"),
    "prohibited": _l("Prohibited or dangerous goods"),
    "misleading": _l("Wrong or misleading information"),
    "offensive": _l("Offensive content"),
    "intellectual_property": _l("Infringes a brand or copyright"),
    "other": _l("Something else"),
}
ORDER_REASONS = {
    "not_received": _l("Not received"),
    "damaged": _l("Arrived damaged"),
    "not_as_described": _l("Not as described"),
    "other": _l("Something else"),
}
REASONS = {ComplaintKind.PRODUCT: PRODUCT_REASONS, ComplaintKind.ORDER: ORDER_REASONS}

KIND_LABELS = {ComplaintKind.PRODUCT: _l("Product report"), ComplaintKind.ORDER: _l("Problem with an order")}
STATUS_LABELS = {
    ComplaintStatus.OPEN: _l("waiting for the seller"),
    ComplaintStatus.ANSWERED: _l("answered, waiting for the union"),
    ComplaintStatus.DECIDED: _l("decided"),
}
DECISION_LABELS = {
    ComplaintDecision.DISMISS: _l("Dismissed"),
    ComplaintDecision.REFUND_OWED: _l("Refund owed to the shopper"),
    ComplaintDecision.PRODUCT_TAKEN_DOWN: _l("Product taken down"),
    ComplaintDecision.SELLER_WARNED: _l("Seller warned"),
    ComplaintDecision.SELLER_SUSPENDED: _l("Seller suspended"),
}
# Decisions that only make sense for a problem with an order.
ORDER_ONLY_DECISIONS = {ComplaintDecision.REFUND_OWED}

MAX_TEXT = 2000
MAX_ANSWER = 2000
MAX_PHOTOS = 3
PHOTO_AREA = "complaint-photos"
# Parts of an order a shopper may report a problem with (goods on their way or arrived).
REPORTABLE_PART_STATUSES = ("confirmed", "shipped", "delivered")


def answer_days() -> int:
    return current_app.config["COMPLAINT_ANSWER_DAYS"]


def decision_days() -> int:
    return current_app.config["COMPLAINT_DECISION_DAYS"]


def deadlines(now: datetime) -> tuple[datetime, datetime]:
    """(answer due, decision due) of a complaint made `now`."""
    return now + timedelta(days=answer_days()), now + timedelta(days=decision_days())


def overdue_condition(now: datetime):
    """SQL condition: the complaint waits past its deadline."""
    return or_(
        and_(Complaint.status == ComplaintStatus.OPEN, Complaint.answer_due_at < now),
        and_(Complaint.status != ComplaintStatus.DECIDED, Complaint.decision_due_at < now),
    )


def current_deadline(complaint: Complaint) -> datetime | None:
    """What the complaint waits for next: the seller's answer, then the union's decision."""
    if complaint.status == ComplaintStatus.OPEN:
        return complaint.answer_due_at
    if complaint.status == ComplaintStatus.ANSWERED:
        return complaint.decision_due_at
    return None


def is_overdue(complaint: Complaint, now: datetime) -> bool:
    """The complaint waits past its deadline (as overdue_condition, in Python)."""
    if complaint.status == ComplaintStatus.DECIDED:
        return False
    return (complaint.status == ComplaintStatus.OPEN and aware(complaint.answer_due_at) < now) or (
        aware(complaint.decision_due_at) < now
    )
