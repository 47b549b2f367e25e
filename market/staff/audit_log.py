"""The audit log for central staff (/staff/audit): every audit row, filtered by who acted,
what they did, to which object and on which days (Vietnam's calendar); one page of it, or
all of it (up to MAX_CSV_ROWS) for the download; and what each row's object is called and
which staff page shows it.

Objects are named in batches (one query per kind of object on a page, or per thousand rows
of a download), never one query per row.
"""
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Row, Select, and_, or_, select
from sqlalchemy.orm import aliased, joinedload

from market.accounts.models import User
from market.catalog.models import Category, Product
from market.complaints.models import Complaint
from market.core.audit import ACTION_LABELS, AuditEntry
from market.core.days import DayRange, vietnam
from market.core.domain import DomainError
from market.core.folding import contains_folded, contains_lower
from market.core.paging import Page, paginate
from market.extensions import db
from market.orders.models import Order, SellerOrder
from market.pages.models import PageVersion
from market.programs.models import Enrolment, Program
from market.sellers.models import Seller

PAGE_SIZE = 50
MAX_CSV_ROWS = 50_000
MAX_OBJECT_ID = 2_147_483_647  # subject_id is a 32-bit INTEGER column
ORDER_NUMBER = re.compile(r"CPN-[0-9]{4}-[0-9]{1,12}")
_CHUNK = 1_000

# The kinds of object audit rows are written about, as `record_audit` callers name them.
SUBJECT_LABELS = {
    "seller": _l("Seller"),
    "product": _l("Product"),
    "order": _l("Order"),
    "seller_order": _l("Seller's part of an order"),
    "complaint": _l("Complaint"),
    "user": _l("Account"),
    "enrolment": _l("Program enrolment"),
    "program": _l("Program"),
    "category": _l("Category"),
    "review": _l("Review"),
    "payment_anomaly": _l("Payment anomaly"),
    "page": _l("Public page"),
}


@dataclass(frozen=True)
class AuditFilters:
    """What the log is narrowed to; empty values filter nothing."""

    person: str = ""                 # part of the actor's name (folded) or email
    action: str = ""                 # a key of ACTION_LABELS
    subject_type: str = ""           # a key of SUBJECT_LABELS
    subject_id: int | None = None
    order_number: str = ""           # CPN-2026-000123: the order and its sellers' parts
    days: DayRange = field(default_factory=DayRange)

    def __bool__(self) -> bool:
        return any((self.person, self.action, self.subject_type, self.subject_id, self.order_number, self.days))


@dataclass(frozen=True)
class Subject:
    """An audited object as the log shows it: a name, and its staff page when it has one."""

    name: str
    endpoint: str | None = None
    values: dict = field(default_factory=dict)


def _require_central(staff: User) -> None:
    if not staff.is_central_staff:
        raise DomainError(_("Only central staff read the audit log."))


def _order_story(number: str):
    """The rows of an order: its payment events and each of its sellers' parts' moves."""
    order_id = select(Order.id).where(Order.number == number.upper()).scalar_subquery()
    parts = select(SellerOrder.id).where(SellerOrder.order_id == order_id)
    return or_(
        and_(AuditEntry.subject_type == "order", AuditEntry.subject_id == order_id),
        and_(AuditEntry.subject_type == "seller_order", AuditEntry.subject_id.in_(parts)),
    )


def _query(filters: AuditFilters) -> Select:
    query = select(AuditEntry)
    if filters.person:
        people = select(User.id).where(
            or_(contains_folded(User.full_name, filters.person), contains_lower(User.email, filters.person))
        )
        query = query.where(AuditEntry.actor_id.in_(people))
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.order_number:
        query = query.where(_order_story(filters.order_number))
    elif filters.subject_type:
        query = query.where(AuditEntry.subject_type == filters.subject_type)
        if filters.subject_id is not None:
            query = query.where(AuditEntry.subject_id == filters.subject_id)
    query = query.where(*filters.days.conditions(AuditEntry.created_at))
    # Newest first in the order the rows were written: the primary key's index gives it without
    # sorting a million rows (created_at has no index of its own).
    return query.order_by(AuditEntry.id.desc())


def audit_page(staff: User, filters: AuditFilters, page: int) -> Page:
    """One page of the audit rows matching `filters`, newest first, with their actors."""
    _require_central(staff)
    return paginate(_query(filters).options(joinedload(AuditEntry.actor)), page, PAGE_SIZE)


def audit_rows(staff: User, filters: AuditFilters) -> Iterator[list[Row]]:
    """The matching rows, newest first, at most MAX_CSV_ROWS, a thousand at a time, as plain
    rows (the entry's columns and its actor's name, email and deletion) rather than objects:
    a download of 50,000 rows reads them in a few seconds, not a quarter of a minute."""
    _require_central(staff)
    actor = aliased(User)  # apart from the person filter's own subquery on users
    helped = aliased(Seller)  # the seller a staff member acted for (market.sellers.acting)
    query = _query(filters).with_only_columns(
        AuditEntry.id, AuditEntry.created_at, AuditEntry.action, AuditEntry.subject_type, AuditEntry.subject_id,
        AuditEntry.from_status, AuditEntry.to_status, AuditEntry.reason, AuditEntry.detail, AuditEntry.actor_id,
        actor.full_name, actor.email, actor.deleted_at, AuditEntry.on_behalf_of_seller_id,
        helped.name.label("on_behalf_of_name"),
    ).join_from(AuditEntry, actor, actor.id == AuditEntry.actor_id, isouter=True) \
        .join_from(AuditEntry, helped, helped.id == AuditEntry.on_behalf_of_seller_id, isouter=True)
    return _keyset_batches(query, MAX_CSV_ROWS)


def _keyset_batches(query: Select, limit: int) -> Iterator[list[Row]]:
    """`query` (newest first by id) a batch at a time, each batch after the last id seen: every
    batch is a short index range, however deep into the log it is."""
    last_id = None
    while limit > 0:
        batch_query = query if last_id is None else query.where(AuditEntry.id < last_id)
        rows = db.session.execute(batch_query.limit(min(_CHUNK, limit))).all()
        if not rows:
            return
        yield rows
        limit -= len(rows)
        last_id = rows[-1].id


# --- what each row's object is called --------------------------------------------------------

def _names(model, ids, name_of, endpoint=None, key="id") -> dict[int, Subject]:
    rows = db.session.scalars(select(model).where(model.id.in_(ids)))
    return {row.id: Subject(name_of(row), endpoint, {key: row.id} if endpoint else {}) for row in rows}


def _person(user: User) -> str:
    return f"{_('Deleted account')} #{user.id}" if user.deleted_at else f"{user.full_name} <{user.email}>"


def _orders(ids) -> dict[int, Subject]:
    rows = db.session.execute(select(Order.id, Order.number).where(Order.id.in_(ids)))
    return {row.id: Subject(row.number, "orders.staff_orders", {"number": row.number}) for row in rows}


def _seller_orders(ids) -> dict[int, Subject]:
    rows = db.session.execute(
        select(SellerOrder.id, Order.number, Seller.name).join(SellerOrder.order).join(SellerOrder.seller)
        .where(SellerOrder.id.in_(ids))
    )
    return {
        row.id: Subject(f"{row.number} · {row.name}", "orders.staff_order", {"seller_order_id": row.id})
        for row in rows
    }


def _enrolments(ids) -> dict[int, Subject]:
    rows = db.session.execute(
        select(Enrolment.id, Enrolment.program_id, Seller.name).join(Enrolment.seller).where(Enrolment.id.in_(ids))
    )
    return {row.id: Subject(row.name, "programs.staff_program", {"program_id": row.program_id}) for row in rows}


def _pages(ids) -> dict[int, Subject]:
    rows = db.session.execute(select(PageVersion.id, PageVersion.slug, PageVersion.version)
                              .where(PageVersion.id.in_(ids)))
    return {row.id: Subject(f"{row.slug} v{row.version}", "pages.staff_page", {"slug": row.slug}) for row in rows}


def _listed(endpoint):
    """Objects shown only in a list (reviews, anomalies): the list is the link."""
    return lambda ids: {object_id: Subject(f"#{object_id}", endpoint) for object_id in ids}


_NAMERS = {
    "seller": lambda ids: _names(Seller, ids, lambda s: s.name, "sellers.staff_seller", "seller_id"),
    "product": lambda ids: _names(Product, ids, lambda p: p.name, "catalog.staff_product", "product_id"),
    "order": _orders,
    "seller_order": _seller_orders,
    "complaint": lambda ids: _names(Complaint, ids, lambda c: f"#{c.id}", "complaints.staff_complaint",
                                    "complaint_id"),
    "user": lambda ids: _names(User, ids, _person, "accounts.staff_user", "user_id"),
    "enrolment": _enrolments,
    "program": lambda ids: _names(Program, ids, lambda p: p.name, "programs.staff_program", "program_id"),
    "category": lambda ids: _names(Category, ids, lambda c: c.name, "catalog.staff_categories", "category_id"),
    "review": _listed("reviews.staff_reviews"),
    "payment_anomaly": _listed("payments.staff_payment_anomalies"),
    "page": _pages,
}


def subjects(entries: list) -> dict[tuple[str, int], Subject]:
    """(subject_type, subject_id) -> Subject for every row of `entries`: one query per kind.

    An object that no longer exists (a deleted product) or of a kind the log does not know
    is named by its id, without a link.
    """
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        wanted.setdefault(entry.subject_type, set()).add(entry.subject_id)
    found: dict[tuple[str, int], Subject] = {}
    for kind, ids in wanted.items():
        named = _NAMERS[kind](ids) if kind in _NAMERS else {}
        for object_id in ids:
            found[(kind, object_id)] = named.get(object_id) or Subject(f"#{object_id}")
    return found


# --- the download ----------------------------------------------------------------------------

def csv_header() -> list[str]:
    return [_("When (Vietnam time)"), _("Who"), _("Email"), _("Action"), _("Action code"), _("Object"),
            _("Object id"), _("Object name"), _("From status"), _("To status"), _("Reason"), _("Details"),
            _("Done on behalf of seller")]


def csv_lines(batches: Iterator[list[Row]]) -> Iterator[list]:
    """The download's rows (times in Vietnam, labels in the reader's language)."""
    # Each label translated once, not once a row.
    actions = {key: str(label) for key, label in ACTION_LABELS.items()}
    kinds = {key: str(label) for key, label in SUBJECT_LABELS.items()}
    system, deleted, zone = _("system"), _("Deleted account"), vietnam()
    for batch in batches:
        named = subjects(batch)
        for row in batch:
            if row.actor_id is None:
                who, email = system, ""
            elif row.deleted_at is not None:
                who, email = f"{deleted} #{row.actor_id}", ""
            else:
                who, email = row.full_name, row.email
            yield [
                _in_zone(row.created_at, zone), who, email, actions.get(row.action, row.action), row.action,
                kinds.get(row.subject_type, row.subject_type), row.subject_id,
                named[(row.subject_type, row.subject_id)].name, row.from_status or "", row.to_status or "",
                row.reason or "", row.detail or "",
                f"{row.on_behalf_of_name} (#{row.on_behalf_of_seller_id})" if row.on_behalf_of_seller_id else "",
            ]


def _in_zone(moment: datetime, zone) -> str:
    """`moment` as Vietnam's wall clock (SQLite gives naive UTC values back)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
