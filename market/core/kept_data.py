"""Small tables read by every storefront page, kept in each worker's memory.

The category tree, the program badges and the like change a few times a year but were read
on every request (each a statement and ORM objects to build). A worker keeps what it read
for `KEPT_DATA_SECONDS`, so a change made through another worker shows within that time
(as with the page cache); and a worker that commits a change to one of the tables an entry
was read from drops that entry at once, so whoever made the change sees it on her next
page. Kept values are plain data (never ORM objects, which belong to one session).
"""
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from flask import current_app, has_app_context
from flask_sqlalchemy.session import Session as AppSession
from sqlalchemy import event
from sqlalchemy.sql.dml import UpdateBase

T = TypeVar("T")
EVERY_TABLE = "*"
# Entries per worker (a few are per seller or per page): past this, all go and are read again.
MAX_ENTRIES = 4_096
_lock = threading.Lock()


def _store() -> dict:
    return current_app.extensions.setdefault("kept_data", {})


def kept(name: str, tables: tuple[str, ...], build: Callable[[], T], at_most: float | None = None) -> T:
    """The value kept under `name`, built by `build()` (reading only `tables`) when missing or
    old: older than KEPT_DATA_SECONDS, or than `at_most` seconds when that is shorter (for
    what changes often, such as a listing's stock)."""
    seconds = current_app.config["KEPT_DATA_SECONDS"]
    if at_most is not None:
        seconds = min(seconds, at_most)
    store = _store()
    entry = store.get(name)
    now = time.monotonic()
    if entry is not None and entry[0] > now:
        return entry[2]
    value = build()
    if seconds:
        if len(store) >= MAX_ENTRIES:
            store.clear()
        store[name] = (now + seconds, frozenset(tables), value)
    return value


def forget_entry(name: str) -> None:
    """Drop one entry (read again at its next use)."""
    _store().pop(name, None)


def forget(changed: set[str]) -> None:
    """Drop the entries read from any of the `changed` tables (every entry for EVERY_TABLE)."""
    store = _store()
    with _lock:
        for name, entry in list(store.items()):
            if EVERY_TABLE in changed or entry[1] & changed:
                store.pop(name, None)


# --- noticing this worker's own changes ---------------------------------------------------------

def _changed(session) -> set:
    return session.info.setdefault("kept_data_changed", set())


def _note_flush(session, _context) -> None:
    changed = _changed(session)
    for instance in (*session.new, *session.dirty, *session.deleted):
        table = getattr(type(instance), "__table__", None)
        changed.add(table.name if table is not None else EVERY_TABLE)


_READING_WORDS = ("SELECT", "SET", "SHOW", "SAVEPOINT", "RELEASE", "EXPLAIN")


def _note_statement(state) -> None:
    """Bulk UPDATE/DELETE/INSERT through the session count as changes to their table, and
    textual SQL that does not begin by reading as a change to every table."""
    statement = state.statement
    if isinstance(statement, UpdateBase):
        table = getattr(statement, "table", None)
        _changed(state.session).add(getattr(table, "name", EVERY_TABLE))
    elif not state.is_select and not str(statement).lstrip().upper().startswith(_READING_WORDS):
        _changed(state.session).add(EVERY_TABLE)


def _after_commit(session) -> None:
    changed = session.info.pop("kept_data_changed", None)
    if changed and has_app_context():
        forget(changed)


def _after_rollback(session, previous_transaction=None) -> None:
    # An entry built after a flush in this transaction may hold what was just undone. A
    # savepoint's rollback leaves the outer transaction's changes to come: keep noting them.
    changed = session.info.get("kept_data_changed")
    if changed and has_app_context():
        forget(changed)
    if previous_transaction is None or not previous_transaction.nested:
        session.info.pop("kept_data_changed", None)


def forget_after_own_writes() -> None:
    """Listen to the app's sessions (once per process) for committed changes."""
    for name, listener in (("after_flush", _note_flush), ("do_orm_execute", _note_statement),
                           ("after_commit", _after_commit), ("after_soft_rollback", _after_rollback)):
        if not event.contains(AppSession, name, listener):
            event.listen(AppSession, name, listener)
