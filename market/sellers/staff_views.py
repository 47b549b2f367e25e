"""The staff's side of sellers (/staff/sellers/...): the review queue and the list of sellers
(search, filters, sort, pages, CSV), one seller's file with the decision form and the second
step of a decision hard to undo, and the seller's documents. Every view is for union staff
only; the list is held to the staff member's scope, and a seller is fetched through
`get_in_scope_or_404`, so provincial staff reach only their province's sellers."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import to_user_timezone
from flask_login import current_user

from market.core import uploads
from market.core.audit import history, subject_names
from market.core.clock import utcnow
from market.core.csv_export import csv_download
from market.core.domain import DomainError, get_in_scope_or_404
from market.core.forms import ActionForm, show_errors
from market.core.paging import page_number
from market.core.security import roles_required
from market.sellers import acting, bp, helping, services, staff_queries
from market.sellers.models import Seller, SellerDocument
from market.sellers.staff_forms import (
    DECISION_LABELS,
    DecisionForm,
    SellerListForm,
    allowed_decisions,
    confirmation_step,
    confirmation_texts,
)


@bp.route("/staff/sellers")
@roles_required("staff")
def staff_sellers():
    form = SellerListForm(request.args)
    valid = form.validate()
    filters = form.filters() if valid else None
    page = staff_queries.staff_seller_list(current_user, filters, page_number()) if valid else None
    return render_template(
        "sellers/staff/sellers.html",
        form=form,
        filters=filters,
        page=page,
        # The queue opens the unfiltered list: it is the work waiting.
        queue=services.review_queue(current_user) if valid and not filters.narrowed and page.page == 1 else None,
        sorts=staff_queries.SORT_KEYS,
        now=utcnow(),
    ), 200 if valid else 400


@bp.route("/staff/sellers.csv")
@roles_required("staff")
def staff_sellers_csv():
    form = SellerListForm(request.args)
    if not form.validate():
        abort(400)
    content = staff_queries.staff_sellers_csv(current_user, form.filters())
    return csv_download(content, f"sellers-{to_user_timezone(utcnow()).date().isoformat()}.csv")


@bp.route("/staff/sellers/<int:seller_id>", methods=["GET", "POST"])
@roles_required("staff")
def staff_seller(seller_id: int):
    get_in_scope_or_404(Seller, seller_id, current_user)
    form = DecisionForm()
    if form.validate_on_submit():
        action = request.form.get("action", "")
        step = confirmation_step(action, request.form)
        if step == "confirm":
            try:
                preview = staff_queries.decision_preview(current_user, seller_id, action, form.reason.data)
            except DomainError as error:
                show_errors(form, error)
            else:
                return render_template("sellers/staff/confirm.html", preview=preview, form=form,
                                       texts=confirmation_texts(preview))
        elif step == "act":
            try:
                services.decide(current_user, seller_id, action, form.reason.data)
            except DomainError as error:
                show_errors(form, error)
            else:
                flash(_("Decision recorded: %(action)s.", action=DECISION_LABELS.get(action, action)), "success")
                return redirect(url_for("sellers.staff_seller", seller_id=seller_id))
        # "cancel": back to the seller's file, the reason kept in its box.
    seller = services.load_for_review(seller_id)
    grant = helping.grant_in_force(seller_id, utcnow())
    entries = history("seller", seller_id, on_behalf_of=seller_id)
    return render_template(
        "sellers/staff/seller.html",
        seller=seller,
        form=form,
        decisions=allowed_decisions(seller.status),
        entries=entries,
        subject_names=subject_names([entry for entry in entries if entry.subject_type != "seller"]),
        figures=services.figures_history(seller_id),
        help_grant=grant,
        may_help=grant is not None and helping.covers(grant, current_user),
        help_form=ActionForm(),
        helper_label=helping.helper_label,
    )


@bp.route("/staff/sellers/<int:seller_id>/help", methods=["POST"])
@roles_required("staff")
def start_helping(seller_id: int):
    """"Help this seller": with the seller's consent covering her, the staff member opens the
    seller area as the seller's member would see it (`sellers.acting`)."""
    get_in_scope_or_404(Seller, seller_id, current_user)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        grant = helping.open_help(current_user, seller_id, utcnow())
    except DomainError as error:
        flash(str(error.message), "error")
        return redirect(url_for("sellers.staff_seller", seller_id=seller_id))
    acting.start(current_user.id, seller_id)
    flash(_("You now act for %(seller)s. Everything you do is recorded in its history.", seller=grant.seller.name),
          "success")
    return redirect(url_for("sellers.dashboard"))


@bp.route("/staff/sellers/<int:seller_id>/documents/<int:document_id>")
@roles_required("staff")
def staff_seller_document(seller_id: int, document_id: int):
    document = get_in_scope_or_404(SellerDocument, document_id, current_user)
    if document.seller_id != seller_id:
        abort(404)
    return uploads.send_stored(services.DOCUMENT_AREA, document.stored_name, document.content_type, document.original_name)
