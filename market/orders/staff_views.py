"""The staff's side of orders (/staff/orders..., /staff/balances...): seller orders in scope
(list, detail, cancel, mark a transfer paid, record a refund, the transfer receipt) and every
seller's balance with the union (list, CSV, statement, settlements).

Every view is for union staff only (`roles_required("staff")`); single objects are fetched
through `get_in_scope_or_404`, so provincial staff reach only their province's sellers.
"""
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import to_user_timezone
from flask_login import current_user
from sqlalchemy import select

from market.accounts.models import User
from market.core import uploads
from market.core.clock import utcnow
from market.core.domain import DomainError, get_in_scope_or_404
from market.core.forms import show_errors
from market.core.paging import page_number
from market.core.security import roles_required
from market.extensions import db
from market.orders import bp, ledger, services
from market.orders.models import (
    PaymentMethod,
    PaymentStatus,
    SellerOrder,
    SellerOrderStatus,
)
from market.orders.staff_forms import CancelOrderForm, MarkPaidForm, RefundForm, SettlementForm
from market.orders.states import PAYMENT_TRANSITIONS, SELLER_ORDER_TRANSITIONS
from market.sellers.models import Seller

# --- the list -----------------------------------------------------------------------------------

@bp.route("/staff/orders")
@roles_required("staff")
def staff_orders():
    status = request.args.get("status") or None
    payment = request.args.get("payment") or None
    if status is not None and status not in set(SellerOrderStatus):
        abort(404)
    if payment is not None and payment not in set(PaymentStatus):
        abort(404)
    number = (request.args.get("number") or "").replace("\x00", "").strip()[:20]  # PostgreSQL refuses NUL
    return render_template(
        "orders/staff/list.html",
        page=services.staff_orders(current_user, status, payment, number, page_number()),
        status=status,
        payment=payment,
        number=number,
        statuses=list(SellerOrderStatus),
        payment_statuses=list(PaymentStatus),
    )


# --- one seller order -----------------------------------------------------------------------------

def _timeline(seller_order: SellerOrder) -> list:
    """The seller order's moves and the order's payment events, oldest first."""
    entries = services.timeline(seller_order) + services.payment_timeline(seller_order.order)
    return sorted(entries, key=lambda entry: (entry.created_at, entry.id))


def _offers(seller_order: SellerOrder) -> dict:
    """Which actions the page offers now (the services decide again when one is taken)."""
    order = seller_order.order
    transfer = order.payment_method == PaymentMethod.BANK_TRANSFER
    return {
        "cancel": seller_order.status in SELLER_ORDER_TRANSITIONS.table["cancel"],
        # A transfer that arrived after the order expired is recorded too, then refunded.
        # The union's account is watched centrally (services.mark_transfer_paid).
        "mark_paid": transfer and current_user.is_central_staff
        and order.payment_status in PAYMENT_TRANSITIONS.table["pay"],
        # Card refunds are made in Stripe and recorded from its webhook.
        "refund": transfer and current_user.is_central_staff
        and order.payment_status in PAYMENT_TRANSITIONS.table["refund"],
    }


def _take(action: str, seller_order: SellerOrder, form) -> str:
    """Run the staff action through its service; returns the message to flash on success."""
    order = seller_order.order
    if action == "cancel":
        services.cancel_by_staff(current_user, seller_order, form.reason.data)
        return _("The seller's part of the order has been cancelled; the stock is back on sale.")
    if action == "mark_paid":
        services.mark_transfer_paid(current_user, order)
        return _("The transfer has been recorded: the order is paid.")
    services.refund_transfer(current_user, order, form.reference.data)
    return _("The refund has been recorded.")


@bp.route("/staff/orders/<int:seller_order_id>", methods=["GET", "POST"])
@roles_required("staff")
def staff_order(seller_order_id: int):
    seller_order = get_in_scope_or_404(SellerOrder, seller_order_id, current_user)
    forms = {"cancel": CancelOrderForm(), "mark_paid": MarkPaidForm(), "refund": RefundForm()}
    if request.method == "POST":
        action = request.form.get("action", "")
        form = forms.get(action)
        if form is None:
            abort(400)
        if action == "refund" and not current_user.is_central_staff:
            abort(403)
        if form.validate_on_submit():
            try:
                message = _take(action, seller_order, form)
            except DomainError as error:
                db.session.rollback()  # nothing half done stays in the session
                show_errors(form, error)
            else:
                flash(message, "success")
                return redirect(url_for("orders.staff_order", seller_order_id=seller_order.id))
    return render_template(
        "orders/staff/detail.html",
        seller_order=seller_order,
        order=seller_order.order,
        forms=forms,
        offers=_offers(seller_order),
        entries=_timeline(seller_order),
        parts=len(seller_order.order.seller_orders),
    )


@bp.route("/staff/orders/<int:seller_order_id>/receipt")
@roles_required("staff")
def staff_order_receipt(seller_order_id: int):
    """The shopper's photo of the transfer receipt (after the scope check)."""
    seller_order = get_in_scope_or_404(SellerOrder, seller_order_id, current_user)
    stored_name = seller_order.order.receipt_name
    if not stored_name:
        abort(404)
    return uploads.send_stored(services.RECEIPT_AREA, stored_name)


# --- sellers' money ---------------------------------------------------------------------------

def _sellers_in_scope(staff: User):
    """Ids of the sellers `staff` may see (None: every seller, for central staff)."""
    if staff.is_central_staff:
        return None
    return select(Seller.id).where(Seller.in_staff_scope(staff))


def _balances(staff: User) -> list[ledger.SellerMoney]:
    return ledger.all_balances(_sellers_in_scope(staff))


@bp.route("/staff/balances")
@roles_required("staff")
def staff_balances():
    rows = _balances(current_user)
    totals = {
        name: sum(getattr(row, name) for row in rows)
        for name in ("orders", "sales_vnd", "commission_vnd", "net_vnd", "balance_vnd")
    }
    return render_template("orders/staff/balances.html", rows=rows, totals=totals)


@bp.route("/staff/balances.csv")
@roles_required("staff")
def staff_balances_csv():
    today = to_user_timezone(utcnow()).date().isoformat()
    response = Response(ledger.balances_csv(_balances(current_user)), content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="balances-{today}.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/staff/balances/<int:seller_id>", methods=["GET", "POST"])
@roles_required("staff")
def staff_seller_balance(seller_id: int):
    seller = get_in_scope_or_404(Seller, seller_id, current_user)
    form = SettlementForm()
    if request.method == "POST":
        if not current_user.is_central_staff:
            abort(403)
        if form.validate_on_submit():
            try:
                ledger.record_settlement(current_user, seller.id, form.amount.data, form.memo.data)
            except DomainError as error:
                db.session.rollback()
                show_errors(form, error)
            else:
                flash(_("The settlement has been recorded."), "success")
                return redirect(url_for("orders.staff_seller_balance", seller_id=seller.id))
    entries = ledger.statement(seller.id)
    author_ids = {entry.created_by_id for entry in entries if entry.created_by_id}
    authors = (
        {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(author_ids)))}
        if author_ids else {}
    )
    return render_template(
        "orders/staff/statement.html",
        seller=seller,
        money=ledger.seller_money(seller.id),
        entries=entries,
        authors=authors,
        form=form,
    )
