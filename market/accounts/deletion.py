"""Deleting one's own account (Decree 13/2023: the right to have one's personal data erased).

The `users` row stays, because orders, reviews, complaints and audit rows point at it and
are records of what happened; its personal fields are emptied: the email becomes a
placeholder that is no address (`deleted-<id>@deleted.invalid`), the name an empty string
(pages show "Deleted account"), the phone and language nothing, the password hash one no
password matches; `deleted_at` is set. Every session row of the account is deleted (they
hold IP addresses and browsers), and so are its account messages. Orders keep their
shipping snapshot: it is the legal record of a sale.

Rows of packages above accounts (the cart and the saved addresses of orders, a seller
membership) are theirs to remove: they connect a receiver to the `account_deleting` signal
when the app is built (create_app), and accounts imports none of them. Each receiver is
called with the user as sender, inside the deletion's transaction, before anything is
emptied: it deletes its rows without committing, or raises a DomainError to refuse (a
cooperative's only owner must hand it over first); a refusal rolls everything back.
"""
from blinker import Namespace
from flask_babel import gettext as _
from sqlalchemy import delete
from werkzeug.security import check_password_hash

from market.accounts.models import Notification, User, UserSession
from market.accounts.services import AccountError
from market.core.audit import record_audit
from market.core.clock import utcnow
from market.core.domain import DomainError
from market.extensions import db

_signals = Namespace()
# Sent with the user being deleted as sender; receivers take `(sender, **extra)`.
account_deleting = _signals.signal("account-deleting")

UNUSABLE_PASSWORD = "!deleted"  # not a werkzeug hash: check_password_hash is always False


def placeholder_email(user_id: int) -> str:
    """A unique stand-in for the email of a deleted account; `.invalid` is never a real domain."""
    return f"deleted-{user_id}@deleted.invalid"


def delete_account(user: User, password: str) -> None:
    """Delete `user`'s account after checking the password (see the module's text).

    AccountError (on the field "password") for a wrong password and for staff (their
    accounts are closed by central staff, who deactivate them); a receiver's DomainError.
    """
    if user.deleted_at is not None:
        raise AccountError(_("This account has already been deleted."), "password")
    if user.is_staff:
        raise AccountError(
            _("A staff account cannot be deleted by its holder: ask central staff to deactivate it."), "password"
        )
    if not check_password_hash(user.password_hash, password):
        raise AccountError(_("The password is not correct."), "password")
    try:
        account_deleting.send(user)
    except DomainError:
        db.session.rollback()
        raise
    db.session.execute(delete(Notification).where(Notification.user_id == user.id))
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    user.email = placeholder_email(user.id)
    user.full_name = ""
    user.phone = None
    user.locale = None
    user.password_hash = UNUSABLE_PASSWORD
    user.deleted_at = utcnow()
    record_audit(user.id, "user", user.id, "account_deleted")
    db.session.commit()
