"""Flask-Login wiring: how a session (or remember-me) cookie becomes a user.

Both cookies hold `<user id>:<session key>` (User.get_id), and the key must name a live
server session (market.accounts.sessions): signing out ends that session on the server, so
a copy of either cookie taken before is worthless afterwards. Each request costs one
lookup by the key's unique hash, joined to the user; when the session was last seen more
than a few minutes ago, the time is written after the response.
"""
from flask import g, request_finished
from flask_babel import lazy_gettext as _l

from market.accounts import sessions
from market.accounts.models import User
from market.extensions import login_manager

login_manager.login_message = _l("Please sign in to open this page.")
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(cookie_id: str) -> User | None:
    """The user of the live server session the cookie names, else None (signed out)."""
    user_id, _, key = cookie_id.partition(":")
    # The cookies are signed, so this is what we wrote; still, only plain digits are read.
    if not (user_id.isascii() and user_id.isdigit() and len(user_id) <= 18):
        return None
    user_session = sessions.find_live_session(int(user_id), key)
    if user_session is None:
        return None
    g.user_session = user_session
    g.unread_messages = user_session.unread_messages  # the header's count (accounts/views.py)
    if sessions.last_seen_is_stale(user_session):
        g.session_seen_due = user_session.id
    user = user_session.user
    if not user.is_active:  # deactivated or deleted: its sessions end then, but never trust that alone
        return None
    user.session_key = key
    return user


def current_session() -> sessions.FoundSession | None:
    """The server session of this request's signed-in browser (once the user is loaded)."""
    return g.get("user_session")


@request_finished.connect
def _note_session_seen(app, response, **extra) -> None:
    """Write "last seen" after the response (at most every few minutes per session)."""
    session_id = g.pop("session_seen_due", None)
    if session_id is not None:
        sessions.note_seen(session_id)
