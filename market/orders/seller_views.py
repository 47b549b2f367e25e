"""The seller's side of orders (/sell/orders, /sell/shipping, /sell/statement): the orders
list, an order's page with the moves allowed now, the packing slip, the transfer receipt,
the shipping terms and the money statement.

Every seller order is fetched through its ownership check, so a member only ever reaches
its own seller's parts of orders (anyone else's id is a 404)."""
from functools import wraps

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from market.core import uploads
from market.core.domain import DomainError, get_owned_or_404
from market.core.forms import ActionForm, show_errors
from market.core.paging import page_number
from market.core.states import ReasonRequired, TransitionError
from market.extensions import db
from market.orders import bp, ledger, services, shipping
from market.orders import seller_home  # noqa: F401  (registers the seller home's counts of orders and products)
from market.orders.models import (
    ORDER_STATUS_LABELS,
    PaymentMethod,
    PaymentStatus,
    SellerOrder,
    SellerOrderStatus,
)
from market.orders.seller_forms import CancelForm, DeliverForm, ShipForm, ShippingForm
from market.orders.states import SELLER_ACTIONS, SELLER_ORDER_TRANSITIONS
from market.sellers.access import member_required
from market.sellers.models import SellerStatus

# A suspended seller is off the storefront but still ships what it confirmed and sees what
# it owes; sellers not yet approved have no orders.
ORDER_DESK_STATUSES = (SellerStatus.APPROVED, SellerStatus.SUSPENDED)

ACTION_FORMS = {"confirm": ActionForm, "ship": ShipForm, "deliver": DeliverForm, "cancel": CancelForm}


def seller_required(view):
    """Signed in, a member of a seller, and the seller approved (or suspended); members of
    other sellers are sent to the dashboard, everyone else as `member_required` does."""

    @member_required
    @wraps(view)
    def wrapped(membership, *args, **kwargs):
        if membership.seller.status not in ORDER_DESK_STATUSES:
            flash(_("Orders open once the union has approved your seller."), "error")
            return redirect(url_for("sellers.dashboard"))
        return view(membership, *args, **kwargs)

    return wrapped


def label_of(status: str) -> str:
    return str(ORDER_STATUS_LABELS.get(status, status))


def _success_message(action: str, number: str) -> str:
    return {
        "confirm": _("Order %(number)s is confirmed: the shopper has been told.", number=number),
        "ship": _("Order %(number)s is marked as shipped.", number=number),
        "deliver": _("Order %(number)s is marked as delivered.", number=number),
        "cancel": _("Order %(number)s is cancelled and its stock is back on sale.", number=number),
    }[action]


def allowed_actions(seller_order: SellerOrder) -> list[str]:
    """The moves a seller's member may make from the order's status now."""
    return [action for action in SELLER_ORDER_TRANSITIONS.allowed_actions(seller_order.status)
            if action in SELLER_ACTIONS]


def _order_page(membership, seller_order: SellerOrder, submitted: dict | None = None, status: int = 200,
                problem: tuple[str, str] | None = None):
    """The order's page; `submitted` holds a form that failed, to show with its errors;
    `problem` is (action, message) for a refusal that belongs to no field, shown where that
    action's form is (the form posts to its own anchor, so the page opens there)."""
    forms = {name: form_class(formdata=None) for name, form_class in ACTION_FORMS.items()}
    forms.update(submitted or {})
    order = seller_order.order
    entries = services.timeline(seller_order) + services.payment_timeline(order)
    entries.sort(key=lambda entry: (entry.created_at, entry.id))
    awaiting_transfer = (order.payment_method == PaymentMethod.BANK_TRANSFER
                         and order.payment_status == PaymentStatus.UNPAID)
    return render_template(
        "orders/seller/detail.html", seller=membership.seller, seller_order=seller_order, order=order,
        actions=allowed_actions(seller_order), forms=forms, timeline=entries,
        awaiting_transfer=awaiting_transfer, is_cod=order.payment_method == PaymentMethod.COD, problem=problem,
    ), status



def _back_to(seller_order: SellerOrder):
    return redirect(url_for("orders.seller_order", seller_order_id=seller_order.id))


def _not_now(membership, seller_order: SellerOrder, action: str):
    """A move the order's status does not allow now (an old page, or someone else was quicker):
    the page as it is now, the refusal where the seller pressed the button."""
    message = _("This cannot be done now: the order is “%(status)s”.", status=label_of(seller_order.status))
    return _order_page(membership, seller_order, status=409, problem=(action, message))


@bp.route("/sell/orders")
@seller_required
def seller_orders(membership):
    status = request.args.get("status") or None
    if status is not None and status not in set(SellerOrderStatus):
        abort(404)
    return render_template(
        "orders/seller/list.html", seller=membership.seller, status=status,
        page=services.seller_orders_of(membership.seller_id, status, page_number()),
    )


@bp.route("/sell/orders/<int:seller_order_id>")
@seller_required
def seller_order(membership, seller_order_id: int):
    return _order_page(membership, get_owned_or_404(SellerOrder, seller_order_id, current_user))


@bp.route("/sell/orders/<int:seller_order_id>/<any(confirm, ship, deliver, cancel):action>", methods=["POST"])
@seller_required
def seller_order_action(membership, seller_order_id: int, action: str):
    seller_order = get_owned_or_404(SellerOrder, seller_order_id, current_user)
    if action not in allowed_actions(seller_order):
        return _not_now(membership, seller_order, action)
    form = ACTION_FORMS[action]()
    if not form.validate_on_submit():
        return _order_page(membership, seller_order, {action: form}, 400)
    number = seller_order.order.number
    try:
        services.fulfil(
            current_user, seller_order, action,
            reason=form.reason.data if action == "cancel" else None,
            carrier=form.carrier.data if action == "ship" else None,
            tracking_number=form.tracking_number.data if action == "ship" else None,
            cash_collected=bool(form.cash_collected.data) if action == "deliver" else False,
        )
    except DomainError as error:
        if isinstance(error, TransitionError) and not isinstance(error, ReasonRequired):
            # Someone else moved the order between the page and the service's conditional UPDATE.
            db.session.refresh(seller_order)
            return _not_now(membership, seller_order, action)
        if error.field and error.field in form:
            show_errors(form, error)
            return _order_page(membership, seller_order, {action: form}, 400)
        return _order_page(membership, seller_order, {action: form}, 400, problem=(action, str(error.message)))
    flash(_success_message(action, number), "success")
    return _back_to(seller_order)


@bp.route("/sell/orders/<int:seller_order_id>/receipt")
@seller_required
def seller_order_receipt(membership, seller_order_id: int):
    """The shopper's photo of the bank transfer, for the seller to check against its account."""
    seller_order = get_owned_or_404(SellerOrder, seller_order_id, current_user)
    if not seller_order.order.receipt_name:
        abort(404)
    return uploads.send_stored(services.RECEIPT_AREA, seller_order.order.receipt_name)


@bp.route("/sell/orders/<int:seller_order_id>/slip")
@seller_required
def seller_order_slip(membership, seller_order_id: int):
    """A packing slip to print and put in the parcel."""
    seller_order = get_owned_or_404(SellerOrder, seller_order_id, current_user)
    order = seller_order.order
    collect = order.payment_method == PaymentMethod.COD and order.payment_status == PaymentStatus.UNPAID
    return render_template("orders/seller/slip.html", seller=membership.seller, seller_order=seller_order,
                           order=order, collect_cash=collect)


@bp.route("/sell/shipping", methods=["GET", "POST"])
@seller_required
def seller_shipping(membership):
    seller = membership.seller
    form = ShippingForm(data={"shipping_fee_vnd": seller.shipping_fee_vnd,
                              "free_shipping_over_vnd": seller.free_shipping_over_vnd})
    if form.validate_on_submit():
        try:
            shipping.set_shipping(current_user, form.shipping_fee_vnd.data, form.free_shipping_over_vnd.data)
        except DomainError as error:
            show_errors(form, error)
        else:
            flash(_("Your shipping fee has been saved. It applies to orders placed from now on."), "success")
            return redirect(url_for("orders.seller_shipping"))
    return render_template("orders/seller/shipping.html", seller=seller, form=form), 400 if form.errors else 200


@bp.route("/sell/statement")
@seller_required
def seller_statement(membership):
    return render_template(
        "orders/seller/statement.html", seller=membership.seller,
        money=ledger.seller_money(membership.seller_id), entries=ledger.statement(membership.seller_id),
    )
