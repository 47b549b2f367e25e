"""The search index against the database (`flask --app wsgi search verify`).

`verify_index()` reads the visible products in batches, in id order (the documents a
rebuild would write), and for each batch the index entries whose ids fall in the same
range, so memory stays at one batch whatever the catalog size. A visible product without
an entry is MISSING; an entry of a product that should not be listed (hidden, blocked,
deleted, its seller not approved) is EXTRA; an entry that differs is DIFFERENT, with each
differing field (name, description, price, in stock, seller, category, province, programs,
OCOP stars, listing date; for PostgreSQL also the search words and the narrow match row
that searches read); two entries of one product are a DUPLICATE. What each engine holds
and how it is read back: whoosh/check.py, postgres/check.py (registered by engines.py).

A live site keeps writing meanwhile, so a difference is reported only when it is drift:

- PostgreSQL writes the index in the product's own transaction. The products and the
  index are read in one REPEATABLE READ transaction: one snapshot, both sides as of the
  same commit.
- Whoosh is written after the commit, by the worker that made the change, within the lock
  timeout (or the change waits in the queue). A difference may be such a write on its
  way, so the products found different are read again after `grace` seconds (by default
  the lock timeout plus a second); only those whose database document did not change in
  between and that still differ are reported. Those waiting in the queue are marked: a
  write failed and the next write (or `search drain`) will bring them.

`repair=True` rewrites the reported products through the ordinary write path
(`sync.write_to_index`: read under the index's lock, so a repair never puts back an older
document than a write made meanwhile), and for PostgreSQL derives their match rows again;
then reads them once more and raises RepairFailed if any still differs.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager as ContextManager
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from market.extensions import db
from market.search import sync
from market.search.backend import ProductDocument, SearchBackend, get_backend
from market.search.documents import all_documents, documents_for
from market.search.models import SearchQueueEntry

MISSING = "missing"
EXTRA = "extra"
DIFFERENT = "different"
DUPLICATE = "duplicate"
BATCH_SIZE = 500
SNAPSHOT_ATTEMPTS = 3  # a Whoosh generation can vanish under a long read (a rebuild's swap)

_PROBLEM_TEXT = {
    MISSING: "listed in the database but not in the index",
    EXTRA: "in the index but not listed in the database",
    DUPLICATE: "in the index more than once",
}


@dataclass(frozen=True)
class Difference:
    """One field of one product: what the index holds, what the database says."""

    field: str
    index: object
    database: object

    def __str__(self) -> str:
        if isinstance(self.index, frozenset) and isinstance(self.database, frozenset):
            missing, extra = sorted(self.database - self.index), sorted(self.index - self.database)
            parts = ([f"missing {_short(' '.join(missing))}"] if missing else []) + (
                [f"extra {_short(' '.join(extra))}"] if extra else [])
            return f"{self.field}: index has {', '.join(parts)}"
        return f"{self.field}: index {_short(repr(self.index))}, database {_short(repr(self.database))}"


@dataclass(frozen=True)
class Mismatch:
    """A product whose index entry is not what the database says."""

    product_id: int
    problem: str  # MISSING, EXTRA, DIFFERENT or DUPLICATE
    differences: tuple[Difference, ...] = ()
    queued: bool = False  # waiting in search_queue: the next write brings it

    def __str__(self) -> str:
        text = _PROBLEM_TEXT.get(self.problem) or "; ".join(map(str, self.differences))
        return f"product {self.product_id}: {text}" + (" (queued for the next index write)" if self.queued else "")


@dataclass(frozen=True)
class Checker:
    """How `search verify` reads one engine (registered by engines.py, which builds them).

    `reading(backend)`: a context manager giving a session on the products and a snapshot
    of the index (`ids_between`, `expected`, `entries`, `duplicates`: see whoosh/check.py,
    postgres/check.py). `repair(product_ids)`: after a repair rewrote these products, what
    the engine derives from their entries, derived again (None: nothing)."""

    reading: Callable[[SearchBackend], ContextManager[tuple[Session, object]]]
    repair: Callable[[list[int]], None] | None = None


_CHECKERS: dict[type, Checker] = {}


def register_checker(engine: type, checker: Checker) -> None:
    """Let `search verify` read the engines of class `engine`."""
    _CHECKERS[engine] = checker


class RepairFailed(RuntimeError):
    """Some products still differ after the repair (the index could not be written?)."""

    def __init__(self, remaining: list[Mismatch], found: list[Mismatch] | None = None):
        super().__init__(f"{len(remaining)} product(s) still differ after the repair")
        self.remaining = remaining
        self.found = found or remaining  # what the verify found before repairing


def verify_index(repair: bool = False, grace: float | None = None, batch_size: int = BATCH_SIZE) -> list[Mismatch]:
    """Compare every entry of the search index with the database and return the mismatches,
    sorted by product id. Read-only unless `repair`: then the mismatching products are
    rewritten (and RepairFailed raised if any still differs). `grace`: seconds to wait
    before looking again at what differs (Whoosh; default: lock timeout + 1 s)."""
    backend = get_backend()
    found = _scan(backend, batch_size)
    if found and not backend.transactional:
        wait = float(getattr(backend, "lock_timeout", 0)) + 1.0 if grace is None else grace
        if wait > 0:
            time.sleep(wait)
        again = _scan(backend, batch_size, only=set(found))
        # A product whose database document changed in between was being written: not drift.
        found = {pid: seen for pid, seen in again.items() if pid in found and seen[1] == found[pid][1]}
    mismatches = _mark_queued([mismatch for mismatch, _doc in found.values()])
    if repair and mismatches:
        duplicates = [mismatch.product_id for mismatch in mismatches if mismatch.problem == DUPLICATE]
        try:
            repair_products([mismatch.product_id for mismatch in mismatches], batch_size, duplicates)
        except RepairFailed as failure:
            raise RepairFailed(failure.remaining, mismatches) from None
    return mismatches


def repair_products(product_ids: list[int], batch_size: int = BATCH_SIZE, duplicates: list[int] = ()) -> None:
    """Rewrite these products' index entries from the database, then check them; raises
    RepairFailed with what still differs. `duplicates` are removed first: replacing an
    entry replaces only one of a product's entries (Whoosh looks a unique id up once)."""
    backend = get_backend()
    ids = sorted(set(product_ids))
    if duplicates:
        backend.update([], sorted(set(duplicates)))  # every entry of the id; the write below brings one back
    for start in range(0, len(ids), batch_size):
        sync.write_to_index(set(ids[start:start + batch_size]))  # a failure is logged and queued
    repair_derived = _checker(backend).repair
    if repair_derived:
        repair_derived(ids)
    remaining = _scan(backend, batch_size, only=set(ids))
    if remaining:
        raise RepairFailed(_mark_queued([mismatch for mismatch, _doc in remaining.values()]))


# -- reading both sides -----------------------------------------------------------------------


Seen = tuple[Mismatch, ProductDocument | None]  # a mismatch and the database's document then


def _scan(backend: SearchBackend, batch_size: int, only: set[int] | None = None) -> dict[int, Seen]:
    """Mismatches of every product (or of `only`), by product id."""
    for attempt in range(SNAPSHOT_ATTEMPTS):
        try:
            with _reading(backend) as (session, snapshot):
                if only is None:
                    return _scan_all(session, snapshot, batch_size)
                return _scan_some(session, snapshot, sorted(only), batch_size)
        except OSError:
            if backend.transactional or attempt == SNAPSHOT_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _reading(backend: SearchBackend) -> ContextManager[tuple[Session, object]]:
    """A session on the products and a snapshot of the index, as consistent as the engine allows."""
    return _checker(backend).reading(backend)


def _checker(backend: SearchBackend) -> Checker:
    checker = next((c for engine, c in _CHECKERS.items() if isinstance(backend, engine)), None)
    if checker is None:
        raise RuntimeError(f"search verify does not know the engine {type(backend).__name__}")
    return checker


def _scan_all(session: Session, snapshot, batch_size: int) -> dict[int, Seen]:
    found: dict[int, Seen] = {}
    low = 0
    for docs in all_documents(session, batch_size):
        high = docs[-1].id
        found.update(_compare(snapshot, docs, snapshot.ids_between(low, high)))
        session.expunge_all()  # keep one batch in memory
        low = high
    rest = snapshot.ids_between(low, None)  # entries past the last listed product: all extra
    for start in range(0, len(rest), batch_size):
        found.update(_compare(snapshot, [], rest[start:start + batch_size]))
    return found


def _scan_some(session: Session, snapshot, product_ids: list[int], batch_size: int) -> dict[int, Seen]:
    found: dict[int, Seen] = {}
    for start in range(0, len(product_ids), batch_size):
        chunk = product_ids[start:start + batch_size]
        docs, _not_listed = documents_for(session, set(chunk))
        found.update(_compare(snapshot, docs, chunk))
        session.expunge_all()
    return found


def _compare(snapshot, docs: list[ProductDocument], indexed_ids: list[int]) -> dict[int, Seen]:
    """Mismatches among `docs` (what should be indexed) and the entries of `indexed_ids`."""
    by_id = {doc.id: doc for doc in docs}
    expected = snapshot.expected(docs)
    entries = snapshot.entries(sorted(set(expected) | set(indexed_ids)))
    found: dict[int, Seen] = {}
    for product_id in sorted(set(expected) | set(entries)):
        doc, entry, wanted = by_id.get(product_id), entries.get(product_id), expected.get(product_id)
        if entry is None:
            mismatch = Mismatch(product_id, MISSING)
        elif wanted is None:
            mismatch = Mismatch(product_id, EXTRA)
        elif product_id in snapshot.duplicates:
            mismatch = Mismatch(product_id, DUPLICATE)
        else:
            differences = tuple(
                Difference(field, entry.get(field), wanted.get(field))
                for field in dict.fromkeys([*wanted, *entry]) if entry.get(field) != wanted.get(field))
            if not differences:
                continue
            mismatch = Mismatch(product_id, DIFFERENT, differences)
        found[product_id] = (mismatch, doc)
    return found


def _mark_queued(mismatches: list[Mismatch]) -> list[Mismatch]:
    ids = [mismatch.product_id for mismatch in mismatches]
    queued: set[int] = set()
    with Session(db.engine) as session:
        for start in range(0, len(ids), BATCH_SIZE):
            chunk = ids[start:start + BATCH_SIZE]
            queued.update(session.scalars(select(SearchQueueEntry.product_id).where(SearchQueueEntry.product_id.in_(chunk))))
    marked = [Mismatch(m.product_id, m.problem, m.differences, m.product_id in queued) for m in mismatches]
    return sorted(marked, key=lambda mismatch: mismatch.product_id)


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
