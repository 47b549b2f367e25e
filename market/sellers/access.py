"""Who may use the seller area: the decorator every `/sell/...` view wears."""
from functools import wraps

from flask import redirect, url_for
from flask_login import current_user, login_required

from market.sellers.services import membership_of


def member_required(view):
    """Signed in and a member of a seller; others are sent to the application page. The view
    receives the membership as its first argument."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        membership = membership_of(current_user)
        if membership is None:
            return redirect(url_for("sellers.apply"))
        return view(membership, *args, **kwargs)

    return wrapped
