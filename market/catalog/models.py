"""Categories, products and their photos."""
from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.core.clock import utcnow
from market.core.i18n import localised
from market.extensions import db
from market.sellers.models import BelongsToSeller, Seller, SellerStatus

MAX_PRICE_VND = 1_000_000_000  # a sane ceiling: nothing sold here costs a billion đồng
MAX_STOCK = 1_000_000
MAX_PHOTOS = 8


class Category(db.Model):
    """A two-level tree: top categories and their sub-categories."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="RESTRICT"), index=True)
    slug: Mapped[str] = mapped_column(String(90), unique=True)
    name_vi: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)

    parent: Mapped["Category | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Category"]] = relationship(back_populates="parent", order_by="Category.position")

    @property
    def name(self) -> str:
        return localised(self.name_vi, self.name_en)


class ProductStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    HIDDEN = "hidden"
    BLOCKED = "blocked"


PRODUCT_STATUS_LABELS = {
    ProductStatus.DRAFT: _l("draft"),
    ProductStatus.ACTIVE: _l("on sale"),
    ProductStatus.HIDDEN: _l("hidden"),
    ProductStatus.BLOCKED: _l("blocked"),
}

# The units every seller can choose; central staff add more (`Unit`, below). Codes are stored
# on products and order lines, so a code never changes meaning.
UNITS = {
    "kg": _l("kg"),
    "g": _l("gram"),
    "box": _l("box"),
    "bottle": _l("bottle"),
    "jar": _l("jar"),
    "bag": _l("bag"),
    "pack": _l("pack"),
    "piece": _l("piece"),
    "set": _l("set"),
    "metre": _l("metre"),
    "litre": _l("litre"),
    "bunch": _l("bunch"),
    "fruit": _l("fruit"),
    "head": _l("head"),
    "tray": _l("tray"),
    "ten": _l("ten"),
}


class Unit(db.Model):
    """A selling unit central staff added to the built-in ones (`UNITS`)."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name_vi: Mapped[str] = mapped_column(String(30))
    name_en: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def name(self) -> str:
        return localised(self.name_vi, self.name_en)


class StashedPhoto(db.Model):
    """A photo a member chose on a product form that was sent back with an error: kept for a
    short while, for that member only, so the form can show it again and the save use it."""

    __tablename__ = "stashed_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(40), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    width: Mapped[int]
    height: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class OcopStatus(StrEnum):
    NONE = "none"
    CLAIMED = "claimed"  # the seller says so; not shown until staff verify
    VERIFIED = "verified"
    REFUSED = "refused"


OCOP_STATUS_LABELS = {
    OcopStatus.NONE: _l("none"),
    OcopStatus.CLAIMED: _l("waiting for the union's check"),
    OcopStatus.VERIFIED: _l("verified"),
    OcopStatus.REFUSED: _l("not verified"),
}


class Product(BelongsToSeller, db.Model):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint(f"price_vnd > 0 AND price_vnd <= {MAX_PRICE_VND}", name="price_in_range"),
        CheckConstraint("compare_at_price_vnd IS NULL OR compare_at_price_vnd > price_vnd", name="compare_above_price"),
        CheckConstraint(f"stock >= 0 AND stock <= {MAX_STOCK}", name="stock_in_range"),
        CheckConstraint("status IN ('draft', 'active', 'hidden', 'blocked')", name="status_known"),
        CheckConstraint("ocop_stars IS NULL OR ocop_stars BETWEEN 3 AND 5", name="ocop_stars_known"),
        CheckConstraint("ocop_status IN ('none', 'claimed', 'verified', 'refused')", name="ocop_status_known"),
        # The storefront's listings: active products by category or seller, newest first.
        Index("ix_products_listing", "status", "category_id", "published_at"),
        Index("ix_products_seller_status", "seller_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="RESTRICT"))
    slug: Mapped[str] = mapped_column(String(110), unique=True)
    name: Mapped[str] = mapped_column(String(150))
    description: Mapped[str] = mapped_column(Text, default="")
    price_vnd: Mapped[int]
    compare_at_price_vnd: Mapped[int | None]
    stock: Mapped[int] = mapped_column(Integer, default=0)
    unit: Mapped[str] = mapped_column(String(20))
    weight_grams: Mapped[int] = mapped_column(Integer, default=0)
    origin_province_code: Mapped[str] = mapped_column(String(2))
    ocop_stars: Mapped[int | None]
    ocop_status: Mapped[str] = mapped_column(String(10), default=OcopStatus.NONE)
    ocop_certificate_name: Mapped[str | None] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(10), default=ProductStatus.DRAFT)
    status_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    seller: Mapped[Seller] = relationship()
    category: Mapped[Category] = relationship()
    images: Mapped[list["ProductImage"]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="ProductImage.position"
    )


    @classmethod
    def visible(cls):
        """SQL condition: shown on the storefront (active, of an approved seller)."""
        return (cls.status == ProductStatus.ACTIVE) & cls.seller_id.in_(
            select(Seller.id).where(Seller.status == SellerStatus.APPROVED)
        )

    @property
    def main_image(self) -> "ProductImage | None":
        return self.images[0] if self.images else None

    @property
    def shown_ocop_stars(self) -> int | None:
        """OCOP stars are shown only once staff verified the certificate."""
        return self.ocop_stars if self.ocop_status == OcopStatus.VERIFIED else None


class ProductImage(db.Model):
    """A product photo, stored as resized variants under one server-chosen token."""

    __tablename__ = "product_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    token: Mapped[str] = mapped_column(String(40), unique=True)
    width: Mapped[int]
    height: Mapped[int]
    # When the photo was added (a new seller's first steps date "first product with a photo"
    # by it). Photos from before migration 0016 carry their product's creation.
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=utcnow)

    product: Mapped[Product] = relationship(back_populates="images")
