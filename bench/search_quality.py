"""Search quality for bench/search.py: recall@10 and mean reciprocal rank of the relevance
set (tests/search_relevance.py) on each engine, and on a plain SQLite FTS5 OR query.

Each engine gets the set's catalog listed through the services (as the tests build it) in
a database of its own: a SQLite file for Whoosh, a scratch PostgreSQL database (created,
migrated and dropped here) for PostgreSQL; the queries go through
`services.search_products`, what the search page shows. The FTS5 baseline indexes the
same products' folded name (weighted 3) and other texts, and ranks every product having
any folded query word by bm25: the floor the issue measures against.
"""
from __future__ import annotations

import contextlib
import inspect
import io
import secrets
import sqlite3
from pathlib import Path

PG_ADMIN = "host=127.0.0.1 user=postgres dbname=postgres"


def _outcomes_in_app(url: str, backend: str, work: Path, fts5: bool):
    import flask_migrate

    from config import TestConfig, normalise_database_url
    from market import create_app
    from market.catalog.services import seed_categories
    from market.extensions import db
    from market.search import services
    from tests import builders
    from tests.search_relevance import build_catalog, evaluate

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=normalise_database_url(url), SEARCH_BACKEND=backend,
                     INSTANCE_PATH=str(work / f"instance-{backend}"),
                     SEARCH_INDEX_PATH=str(work / f"relevance-index-{backend}"))
    with app.app_context():
        try:
            with contextlib.redirect_stderr(io.StringIO()):  # alembic's log of each migration
                flask_migrate.upgrade()
            seed_categories()
            staff = builders.make_user("staff@example.vn", role="staff")
            keys = build_catalog(staff)
            # (code from before the language argument is measured too)
            takes_language = "language" in inspect.signature(services.search_products).parameters

            def search(request, language):
                return (services.search_products(request, language) if takes_language
                        else services.search_products(request))

            runs = {backend: evaluate(keys, search)}
            if fts5:
                runs["fts5 OR"] = _fts5_outcomes(keys)
            return runs
        finally:
            db.session.remove()
            db.engine.dispose()


def _fts5_outcomes(keys: dict[int, str]):
    from market.extensions import db
    from market.search.documents import all_documents
    from market.search.matching import words_of
    from tests.search_relevance import QUERIES, TOP, Outcome

    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE VIRTUAL TABLE fts USING fts5(name, body)")
    for batch in all_documents(db.session):
        connection.executemany("INSERT INTO fts (rowid, name, body) VALUES (?, ?, ?)", [
            (d.id, " ".join(words_of(d.name)),
             " ".join(words_of(" ".join([d.description, d.seller_name, d.category_name, *d.program_badges]))))
            for d in batch])
    outcomes = []
    for text, language, expected in QUERIES:
        words = list(dict.fromkeys(words_of(text)))
        rows = connection.execute("SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY bm25(fts, 3.0, 1.0) LIMIT ?",
                                  (" OR ".join(f'"{w}"' for w in words), TOP)).fetchall() if words else []
        outcomes.append(Outcome(text, language, expected, [keys.get(row[0], "?") for row in rows]))
    return outcomes


def measure(backends: list[str], work: Path) -> dict[str, list]:
    """engine name -> the set's outcomes, for whoosh and/or postgres (and "fts5 OR")."""
    runs: dict[str, list] = {}
    if "whoosh" in backends:
        runs.update(_outcomes_in_app(f"sqlite:///{work / 'relevance.sqlite'}", "whoosh", work, fts5=True))
    if "postgres" in backends:
        import psycopg

        name = f"bench_relevance_{secrets.token_hex(3)}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            runs.update(_outcomes_in_app(f"postgresql://postgres@127.0.0.1/{name}", "postgres", work,
                                         fts5="whoosh" not in backends))
        finally:
            with contextlib.suppress(Exception), psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return runs


def print_quality(runs: dict[str, list], show_misses: bool = True) -> None:
    from tests.search_relevance import mrr, recall_at_10

    if not runs:
        return
    count = len(next(iter(runs.values())))
    print(f"\nrelevance set (tests/search_relevance.py): {count} queries, through services.search_products")
    print(f"{'engine':<10} {'recall@10':>9} {'MRR':>6} {'found':>7}  goal MRR >= 0.90")
    for name, outcomes in runs.items():
        found = sum(1 for o in outcomes if o.rank)
        goal = "" if name.startswith("fts5") else ("PASS" if mrr(outcomes) >= 0.90 else "FAIL")
        print(f"{name:<10} {recall_at_10(outcomes):>9.3f} {mrr(outcomes):>6.3f} {found:>3}/{len(outcomes):<3}  {goal}")
    if show_misses:
        for name, outcomes in runs.items():
            if name.startswith("fts5"):
                continue
            for o in outcomes:
                if o.rank != 1:
                    print(f"  {name}: {o.query!r} ({o.language}) rank {o.rank or '-'}; top: {', '.join(o.found[:3])}")
