"""The staff console: seller review queue and decisions, programs and their figures."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from market.catalog import services as catalog_services
from market.catalog.forms import CategoryForm, ReasonForm
from market.catalog.models import Category, Product, ProductStatus
from market.core import uploads
from market.core.audit import history
from market.core.domain import DomainError, get_in_scope_or_404
from market.core.forms import show_errors
from market.core.numbers import parse_int
from market.core.security import roles_required
from market.extensions import db
from market.programs import services as program_services
from market.sellers import services as seller_services
from market.staff import bp


@bp.before_request
@roles_required("staff")
def staff_only():
    """Every page here is for union staff only."""


@bp.route("/")
def index():
    return render_template(
        "staff/index.html",
        queue=seller_services.review_queue(current_user),
        enrolments=program_services.enrolment_queue(current_user),
    )


# --- catalog moderation ----------------------------------------------------------------------

@bp.route("/products")
def products():
    status = request.args.get("status") or None
    if status is not None and status not in set(ProductStatus):
        abort(404)
    query_text = (request.args.get("q") or "").replace("\x00", " ")[:100]  # PostgreSQL refuses NUL
    return render_template(
        "staff/products.html", products=catalog_services.staff_products(current_user, query_text, status),
        query_text=query_text, status=status,
    )


@bp.route("/products/<int:product_id>", methods=["GET", "POST"])
def product(product_id: int):
    product = get_in_scope_or_404(Product, product_id, current_user)
    form = ReasonForm()
    if form.validate_on_submit():
        action = request.form.get("action", "")
        try:
            catalog_services.moderate_product(current_user, product.id, action, form.reason.data)
        except DomainError as error:
            show_errors(form, error)
        else:
            flash(_("Decision recorded."), "success")
            return redirect(url_for("staff.product", product_id=product.id))
    return render_template("staff/product.html", product=product, form=form, entries=history("product", product.id))


@bp.route("/products/<int:product_id>/ocop-certificate")
def ocop_certificate(product_id: int):
    product = get_in_scope_or_404(Product, product_id, current_user)
    if not product.ocop_certificate_name:
        abort(404)
    return uploads.send_stored(catalog_services.CERTIFICATE_AREA, product.ocop_certificate_name)


@bp.route("/ocop", methods=["GET", "POST"])
def ocop():
    form = ReasonForm()
    if form.validate_on_submit():
        product = get_in_scope_or_404(Product, parse_int(request.form.get("product_id"), default=0), current_user)
        try:
            catalog_services.decide_ocop(
                current_user, product.id, request.form.get("action") == "verify", form.reason.data,
                stars_seen=parse_int(request.form.get("stars"), max_digits=1),
            )
        except DomainError as error:
            flash(f"{product.name}: {error.message}", "error")
        else:
            flash(_("Decision recorded."), "success")
        return redirect(url_for("staff.ocop"))
    return render_template("staff/ocop.html", queue=catalog_services.ocop_queue(current_user), form=form)


@bp.route("/categories", methods=["GET", "POST"])
@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
def categories(category_id: int | None = None):
    category = db.session.get(Category, category_id) if category_id else None
    if category_id and category is None:
        abort(404)
    form = CategoryForm(obj=category if request.method == "GET" else None)
    form.parent_id.choices = [("", _("— top category —"))] + [
        (top.id, top.name) for top in catalog_services.category_tree() if top.id != category_id
    ]
    if form.validate_on_submit():
        if not current_user.is_central_staff:
            abort(403)
        try:
            catalog_services.save_category(
                current_user, form.name_vi.data, form.name_en.data, form.parent_id.data, form.position.data or 0, category_id
            )
        except DomainError as error:
            show_errors(form, error)
        else:
            flash(_("The category has been saved."), "success")
            return redirect(url_for("staff.categories"))
    return render_template("staff/categories.html", tree=catalog_services.category_tree(), form=form, category=category)
