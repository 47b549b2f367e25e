"""What the platform and each seller owe each other.

With cash on delivery the seller holds the cash and owes the commission; with card or
transfer the platform holds the money and owes the seller the net. Entries are written
when a seller's part is delivered (one of each kind per seller order, enforced by a unique
constraint), taken back on refund, and settled by staff when money changes hands.
"""
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select

from market.accounts.models import User
from market.core.audit import record_audit
from market.core.csv_export import csv_bytes
from market.core.days import DayRange
from market.core.domain import DomainError
from market.extensions import db
from market.orders.models import LedgerEntry, LedgerKind, SellerOrder, SellerOrderStatus
from market.sellers.models import Seller


def _entry(seller_order: SellerOrder, kind: str, amount_vnd: int, actor_id: int | None = None) -> LedgerEntry:
    entry = LedgerEntry(seller_id=seller_order.seller_id, seller_order_id=seller_order.id, kind=kind,
                        amount_vnd=amount_vnd, memo=seller_order.order.number, created_by_id=actor_id)
    db.session.add(entry)
    return entry


def _has(seller_order: SellerOrder, kind: str) -> bool:
    return db.session.scalar(
        select(LedgerEntry.id).where(LedgerEntry.seller_order_id == seller_order.id, LedgerEntry.kind == kind)
    ) is not None


def commission_owed(seller_order: SellerOrder) -> None:
    """Cash on delivery, delivered: the seller owes the platform its commission."""
    if not _has(seller_order, LedgerKind.COMMISSION_OWED):
        _entry(seller_order, LedgerKind.COMMISSION_OWED, -seller_order.commission_vnd)


def net_owed(seller_order: SellerOrder) -> None:
    """Paid online, delivered: the platform owes the seller the net."""
    if not _has(seller_order, LedgerKind.NET_OWED):
        _entry(seller_order, LedgerKind.NET_OWED, seller_order.net_vnd)


def take_back(seller_order: SellerOrder) -> None:
    """Refunded: what the platform owed the seller for this part is owed no more."""
    if _has(seller_order, LedgerKind.NET_OWED) and not _has(seller_order, LedgerKind.REFUND):
        _entry(seller_order, LedgerKind.REFUND, -seller_order.net_vnd)


def record_settlement(staff: User, seller_id: int, amount_vnd: int, memo: str) -> LedgerEntry:
    """Money handed over: positive when the seller paid the platform, negative when the
    platform paid the seller (so the balance moves towards zero). Audited."""
    if not staff.is_central_staff:
        raise DomainError(_("Only central staff record settlements."))
    if not isinstance(amount_vnd, int) or amount_vnd == 0 or abs(amount_vnd) > 10_000_000_000:
        raise DomainError(_("Enter a non-zero amount in đồng."), "amount")
    memo = (memo or "").strip()[:300]
    if not memo:
        raise DomainError(_("Say what this settlement was (e.g. the bank transfer's reference)."), "memo")
    if db.session.get(Seller, seller_id) is None:
        raise DomainError(_("This seller does not exist."))
    entry = LedgerEntry(seller_id=seller_id, kind=LedgerKind.SETTLEMENT, amount_vnd=amount_vnd, memo=memo,
                        created_by_id=staff.id)
    db.session.add(entry)
    db.session.flush()
    record_audit(staff.id, "seller", seller_id, "settlement_recorded", detail=f"{amount_vnd} ₫ {memo}"[:300])
    db.session.commit()
    return entry


@dataclass
class SellerMoney:
    """One seller's figures: delivered sales, commission, net, orders, and ledger balance."""

    seller_id: int
    seller_name: str
    orders: int  # seller orders placed and not cancelled
    sales_vnd: int  # delivered: what shoppers paid for this seller's parts
    commission_vnd: int
    net_vnd: int
    balance_vnd: int  # > 0: the platform owes the seller; < 0: the seller owes the platform


def _money_query(seller_ids=None, days: DayRange = DayRange()):
    """One row per seller. Over a range of days: orders placed in it, sales delivered in it,
    and the balance as it stood at the range's end (every entry written before then)."""
    delivered = and_(SellerOrder.status == SellerOrderStatus.DELIVERED, *days.conditions(SellerOrder.delivered_at))
    live = and_(SellerOrder.status.not_in((SellerOrderStatus.CANCELLED, SellerOrderStatus.AWAITING_PAYMENT)),
                *days.conditions(SellerOrder.created_at))
    orders = (
        select(
            SellerOrder.seller_id.label("seller_id"),
            func.sum(case((live, 1), else_=0)).label("orders"),
            func.sum(case((delivered, SellerOrder.subtotal_vnd), else_=0)).label("sales"),
            func.sum(case((delivered, SellerOrder.commission_vnd), else_=0)).label("commission"),
            func.sum(case((delivered, SellerOrder.net_vnd), else_=0)).label("net"),
        ).group_by(SellerOrder.seller_id).subquery()
    )
    _start, end = days.bounds()
    balances = (
        select(LedgerEntry.seller_id.label("seller_id"), func.sum(LedgerEntry.amount_vnd).label("balance"))
        .where(*([LedgerEntry.created_at < end] if end else []))
        .group_by(LedgerEntry.seller_id).subquery()
    )
    query = (
        select(Seller.id, Seller.name, orders.c.orders, orders.c.sales, orders.c.commission, orders.c.net,
               balances.c.balance)
        .outerjoin(orders, orders.c.seller_id == Seller.id)
        .outerjoin(balances, balances.c.seller_id == Seller.id)
        .where((orders.c.seller_id.is_not(None)) | (balances.c.seller_id.is_not(None)))
        .order_by(Seller.name)
    )
    if seller_ids is not None:
        query = query.where(Seller.id.in_(seller_ids))
    return query


def _row(row) -> SellerMoney:
    return SellerMoney(row[0], row[1], *(int(value or 0) for value in row[2:]))


def seller_money(seller_id: int) -> SellerMoney:
    """A seller's sales, commission, net and balance (zeros before its first order)."""
    row = db.session.execute(_money_query([seller_id])).first()
    if row is None:
        seller = db.session.get(Seller, seller_id)
        return SellerMoney(seller_id, seller.name if seller else "", 0, 0, 0, 0, 0)
    return _row(row)


def all_balances(seller_ids=None, days: DayRange = DayRange()) -> list[SellerMoney]:
    """Every seller with orders or ledger entries (optionally a subset), by name; over `days`
    (Vietnam's calendar) when given: see `_money_query`."""
    return [_row(row) for row in db.session.execute(_money_query(seller_ids, days))]


def statement(seller_id: int, limit: int = 500) -> list[LedgerEntry]:
    """A seller's ledger entries, newest first, with a running balance on each (`balance_after`)."""
    entries = list(db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.seller_id == seller_id).order_by(LedgerEntry.id)
    ))
    running = 0
    for entry in entries:
        running += entry.amount_vnd
        entry.balance_after = running
    return list(reversed(entries))[:limit]


BALANCES_CSV_HEADER = ["seller_id", "seller", "orders", "sales_vnd", "commission_vnd", "net_vnd", "balance_vnd"]


def balances_csv(rows: list[SellerMoney]) -> bytes:
    """The balances as CSV (UTF-8 with a BOM; a name cannot run as a formula). The headers are
    fixed keys, not translated: finance staff's spreadsheets read the columns by them."""
    return csv_bytes(BALANCES_CSV_HEADER, (
        [row.seller_id, row.seller_name, row.orders, row.sales_vnd, row.commission_vnd, row.net_vnd, row.balance_vnd]
        for row in rows
    ))
