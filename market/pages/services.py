"""The public pages' versions and the acceptance of versioned terms.

A page is shown at its newest version (highest number) whose effective date has come, in the
marketplace's time zone. Version 1 of each page ships in code (`market.pages.defaults`) and is
in effect until central staff save a version of their own (2, 3, ...): a saved version is
never edited, the next edit is a new version.

Who must accept the seller terms is known above this package (sellers): create_app hands
that down with `register_terms_party` (see `needs_acceptance`).
"""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from market.accounts.models import User
from market.core.audit import record_audit
from market.core.clock import utcnow
from market.core.domain import DomainError
from market.extensions import db
from market.pages import defaults
from market.pages.guides import GUIDE_SLUGS, GUIDES, HOW_TO_BUY
from market.pages.models import PageVersion, TermsAcceptance

SELLER_TERMS = "seller-terms"
# The rules and policies, read at /pages/<slug>; the first four are in the footer.
LEGAL_SLUGS = ("rules", "privacy", "returns", "contact", SELLER_TERMS)
FOOTER_SLUGS = ("rules", "privacy", "returns", "contact")
# Every page central staff edit, in the order their list shows them: the rules and policies,
# the shoppers' "How to buy" (/how-to-buy) and the sellers' guides (/sell/help/<topic>).
SLUGS = LEGAL_SLUGS + (HOW_TO_BUY,) + GUIDE_SLUGS
PAGE_LABELS = {
    "rules": _l("Operating rules"),
    "privacy": _l("Privacy policy"),
    "returns": _l("Returns and complaints"),
    "contact": _l("Contact"),
    SELLER_TERMS: _l("Seller terms"),
    HOW_TO_BUY: _l("How to buy"),
    **{guide.slug: guide.label for guide in GUIDES},
}
MAX_TITLE = 150
MAX_BODY = 60_000
MAX_NOTE = 300


@dataclass(frozen=True)
class Page:
    """One version of a page as shown (a saved version or the shipped version 1)."""

    slug: str
    version: int
    title_vi: str
    title_en: str
    body_vi: str
    body_en: str
    effective_on: date
    change_note: str = ""
    created_by: User | None = None
    shipped: bool = False  # the default text in code, not a saved row

    def title(self, locale: str) -> str:
        return self.title_en if locale == "en" else self.title_vi

    def body(self, locale: str) -> str:
        return self.body_en if locale == "en" else self.body_vi


@dataclass
class PageData:
    """What central staff typed for a new version."""

    title_vi: str
    title_en: str
    body_vi: str
    body_en: str
    effective_on: date
    change_note: str = ""


def local_today() -> date:
    """Today in the marketplace's time zone (Vietnam), from the one clock."""
    return utcnow().astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def _from_row(row: PageVersion) -> Page:
    return Page(
        slug=row.slug, version=row.version, title_vi=row.title_vi, title_en=row.title_en, body_vi=row.body_vi,
        body_en=row.body_en, effective_on=row.effective_on, change_note=row.change_note or "",
        created_by=row.created_by,
    )


def _shipped(slug: str) -> Page:
    text = defaults.shipped_page(slug)
    return Page(slug=slug, version=1, effective_on=defaults.EFFECTIVE_ON, shipped=True, **text)


def _check_slug(slug: str) -> None:
    if slug not in SLUGS:
        raise DomainError(_("There is no such page."))


def current_page(slug: str, today: date | None = None) -> Page:
    """The version of `slug` in effect today. Raises DomainError for an unknown page."""
    _check_slug(slug)
    today = today or local_today()
    row = db.session.scalar(
        select(PageVersion)
        .where(PageVersion.slug == slug, PageVersion.effective_on <= today)
        .order_by(PageVersion.version.desc())
        .limit(1)
    )
    return _from_row(row) if row is not None else _shipped(slug)


def current_version(slug: str, today: date | None = None) -> int:
    return current_page(slug, today).version


def current_pages(today: date | None = None, slugs: tuple[str, ...] = SLUGS) -> list[Page]:
    """The pages `slugs` (every page by default: the staff list) at the version in effect,
    in that order, read in one query."""
    for slug in slugs:
        _check_slug(slug)
    today = today or local_today()
    newest: dict[str, PageVersion] = {}
    rows = db.session.scalars(
        select(PageVersion)
        .where(PageVersion.slug.in_(slugs), PageVersion.effective_on <= today)
        .options(selectinload(PageVersion.created_by))
        .order_by(PageVersion.slug, PageVersion.version.desc())
    )
    for row in rows:
        newest.setdefault(row.slug, row)
    return [_from_row(newest[slug]) if slug in newest else _shipped(slug) for slug in slugs]


def page_history(slug: str) -> list[Page]:
    """Every version of `slug`, newest first, the shipped version 1 last."""
    _check_slug(slug)
    rows = db.session.scalars(
        select(PageVersion).where(PageVersion.slug == slug).options(selectinload(PageVersion.created_by))
        .order_by(PageVersion.version.desc())
    ).all()
    return [_from_row(row) for row in rows] + [_shipped(slug)]


def scheduled_versions(slug: str, today: date | None = None) -> list[Page]:
    """Saved versions whose effective date has not come yet (they will replace the current one)."""
    today = today or local_today()
    current = current_version(slug, today)
    return [page for page in page_history(slug) if page.version > current and page.effective_on > today]


def scheduled_by_slug(pages: list[Page], today: date | None = None) -> dict[str, list[Page]]:
    """For each of `pages` (at their version in effect), its saved versions still to come,
    newest first, read in one query (the staff list)."""
    today = today or local_today()
    current = {page.slug: page.version for page in pages}
    rows = db.session.scalars(
        select(PageVersion).where(PageVersion.slug.in_(current), PageVersion.effective_on > today)
        .order_by(PageVersion.version.desc())
    )
    coming: dict[str, list[Page]] = {slug: [] for slug in current}
    for row in rows:
        if row.version > current[row.slug]:
            coming[row.slug].append(_from_row(row))
    return coming


def save_version(staff: User, slug: str, data: PageData, today: date | None = None) -> PageVersion:
    """Save `data` as the next version of `slug` (central staff only; audited).

    The effective date is today or later; until it comes the page keeps its current version.
    Raises DomainError (with the field it belongs to)."""
    _check_slug(slug)
    if not staff.is_central_staff:
        raise DomainError(_("Only central staff may change the marketplace's pages."))
    today = today or local_today()
    values = {
        "title_vi": (data.title_vi or "").strip(),
        "title_en": (data.title_en or "").strip(),
        "body_vi": (data.body_vi or "").strip().replace("\r\n", "\n"),
        "body_en": (data.body_en or "").strip().replace("\r\n", "\n"),
    }
    for field, value in values.items():
        if not value:
            raise DomainError(_("This field is required."), field)
        limit = MAX_TITLE if field.startswith("title") else MAX_BODY
        if len(value) > limit:
            raise DomainError(_("At most %(count)d characters.", count=limit), field)
    note = (data.change_note or "").strip()
    if len(note) > MAX_NOTE:
        raise DomainError(_("At most %(count)d characters.", count=MAX_NOTE), "change_note")
    if data.effective_on is None or data.effective_on < today:
        raise DomainError(_("The effective date must be today or later."), "effective_on")
    latest = db.session.scalar(select(func.max(PageVersion.version)).where(PageVersion.slug == slug)) or 1
    version = PageVersion(
        slug=slug, version=latest + 1, effective_on=data.effective_on, change_note=note,
        created_by_id=staff.id, **values,
    )
    db.session.add(version)
    try:
        db.session.flush()
    except IntegrityError:
        # Someone else saved a version of this page at the same moment.
        db.session.rollback()
        raise DomainError(_("Another version of this page was just saved. Read it, then save yours again.")) from None
    record_audit(
        staff.id, "page", version.id, "page_saved", reason=note or None,
        detail=f"{slug} v{version.version}, {data.effective_on.isoformat()}",
    )
    db.session.commit()
    return version


# --- accepting versioned terms ---------------------------------------------------------------

# slug -> function(user) giving the version the user is taken to have accepted when she has no
# acceptance of her own, or None when these terms do not bind her (registered from create_app).
_parties: dict[str, Callable[[User], int | None]] = {}


def register_terms_party(slug: str, baseline: Callable[[User], int | None]) -> None:
    _parties[slug] = baseline


def latest_accepted(user: User, slug: str) -> int | None:
    """The newest version of `slug` the user accepted herself, if any."""
    return db.session.scalar(
        select(func.max(TermsAcceptance.version)).where(TermsAcceptance.user_id == user.id, TermsAcceptance.slug == slug)
    )


def bound_by(user: User, slug: str = SELLER_TERMS) -> bool:
    baseline = _parties.get(slug)
    return user is not None and user.is_authenticated and baseline is not None and baseline(user) is not None


def needs_acceptance(user: User, slug: str = SELLER_TERMS, today: date | None = None) -> bool:
    """True when the terms bind the user and a version newer than the one she accepted is in
    effect. Without an acceptance of her own she stands at her baseline (for the seller terms:
    the version her seller accepted when applying, or 1 for sellers approved before the terms
    were asked for)."""
    baseline = _parties.get(slug)
    if user is None or not user.is_authenticated or baseline is None:
        return False
    held = baseline(user)
    if held is None:
        return False
    accepted = latest_accepted(user, slug) or held
    return current_version(slug, today) > accepted


def record_acceptance(user: User, slug: str, version: int) -> TermsAcceptance:
    """Add the acceptance to the caller's transaction (the caller commits)."""
    acceptance = TermsAcceptance(user_id=user.id, slug=slug, version=version, accepted_at=utcnow())
    db.session.add(acceptance)
    return acceptance


def accept_terms(user: User, slug: str, version: int, today: date | None = None) -> TermsAcceptance:
    """The user accepts `version` of `slug`: it must be the version in effect (she read that
    one). Raises DomainError."""
    _check_slug(slug)
    if not bound_by(user, slug):
        raise DomainError(_("These terms are for members of approved sellers."))
    if version != current_version(slug, today):
        raise DomainError(_("The terms have changed since you opened them. Read the version below and accept it."))
    acceptance = record_acceptance(user, slug, version)
    db.session.commit()
    return acceptance
