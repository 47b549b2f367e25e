"""Account rules: registration, authentication, profile and password changes, roles."""
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from market.accounts.models import Notification, Role, User
from market.accounts.sessions import end_all_sessions, open_session
from market.core.clock import utcnow
from market.core.domain import DomainError
from market.core.i18n import language_chosen
from market.core.emails import RenderedEmail, queue_rendered, send_email
from market.core.urls import public_base_url
from market.extensions import db
from market.geo.provinces import lookup as lookup_province

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128


@cache
def _dummy_hash() -> str:
    """Checked when the email is unknown, so a wrong email costs as long as a wrong password."""
    return generate_password_hash("not-a-real-password")


class AccountError(DomainError):
    """An account rule was broken; `field` names the form field the message belongs beside."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    """The user with this email, whatever its case."""
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def _hash(password: str) -> str:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise AccountError("password length out of range", "password")
    return generate_password_hash(password)


def register_user(
    full_name: str, email: str, password: str, phone: str | None = None, locale: str | None = None
) -> User:
    """Create a shopper account. Raises AccountError(field="email") when the email is taken."""
    user = User(
        full_name=full_name.strip(),
        email=normalise_email(email),
        phone=phone or None,
        password_hash=_hash(password),
        role=Role.SHOPPER,
        locale=locale,
    )
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise AccountError(_("An account with this email already exists."), "email") from None
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user whose email and password match, else None (same cost either way)."""
    user = find_user_by_email(email)
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def update_profile(user: User, full_name: str, phone: str | None, locale: str | None) -> User:
    """Change the name, phone and preferred language."""
    user.full_name = full_name.strip()
    user.phone = phone or None
    user.locale = locale or None
    db.session.commit()
    return user


def set_locale(user: User, locale: str) -> None:
    """Remember the language the user picked."""
    user.locale = locale
    db.session.commit()


def remember_language(sender: object, *, user: User, code: str, **extra: object) -> None:
    """Receiver of `market.core.i18n.language_chosen`: keep a signed-in user's choice.

    Connected at app creation (`connect_language_memory`); the sender is the app.
    """
    set_locale(user, code)


def connect_language_memory() -> None:
    """Have the language switch (in core) remember the choice in the user's profile.

    Connecting twice (an app per test) keeps one receiver.
    """
    language_chosen.connect(remember_language)


def change_password(
    user: User, current_password: str, new_password: str, user_agent: str | None, ip_address: str | None
) -> str:
    """Replace the password after checking the current one.

    Every session of the user ends, remember-me cookies included, the one asking too (its
    cookie may be a copy); a new session is opened for the browser that asked, and its key
    returned for that browser's cookies.
    """
    if not check_password_hash(user.password_hash, current_password):
        raise AccountError(_("The current password is not correct."), "current_password")
    user.password_hash = _hash(new_password)
    end_all_sessions(user.id)
    key = open_session(user, user_agent, ip_address)
    db.session.commit()
    return key


def create_user(
    email: str,
    role: str,
    password: str,
    full_name: str | None = None,
    province: str | None = None,
) -> User:
    """Create an account with any role (used by the CLI and the demo seed).

    Staff given a province are provincial staff (the name may be a pre-2025 one); staff
    without one are central staff. Raises AccountError on a bad role, province or email.
    """
    if role not in set(Role):
        raise AccountError(f"unknown role {role!r}; use one of {', '.join(Role)}", "role")
    province_code = None
    if province:
        if role != Role.STAFF:
            raise AccountError("only staff accounts are bound to a province", "province")
        found = lookup_province(province)
        if found is None:
            raise AccountError(f"unknown province {province!r}", "province")
        province_code = found.code
    if find_user_by_email(email) is not None:
        raise AccountError(f"an account with the email {email} already exists", "email")
    user = User(
        email=normalise_email(email),
        full_name=(full_name or email.split("@")[0]).strip(),
        password_hash=_hash(password),
        role=role,
        staff_province_code=province_code,
    )
    db.session.add(user)
    db.session.commit()
    return user


def notify(user: User, subject: str, body: str, link: str | None = None,
           email: RenderedEmail | None = None) -> Notification:
    """Tell a user something: a message in their account, and an email queued with it.

    Both join the caller's transaction, so a decision and its notice commit together; the
    email is delivered after the commit by `flask --app wsgi mail deliver` (cron or a timer,
    so no request waits on the mail server), and a failed
    delivery is retried later without touching the decision. `email`, when given, is the
    email sent instead of the message itself (a richer one: an order's lines, a decision's
    next steps), rendered by the caller with `market.core.emails.render_email`.
    """
    notification = Notification(user_id=user.id, subject=subject[:200], body=body, link=link)
    db.session.add(notification)
    if user.deleted_at is None and email is not None:
        queue_rendered(user.email, email)
    elif user.deleted_at is None:
        absolute_link = f"{public_base_url()}{link}" if link else None
        send_email(user.email, "notice", user.locale, subject[:200], body=body, link=absolute_link)
    return notification


def notifications_for(user: User, limit: int = 50) -> list[Notification]:
    """The user's latest messages, newest first."""
    query = select(Notification).where(Notification.user_id == user.id).order_by(Notification.id.desc()).limit(limit)
    return list(db.session.scalars(query))


@cache
def _unread_count_query():
    # Built once per process: the header counts on every signed-in page.
    return select(func.count()).where(Notification.user_id == bindparam("user_id"), Notification.read_at.is_(None))


def unread_count(user: User) -> int:
    """How many of the user's messages are unread."""
    return db.session.scalar(_unread_count_query(), {"user_id": user.id}) or 0


def mark_notifications_read(user: User) -> None:
    """Mark every message of the user as read."""
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
