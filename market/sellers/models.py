"""A seller (cooperative, cooperative group, household business or start-up), its members,
documents and invitations, and the figures it reports."""
from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.accounts.models import User
from market.core import on_behalf
from market.core.clock import aware, utcnow
from market.extensions import db
from market.geo.provinces import get_by_code


class LegalForm(StrEnum):
    COOPERATIVE = "cooperative"
    COOPERATIVE_GROUP = "cooperative_group"
    HOUSEHOLD = "household"
    ENTERPRISE = "enterprise"


LEGAL_FORM_LABELS = {
    LegalForm.COOPERATIVE: _l("Cooperative"),
    LegalForm.COOPERATIVE_GROUP: _l("Cooperative group"),
    LegalForm.HOUSEHOLD: _l("Household business"),
    LegalForm.ENTERPRISE: _l("Enterprise / start-up"),
}
# A registration number is required of these forms only.
REGISTERED_FORMS = frozenset({LegalForm.COOPERATIVE, LegalForm.ENTERPRISE})


class LeaderRole(StrEnum):
    CHAIR = "chair"  # chair of the cooperative's board
    DIRECTOR = "director"
    MAJORITY_OWNER = "majority_owner"


LEADER_ROLE_LABELS = {
    LeaderRole.CHAIR: _l("Chair of the board"),
    LeaderRole.DIRECTOR: _l("Director"),
    LeaderRole.MAJORITY_OWNER: _l("Majority owner"),
}


class SellerStatus(StrEnum):
    DRAFT = "draft"
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    CHANGES_REQUESTED = "changes_requested"
    SUSPENDED = "suspended"


class Seller(db.Model):
    __tablename__ = "sellers"
    __table_args__ = (
        CheckConstraint(
            "status IN ('draft', 'pending', 'approved', 'rejected', 'changes_requested', 'suspended')",
            name="status_known",
        ),
        CheckConstraint(
            "legal_form IN ('cooperative', 'cooperative_group', 'household', 'enterprise')", name="legal_form_known"
        ),
        CheckConstraint(
            "women_members_count <= members_count AND women_workers_count <= workers_count", name="women_within_totals"
        ),
        CheckConstraint(
            "shipping_fee_vnd >= 0 AND (free_shipping_over_vnd IS NULL OR free_shipping_over_vnd > 0)",
            name="shipping_not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(90), unique=True)
    name: Mapped[str] = mapped_column(String(150))
    legal_form: Mapped[str] = mapped_column(String(20))
    registration_number: Mapped[str | None] = mapped_column(String(30), unique=True)
    province_code: Mapped[str] = mapped_column(String(2), index=True)
    commune_code: Mapped[str | None] = mapped_column(String(5))
    commune_name: Mapped[str] = mapped_column(String(100))
    street_address: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(20))
    story: Mapped[str] = mapped_column(Text, default="")
    logo_name: Mapped[str | None] = mapped_column(String(60))
    members_count: Mapped[int] = mapped_column(Integer, default=0)
    women_members_count: Mapped[int] = mapped_column(Integer, default=0)
    workers_count: Mapped[int] = mapped_column(Integer, default=0)
    women_workers_count: Mapped[int] = mapped_column(Integer, default=0)
    # The union's "women-led" criterion: a woman chairs/directs it or owns the majority.
    women_led: Mapped[bool] = mapped_column(Boolean, default=False)
    leader_name: Mapped[str] = mapped_column(String(120), default="")
    leader_role: Mapped[str | None] = mapped_column(String(20))
    leadership_statement: Mapped[str] = mapped_column(Text, default="")
    # Shipping the seller charges on each order: a flat fee, free from a threshold (if any).
    shipping_fee_vnd: Mapped[int] = mapped_column(Integer, default=30_000, server_default="30000")
    free_shipping_over_vnd: Mapped[int | None]

    status: Mapped[str] = mapped_column(String(20), default=SellerStatus.DRAFT, index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The version of the seller terms (market.pages, slug "seller-terms") its owner accepted
    # when applying; each acceptance is also a TermsAcceptance row of the user.
    terms_version: Mapped[int | None]

    memberships: Mapped[list["SellerMember"]] = relationship(
        back_populates="seller", cascade="all, delete-orphan", order_by="SellerMember.id"
    )
    documents: Mapped[list["SellerDocument"]] = relationship(
        back_populates="seller", cascade="all, delete-orphan", order_by="SellerDocument.id"
    )

    @classmethod
    def owned_by(cls, user):
        """SQL condition: `user` is a member of the seller (for get_owned_or_404)."""
        return cls.id.in_(member_seller_ids(user))

    @classmethod
    def in_staff_scope(cls, staff):
        """SQL condition: central staff see every submitted seller, provincial staff their
        province's; an unsubmitted draft belongs to its applicant alone."""
        submitted = cls.status != SellerStatus.DRAFT
        if not staff.is_staff:
            return false()
        if staff.staff_province_code is None:
            return submitted
        return submitted & (cls.province_code == staff.staff_province_code)

    @property
    def province(self):
        return get_by_code(self.province_code)

    @property
    def is_public(self) -> bool:
        """Shown on the storefront: approved and not suspended."""
        return self.status == SellerStatus.APPROVED

    @property
    def owner(self) -> User | None:
        return next((m.user for m in self.memberships if m.role == MemberRole.OWNER), None)

    def __repr__(self) -> str:
        return f"<Seller {self.id} {self.slug} {self.status}>"


def member_seller_ids(user):
    """Subquery: the id of the seller `user` belongs to (none or one).

    The one place where a staff member helping a seller with its consent counts as its
    member, for the request she acts in (`core.on_behalf`, set by `sellers.acting` after
    checking the consent): every "is this the member's?" of the seller area goes through
    here (`owned_by` of sellers and of every row with a `seller_id`, `seller_of`,
    `membership_of`)."""
    helped = on_behalf.seller_for(getattr(user, "id", None))
    if helped is not None:
        return select(Seller.id).where(Seller.id == helped).scalar_subquery()
    return select(SellerMember.seller_id).where(SellerMember.user_id == user.id).scalar_subquery()


class BelongsToSeller:
    """For rows with a `seller_id` (documents, products, enrolments, seller orders): who may
    reach them, as SQL conditions for get_owned_or_404 and get_in_scope_or_404."""

    @classmethod
    def owned_by(cls, user):
        """`user` is a member of the row's seller."""
        return cls.seller_id.in_(member_seller_ids(user))

    @classmethod
    def in_staff_scope(cls, staff):
        """The row's seller is one `staff` may see (their province, or all for central staff)."""
        return cls.seller_id.in_(select(Seller.id).where(Seller.in_staff_scope(staff)))


class MemberRole(StrEnum):
    OWNER = "owner"
    MEMBER = "member"


class SellerMember(db.Model):
    """A user acting for a seller. A user belongs to one seller at most."""

    __tablename__ = "seller_members"
    __table_args__ = (CheckConstraint("role IN ('owner', 'member')", name="role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    role: Mapped[str] = mapped_column(String(10), default=MemberRole.MEMBER)
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    seller: Mapped[Seller] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()


class DocumentKind(StrEnum):
    REGISTRATION_CERTIFICATE = "registration_certificate"
    PHOTO = "photo"
    OTHER = "other"


DOCUMENT_KIND_LABELS = {
    DocumentKind.REGISTRATION_CERTIFICATE: _l("Registration certificate"),
    DocumentKind.PHOTO: _l("Photo"),
    DocumentKind.OTHER: _l("Other document"),
}


class SellerDocument(BelongsToSeller, db.Model):
    """A supporting document; served only to the seller's members and to staff."""

    __tablename__ = "seller_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    stored_name: Mapped[str] = mapped_column(String(60), unique=True)
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    seller: Mapped[Seller] = relationship(back_populates="documents")



class SellerInvitation(db.Model):
    """An invitation for an email to join a seller; the link carries a signed token of its id."""

    __tablename__ = "seller_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    seller: Mapped[Seller] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])


class SellerFigures(db.Model):
    """The seller's own figures for one reporting period (history is kept, one row a period)."""

    __tablename__ = "seller_figures"
    __table_args__ = (
        UniqueConstraint("seller_id", "period_start", name="uq_seller_figures_period"),
        CheckConstraint("women_members >= 0 AND jobs_for_women >= 0", name="not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    period_start: Mapped[date] = mapped_column(Date)  # first day of the quarter reported
    women_members: Mapped[int]
    jobs_for_women: Mapped[int]
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    reported_by: Mapped[User | None] = relationship()


class SellerHelpGrant(db.Model):
    """A seller's owner lets the union help on the seller's behalf for a period: the staff of
    the seller's province (`staff_id` None) or one named staff member. In force from
    `starts_at` until `ends_at`, unless ended earlier (`ended_at`, by the owner) or ended
    when its period ran out (`ended_at` set, `ended_by_id` None: the owner was told then)."""

    __tablename__ = "seller_help_grants"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="period_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    seller: Mapped[Seller] = relationship()
    granted_by: Mapped[User | None] = relationship(foreign_keys=[granted_by_id])
    staff: Mapped[User | None] = relationship(foreign_keys=[staff_id])
    ended_by: Mapped[User | None] = relationship(foreign_keys=[ended_by_id])

    @property
    def closed_at(self) -> datetime:
        """When help stopped or stops: ended early, or the end of its period."""
        return aware(self.ended_at or self.ends_at)

    def in_force(self, now: datetime) -> bool:
        return self.ended_at is None and aware(self.starts_at) <= now < aware(self.ends_at)
