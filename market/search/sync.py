"""Keeping the index in step with the database.

Every flush notes which products, sellers, enrolments and programs changed (plus rows
changed by UPDATE statements, via `market.core.changes.note_changed`). Before the commit
these become product ids.

A product whose stock alone moved by an UPDATE (`note_stock_changed`: an order taking it, a
cancellation putting it back) is written only when its stock crossed zero: the index holds
whether a product is in stock, never how many (`ProductDocument.stock` is stored by no
engine), so any other stock move leaves its document as it was. Placing an order thus
writes nothing to the index unless it sells the last unit of something.

A transactional engine (PostgreSQL) writes them in the same transaction, having first
locked them (`backend.lock_products`) so that it reads them after any other transaction
writing them has committed.

Other engines (Whoosh) are written after the commit, by the worker that made the change,
in a session of its own. Two rules keep such an index equal to the database whatever the
workers do at the same moment:

- The ids go into the `search_queue` table in the product's own transaction (an outbox):
  a busy index, a failed write or a worker killed after its commit leaves them queued,
  never nothing. The write after the commit takes them out of the queue.
- A write reads the documents it writes only once it holds the index (`backend.writing()`).
  Writes land one at a time, and each read the database after every write that landed
  before it, so an older document can never replace a newer one. (Reading first and
  locking second let a worker that read a product just before another worker committed and
  wrote a newer version put the old version back, for good.) A queue row is removed, still
  under the lock, only if nothing queued it again since the write read it (its `attempts`
  counter is a version); if something did, the write goes round once more.

What waits in the queue is written by the next write (which takes up to QUEUE_BATCH
waiting products along) and by `flask --app wsgi search drain`; every failure is logged.
`flask --app wsgi search verify` compares the whole index with the database (verify.py).
"""
import time

from flask import current_app, has_app_context
from flask_sqlalchemy.session import Session as AppSession
from sqlalchemy import delete, event, func, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from market.catalog.models import Product, ProductImage
from market.extensions import db
from market.programs.models import Enrolment, Program
from market.search.backend import IndexBusy, get_backend
from market.search.documents import documents_for, product_ids_of_sellers
from market.search.models import SearchQueueEntry
from market.search import pg_models  # noqa: F401  (the product_search table, for Alembic)
from market.sellers.models import Seller

PENDING = "search_pending"  # session.info keys
PRODUCT_IDS = "search_product_ids"
STOCK_MOVES = "stock_moves"  # written by market.core.changes.note_stock_changed
QUEUE_BATCH = 500  # waiting products a write takes along besides its own (also the size of one statement)
MAX_ROUNDS = 3  # times one write goes round while newer changes of its products keep being queued
QUEUE_RETRIES = 3  # attempts at queueing the ids of a failed write (the database may be busy too)


def _pending(session) -> dict[str, set[int]]:
    return session.info.setdefault(PENDING, {"products": set(), "sellers": set(), "programs": set()})


def _note_object(pending: dict, obj) -> None:
    if isinstance(obj, Product):
        pending["products"].add(obj.id)
    elif isinstance(obj, ProductImage):
        pending["products"].add(obj.product_id)
    elif isinstance(obj, Seller):
        pending["sellers"].add(obj.id)
    elif isinstance(obj, Enrolment):
        pending["sellers"].add(obj.seller_id)
    elif isinstance(obj, Program):
        pending["programs"].add(obj.id)


def _after_flush(session, _context) -> None:
    pending = _pending(session)
    for obj in (*session.new, *session.dirty, *session.deleted):
        _note_object(pending, obj)


# Models whose rows may change through UPDATE statements (see market.core.changes).
_NOTED_MODELS = {model.__name__: model for model in (Product, Seller, Enrolment, Program)}


def _stock_crossing_zero(session) -> set[int]:
    """Products whose stock alone moved (by UPDATE) and went from none to some or back."""
    moves = session.info.pop(STOCK_MOVES, {})
    return {object_id for (model_name, object_id), (before, after) in moves.items()
            if model_name == Product.__name__ and (before > 0) != (after > 0)}


def _affected_products(session) -> set[int]:
    crossing = _stock_crossing_zero(session)
    pending = _pending(session)
    for model_name, object_id in session.info.pop("changed_rows", set()):
        model = _NOTED_MODELS.get(model_name)
        obj = session.get(model, object_id) if model is not None else None
        if obj is not None:
            _note_object(pending, obj)
    session.info.pop(PENDING)
    if pending["programs"]:
        pending["sellers"] |= set(
            session.scalars(select(Enrolment.seller_id).where(Enrolment.program_id.in_(sorted(pending["programs"]))))
        )
    pending["products"].discard(None)
    return pending["products"] | crossing | product_ids_of_sellers(session, pending["sellers"])


def _before_commit(session) -> None:
    if not has_app_context() or session.info.get("search_disabled"):
        return
    session.flush()
    ids = _affected_products(session)
    if not ids:
        return
    backend = get_backend()
    if backend.transactional:
        backend.lock_products(session, ids)  # read after any other transaction writing them
        documents, removed = documents_for(session, ids)
        backend.apply_in_transaction(session, documents, removed)
    else:
        _queue(session, ids)  # the outbox: committed with the change, or not at all
        session.info[PRODUCT_IDS] = ids


def _after_commit(session) -> None:
    session.info.pop(STOCK_MOVES, None)  # left by a commit that had the index off
    ids = session.info.pop(PRODUCT_IDS, None)
    if ids:
        _write(ids, queued_only=True)


def _after_rollback(session) -> None:
    session.info.pop(PENDING, None)
    session.info.pop(PRODUCT_IDS, None)
    session.info.pop("changed_rows", None)
    session.info.pop(STOCK_MOVES, None)


def write_to_index(product_ids: set[int]) -> bool:
    """Write these products (and up to QUEUE_BATCH others waiting in the queue) to the index,
    reading them from the database only once the index is held. On failure the products
    stay queued and the failure is logged. Returns whether the write succeeded; never raises."""
    return _write(set(product_ids), queued_only=False)


def _write(product_ids: set[int], queued_only: bool) -> bool:
    """Write `product_ids` and up to QUEUE_BATCH other queued products. `queued_only`: of
    `product_ids`, only those still queued (another worker wrote the others since, from a
    read made after they were queued)."""
    backend = get_backend()
    try:
        if backend.transactional:
            _write_in_transaction(backend, product_ids)
        else:
            _write_under_lock(backend, product_ids, queued_only)
    except Exception as error:  # a busy or broken index must never fail the request
        current_app.logger.warning(
            "search index write failed (%s); products %s stay queued for the next write or `flask search drain`",
            error, _ids_text(product_ids), exc_info=not isinstance(error, IndexBusy))  # busy: no traceback
        _queue_after_failure(product_ids)
        return False
    return True


def _write_under_lock(backend, product_ids: set[int], queued_only: bool) -> None:
    for _round in range(MAX_ROUNDS):
        with backend.writing() as write, Session(db.engine) as session:
            queued = _queued(session, product_ids)
            ids = set(queued) if queued_only else product_ids | set(queued)
            if ids:
                documents, removed = documents_for(session, ids)
                session.rollback()  # end the read; nothing of it is kept
                write(documents, removed)
            requeued = _forget(session, queued)
        if not requeued:
            return
        # Changed (and queued) again while this write read them: once more, from a fresh read.
        product_ids, queued_only = requeued, True
    current_app.logger.info("search index: products %s keep changing; they stay queued", _ids_text(product_ids))


def _write_in_transaction(backend, product_ids: set[int]) -> None:
    """A transactional engine: read and write in one transaction of our own (the engine
    also takes what waits in its queue)."""
    with Session(db.engine) as session:
        backend.lock_products(session, product_ids)
        documents, removed = documents_for(session, product_ids)
        backend.apply_in_transaction(session, documents, removed)
        session.commit()


def _queued(session: Session, product_ids: set[int]) -> dict[int, int]:
    """{product id: attempts} of the queue rows of `product_ids` and of the QUEUE_BATCH
    longest waiting."""
    rows = dict(session.execute(
        select(SearchQueueEntry.product_id, SearchQueueEntry.attempts)
        .order_by(SearchQueueEntry.queued_at, SearchQueueEntry.product_id).limit(QUEUE_BATCH)
    ).all())
    for chunk in _chunks(sorted(product_ids)):
        rows.update(session.execute(
            select(SearchQueueEntry.product_id, SearchQueueEntry.attempts).where(SearchQueueEntry.product_id.in_(chunk))
        ).all())
    return rows


def _forget(session: Session, queued: dict[int, int]) -> set[int]:
    """Remove the queue rows just written, unless queued again meanwhile (call holding the
    index); returns the ids queued again."""
    if not queued:
        return set()
    try:
        pairs = sorted(queued.items())
        for chunk in _chunks(pairs):
            session.execute(delete(SearchQueueEntry).where(
                tuple_(SearchQueueEntry.product_id, SearchQueueEntry.attempts).in_(chunk)))
        session.commit()
        requeued = set()
        for chunk in _chunks(sorted(queued)):
            requeued.update(session.scalars(select(SearchQueueEntry.product_id).where(SearchQueueEntry.product_id.in_(chunk))))
        return requeued
    except Exception:  # the index is written; rows left behind only cost a second write
        session.rollback()
        current_app.logger.warning("search index written, but its queue rows could not be removed", exc_info=True)
        return set()


def _queue(session: Session, product_ids: set[int]) -> None:
    """Queue products in the session's transaction (no commit). A product already queued
    gets its `attempts` raised: the version a writer compares before removing the row."""
    upsert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    for chunk in _chunks(sorted(product_ids)):
        statement = upsert(SearchQueueEntry).values([{"product_id": i, "attempts": 1} for i in chunk])
        session.execute(statement.on_conflict_do_update(
            index_elements=["product_id"], set_={"attempts": SearchQueueEntry.attempts + 1}))


def _queue_after_failure(product_ids: set[int]) -> None:
    """Make sure a failed write's products are queued (the after-commit writes already are),
    retrying while the database is busy; if even that fails, say which products to repair."""
    if not product_ids:
        return
    for attempt in range(QUEUE_RETRIES):
        try:
            with Session(db.engine) as session:
                _queue(session, product_ids)
                session.commit()
            return
        except Exception:  # noqa: BLE001 - logged below when every attempt failed
            time.sleep(0.05 * (attempt + 1))
    current_app.logger.error(
        "search index write failed and its products could not be queued: %s;"
        " run `flask search verify --repair`", _ids_text(product_ids), exc_info=True)


def drain_queue() -> int:
    """Write every queued product to the index; returns how many were waiting. Raises
    RuntimeError when the index cannot be written (the queue is kept)."""
    waiting = _queue_length()
    remaining = waiting
    while remaining:
        if not _write(set(), queued_only=True):
            raise RuntimeError("the search index is still not writable; the queue is kept")
        left = _queue_length()
        if left >= remaining:  # no progress: changes arrive as fast as they are written
            break
        remaining = left
    return waiting


def _queue_length() -> int:
    with Session(db.engine) as session:
        return session.scalar(select(func.count()).select_from(SearchQueueEntry)) or 0


def _chunks(items: list, size: int = QUEUE_BATCH):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _ids_text(product_ids: set[int], shown: int = 20) -> str:
    ids = sorted(product_ids)
    more = f" and {len(ids) - shown} more" if len(ids) > shown else ""
    return ", ".join(map(str, ids[:shown])) + more if ids else "(queued ones)"


def init_search_sync() -> None:
    """Listen to the app's sessions (once per process)."""
    if event.contains(AppSession, "after_flush", _after_flush):
        return
    event.listen(AppSession, "after_flush", _after_flush)
    event.listen(AppSession, "before_commit", _before_commit)
    event.listen(AppSession, "after_commit", _after_commit)
    event.listen(AppSession, "after_rollback", _after_rollback)
