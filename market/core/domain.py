"""Domain errors and the one ownership helper every view uses."""
from flask import abort
from sqlalchemy import select

from market.extensions import db


class DomainError(Exception):
    """A business rule refused the request; `field` names the form field it belongs beside."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


def get_owned_or_404(model, object_id, user):
    """`model` row `object_id` when `user` owns it (per `model.owned_by(user)`), else 404.

    404 rather than 403, so nobody learns that another person's object exists.
    """
    if user is None or not user.is_authenticated or not isinstance(object_id, int):
        abort(404)
    found = db.session.scalar(select(model).where(model.id == object_id, model.owned_by(user)))
    if found is None:
        abort(404)
    return found


def get_in_scope_or_404(model, object_id, staff_user):
    """`model` row `object_id` when `staff_user` may see it (per `model.in_staff_scope`), else 404."""
    if staff_user is None or not getattr(staff_user, "is_staff", False):
        abort(404)
    found = db.session.scalar(select(model).where(model.id == object_id, model.in_staff_scope(staff_user)))
    if found is None:
        abort(404)
    return found
