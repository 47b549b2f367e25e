"""Central staff's administration of accounts: find a user, deactivate or reactivate the
account, send it a password reset link. Every action is audited (subject "user")."""
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from market.accounts import reset
from market.accounts.models import User
from market.accounts.services import AccountError
from market.accounts.sessions import end_all_sessions, live_sessions
from market.core.audit import record_audit
from market.core.clock import utcnow
from market.core.paging import Page, paginate
from market.extensions import db

PER_PAGE = 25
ACTIVE, DEACTIVATED, DELETED = "active", "deactivated", "deleted"
STATUS_LABELS = {ACTIVE: _l("Active"), DEACTIVATED: _l("Deactivated"), DELETED: _l("Deleted")}
ACTIONS = ("deactivate", "reactivate", "send_reset")
ROLE_LABELS = {"shopper": _l("Shopper"), "seller": _l("Seller member"), "staff": _l("Union staff")}


def status_of(user: User) -> str:
    if user.deleted_at is not None:
        return DELETED
    return DEACTIVATED if user.deactivated_at is not None else ACTIVE


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_users(query_text: str, page: int) -> Page:
    """Accounts whose email or name holds `query_text` (any case), newest first."""
    query = select(User).order_by(User.created_at.desc(), User.id.desc())
    text = " ".join(query_text.split()).lower()
    if text:
        pattern = _like(text)
        query = query.where(
            or_(User.email.like(pattern, escape="\\"), func.lower(User.full_name).like(pattern, escape="\\"))
        )
    return paginate(query, page, PER_PAGE)


@dataclass
class UserFacts:
    user: User
    status: str
    live_sessions: int


def user_facts(user_id: int) -> UserFacts | None:
    user = db.session.get(User, user_id)
    if user is None:
        return None
    return UserFacts(user, status_of(user), len(live_sessions(user.id)))


def _require_central(staff: User) -> None:
    if not staff.is_central_staff:
        raise AccountError(_("Only central staff may manage accounts."))


def _target(staff: User, user_id: int) -> User:
    _require_central(staff)
    user = db.session.get(User, user_id)
    if user is None:
        raise AccountError(_("This account does not exist."))
    if user.deleted_at is not None:
        raise AccountError(_("This account has been deleted by its holder; nothing can be done with it."))
    return user


def act(staff: User, user_id: int, action: str, reason: str | None) -> User:
    """Take one of ACTIONS on an account, audited with `reason` (required to deactivate)."""
    if action not in ACTIONS:
        raise AccountError(_("Choose an action."))
    user = _target(staff, user_id)
    reason = (reason or "").strip() or None
    if action == "deactivate":
        _deactivate(staff, user, reason)
    elif action == "reactivate":
        _reactivate(staff, user, reason)
    else:
        _send_reset(staff, user, reason)
    db.session.commit()
    return user


def _deactivate(staff: User, user: User, reason: str | None) -> None:
    if user.id == staff.id:
        raise AccountError(_("You cannot deactivate your own account."))
    if user.deactivated_at is not None:
        raise AccountError(_("This account is already deactivated."))
    if not reason:
        raise AccountError(_("Give the reason for deactivating this account."), "reason")
    user.deactivated_at = utcnow()
    end_all_sessions(user.id)
    record_audit(staff.id, "user", user.id, "deactivate", ACTIVE, DEACTIVATED, reason)


def _reactivate(staff: User, user: User, reason: str | None) -> None:
    if user.deactivated_at is None:
        raise AccountError(_("This account is active."))
    user.deactivated_at = None
    record_audit(staff.id, "user", user.id, "reactivate", DEACTIVATED, ACTIVE, reason)


def _send_reset(staff: User, user: User, reason: str | None) -> None:
    if user.deactivated_at is not None:
        raise AccountError(_("A deactivated account gets no reset link: reactivate it first."))
    reset.queue_reset_email(user)
    record_audit(staff.id, "user", user.id, "password_reset_sent", reason=reason, detail=user.email)
