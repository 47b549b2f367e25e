"""Paged lists: the `?page=` argument, and one page of a query's results."""
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from market.core.numbers import int_arg
from market.extensions import db

MAX_PAGE = 99_999


def page_number() -> int:
    """The page asked for: a positive number of at most 5 digits, else 1 (never an error)."""
    return int_arg("page", 1, minimum=1, maximum=MAX_PAGE)


@dataclass
class Page:
    """One page of a list: its items, how many there are in all, and where this page is."""

    items: list[Any]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """How many pages the list has; an empty list still has one (empty) page."""
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(query: Select, page: int, per_page: int, total: int | None = None) -> Page:
    """Page `page` of `query`'s entities, in two queries: the count and the page (one when
    the caller already knows `total`).

    A page past the end shows the last page (a bookmarked page 9 of a list that shrank
    still shows products, not nothing). Eager loads on `query` apply to the page's items
    only; the count leaves out the ordering.
    """
    if total is None:
        total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page = max(1, min(page, max(1, -(-total // per_page))))
    # unique(): a joined eager load of a collection repeats the parent row.
    items = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).unique())
    return Page(items, total, page, per_page)
