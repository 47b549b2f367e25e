"""Seller rules: applications and their review, members, documents, figures (invitations: `invitations`)."""
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import date
from functools import cache

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import bindparam, select
from sqlalchemy.orm import selectinload

from market.accounts.models import Role, User
from market.core import on_behalf, uploads
from market.core.audit import record_audit
from market.core.clock import utcnow
from market.core.domain import DomainError
from market.core.slugs import unique_slug
from market.core.states import change_status, review, status_label
from market.extensions import db
from market.geo.provinces import get_by_code
from market.geo.provinces import lookup as lookup_province
from market.geo.wards import find_ward
from market.pages import services as pages
from market.sellers import notices
from market.sellers.models import (
    REGISTERED_FORMS,
    DocumentKind,
    LeaderRole,
    LegalForm,
    MemberRole,
    Seller,
    SellerDocument,
    SellerFigures,
    SellerMember,
    SellerStatus,
    member_seller_ids,
)

MAX_COUNT = 100_000  # members or workers; more is a typing mistake for these sellers
MAX_DOCUMENTS = 10
STAFF_ACTIONS = ("approve", "reject", "request_changes", "suspend", "reinstate")
LOGO_AREA = "logos"
DOCUMENT_AREA = "seller-documents"


class ValidationFailed(DomainError):
    """Several fields are wrong at once; `errors` maps each field to its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(next(iter(errors.values())), next(iter(errors)))
        self.errors = errors


@dataclass
class ApplicationData:
    """What the applicant typed, already parsed by the form (phone in E.164)."""

    legal_form: str
    name: str
    province: str  # a current or pre-2025 province name, or its code
    commune: str = ""
    registration_number: str | None = None
    street_address: str = ""
    phone: str | None = None
    story: str = ""
    members_count: int | None = None
    women_members_count: int | None = None
    workers_count: int | None = None
    women_workers_count: int | None = None
    women_led: bool = False
    leader_name: str = ""
    leader_role: str | None = None
    leadership_statement: str = ""
    # The applicant ticked "I accept the seller terms" (required to submit).
    accepts_terms: bool = False


# --- finding sellers --------------------------------------------------------------------

def seller_of(user: User) -> Seller | None:
    """The seller `user` is a member of (or helps, in this request: `member_seller_ids`), if any."""
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(select(Seller).where(Seller.id.in_(member_seller_ids(user))))


@dataclass(frozen=True)
class HelperMembership:
    """A staff member helping a seller with its consent, seen by the seller area as a plain
    member (never the owner); not a row, so nothing of it is ever saved."""

    seller: Seller
    user: User
    role: str = MemberRole.MEMBER
    id: None = None

    @property
    def seller_id(self) -> int:
        return self.seller.id

    @property
    def user_id(self) -> int:
        return self.user.id


def membership_of(user: User) -> SellerMember | HelperMembership | None:
    """`user`'s membership of a seller; for a staff member helping a seller in this request,
    a stand-in plain membership of that seller."""
    if on_behalf.seller_for(user.id) is not None:
        seller = seller_of(user)
        return HelperMembership(seller, user) if seller is not None else None
    return db.session.scalar(select(SellerMember).where(SellerMember.user_id == user.id))


@cache
def _public_seller_by_slug():
    # Built once per process: building it (and its cache key, with the slug as a literal)
    # cost as much as running it, on every seller page.
    return select(Seller).where(Seller.slug == bindparam("slug"), Seller.status == SellerStatus.APPROVED)


def public_seller(slug: str) -> Seller | None:
    """An approved seller by slug; suspended, pending and rejected ones are not public."""
    return db.session.scalar(_public_seller_by_slug(), {"slug": slug})


def public_sellers() -> list[Seller]:
    """Every approved seller, by name."""
    return list(db.session.scalars(select(Seller).where(Seller.status == SellerStatus.APPROVED).order_by(Seller.name)))


def review_queue(staff: User) -> list[Seller]:
    """Pending applications the staff member may decide, oldest submission first."""
    query = (
        select(Seller)
        .where(Seller.status == SellerStatus.PENDING, Seller.in_staff_scope(staff))
        .order_by(Seller.submitted_at, Seller.id)
    )
    return list(db.session.scalars(query))


def load_for_review(seller_id: int) -> Seller:
    """A seller with its members and documents loaded (the caller checked scope)."""
    query = (
        select(Seller)
        .where(Seller.id == seller_id)
        .options(selectinload(Seller.memberships).joinedload(SellerMember.user), selectinload(Seller.documents))
    )
    return db.session.scalar(query)


# --- applications -----------------------------------------------------------------------

def _validate(data: ApplicationData, seller: Seller | None, submitting: bool) -> dict:
    """Check the rules; returns the column values to store, or raises ValidationFailed."""
    errors: dict[str, str] = {}
    values: dict = {}

    if data.legal_form not in set(LegalForm):
        errors["legal_form"] = _("Choose the legal form.")
    name = (data.name or "").strip()
    if not name:
        errors["name"] = _("Enter the seller's name.")
    province = get_by_code(data.province or "") or lookup_province(data.province or "")
    if province is None:
        errors["province"] = _("Choose a province or city from the list (old names are accepted).")
    else:
        values["province_code"] = province.code

    registration = (data.registration_number or "").strip().upper() or None
    if registration:
        taken = db.session.scalar(
            select(Seller.id).where(Seller.registration_number == registration, Seller.id != (seller.id if seller else 0))
        )
        if taken:
            errors["registration_number"] = _("Another seller is already registered with this number.")
    elif submitting and data.legal_form in REGISTERED_FORMS:
        errors["registration_number"] = _("A cooperative or enterprise must give its business registration number.")
    values["registration_number"] = registration

    commune = (data.commune or "").strip()
    values["commune_name"], values["commune_code"] = commune, None
    if commune and province is not None:
        ward = find_ward(province.code, commune)
        if ward is None:
            errors["commune"] = _("This commune or ward is not in %(province)s on the 2025 map.", province=province.name)
        else:
            values["commune_name"], values["commune_code"] = ward.name, ward.code

    counts = {
        "members_count": data.members_count,
        "women_members_count": data.women_members_count,
        "workers_count": data.workers_count,
        "women_workers_count": data.women_workers_count,
    }
    for field, value in counts.items():
        if value is not None and not 0 <= value <= MAX_COUNT:
            errors[field] = _("Enter a number between 0 and %(max)s.", max=f"{MAX_COUNT:,}".replace(",", "."))
        values[field] = value or 0
    if (data.women_members_count or 0) > (data.members_count or 0) and "women_members_count" not in errors:
        errors["women_members_count"] = _("Women members cannot be more than all members.")
    if (data.women_workers_count or 0) > (data.workers_count or 0) and "women_workers_count" not in errors:
        errors["women_workers_count"] = _("Women workers cannot be more than all workers.")

    if data.leader_role is not None and data.leader_role not in set(LeaderRole):
        errors["leader_role"] = _("Choose who leads the seller.")

    if submitting:
        required = {
            "commune": (commune, _("Enter the commune or ward.")),
            "street_address": (data.street_address, _("Enter the street address.")),
            "phone": (data.phone, _("Enter a phone number.")),
            "story": (data.story, _("Tell shoppers your story.")),
            "members_count": (data.members_count, _("Enter the number of members.")),
            "leader_name": (data.leader_name, _("Enter the name of the woman who leads the seller.")),
            "leader_role": (data.leader_role, _("Choose who leads the seller.")),
            "leadership_statement": (data.leadership_statement, _("Say in a few words how women lead the seller.")),
        }
        for field, (value, message) in required.items():
            if field not in errors and (value is None or (isinstance(value, str) and not value.strip())):
                errors[field] = message
        if not data.women_led:
            errors["women_led"] = _(
                "This marketplace is for women-led sellers: a woman must chair or direct it, or own the majority."
            )

    if errors:
        raise ValidationFailed(errors)
    values.update(
        legal_form=data.legal_form,
        name=name,
        street_address=(data.street_address or "").strip(),
        phone=data.phone or "",
        story=(data.story or "").strip(),
        women_led=bool(data.women_led),
        leader_name=(data.leader_name or "").strip(),
        leader_role=data.leader_role,
        leadership_statement=(data.leadership_statement or "").strip(),
    )
    return values


def save_application(
    user: User,
    data: ApplicationData,
    submit: bool = False,
    logo=None,
    documents: list[tuple[str, object]] = (),
) -> Seller:
    """Create or update the user's application, optionally submitting it for review.

    A user with no seller starts one as its owner. An application can be edited while it
    is a draft or after staff requested changes. Files are checked and stored before the
    transaction and removed again if anything fails, so bad input stores nothing.
    Raises ValidationFailed (per field) or DomainError.
    """
    if user.role == Role.STAFF:
        raise DomainError(_("Union staff accounts cannot apply as sellers."))
    seller = seller_of(user)
    if seller is not None:
        if membership_of(user).role != MemberRole.OWNER:
            raise DomainError(_("Only the owner can edit the application."))
        if seller.status not in (SellerStatus.DRAFT, SellerStatus.CHANGES_REQUESTED):
            raise DomainError(_("The application can no longer be edited: it is %(status)s.", status=status_label(seller.status)))
    submitting = submit
    values = _validate(data, seller, submitting)
    if submitting and not data.accepts_terms:
        raise ValidationFailed({"accept_terms": _("Read the seller terms and tick the box to accept them.")})
    existing_documents = len(seller.documents) if seller else 0
    if existing_documents + len(documents) > MAX_DOCUMENTS:
        raise ValidationFailed({"documents": _("At most %(count)d documents.", count=MAX_DOCUMENTS)})
    if submitting:
        has_certificate = any(kind == DocumentKind.REGISTRATION_CERTIFICATE for kind, _file in documents) or (
            seller is not None and any(d.kind == DocumentKind.REGISTRATION_CERTIFICATE for d in seller.documents)
        )
        if values["legal_form"] in REGISTERED_FORMS and not has_certificate:
            raise ValidationFailed({"certificate": _("Attach the business registration certificate.")})

    stored = _store_files(logo, documents)
    with _files_follow_the_transaction(stored):
        if seller is None:
            seller = Seller(slug=unique_slug(Seller.slug, values["name"]), status=SellerStatus.DRAFT, **values)
            seller.memberships.append(SellerMember(user_id=user.id, role=MemberRole.OWNER))
            db.session.add(seller)
            if user.role == Role.SHOPPER:
                user.role = Role.SELLER
            db.session.flush()
            record_audit(user.id, "seller", seller.id, "created", None, SellerStatus.DRAFT)
        else:
            for key, value in values.items():
                setattr(seller, key, value)
        _attach_files(seller, user, stored)
        db.session.flush()
        if submitting:
            old, new = change_status(seller, "submit", submitted_at=utcnow(), status_reason=None)
            # The seller terms in effect now are the ones the applicant read and accepted.
            seller.terms_version = pages.current_version(pages.SELLER_TERMS)
            pages.record_acceptance(user, pages.SELLER_TERMS, seller.terms_version)
            record_audit(user.id, "seller", seller.id, "submit", old, new)
            notices.application_received(user, seller)
        db.session.commit()
    return seller


@contextmanager
def _files_follow_the_transaction(stored: dict):
    """Remove the files just stored if the transaction fails; once it commits, remove the
    logo they replaced."""
    try:
        yield
    except Exception:
        db.session.rollback()
        _delete_files(stored)
        raise
    if stored.get("old_logo"):
        uploads.delete_stored(LOGO_AREA, stored["old_logo"])


def _store_files(logo, documents) -> dict:
    """Store the uploads; on a bad file remove what was stored and raise ValidationFailed."""
    stored: dict = {"logo": None, "documents": []}
    field = "logo"
    try:
        if logo is not None:
            stored["logo"] = uploads.store_image(logo, LOGO_AREA, max_bytes=current_app.config["LOGO_MAX_BYTES"])
        for kind, file in documents:
            field = "certificate" if kind == DocumentKind.REGISTRATION_CERTIFICATE else "documents"
            if kind not in set(DocumentKind):
                raise uploads.UploadError(_("Unknown kind of document."))
            document = uploads.store_document(file, DOCUMENT_AREA, max_bytes=current_app.config["DOCUMENT_MAX_BYTES"])
            stored["documents"].append((kind, document))
    except uploads.UploadError as error:
        _delete_files(stored)
        raise ValidationFailed({field: str(error)}) from None
    return stored


def _attach_files(seller: Seller, user: User, stored: dict) -> None:
    if stored["logo"] is not None:
        stored["old_logo"] = seller.logo_name
        seller.logo_name = stored["logo"].stored_name
    for kind, document in stored["documents"]:
        seller.documents.append(
            SellerDocument(
                kind=kind,
                stored_name=document.stored_name,
                original_name=document.original_name,
                content_type=document.content_type,
                size=document.size,
                uploaded_by_id=user.id,
            )
        )


def _delete_files(stored: dict) -> None:
    if stored.get("logo") is not None:
        uploads.delete_stored(LOGO_AREA, stored["logo"].stored_name)
    for _kind, document in stored.get("documents", []):
        uploads.delete_stored(DOCUMENT_AREA, document.stored_name)


def delete_document(user: User, document_id: int) -> None:
    """Remove a supporting document while the application can still be edited (owner only)."""
    document = db.session.scalar(
        select(SellerDocument).where(SellerDocument.id == document_id, SellerDocument.owned_by(user))
    )
    if document is None:
        raise DomainError(_("This document does not exist."))
    seller = document.seller
    if membership_of(user).role != MemberRole.OWNER:
        raise DomainError(_("Only the owner can edit the application."))
    if seller.status not in (SellerStatus.DRAFT, SellerStatus.CHANGES_REQUESTED):
        raise DomainError(_("Documents can no longer be changed: the application is %(status)s.", status=status_label(seller.status)))
    stored_name = document.stored_name
    db.session.delete(document)
    record_audit(user.id, "seller", seller.id, "document_removed", detail=document.original_name[:300])
    db.session.commit()
    uploads.delete_stored(DOCUMENT_AREA, stored_name)


# --- staff review -------------------------------------------------------------------------

def _decision_text(action: str, name: str, reason: str) -> str:
    """What the owner is told about a decision, in the current locale."""
    texts = {
        "approve": lambda: _("Your seller “%(name)s” has been approved. You can now list products.", name=name),
        "reject": lambda: _("Your application for “%(name)s” has been rejected. Reason: %(reason)s", name=name, reason=reason),
        "request_changes": lambda: _(
            "The union asks for changes to your application for “%(name)s”: %(reason)s", name=name, reason=reason
        ),
        "suspend": lambda: _(
            "Your seller “%(name)s” has been suspended; its products are off the storefront. Reason: %(reason)s",
            name=name,
            reason=reason,
        ),
        "reinstate": lambda: _(
            "Your seller “%(name)s” has been reinstated; its products are back on the storefront.", name=name
        ),
    }
    return texts[action]()


def decide(staff: User, seller_id: int, action: str, reason: str | None = None) -> Seller:
    """A staff decision on a seller: approve, reject, request changes, suspend or reinstate.

    Provincial staff may decide only their province's sellers. Reject, request changes and
    suspend need a reason, which the applicant sees. Writes an audit row and notifies the
    owner (account message and email) in the same transaction.
    """
    if not staff.is_staff or action not in STAFF_ACTIONS:
        raise DomainError(_("You cannot take this decision."))
    seller = db.session.scalar(select(Seller).where(Seller.id == seller_id, Seller.in_staff_scope(staff)))
    if seller is None:
        raise DomainError(_("You cannot take this decision."))
    _old, new = review(staff.id, seller, "seller", action, reason, decided_at=utcnow())
    owner = seller.owner
    if owner is not None:
        with force_locale(owner.locale or "vi"):
            subject = _("Decision on your seller: %(status)s", status=status_label(new))
            body = _decision_text(action, seller.name, (reason or "").strip())
        notices.decision_told(owner, seller, action, subject, body, reason)
    db.session.commit()
    return seller


# --- members ------------------------------------------------------------------------------

def owner_seller(owner: User) -> Seller:
    membership = membership_of(owner)
    if membership is None or membership.role != MemberRole.OWNER:
        raise DomainError(_("Only the owner can manage members."))
    return membership.seller


def remove_member(owner: User, member_id: int) -> None:
    """The owner removes a member (never themself); the user becomes a shopper again."""
    seller = owner_seller(owner)
    membership = db.session.scalar(
        select(SellerMember).where(SellerMember.id == member_id, SellerMember.seller_id == seller.id)
    )
    if membership is None:
        raise DomainError(_("This member does not exist."))
    if membership.role == MemberRole.OWNER:
        raise DomainError(_("The owner cannot be removed."))
    user = membership.user
    db.session.delete(membership)
    user.role = Role.SHOPPER
    record_audit(owner.id, "seller", seller.id, "member_removed", detail=user.email)
    db.session.commit()


# --- profile and figures ------------------------------------------------------------------

PROFILE_FIELDS = (
    "commune", "street_address", "phone", "story", "members_count", "women_members_count",
    "workers_count", "women_workers_count", "leader_name", "leader_role", "leadership_statement",
)


def update_profile(owner: User, data: ApplicationData, logo=None) -> Seller:
    """The owner edits an approved seller's public profile (name, form, registration and
    province stay as the union approved them)."""
    seller = owner_seller(owner)
    if seller.status not in (SellerStatus.APPROVED, SellerStatus.SUSPENDED):
        raise DomainError(_("Edit the application instead: the seller is not approved yet."))
    fixed = {"legal_form": seller.legal_form, "name": seller.name, "province": seller.province_code,
             "registration_number": seller.registration_number, "women_led": seller.women_led}
    merged = ApplicationData(**{**{f.name: getattr(data, f.name) for f in fields(ApplicationData)}, **fixed})
    values = _validate(merged, seller, submitting=True)
    stored = _store_files(logo, [])
    with _files_follow_the_transaction(stored):
        was_complete = _profile_complete(seller)
        for key in PROFILE_FIELDS:
            column = "commune_name" if key == "commune" else key
            setattr(seller, column, values[column])
        seller.commune_code = values["commune_code"]
        _attach_files(seller, owner, stored)
        # The save that completes the profile says so: the seller's first steps date it from here.
        completed = not was_complete and _profile_complete(seller)
        record_audit(owner.id, "seller", seller.id, "profile_updated", detail=PROFILE_COMPLETED if completed else None)
        db.session.commit()
    return seller


# The detail of the "profile_updated" audit row of the save that gave the profile its last
# missing part (read back by market.sellers.first_steps).
PROFILE_COMPLETED = "profile complete: story and logo"


def _profile_complete(seller: Seller) -> bool:
    """A story and a logo: the first of a new seller's first steps."""
    return bool((seller.story or "").strip() and seller.logo_name)


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def report_figures(member: User, women_members: int, jobs_for_women: int, today: date) -> SellerFigures:
    """Record the seller's figures for the current quarter (replacing an earlier report of
    the same quarter; earlier quarters are kept as history)."""
    membership = membership_of(member)
    if membership is None:
        raise DomainError(_("You are not a member of a seller."))
    for field, value in (("women_members", women_members), ("jobs_for_women", jobs_for_women)):
        if value is None or not 0 <= value <= MAX_COUNT:
            raise ValidationFailed({field: _("Enter a number between 0 and %(max)s.", max=f"{MAX_COUNT:,}".replace(",", "."))})
    period = quarter_start(today)
    figures = db.session.scalar(
        select(SellerFigures).where(SellerFigures.seller_id == membership.seller_id, SellerFigures.period_start == period)
    )
    if figures is None:
        figures = SellerFigures(seller_id=membership.seller_id, period_start=period)
        db.session.add(figures)
    figures.women_members = women_members
    figures.jobs_for_women = jobs_for_women
    figures.reported_by_id = member.id
    figures.reported_at = utcnow()
    record_audit(member.id, "seller", membership.seller_id, "figures_reported",
                 detail=f"{period.isoformat()}: women members {women_members}, jobs for women {jobs_for_women}")
    db.session.commit()
    return figures


def figures_history(seller_id: int) -> list[SellerFigures]:
    query = select(SellerFigures).where(SellerFigures.seller_id == seller_id).order_by(SellerFigures.period_start.desc())
    return list(db.session.scalars(query))
