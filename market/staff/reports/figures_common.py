"""What every figure of a report shares: the scope as SQL, a seller's status at a moment (read
back from the audit trail), and shares with one decimal.

Every query aggregates in the database (GROUP BY, COUNT, SUM) and compares timestamps with
UTC instants from `periods`, so Vietnam's days are the buckets on SQLite and PostgreSQL.
"""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import and_, func, select, true

from market.core.audit import AuditEntry
from market.core.domain import DomainError
from market.extensions import db
from market.geo.provinces import Province, all_provinces, get_by_code, lookup
from market.programs.models import Enrolment, Program
from market.sellers.models import Seller, SellerStatus
from market.staff.reports.tables import Scope


@dataclass(frozen=True)
class Reach:
    """A scope resolved for queries: the province's unit and the program's row, or None."""

    province: Province | None
    program: Program | None

    @property
    def province_code(self) -> str | None:
        return self.province.code if self.province else None

    def provinces(self) -> tuple[Province, ...]:
        """The provinces the report lists: the one in scope, else all 34 (sorted by name)."""
        return (self.province,) if self.province else all_provinces()

    def sellers(self, seller_id):
        """SQL condition: the seller whose id is in `seller_id` (a column) is in scope: of the
        province, and enrolled in the program (an approved enrolment)."""
        conditions = []
        if self.province is not None:
            conditions.append(seller_id.in_(select(Seller.id).where(Seller.province_code == self.province.code)))
        if self.program is not None:
            conditions.append(seller_id.in_(
                select(Enrolment.seller_id).where(Enrolment.program_id == self.program.id, Enrolment.status == "approved")
            ))
        return and_(*conditions) if conditions else true()


def province_named(name) -> Province:
    """One of the 34 units, from its name (a pre-2025 name or a common spelling is understood)
    or its 2-digit code; a DomainError otherwise."""
    found = (get_by_code(name) or lookup(name)) if isinstance(name, str) else None
    if found is None:
        raise DomainError(_("Unknown province: choose one of the 34 provinces and cities."), "province")
    return found


def program_with_slug(slug) -> Program:
    """The program with this slug; a DomainError when there is none."""
    program = None
    if isinstance(slug, str) and 0 < len(slug.strip()) <= 90:
        program = db.session.scalar(select(Program).where(Program.slug == slug.strip()))
    if program is None:
        raise DomainError(_("Unknown program: choose one of the union's programs."), "program")
    return program


def reach_of(scope: Scope) -> Reach:
    """The scope's province and program, checked (a DomainError for an unknown one)."""
    return Reach(
        province_named(scope.province) if scope.province else None,
        program_with_slug(scope.program_slug) if scope.program_slug else None,
    )


def status_at(subject_type: str, status: str, moment: datetime):
    """Subquery of the ids of the objects (audited as `subject_type`) whose status just before
    `moment` (UTC) was `status`: the one left by their latest status-changing audit row
    before then. Every move of a seller's or a product's status writes one (a seller
    suspended then reinstated is approved again), so the trail is their status history."""
    rank = func.row_number().over(
        partition_by=AuditEntry.subject_id, order_by=(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    )
    ranked = (
        select(AuditEntry.subject_id.label("subject_id"), AuditEntry.to_status.label("status"), rank.label("rank"))
        .where(AuditEntry.subject_type == subject_type, AuditEntry.to_status.is_not(None), AuditEntry.created_at < moment)
        .subquery()
    )
    return select(ranked.c.subject_id).where(ranked.c.rank == 1, ranked.c.status == status)


def approved_at(moment: datetime):
    """Subquery of the ids of the sellers approved just before `moment` (UTC)."""
    return status_at("seller", SellerStatus.APPROVED, moment)


def share(part: int, whole: int) -> float | None:
    """`part` as a percentage of `whole` with one decimal; None when there is no whole."""
    return round(100 * part / whole, 1) if whole else None


def number(value) -> int:
    """A SUM that found no row is NULL: 0."""
    return int(value or 0)
