"""Explicit status transition tables: anything not in the table is a domain error."""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from market.core.audit import record_audit
from market.core.changes import note_changed
from market.core.domain import DomainError
from market.extensions import db


class TransitionError(DomainError):
    """A move the transition table does not allow."""


@dataclass(frozen=True)
class Transitions:
    """`table[action]` maps each status the action may start from to the status it leads to."""

    table: dict[str, dict[str, str]]

    def target(self, current: str, action: str) -> str:
        """The status `action` leads to from `current`; TransitionError when not allowed."""
        moves = self.table.get(action, {})
        if current not in moves:
            raise TransitionError(
                _l("This cannot be done now: the status is “%(status)s”.", status=status_label(current))
            )
        return moves[current]

    def allowed_actions(self, current: str) -> list[str]:
        """Actions possible from `current`, in table order (for showing the right buttons)."""
        return [action for action, moves in self.table.items() if current in moves]


# Statuses of reviewed things (sellers, program enrolments), in the visitor's language.
STATUS_LABELS = {
    "draft": _l("draft"),
    "pending": _l("pending"),
    "approved": _l("approved"),
    "rejected": _l("rejected"),
    "changes_requested": _l("changes requested"),
    "suspended": _l("suspended"),
    "active": _l("on sale"),
    "hidden": _l("hidden"),
    "blocked": _l("blocked"),
    # Orders: a seller's part, and the payment.
    "awaiting_payment": _l("awaiting payment"),
    "confirmed": _l("confirmed"),
    "shipped": _l("shipped"),
    "delivered": _l("delivered"),
    "cancelled": _l("cancelled"),
    "unpaid": _l("unpaid"),
    "paid": _l("paid"),
    "refunded": _l("refunded"),
    "expired": _l("expired"),
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


# The review flow shared by seller applications and program enrolments.
REVIEW_TRANSITIONS = Transitions(
    {
        "submit": {"draft": "pending", "changes_requested": "pending"},
        "approve": {"pending": "approved"},
        "reject": {"pending": "rejected"},
        "request_changes": {"pending": "changes_requested"},
        "suspend": {"approved": "suspended"},
        "reinstate": {"suspended": "approved"},
    }
)
# Staff decisions that must say why; the applicant sees the reason.
ACTIONS_NEEDING_REASON = frozenset({"reject", "request_changes", "suspend"})


def change_status(obj, action: str, transitions: Transitions = REVIEW_TRANSITIONS, column: str = "status",
                  **values) -> tuple[str, str]:
    """Move `obj` (a model with `id` and a status `column`) along its table; returns (old, new).

    A conditional UPDATE (`WHERE status = old`), so two people deciding at once cannot both
    win: the second gets a TransitionError instead of silently overwriting the first.
    """
    old = getattr(obj, column)
    new = transitions.target(old, action)
    model = type(obj)
    status = getattr(model, column)
    result = db.session.execute(
        update(model).where(model.id == obj.id, status == old).values({column: new, **values})
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise TransitionError(_l("Someone else changed this in the meantime. Reload the page and try again."))
    note_changed(model, obj.id)
    return old, new


def review(actor_id: int, obj, subject_type: str, action: str, reason: str | None, **values) -> tuple[str, str]:
    """A review decision on a seller or an enrolment: reason rule, transition, audit row.

    The caller notifies and commits. Raises ReasonRequired or TransitionError.
    """
    reason = (reason or "").strip() or None
    if action in ACTIONS_NEEDING_REASON and not reason:
        raise ReasonRequired(_l("Give a reason: the applicant will see it."), "reason")
    kept_reason = reason if action in ACTIONS_NEEDING_REASON else None
    old, new = change_status(obj, action, status_reason=kept_reason, **values)
    record_audit(actor_id, subject_type, obj.id, action, old, new, reason)
    return old, new


class ReasonRequired(TransitionError):
    """Rejecting, requesting changes and suspending must say why."""
