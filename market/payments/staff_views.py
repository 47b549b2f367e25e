"""The staff's side of payments (/staff/payments/anomalies...): payments that did not match
an order (paid twice, paid after expiry, refunded by Stripe...), for central staff only, who
see the union's Stripe account. Every view is for union staff only."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from market.core.domain import DomainError
from market.core.forms import show_errors
from market.core.paging import page_number
from market.core.security import roles_required
from market.extensions import db
from market.payments import anomalies, bp
from market.payments.forms import ResolveAnomalyForm
from market.payments.models import PaymentAnomaly


@bp.app_template_global()
def open_payment_anomalies() -> int | None:
    """How many anomalies wait, for the staff's order list (orders sit below payments and may
    not import it, so payments hands the figure to the template); None for provincial staff,
    who do not handle them."""
    return anomalies.open_count() if current_user.is_central_staff else None


def _central_only() -> None:
    if not current_user.is_central_staff:
        abort(403)


def _anomalies_page(form: ResolveAnomalyForm, failed_id: int | None = None):
    return render_template(
        "payments/staff/anomalies.html",
        page=anomalies.open_anomalies(page_number()),
        form=form,
        failed_id=failed_id,
        kind_labels=anomalies.KIND_LABELS,
    )


@bp.route("/staff/payments/anomalies")
@roles_required("staff")
def staff_payment_anomalies():
    _central_only()
    return _anomalies_page(ResolveAnomalyForm())


@bp.post("/staff/payments/anomalies/<int:anomaly_id>/resolve")
@roles_required("staff")
def staff_resolve_payment_anomaly(anomaly_id: int):
    _central_only()
    anomaly = db.get_or_404(PaymentAnomaly, anomaly_id)
    form = ResolveAnomalyForm()
    if form.validate_on_submit():
        try:
            anomalies.resolve(current_user, anomaly.id, form.note.data)
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            flash(_("The anomaly has been marked resolved."), "success")
            return redirect(url_for("payments.staff_payment_anomalies"))
    return _anomalies_page(form, anomaly.id)
