"""The money rules every order obeys, written down as a check.

An order's amounts are fixed once, when it is placed, from what was actually taken
(quantity × price stored on each line). These rules say they add up:

- each line: line total = unit price × quantity;
- each seller's part: items subtotal = Σ its lines; shipping only where there are lines;
  subtotal = items + shipping; commission = the part's rate on its goods; commission + net
  = subtotal;
- the order: items total = Σ parts' items, shipping total = Σ parts' shipping, total = Σ
  parts' subtotals.

`order_mismatches` checks one order; `guard_order_totals` runs it before every commit that
wrote an order's amounts (a mismatch stops the commit, so nothing half-right is ever
stored); `verify_orders` checks every stored order (`flask --app wsgi orders verify`).
"""
import logging
from collections.abc import Iterator
from dataclasses import dataclass

from flask_sqlalchemy.session import Session as AppSession
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import selectinload

from market.extensions import db
from market.orders.models import Order, OrderLine, SellerOrder
from market.orders.pricing import commission

log = logging.getLogger(__name__)

# Columns whose change means an order's money must be checked again.
_MONEY_COLUMNS = {
    Order: ("items_total_vnd", "shipping_total_vnd", "total_vnd"),
    SellerOrder: ("items_subtotal_vnd", "shipping_vnd", "subtotal_vnd", "commission_rate_bp", "commission_vnd",
                  "net_vnd"),
    OrderLine: ("unit_price_vnd", "quantity", "line_total_vnd"),
}
_SESSION_KEY = "orders_to_check"


@dataclass(frozen=True)
class Mismatch:
    """One broken rule of one order, in words a person on call understands."""

    order_number: str
    rule: str
    stored: int
    expected: int

    def __str__(self) -> str:
        return f"{self.order_number}: {self.rule}: stored {self.stored}, expected {self.expected}"


class OrderTotalsError(RuntimeError):
    """An order about to be committed does not add up: the transaction must not commit."""

    def __init__(self, mismatches: list[Mismatch]):
        super().__init__("; ".join(str(mismatch) for mismatch in mismatches))
        self.mismatches = mismatches


def _part_mismatches(number: str, part: SellerOrder) -> Iterator[Mismatch]:
    where = f"seller order {part.id} (seller {part.seller_id})"
    for line in part.lines:
        expected = line.unit_price_vnd * line.quantity
        if line.line_total_vnd != expected:
            yield Mismatch(number, f"{where}, line {line.id}: line total = price × quantity",
                           line.line_total_vnd, expected)
    lines_total = sum(line.line_total_vnd for line in part.lines)
    if part.items_subtotal_vnd != lines_total:
        yield Mismatch(number, f"{where}: items subtotal = sum of lines", part.items_subtotal_vnd, lines_total)
    if not part.lines and part.shipping_vnd:
        yield Mismatch(number, f"{where}: shipping charged without lines", part.shipping_vnd, 0)
    if part.subtotal_vnd != part.items_subtotal_vnd + part.shipping_vnd:
        yield Mismatch(number, f"{where}: subtotal = items + shipping", part.subtotal_vnd,
                       part.items_subtotal_vnd + part.shipping_vnd)
    expected_fee = commission(part.items_subtotal_vnd, part.commission_rate_bp)
    if part.commission_vnd != expected_fee:
        yield Mismatch(number, f"{where}: commission = rate × items", part.commission_vnd, expected_fee)
    if part.commission_vnd + part.net_vnd != part.subtotal_vnd:
        yield Mismatch(number, f"{where}: commission + net = subtotal", part.commission_vnd + part.net_vnd,
                       part.subtotal_vnd)


def order_mismatches(order: Order) -> list[Mismatch]:
    """Every rule of the module docstring that `order` (with its parts and lines) breaks."""
    number = order.number
    found = [mismatch for part in order.seller_orders for mismatch in _part_mismatches(number, part)]
    parts = order.seller_orders
    if not parts:
        found.append(Mismatch(number, "an order has at least one seller's part", 0, 1))
    for rule, stored, expected in (
        ("items total = sum of parts' items", order.items_total_vnd, sum(p.items_subtotal_vnd for p in parts)),
        ("shipping total = sum of parts' shipping", order.shipping_total_vnd, sum(p.shipping_vnd for p in parts)),
        ("total = sum of parts", order.total_vnd, sum(p.subtotal_vnd for p in parts)),
    ):
        if stored != expected:
            found.append(Mismatch(number, rule, stored, expected))
    return found


def verify_orders(batch_size: int = 500) -> Iterator[Mismatch]:
    """Check every stored order, oldest first, in batches (read-only; safe on a live database).

    Each batch is read in one statement per table, so an order placed meanwhile is seen
    whole or not at all (placing is one transaction).
    """
    last_id = 0
    while True:
        orders = db.session.scalars(
            select(Order).where(Order.id > last_id).order_by(Order.id).limit(batch_size)
            .options(selectinload(Order.seller_orders).selectinload(SellerOrder.lines))
        ).all()
        if not orders:
            return
        for order in orders:
            yield from order_mismatches(order)
        last_id = orders[-1].id
        db.session.expunge_all()  # keep memory flat over a large table


# --- the guard before every commit ----------------------------------------------------------

def _order_of(obj) -> Order | None:
    if isinstance(obj, Order):
        return obj
    if isinstance(obj, SellerOrder):
        return obj.order
    if isinstance(obj, OrderLine):
        return obj.seller_order.order if obj.seller_order is not None else None
    return None


def _money_changed(obj) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in _MONEY_COLUMNS[type(obj)])


def _note_orders_written(session, _flush_context, _instances=None) -> None:
    """Before a flush: remember the orders whose amounts this transaction writes."""
    touched = session.info.setdefault(_SESSION_KEY, set())
    for obj in list(session.new) + list(session.dirty):
        if type(obj) in _MONEY_COLUMNS and (obj in session.new or _money_changed(obj)):
            order = _order_of(obj)
            if order is not None:
                touched.add(order)


def _check_before_commit(session) -> None:
    touched = session.info.get(_SESSION_KEY)
    if not touched:
        return
    session.flush()  # the last changes go through the listener above too
    mismatches = [mismatch for order in session.info.pop(_SESSION_KEY, set()) for mismatch in order_mismatches(order)]
    if mismatches:
        log.error("Refusing to commit orders that do not add up: %s", "; ".join(map(str, mismatches)))
        raise OrderTotalsError(mismatches)


def _forget_noted(session, *_args) -> None:
    session.info.pop(_SESSION_KEY, None)


def guard_order_totals() -> None:
    """Check the money rules of every order a transaction writes, before it commits."""
    for name, listener in (("before_flush", _note_orders_written), ("before_commit", _check_before_commit),
                           ("after_rollback", _forget_noted), ("after_soft_rollback", _forget_noted)):
        if not event.contains(AppSession, name, listener):
            event.listen(AppSession, name, listener)
