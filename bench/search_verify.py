"""How long `search verify` takes on a realistic catalog, for each engine.

    .venv/bin/python bench/search_verify.py --database-url postgresql://postgres@127.0.0.1/market_x
    .venv/bin/python bench/search_verify.py --database-url sqlite:////tmp/verify-bench.db --engines whoosh

The database is emptied and migrated, then filled with bench/search_catalog.py's catalog
(--products, default 10,000) through plain INSERTs; each engine's index is rebuilt. Then,
per engine: a clean verify; a verify after --drift products were changed behind the
index's back (raw UPDATEs of prices); a verify with repair; a last clean verify. Prints
seconds and the process's peak memory. The database named is overwritten: never point it
at data you keep.
"""
from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def load(app, catalog) -> None:
    import flask_migrate
    from sqlalchemy import text

    from market.extensions import db

    db.drop_all()
    db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.session.commit()
    flask_migrate.upgrade()
    tables = db.metadata.tables
    with db.engine.begin() as connection:
        for table, (columns, values) in (
            ("categories", catalog.category_rows()), ("programs", catalog.program_rows()),
            ("sellers", catalog.seller_rows()), ("enrolments", catalog.enrolment_rows()),
            ("products", catalog.product_rows()),
        ):
            rows = [dict(zip(columns, row)) for row in values]
            for start in range(0, len(rows), 1000):
                connection.execute(tables[table].insert(), rows[start:start + 1000])
        if connection.dialect.name == "postgresql":
            for table in ("categories", "programs", "sellers", "enrolments", "products"):
                connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))


def timed(label: str, fn):
    started = time.perf_counter()
    result = fn()
    print(f"  {label:<44} {time.perf_counter() - started:7.2f} s", flush=True)
    return result


def bench_engine(url: str, engine: str, args, work: Path, first: bool) -> None:
    from sqlalchemy import text

    from config import normalise_database_url
    from market import create_app
    from market.extensions import db
    from market.search import services
    from market.search.verify import verify_index
    from search_catalog import generate_catalog

    app = create_app(SEARCH_BACKEND=engine, SQLALCHEMY_DATABASE_URI=normalise_database_url(url),
                     INSTANCE_PATH=str(work / "instance"), SEARCH_INDEX_PATH=str(work / f"index-{engine}"))
    with app.app_context():
        if first:
            catalog = generate_catalog(args.products, args.seed)
            timed(f"load {args.products:,} products", lambda: load(app, catalog))
        print(f"{engine} ({db.engine.dialect.name} database)")
        timed("rebuild the index", services.reindex)
        found = timed("verify, index in step", lambda: verify_index(grace=0))
        assert found == [], found[:3]
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE products SET price_vnd = price_vnd + 1000 WHERE id % :step = 0"),
                               {"step": max(1, args.products // args.drift)})
        found = timed(f"verify, {args.drift} products drifted", lambda: verify_index(grace=0))
        print(f"  ({len(found)} mismatches found)")
        timed("verify --repair", lambda: verify_index(repair=True, grace=0))
        found = timed("verify after the repair", lambda: verify_index(grace=0))
        assert found == [], found[:3]
        db.session.remove()
        db.engine.dispose()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a database to overwrite (PostgreSQL or SQLite)")
    parser.add_argument("--engines", default="whoosh,postgres")
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--drift", type=int, default=100, help="products changed behind the index's back")
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "bench"))
    work = Path(tempfile.mkdtemp(prefix="verify-bench-"))
    try:
        engines = [e for e in args.engines.split(",") if e != "postgres" or args.database_url.startswith("postgres")]
        for number, engine in enumerate(engines):
            bench_engine(args.database_url, engine, args, work, first=number == 0)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"peak memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
