"""Seller listing tools (/sell/products): list, quick stock and price edit, create, edit,
duplicate, hide, delete. Every product is fetched through its ownership check.

CSV import (/sell/products/import): template, upload, preview, confirmation. The uploaded
file is checked and shown back with each row's errors by line and column; when nothing is
wrong, its bytes are kept under a random token bound to the seller until the member
confirms (or for a day). The confirmation imports all rows or none.
"""
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from market.catalog import bp, csv_import, photo_stash, services
from market.catalog.forms import ImportForm, ProductForm, QuickEditForm
from market.catalog.models import MAX_PHOTOS, Product, ProductStatus
from market.catalog.units import unit_choices
from market.core.domain import DomainError, get_owned_or_404
from market.core.forms import ActionForm, show_errors
from market.core.numbers import parse_ids, parse_int
from market.core.states import status_label
from market.sellers.access import member_required
from market.sellers.models import SellerStatus

SHOWN_ERRORS = 1_000  # the CSV preview lists this many errors; the count says how many there are
SHOWN_ROWS = 20  # rows shown as a sample when the file is ready to import


def _approved_or_redirect(membership):
    if membership.seller.status != SellerStatus.APPROVED:
        flash(_("Only approved sellers can list products."), "error")
        return redirect(url_for("sellers.dashboard"))
    return None


@bp.route("/sell/products")
@member_required
def seller_products(membership):
    status = request.args.get("status") or None
    stock = request.args.get("stock") or None
    if (status is not None and status not in set(ProductStatus)) or stock not in (None, "out", "low"):
        abort(404)
    return render_template(
        "catalog/seller/products.html",
        seller=membership.seller,
        products=services.seller_products(membership.seller_id, status, stock),
        status=status,
        stock=stock,
        quick_form=QuickEditForm(),
        action_form=ActionForm(),
        low_stock=services.low_stock_threshold(),
    )


def _product_data(form: ProductForm) -> services.ProductData:
    return services.ProductData(
        name=form.name.data,
        category_id=form.category_id.data,
        price_vnd=form.price_vnd.data,
        stock=form.stock.data,
        unit=form.unit.data,
        description=form.description.data or "",
        compare_at_price_vnd=form.compare_at_price_vnd.data,
        weight_grams=form.weight_grams.data,
        origin_province=form.origin_province.data or None,
        ocop_stars=parse_int(form.ocop_stars.data),  # one of the form's choices, or "" (none)
    )


def _files(field) -> list:
    return [file for file in (field.data or []) if getattr(file, "filename", "")]


def _file(field):
    return field.data if field.data and getattr(field.data, "filename", "") else None


def _kept_photos() -> list:
    """The member's stashed photos the form sent back (minus those ticked to remove)."""
    if request.method != "POST":
        return []
    dropped = set(request.form.getlist("unstash"))
    return [row for row in photo_stash.stashed(current_user.id, request.form.getlist("stashed")) if row.token not in dropped]


def _forget_stash() -> None:
    photo_stash.discard(current_user.id, request.form.getlist("stashed"))


def _stash_for_retry(form: ProductForm, kept: list, room: int) -> list:
    """The form goes back with an error: keep the photos chosen so they need not be chosen again.
    Not for a post without a valid CSRF token (another site's form could send files)."""
    if request.method != "POST" or "csrf_token" in form.errors:
        return kept
    kept, refused = photo_stash.restash(current_user.id, [row.token for row in kept], request.form.getlist("unstash"),
                                        _files(form.photos), room=max(room, 0))
    if refused and not form.photos.errors:
        form.photos.errors = [refused]
    return kept


def _product_form(product: Product | None = None) -> ProductForm:
    form = ProductForm(obj=product if request.method == "GET" else None)
    form.category_id.choices = [("", _("Choose…"))] + services.category_choices()
    form.unit.choices = [("", _("Choose…"))] + unit_choices()
    if request.method == "GET" and product is not None:
        form.ocop_stars.data = str(product.ocop_stars) if product.ocop_stars else ""
        form.origin_province.data = product.origin_province_code
    return form


@bp.route("/sell/products/new", methods=["GET", "POST"])
@member_required
def new_product(membership):
    refused = _approved_or_redirect(membership)
    if refused:
        return refused
    form = _product_form()
    kept = _kept_photos()
    if form.validate_on_submit():
        try:
            product = services.create_product(
                current_user, _product_data(form), photos=photo_stash.as_uploads(kept) + _files(form.photos),
                ocop_certificate=_file(form.ocop_certificate), publish="publish" in request.form,
            )
        except DomainError as error:
            show_errors(form, error)
        else:
            _forget_stash()
            flash(_("The product has been saved."), "success")
            return redirect(url_for("catalog.edit_product", product_id=product.id))
    kept = _stash_for_retry(form, kept, room=MAX_PHOTOS)
    return render_template("catalog/seller/product_form.html", form=form, product=None, stashed=kept)


@bp.route("/sell/products/<int:product_id>/edit", methods=["GET", "POST"])
@member_required
def edit_product(membership, product_id: int):
    product = get_owned_or_404(Product, product_id, current_user)
    form = _product_form(product)
    kept = _kept_photos()
    if form.validate_on_submit():
        try:
            services.update_product(
                current_user, product.id, _product_data(form),
                new_photos=photo_stash.as_uploads(kept) + _files(form.photos),
                remove_image_ids=parse_ids(request.form.getlist("remove_image")),
                main_image_id=parse_int(request.form.get("main_image"), minimum=1),
                ocop_certificate=_file(form.ocop_certificate),
            )
        except DomainError as error:
            show_errors(form, error)
        else:
            _forget_stash()
            flash(_("The product has been saved."), "success")
            return redirect(url_for("catalog.edit_product", product_id=product.id))
    kept = _stash_for_retry(form, kept, room=MAX_PHOTOS - len(product.images))
    return render_template("catalog/seller/product_form.html", form=form, product=product, action_form=ActionForm(),
                           stashed=kept)


@bp.route("/sell/products/<int:product_id>/quick", methods=["POST"])
@member_required
def quick_edit(membership, product_id: int):
    product = get_owned_or_404(Product, product_id, current_user)
    form = QuickEditForm()
    seen_stock = parse_int(form.seen_stock.data)
    if form.validate_on_submit() and seen_stock is not None:
        try:
            services.set_stock_and_price(current_user, product.id, form.stock.data, form.price_vnd.data, seen_stock)
        except DomainError as error:
            flash(f"{product.name}: {error.message}", "error")
        else:
            flash(_("“%(name)s”: stock and price saved.", name=product.name), "success")
    else:
        messages = [message for errors in form.errors.values() for message in errors]
        flash(f"{product.name}: {' '.join(str(m) for m in messages) or _('Check the figures.')}", "error")
    return redirect(url_for("catalog.seller_products") + f"#product-{product.id}")


@bp.route("/sell/products/<int:product_id>/<any(publish, hide):action>", methods=["POST"])
@member_required
def product_status(membership, product_id: int, action: str):
    product = get_owned_or_404(Product, product_id, current_user)
    if ActionForm().validate_on_submit():
        try:
            services.change_product_status(current_user, product.id, action)
        except DomainError as error:
            flash(f"{product.name}: {error.message}", "error")
        else:
            flash(_("“%(name)s” is now %(status)s.", name=product.name, status=status_label(product.status)), "success")
    if request.form.get("back") == "edit":
        return redirect(url_for("catalog.edit_product", product_id=product.id))
    return redirect(url_for("catalog.seller_products"))


@bp.route("/sell/products/<int:product_id>/duplicate", methods=["POST"])
@member_required
def duplicate_product(membership, product_id: int):
    product = get_owned_or_404(Product, product_id, current_user)
    if ActionForm().validate_on_submit():
        try:
            copy = services.duplicate_product(current_user, product.id)
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            flash(_("A copy has been made as a draft."), "success")
            return redirect(url_for("catalog.edit_product", product_id=copy.id))
    return redirect(url_for("catalog.seller_products"))


@bp.route("/sell/products/<int:product_id>/delete", methods=["GET", "POST"])
@member_required
def delete_product(membership, product_id: int):
    """GET asks first (what goes, and that it cannot be undone); only the POST of that page
    deletes, so a mistaken tap on a small screen costs nothing."""
    product = get_owned_or_404(Product, product_id, current_user)
    if request.method == "GET":
        return render_template("catalog/seller/delete_product.html", product=product, action_form=ActionForm(),
                               was_ordered=services.product_was_ordered(product.id))
    if ActionForm().validate_on_submit():
        try:
            services.delete_product(current_user, product.id)
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            flash(_("The product has been deleted."), "success")
    return redirect(url_for("catalog.seller_products"))


@bp.route("/sell/products/stashed/<token>")
@member_required
def stashed_photo(membership, token: str):
    """A thumbnail of a photo kept while the member corrects a form: theirs only."""
    return photo_stash.thumbnail(current_user.id, token)


# --- CSV import ----------------------------------------------------------------------------

def _read(file_storage) -> bytes:
    """The upload's bytes, one byte past the limit at most (parse reports the excess)."""
    return file_storage.stream.read(csv_import.MAX_BYTES + 1)


@bp.route("/sell/products/import/template.csv")
@member_required
def import_template(membership):
    response = Response(csv_import.template_csv(), mimetype="text/csv")
    response.headers["Content-Disposition"] = "attachment; filename=mau-nhap-san-pham.csv"
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/sell/products/import", methods=["GET", "POST"])
@member_required
def import_products(membership):
    refused = _approved_or_redirect(membership)
    if refused:
        return refused
    form = ImportForm()
    if form.validate_on_submit():
        try:
            preview, token = csv_import.preview_upload(current_user, _read(form.file.data))
        except DomainError as error:
            flash(str(error.message), "error")
            return redirect(url_for("catalog.seller_products"))
        return render_template(
            "catalog/seller/import_preview.html", preview=preview, token=token, errors=preview.errors()[:SHOWN_ERRORS],
            form=ImportForm(formdata=None), action_form=ActionForm(), shown_rows=SHOWN_ROWS,
        )
    return render_template("catalog/seller/import.html", form=form, reference=csv_import.reference(), seller=membership.seller)


@bp.route("/sell/products/import/<token>", methods=["POST"])
@member_required
def import_confirm(membership, token: str):
    refused = _approved_or_redirect(membership)
    if refused:
        return refused
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        count = csv_import.import_stored(current_user, token)
    except csv_import.ImportNotFound:
        abort(404)
    except csv_import.ImportFailed as failed:
        # The catalogue changed since the preview (a category went away): show why, import nothing.
        flash(str(failed.message), "error")
        return render_template(
            "catalog/seller/import_preview.html", preview=None, token=None, errors=failed.errors[:SHOWN_ERRORS],
            error_total=len(failed.errors), form=ImportForm(formdata=None), action_form=ActionForm(),
            shown_rows=SHOWN_ROWS,
        )
    except DomainError as error:
        flash(str(error.message), "error")
        return redirect(url_for("catalog.import_products"))
    flash(_("%(count)d products imported as drafts. Add photos, then put them on sale.", count=count), "success")
    return redirect(url_for("catalog.seller_products", status="draft"))


@bp.route("/sell/products/import/<token>/cancel", methods=["POST"])
@member_required
def import_cancel(membership, token: str):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        csv_import.discard_stored(current_user, token)
    except csv_import.ImportNotFound:
        abort(404)
    except DomainError as error:
        flash(str(error.message), "error")
    return redirect(url_for("catalog.import_products"))
