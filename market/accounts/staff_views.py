"""Staff administration of accounts under /staff/users: central staff only (an account is
not bound to a province), so provincial staff get 403 like any other refused role."""
from functools import wraps

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from market.accounts import admin, bp
from market.accounts.forms import StaffUserActionForm
from market.accounts.services import AccountError
from market.core.audit import history
from market.core.forms import show_errors
from market.core.paging import page_number
from market.core.security import roles_required

QUERY_LENGTH = 100


def central_staff_only(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_central_staff:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


@bp.route("/staff/users")
@roles_required("staff")
@central_staff_only
def staff_users():
    query_text = " ".join((request.args.get("q") or "").replace("\x00", " ").split())[:QUERY_LENGTH]
    found = admin.search_users(query_text, page_number())
    return render_template(
        "accounts/staff/users.html", found=found, query_text=query_text, status_of=admin.status_of,
        status_labels=admin.STATUS_LABELS, role_labels=admin.ROLE_LABELS,
    )


@bp.route("/staff/users/<int:user_id>", methods=["GET", "POST"])
@roles_required("staff")
@central_staff_only
def staff_user(user_id: int):
    facts = admin.user_facts(user_id)
    if facts is None:
        abort(404)
    form = StaffUserActionForm()
    if form.validate_on_submit():
        action = request.form.get("action", "")
        try:
            admin.act(current_user, user_id, action, form.reason.data)
        except AccountError as error:
            show_errors(form, error)
        else:
            flash(
                {
                    "deactivate": _("The account has been deactivated and every device signed out."),
                    "reactivate": _("The account has been reactivated."),
                    "send_reset": _("A password reset link has been sent to the account's email."),
                }[action],
                "success",
            )
            return redirect(url_for("accounts.staff_user", user_id=user_id))
    return render_template(
        "accounts/staff/user.html", facts=facts, form=form, entries=history("user", user_id),
        status_labels=admin.STATUS_LABELS, role_labels=admin.ROLE_LABELS,
    )
