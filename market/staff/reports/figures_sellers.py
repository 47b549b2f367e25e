"""The report's seller figures: applications and decisions in the period, the approved sellers
at its end (by legal form and province: women-led, members, workers), and the quarterly
figures sellers reported, with who did not report."""
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from market.core.audit import AuditEntry
from market.extensions import db
from market.geo.provinces import get_by_code
from market.sellers.models import LEGAL_FORM_LABELS, LegalForm, Seller, SellerFigures
from market.staff.reports import periods
from market.staff.reports.figures_common import Reach, approved_at, number, share
from market.staff.reports.tables import Chart, Column, Kind, Period, Table

APPROVED_NOTE = _l(
    "Sellers approved on the period's last day (read from the audit trail of decisions). Members and "
    "workers are the figures each seller keeps in its profile today."
)
# The columns every "approved sellers" table shares after its first.
SELLER_COLUMNS = (
    Column("sellers", _l("Approved sellers"), Kind.COUNT),
    Column("women_led", _l("Women-led"), Kind.COUNT),
    Column("women_led_share", _l("Women-led share"), Kind.PERCENT),
    Column("members", _l("Members"), Kind.COUNT),
    Column("women_members", _l("Women members"), Kind.COUNT),
    Column("workers", _l("Workers"), Kind.COUNT),
    Column("women_workers", _l("Women workers"), Kind.COUNT),
)
EMPTY = (0, 0, 0, 0, 0, 0)


def seller_tables(period: Period, reach: Reach) -> list[Table]:
    """sellers_activity, sellers_total, sellers_by_legal_form, sellers_by_province."""
    start, end = periods.bounds(period)
    by_form = _approved_by(Seller.legal_form, end, reach)
    by_province = _approved_by(Seller.province_code, end, reach)
    total = tuple(sum(values) for values in zip(EMPTY, *by_form.values()))
    return [
        _activity(start, end, reach),
        Table(
            "sellers_total", _l("Approved sellers at the end of the period"),
            (Column("sellers_group", _l("Sellers")), *SELLER_COLUMNS), [(str(_l("All sellers")), *_row(total))],
            note=APPROVED_NOTE,
        ),
        Table(
            "sellers_by_legal_form", _l("Approved sellers by legal form"),
            (Column("legal_form", _l("Legal form")), *SELLER_COLUMNS),
            [(str(LEGAL_FORM_LABELS[form]), *_row(by_form.get(form, EMPTY))) for form in LegalForm],
            Chart("bar", "legal_form", ("sellers", "women_led")), APPROVED_NOTE,
        ),
        Table(
            "sellers_by_province", _l("Approved sellers by province"),
            (Column("province", _l("Province")), *SELLER_COLUMNS),
            [(province.name, *_row(by_province.get(province.code, EMPTY))) for province in reach.provinces()],
            Chart("hbar", "province", ("sellers", "women_led")), APPROVED_NOTE,
        ),
    ]


def _activity(start, end, reach: Reach) -> Table:
    """Applications received (a seller's first submission in the period; a resubmission after
    changes were requested is the same application) and the decisions taken in the period."""
    first_submission = (
        select(func.min(AuditEntry.created_at).label("first"))
        .where(AuditEntry.subject_type == "seller", AuditEntry.action == "submit", reach.sellers(AuditEntry.subject_id))
        .group_by(AuditEntry.subject_id)
        .subquery()
    )
    received = db.session.scalar(
        select(func.count()).select_from(first_submission)
        .where(first_submission.c.first >= start, first_submission.c.first < end)
    )
    decided = dict(db.session.execute(
        select(AuditEntry.action, func.count(func.distinct(AuditEntry.subject_id)))
        .where(AuditEntry.subject_type == "seller", AuditEntry.action.in_(("approve", "reject", "suspend")),
               AuditEntry.created_at >= start, AuditEntry.created_at < end, reach.sellers(AuditEntry.subject_id))
        .group_by(AuditEntry.action)
    ).all())
    rows = [
        (str(_l("Applications received")), number(received)),
        (str(_l("Approved")), decided.get("approve", 0)),
        (str(_l("Rejected")), decided.get("reject", 0)),
        (str(_l("Suspended")), decided.get("suspend", 0)),
    ]
    return Table(
        "sellers_activity", _l("Seller applications and decisions"),
        (Column("measure", _l("Figure")), Column("sellers", _l("Sellers"), Kind.COUNT)), rows,
        Chart("bar", "measure", ("sellers",)),
        _l("Applications: sellers whose first submission came in the period. Decisions: sellers approved, "
           "rejected or suspended in the period, each counted once."),
    )


def _approved_by(group, end, reach: Reach) -> dict[str, tuple[int, ...]]:
    """(sellers, women-led, members, women members, workers, women workers) of the sellers
    approved at `end`, per value of `group` (a Seller column)."""
    query = (
        select(
            group, func.count(), func.sum(case((Seller.women_led, 1), else_=0)),
            func.sum(Seller.members_count), func.sum(Seller.women_members_count),
            func.sum(Seller.workers_count), func.sum(Seller.women_workers_count),
        )
        .where(Seller.id.in_(approved_at(end)), reach.sellers(Seller.id))
        .group_by(group)
    )
    return {key: tuple(number(value) for value in values) for key, *values in db.session.execute(query)}


def _row(values: tuple[int, ...]) -> tuple:
    sellers, women_led, *people = values
    return (sellers, women_led, share(women_led, sellers), *people)


# --- the figures sellers report each quarter ---------------------------------------------------

def figures_tables(period: Period, reach: Reach) -> list[Table]:
    """seller_figures (per quarter starting in the period) and seller_figures_missing."""
    _start, period_end = periods.bounds(period)
    summary, missing = [], []
    for quarter in periods.quarters(period):
        # Who had to report: the sellers approved at the quarter's end (or the period's, if sooner).
        due = min(period_end, periods.start_of_day(periods.quarter_end(quarter) + timedelta(days=1)))
        label = periods.quarter_label(quarter)
        summary.append((label, *_reported(quarter, due, reach)))
        missing.extend((label, *row) for row in _not_reported(quarter, due, reach))
    return [
        Table(
            "seller_figures", _l("Figures reported by sellers, by quarter"),
            (
                Column("quarter", _l("Quarter")),
                Column("sellers", _l("Approved sellers"), Kind.COUNT),
                Column("reported", _l("Reported"), Kind.COUNT),
                Column("not_reported", _l("Did not report"), Kind.COUNT),
                Column("women_members", _l("Women members"), Kind.COUNT),
                Column("jobs_for_women", _l("Jobs for women"), Kind.COUNT),
            ),
            summary,
            Chart("bar", "quarter", ("reported", "not_reported")),
            _l("The quarters that start in the period. Sellers approved at the quarter's end (or the period's, "
               "if sooner); women members and jobs for women as they reported them for the quarter."),
        ),
        Table(
            "seller_figures_missing", _l("Sellers who did not report their figures"),
            (
                Column("quarter", _l("Quarter")), Column("seller", _l("Seller")),
                Column("province", _l("Province")), Column("legal_form", _l("Legal form")),
            ),
            missing,
        ),
    ]


def _figures_of(quarter):
    return (SellerFigures.seller_id == Seller.id) & (SellerFigures.period_start == quarter)


def _reported(quarter, due, reach: Reach) -> tuple[int, int, int, int, int]:
    """(sellers due, reported, not reported, women members, jobs for women) for one quarter."""
    sellers, reported, women, jobs = db.session.execute(
        select(func.count(), func.count(SellerFigures.id), func.sum(SellerFigures.women_members),
               func.sum(SellerFigures.jobs_for_women))
        .select_from(Seller).outerjoin(SellerFigures, _figures_of(quarter))
        .where(Seller.id.in_(approved_at(due)), reach.sellers(Seller.id))
    ).one()
    return sellers, reported, sellers - reported, number(women), number(jobs)


def _not_reported(quarter, due, reach: Reach) -> list[tuple[str, str, str]]:
    rows = db.session.execute(
        select(Seller.name, Seller.province_code, Seller.legal_form)
        .select_from(Seller).outerjoin(SellerFigures, _figures_of(quarter))
        .where(SellerFigures.id.is_(None), Seller.id.in_(approved_at(due)), reach.sellers(Seller.id))
        .order_by(Seller.province_code, Seller.name, Seller.id)
    )
    return [(name, get_by_code(code).name, str(LEGAL_FORM_LABELS[LegalForm(form)])) for name, code, form in rows]
