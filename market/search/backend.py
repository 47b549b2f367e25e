"""The search interface the storefront uses; engines implement `SearchBackend`.

The storefront builds a `SearchRequest`, gets a `SearchResult` back and knows nothing of
the engine. Engines index `ProductDocument`s (see documents.py): only visible products
(active, of an approved seller) are ever in an index.
"""
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app

SORTS = ("relevance", "price_asc", "price_desc", "newest")
# Price bands for the facet and filter, in đồng: (key, lowest included, highest excluded).
PRICE_BANDS = (
    ("0-100000", 0, 100_000),
    ("100000-300000", 100_000, 300_000),
    ("300000-1000000", 300_000, 1_000_000),
    ("1000000-", 1_000_000, None),
)
MAX_QUERY_LENGTH = 200


class IndexBusy(Exception):
    """Another writer held the index longer than the lock timeout; try again later."""


@dataclass(frozen=True)
class ProductDocument:
    """What the index knows of one visible product (texts are as written, not folded)."""

    id: int
    slug: str
    name: str
    description: str
    seller_name: str
    seller_slug: str
    category_id: int
    category_ids: tuple[int, ...]  # the category and its parent, for "category with sub-categories"
    category_name: str
    province_code: str
    program_ids: tuple[int, ...]
    program_badges: tuple[str, ...]
    ocop_stars: int | None  # verified stars only
    price_vnd: int
    in_stock: bool
    stock: int
    listed_at: datetime
    image_token: str | None


@dataclass(frozen=True)
class SearchRequest:
    text: str = ""
    category_id: int | None = None  # matches the category and its sub-categories
    province_code: str | None = None
    program_id: int | None = None
    ocop_stars: int | None = None
    price_band: str | None = None  # a key of PRICE_BANDS
    in_stock_only: bool = False
    sort: str = "relevance"
    page: int = 1
    per_page: int = 24
    highlight: bool = True  # hits' name and description as Snippets (None without: the API shows none)


@dataclass(frozen=True)
class Snippet:
    """Highlighted text as parts; `matched` parts are the query's words (render escaped)."""

    parts: tuple[tuple[str, bool], ...]


@dataclass(frozen=True)
class Hit:
    product_id: int
    score: float
    name: Snippet | None  # None when the request asked for no highlight
    description: Snippet | None


@dataclass
class SearchResult:
    hits: list[Hit]
    total: int
    page: int
    per_page: int
    # facet name ("category", "province", "program", "ocop", "price", "in_stock") -> {value: count}
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    suggestion: str | None = None  # "did you mean", a whole corrected query
    # When what was typed found nothing and the storefront searched something near it
    # (services.search_products): how ("telex", "category" or "fewer_words"), what it
    # searched, and the words it left out.
    relaxed: str | None = None
    searched_text: str | None = None
    dropped_words: tuple[str, ...] = ()

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


ProgressCallback = Callable[[int], None]
WriteFunction = Callable[[list[ProductDocument], list[int]], None]


class SearchBackend(ABC):
    """An engine. Writes come after the database commit, except for engines that are
    `transactional` (their `apply_in_transaction` runs inside the product's transaction)."""

    transactional = False

    def apply_in_transaction(self, session, documents: list[ProductDocument], removed_ids: list[int]) -> None:
        """For `transactional` engines: write inside the caller's transaction (no commit)."""
        raise NotImplementedError

    def lock_products(self, session, product_ids: set[int]) -> None:
        """For `transactional` engines: called in the caller's transaction before the
        products' documents are read, so that transactions writing the same products read
        them one after the other. Nothing by default."""

    @abstractmethod
    def update(self, documents: list[ProductDocument], removed_ids: list[int]) -> None:
        """Add or replace `documents` and remove `removed_ids` (absent ids are fine)."""

    @contextmanager
    def writing(self) -> Iterator[WriteFunction]:
        """Hold the index for writing and give the function that writes to it.

        Read what to write (from the database) only once inside: then no document read
        before a write that landed earlier can land after it (see sync.write_to_index).
        Raises when the index cannot be had (IndexBusy for Whoosh). Engines without a
        writer lock of their own just write through `update`."""
        yield self.update

    @abstractmethod
    def search(self, request: SearchRequest) -> SearchResult:
        """Every query word must match (fuzzy when there are few exact hits); never raises
        on any text: a hostile query gives an empty result."""

    @abstractmethod
    def suggest(self, text: str, limit: int = 8) -> list[str]:
        """Product names for the as-you-type box (the last word matched as a prefix)."""

    @abstractmethod
    def rebuild(self, batches: Iterable[list[ProductDocument]], progress: ProgressCallback | None = None) -> int:
        """Build a fresh index from all documents and swap it in atomically; returns the count."""


# app.extensions key of the function that builds the configured engine (set by engines.py
# where the app is built, so this module imports no engine).
BACKEND_FACTORY = "search_backend_factory"


def get_backend() -> SearchBackend:
    """The engine `SEARCH_BACKEND` names (one instance per app, built on first use)."""
    backend = current_app.extensions.get("search_backend")
    if backend is None:
        backend = current_app.extensions[BACKEND_FACTORY](current_app)
        current_app.extensions["search_backend"] = backend
    return backend
