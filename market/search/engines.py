"""The search engines, chosen from the configuration where the app is built.

`market/__init__.py` calls `init_search_engines(app)` and is the only importer of this
module, so the rest of the search package (backend.py, sync.py, verify.py...) names no
engine and imports none: `backend.get_backend()` asks the factory stored here for the
engine `SEARCH_BACKEND` names, and `verify.py` asks the checker registered here for the
engine it has.
"""
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy.orm import Session

from market.extensions import db
from market.search.backend import BACKEND_FACTORY, SearchBackend
from market.search.postgres import check as postgres_check
from market.search.postgres.backend import PostgresBackend
from market.search.verify import Checker, register_checker
from market.search.whoosh.backend import WhooshBackend
from market.search.whoosh.check import WhooshSnapshot


def init_search_engines(app: Flask) -> None:
    """Let `get_backend()` build the configured engine, and `search verify` check it."""
    app.extensions[BACKEND_FACTORY] = backend_for
    register_checker(PostgresBackend, Checker(reading=postgres_check.reading, repair=postgres_check.repair))
    register_checker(WhooshBackend, Checker(reading=_whoosh_reading))


def backend_for(app: Flask) -> SearchBackend:
    """The engine `SEARCH_BACKEND` names, for `app`."""
    name = app.config["SEARCH_BACKEND"]
    if name == "whoosh":
        return WhooshBackend(app.config["SEARCH_INDEX_PATH"] or f"{app.instance_path}/search-index",
                             lock_timeout=app.config["SEARCH_LOCK_TIMEOUT"])
    if name == "postgres":
        return PostgresBackend()
    raise RuntimeError(f"SEARCH_BACKEND must be 'whoosh' or 'postgres', not {name!r}")


@contextmanager
def _whoosh_reading(backend: WhooshBackend) -> Iterator[tuple[Session, WhooshSnapshot]]:
    """Whoosh is written after the commit: a session on the products and the index's
    current generation, each as of now (verify.py looks again at what differs)."""
    with Session(db.engine) as session, WhooshSnapshot(backend) as snapshot:
        yield session, snapshot
