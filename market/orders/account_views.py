"""The shopper's account pages that orders own (/account/...): order history and the address
book used at checkout. Accounts' own /account pages (sign-in, profile) are in
`market.accounts.views`."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from market.core.domain import DomainError, get_owned_or_404
from market.core.forms import ActionForm
from market.orders import addresses, bp, services
from market.orders.checkout import CheckoutError
from market.orders.forms import AddressForm
from market.orders.models import Address


@bp.route("/account/orders")
@login_required
def history():
    return render_template("orders/history.html", orders=services.orders_of(current_user))


@bp.route("/account/addresses", methods=["GET", "POST"])
@login_required
def address_book():
    form = AddressForm()
    if form.validate_on_submit() and _save_address(form):
        flash(_("Address saved."), "success")
        return redirect(url_for("orders.address_book"))
    return render_template("orders/addresses.html", form=form, book=addresses.addresses_of(current_user),
                           action_form=ActionForm()), 400 if form.errors else 200


@bp.route("/account/addresses/<int:address_id>", methods=["GET", "POST"])
@login_required
def edit_address(address_id: int):
    address = get_owned_or_404(Address, address_id, current_user)
    form = AddressForm(obj=address if request.method == "GET" else None)
    if request.method == "GET":
        form.province.data, form.commune.data = address.province_code, address.commune_name
    if form.validate_on_submit() and _save_address(form, address):
        flash(_("Address saved."), "success")
        return redirect(url_for("orders.address_book"))
    return render_template("orders/address_edit.html", form=form, address=address), 400 if form.errors else 200


def _save_address(form: AddressForm, address: Address | None = None) -> bool:
    try:
        destination = addresses.check_address(form.full_name.data, form.phone.data, form.province.data,
                                              form.commune.data, form.street_address.data)
        addresses.save_address(current_user, destination, form.is_default.data, address)
    except CheckoutError as error:
        for name, message in error.errors.items():
            getattr(form, name).errors = [*getattr(form, name).errors, message]
        return False
    except DomainError as error:
        form.full_name.errors = [*form.full_name.errors, str(error.message)]
        return False
    return True


@bp.route("/account/addresses/<int:address_id>/delete", methods=["POST"])
@login_required
def delete_address(address_id: int):
    address = get_owned_or_404(Address, address_id, current_user)
    if not ActionForm().validate_on_submit():
        abort(400)
    addresses.delete_address(address)
    flash(_("Address removed."), "success")
    return redirect(url_for("orders.address_book"))
