"""reviews: the shopper's review form (reached from her order page and the email asking for
it) and the review photos."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from market.core import uploads
from market.core.domain import DomainError
from market.core.forms import show_errors
from market.orders.services import order_for_visitor
from market.reviews import bp, services
from market.reviews.forms import ReviewForm

DAY = 24 * 3600


def _my_order_or_404(token: str):
    order = order_for_visitor(token, current_user)
    if order is None or order.user_id != current_user.id:
        abort(404)
    return order


@bp.route("/orders/<token>/review/<int:line_id>", methods=["GET", "POST"])
@login_required
def write(token: str, line_id: int):
    """Rate one delivered line of the shopper's order: stars, words, up to 3 photos."""
    order = _my_order_or_404(token)
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            services.submit_review(current_user, order, line_id, form.rating.data, form.body.data or "",
                                   form.photos.data or [])
        except DomainError as error:
            if error.field is None:
                flash(str(error.message), "error")
                return redirect(url_for("orders.order_page", token=token))
            show_errors(form, error)
        else:
            flash(_("Thank you! Your review is published."), "success")
            return redirect(url_for("orders.order_page", token=token))
    try:
        line = services.line_to_review(current_user, order, line_id)
    except DomainError as error:
        flash(str(error.message), "error")
        return redirect(url_for("orders.order_page", token=token))
    status = 400 if form.errors else 200
    return render_template("reviews/write.html", order=order, line=line, form=form), status


@bp.route("/media/reviews/<name>")
def photo(name: str):
    """A review photo variant: public while its review shows; a hidden review's for staff only."""
    public = services.photo_is_public(name)
    if public is None or (not public and not (current_user.is_authenticated and current_user.is_staff)):
        abort(404)
    response = uploads.send_stored(services.PHOTO_AREA, name, max_age=DAY if public else 0, public=public)
    return response
