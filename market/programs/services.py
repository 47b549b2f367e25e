"""Program rules: managing programs, eligibility, enrolment and its review, program figures."""
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from market.accounts.models import User
from market.accounts.services import notify
from market.core.audit import record_audit
from market.core.clock import utcnow
from market.core.days import start_of_day
from market.core.domain import DomainError
from market.core.i18n import localised
from market.core.kept_data import kept
from market.core.slugs import unique_slug
from market.core.states import change_status, review, status_label
from market.core.urls import site_path
from market.extensions import db
from market.geo.provinces import get_by_code
from market.programs.models import Enrolment, Metric, Program, ProgramTarget
from market.sellers.models import LEGAL_FORM_LABELS, LegalForm, Seller, SellerFigures, SellerStatus
from market.sellers.services import MAX_COUNT, ValidationFailed, membership_of, quarter_start

STAFF_ACTIONS = ("approve", "reject", "request_changes", "suspend", "reinstate")


@dataclass
class ProgramData:
    name_vi: str
    name_en: str
    badge_vi: str
    badge_en: str
    starts_on: date
    ends_on: date | None = None
    description_vi: str = ""
    description_en: str = ""
    legal_forms: list[str] = field(default_factory=list)
    province_codes: list[str] = field(default_factory=list)
    women_led_required: bool = True
    commission_rate_bp: int = 0
    featured: bool = False
    targets: dict[str, int] = field(default_factory=dict)  # metric -> target value
    targets_due_on: date | None = None


# --- reading ----------------------------------------------------------------------------

def all_programs() -> list[Program]:
    """Every program, featured first, then by start date."""
    query = select(Program).options(selectinload(Program.targets)).order_by(Program.featured.desc(), Program.starts_on, Program.id)
    return list(db.session.scalars(query))


def open_programs(today: date) -> list[Program]:
    """The programs open on `today` (started, not ended), lowest commission first: what a
    seller could join now, for the page that invites sellers."""
    query = (
        select(Program)
        .where(Program.starts_on <= today, (Program.ends_on.is_(None)) | (Program.ends_on >= today))
        .order_by(Program.commission_rate_bp, Program.featured.desc(), Program.id)
    )
    return list(db.session.scalars(query))


def program_by_slug(slug: str) -> Program | None:
    return db.session.scalar(select(Program).where(Program.slug == slug).options(selectinload(Program.targets)))


def enrolled_sellers(program: Program) -> list[Seller]:
    """Public sellers with an approved enrolment in the program, by name."""
    query = (
        select(Seller)
        .join(Enrolment, Enrolment.seller_id == Seller.id)
        .where(Enrolment.program_id == program.id, Enrolment.status == "approved", Seller.status == SellerStatus.APPROVED)
        .order_by(Seller.name)
    )
    return list(db.session.scalars(query))


@dataclass(frozen=True, slots=True)
class Badge:
    """What a storefront shows of a program a seller is enrolled in (kept per worker)."""

    id: int
    slug: str
    name_vi: str
    name_en: str
    badge_vi: str
    badge_en: str

    @property
    def name(self) -> str:
        return localised(self.name_vi, self.name_en)

    @property
    def badge(self) -> str:
        return localised(self.badge_vi, self.badge_en)


def _read_badges() -> dict[int, tuple[Badge, ...]]:
    query = (
        select(Enrolment.seller_id, Program.id, Program.slug, Program.name_vi, Program.name_en, Program.badge_vi,
               Program.badge_en)
        .join(Program, Program.id == Enrolment.program_id)
        .where(Enrolment.status == "approved")
        .order_by(Program.id)
    )
    badges: dict[int, list[Badge]] = {}
    for seller_id, *program in db.session.execute(query):
        badges.setdefault(seller_id, []).append(Badge(*program))
    return {seller_id: tuple(found) for seller_id, found in badges.items()}


def badges_of(seller_ids) -> dict[int, tuple[Badge, ...]]:
    """The programs each seller is enrolled in (approved), for a whole page.

    Every seller's badges are read at once and kept per worker (core/kept_data.py): there
    are a handful per seller, and they change only when staff decide an enrolment.
    """
    every = kept("program_badges", (Enrolment.__tablename__, Program.__tablename__), _read_badges)
    return {seller_id: every[seller_id] for seller_id in seller_ids if seller_id in every}


def _read_programs() -> dict[int, Badge]:
    query = select(Program.id, Program.slug, Program.name_vi, Program.name_en, Program.badge_vi, Program.badge_en)
    return {row.id: Badge(*row) for row in db.session.execute(query)}


def programs_by_id() -> dict[int, Badge]:
    """Every program's names and badge by id (search facets' labels), kept per worker."""
    return kept("program_names", (Program.__tablename__,), _read_programs)


def enrolments_of(seller: Seller) -> dict[int, Enrolment]:
    """The seller's enrolments by program id."""
    query = select(Enrolment).where(Enrolment.seller_id == seller.id)
    return {enrolment.program_id: enrolment for enrolment in db.session.scalars(query)}


def enrolment_queue(staff: User, program: Program | None = None) -> list[Enrolment]:
    """Pending enrolments the staff member may decide, oldest first."""
    query = (
        select(Enrolment)
        .where(Enrolment.status == "pending", Enrolment.in_staff_scope(staff))
        .options(joinedload(Enrolment.seller), joinedload(Enrolment.program))
        .order_by(Enrolment.created_at, Enrolment.id)
    )
    if program is not None:
        query = query.where(Enrolment.program_id == program.id)
    return list(db.session.scalars(query))


def enrolments_in_scope(staff: User, program: Program) -> list[Enrolment]:
    query = (
        select(Enrolment)
        .where(Enrolment.program_id == program.id, Enrolment.in_staff_scope(staff))
        .options(joinedload(Enrolment.seller))
        .order_by(Enrolment.status, Enrolment.created_at)
    )
    return list(db.session.scalars(query))


# --- managing programs --------------------------------------------------------------------

def _require_central(staff: User) -> None:
    if not staff.is_central_staff:
        raise DomainError(_("Only central union staff manage programs."))


def _validate_program(data: ProgramData) -> None:
    errors = {}
    for name in ("name_vi", "name_en", "badge_vi", "badge_en"):
        if not (getattr(data, name) or "").strip():
            errors[name] = _("This field is required.")
    if data.ends_on and data.starts_on and data.ends_on < data.starts_on:
        errors["ends_on"] = _("The end date must be after the start date.")
    if not 0 <= data.commission_rate_bp <= 10000:
        errors["commission_rate"] = _("The commission rate must be between 0 and 100 %.")
    unknown_forms = set(data.legal_forms) - set(LegalForm)
    if unknown_forms:
        errors["legal_forms"] = _("Unknown legal form.")
    if any(get_by_code(code) is None for code in data.province_codes):
        errors["province_codes"] = _("Unknown province.")
    for metric, value in data.targets.items():
        if metric not in set(Metric) or value is None or not 0 < value <= 10_000_000:
            errors[f"target_{metric}"] = _("Enter a whole number above 0.")
    if errors:
        raise ValidationFailed(errors)


def save_program(staff: User, data: ProgramData, program_id: int | None = None) -> Program:
    """Create (program_id None) or edit a program and its targets (central staff only)."""
    _require_central(staff)
    _validate_program(data)
    if program_id is None:
        program = Program(slug=unique_slug(Program.slug, data.name_vi))
        db.session.add(program)
        action = "program_created"
    else:
        program = db.session.get(Program, program_id)
        if program is None:
            raise DomainError(_("This program does not exist."))
        action = "program_updated"
    for name in (
        "name_vi", "name_en", "badge_vi", "badge_en", "starts_on", "ends_on", "description_vi", "description_en",
        "women_led_required", "commission_rate_bp", "featured",
    ):
        value = getattr(data, name)
        setattr(program, name, value.strip() if isinstance(value, str) else value)
    program.legal_forms = sorted(set(data.legal_forms))
    program.province_codes = sorted(set(data.province_codes))
    _replace_targets(program, data)
    db.session.flush()
    record_audit(staff.id, "program", program.id, action)
    db.session.commit()
    return program


def _replace_targets(program: Program, data: ProgramData) -> None:
    by_metric = {target.metric: target for target in program.targets}
    for metric, target in by_metric.items():
        if metric not in data.targets:
            program.targets.remove(target)
    for metric, value in data.targets.items():
        target = by_metric.get(metric)
        if target is None:
            program.targets.append(ProgramTarget(metric=metric, target_value=value, due_on=data.targets_due_on))
        else:
            target.target_value, target.due_on = value, data.targets_due_on


# --- eligibility and enrolment --------------------------------------------------------------

def eligibility_failures(program: Program, seller: Seller, today: date) -> list[str]:
    """Each rule of the program the seller fails, said plainly; empty when eligible."""
    failures = []
    if seller.status != SellerStatus.APPROVED:
        failures.append(_("Only approved sellers can join programs."))
    if not program.is_open_on(today):
        failures.append(_("The program is not open on this date."))
    if program.legal_forms and seller.legal_form not in program.legal_forms:
        allowed = ", ".join(str(LEGAL_FORM_LABELS[LegalForm(form)]) for form in program.legal_forms)
        failures.append(_("The program is only for: %(forms)s.", forms=allowed))
    if program.women_led_required and not seller.women_led:
        failures.append(_("The program is only for women-led sellers."))
    if program.province_codes and seller.province_code not in program.province_codes:
        names = ", ".join(get_by_code(code).name for code in program.province_codes)
        failures.append(_("The program is only for sellers in: %(provinces)s.", provinces=names))
    return failures


def apply_to_program(
    member: User, program_id: int, statement: str, women_members: int, jobs_for_women: int, today: date
) -> Enrolment:
    """A member applies for the seller to join a program, with its current figures.

    An ineligible seller gets a DomainError naming every rule it fails. After staff ask
    for changes, applying again updates and resubmits the same enrolment.
    """
    membership = membership_of(member)
    if membership is None:
        raise DomainError(_("You are not a member of a seller."))
    seller = membership.seller
    program = db.session.get(Program, program_id)
    if program is None:
        raise DomainError(_("This program does not exist."))
    failures = eligibility_failures(program, seller, today)
    if failures:
        raise DomainError(" ".join(failures))
    statement = (statement or "").strip()
    errors = {}
    if not statement:
        errors["statement"] = _("Say in a few words why the program would help you.")
    for name, value in (("women_members", women_members), ("jobs_for_women", jobs_for_women)):
        if value is None or not 0 <= value <= MAX_COUNT:
            errors[name] = _("Enter a number between 0 and %(max)s.", max=f"{MAX_COUNT:,}".replace(",", "."))
    if errors:
        raise ValidationFailed(errors)

    enrolment = db.session.scalar(
        select(Enrolment).where(Enrolment.program_id == program.id, Enrolment.seller_id == seller.id)
    )
    figures = {"women_members_at_enrolment": women_members, "jobs_for_women_at_enrolment": jobs_for_women}
    if enrolment is None:
        enrolment = Enrolment(program_id=program.id, seller_id=seller.id, statement=statement, applied_by_id=member.id, **figures)
        db.session.add(enrolment)
        db.session.flush()
        record_audit(member.id, "enrolment", enrolment.id, "applied", None, "pending")
    elif enrolment.status == "changes_requested":
        old, new = change_status(enrolment, "submit", statement=statement, status_reason=None, **figures)
        record_audit(member.id, "enrolment", enrolment.id, "submit", old, new)
    else:
        raise DomainError(_("The seller has already applied to this program (%(status)s).", status=status_label(enrolment.status)))
    _record_current_figures(seller.id, member.id, women_members, jobs_for_women, today)
    db.session.commit()
    return enrolment


def _record_current_figures(seller_id: int, member_id: int, women_members: int, jobs: int, today: date) -> None:
    period = quarter_start(today)
    figures = db.session.scalar(
        select(SellerFigures).where(SellerFigures.seller_id == seller_id, SellerFigures.period_start == period)
    )
    if figures is None:
        figures = SellerFigures(seller_id=seller_id, period_start=period)
        db.session.add(figures)
    figures.women_members, figures.jobs_for_women = women_members, jobs
    figures.reported_by_id, figures.reported_at = member_id, utcnow()


def decide_enrolment(staff: User, enrolment_id: int, action: str, reason: str | None = None) -> Enrolment:
    """A staff decision on an enrolment, with the same rules, audit and notices as sellers."""
    if not staff.is_staff or action not in STAFF_ACTIONS:
        raise DomainError(_("You cannot take this decision."))
    enrolment = db.session.scalar(
        select(Enrolment).where(Enrolment.id == enrolment_id, Enrolment.in_staff_scope(staff))
    )
    if enrolment is None:
        raise DomainError(_("You cannot take this decision."))
    _old, new = review(staff.id, enrolment, "enrolment", action, reason, decided_at=utcnow())
    owner = enrolment.seller.owner
    if owner is not None:
        with force_locale(owner.locale or "vi"):
            subject = _("Program “%(program)s”: %(status)s", program=enrolment.program.name, status=status_label(new))
            body = _(
                "Decision on “%(seller)s” in the program “%(program)s”: %(status)s.",
                seller=enrolment.seller.name,
                program=enrolment.program.name,
                status=status_label(new),
            )
            if reason:
                body += " " + _("Reason: %(reason)s", reason=reason.strip())
        notify(owner, subject, body, link=site_path("programs.for_seller"))
    db.session.commit()
    return enrolment


# --- figures ------------------------------------------------------------------------------

@dataclass
class TargetProgress:
    label: str
    metric: str
    target: int
    value: int
    due_on: date | None

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.value / self.target)) if self.target else 0


@dataclass
class ProgramFigures:
    sellers_enrolled: int
    by_province: list[tuple[str, int]]
    by_legal_form: list[tuple[str, int]]
    women_members_now: int
    women_members_at_enrolment: int
    jobs_for_women_now: int
    jobs_for_women_at_enrolment: int
    targets: list[TargetProgress]
    orders: int = 0  # enrolled sellers' orders since the program started (not cancelled)
    sales_vnd: int = 0  # ... of which delivered, in đồng (goods and shipping)


def program_figures(program: Program, staff: User | None = None) -> ProgramFigures:
    """The program's figures from its approved enrolments (within staff's province when
    provincial): sellers by province and legal form, women members and jobs for women now
    (latest report) and at enrolment, and progress against each target."""
    query = (
        select(Enrolment)
        .where(Enrolment.program_id == program.id, Enrolment.status == "approved")
        .options(joinedload(Enrolment.seller))
    )
    if staff is not None:
        query = query.where(Enrolment.in_staff_scope(staff))
    enrolments = list(db.session.scalars(query))
    values = Counter()
    if staff is None or staff.is_staff:
        for counted in metric_values([program.id], staff.staff_province_code if staff else None).values():
            values.update(counted)
    women_now, jobs_now = values[Metric.WOMEN_MEMBERS], values[Metric.JOBS_FOR_WOMEN]
    forms = Counter(e.seller.legal_form for e in enrolments)
    provinces = Counter(e.seller.province_code for e in enrolments)
    return ProgramFigures(
        sellers_enrolled=len(enrolments),
        by_province=sorted(((get_by_code(code).name, count) for code, count in provinces.items()), key=lambda row: -row[1]),
        by_legal_form=[(str(LEGAL_FORM_LABELS[LegalForm(form)]), count) for form, count in forms.most_common()],
        women_members_now=women_now,
        women_members_at_enrolment=sum(e.women_members_at_enrolment for e in enrolments),
        jobs_for_women_now=jobs_now,
        jobs_for_women_at_enrolment=sum(e.jobs_for_women_at_enrolment for e in enrolments),
        targets=[
            TargetProgress(t.label, t.metric, t.target_value, values.get(t.metric, 0), t.due_on) for t in program.targets
        ],
        **dict(zip(("orders", "sales_vnd"), program_sales(program, [e.seller_id for e in enrolments]))),
    )


# Orders and sales are orders' figures, and orders sits above programs: orders hands its
# counter over when the app is built (market.orders.figures.register_program_sales).
SalesCounter = Callable[[list[int], datetime], tuple[int, int]]
_sales_counter: SalesCounter | None = None


def count_sales_with(counter: SalesCounter) -> None:
    """Count program sales with `counter(seller_ids, since)` -> (orders, delivered sales in đồng)."""
    global _sales_counter  # one counter for the process, the same for every app built
    _sales_counter = counter


def program_sales(program: Program, seller_ids: list[int] | None = None) -> tuple[int, int]:
    """(orders, delivered sales in đồng) of the program's enrolled sellers (or `seller_ids`)
    since the program started (midnight, Vietnam's time); cancelled parts and parts still
    awaiting payment do not count. (0, 0) when no counter is registered."""
    if seller_ids is None:
        seller_ids = [seller.id for seller in enrolled_sellers(program)]
    if not seller_ids or _sales_counter is None:
        return 0, 0
    # A UTC instant: SQLite keeps naive UTC and would compare an aware local time by its wall clock.
    return _sales_counter(seller_ids, start_of_day(program.starts_on))


# What each metric counts among a program's approved enrolments.
_FORM_METRICS = {
    Metric.COOPERATIVES: LegalForm.COOPERATIVE,
    Metric.COOPERATIVE_GROUPS: LegalForm.COOPERATIVE_GROUP,
    Metric.START_UPS: LegalForm.ENTERPRISE,
}


def metric_values(
    program_ids: list[int], province_code: str | None = None, until: date | None = None
) -> dict[tuple[int, str], dict[str, int]]:
    """The value of every metric per (program id, province code), counted in the database
    (one query, for reports as for a program's page). The rule: approved enrolments count;
    women members and jobs for women come from each seller's latest figures, else from those
    given at enrolment. `province_code` keeps one province's sellers; `until` (a day in
    Vietnam) counts what was known by its end: enrolments decided by then, figures of the
    quarters started by then."""
    if not program_ids:
        return {}
    newest = select(SellerFigures.seller_id, func.max(SellerFigures.period_start).label("period"))
    conditions = [Enrolment.program_id.in_(program_ids), Enrolment.status == "approved"]
    if province_code is not None:
        conditions.append(Seller.province_code == province_code)
    if until is not None:
        conditions.append(Enrolment.decided_at < start_of_day(until + timedelta(days=1)))
        newest = newest.where(SellerFigures.period_start <= until)
    newest = newest.group_by(SellerFigures.seller_id).subquery()
    latest = aliased(SellerFigures)
    counts = [func.count().label(Metric.SELLERS_ENROLLED)] + [
        func.sum(case((Seller.legal_form == form, 1), else_=0)).label(metric) for metric, form in _FORM_METRICS.items()
    ]
    sums = [
        func.sum(func.coalesce(latest.women_members, Enrolment.women_members_at_enrolment)).label(Metric.WOMEN_MEMBERS),
        func.sum(func.coalesce(latest.jobs_for_women, Enrolment.jobs_for_women_at_enrolment)).label(Metric.JOBS_FOR_WOMEN),
    ]
    query = (
        select(Enrolment.program_id, Seller.province_code, *counts, *sums)
        .join(Seller, Seller.id == Enrolment.seller_id)
        .outerjoin(newest, newest.c.seller_id == Enrolment.seller_id)
        .outerjoin(latest, (latest.seller_id == newest.c.seller_id) & (latest.period_start == newest.c.period))
        .where(*conditions)
        .group_by(Enrolment.program_id, Seller.province_code)
    )
    return {
        (row.program_id, row.province_code): {metric: int(row._mapping[metric] or 0) for metric in Metric}
        for row in db.session.execute(query)
    }
