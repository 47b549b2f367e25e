"""What the staff home (/staff/) shows, in one staff member's scope (provincial staff: their
province; central staff: every province):

- the queues of work, each with its count and how long its oldest item has waited (or, for
  a deadline, how far it is), and that oldest item;
- this month against last month (Vietnam's calendar months) for sellers approved, products
  put on sale, orders and sales;
- the approved sellers who have not sent last quarter's figures;
- how far the sellers approved this union year have come in their first steps.

Speed: every count is one aggregate query (the counts of one table share it), each queue's
oldest item one more small query, the list of sellers one page; nothing runs a query per row,
so the page costs the same number of queries whatever the data (tests/test_staff_home.py).
"""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import joinedload

from market.core.clock import aware
from market.accounts.models import User
from market.catalog.models import OcopStatus, Product
from market.complaints.models import Complaint, ComplaintStatus
from market.complaints.rules import overdue_condition
from market.core.audit import AuditEntry
from market.core.days import start_of_day, vietnam
from market.extensions import db
from market.orders.models import Order, PaymentMethod, PaymentStatus, SellerOrder, SellerOrderStatus
from market.programs.models import Enrolment
from market.sellers.models import Seller, SellerFigures, SellerStatus
from market.sellers.services import quarter_start
from market.staff.digest import COMPLAINT_WARNING, STUCK_AFTER
from market.staff.first_steps import FirstStepsCounts, first_steps_for_staff, union_year

# The home is read through the day, so it warns of transfers closer to their end than the
# daily digest does (12 hours, to reach the next morning's email).
TRANSFER_WARNING = timedelta(hours=6)
MISSING_PER_PAGE = 20
REMINDED = "figures_reminded"  # the audit action of a reminder to send figures


def vietnam_today(now: datetime) -> date:
    return now.astimezone(vietnam()).date()


# --- queues -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Queue:
    """One queue of work. `age` is how long its oldest item has waited; for the queues of
    deadlines (`deadline` set) it is how far the nearest deadline is, ahead ("due") or behind
    ("overdue"). `first` is the oldest (or most urgent) item, None when the queue is empty."""

    key: str
    count: int
    age: timedelta | None = None
    first: object | None = None
    deadline: str | None = None  # "due" (ahead) or "overdue" (behind), for deadline queues
    window: timedelta | None = None  # the stretch of time the queue's name speaks of, if any

    @property
    def empty(self) -> bool:
        return self.count == 0


def _age(since: datetime | None, now: datetime) -> timedelta | None:
    return abs(now - aware(since)) if since is not None else None


def _first(query):
    return db.session.scalars(query.limit(1)).unique().first()


def _seller_queues(staff: User, now: datetime) -> list[Queue]:
    """New applications, and applications sent back after staff requested changes (a pending
    seller with a decision behind it: only "request changes" leads back to pending)."""
    new, answered = Seller.decided_at.is_(None), Seller.decided_at.is_not(None)
    waiting = and_(Seller.status == SellerStatus.PENDING, Seller.in_staff_scope(staff))
    row = db.session.execute(
        select(func.count(case((new, 1))), func.min(case((new, Seller.submitted_at))),
               func.count(case((answered, 1))), func.min(case((answered, Seller.submitted_at))))
        .where(waiting)
    ).one()
    oldest = select(Seller).where(waiting).order_by(Seller.submitted_at, Seller.id)
    return [
        Queue("applications", row[0], _age(row[1], now), _first(oldest.where(new)) if row[0] else None),
        Queue("changes_answered", row[2], _age(row[3], now), _first(oldest.where(answered)) if row[2] else None),
    ]


def _enrolment_queue(staff: User, now: datetime) -> Queue:
    waiting = and_(Enrolment.status == "pending", Enrolment.in_staff_scope(staff))
    count, since = db.session.execute(select(func.count(), func.min(Enrolment.created_at)).where(waiting)).one()
    oldest = (select(Enrolment).where(waiting).options(joinedload(Enrolment.seller), joinedload(Enrolment.program))
              .order_by(Enrolment.created_at, Enrolment.id))
    return Queue("enrolments", count, _age(since, now), _first(oldest) if count else None)


def _ocop_queue(staff: User, now: datetime) -> Queue:
    """Claimed OCOP ratings; a claim waits since the product last changed (the claim is a change)."""
    waiting = and_(Product.ocop_status == OcopStatus.CLAIMED, Product.in_staff_scope(staff))
    count, since = db.session.execute(select(func.count(), func.min(Product.updated_at)).where(waiting)).one()
    oldest = select(Product).where(waiting).options(joinedload(Product.seller)).order_by(Product.updated_at, Product.id)
    return Queue("ocop", count, _age(since, now), _first(oldest) if count else None)


def _stuck_orders_queue(staff: User, now: datetime) -> Queue:
    """A seller's part new (not confirmed) for more than STUCK_AFTER, as the digest says."""
    stuck = and_(SellerOrder.status == SellerOrderStatus.PENDING, SellerOrder.updated_at <= now - STUCK_AFTER,
                 SellerOrder.in_staff_scope(staff))
    count, since = db.session.execute(select(func.count(), func.min(SellerOrder.updated_at)).where(stuck)).one()
    oldest = (select(SellerOrder).where(stuck).options(joinedload(SellerOrder.order), joinedload(SellerOrder.seller))
              .order_by(SellerOrder.updated_at, SellerOrder.id))
    return Queue("stuck_orders", count, _age(since, now), _first(oldest) if count else None, window=STUCK_AFTER)


def _transfers_queue(staff: User, now: datetime) -> Queue:
    """Bank transfers still unpaid that expire within TRANSFER_WARNING (a receipt may wait
    for a look); the age is the time left to the nearest expiry."""
    in_scope = select(SellerOrder.order_id).where(SellerOrder.in_staff_scope(staff))
    closing = and_(Order.payment_method == PaymentMethod.BANK_TRANSFER, Order.payment_status == PaymentStatus.UNPAID,
                   Order.payment_expires_at > now, Order.payment_expires_at <= now + TRANSFER_WARNING,
                   Order.id.in_(in_scope))
    count, soonest = db.session.execute(select(func.count(), func.min(Order.payment_expires_at)).where(closing)).one()
    first = select(Order).where(closing).order_by(Order.payment_expires_at, Order.id)
    return Queue("transfers", count, _age(soonest, now), _first(first) if count else None, deadline="due",
                 window=TRANSFER_WARNING)


def _complaint_queues(staff: User, now: datetime) -> list[Queue]:
    """Complaints waiting, by deadline: past it, due within COMPLAINT_WARNING, the others.
    A complaint's deadline is the one it waits for: the seller's answer, then the decision."""
    deadline = case((Complaint.status == ComplaintStatus.OPEN, Complaint.answer_due_at),
                    else_=Complaint.decision_due_at)
    late = overdue_condition(now)
    soon = and_(~late, deadline <= now + COMPLAINT_WARNING)
    others = and_(~late, deadline > now + COMPLAINT_WARNING)
    waiting = and_(Complaint.status != ComplaintStatus.DECIDED, Complaint.in_staff_scope(staff))
    row = db.session.execute(
        select(func.count(case((late, 1))), func.min(case((late, deadline))),
               func.count(case((soon, 1))), func.min(case((soon, deadline))),
               func.count(case((others, 1))), func.min(case((others, Complaint.created_at))))
        .where(waiting)
    ).one()
    listed = select(Complaint).where(waiting).options(joinedload(Complaint.seller))
    return [
        Queue("complaints_overdue", row[0], _age(row[1], now),
              _first(listed.where(late).order_by(deadline, Complaint.id)) if row[0] else None, deadline="overdue"),
        Queue("complaints_due", row[2], _age(row[3], now),
              _first(listed.where(soon).order_by(deadline, Complaint.id)) if row[2] else None, deadline="due",
              window=COMPLAINT_WARNING),
        Queue("complaints_other", row[4], _age(row[5], now),
              _first(listed.where(others).order_by(Complaint.created_at, Complaint.id)) if row[4] else None),
    ]


def queues(staff: User, now: datetime) -> list[Queue]:
    """Every queue of work in the staff member's scope at `now`, in the order they are shown."""
    return [
        *_seller_queues(staff, now),
        _enrolment_queue(staff, now),
        _ocop_queue(staff, now),
        _stuck_orders_queue(staff, now),
        _transfers_queue(staff, now),
        *_complaint_queues(staff, now),
    ]


# --- this month against last month -----------------------------------------------------------

@dataclass(frozen=True)
class Months:
    """This month so far, the same stretch of last month, and the whole of last month, each
    [start, end) in UTC; the days are Vietnam's."""

    today: date
    this_start: datetime
    now: datetime
    last_start: datetime
    same_end: datetime  # last month's start plus the time elapsed this month, at most its end
    this_month: date  # first days of the months, for their names
    last_month: date
    same_until: date  # the last day (in Vietnam) of last month's stretch


def months(now: datetime) -> Months:
    """The windows compared at `now`: "1–14 June so far" against "1–14 May" and all of May."""
    today = vietnam_today(now)
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    this_start, last_start = start_of_day(this_month), start_of_day(last_month)
    same_end = min(last_start + (now - this_start), this_start)
    same_until = (same_end - timedelta(microseconds=1)).astimezone(vietnam()).date()
    return Months(today, this_start, now, last_start, same_end, this_month, last_month, same_until)


@dataclass(frozen=True)
class Figure:
    """One figure of the comparison; `same_days` and `last_month` are None when no history is
    kept of it (then only `this_month`, the figure now, is shown)."""

    key: str
    this_month: int
    same_days: int | None
    last_month: int | None
    money: bool = False

    @property
    def change(self) -> int | None:
        return None if self.same_days is None else self.this_month - self.same_days

    @property
    def percent(self) -> int | None:
        """The change in percent of the same days last month; None where it means nothing
        (nothing then, or no history)."""
        if not self.same_days:
            return None
        return round(100 * (self.this_month - self.same_days) / self.same_days)


def _windows(column, span: Months):
    """Conditions: `column` falls this month so far, in the same days last month, in all of it."""
    return (and_(column >= span.this_start, column < span.now),
            and_(column >= span.last_start, column < span.same_end),
            and_(column >= span.last_start, column < span.this_start))


def _counts(column, span: Months, value=None) -> list:
    """count (or, given `value`, sum of `value`) in each window."""
    if value is None:
        return [func.count(case((window, 1))) for window in _windows(column, span)]
    return [func.coalesce(func.sum(case((window, value), else_=0)), 0) for window in _windows(column, span)]


def month_figures(staff: User, now: datetime) -> tuple[Months, list[Figure]]:
    """Sellers approved (from the audit trail: a later decision does not hide an approval),
    products on sale now (no history of it is kept) and products put on sale for the first
    time, seller orders placed and their sales (goods and shipping; cancelled parts and
    transfers never paid left out, as the programs count them)."""
    span = months(now)
    approved = db.session.execute(
        select(*_counts(AuditEntry.created_at, span)).select_from(AuditEntry)
        .join(Seller, Seller.id == AuditEntry.subject_id)
        .where(AuditEntry.subject_type == "seller", AuditEntry.action == "approve",
               AuditEntry.created_at >= span.last_start, Seller.in_staff_scope(staff))
    ).one()
    products = db.session.execute(
        select(func.count(case((Product.visible(), 1))), *_counts(Product.published_at, span))
        .where(Product.in_staff_scope(staff))
    ).one()
    sold = and_(SellerOrder.created_at >= span.last_start, SellerOrder.in_staff_scope(staff),
                SellerOrder.status.not_in((SellerOrderStatus.CANCELLED, SellerOrderStatus.AWAITING_PAYMENT)))
    orders = db.session.execute(
        select(*_counts(SellerOrder.created_at, span), *_counts(SellerOrder.created_at, span, SellerOrder.subtotal_vnd))
        .where(sold)
    ).one()
    return span, [
        Figure("sellers_approved", *approved),
        Figure("products_on_sale", products[0], None, None),
        Figure("products_published", *products[1:]),
        Figure("orders", *orders[:3]),
        Figure("sales", *(int(value) for value in orders[3:]), money=True),
    ]


# --- sellers without last quarter's figures ---------------------------------------------------

@dataclass(frozen=True)
class Quarter:
    start: date

    @property
    def number(self) -> int:
        return (self.start.month - 1) // 3 + 1

    @property
    def end(self) -> date:
        """Its last day."""
        following = date(self.start.year + (self.start.month == 10), (self.start.month + 2) % 12 + 1, 1)
        return following - timedelta(days=1)

    @property
    def key(self) -> str:
        """How an audit row names the quarter: "2026-Q1"."""
        return f"{self.start.year}-Q{self.number}"


def last_quarter(today: date) -> Quarter:
    """The quarter before the one `today` (Vietnam's date) falls in."""
    return Quarter(quarter_start(quarter_start(today) - timedelta(days=1)))


def missing_figures(staff: User, today: date):
    """Query: the approved sellers in scope who owe the union last quarter's figures.

    Sellers send figures for the quarter they are in (`/sell/figures` takes only the current
    quarter), so a seller who sent none last quarter and none since owes them; one that sent
    figures this quarter has answered, late, and is left out. A seller approved only this
    quarter owes nothing yet.
    """
    quarter = last_quarter(today)
    this_quarter_began = start_of_day(quarter_start(today))
    approved_before = exists().where(AuditEntry.subject_type == "seller", AuditEntry.subject_id == Seller.id,
                                     AuditEntry.action == "approve", AuditEntry.created_at < this_quarter_began)
    sent = exists().where(SellerFigures.seller_id == Seller.id, SellerFigures.period_start >= quarter.start)
    return select(Seller).where(Seller.status == SellerStatus.APPROVED, Seller.in_staff_scope(staff),
                                approved_before, ~sent)


def reminded_today(now: datetime, quarter: Quarter):
    """SQL condition on an audit row: a reminder of `quarter`'s figures sent today (Vietnam's day)."""
    return and_(AuditEntry.subject_type == "seller", AuditEntry.action == REMINDED, AuditEntry.detail == quarter.key,
                AuditEntry.created_at >= start_of_day(vietnam_today(now)))


@dataclass(frozen=True)
class Missing:
    """A seller owing figures: the quarter its last figures were for (None: never sent), and
    whether it was reminded today."""

    seller: Seller
    last_sent: "Quarter | None"
    reminded: bool


@dataclass
class MissingPage:
    quarter: Quarter
    items: list[Missing] = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = MISSING_PER_PAGE
    remindable: int = 0  # of the total, those not reminded today

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def missing_page(staff: User, now: datetime, page: int = 1) -> MissingPage:
    """One page of the sellers owing last quarter's figures, by name, in three queries."""
    today = vietnam_today(now)
    result = MissingPage(quarter=last_quarter(today))
    owing = missing_figures(staff, today).subquery()
    reminded = exists().where(reminded_today(now, result.quarter), AuditEntry.subject_id == owing.c.id)
    result.total, already = db.session.execute(
        select(func.count(), func.count(case((reminded, 1)))).select_from(owing)).one()
    result.remindable = result.total - already
    result.page = max(1, min(page, result.pages))
    last_sent = (select(func.max(SellerFigures.period_start)).where(SellerFigures.seller_id == Seller.id)
                 .scalar_subquery())
    reminded_row = exists().where(reminded_today(now, result.quarter), AuditEntry.subject_id == Seller.id)
    rows = db.session.execute(
        missing_figures(staff, today).add_columns(last_sent, reminded_row)
        .order_by(Seller.name, Seller.id).limit(result.per_page).offset((result.page - 1) * result.per_page)
    ).all()
    result.items = [Missing(seller, Quarter(sent) if sent else None, bool(was_reminded))
                    for seller, sent, was_reminded in rows]
    return result


# --- the page ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Overview:
    queues: list[Queue]
    months: Months
    figures: list[Figure]
    missing: MissingPage
    now: datetime
    first_steps: FirstStepsCounts  # the new sellers of this union year (market.staff.first_steps)


def overview(staff: User, now: datetime, page: int = 1) -> Overview:
    """Everything the staff home shows to `staff` at `now` (`page`: of the sellers owing figures)."""
    span, figures = month_figures(staff, now)
    return Overview(queues(staff, now), span, figures, missing_page(staff, now, page), now,
                    first_steps_for_staff(staff, union_year(vietnam_today(now))))
