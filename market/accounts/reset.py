"""Password reset by email: "Forgot your password?" and the link staff may send.

The link carries a token signed with the app's secret (its own salt) over the user's id and
a fingerprint of the account's state: the password hash, the last sign-in, the email and
whether it is deactivated or deleted. Using the link sets a new hash and signs the browser
in, so the fingerprint changes and the same link (and every other one sent before) is
worthless: single use without a table. The signature carries its time, and a link older
than PASSWORD_RESET_MAX_AGE seconds is refused.

Asking for a link answers the same whether or not the email has an account, and costs
about the same: for an unknown (or deactivated, or deleted) email the email is rendered all
the same and nothing is queued. The rate limits (per IP, per email typed) are the view's.
"""
import hashlib

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import update

from market.accounts import services
from market.accounts.models import User
from market.accounts.sessions import aware, end_all_sessions, open_session
from market.core.audit import record_audit
from market.core.clock import utcnow
from market.core.emails import queue_rendered, render_email
from market.core.urls import public_url, site_path
from market.extensions import db

SALT = "password-reset"


class ResetLinkError(services.AccountError):
    """The reset link is expired, tampered with, used, or for an account that cannot sign in."""


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def max_age() -> int:
    return int(current_app.config["PASSWORD_RESET_MAX_AGE"])


def _stamp(moment) -> str:
    return str(int(aware(moment).timestamp())) if moment is not None else "-"


def _fingerprint(user: User) -> str:
    """Changes whenever the password, the email or the account's state changes, and at
    every sign-in (the reset signs the browser in): any of them voids the links sent before."""
    state = "|".join(
        (
            user.password_hash,
            user.email,
            _stamp(user.last_login_at),
            _stamp(user.deactivated_at),
            _stamp(user.deleted_at),
        )
    )
    return hashlib.sha256(state.encode()).hexdigest()[:32]


def make_token(user: User) -> str:
    return _serializer().dumps([user.id, _fingerprint(user)])


def user_for_token(token: str) -> User:
    """The account a valid reset token is for; ResetLinkError when it is not valid."""
    try:
        user_id, fingerprint = _serializer().loads(token, max_age=max_age())
    except SignatureExpired:
        raise ResetLinkError(_("This link has expired. Ask for a new one.")) from None
    except (BadData, ValueError, TypeError):
        raise ResetLinkError(_("This link is not valid. Ask for a new one.")) from None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.is_active or fingerprint != _fingerprint(user):
        raise ResetLinkError(_("This link has already been used or is no longer valid. Ask for a new one."))
    return user


def _render(user: User, link: str):
    minutes = max(1, max_age() // 60)
    return render_email(
        "password_reset",
        user.locale,
        lambda: _("Choose a new password"),
        holder=user.full_name,
        link=link,
        minutes=minutes,
    )


def queue_reset_email(user: User) -> None:
    """Queue the reset email to an active account, in its language (no commit)."""
    link = public_url("accounts.reset_password", token=make_token(user))
    queue_rendered(user.email, _render(user, link))


def request_reset(email: str) -> None:
    """Send a reset link to `email` if it names an active account; otherwise do the same work
    and send nothing. The caller answers the same either way."""
    user = services.find_user_by_email(email)
    if user is not None and user.is_active:
        queue_reset_email(user)
        db.session.commit()
        return
    stand_in = User(id=0, email="nobody@invalid", full_name="", password_hash="!", locale=None)
    _render(stand_in, public_url("accounts.reset_password", token=make_token(stand_in)))
    db.session.rollback()


def reset_password(token: str, new_password: str, user_agent: str | None, ip_address: str | None) -> tuple[User, str]:
    """Set a new password through a reset link: every session of the account ends and a new
    one is opened for this browser (its key returned for the cookies). The change is made
    only if the hash is still the one the link was made for, so two uses of one link (even
    at the same moment) set one password."""
    user = user_for_token(token)
    old_hash = user.password_hash
    new_hash = services._hash(new_password)
    changed = db.session.execute(
        update(User).where(User.id == user.id, User.password_hash == old_hash).values(password_hash=new_hash),
        execution_options={"synchronize_session": False},
    ).rowcount
    if changed != 1:
        db.session.rollback()
        raise ResetLinkError(_("This link has already been used or is no longer valid. Ask for a new one."))
    user.password_hash = new_hash
    end_all_sessions(user.id)
    key = open_session(user, user_agent, ip_address)
    user.last_login_at = utcnow()
    record_audit(user.id, "user", user.id, "password_reset")
    with force_locale(user.locale or "vi"):
        services.notify(
            user,
            _("Your password has been changed"),
            _(
                "The password of your account was changed with a link sent to your email, and every "
                "device signed in to the account was signed out. If you did not do this, ask for a new "
                "link at once and contact the union."
            ),
            site_path("accounts.session_list"),
        )
    db.session.commit()
    return user, key
