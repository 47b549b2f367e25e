"""Keeping the index in step with the database.

Every flush notes which products, sellers, enrolments and programs changed (plus rows
changed by UPDATE statements, via `market.core.changes.note_changed`). Before the commit
these become product ids; a transactional engine (PostgreSQL) writes them in the same
transaction; other engines (Whoosh) write after the commit, in a session of their own.
A write that fails or finds the index busy leaves its ids in the `search_queue` table,
drained before the next write and by `flask --app wsgi search drain`.
"""
from flask import current_app, has_app_context
from flask_sqlalchemy.session import Session as AppSession
from sqlalchemy import delete, event, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from market.catalog.models import Product, ProductImage
from market.extensions import db
from market.programs.models import Enrolment, Program
from market.search.backend import get_backend
from market.search.documents import documents_for, product_ids_of_sellers
from market.search.models import SearchQueueEntry
from market.search import pg_models  # noqa: F401  (the product_search table, for Alembic)
from market.sellers.models import Seller

PENDING = "search_pending"  # session.info keys
PRODUCT_IDS = "search_product_ids"


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


def _affected_products(session) -> set[int]:
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
    return pending["products"] | product_ids_of_sellers(session, pending["sellers"])


def _before_commit(session) -> None:
    if not has_app_context() or session.info.get("search_disabled"):
        return
    session.flush()
    ids = _affected_products(session)
    if not ids:
        return
    backend = get_backend()
    if backend.transactional:
        documents, removed = documents_for(session, ids)
        backend.apply_in_transaction(session, documents, removed)
    else:
        session.info[PRODUCT_IDS] = ids


def _after_commit(session) -> None:
    ids = session.info.pop(PRODUCT_IDS, None)
    if ids:
        write_to_index(ids)


def _after_rollback(session) -> None:
    session.info.pop(PENDING, None)
    session.info.pop(PRODUCT_IDS, None)
    session.info.pop("changed_rows", None)


def write_to_index(product_ids: set[int]) -> bool:
    """Write these products (and whatever waits in the queue) to the index, in a session of
    its own; on failure queue them. Returns whether the write succeeded."""
    with Session(db.engine) as session:
        queued = set(session.scalars(select(SearchQueueEntry.product_id)))
        ids = set(product_ids) | queued
        try:
            documents, removed = documents_for(session, ids)
            get_backend().update(documents, removed)
        except Exception:  # a busy or broken index must never fail the request
            current_app.logger.warning("search index write failed; %d products queued", len(ids), exc_info=True)
            _enqueue(session, ids)
            return False
        if queued:
            session.execute(delete(SearchQueueEntry).where(SearchQueueEntry.product_id.in_(sorted(queued))))
            session.commit()
        return True


def _enqueue(session: Session, product_ids: set[int]) -> None:
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    rows = [{"product_id": product_id, "attempts": 1} for product_id in sorted(product_ids)]
    statement = insert(SearchQueueEntry).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=["product_id"], set_={"attempts": SearchQueueEntry.attempts + 1}
    )
    session.execute(statement)
    session.commit()


def drain_queue() -> int:
    """Write every queued product to the index; returns how many were waiting."""
    with Session(db.engine) as session:
        waiting = set(session.scalars(select(SearchQueueEntry.product_id)))
    if waiting and not write_to_index(set()):
        raise RuntimeError("the search index is still not writable; the queue is kept")
    return len(waiting)


def init_search_sync() -> None:
    """Listen to the app's sessions (once per process)."""
    if event.contains(AppSession, "after_flush", _after_flush):
        return
    event.listen(AppSession, "after_flush", _after_flush)
    event.listen(AppSession, "before_commit", _before_commit)
    event.listen(AppSession, "after_commit", _after_commit)
    event.listen(AppSession, "after_rollback", _after_rollback)
