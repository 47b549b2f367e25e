"""Catalog rules: categories, products and photos, stock and price, moderation, OCOP checks."""
import secrets
import shutil
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import force_locale, gettext as _
from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import joinedload, selectinload

from market.accounts.models import User
from market.accounts.services import notify
from market.catalog.category_data import CATEGORIES
from market.catalog.models import (
    MAX_PHOTOS,
    MAX_PRICE_VND,
    MAX_STOCK,
    Category,
    OcopStatus,
    Product,
    ProductImage,
    ProductStatus,
)
from market.catalog.units import unit_codes
from market.core import uploads
from market.core.audit import record_audit
from market.core.changes import note_changed
from market.core.clock import utcnow
from market.core.domain import DomainError
from market.core.slugs import unique_slug
from market.core.states import ReasonRequired, Transitions, change_status
from market.core.urls import site_path
from market.extensions import db
from market.geo.provinces import get_by_code
from market.geo.provinces import lookup as lookup_province
from market.sellers.models import Seller, SellerStatus, member_seller_ids
from market.sellers.services import ValidationFailed

PHOTO_AREA = "products"
CERTIFICATE_AREA = "ocop-certificates"

PRODUCT_TRANSITIONS = Transitions(
    {
        "publish": {ProductStatus.DRAFT: ProductStatus.ACTIVE, ProductStatus.HIDDEN: ProductStatus.ACTIVE},
        "hide": {ProductStatus.ACTIVE: ProductStatus.HIDDEN, ProductStatus.DRAFT: ProductStatus.HIDDEN},
        "block": {
            ProductStatus.DRAFT: ProductStatus.BLOCKED,
            ProductStatus.ACTIVE: ProductStatus.BLOCKED,
            ProductStatus.HIDDEN: ProductStatus.BLOCKED,
        },
        # Back to hidden: the seller checks the listing and shows it again.
        "unblock": {ProductStatus.BLOCKED: ProductStatus.HIDDEN},
    }
)
SELLER_ACTIONS = ("publish", "hide")


@dataclass
class ProductData:
    """What a member typed for a product, parsed by the form (or a CSV row)."""

    name: str
    category_id: int | None
    price_vnd: int | None
    stock: int | None
    unit: str
    description: str = ""
    compare_at_price_vnd: int | None = None
    weight_grams: int | None = None
    origin_province: str | None = None  # code or name; the seller's province when empty
    ocop_stars: int | None = None
    errors: dict = field(default_factory=dict)  # parse errors found before validation (CSV)


# --- who acts -------------------------------------------------------------------------------

def acting_seller(member: User) -> Seller:
    """The approved seller `member` acts for; DomainError when there is none."""
    seller = db.session.scalar(select(Seller).where(Seller.id.in_(member_seller_ids(member))))
    if seller is None:
        raise DomainError(_("You are not a member of a seller."))
    if seller.status != SellerStatus.APPROVED:
        raise DomainError(_("Only approved sellers can list products."))
    return seller


def _owned_product(member: User, product_id: int) -> Product:
    query = select(Product).where(Product.id == product_id, Product.owned_by(member))
    product = db.session.scalar(query)
    if product is None:
        raise DomainError(_("This product does not exist."))
    return product


# --- categories ------------------------------------------------------------------------------

def category_tree() -> list[Category]:
    """Top categories with their sub-categories, in display order."""
    query = (
        select(Category)
        .where(Category.parent_id.is_(None))
        .options(selectinload(Category.children))
        .order_by(Category.position, Category.id)
    )
    return list(db.session.scalars(query))


def category_by_slug(slug: str) -> Category | None:
    return db.session.scalar(
        select(Category).where(Category.slug == slug).options(joinedload(Category.parent), selectinload(Category.children))
    )


def category_choices() -> list[tuple[int, str]]:
    """Sub-categories (and childless top ones) as "Top › Sub" for a select box."""
    choices = []
    for top in category_tree():
        if not top.children:
            choices.append((top.id, top.name))
        for child in top.children:
            choices.append((child.id, f"{top.name} › {child.name}"))
    return choices


def save_category(staff: User, name_vi: str, name_en: str, parent_id: int | None, position: int = 0,
                  category_id: int | None = None) -> Category:
    """Create or rename a category (central staff). The tree has two levels only."""
    if not staff.is_central_staff:
        raise DomainError(_("Only central union staff manage categories."))
    errors = {}
    if not (name_vi or "").strip():
        errors["name_vi"] = _("This field is required.")
    if not (name_en or "").strip():
        errors["name_en"] = _("This field is required.")
    parent = db.session.get(Category, parent_id) if parent_id else None
    if parent_id and (parent is None or parent.parent_id is not None or parent.id == category_id):
        errors["parent_id"] = _("Choose a top category.")
    if errors:
        raise ValidationFailed(errors)
    category = db.session.get(Category, category_id) if category_id else None
    if category is None:
        category = Category(slug=unique_slug(Category.slug, name_vi))
        db.session.add(category)
    elif category.children and parent is not None:
        raise ValidationFailed({"parent_id": _("A category with sub-categories must stay at the top.")})
    category.name_vi, category.name_en = name_vi.strip(), name_en.strip()
    category.parent_id, category.position = parent.id if parent else None, position
    db.session.flush()
    record_audit(staff.id, "category", category.id, "category_saved")
    db.session.commit()
    return category


# --- products: validation --------------------------------------------------------------------

def validate_product(data: ProductData, seller: Seller, valid_category_ids: set[int] | None = None) -> dict:
    """Check a product's fields; returns column values or raises ValidationFailed (per field)."""
    errors = dict(data.errors)
    name = (data.name or "").strip()
    if not name and "name" not in errors:
        errors["name"] = _("Enter the product's name.")
    elif len(name) > 150:
        errors["name"] = _("At most %(count)d characters.", count=150)
    if valid_category_ids is None:
        valid = data.category_id is not None and db.session.get(Category, data.category_id) is not None
    else:
        valid = data.category_id in valid_category_ids
    if not valid and "category_id" not in errors:
        errors["category_id"] = _("Choose a category.")
    if "price_vnd" not in errors and (data.price_vnd is None or not 0 < data.price_vnd <= MAX_PRICE_VND):
        errors["price_vnd"] = _("Enter a price in đồng, more than 0 and at most 1.000.000.000.")
    compare = data.compare_at_price_vnd
    if compare is not None and "compare_at_price_vnd" not in errors and data.price_vnd and compare <= data.price_vnd:
        errors["compare_at_price_vnd"] = _("The price before discount must be higher than the price.")
    if "stock" not in errors and (data.stock is None or not 0 <= data.stock <= MAX_STOCK):
        errors["stock"] = _("Enter the quantity in stock, from 0 to 1.000.000.")
    if data.unit not in unit_codes() and "unit" not in errors:
        errors["unit"] = _("Choose a unit.")
    weight = data.weight_grams or 0
    if not 0 <= weight <= 1_000_000 and "weight_grams" not in errors:
        errors["weight_grams"] = _("Enter the weight in grams, at most 1.000.000.")
    origin = seller.province_code
    if data.origin_province:
        province = get_by_code(data.origin_province) or lookup_province(data.origin_province)
        if province is None:
            errors.setdefault("origin_province", _("Unknown province."))
        else:
            origin = province.code
    if data.ocop_stars is not None and data.ocop_stars not in (3, 4, 5) and "ocop_stars" not in errors:
        errors["ocop_stars"] = _("OCOP ratings are 3, 4 or 5 stars.")
    if errors:
        raise ValidationFailed(errors)
    return dict(
        name=name,
        description=(data.description or "").strip(),
        category_id=data.category_id,
        price_vnd=data.price_vnd,
        compare_at_price_vnd=compare,
        stock=data.stock,
        unit=data.unit,
        weight_grams=weight,
        origin_province_code=origin,
        ocop_stars=data.ocop_stars,
    )


def _store_photos(photos) -> list[uploads.StoredImageSet]:
    stored = []
    try:
        for photo in photos:
            stored.append(
                uploads.store_image_variants(photo, PHOTO_AREA, max_bytes=current_app.config["PHOTO_MAX_BYTES"])
            )
    except uploads.UploadError as error:
        for image in stored:
            uploads.delete_image_variants(PHOTO_AREA, image.token)
        raise ValidationFailed({"photos": str(error)}) from None
    return stored


def _store_certificate(file) -> str | None:
    if file is None:
        return None
    try:
        return uploads.store_document(file, CERTIFICATE_AREA, current_app.config["DOCUMENT_MAX_BYTES"]).stored_name
    except uploads.UploadError as error:
        raise ValidationFailed({"ocop_certificate": str(error)}) from None


def _apply_ocop(product: Product, stars: int | None, certificate: str | None) -> None:
    """A new or changed OCOP claim waits for staff to verify the certificate again."""
    if stars is None:
        product.ocop_status, product.ocop_stars = OcopStatus.NONE, None
        return
    if certificate:
        product.ocop_certificate_name = certificate
    if not product.ocop_certificate_name:
        raise ValidationFailed({"ocop_certificate": _("Attach the OCOP certificate to claim the stars.")})
    if stars != product.ocop_stars or certificate or product.ocop_status == OcopStatus.NONE:
        product.ocop_status = OcopStatus.CLAIMED
    product.ocop_stars = stars


# --- products: seller side ------------------------------------------------------------------

def create_product(member: User, data: ProductData, photos=(), ocop_certificate=None, publish: bool = False) -> Product:
    """List a new product for the member's seller (a draft, or on sale when `publish`).

    Photos are checked and stored as resized variants first; if anything fails, every
    stored file is removed again and nothing is saved.
    """
    seller = acting_seller(member)
    values = validate_product(data, seller)
    photos = list(photos)
    if len(photos) > MAX_PHOTOS:
        raise ValidationFailed({"photos": _("At most %(count)d photos.", count=MAX_PHOTOS)})
    if publish and not photos:
        raise ValidationFailed({"photos": _("Add at least one photo before putting the product on sale.")})
    stored = _store_photos(photos)
    certificate = None
    try:
        certificate = _store_certificate(ocop_certificate)
        product = Product(seller_id=seller.id, slug=unique_slug(Product.slug, values["name"]),
                          created_by_id=member.id, updated_by_id=member.id, status=ProductStatus.DRAFT, **values)
        _apply_ocop(product, values["ocop_stars"], certificate)
        for position, image in enumerate(stored):
            product.images.append(ProductImage(position=position, token=image.token, width=image.width, height=image.height))
        db.session.add(product)
        db.session.flush()
        record_audit(member.id, "product", product.id, "product_created", None, ProductStatus.DRAFT)
        if publish:
            _move(member, product, "publish")
        db.session.commit()
    except Exception:
        db.session.rollback()
        for image in stored:
            uploads.delete_image_variants(PHOTO_AREA, image.token)
        if certificate:
            uploads.delete_stored(CERTIFICATE_AREA, certificate)
        raise
    return product


def update_product(member: User, product_id: int, data: ProductData, new_photos=(), remove_image_ids=(),
                   main_image_id: int | None = None, ocop_certificate=None) -> Product:
    """Edit a product: fields, photos added or removed, which photo is the main one."""
    product = _owned_product(member, product_id)
    if product.status == ProductStatus.BLOCKED:
        raise DomainError(_("A blocked product cannot be edited; read the union's reason."))
    values = validate_product(data, product.seller)
    removing = [image for image in product.images if image.id in set(remove_image_ids)]
    new_photos = list(new_photos)
    if len(product.images) - len(removing) + len(new_photos) > MAX_PHOTOS:
        raise ValidationFailed({"photos": _("At most %(count)d photos.", count=MAX_PHOTOS)})
    if product.status == ProductStatus.ACTIVE and len(product.images) - len(removing) + len(new_photos) == 0:
        raise ValidationFailed({"photos": _("A product on sale needs at least one photo.")})
    stored = _store_photos(new_photos)
    try:
        certificate = _store_certificate(ocop_certificate)
        for key, value in values.items():
            if key != "ocop_stars":
                setattr(product, key, value)
        _apply_ocop(product, values["ocop_stars"], certificate)
        for image in removing:
            product.images.remove(image)
        for image in stored:
            product.images.append(ProductImage(token=image.token, width=image.width, height=image.height))
        _order_images(product, main_image_id)
        product.updated_by_id = member.id
        record_audit(member.id, "product", product.id, "product_updated")
        db.session.commit()
    except Exception:
        db.session.rollback()
        for image in stored:
            uploads.delete_image_variants(PHOTO_AREA, image.token)
        raise
    for image in removing:
        uploads.delete_image_variants(PHOTO_AREA, image.token)
    return product


def _order_images(product: Product, main_image_id: int | None) -> None:
    images = list(product.images)
    main = next((image for image in images if image.id == main_image_id), None)
    if main is not None:
        images.remove(main)
        images.insert(0, main)
    for position, image in enumerate(images):
        image.position = position


def set_stock_and_price(member: User, product_id: int, stock: int, price_vnd: int, seen_stock: int) -> Product:
    """The quick edit of the product list: new stock and price.

    `seen_stock` is what the member saw; if an order changed the stock meanwhile, the
    update is refused rather than silently overwriting it (conditional UPDATE).
    """
    product = _owned_product(member, product_id)
    if product.status == ProductStatus.BLOCKED:
        raise DomainError(_("A blocked product cannot be edited; read the union's reason."))
    errors = {}
    if stock is None or not 0 <= stock <= MAX_STOCK:
        errors["stock"] = _("Enter the quantity in stock, from 0 to 1.000.000.")
    if price_vnd is None or not 0 < price_vnd <= MAX_PRICE_VND:
        errors["price_vnd"] = _("Enter a price in đồng, more than 0 and at most 1.000.000.000.")
    elif product.compare_at_price_vnd is not None and product.compare_at_price_vnd <= price_vnd:
        errors["price_vnd"] = _("The price must stay below the price before discount.")
    if errors:
        raise ValidationFailed(errors)
    result = db.session.execute(
        update(Product)
        .where(Product.id == product.id, Product.stock == seen_stock)
        .values(stock=stock, price_vnd=price_vnd, updated_by_id=member.id, updated_at=utcnow())
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise DomainError(_("The stock changed meanwhile (an order came in). Check the new figure and try again."))
    note_changed(Product, product.id)
    record_audit(member.id, "product", product.id, "stock_price_set", detail=f"stock {seen_stock}→{stock}, price {price_vnd}")
    db.session.commit()
    db.session.refresh(product)
    return product


def _move(actor: User, product: Product, action: str, reason: str | None = None) -> None:
    if action == "publish" and not product.images:
        raise ValidationFailed({"photos": _("Add at least one photo before putting the product on sale.")})
    values = {"updated_by_id": actor.id}
    if action == "publish" and product.published_at is None:
        values["published_at"] = utcnow()
    old, new = change_status(product, action, PRODUCT_TRANSITIONS, status_reason=reason, **values)
    record_audit(actor.id, "product", product.id, action, old, new, reason)


def change_product_status(member: User, product_id: int, action: str) -> Product:
    """The seller puts a product on sale or hides it."""
    if action not in SELLER_ACTIONS:
        raise DomainError(_("You cannot do that."))
    product = _owned_product(member, product_id)
    _move(member, product, action)
    db.session.commit()
    return product


def duplicate_product(member: User, product_id: int) -> Product:
    """A draft copy of a product, photos included (copied, so each can change alone)."""
    original = _owned_product(member, product_id)
    acting_seller(member)
    if original.status == ProductStatus.BLOCKED:
        raise DomainError(_("A blocked product cannot be copied; read the union's reason."))
    copy = Product(
        seller_id=original.seller_id, category_id=original.category_id,
        slug=unique_slug(Product.slug, original.name), name=original.name[:140] + _(" (copy)"),
        description=original.description, price_vnd=original.price_vnd,
        compare_at_price_vnd=original.compare_at_price_vnd, stock=0, unit=original.unit,
        weight_grams=original.weight_grams, origin_province_code=original.origin_province_code,
        status=ProductStatus.DRAFT, created_by_id=member.id, updated_by_id=member.id,
    )
    copied = []
    try:
        for image in original.images:
            token = _copy_photo(image.token)
            copied.append(token)
            copy.images.append(ProductImage(position=image.position, token=token, width=image.width, height=image.height))
        db.session.add(copy)
        db.session.flush()
        record_audit(member.id, "product", copy.id, "product_created", None, ProductStatus.DRAFT,
                     detail=f"copy of #{original.id}")
        db.session.commit()
    except Exception:
        db.session.rollback()
        for token in copied:
            uploads.delete_image_variants(PHOTO_AREA, token)
        raise
    return copy


def _copy_photo(token: str) -> str:
    new_token = secrets.token_urlsafe(16)
    for variant in uploads.IMAGE_VARIANTS:
        source = uploads.stored_path(PHOTO_AREA, uploads.variant_name(token, variant))
        shutil.copyfile(source, source.with_name(uploads.variant_name(new_token, variant)))
    return new_token


def product_was_ordered(product_id: int) -> bool:
    """Whether any order line names the product (such products are hidden, never deleted)."""
    order_lines = db.metadata.tables.get("order_lines")
    if order_lines is None:  # no orders in the system yet
        return False
    return bool(db.session.scalar(select(exists().where(order_lines.c.product_id == product_id))))


def delete_product(member: User, product_id: int) -> None:
    """Delete a product that was never ordered (its photos go too); others can be hidden."""
    product = _owned_product(member, product_id)
    if product_was_ordered(product.id):
        raise DomainError(_("This product has been ordered, so it is kept: hide it instead."))
    tokens = [image.token for image in product.images]
    certificate = product.ocop_certificate_name
    record_audit(member.id, "product", product.id, "product_deleted", product.status, None, detail=product.name[:300])
    db.session.delete(product)
    db.session.commit()
    for token in tokens:
        uploads.delete_image_variants(PHOTO_AREA, token)
    if certificate:
        uploads.delete_stored(CERTIFICATE_AREA, certificate)


def seller_products(seller_id: int, status: str | None = None, stock: str | None = None) -> list[Product]:
    """The seller's own list, newest first, photos loaded; `stock` "out"/"low": on sale and sold out/low."""
    query = (
        select(Product)
        .where(Product.seller_id == seller_id)
        .options(selectinload(Product.images))
        .order_by(Product.id.desc())
    )
    if status:
        query = query.where(Product.status == status)
    if stock:
        query = query.where(Product.status == ProductStatus.ACTIVE, Product.stock <= 0 if stock == "out"
                            else Product.stock.between(1, low_stock_threshold()))
    return list(db.session.scalars(query))


def low_stock_threshold() -> int:
    return current_app.config["LOW_STOCK_THRESHOLD"]


# --- staff: moderation and OCOP ------------------------------------------------------------------

def _notify_seller(product: Product, subject_text, body_text) -> None:
    owner = product.seller.owner
    if owner is None:
        return
    with force_locale(owner.locale or "vi"):
        notify(owner, subject_text(), body_text(), link=site_path("catalog.edit_product", product_id=product.id))


def moderate_product(staff: User, product_id: int, action: str, reason: str | None = None) -> Product:
    """Staff block (reason required, the seller sees it) or unblock a product; audited."""
    if not staff.is_staff or action not in ("block", "unblock"):
        raise DomainError(_("You cannot do that."))
    product = db.session.scalar(select(Product).where(Product.id == product_id, Product.in_staff_scope(staff)))
    if product is None:
        raise DomainError(_("This product does not exist."))
    reason = (reason or "").strip() or None
    if action == "block" and not reason:
        raise ReasonRequired(_("Give a reason: the seller will see it."), "reason")
    _move(staff, product, action, reason)
    if action == "block":
        _notify_seller(
            product,
            lambda: _("Your product “%(name)s” has been blocked", name=product.name),
            lambda: _("The union has taken “%(name)s” off the storefront. Reason: %(reason)s", name=product.name, reason=reason),
        )
    else:
        _notify_seller(
            product,
            lambda: _("Your product “%(name)s” has been unblocked", name=product.name),
            lambda: _("“%(name)s” is no longer blocked. It is hidden: put it on sale again when ready.", name=product.name),
        )
    db.session.commit()
    return product


def ocop_queue(staff: User) -> list[Product]:
    """Products whose OCOP claim waits for verification, oldest change first."""
    if not staff.is_staff:
        return []
    query = (
        select(Product)
        .where(Product.ocop_status == OcopStatus.CLAIMED, Product.in_staff_scope(staff))
        .options(joinedload(Product.seller))
        .order_by(Product.updated_at, Product.id)
    )
    return list(db.session.scalars(query))


def decide_ocop(
    staff: User, product_id: int, verify: bool, reason: str | None = None, stars_seen: int | None = None
) -> Product:
    """Staff verify the claimed OCOP stars (then shown) or refuse them (reason required).

    `stars_seen` is the rating the staff member looked at: if the seller changed it since,
    the decision is refused rather than applied to a rating nobody checked.
    """
    if not staff.is_staff:
        raise DomainError(_("You cannot do that."))
    product = db.session.scalar(select(Product).where(Product.id == product_id, Product.in_staff_scope(staff)))
    if product is None:
        raise DomainError(_("This product does not exist."))
    if product.updated_by_id == staff.id:
        # She last changed the product while helping the seller (sellers.acting): the claim
        # may be hers, and the union does not check its own work.
        raise DomainError(_("You last changed this product for the seller: another staff member decides its OCOP claim."))
    reason = (reason or "").strip() or None
    if not verify and not reason:
        raise ReasonRequired(_("Give a reason: the seller will see it."), "reason")
    new_status = OcopStatus.VERIFIED if verify else OcopStatus.REFUSED
    condition = (Product.id == product.id) & (Product.ocop_status == OcopStatus.CLAIMED)
    if stars_seen is not None:
        condition &= Product.ocop_stars == stars_seen
    result = db.session.execute(update(Product).where(condition).values(ocop_status=new_status))
    if result.rowcount != 1:
        db.session.rollback()
        raise DomainError(_("There is no OCOP claim waiting on this product."))
    note_changed(Product, product.id)
    record_audit(staff.id, "product", product.id, "ocop_verified" if verify else "ocop_refused",
                 OcopStatus.CLAIMED, new_status, reason, detail=f"{product.ocop_stars} stars")
    _notify_seller(
        product,
        lambda: _("OCOP rating of “%(name)s”", name=product.name),
        (lambda: _("The union verified the %(stars)d-star OCOP rating of “%(name)s”; it is now shown.",
                   stars=product.ocop_stars, name=product.name))
        if verify else
        (lambda: _("The union could not verify the OCOP rating of “%(name)s”. Reason: %(reason)s",
                   name=product.name, reason=reason)),
    )
    db.session.commit()
    return product


def staff_products(staff: User, query_text: str = "", status: str | None = None, limit: int = 100) -> list[Product]:
    """Products in the staff member's scope, optionally matching a name, newest first."""
    if not staff.is_staff:
        return []
    query = (
        select(Product)
        .where(Product.in_staff_scope(staff))
        .options(joinedload(Product.seller))
        .order_by(Product.id.desc())
        .limit(limit)
    )
    if query_text:
        query = query.where(func.lower(Product.name).contains(query_text.strip().lower()))
    if status:
        query = query.where(Product.status == status)
    return list(db.session.scalars(query))


def seed_categories() -> int:
    """Create the starting category tree where missing (by slug); returns how many were added."""
    existing = set(db.session.scalars(select(Category.slug)))
    added = 0
    for position, (slug, name_vi, name_en, children) in enumerate(CATEGORIES):
        top = db.session.scalar(select(Category).where(Category.slug == slug))
        if top is None:
            top = Category(slug=slug, name_vi=name_vi, name_en=name_en, position=position)
            db.session.add(top)
            db.session.flush()
            added += 1
        for child_position, (child_slug, child_vi, child_en) in enumerate(children):
            if child_slug not in existing:
                db.session.add(Category(slug=child_slug, name_vi=child_vi, name_en=child_en,
                                        parent_id=top.id, position=child_position))
                added += 1
    db.session.commit()
    return added
