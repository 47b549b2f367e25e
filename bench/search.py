"""Search engines at catalog scale: index build time and query latency, against SQLite FTS5.

    .venv/bin/python bench/search.py                          # 10,000 and 100,000 products, all engines
    .venv/bin/python bench/search.py --sizes 10000            # a quick run (about a minute)
    .venv/bin/python bench/search.py --backends whoosh,fts5 --queries 400 --profile

For each size, one deterministic catalog (bench/search_catalog.py, `--seed`) is generated
and every engine gets the very same `ProductDocument`s:

- **fts5** (the baseline): a plain SQLite FTS5 table in a temporary file (Python's sqlite3),
  text folded with `market.text.fold`; a query is `MATCH` of every folded word (AND), the
  filters are ordinary columns of a side table, ORDER BY bm25 / price / date, LIMIT 24, and
  the facets are GROUP BY counts over the same matches. It has no typo tolerance, no
  "did you mean" and no highlighting: it is the floor, not a competitor.
- **whoosh**: `WhooshBackend(tmp).rebuild()` into a fresh folder (timed), then the query mix.
- **postgres**: a scratch database (created and dropped here), `flask --app wsgi db upgrade`,
  then the catalog's rows (categories, programs, sellers, enrolments, products, with the
  documents' ids) loaded with COPY, so that product_search's FOREIGN KEY to products holds
  (it is kept; dropping it would not do: the rebuild indexes only products that exist).
  Then `PostgresBackend.rebuild()` (timed), VACUUM ANALYZE (what autovacuum does soon after
  a reindex; not timed), and the query mix inside an app context (`SEARCH_BACKEND=postgres`).

With `--reindex` (the default when postgres runs), `flask search reindex`'s path is timed
too, `market.search.services.reindex()`: documents read back from the scratch database and
a rebuild over the existing index (for postgres, and for whoosh when it runs as well).

The query mix is a fixed list (diacritics or not, typos, one and three words, province /
category / price filters, sorts, page 3, browsing with facets); one pass warms up (its
first query is reported as "1st ms": Whoosh builds its facet sets then), then `--queries`
searches cycle over the list. Latency is wall-clock time of `backend.search()` (engine
query, facet counts, highlights), not of a whole page. "cpu ms/q" is the CPU time per
query of this process plus, for postgres, of its server process (from /proc): it hardly
moves with other load on the machine, unlike the wall-clock figures.

Quality (`--relevance`, the default): recall@10 and mean reciprocal rank of the relevance
set in tests/search_relevance.py (queries typed as people type, each with the products a
shopper would accept), per engine through the storefront's search service, and for a
plain SQLite FTS5 OR query over the same products (bench/search_quality.py). Goal: MRR of
0.90 or more on both engines.

Goals (at 100,000 products): full rebuild under 60 s (the slower of rebuild and reindex);
Whoosh p95 under 50 ms with facet counts; PostgreSQL p95 under 30 ms. Figures only: no
test asserts on them. Temporary folders and the scratch database are removed at the end,
also on an error, Ctrl-C or SIGTERM.
"""
from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import os
import pstats
import secrets
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

BACKENDS = ("fts5", "whoosh", "postgres")
GOAL_SIZE = 100_000
GOAL_BUILD_S = 60.0
GOAL_P95_MS = {"whoosh": 50.0, "postgres": 30.0}
PG_ADMIN = "host=127.0.0.1 user=postgres dbname=postgres"
BATCH = 500  # documents per batch given to rebuild(), as all_documents() gives them
PER_PAGE = 24


# -- results -------------------------------------------------------------------------------


@dataclass
class Run:
    backend: str
    build_s: float | None = None
    reindex_s: float | None = None
    size_mb: float | None = None
    first_ms: float | None = None
    times_ms: list[float] = field(default_factory=list)
    by_label: dict[str, list[float]] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)  # label -> hits found (first run)
    cpu_ms_per_query: float | None = None
    load: float | None = None
    note: str = ""

    def pct(self, q: int) -> float | None:
        return percentile(self.times_ms, q)


def percentile(values: list[float], q: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def load_average() -> float:
    return os.getloadavg()[0]


# -- the query mix ---------------------------------------------------------------------------


def query_mix(catalog):
    """(label, SearchRequest) pairs: the fixed list every engine answers."""
    from market.search.backend import SearchRequest

    cat = lambda slug: catalog.category(slug)["id"]
    return [
        ("accents 2w 'mật ong'", SearchRequest(text="mật ong")),
        ("accents 3w 'áo dài lụa'", SearchRequest(text="áo dài lụa")),
        ("plain 'mat ong'", SearchRequest(text="mat ong")),
        ("plain 'ao dai'", SearchRequest(text="ao dai")),
        ("typo 'mat ongg'", SearchRequest(text="mat ongg")),
        ("typo 'ca phee'", SearchRequest(text="ca phee")),
        ("1 word 'gốm'", SearchRequest(text="gốm")),
        ("3 words 'trà shan tuyết'", SearchRequest(text="trà shan tuyết")),
        ("province 'mật ong' +33", SearchRequest(text="mật ong", province_code="33")),
        ("category+stock 'thổ cẩm'", SearchRequest(text="thổ cẩm", category_id=cat("det-tho-cam"), in_stock_only=True)),
        ("price band 'gạo' 100-300k", SearchRequest(text="gạo", price_band="100000-300000")),
        ("sort price 'cà phê'", SearchRequest(text="cà phê", sort="price_asc")),
        ("sort newest 'nước mắm'", SearchRequest(text="nước mắm", sort="newest")),
        ("page 3 'mật ong'", SearchRequest(text="mật ong", page=3)),
        ("browse all (facets)", SearchRequest(text="")),
        ("browse category, price desc", SearchRequest(text="", category_id=cat("dac-san"), sort="price_desc")),
    ]


def run_mix(search: Callable, mix, queries: int, after: Callable | None = None,
            server_cpu: Callable[[], float] | None = None) -> Run:
    """One warm-up pass (its first query timed alone), then `queries` timed searches."""
    run = Run(backend="")
    for i, (label, request) in enumerate(mix):
        started = time.perf_counter()
        total = search(request)
        if i == 0:
            run.first_ms = (time.perf_counter() - started) * 1000
        run.totals[label] = total
        if after:
            after()
    run.load = load_average()
    cpu_before = time.process_time() + (server_cpu() if server_cpu else 0.0)
    for i in range(queries):
        label, request = mix[i % len(mix)]
        started = time.perf_counter()
        search(request)
        elapsed = (time.perf_counter() - started) * 1000
        if after:
            after()
        run.times_ms.append(elapsed)
        run.by_label.setdefault(label, []).append(elapsed)
    cpu_after = time.process_time() + (server_cpu() if server_cpu else 0.0)
    run.cpu_ms_per_query = (cpu_after - cpu_before) * 1000 / max(1, queries)
    return run


def profile_mix(name: str, search: Callable, mix, rounds: int = 3, after: Callable | None = None) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(rounds):
        for _label, request in mix:
            search(request)
            if after:
                after()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(18)
    stats.sort_stats("tottime").print_stats(14)
    print(f"\n--- profile: {name}, {rounds} passes over the mix ({rounds * len(mix)} searches) ---")
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:9000])


def batches(documents: list, size: int = BATCH) -> Iterable[list]:
    for start in range(0, len(documents), size):
        yield documents[start:start + size]


def dir_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


# -- the baseline: SQLite FTS5 ------------------------------------------------------------------


class Fts5Baseline:
    """A plain FTS5 table of folded text plus a table of filter columns."""

    def __init__(self, path: Path):
        self.path = path
        self.con = sqlite3.connect(path)

    def build(self, documents) -> None:
        from market.text import fold

        con = self.con
        con.executescript("""
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = NORMAL;
            CREATE TABLE docs (id INTEGER PRIMARY KEY, name TEXT, description TEXT, category_id INTEGER,
                               parent_id INTEGER, province TEXT, ocop INTEGER, price INTEGER,
                               in_stock INTEGER, listed_at REAL);
            CREATE TABLE doc_programs (doc_id INTEGER, program_id INTEGER, PRIMARY KEY (doc_id, program_id))
                WITHOUT ROWID;
            CREATE VIRTUAL TABLE fts USING fts5(name, body);
        """)
        with con:
            for batch in batches(documents, 2000):
                con.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [(
                    d.id, d.name, d.description, d.category_id,
                    next((i for i in d.category_ids if i != d.category_id), None), d.province_code, d.ocop_stars,
                    d.price_vnd, int(d.in_stock), d.listed_at.timestamp(),
                ) for d in batch])
                con.executemany("INSERT INTO doc_programs VALUES (?, ?)",
                                [(d.id, p) for d in batch for p in d.program_ids])
                con.executemany("INSERT INTO fts (rowid, name, body) VALUES (?, ?, ?)", [(
                    d.id, fold(d.name),
                    fold(" ".join([d.description, d.seller_name, d.category_name, *d.program_badges])),
                ) for d in batch])
            con.execute("INSERT INTO fts (fts) VALUES ('optimize')")
            for column in ("listed_at", "price", "province", "category_id", "parent_id"):
                con.execute(f"CREATE INDEX ix_docs_{column} ON docs ({column})")
        con.execute("ANALYZE")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def size_mb(self) -> float:
        return sum(p.stat().st_size for p in self.path.parent.glob(self.path.name + "*")) / 1e6

    def search(self, request) -> int:
        """The page of hits and the facets, like an engine's search(); returns the total."""
        from market.search.backend import PRICE_BANDS
        from market.search.matching import words_of

        words = list(dict.fromkeys(words_of(request.text or "")))[:32]
        if (request.text or "").strip() and not words:
            return 0
        where, params = [], []
        if request.category_id is not None:
            where.append("(d.category_id = ? OR d.parent_id = ?)")
            params += [request.category_id, request.category_id]
        if request.province_code:
            where.append("d.province = ?")
            params.append(request.province_code)
        if request.program_id is not None:
            where.append("EXISTS (SELECT 1 FROM doc_programs p WHERE p.doc_id = d.id AND p.program_id = ?)")
            params.append(request.program_id)
        if request.ocop_stars is not None:
            where.append("d.ocop = ?")
            params.append(request.ocop_stars)
        bands = {key: (low, high) for key, low, high in PRICE_BANDS}
        if request.price_band in bands:
            low, high = bands[request.price_band]
            where.append("d.price >= ?" + (" AND d.price < ?" if high is not None else ""))
            params += [low] + ([high] if high is not None else [])
        if request.in_stock_only:
            where.append("d.in_stock = 1")

        def source(match: str | None) -> tuple[str, list]:
            if match is None:
                return "docs d WHERE " + " AND ".join(where or ["1"]), list(params)
            return ("docs d JOIN fts ON fts.rowid = d.id WHERE fts MATCH ?" + "".join(f" AND {w}" for w in where),
                    [match, *params])

        band_case = " ".join(
            f"WHEN price >= {low}" + (f" AND price < {high}" if high is not None else "") + f" THEN '{key}'"
            for key, low, high in PRICE_BANDS)

        def facets(match: str | None) -> tuple[int, dict]:
            sql, args = source(match)
            rows = self.con.execute(
                "WITH m AS MATERIALIZED (SELECT d.id, d.category_id, d.parent_id, d.province, d.ocop, d.price,"
                f" d.in_stock FROM {sql})"
                " SELECT 'category', category_id, count(*) FROM m GROUP BY category_id"
                " UNION ALL SELECT 'category', parent_id, count(*) FROM m WHERE parent_id IS NOT NULL GROUP BY parent_id"
                " UNION ALL SELECT 'program', p.program_id, count(*) FROM m JOIN doc_programs p ON p.doc_id = m.id"
                " GROUP BY p.program_id"
                " UNION ALL SELECT 'province', province, count(*) FROM m GROUP BY province"
                " UNION ALL SELECT 'ocop', ocop, count(*) FROM m WHERE ocop IS NOT NULL GROUP BY ocop"
                f" UNION ALL SELECT 'price', CASE {band_case} END AS band, count(*) FROM m GROUP BY band"
                " UNION ALL SELECT 'in_stock', in_stock, count(*) FROM m GROUP BY in_stock"
                " UNION ALL SELECT 'total', '', count(*) FROM m", args).fetchall()
            grouped: dict[str, dict] = {}
            total = 0
            for facet, value, n in rows:
                if facet == "total":
                    total = n
                else:
                    grouped.setdefault(facet, {})[str(value)] = n
            return total, grouped

        match = " ".join(f'"{w}"' for w in words) if words else None
        total, _facets = facets(match)
        if words and total < 5 and len(words[-1]) >= 2:  # the last word as a prefix, as the engines do
            loose = " ".join([*(f'"{w}"' for w in words[:-1]), f'"{words[-1]}"*'])
            loose_total, loose_facets = facets(loose)
            if loose_total > total:
                match, total, _facets = loose, loose_total, loose_facets
        sort = request.sort
        if sort == "relevance" and not words:
            sort = "newest"
        order = {
            "relevance": "bm25(fts, 3.0, 1.0), d.listed_at DESC, d.id DESC",
            "price_asc": "d.price ASC, d.id ASC",
            "price_desc": "d.price DESC, d.id DESC",
            "newest": "d.listed_at DESC, d.id DESC",
        }.get(sort, "d.listed_at DESC, d.id DESC")
        sql, args = source(match)
        offset = (max(1, request.page) - 1) * request.per_page
        self.con.execute(f"SELECT d.id, d.name, d.description FROM {sql} ORDER BY {order} LIMIT ? OFFSET ?",
                         [*args, request.per_page, offset]).fetchall()
        return total

    def close(self) -> None:
        self.con.close()


# -- the engines --------------------------------------------------------------------------------


def bench_fts5(documents, mix, args, work: Path) -> Run:
    path = work / f"fts5-{len(documents)}.sqlite"
    baseline = Fts5Baseline(path)
    try:
        started = time.perf_counter()
        baseline.build(documents)
        build = time.perf_counter() - started
        run = run_mix(baseline.search, mix, args.queries)
        run.backend, run.build_s, run.size_mb = "fts5", build, baseline.size_mb()
        if args.profile:
            profile_mix("fts5", baseline.search, mix)
        return run
    finally:
        baseline.close()
        for leftover in work.glob(path.name + "*"):
            leftover.unlink()


def bench_whoosh(documents, mix, args, work: Path) -> Run:
    from market.search.whoosh.backend import WhooshBackend

    path = work / "whoosh"
    backend = WhooshBackend(path, lock_timeout=30)
    started = time.perf_counter()
    count = backend.rebuild(batches(documents))
    build = time.perf_counter() - started
    if count != len(documents) or backend.doc_count() != len(documents):
        raise RuntimeError(f"whoosh indexed {count} / {backend.doc_count()} documents of {len(documents)}")

    def search(request) -> int:
        return backend.search(request).total

    run = run_mix(search, mix, args.queries)
    run.backend, run.build_s, run.size_mb = "whoosh", build, dir_mb(path)
    if args.profile:
        profile_mix("whoosh", search, mix)
    backend._close_local()
    shutil.rmtree(path, ignore_errors=True)
    return run


class ScratchDatabase:
    """A PostgreSQL database of our own, migrated and filled with the catalog; dropped at close."""

    def __init__(self, work: Path):
        self.name = f"bench_search_{os.getpid()}_{secrets.token_hex(3)}"
        self.url = f"postgresql://postgres@127.0.0.1/{self.name}"
        self.work = work
        self.created = False

    def create(self, catalog) -> str:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{self.name}"')
        self.created = True
        env = dict(os.environ, DATABASE_URL=self.url, MARKET_INSTANCE_PATH=str(self.work / "instance"),
                   MARKET_ENV="development", SEARCH_BACKEND="postgres")
        result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=300, check=False)
        if result.returncode:
            raise RuntimeError(f"flask db upgrade failed:\n{result.stdout}\n{result.stderr}")
        started = time.perf_counter()
        rows = 0
        with psycopg.connect(self.url) as conn, conn.cursor() as cur:
            for table, (columns, values) in (
                ("categories", catalog.category_rows()), ("programs", catalog.program_rows()),
                ("sellers", catalog.seller_rows()), ("enrolments", catalog.enrolment_rows()),
                ("products", catalog.product_rows()),
            ):
                with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in values:
                        copy.write_row(row)
                rows += len(values)
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            conn.commit()
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute("ANALYZE")
        return f"{rows:,} rows (categories, programs, sellers, enrolments, products) loaded with COPY in " \
               f"{time.perf_counter() - started:.1f} s; product_search's FOREIGN KEY kept"

    def vacuum_analyze(self, table: str) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f"VACUUM ANALYZE {table}")

    def size_mb(self, table: str) -> float:
        import psycopg

        with psycopg.connect(self.url) as conn:
            return conn.execute(f"SELECT pg_total_relation_size('{table}')").fetchone()[0] / 1e6

    def drop(self) -> None:
        if not self.created:
            return
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self.created = False


def make_app(database: ScratchDatabase, backend: str, work: Path, **extra):
    from config import normalise_database_url
    from market import create_app

    return create_app(SEARCH_BACKEND=backend, SQLALCHEMY_DATABASE_URI=normalise_database_url(database.url),
                      INSTANCE_PATH=str(work / "instance"), **extra)


def proc_cpu_seconds(pid: int) -> float:
    """utime + stime of a process (the PostgreSQL backend serving us), or 0 when unreadable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def bench_postgres(documents, mix, args, work: Path, database: ScratchDatabase) -> Run:
    from sqlalchemy import text as sql

    from market.extensions import db
    from market.search import services
    from market.search.backend import get_backend

    app = make_app(database, "postgres", work)
    with app.app_context():
        try:
            backend = get_backend()
            started = time.perf_counter()
            count = backend.rebuild(batches(documents))
            build = time.perf_counter() - started
            rows = db.session.execute(sql("SELECT count(*) FROM product_search")).scalar()
            db.session.remove()
            if count != len(documents) or rows != len(documents):
                raise RuntimeError(f"postgres indexed {count} / {rows} rows of {len(documents)}")
            database.vacuum_analyze("product_search")

            def search(request) -> int:
                return backend.search(request).total

            server_pid = db.session.execute(sql("SELECT pg_backend_pid()")).scalar()
            db.session.remove()
            run = run_mix(search, mix, args.queries, after=db.session.remove,
                          server_cpu=lambda: proc_cpu_seconds(server_pid))
            with db.engine.connect() as connection:  # the same server process all along?
                same = connection.execute(sql("SELECT pg_backend_pid()")).scalar() == server_pid
            if not same or not proc_cpu_seconds(server_pid):
                run.note = "server CPU not counted"
            run.backend, run.build_s, run.size_mb = "postgres", build, database.size_mb("product_search")
            if args.profile:
                profile_mix("postgres (client side; the server's time shows as psycopg execute)", search, mix,
                            after=db.session.remove)
            if args.reindex:
                started = time.perf_counter()
                services.reindex()
                run.reindex_s = time.perf_counter() - started
            return run
        finally:
            db.session.remove()
            db.engine.dispose()


def reindex_whoosh(database: ScratchDatabase, work: Path) -> float:
    from market.extensions import db
    from market.search import services

    app = make_app(database, "whoosh", work, SEARCH_INDEX_PATH=str(work / "whoosh-reindex"))
    with app.app_context():
        try:
            started = time.perf_counter()
            services.reindex()
            return time.perf_counter() - started
        finally:
            db.session.remove()
            db.engine.dispose()
            shutil.rmtree(work / "whoosh-reindex", ignore_errors=True)


# -- output -------------------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def goals(run: Run, size: int) -> str:
    if run.backend not in GOAL_P95_MS:
        return "baseline"
    builds = [v for v in (run.build_s, run.reindex_s) if v is not None]
    build = max(builds) if builds else None
    p95 = run.pct(95)
    parts = [
        f"build<{GOAL_BUILD_S:.0f}s " + ("PASS" if build is not None and build < GOAL_BUILD_S else "MISS"),
        f"p95<{GOAL_P95_MS[run.backend]:.0f}ms " + ("PASS" if p95 is not None and p95 < GOAL_P95_MS[run.backend] else "MISS"),
    ]
    return ", ".join(parts) + ("" if size == GOAL_SIZE else " (goals are set at 100k)")


def print_table(size: int, runs: list[Run]) -> None:
    base = next((r for r in runs if r.backend == "fts5"), None)
    header = (f"{'backend':<9} {'build s':>8} {'reindex s':>9} {'size MB':>8} {'1st ms':>7} {'p50 ms':>7} "
              f"{'p95 ms':>7} {'max ms':>7} {'cpu ms/q':>8} {'load':>5} {'p95/fts5':>8} {'build/fts5':>10}  goals")
    print(f"\n=== {size:,} products ===")
    print(header)
    print("-" * len(header))
    for run in runs:
        p95 = run.pct(95)
        p95_ratio = p95 / base.pct(95) if base and p95 and base.pct(95) else None
        build_ratio = run.build_s / base.build_s if base and run.build_s and base.build_s else None
        print(f"{run.backend:<9} {fmt(run.build_s):>8} {fmt(run.reindex_s):>9} {fmt(run.size_mb):>8} "
              f"{fmt(run.first_ms):>7} {fmt(run.pct(50)):>7} {fmt(p95):>7} {fmt(max(run.times_ms, default=None)):>7} "
              f"{fmt(run.cpu_ms_per_query):>8} {fmt(run.load, 2):>5} "
              f"{(fmt(p95_ratio) + 'x') if p95_ratio else '-':>8} {(fmt(build_ratio) + 'x') if build_ratio else '-':>10}"
              f"  {goals(run, size)}{'  [' + run.note + ']' if run.note else ''}")
    labels = list(runs[0].totals) if runs else []
    print(f"\nper query: p50 ms / p95 ms / hits found ({size:,} products)")
    print(f"{'query':<30}" + "".join(f" {r.backend:>24}" for r in runs))
    for label in labels:
        cells = []
        for run in runs:
            times = run.by_label.get(label, [])
            cells.append(f"{fmt(percentile(times, 50))} / {fmt(percentile(times, 95))} / {run.totals.get(label, 0):,}")
        print(f"{label:<30}" + "".join(f" {c:>24}" for c in cells))


# -- main ---------------------------------------------------------------------------------------


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Search engines at 10k/100k products vs SQLite FTS5.")
    parser.add_argument("--sizes", default="10000,100000", help="catalog sizes, comma-separated (default 10000,100000)")
    parser.add_argument("--queries", type=int, default=200, help="timed searches per engine and size (default 200)")
    parser.add_argument("--backends", default="whoosh,postgres,fts5",
                        help="comma-separated among fts5, whoosh, postgres (default all three)")
    parser.add_argument("--seed", type=int, default=2025, help="catalog generator seed (default 2025)")
    parser.add_argument("--reindex", action=argparse.BooleanOptionalAction, default=True,
                        help="also time `flask search reindex`'s path from the scratch database (needs postgres)")
    parser.add_argument("--profile", action="store_true", help="cProfile a few passes over the mix per engine")
    parser.add_argument("--relevance", action=argparse.BooleanOptionalAction, default=True,
                        help="recall@10 and MRR of the relevance set (tests/search_relevance.py) per engine,"
                             " and of an FTS5 OR query (default on)")
    args = parser.parse_args(argv)
    try:
        args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error("--sizes: comma-separated integers")
    if not args.sizes or any(not 1 <= s <= 1_000_000 for s in args.sizes):
        parser.error("--sizes: between 1 and 1,000,000")
    if not 1 <= args.queries <= 100_000:
        parser.error("--queries: between 1 and 100,000")
    wanted = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(wanted) - set(BACKENDS)
    if unknown or not wanted:
        parser.error(f"--backends: among {', '.join(BACKENDS)}")
    args.backends = [b for b in BACKENDS if b in wanted]  # the baseline first
    return args


def code_version() -> str:
    """The commit measured, and whether the app's code differs from it (others may be editing)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False,
                              timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "market", "config.py"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10, check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown (no git)"
    return f"git {head or '?'}" + (" with uncommitted changes in market/ or config.py" if dirty else " (clean)")


def _on_sigterm(signum, frame):
    raise SystemExit(128 + signum)


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _on_sigterm)
    work = Path(tempfile.mkdtemp(prefix="bench-search-"))
    # Before the app is imported: config.py reads these at import time.
    os.environ["MARKET_INSTANCE_PATH"] = str(work / "instance")
    os.environ.setdefault("MARKET_ENV", "development")
    os.environ.pop("DATABASE_URL", None)
    databases: list[ScratchDatabase] = []
    started = time.perf_counter()
    try:
        from importlib.metadata import version

        from search_catalog import generate_catalog

        print(f"bench/search.py: sizes {', '.join(f'{s:,}' for s in args.sizes)}; engines {', '.join(args.backends)};"
              f" {args.queries} timed queries each; seed {args.seed}")
        print(f"machine: {os.cpu_count()} CPUs, load average {' / '.join(f'{x:.2f}' for x in os.getloadavg())}"
              f" (1/5/15 min) at start; Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version},"
              f" Whoosh-Reloaded {version('Whoosh-Reloaded')}")
        print(f"code: {code_version()}")
        if "postgres" in args.backends:
            import psycopg

            with psycopg.connect(PG_ADMIN) as admin:
                print("PostgreSQL:", admin.execute("SHOW server_version").fetchone()[0], "on 127.0.0.1")
        if args.relevance:
            from search_quality import measure, print_quality

            print_quality(measure([b for b in args.backends if b in ("whoosh", "postgres")], work))
        all_runs: dict[int, list[Run]] = {}
        for size in args.sizes:
            t0 = time.perf_counter()
            catalog = generate_catalog(size, args.seed)
            documents = catalog.documents()
            mix = query_mix(catalog)
            print(f"\n[{size:,}] catalog: {len(documents):,} products, {len(catalog.sellers):,} sellers,"
                  f" {len(catalog.categories)} categories, 34 provinces, generated in {time.perf_counter() - t0:.1f} s",
                  flush=True)
            runs: list[Run] = []
            if "fts5" in args.backends:
                runs.append(bench_fts5(documents, mix, args, work))
                print(f"[{size:,}] fts5: built in {runs[-1].build_s:.1f} s, p95 {fmt(runs[-1].pct(95))} ms", flush=True)
            if "whoosh" in args.backends:
                runs.append(bench_whoosh(documents, mix, args, work))
                print(f"[{size:,}] whoosh: built in {runs[-1].build_s:.1f} s, p95 {fmt(runs[-1].pct(95))} ms", flush=True)
            database = None
            if "postgres" in args.backends:
                database = ScratchDatabase(work)
                databases.append(database)
                print(f"[{size:,}] postgres: scratch database {database.name}: "
                      f"{database.create(catalog)}", flush=True)
                runs.append(bench_postgres(documents, mix, args, work, database))
                print(f"[{size:,}] postgres: built in {runs[-1].build_s:.1f} s, p95 {fmt(runs[-1].pct(95))} ms"
                      + (f", reindex {runs[-1].reindex_s:.1f} s" if runs[-1].reindex_s else ""), flush=True)
                if args.reindex and "whoosh" in args.backends:
                    whoosh_run = next(r for r in runs if r.backend == "whoosh")
                    whoosh_run.reindex_s = reindex_whoosh(database, work)
                    print(f"[{size:,}] whoosh: reindex from the database in {whoosh_run.reindex_s:.1f} s", flush=True)
                database.drop()
            all_runs[size] = runs
            print_table(size, runs)
            del catalog, documents
        print(f"\nload average {' / '.join(f'{x:.2f}' for x in os.getloadavg())} at the end;"
              f" whole run {time.perf_counter() - started:.0f} s")
        print("build s: rebuild() from documents in memory into an empty index; reindex s: services.reindex()"
              " (`flask search reindex`): documents read from the scratch PostgreSQL database, rebuilt over the"
              " existing index. size MB: index on disk (postgres: product_search with its indexes)."
              " load: 1-min load average when the timed queries started (2 cores: above 2 means waiting for CPU).")
        print("fts5 is the floor: exact words only (typo queries find nothing or less), no 'did you mean',"
              " no highlights.")
        return 0
    finally:
        for database in databases:
            with contextlib.suppress(Exception):
                database.drop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
