"""Server-side sessions: each signed-in browser is a UserSession row.

The browser keeps a random key (in the signed session cookie and, with remember-me, in the
remember cookie); the database keeps only its SHA-256. A session is alive while it has not
been ended and has been seen within the remember-me duration. Ending it (sign-out, "sign
out that device", a password change, staff deactivating the account) makes every copy of
its cookies worthless, because the user loader finds no live session for their key.
"""
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, func, inspect, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from market.accounts.models import Notification, User, UserSession
from market.core.clock import aware, utcnow
from market.core.domain import DomainError
from market.extensions import db

KEY_BYTES = 32
# last_seen_at is written at most this often per session: not a write per request.
LAST_SEEN_EVERY = timedelta(minutes=5)
USER_AGENT_LENGTH = 255
# Bulk UPDATE/DELETE: the rows changed are found by the database (RETURNING), not by
# matching the loaded objects in Python, where SQLite's naive datetimes do not compare.
SYNC_BY_FETCH = {"synchronize_session": "fetch"}


class SessionError(DomainError):
    """A session cannot change that way (it has already ended)."""


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def idle_limit() -> timedelta:
    """How long a session lives unseen: as long as a remember-me cookie."""
    duration = current_app.config["REMEMBER_COOKIE_DURATION"]
    return duration if isinstance(duration, timedelta) else timedelta(seconds=duration)


def _alive(now: datetime):
    """SQL condition: not ended, and seen recently enough."""
    return UserSession.ended_at.is_(None) & (UserSession.last_seen_at > now - idle_limit())


def open_session(user: User, user_agent: str | None, ip_address: str | None) -> str:
    """Add a session for a browser that has just proved who it is; returns the key for its
    cookie. Joins the caller's transaction (no commit); the user's sessions that are over
    are deleted on the way, so the table holds little more than live sessions."""
    now = utcnow()
    db.session.execute(
        delete(UserSession).where(
            UserSession.user_id == user.id,
            or_(UserSession.ended_at.is_not(None), UserSession.last_seen_at <= now - idle_limit()),
        ),
        execution_options=SYNC_BY_FETCH,
    )
    key = secrets.token_urlsafe(KEY_BYTES)
    db.session.add(
        UserSession(
            user_id=user.id,
            key_hash=hash_key(key),
            user_agent=(user_agent or "")[:USER_AGENT_LENGTH],
            ip_address=ip_address[:45] if ip_address else None,
            created_at=now,
            last_seen_at=now,
        )
    )
    return key


def start_session(user: User, user_agent: str | None, ip_address: str | None) -> str:
    """Sign a browser in: a new server session, and the time of this sign-in on the user.
    Returns the session key the browser keeps in its cookies."""
    key = open_session(user, user_agent, ip_address)
    user.last_login_at = utcnow()
    db.session.commit()
    return key


# Counts other packages show on every signed-in page (orders: the units in the cart), read
# by the session lookup instead of a statement each: name -> a function building a scalar
# subquery correlated to UserSession. Registered when the app is built, before any lookup.
_read_with_session: dict[str, Callable] = {}


def read_with_session(name: str, subquery: Callable) -> None:
    """Have every session lookup also read `subquery()` (correlated to UserSession); the value
    is on the session found, in `looked_up[name]`."""
    if name not in _read_with_session:
        _read_with_session[name] = subquery
        _live_session_by_key.cache_clear()


@dataclass(slots=True)
class FoundSession:
    """What a request needs of its live session: read with the user in one lookup, without
    loading the session row as an object (that cost a signed-in page more than the query)."""
    id: int
    last_seen_at: datetime
    user: User
    unread_messages: int  # the header's count, read with the session
    looked_up: dict  # the counts other packages asked for (read_with_session)


@cache
def _user_columns() -> tuple[str, ...]:
    return tuple(column.key for column in User.__mapper__.column_attrs)


@cache
def _live_session_by_key():
    """Built once per process: this runs on every signed-in request, and building the
    statement (with its cache key) cost more than running it. The header's count of unread
    messages comes with it, saving every page a statement of its own."""
    unread = (
        select(func.count(Notification.id))
        .where(Notification.user_id == UserSession.user_id, Notification.read_at.is_(None))
        .correlate(UserSession)
        .scalar_subquery()
    )
    return (
        select(*(getattr(User, name) for name in _user_columns()), UserSession.id, UserSession.last_seen_at,
               unread, *(subquery() for subquery in _read_with_session.values()))
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.key_hash == bindparam("key_hash"), UserSession.ended_at.is_(None),
               UserSession.last_seen_at > bindparam("seen_after"))
    )


def find_live_session(user_id: int, key: str) -> FoundSession | None:
    """User `user_id`'s live session with this key, with the user and the number of her
    unread messages (`unread_messages`), in one unique-index lookup."""
    if not key:
        return None
    row = db.session.connection().execute(
        _live_session_by_key(), {"key_hash": hash_key(key), "seen_after": utcnow() - idle_limit()}).first()
    if row is None:
        return None
    names = _user_columns()
    values = dict(zip(names, row))
    if values["id"] != user_id:
        return None
    session_id, last_seen_at, unread, *extras = row[len(names):]
    return FoundSession(session_id, last_seen_at, _attached_user(values), unread, dict(zip(_read_with_session, extras)))


def _attached_user(values: dict) -> User:
    """The user in this request's session, made from her row's values: the ORM's loading of
    one row cost more than the lookup's query. As with a query, a user the session already
    holds is the one returned, what it had expired filled in from the row."""
    held = db.session.identity_map.get(identity_key(User, values["id"]))
    if held is not None:
        for name in inspect(held).unloaded & values.keys():
            set_committed_value(held, name, values[name])
        return held
    user = User(**values)
    make_transient_to_detached(user)  # as if loaded: persistent once added, nothing to write
    db.session.add(user)
    return user


def last_seen_is_stale(user_session: FoundSession) -> bool:
    return aware(user_session.last_seen_at) <= utcnow() - LAST_SEEN_EVERY


def note_seen(session_id: int) -> None:
    """Record that a session was used now.

    Written on a connection of its own, outside the request's transaction: it must never
    commit a view's half-done work, nor count as the request's commit (which empties the
    page cache). Losing one of these writes costs nothing but a less exact "last seen".
    """
    statement = (
        update(UserSession)
        .where(UserSession.id == session_id, UserSession.ended_at.is_(None))
        .values(last_seen_at=utcnow())
    )
    try:
        with db.engine.begin() as connection:
            connection.execute(statement)
    except OperationalError:  # a busy SQLite file: next time
        current_app.logger.warning("could not record when session %s was last seen", session_id)


def live_sessions(user_id: int) -> list[UserSession]:
    """The user's live sessions, most recently used first."""
    query = (
        select(UserSession)
        .where(UserSession.user_id == user_id, _alive(utcnow()))
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    )
    return list(db.session.scalars(query))


def end_session(user_session: UserSession | FoundSession) -> None:
    """End one session (its browser is signed out at its next request)."""
    if isinstance(user_session, FoundSession):
        user_session = db.session.get(UserSession, user_session.id)
    if user_session is None or user_session.ended_at is not None or aware(user_session.last_seen_at) <= utcnow() - idle_limit():
        raise SessionError(_("That session has already ended."))
    user_session.ended_at = utcnow()
    db.session.commit()


def end_other_sessions(user_id: int, keep_session_id: int | None) -> int:
    """End every live session of the user but `keep_session_id`; returns how many ended."""
    ended = _end_sessions(user_id, except_id=keep_session_id)
    db.session.commit()
    return ended


def end_all_sessions(user_id: int) -> int:
    """End every session of the user: each browser, remember-me cookies included, is signed
    out at its next request. For a password change and for staff deactivating an account.

    Joins the caller's transaction (no commit), so the change that calls for it and the end
    of the sessions commit together. Returns how many sessions ended.
    """
    return _end_sessions(user_id)


def _end_sessions(user_id: int, except_id: int | None = None) -> int:
    statement = update(UserSession).where(UserSession.user_id == user_id, _alive(utcnow()))
    if except_id is not None:
        statement = statement.where(UserSession.id != except_id)
    result = db.session.execute(statement.values(ended_at=utcnow()), execution_options=SYNC_BY_FETCH)
    return result.rowcount
