"""Seller programs (the union's support projects), their targets, and seller enrolments."""
from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.core.clock import utcnow
from market.core.i18n import localised
from market.extensions import db
from market.sellers.models import BelongsToSeller, Seller


class Metric(StrEnum):
    """What a program target counts; each is computed from enrolled sellers."""

    SELLERS_ENROLLED = "sellers_enrolled"
    COOPERATIVES = "cooperatives"
    COOPERATIVE_GROUPS = "cooperative_groups"
    START_UPS = "start_ups"
    WOMEN_MEMBERS = "women_members"
    JOBS_FOR_WOMEN = "jobs_for_women"


METRIC_LABELS = {
    Metric.SELLERS_ENROLLED: _l("Sellers enrolled"),
    Metric.COOPERATIVES: _l("Cooperatives strengthened"),
    Metric.COOPERATIVE_GROUPS: _l("Cooperative groups"),
    Metric.START_UPS: _l("Start-ups supported"),
    Metric.WOMEN_MEMBERS: _l("Women members"),
    Metric.JOBS_FOR_WOMEN: _l("Stable jobs for women"),
}


class Program(db.Model):
    __tablename__ = "programs"
    __table_args__ = (
        CheckConstraint("commission_rate_bp >= 0 AND commission_rate_bp <= 10000", name="commission_in_range"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="period_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(90), unique=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    description_vi: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    badge_vi: Mapped[str] = mapped_column(String(40))
    badge_en: Mapped[str] = mapped_column(String(40))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    # Eligibility: empty lists mean "any".
    legal_forms: Mapped[list[str]] = mapped_column(JSON, default=list)
    province_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    women_led_required: Mapped[bool] = mapped_column(Boolean, default=True)
    # Commission on enrolled sellers' sales, in basis points (300 = 3 %).
    commission_rate_bp: Mapped[int] = mapped_column(Integer, default=0)
    featured: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    targets: Mapped[list["ProgramTarget"]] = relationship(
        back_populates="program", cascade="all, delete-orphan", order_by="ProgramTarget.id"
    )
    enrolments: Mapped[list["Enrolment"]] = relationship(back_populates="program", cascade="all, delete-orphan")

    @property
    def name(self) -> str:
        return localised(self.name_vi, self.name_en)

    @property
    def description(self) -> str:
        return localised(self.description_vi, self.description_en)

    @property
    def badge(self) -> str:
        return localised(self.badge_vi, self.badge_en)

    def is_open_on(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class ProgramTarget(db.Model):
    __tablename__ = "program_targets"
    __table_args__ = (
        UniqueConstraint("program_id", "metric", name="uq_program_targets_metric"),
        CheckConstraint("target_value > 0", name="positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    metric: Mapped[str] = mapped_column(String(30))
    target_value: Mapped[int]
    due_on: Mapped[date | None] = mapped_column(Date)

    program: Mapped[Program] = relationship(back_populates="targets")

    @property
    def label(self) -> str:
        return str(METRIC_LABELS.get(self.metric, self.metric))


class Enrolment(BelongsToSeller, db.Model):
    """A seller's application to, and membership of, a program (the review flow of sellers)."""

    __tablename__ = "enrolments"
    __table_args__ = (
        UniqueConstraint("program_id", "seller_id", name="uq_enrolments_program_seller"),
        CheckConstraint(
            "status IN ('pending', 'approved', 'rejected', 'changes_requested', 'suspended')", name="status_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    statement: Mapped[str] = mapped_column(Text)
    # The seller's figures when it applied, kept to measure progress since.
    women_members_at_enrolment: Mapped[int]
    jobs_for_women_at_enrolment: Mapped[int]
    applied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    program: Mapped[Program] = relationship(back_populates="enrolments")
    seller: Mapped[Seller] = relationship()

