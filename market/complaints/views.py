"""complaints: public pages. "Report this product" (/products/<slug>/report, anyone), "Report a
problem" with an order part (/orders/<token>/parts/<id>/problem, the order's shopper), and
where the reporter follows her complaint: /account/complaints... (signed in) or
/complaints/<token> (a guest, by the link she was emailed)."""
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from market.catalog.queries import visible_product
from market.complaints import bp, services
from market.complaints.forms import OrderProblemForm, ProductReportForm
from market.complaints.photos import send_photo
from market.complaints.rules import DECISION_LABELS, KIND_LABELS, MAX_PHOTOS, ORDER_REASONS, PRODUCT_REASONS, \
    STATUS_LABELS, current_deadline
from market.core import uploads
from market.core.domain import DomainError
from market.core.forms import show_errors
from market.core.i18n import select_locale
from market.core.paging import page_number
from market.extensions import limiter

NO_INDEX = {"X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}


@bp.record_once
def register_template_globals(state) -> None:
    """Labels of the complaints' coded values, for every template."""
    state.app.jinja_env.globals.update(
        complaint_kind_labels=KIND_LABELS, complaint_status_labels=STATUS_LABELS,
        complaint_decision_labels=DECISION_LABELS,
        complaint_reason_labels={**PRODUCT_REASONS, **ORDER_REASONS}, complaint_deadline=current_deadline,
    )


def _signed_in():
    return current_user if current_user.is_authenticated else None


def _limit():
    return current_app.config["COMPLAINT_LIMIT_PER_IP"]


# --- report a product -----------------------------------------------------------------------

@bp.route("/products/<slug>/report", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
def report_product(slug: str):
    product = visible_product(slug)
    if product is None:
        abort(404)
    form = ProductReportForm()
    if _signed_in() is not None:
        del form.email
    if form.validate_on_submit():
        try:
            complaint = services.report_product(
                _signed_in(), product.id, form.reason.data, form.text.data,
                form.email.data if "email" in form else None, locale=select_locale())
        except services.ComplaintNotFound:
            abort(404)
        except DomainError as error:
            show_errors(form, error)
        else:
            flash(_("Thank you: your report was sent. The seller answers and the union decides; we will tell "
                    "you."), "success")
            return redirect(_followed_at(complaint), 303)
    return render_template("complaints/report_product.html", product=product, form=form), 200, NO_INDEX


def _followed_at(complaint) -> str:
    if complaint.reporter_id is not None:
        return url_for("complaints.my_complaint", complaint_id=complaint.id)
    return url_for("complaints.follow", token=complaint.token)


# --- report a problem with an order part ------------------------------------------------------

@bp.route("/orders/<token>/parts/<int:seller_order_id>/problem", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
def report_problem(token: str, seller_order_id: int):
    try:
        part = services.reportable_part(_signed_in(), seller_order_id, token)
    except services.ComplaintNotFound:
        abort(404)
    if part.order.token != token:
        abort(404)
    form = OrderProblemForm()
    existing = services.open_complaint_of_part(part.id)
    if form.validate_on_submit():
        photos = [file for file in (form.photos.data or []) if getattr(file, "filename", "")]
        try:
            complaint = services.report_order_problem(_signed_in(), part.id, form.reason.data, form.text.data,
                                                      photos, order_token=token)
        except services.ComplaintNotFound:
            abort(404)
        except uploads.UploadError as error:
            show_errors(form, DomainError(str(error), "photos"))
        except DomainError as error:
            show_errors(form, error)
        else:
            flash(_("Your problem was reported. The seller answers and the union decides; we will tell you."),
                  "success")
            return redirect(_followed_at(complaint), 303)
    return render_template("complaints/report_problem.html", part=part, order=part.order, form=form,
                           existing=existing, max_photos=MAX_PHOTOS), 200, NO_INDEX


# --- the reporter follows her complaint -------------------------------------------------------

@bp.route("/account/complaints")
@login_required
def my_complaints():
    return render_template("complaints/mine.html", page=services.complaints_of_reporter(current_user, page_number()))


@bp.route("/account/complaints/<int:complaint_id>")
@login_required
def my_complaint(complaint_id: int):
    complaint = services.complaint_of_reporter(current_user, complaint_id)
    if complaint is None:
        abort(404)
    return _show_to_reporter(complaint)


@bp.route("/complaints/<token>")
def follow(token: str):
    complaint = services.complaint_by_token(token)
    if complaint is None:
        abort(404)
    return _show_to_reporter(complaint)


def _show_to_reporter(complaint):
    return render_template("complaints/complaint.html", complaint=complaint,
                           steps=services.steps(complaint, "reporter"), viewer="reporter", photo_endpoint="complaints.reporter_photo"), 200, NO_INDEX


@bp.route("/complaints/<token>/photos/<int:photo_id>")
def reporter_photo(token: str, photo_id: int):
    return send_photo(services.complaint_by_token(token), photo_id)

