"""Reminding sellers to send last quarter's figures (the "Remind" buttons of the staff home).

Each reminder tells the seller's owner twice, as every staff decision does: an account
message and an email (`notify(..., email=...)`, the outbox delivers it after the commit),
and writes an audit row (`figures_reminded`, detail "2026-Q1") on the seller.

Never twice the same day: a seller already reminded of that quarter today (Vietnam's day,
read from the audit rows) is skipped. Two staff members pressing at the same moment cannot
both send: the sellers' rows are locked (`SELECT ... FOR UPDATE` on PostgreSQL) before the
audit rows are read, so the second waits for the first to commit and then sees its rows;
SQLite lets one writer at a time commit, and the second's write fails instead.
"""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from market.accounts.models import User
from market.accounts.services import notify
from market.core.audit import AuditEntry, record_audit
from market.core.domain import DomainError
from market.core.emails import render_email
from market.core.urls import public_url, site_path
from market.extensions import db
from market.sellers.models import Seller, SellerMember
from market.staff.home import REMINDED, Quarter, last_quarter, missing_figures, reminded_today, vietnam_today


@dataclass(frozen=True)
class Reminded:
    """What a press of "Remind" did: sellers told, sellers already told today, sellers with
    no owner to tell (her account was deleted)."""

    sent: int = 0
    already: int = 0
    no_owner: int = 0


def _tell(owner: User, seller: Seller, quarter: Quarter) -> None:
    """The owner's account message and email, in her language."""
    with force_locale(owner.locale or "vi"):
        subject = _("Send your figures to the union: quarter %(number)d of %(year)d",
                    number=quarter.number, year=quarter.start.year)
        body = _(
            "The Women's Union has no figures from “%(name)s” for the quarter from %(start)s to %(end)s: "
            "how many women are members, and how many stable jobs the seller gives women.\n\n"
            "Please send your figures now on the Figures page of your seller area. It takes a minute, "
            "and the union reports these figures for the programs that support you.",
            name=seller.name, start=format_date(quarter.start, "long"), end=format_date(quarter.end, "long"),
        )
    email = render_email("notice", owner.locale, subject, body=body, link=public_url("sellers.figures"))
    notify(owner, subject, body, link=site_path("sellers.figures"), email=email)


def remind_missing_figures(staff: User, now: datetime, seller_id: int | None = None) -> Reminded:
    """Remind the owners of the sellers in `staff`'s scope who owe last quarter's figures
    (`seller_id`: only that seller) to send them; commits once.

    A seller that owes nothing, or is outside the staff member's province, is a DomainError
    when named; a seller reminded of the same quarter earlier today is skipped.
    """
    if not staff.is_staff:
        raise DomainError(_("You cannot do that."))
    quarter = last_quarter(vietnam_today(now))
    query = missing_figures(staff, vietnam_today(now))
    if seller_id is not None:
        query = query.where(Seller.id == seller_id)
    sellers = list(db.session.scalars(
        query.order_by(Seller.id).with_for_update(of=Seller)
        .options(selectinload(Seller.memberships).joinedload(SellerMember.user))
    ))
    if seller_id is not None and not sellers:
        raise DomainError(_("This seller owes no figures, or is not in your province."))
    already = set(db.session.scalars(
        select(AuditEntry.subject_id).where(reminded_today(now, quarter),
                                            AuditEntry.subject_id.in_([seller.id for seller in sellers]))
    ))
    sent = no_owner = 0
    for seller in sellers:
        if seller.id in already:
            continue
        owner = seller.owner
        if owner is None:
            no_owner += 1
            continue
        _tell(owner, seller, quarter)
        record_audit(staff.id, "seller", seller.id, REMINDED, detail=quarter.key)
        sent += 1
    db.session.commit()
    return Reminded(sent, len(already), no_owner)
