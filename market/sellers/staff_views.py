"""The staff's side of sellers (/staff/sellers/...): the review queue and the sellers by
status, one seller's file with the decision form, and the seller's documents. Every view is
for union staff only; a seller is fetched through `get_in_scope_or_404`, so provincial staff
reach only their province's sellers."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from market.core import uploads
from market.core.audit import history
from market.core.clock import utcnow
from market.core.domain import DomainError, get_in_scope_or_404
from market.core.forms import show_errors
from market.core.security import roles_required
from market.sellers import bp, services
from market.sellers.models import Seller, SellerDocument, SellerStatus
from market.sellers.staff_forms import DECISION_LABELS, DecisionForm, allowed_decisions


@bp.route("/staff/sellers")
@roles_required("staff")
def staff_sellers():
    status = request.args.get("status") or None
    if status is not None and status not in set(SellerStatus):
        abort(404)
    return render_template(
        "sellers/staff/sellers.html",
        queue=services.review_queue(current_user),
        sellers=services.sellers_in_scope(current_user, status) if status else [],
        status=status,
        statuses=[s for s in SellerStatus if s != SellerStatus.DRAFT],
        now=utcnow(),
    )


@bp.route("/staff/sellers/<int:seller_id>", methods=["GET", "POST"])
@roles_required("staff")
def staff_seller(seller_id: int):
    get_in_scope_or_404(Seller, seller_id, current_user)
    seller = services.load_for_review(seller_id)
    form = DecisionForm()
    if form.validate_on_submit():
        action = request.form.get("action", "")
        try:
            services.decide(current_user, seller_id, action, form.reason.data)
        except DomainError as error:
            show_errors(form, error)
        else:
            flash(_("Decision recorded: %(action)s.", action=DECISION_LABELS.get(action, action)), "success")
            return redirect(url_for("sellers.staff_seller", seller_id=seller_id))
    return render_template(
        "sellers/staff/seller.html",
        seller=seller,
        form=form,
        decisions=allowed_decisions(seller.status),
        entries=history("seller", seller_id),
        figures=services.figures_history(seller_id),
    )


@bp.route("/staff/sellers/<int:seller_id>/documents/<int:document_id>")
@roles_required("staff")
def staff_seller_document(seller_id: int, document_id: int):
    document = get_in_scope_or_404(SellerDocument, document_id, current_user)
    if document.seller_id != seller_id:
        abort(404)
    return uploads.send_stored(services.DOCUMENT_AREA, document.stored_name, document.content_type, document.original_name)
