"""The staff's side of the catalog (/staff/products..., /staff/ocop, /staff/categories...):
moderating listings, checking OCOP certificates, and the category tree (saved by central
staff only). Every view is for union staff only; products are fetched within the staff
member's provinces."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from market.catalog import bp, services
from market.catalog.forms import CategoryForm, ReasonForm
from market.catalog.models import Category, Product, ProductStatus
from market.core import uploads
from market.core.audit import history
from market.core.domain import DomainError, get_in_scope_or_404
from market.core.forms import show_errors
from market.core.numbers import parse_int
from market.core.security import roles_required
from market.extensions import db


@bp.route("/staff/products")
@roles_required("staff")
def staff_products():
    status = request.args.get("status") or None
    if status is not None and status not in set(ProductStatus):
        abort(404)
    query_text = (request.args.get("q") or "").replace("\x00", " ")[:100]  # PostgreSQL refuses NUL
    return render_template(
        "catalog/staff/products.html", products=services.staff_products(current_user, query_text, status),
        query_text=query_text, status=status,
    )


@bp.route("/staff/products/<int:product_id>", methods=["GET", "POST"])
@roles_required("staff")
def staff_product(product_id: int):
    product = get_in_scope_or_404(Product, product_id, current_user)
    form = ReasonForm()
    if form.validate_on_submit():
        action = request.form.get("action", "")
        try:
            services.moderate_product(current_user, product.id, action, form.reason.data)
        except DomainError as error:
            show_errors(form, error)
        else:
            flash(_("Decision recorded."), "success")
            return redirect(url_for("catalog.staff_product", product_id=product.id))
    return render_template(
        "catalog/staff/product.html", product=product, form=form, entries=history("product", product.id)
    )


@bp.route("/staff/products/<int:product_id>/ocop-certificate")
@roles_required("staff")
def staff_ocop_certificate(product_id: int):
    product = get_in_scope_or_404(Product, product_id, current_user)
    if not product.ocop_certificate_name:
        abort(404)
    return uploads.send_stored(services.CERTIFICATE_AREA, product.ocop_certificate_name)


@bp.route("/staff/ocop", methods=["GET", "POST"])
@roles_required("staff")
def staff_ocop():
    form = ReasonForm()
    if form.validate_on_submit():
        product = get_in_scope_or_404(Product, parse_int(request.form.get("product_id"), default=0), current_user)
        try:
            services.decide_ocop(
                current_user, product.id, request.form.get("action") == "verify", form.reason.data,
                stars_seen=parse_int(request.form.get("stars"), max_digits=1),
            )
        except DomainError as error:
            flash(f"{product.name}: {error.message}", "error")
        else:
            flash(_("Decision recorded."), "success")
        return redirect(url_for("catalog.staff_ocop"))
    return render_template("catalog/staff/ocop.html", queue=services.ocop_queue(current_user), form=form)


@bp.route("/staff/categories", methods=["GET", "POST"])
@bp.route("/staff/categories/<int:category_id>", methods=["GET", "POST"])
@roles_required("staff")
def staff_categories(category_id: int | None = None):
    category = db.session.get(Category, category_id) if category_id else None
    if category_id and category is None:
        abort(404)
    form = CategoryForm(obj=category if request.method == "GET" else None)
    form.parent_id.choices = [("", _("— top category —"))] + [
        (top.id, top.name) for top in services.category_tree() if top.id != category_id
    ]
    if form.validate_on_submit():
        if not current_user.is_central_staff:
            abort(403)
        try:
            services.save_category(
                current_user, form.name_vi.data, form.name_en.data, form.parent_id.data, form.position.data or 0, category_id
            )
        except DomainError as error:
            show_errors(form, error)
        else:
            flash(_("The category has been saved."), "success")
            return redirect(url_for("catalog.staff_categories"))
    return render_template("catalog/staff/categories.html", tree=services.category_tree(), form=form, category=category)
