"""The staff's side of orders (/staff/orders..., /staff/balances...): seller orders in scope
(list, detail, cancel, mark a transfer paid, record a refund, the transfer receipt) and every
seller's balance with the union (list, CSV, statement, settlements).

Every view is for union staff only (`roles_required("staff")`); single objects are fetched
through `get_in_scope_or_404`, so provincial staff reach only their province's sellers.
"""
from collections.abc import Iterator
from datetime import timezone

from flask import abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import to_user_timezone
from flask_login import current_user
from sqlalchemy import select

from market.accounts.models import User
from market.core import uploads
from market.core.clock import utcnow
from market.core.csv_export import csv_chunks, csv_download
from market.core.days import DayRange, read_day_range, vietnam
from market.core.domain import DomainError, get_in_scope_or_404
from market.core.forms import show_errors
from market.core.i18n import select_locale
from market.core.paging import page_number
from market.core.security import roles_required
from market.extensions import db
from market.geo.provinces import all_provinces
from market.orders import bp, ledger, services
from market.orders.models import (
    ORDER_STATUS_LABELS,
    PAYMENT_METHOD_LABELS,
    PaymentMethod,
    PaymentStatus,
    SellerOrder,
    SellerOrderStatus,
)
from market.orders.staff_forms import CancelOrderForm, MarkPaidForm, RefundForm, SettlementForm
from market.orders.states import PAYMENT_TRANSITIONS, SELLER_ORDER_TRANSITIONS
from market.sellers.models import Seller

# --- the list -----------------------------------------------------------------------------------

def _list_filters():
    """The list's filters from the query string: (status, payment, number, days, day errors).
    An unknown status or payment is a 404 (no page lists it); wrong days are messages."""
    status = request.args.get("status") or None
    payment = request.args.get("payment") or None
    if status is not None and status not in set(SellerOrderStatus):
        abort(404)
    if payment is not None and payment not in set(PaymentStatus):
        abort(404)
    number = (request.args.get("number") or "").replace("\x00", "").strip()[:20]  # PostgreSQL refuses NUL
    days, errors = read_day_range(request.args)
    return status, payment, number, days, errors


def _list_page(status, payment, number, days, errors):
    page = None if errors else services.staff_orders(current_user, status, payment, number, page_number(), days)
    return render_template(
        "orders/staff/list.html",
        page=page,
        status=status,
        payment=payment,
        number=number,
        days=days,
        errors=errors,
        typed={key: (request.args.get(key) or "")[:10] for key in ("from", "to")},
        max_rows=services.STAFF_CSV_ROWS,
        statuses=list(SellerOrderStatus),
        payment_statuses=list(PaymentStatus),
    ), 400 if errors else 200


@bp.route("/staff/orders")
@roles_required("staff")
def staff_orders():
    return _list_page(*_list_filters())


ORDERS_CSV_HEADER = (
    _l("Order number"), _l("Placed (Vietnam time)"), _l("Seller"), _l("Seller's province"), _l("Shopper"),
    _l("Delivery province"), _l("Payment method"), _l("Payment"), _l("Status"), _l("Items (đồng)"),
    _l("Shipping (đồng)"), _l("Total (đồng)"), _l("Commission (đồng)"), _l("Net to the seller (đồng)"),
    _l("Delivered (Vietnam time)"),
)


def _order_csv_rows(batches) -> Iterator[list]:
    """The CSV's rows: times in Vietnam, labels and province names in the reader's language
    (each translated once, not once a row)."""
    methods = {key: str(label) for key, label in PAYMENT_METHOD_LABELS.items()}
    statuses = {key: str(label) for key, label in ORDER_STATUS_LABELS.items()}
    english = select_locale() == "en"
    provinces = {province.code: province.name_en if english else province.name for province in all_provinces()}
    zone = vietnam()
    for batch in batches:
        for row in batch:
            yield [
                row.number, _in_zone(row.created_at, zone), row.seller_name, provinces.get(row.seller_province, ""),
                row.full_name, provinces.get(row.province_code, ""), methods.get(row.payment_method, ""),
                statuses.get(row.payment_status, ""), statuses.get(row.status, ""), row.items_subtotal_vnd,
                row.shipping_vnd, row.subtotal_vnd, row.commission_vnd, row.net_vnd, _in_zone(row.delivered_at, zone),
            ]


def _in_zone(moment, zone) -> str:
    """`moment` on Vietnam's wall clock (SQLite gives naive UTC values back); None is empty."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


@bp.route("/staff/orders.csv")
@roles_required("staff")
def staff_orders_csv():
    """The list's seller orders, every page (up to STAFF_CSV_ROWS), as CSV, streamed."""
    status, payment, number, days, errors = _list_filters()
    if errors:
        return _list_page(status, payment, number, days, errors)
    batches = services.staff_order_batches(current_user, status, payment, number, days)
    rows = _order_csv_rows(batches)
    filename = f"orders-{_today()}{'-' + days.label() if days else ''}.csv"
    return csv_download(stream_with_context(csv_chunks([str(label) for label in ORDERS_CSV_HEADER], rows)), filename)


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


def _balances(staff: User, days: DayRange = DayRange()) -> list[ledger.SellerMoney]:
    return ledger.all_balances(_sellers_in_scope(staff), days)


def _today() -> str:
    return to_user_timezone(utcnow()).date().isoformat()


def _balances_page(days: DayRange, errors: dict):
    rows = [] if errors else _balances(current_user, days)
    totals = {
        name: sum(getattr(row, name) for row in rows)
        for name in ("orders", "sales_vnd", "commission_vnd", "net_vnd", "balance_vnd")
    }
    typed = {key: (request.args.get(key) or "")[:10] for key in ("from", "to")}
    return render_template(
        "orders/staff/balances.html", rows=rows, totals=totals, days=days, errors=errors, typed=typed,
    ), 400 if errors else 200


@bp.route("/staff/balances")
@roles_required("staff")
def staff_balances():
    return _balances_page(*read_day_range(request.args))


@bp.route("/staff/balances.csv")
@roles_required("staff")
def staff_balances_csv():
    """The balances (over a range of Vietnam days when `from`/`to` are given) as CSV; wrong
    days get the balances page with the message, not a file."""
    days, errors = read_day_range(request.args)
    if errors:
        return _balances_page(days, errors)
    filename = f"balances-{_today()}{'-' + days.label() if days else ''}.csv"
    return csv_download(ledger.balances_csv(_balances(current_user, days)), filename)


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
