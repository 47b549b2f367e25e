"""reviews: the seller's review desk (/sell/reviews): its reviews, newest first, and the one
reply each may get."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from market.core.domain import DomainError, get_owned_or_404
from market.core.paging import page_number
from market.reviews import bp, services
from market.reviews.forms import ReplyForm
from market.reviews.models import Review
from market.sellers.access import member_required


@bp.route("/sell/reviews")
@member_required
def seller_reviews(membership):
    page = services.seller_desk(membership.seller_id, page_number())
    return render_template("reviews/seller/reviews.html", page=page, seller=membership.seller,
                           form=ReplyForm(formdata=None), summary=services.seller_summary(membership.seller_id))


@bp.route("/sell/reviews/<int:review_id>/reply", methods=["POST"])
@member_required
def seller_reply(membership, review_id: int):
    get_owned_or_404(Review, review_id, membership.user)
    form = ReplyForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(" ".join(str(error) for error in errors), "error")
    else:
        try:
            services.reply(membership.user, review_id, form.text.data)
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            flash(_("Your reply is published under the review."), "success")
    return redirect(url_for("reviews.seller_reviews", _anchor=f"review-{review_id}"))
