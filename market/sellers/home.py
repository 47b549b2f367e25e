"""What the seller home (/sell) shows an approved seller's member: the work waiting now, each
with its count, and this month's sales against the same days of last month (Vietnam's calendar).

Sellers sit below catalog and orders, so the counts of products and orders come from a
provider those domains register here (`market.orders.seller_home`); this module asks the
seller's own questions (changes the union asked for, figures due) and adds theirs.

Speed: the seller's own questions are one query; each provider answers in a fixed number of
aggregate queries; nothing runs per row (tests/test_seller_home.py counts the statements).
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Callable

from sqlalchemy import and_, func, select

from market.core.days import start_of_day, vietnam
from market.extensions import db
from market.sellers.models import Seller, SellerFigures
from market.sellers.services import quarter_start


@dataclass(frozen=True)
class Span:
    """This month so far [this_start, now) and the same stretch of last month
    [last_start, same_end), as UTC instants for SQL."""

    today: date
    this_start: datetime
    now: datetime
    last_start: datetime
    same_end: datetime
    last_month: date  # its first day
    same_until: date  # the last day (in Vietnam) of last month's stretch

    def this_month(self, column):
        return and_(column >= self.this_start, column < self.now)

    def same_days(self, column):
        return and_(column >= self.last_start, column < self.same_end)


def span_at(now: datetime) -> Span:
    today = now.astimezone(vietnam()).date()
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    this_start, last_start = start_of_day(this_month), start_of_day(last_month)
    # "1–14 December so far" against "1–14 November": the same time elapsed, capped at its end.
    same_end = min(last_start + (now - this_start), this_start)
    same_until = (same_end - timedelta(microseconds=1)).astimezone(vietnam()).date()
    return Span(today, this_start, now, last_start, same_end, last_month, same_until)


@dataclass(frozen=True)
class Sales:
    """Seller orders placed (cancelled and unpaid-ahead ones left out), units and revenue
    (goods and shipping), this month so far and in the same days of last month."""

    orders: int = 0
    units: int = 0
    revenue_vnd: int = 0
    orders_before: int = 0
    units_before: int = 0
    revenue_before_vnd: int = 0


@dataclass
class Home:
    """`todo` maps a task's key to its count (only tasks with something to do)."""

    span: Span
    todo: dict[str, int]
    sales: Sales
    quarter: date  # first day of the current quarter


# A provider takes (seller_id, span, low_stock_threshold) and returns (todo counts, Sales).
Provider = Callable[[int, Span, int], tuple[dict[str, int], Sales]]
_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    """Let another domain add its counts to the seller home (used as a decorator)."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def seller_home(seller: Seller, now: datetime, low_stock: int) -> Home:
    span = span_at(now)
    quarter = quarter_start(span.today)
    latest = db.session.scalar(select(func.max(SellerFigures.period_start)).where(SellerFigures.seller_id == seller.id))
    todo: dict[str, int] = {}
    if latest is None or latest < quarter:
        todo["figures"] = 1
    sales = Sales()
    for provider in _providers:
        counts, provided = provider(seller.id, span, low_stock)
        sales = provided or sales
        todo.update({key: count for key, count in counts.items() if count})
    return Home(span, todo, sales, quarter)
