"""Shopper pages: cart, checkout, the order page, finding an order. The shopper's order history and
address book (/account/...) are in `account_views.py`."""
from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, user_logged_in
from markupsafe import Markup

from market.accounts.models import UserSession
from market.accounts.sessions import read_with_session
from market.core import uploads
from market.core.domain import DomainError, get_owned_or_404
from market.core.forms import ActionForm
from market.core.i18n import select_locale
from market.core.numbers import int_arg, parse_int
from market.core.page_cache import register_page_hole
from market.core.security import is_safe_next
from market.core.urls import public_url
from market.extensions import limiter
from market.orders import addresses, bp, services
from market.orders import cart as carts
from market.orders.checkout import CartChanged, CheckoutDetails, CheckoutError, place_order
from market.orders.forms import AddToCartForm, CancelPartForm, CheckoutForm, FindOrderForm, ReceiptForm
from market.orders.models import (
    LEDGER_KIND_LABELS,
    ORDER_STATUS_LABELS,
    PAYMENT_METHOD_LABELS,
    Address,
    SellerOrderStatus,
)
from market.orders.payment_methods import enabled_methods, enabled_providers, get_provider
from market.orders.preparation import usual_preparation_days
from market.orders.states import SELLER_ORDER_TRANSITIONS


@bp.record_once
def _setup(state) -> None:
    """Labels of the orders' coded values for every template, and the header's cart count."""
    state.app.jinja_env.globals.update(
        order_status_labels=ORDER_STATUS_LABELS,
        payment_method_labels=PAYMENT_METHOD_LABELS,
        ledger_kind_labels=LEDGER_KIND_LABELS,
        seller_order_statuses=list(SellerOrderStatus),
        # The home page promises only what checkout offers (card only with a Stripe key).
        offered_payment_methods=enabled_methods,
        usual_preparation_days=usual_preparation_days,
    )
    register_page_hole("cart_count", _cart_badge)
    read_with_session("cart_units", lambda: carts.units_in_cart_of(UserSession.user_id).correlate(UserSession))


def _store():
    """The visitor's cart: stored for a signed-in shopper, in the session for a guest."""
    if current_user.is_authenticated:
        return carts.UserCart(current_user.id)
    return carts.SessionCart(session)


def _cart_units() -> int:
    """Units in the visitor's cart; for a signed-in shopper as read with her session
    (accounts/sessions.read_with_session) unless her cart changed since in this request."""
    if current_user.is_authenticated and not g.get("cart_changed"):
        looked_up = getattr(g.get("user_session"), "looked_up", {})
        if "cart_units" in looked_up:
            return looked_up["cart_units"]
    return carts.cart_count(_store())


def _cart_badge() -> Markup:
    count = _cart_units()
    if not count:
        return Markup("")
    # The number alone on the cart icon; a screen reader hears "2 items".
    return Markup('<span class="count">{}<span class="visually-hidden"> {}</span></span>').format(
        count, ngettext("item", "items", count)
    )


@user_logged_in.connect
def _merge_guest_cart(app, user, **extra) -> None:
    """A guest who signs in keeps what they put in the cart."""
    guest = carts.SessionCart(session)
    items = guest.items()
    guest.clear()
    carts.merge_guest_cart(user.id, items)


# --- cart ------------------------------------------------------------------------------------

@bp.route("/cart/add", methods=["POST"])
def add_to_cart():
    form = AddToCartForm()
    back = request.form.get("next")
    back = back if is_safe_next(back) else url_for("orders.cart")
    product_id = parse_int(form.product_id.data, minimum=1)
    if not form.validate_on_submit() or product_id is None:
        for errors in form.errors.values():
            flash(" ".join(str(error) for error in errors), "error")
        return redirect(back)
    try:
        quantity, limited = carts.add_to_cart(_store(), product_id, form.quantity.data)
    except DomainError as error:
        flash(str(error.message), "error")
        return redirect(back)
    # "cart-added" draws the panel with "View cart" and "Checkout" (base.html), not a bare line.
    if limited:
        flash(_("Only %(count)d available: your cart has %(count)d.", count=quantity), "cart-added")
    else:
        flash(_("Added to your cart."), "cart-added")
    return redirect(back)


@bp.route("/cart")
def cart():
    summary = carts.summarise(_store())
    return render_template("orders/cart.html", cart=summary, form=ActionForm())


@bp.route("/cart/update", methods=["POST"])
def update_cart():
    if not ActionForm().validate_on_submit():
        abort(400)
    quantities = {}
    for name, value in request.form.items():
        product_id = parse_int(name.removeprefix("qty-"), minimum=1) if name.startswith("qty-") else None
        if product_id is not None:
            quantity = parse_int(value.strip(), max_digits=4)
            if quantity is None:
                flash(_("Choose a quantity between 1 and 99."), "error")
                return redirect(url_for("orders.cart"))
            quantities[product_id] = quantity
    carts.set_quantities(_store(), quantities)
    flash(_("Your cart is updated."), "success")
    return redirect(url_for("orders.cart"))


@bp.route("/cart/remove/<int:product_id>", methods=["POST"])
def remove_from_cart(product_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    carts.remove_from_cart(_store(), product_id)
    return redirect(url_for("orders.cart"))


@bp.route("/cart/accept", methods=["POST"])
def accept_cart_changes():
    if not ActionForm().validate_on_submit():
        abort(400)
    carts.accept_changes(_store())
    flash(_("Your cart now shows today's prices and what is available."), "success")
    return redirect(url_for("orders.cart"))


# --- checkout -------------------------------------------------------------------------------

def _checkout_form() -> CheckoutForm:
    form = CheckoutForm()
    form.payment_method.choices = [(provider.code, provider.label) for provider in enabled_providers()]
    if request.method == "GET" and current_user.is_authenticated:
        form.email.data = current_user.email
        form.full_name.data = current_user.full_name
        known = addresses.last_address(current_user)
        if known is not None:
            _fill_from(form, known)
        elif current_user.phone:
            form.phone.data = current_user.phone
    return form


def _fill_from(form, address) -> None:
    """`address`: an Address of the book or a past Order (the same field names)."""
    form.full_name.data, form.phone.data = address.full_name, address.phone
    form.province.data, form.commune.data = address.province_code, address.commune_name
    form.street_address.data = address.street_address


def _placed(response) -> bool:
    # Only orders placed count towards the limit, not a form sent back with mistakes.
    return response.status_code == 303


@bp.route("/checkout", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["CHECKOUT_LIMIT_PER_IP"], methods=["POST"], deduct_when=_placed)
def checkout():
    store = _store()
    summary = carts.summarise(store, photos=False)  # the checkout page shows no photos
    if summary.is_empty:
        flash(_("Your cart is empty."), "info")
        return redirect(url_for("orders.cart"))
    form = _checkout_form()
    book = addresses.addresses_of(current_user) if current_user.is_authenticated else []
    chosen = int_arg("address", minimum=1)
    if request.method == "GET" and chosen is not None:
        _fill_from(form, get_owned_or_404(Address, chosen, current_user))
    if form.validate_on_submit():
        details = CheckoutDetails(
            form.full_name.data, form.phone.data, form.email.data, form.province.data, form.commune.data,
            form.street_address.data, form.note.data or "", form.payment_method.data, select_locale(),
        )
        user_id = current_user.id if current_user.is_authenticated else None
        try:
            order = place_order(store, details, user_id, enabled_methods(), summary)
        except CheckoutError as error:
            for name, message in error.errors.items():
                getattr(form, name).errors = [*getattr(form, name).errors, message]
        except CartChanged as error:
            flash(str(error.message), "error")
            return redirect(url_for("orders.cart"))
        else:
            return _after_placing(order, form.save_address.data and user_id is not None, details)
    status = 400 if form.errors else 200
    # A guest paying ahead must give an email (checkout.check_details); the page marks it as soon as such a
    # method is chosen (js/checkout.js).
    email_needed = [] if current_user.is_authenticated else [p.code for p in enabled_providers() if p.pays_ahead]
    return render_template("orders/checkout.html", form=form, cart=summary, book=book,
                           providers=enabled_providers(), email_needed=email_needed), status


def _after_placing(order, save_address: bool, details: CheckoutDetails):
    if save_address:
        try:
            addresses.remember_checkout_address(order.user_id, addresses.check_address(
                details.full_name, details.phone, details.province, details.commune, details.street_address))
        except DomainError:
            pass  # the order is placed; the address book is a convenience
    flash(_("Thank you! Your order %(number)s is placed.", number=order.number), "success")
    return _start_payment(order)


def _start_payment(order):
    """Send the shopper to pay when the method needs it (Stripe), else to the order's page."""
    page = public_url("orders.order_page", token=order.token)
    try:
        target = get_provider(order.payment_method).start_url(order, page)
    except DomainError as error:
        flash(str(error.message), "error")
        target = None
    return redirect(target or url_for("orders.order_page", token=order.token), 303)


# --- the order page ---------------------------------------------------------------------------

def _order_or_404(token: str):
    """The order behind the link, if this visitor may see it (services.order_for_visitor)."""
    order = services.order_for_visitor(token, current_user if current_user.is_authenticated else None)
    if order is None:
        abort(404)
    return order


@bp.route("/orders/<token>")
def order_page(token: str):
    order = _order_or_404(token)
    qr = get_provider(order.payment_method).instructions(order)  # a bank transfer's VietQR code, while due
    timelines = {part.id: services.timeline(part) for part in order.seller_orders}
    cancellable = {part.id for part in order.seller_orders
                   if "cancel_by_shopper" in SELLER_ORDER_TRANSITIONS.allowed_actions(part.status)}
    response = render_template(
        "orders/order.html", order=order, qr=qr, timelines=timelines, cancellable=cancellable,
        payments=services.payment_timeline(order), form=ActionForm(), receipt_form=ReceiptForm(),
        cancel_form=CancelPartForm(),
    )
    return response, 200, {"X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}


@bp.route("/orders/<token>/cancel/<int:seller_order_id>", methods=["POST"])
def cancel_part(token: str, seller_order_id: int):
    order = _order_or_404(token)
    form = CancelPartForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        for errors in form.errors.values():
            flash(" ".join(str(error) for error in errors), "error")
        return redirect(url_for("orders.order_page", token=token))
    try:
        services.cancel_by_shopper(order, seller_order_id, current_user.id if current_user.is_authenticated else None,
                                   form.reason.data)
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(_("Cancelled. Nothing more will be sent for this part of your order."), "success")
    return redirect(url_for("orders.order_page", token=token))


@bp.route("/orders/<token>/receipt", methods=["POST"])
@limiter.limit(lambda: current_app.config["RECEIPT_UPLOAD_LIMIT_PER_IP"])
def upload_receipt(token: str):
    order = _order_or_404(token)
    form = ReceiptForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(" ".join(str(error) for error in errors), "error")
        return redirect(url_for("orders.order_page", token=token))
    try:
        services.attach_receipt(order, form.receipt.data)
    except (DomainError, uploads.UploadError) as error:
        flash(str(getattr(error, "message", error)), "error")
    else:
        flash(_("Thank you: we will check the transfer and tell you."), "success")
    return redirect(url_for("orders.order_page", token=token))


@bp.route("/orders/<token>/receipt")
def receipt(token: str):
    order = _order_or_404(token)
    if not order.receipt_name:
        abort(404)
    return uploads.send_stored(services.RECEIPT_AREA, order.receipt_name)


@bp.route("/orders/<token>/pay", methods=["POST"])
def pay(token: str):
    """Card orders not yet paid: go (again) to Stripe's page."""
    order = _order_or_404(token)
    if not ActionForm().validate_on_submit():
        abort(400)
    # The provider decides whether the order can still be paid (DomainError, shown, if not).
    return _start_payment(order)


def _not_found(response) -> bool:
    return response.status_code == 400


@bp.route("/orders/find", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["FIND_ORDER_LIMIT_PER_IP"], methods=["POST"], deduct_when=_not_found)
def find():
    form = FindOrderForm()
    if form.validate_on_submit():
        order = services.find_guest_order(form.number.data, form.contact.data)
        if order is not None and order.user_id is None:
            return redirect(url_for("orders.order_page", token=order.token))
        if order is not None:
            flash(_("This order belongs to an account: sign in to see it."), "info")
            return redirect(url_for("accounts.login", next=url_for("orders.order_page", token=order.token)))
        # The same answer whether the number or the contact was wrong.
        form.contact.errors = [_("No order matches this number and phone or email.")]
    return render_template("orders/find.html", form=form), 400 if form.errors else 200
