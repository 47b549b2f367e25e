"""reviews: staff moderation of reviews (/staff/reviews): the reviews of the sellers in the
staff member's provinces, hidden with a reason (audited, the author told) or shown again."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from market.core.domain import DomainError, get_in_scope_or_404
from market.core.forms import ActionForm
from market.core.paging import page_number
from market.core.security import roles_required
from market.reviews import bp, services
from market.reviews.forms import HideForm
from market.reviews.models import Review


def _back():
    target = request.form.get("back", "")
    # Only our own list with its filters (never an address from the form).
    if target.startswith("/staff/reviews") and "//" not in target and "\\" not in target:
        return redirect(target)
    return redirect(url_for("reviews.staff_reviews"))


@bp.route("/staff/reviews")
@roles_required("staff")
def staff_reviews():
    show = request.args.get("show", "all")
    sort = request.args.get("sort", "newest")
    if show not in services.STAFF_FILTERS or sort not in services.STAFF_SORTS:
        abort(404)
    page = services.staff_reviews(current_user, show, sort, page_number())
    return render_template("reviews/staff/reviews.html", page=page, show=show, sort=sort,
                           hide_form=HideForm(formdata=None), form=ActionForm())


@bp.route("/staff/reviews/<int:review_id>/hide", methods=["POST"])
@roles_required("staff")
def staff_hide(review_id: int):
    get_in_scope_or_404(Review, review_id, current_user)
    form = HideForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(" ".join(str(error) for error in errors), "error")
        return _back()
    try:
        services.hide(current_user, review_id, form.reason.data)
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(_("The review is hidden; its author has been told why."), "success")
    return _back()


@bp.route("/staff/reviews/<int:review_id>/unhide", methods=["POST"])
@roles_required("staff")
def staff_unhide(review_id: int):
    get_in_scope_or_404(Review, review_id, current_user)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.unhide(current_user, review_id)
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(_("The review shows again."), "success")
    return _back()
