"""The union counts its new sellers' first steps (issue 16): of the sellers approved in a period
(their first approval, from the audit trail), in a scope, how many have reached each step by
now, and the median days from approval to their first product (with a photo), their first
order (placed and counted as a sale) and their first delivery. Per province and in total.

The steps are the ones the seller home shows (market.sellers.first_steps, with catalog's and
orders' providers), read for every seller of the period at once: a fixed number of aggregate
queries (the period's sellers and provinces, then each provider's), so the cost does not grow
with the sellers' products or orders. Medians are taken in Python from each seller's days
(the same on SQLite and PostgreSQL). A step lost again (a product hidden, an order cancelled)
is not reached, as the seller's home says.

Besides the steps it counts the sellers union staff helped on their behalf, with their consent
(the fact "helped", from the audit rows that name the seller). One more figure per seller is
one more key in `COUNTED`, put in each seller's facts by a provider of market.sellers.first_steps.
"""
from dataclasses import dataclass, field
from datetime import date, datetime
from statistics import median

from sqlalchemy import func, select

from market.accounts.models import User
from market.core.audit import AuditEntry
from market.core.days import vietnam
from market.extensions import db
from market.sellers import first_steps
from market.sellers.models import Seller
from market.staff.reports import periods
from market.staff.reports.tables import Period

# The figures counted per seller: each step of the seller home, in its order, and whether union
# staff helped her on her behalf (market.sellers.helping; the first thing done for her).
COUNTED = (*first_steps.STEP_KEYS, "helped")
# The days measured from approval: (key, the fact that ends them).
MEASURED = (("first_product", "photo"), ("first_order", "first_order"), ("first_delivery", "delivered"))


@dataclass
class Tally:
    """The sellers approved in the period, how many reached each counted figure, and for each
    measure the number of sellers who reached it and their median days from approval."""

    approved: int = 0
    reached: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTED, 0))
    days: dict[str, list[int]] = field(default_factory=lambda: {key: [] for key, _fact in MEASURED})

    def measured(self, key: str) -> int:
        return len(self.days[key])

    def median_days(self, key: str) -> float | None:
        return float(median(self.days[key])) if self.days[key] else None

    def add(self, facts: dict[str, datetime]) -> None:
        self.approved += 1
        for key in COUNTED:
            self.reached[key] += key in facts
        approved = _day(facts["approved"])
        for key, fact in MEASURED:
            if fact in facts:
                # A day in Vietnam's calendar; nothing can come before the approval but a
                # seller's profile, which is not measured.
                self.days[key].append(max(0, (_day(facts[fact]) - approved).days))


@dataclass
class FirstStepsCounts:
    """Plain data: the period, the total, and one tally per province that had sellers approved
    (by province code)."""

    period: Period
    total: Tally
    by_province: dict[str, Tally]


def _day(moment: datetime) -> date:
    return moment.astimezone(vietnam()).date()


def count_first_steps(in_scope, period: Period) -> FirstStepsCounts:
    """The first steps of the sellers first approved in `period` (Vietnam's days) among those
    `in_scope` (an SQL condition on Seller), as they stand now."""
    start, end = periods.bounds(period)
    first_approved = (
        select(AuditEntry.subject_id)
        .where(AuditEntry.subject_type == "seller", AuditEntry.action == "approve")
        .group_by(AuditEntry.subject_id)
        .having(func.min(AuditEntry.created_at) >= start, func.min(AuditEntry.created_at) < end)
    )
    cohort = select(Seller.id).where(Seller.id.in_(first_approved), in_scope)
    provinces = dict(db.session.execute(select(Seller.id, Seller.province_code).where(Seller.id.in_(cohort))).all())
    facts = first_steps.facts_of(cohort) if provinces else {}
    total, by_province = Tally(), {}
    for seller_id, province in sorted(provinces.items()):
        found = facts.get(seller_id, {})
        if "approved" not in found:  # cannot be (the cohort is approved), but never a KeyError
            continue
        total.add(found)
        by_province.setdefault(province, Tally()).add(found)
    return FirstStepsCounts(period, total, by_province)


def union_year(today: date) -> Period:
    """The union's working year `today` falls in: 1 December to 30 November (its year-end
    report's period)."""
    return periods.preset("yearend", today.year + 1 if today.month == 12 else today.year)


def first_steps_for_staff(staff: User, period: Period) -> FirstStepsCounts:
    """The counts of the sellers approved in `period`, in the staff member's scope (provincial
    staff: their province; central staff: all provinces). The staff home asks for this union
    year (`union_year`)."""
    return count_first_steps(Seller.in_staff_scope(staff), period)
