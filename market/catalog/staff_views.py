"""The staff's side of the catalog (/staff/products..., /staff/ocop, /staff/categories...):
moderating listings, checking OCOP certificates, and the category tree (saved by central
staff only). Every view is for union staff only; products are fetched within the staff
member's provinces."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from market.catalog import bp, services, staff_queries, units
from market.catalog.forms import CategoryForm, ReasonForm, UnitForm
from market.catalog.models import UNITS, Category, OcopStatus, Product, ProductStatus
from market.catalog.staff_queries import ProductFilters
from market.core import uploads
from market.core.audit import history
from market.core.domain import DomainError, get_in_scope_or_404
from market.core.folding import search_text
from market.core.forms import show_errors
from market.core.i18n import select_locale as current_locale
from market.core.numbers import parse_int
from market.core.paging import page_number
from market.core.security import roles_required
from market.extensions import db
from market.geo.provinces import all_provinces
from market.geo.provinces import choices as province_choices
from market.sellers.models import Seller

MAX_ID = 2_147_483_647  # ids are 32-bit INTEGER columns
PROVINCE_CODES = frozenset(province.code for province in all_provinces())


def _choice(args, key: str, known, message, errors: dict) -> str:
    """The value of a select box when it is one of `known`; else "" and a message."""
    value = search_text(args.get(key), 40)
    if value and value not in known:
        errors[key] = str(message)
        return ""
    return value


def _row_id(args, key: str, model, message, errors: dict) -> int | None:
    """An id from the query string naming an existing `model` row; else None and a message."""
    if not args.get(key):
        return None
    found = parse_int(args.get(key), minimum=1, maximum=MAX_ID)
    if found is None or db.session.get(model, found) is None:
        errors[key] = str(message)
        return None
    return found


def _product_filters(args) -> tuple[ProductFilters, dict[str, str]]:
    """The list's filters from the query string, and a message for each wrong value."""
    errors: dict[str, str] = {}
    filters = ProductFilters(
        status=_choice(args, "status", set(ProductStatus), _("Choose a status from the list."), errors),
        ocop=_choice(args, "ocop", set(OcopStatus), _("Choose an OCOP check from the list."), errors),
        province=_choice(args, "province", PROVINCE_CODES, _("Choose a province from the list."), errors),
        category_id=_row_id(args, "category", Category, _("Choose a category from the list."), errors),
        seller_id=_row_id(args, "seller_id", Seller, _("This seller is not in your list."), errors),
        seller=search_text(args.get("seller"), 100),
        name=search_text(args.get("q"), 100),
    )
    return filters, errors


def _kept(args) -> dict[str, str]:
    """The filters as sent, for paging links (empty ones left out)."""
    return {key: value for key in ("q", "status", "category", "seller", "seller_id", "province", "ocop")
            if (value := search_text(args.get(key), 100))}


@bp.route("/staff/products")
@roles_required("staff")
def staff_products():
    filters, errors = _product_filters(request.args)
    page = None if errors else staff_queries.staff_product_page(current_user, filters, page_number())
    seller_name = staff_queries.seller_name(current_user, filters.seller_id) if filters.seller_id else None
    if filters.seller_id and seller_name is None:  # another province's seller: not named to them
        errors["seller_id"] = _("This seller is not in your list.")
        page = None
    return render_template(
        "catalog/staff/products.html", page=page, filters=filters, errors=errors, kept=_kept(request.args),
        seller_name=seller_name, tree=services.category_tree(), statuses=list(ProductStatus),
        ocop_statuses=list(OcopStatus), provinces=province_choices(current_locale()),
    ), 400 if errors else 200


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


@bp.route("/staff/units", methods=["GET", "POST"])
@roles_required("staff")
def staff_units():
    """The selling units sellers choose from; central staff add what cooperatives need."""
    form = UnitForm()
    if form.validate_on_submit():
        if not current_user.is_central_staff:
            abort(403)
        try:
            unit = units.add_unit(current_user, form.name_vi.data, form.name_en.data)
        except DomainError as error:
            show_errors(form, error)
        else:
            flash(_("“%(name)s” has been added to the units.", name=unit.name), "success")
            return redirect(url_for("catalog.staff_units"))
    return render_template("catalog/staff/units.html", form=form, built_in=units.unit_choices()[:len(UNITS)],
                           added=units.added_units())
