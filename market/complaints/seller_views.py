"""complaints: the seller's pages. /sell/complaints lists the complaints about the seller
(open ones first, each with its deadline); /sell/complaints/<id> shows one, with its
history and the answer form (any member answers, once, while it is open)."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from market.complaints import bp, services
from market.complaints.forms import AnswerForm
from market.complaints.photos import send_photo
from market.core.domain import DomainError
from market.core.forms import show_errors
from market.core.paging import page_number
from market.sellers.access import member_required


@bp.route("/sell/complaints")
@member_required
def seller_complaints(membership):
    return render_template("complaints/seller/list.html",
                           page=services.seller_complaints(current_user, page_number()))


@bp.route("/sell/complaints/<int:complaint_id>", methods=["GET", "POST"])
@member_required
def seller_complaint(membership, complaint_id: int):
    complaint = services.complaint_for_member(current_user, complaint_id)
    if complaint is None:
        abort(404)
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            services.answer(current_user, complaint.id, form.text.data)
        except services.ComplaintNotFound:
            abort(404)
        except DomainError as error:
            show_errors(form, error)
        else:
            flash(_("Your answer was sent to the shopper and the union."), "success")
            return redirect(url_for("complaints.seller_complaint", complaint_id=complaint.id), 303)
    return render_template("complaints/seller/complaint.html", complaint=complaint, form=form,
                           steps=services.steps(complaint, "seller"), viewer="seller")


@bp.route("/sell/complaints/<int:complaint_id>/photos/<int:photo_id>")
@member_required
def seller_photo(membership, complaint_id: int, photo_id: int):
    return send_photo(services.complaint_for_member(current_user, complaint_id), photo_id)
