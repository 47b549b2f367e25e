"""Flask-Login wiring: how a session cookie becomes a user."""
from flask_babel import lazy_gettext as _l

from market.accounts.models import User
from market.extensions import db, login_manager

login_manager.login_message = _l("Please sign in to open this page.")
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """`session_id` is `<user id>:<session epoch>`; a stale epoch signs the session out."""
    user_id, _, epoch = session_id.partition(":")
    if not user_id.isdigit() or not epoch.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_epoch != int(epoch):
        return None
    return user
