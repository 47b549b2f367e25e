"""Payment anomalies: provider events we refused to act on, kept for central staff.

A signed event can still be wrong for the order it names: another Checkout Session than the
one we opened, another currency, another amount, a refund of part of the money or of another
charge. Such an event changes nothing on the order; it is kept here (in the same transaction
as the event's id, so a repeated delivery adds nothing) and central staff are told, since
money may have moved that only they can send back. Staff mark an anomaly resolved with a
note, which is audited.
"""
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from market.accounts.models import Role, User
from market.accounts.services import notify
from market.core.audit import record_audit
from market.core.clock import utcnow
from market.core.domain import DomainError
from market.core.paging import Page, paginate
from market.core.urls import site_path
from market.extensions import db
from market.orders.models import Order
from market.payments.models import PaymentAnomaly

PAGE_SIZE = 30
NOTE_MAX = 500

# What went wrong, as staff read it.
KIND_LABELS = {
    "unknown_session": _l("Not the Checkout Session opened for this order"),
    "currency_mismatch": _l("Not paid in đồng"),
    "amount_mismatch": _l("Amount differs from what is due"),
    "refund_mismatch": _l("Refund of a charge that is not the order's payment"),
    "partial_refund": _l("Partial refund"),
}


@dataclass(frozen=True)
class Mismatch:
    """What did not match in one payment event.

    `describe()` says it in the current language (called once per reader); `amount` and
    `currency` are as the event gave them (the amount in that currency's smallest unit).
    """

    kind: str
    describe: Callable[[], str]
    amount: int | None
    currency: str | None


def record(provider: str, event_id: str, event_type: str, order: Order | None, mismatch: Mismatch) -> PaymentAnomaly:
    """Keep `mismatch` as an open anomaly and tell every central staff member.

    Joins the caller's transaction: the caller commits it with the event's id, so an event
    delivered again finds its id stored and adds no second anomaly.
    """
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "vi")):
        detail = mismatch.describe()
    anomaly = PaymentAnomaly(
        provider=provider, event_id=event_id[:255], event_type=event_type[:100], order=order,
        kind=mismatch.kind, detail=detail, amount=mismatch.amount,
        currency=mismatch.currency[:10] if mismatch.currency else None,
    )
    db.session.add(anomaly)
    _tell_central_staff(order, mismatch)
    return anomaly


def _central_staff() -> list[User]:
    return list(db.session.scalars(
        select(User).where(User.role == Role.STAFF, User.staff_province_code.is_(None))
    ))


def _tell_central_staff(order: Order | None, mismatch: Mismatch) -> None:
    """An account message and an email to each central staff member, in their language."""
    number = order.number if order is not None else "–"
    for user in _central_staff():
        with force_locale(user.locale or "vi"):
            subject = _("Payment anomaly: order %(number)s", number=number)
            body = _("A payment event for order %(number)s was not applied: %(kind)s. %(detail)s "
                     "The order was not changed. Check the payment in Stripe, refund the shopper if "
                     "money arrived, then mark the anomaly resolved.",
                     number=number, kind=KIND_LABELS.get(mismatch.kind, mismatch.kind),
                     detail=mismatch.describe())
        notify(user, subject, body, link=site_path("payments.staff_payment_anomalies"))


def _open():
    return PaymentAnomaly.resolved_at.is_(None)


def open_count() -> int:
    """How many anomalies wait for staff."""
    return db.session.scalar(select(func.count()).select_from(PaymentAnomaly).where(_open()))


def open_anomalies(page: int) -> Page:
    """One page of open anomalies, newest first, each with its order loaded (the list links it)."""
    query = (
        select(PaymentAnomaly).where(_open()).options(joinedload(PaymentAnomaly.order))
        .order_by(PaymentAnomaly.created_at.desc(), PaymentAnomaly.id.desc())
    )
    return paginate(query, page, PAGE_SIZE)


def resolve(staff: User, anomaly_id: int, note: str | None) -> None:
    """Central staff settled an anomaly (refunded the shopper in Stripe, found it harmless...)
    and say how; the note is kept in the audit trail.

    A conditional UPDATE, so two staff members resolving at once cannot both do it.
    """
    if not staff.is_central_staff:
        raise DomainError(_("Only central staff resolve payment anomalies."))
    note = (note or "").strip()[:NOTE_MAX]
    if not note:
        raise DomainError(_("Say what was done about it."), "note")
    resolved = db.session.execute(
        update(PaymentAnomaly).where(PaymentAnomaly.id == anomaly_id, _open())
        .values(resolved_at=utcnow(), resolved_by_id=staff.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if resolved != 1:
        db.session.rollback()
        raise DomainError(_("This anomaly has already been resolved."))
    record_audit(staff.id, "payment_anomaly", anomaly_id, "anomaly_resolved", reason=note)
    db.session.commit()
