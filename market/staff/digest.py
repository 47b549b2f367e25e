"""The staff's daily digest: one email a day to each staff member with what waits for the
union in her scope (central staff: everything; provincial staff: their province's sellers).

- seller applications waiting for a decision (how many, the oldest, a link to each);
- complaints past their deadline, and those whose deadline falls within the next day
  (`market.complaints.services.overdue` / `near_deadline`);
- orders stuck: a seller's part new (not confirmed) for more than two days, and bank
  transfers still unpaid that expire within the next 12 hours (a receipt may wait for a look).

Nothing to say, no email. `flask --app wsgi staff digest` (cron or a systemd timer, once a
day) queues the emails and commits once; the outbox delivers them (`mail deliver`).
"""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import click
from flask.cli import AppGroup
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.routing import BuildError

from market.accounts.models import Role, User
from market.complaints.models import Complaint
from market.complaints.rules import current_deadline
from market.complaints.services import near_deadline, overdue
from market.core.clock import aware, utcnow
from market.core.emails import queue_rendered, render_email
from market.core.urls import public_base_url, public_url
from market.extensions import db
from market.orders.models import Order, PaymentMethod, PaymentStatus, SellerOrder, SellerOrderStatus
from market.sellers.models import Seller, SellerStatus

STUCK_AFTER = timedelta(days=2)  # a new part nobody confirmed for this long
COMPLAINT_WARNING = timedelta(days=1)  # a complaint's deadline this close
TRANSFER_WARNING = timedelta(hours=12)  # an unpaid transfer expiring this soon
LISTED = 20  # items listed per section; the count says how many there are


@dataclass
class Digest:
    """What waits for one staff member. Each list holds at most LISTED items; the counts all."""

    staff: User
    now: datetime
    applications: list[Seller] = field(default_factory=list)
    applications_count: int = 0
    complaints_overdue: list[Complaint] = field(default_factory=list)
    complaints_due: list[Complaint] = field(default_factory=list)
    unconfirmed: list[SellerOrder] = field(default_factory=list)
    transfers: list[Order] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.applications_count or self.complaints_overdue or self.complaints_due
                    or self.unconfirmed or self.transfers)


def build_digest(staff: User, now: datetime) -> Digest:
    """What waits at `now` for `staff`, in her scope."""
    digest = Digest(staff=staff, now=now)
    waiting = select(Seller).where(Seller.status == SellerStatus.PENDING, Seller.in_staff_scope(staff))
    digest.applications_count = db.session.scalar(select(func.count()).select_from(waiting.subquery()))
    digest.applications = list(db.session.scalars(
        waiting.order_by(Seller.submitted_at, Seller.id).limit(LISTED)))
    digest.complaints_overdue = overdue(now, staff)
    digest.complaints_due = near_deadline(now, COMPLAINT_WARNING, staff)
    digest.unconfirmed = list(db.session.scalars(
        select(SellerOrder)
        .where(SellerOrder.status == SellerOrderStatus.PENDING, SellerOrder.updated_at <= now - STUCK_AFTER,
               SellerOrder.in_staff_scope(staff))
        .options(joinedload(SellerOrder.order), joinedload(SellerOrder.seller))
        .order_by(SellerOrder.updated_at, SellerOrder.id)
    ))
    in_scope = select(SellerOrder.order_id).where(SellerOrder.in_staff_scope(staff))
    digest.transfers = list(db.session.scalars(
        select(Order)
        .where(Order.payment_method == PaymentMethod.BANK_TRANSFER, Order.payment_status == PaymentStatus.UNPAID,
               Order.payment_expires_at > now, Order.payment_expires_at <= now + TRANSFER_WARNING,
               Order.id.in_(in_scope))
        .options(selectinload(Order.seller_orders).joinedload(SellerOrder.seller))
        .order_by(Order.payment_expires_at, Order.id)
    ))
    return digest


def _link(endpoint: str, fallback: str, **values) -> str:
    """The absolute URL of a staff page; `fallback` (a path) if the endpoint is not there."""
    try:
        return public_url(endpoint, **values)
    except BuildError:
        return public_base_url() + fallback


def _days(since: datetime | None, now: datetime) -> int:
    return max(0, (now - aware(since)).days) if since is not None else 0


def digest_email(digest: Digest):
    """The digest rendered in the staff member's language."""
    staff, now = digest.staff, digest.now
    locale = staff.locale or "vi"
    with force_locale(locale):
        subject = _("Daily digest: what waits for the union")
    oldest = digest.applications[0] if digest.applications else None
    return render_email(
        "staff_digest", locale, subject, digest=digest,
        scope=staff.staff_province_code,
        oldest=oldest,
        days=lambda value: _days(value, now),
        deadline=current_deadline,
        seller_url=lambda seller: _link("sellers.staff_seller", f"/staff/sellers/{seller.id}", seller_id=seller.id),
        queue_url=_link("sellers.staff_sellers", "/staff/sellers"),
        complaint_url=lambda complaint: _link("complaints.staff_complaint", f"/staff/complaints/{complaint.id}",
                                              complaint_id=complaint.id),
        complaints_url=_link("complaints.staff_complaints", "/staff/complaints"),
        order_url=lambda order: _link("orders.staff_orders", "/staff/orders", number=order.number),
    )


def staff_to_tell() -> list[User]:
    """Every staff account that can still sign in."""
    return list(db.session.scalars(
        select(User).where(User.role == Role.STAFF, User.deactivated_at.is_(None), User.deleted_at.is_(None))
        .order_by(User.id)
    ))


def send_digests(now: datetime | None = None) -> int:
    """Queue the digest of every staff member who has something waiting; commit once.
    Returns how many were queued."""
    now = now or utcnow()
    queued = 0
    for staff in staff_to_tell():
        digest = build_digest(staff, now)
        if digest.is_empty:
            continue
        queue_rendered(staff.email, digest_email(digest))
        queued += 1
    db.session.commit()
    return queued


staff_cli = AppGroup("staff", help="Staff chores: the daily digest.")


@staff_cli.command("digest")
def digest_command() -> None:
    """Email each staff member what waits in her scope (run once a day)."""
    click.echo(f"Queued {send_digests()} digest email(s).")
