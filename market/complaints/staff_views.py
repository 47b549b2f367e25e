"""complaints: staff pages. /staff/complaints lists the complaints in the staff member's
scope (provincial staff: their province's sellers) with age, deadline and an overdue flag,
filtered by status or overdue only; /staff/complaints/<id> shows everything (both sides,
photos, history) and takes the decision."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from market.complaints import bp, services
from market.complaints.forms import DecisionForm
from market.complaints.models import ComplaintKind, ComplaintStatus
from market.complaints.photos import send_photo
from market.complaints.rules import is_overdue
from market.core.clock import utcnow
from market.core.domain import DomainError
from market.core.forms import show_errors
from market.core.paging import page_number
from market.core.security import roles_required


@bp.route("/staff/complaints")
@roles_required("staff")
def staff_complaints():
    status = request.args.get("status") or None
    if status is not None and status not in set(ComplaintStatus):
        abort(404)
    overdue_only = request.args.get("overdue") == "1"
    now = utcnow()
    page = services.complaints_for_staff(current_user, status, overdue_only, page_number(), now=now)
    overdue_ids = {complaint.id for complaint in page.items if is_overdue(complaint, now)}
    return render_template("complaints/staff/list.html", page=page, status=status, overdue_only=overdue_only,
                           statuses=list(ComplaintStatus), overdue_ids=overdue_ids)


@bp.route("/staff/complaints/<int:complaint_id>", methods=["GET", "POST"])
@roles_required("staff")
def staff_complaint(complaint_id: int):
    complaint = services.complaint_for_staff(current_user, complaint_id)
    if complaint is None:
        abort(404)
    form = DecisionForm()
    products = services.takedown_choices(complaint)
    form.set_products(products)
    if form.validate_on_submit():
        try:
            services.decide(current_user, complaint.id, form.decision.data, form.reason.data, form.product_id.data)
        except services.ComplaintNotFound:
            abort(404)
        except DomainError as error:
            show_errors(form, error)
        else:
            flash(_("The decision was recorded; the shopper and the seller are told."), "success")
            return redirect(url_for("complaints.staff_complaint", complaint_id=complaint.id), 303)
    return render_template("complaints/staff/complaint.html", complaint=complaint, form=form,
                           steps=services.steps(complaint), viewer="staff", products=products,
                           order_complaint=complaint.kind == ComplaintKind.ORDER,
                           overdue=is_overdue(complaint, utcnow()))


@bp.route("/staff/complaints/<int:complaint_id>/photos/<int:photo_id>")
@roles_required("staff")
def staff_complaint_photo(complaint_id: int, photo_id: int):
    return send_photo(services.complaint_for_staff(current_user, complaint_id), photo_id)
