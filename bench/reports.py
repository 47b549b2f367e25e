"""The union's report at a year's scale on PostgreSQL: `build_report` and its XLSX, against a
trivial query measured in the same run.

    .venv/bin/python bench/reports.py                        # generate a year, measure (about 3 min)
    .venv/bin/python bench/reports.py --keep                 # and keep the database afterwards
    .venv/bin/python bench/reports.py --reuse --keep         # measure again on the kept database
    .venv/bin/python bench/reports.py --orders 20000 --products 5000 --sellers 400   # a quick look
    .venv/bin/python bench/reports.py --reuse --keep --explain 3   # EXPLAIN ANALYZE the 3 slowest statements

In one run it:
  1. drops and creates the database (`--database-url`, else $MARKET_BENCH_DATABASE_URL, else
     postgresql://postgres@127.0.0.1/market_bench_reports), builds the schema with the app's
     Alembic migrations (`flask_migrate.upgrade()` in a fresh app), and makes through the
     services what the app makes itself: a central staff account, the category tree and the
     demo's two programs with their targets;
  2. generates a year of activity in memory (bench/reports_data.py: 2,000 approved sellers
     over the 34 provinces plus 200 in other states, enrolments, quarterly figures, 30,000
     products, 200,000 orders over the union's year-end period 1 Dec - 30 Nov, their parts,
     lines, ledger entries and audit rows) and loads it with COPY in one transaction, then
     VACUUM ANALYZE (what autovacuum does soon after such a load); prints the time of each step;
  3. checks the money rules of `market.orders.invariants` over every order with set-based SQL
     (items = Σ lines, no shipping without lines, commission = rate on the goods rounded half
     up, commission + net = subtotal, order totals = Σ parts); `--verify` also runs the app's
     own `verify_orders()` (what `flask --app wsgi orders verify` runs; about a minute);
  4. measures, each `--repeat` times after one untimed warm-up (its time is shown as "first"):
     the baseline `SELECT count(*) FROM orders` through the app's session; `build_report` for
     the year-end period (the whole generated year) and for the calendar year, all provinces;
     the year-end period for the province with the most sellers and for one program; and
     `xlsx_bytes(report, "vi")` (plus `csv_files` and the charts' `svg` when they exist).
     Every call runs in its own app context with a fresh session, as a request would. It
     prints the median and the ratio to the baseline's median, and the goal (under 2 s);
  5. profiles one more call of each: SQL statements, time in SQL, and the slowest statements
     (`--explain N` prints EXPLAIN (ANALYZE, BUFFERS) of the N slowest, with their parameters);
     and one more for CPU time: this process's, and the PostgreSQL backend's (from /proc, with
     parallel workers off so that it is all the server's work): unlike wall-clock time it
     hardly moves when other work shares the machine's cores;
  6. drops the database (unless `--keep`), also on an error, Ctrl-C or SIGTERM.

Figures, never assertions: no test runs this.
"""
from __future__ import annotations

import argparse
import contextlib
import logging
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import checkout  # bench/checkout.py: database helpers and the bench password  # noqa: E402
import reports_data  # bench/reports_data.py: the generated year  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1/market_bench_reports"
GOAL_MS = 2000.0


@dataclass
class Case:
    label: str
    run: object  # a callable, called inside an app context
    runs_ms: list[float] = field(default_factory=list)
    first_ms: float | None = None
    statements: int = 0
    sql_ms: float = 0.0
    slowest: list[tuple[float, str, object]] = field(default_factory=list)
    client_cpu_ms: float | None = None  # this process (Python: the ORM, openpyxl...)
    server_cpu_ms: float | None = None  # the PostgreSQL backend, without parallel workers
    error: str | None = None
    goal: bool = True  # measured against the 2 s goal

    @property
    def median(self) -> float | None:
        return statistics.median(self.runs_ms) if self.runs_ms else None


# --- the database ------------------------------------------------------------------------------

def make_app(url: str, work: Path):
    from config import Config, normalise_database_url
    from market import create_app

    return create_app(
        Config,
        SQLALCHEMY_DATABASE_URI=normalise_database_url(url),
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True, "pool_size": 2, "max_overflow": 2},
        INSTANCE_PATH=str(work / "instance"),
        UPLOAD_FOLDER=str(work / "uploads"),
        SEARCH_INDEX_PATH=str(work / "search-index"),
        SEARCH_BACKEND="postgres",
        MAIL_SERVER=None,
        SERVER_NAME=None,
    )


def existing_orders(url: str) -> int | None:
    """Orders in the database, or None when the database (or its schema) is not there."""
    import psycopg

    try:
        with psycopg.connect(checkout.psycopg_url(url), connect_timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM orders").fetchone()[0]
    except psycopg.Error:
        return None


def made_by_services(app, year: int) -> reports_data.Refs:
    """What the app makes itself, made through its services: staff, categories, the two programs."""
    from sqlalchemy import select, text

    from market.accounts.services import create_user
    from market.catalog.models import Category
    from market.catalog.services import seed_categories
    from market.demo.programs import COOPERATIVES_PROGRAM, START_UPS_PROGRAM, program
    from market.extensions import db

    with app.app_context():
        staff = create_user("staff@bench.example.vn", "staff", checkout.PASSWORD, full_name="Nguyễn Thị Hạnh")
        seed_categories()
        programs = [program(COOPERATIVES_PROGRAM, staff), program(START_UPS_PROGRAM, staff)]
        categories = dict(db.session.execute(
            select(Category.slug, Category.id).where(Category.parent_id.is_not(None))).all())
        first_ids = {table: db.session.scalar(text(f"SELECT coalesce(max(id), 0) + 1 FROM {table}"))
                     for table in reports_data.TABLES}
        refs = reports_data.Refs(
            year=year, staff_id=staff.id, password_hash=staff.password_hash,
            default_rate_bp=app.config["DEFAULT_COMMISSION_BP"], categories=categories,
            programs=[(p.id, p.commission_rate_bp, frozenset(p.legal_forms)) for p in programs],
            first_ids=first_ids,
        )
        db.session.remove()
    return refs


def generate_and_load(app, args) -> dict[str, float]:
    import flask_migrate
    import psycopg

    steps: dict[str, float] = {}
    began = time.perf_counter()
    checkout.recreate_database(args.database_url)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    with app.app_context():
        flask_migrate.upgrade(directory=str(ROOT / "migrations"))
    steps["schema (Alembic migrations)"] = time.perf_counter() - began

    began = time.perf_counter()
    refs = made_by_services(app, args.year)
    steps["staff, categories, programs (services)"] = time.perf_counter() - began

    began = time.perf_counter()
    sizes = reports_data.Sizes(args.sellers, args.extra_sellers, args.products, args.orders, args.shoppers)
    world = reports_data.generate(sizes, refs, args.seed)
    steps["generate rows (Python)"] = time.perf_counter() - began
    print("rows: " + ", ".join(f"{table} {len(rows):,}" for table, rows in world.rows.items()), flush=True)

    began = time.perf_counter()
    with psycopg.connect(checkout.psycopg_url(args.database_url)) as conn:
        per_table = reports_data.load(conn, world)
    steps["COPY"] = time.perf_counter() - began
    print("COPY s: " + ", ".join(f"{table} {seconds:.1f}" for table, seconds in per_table.items()), flush=True)
    del world

    began = time.perf_counter()
    with psycopg.connect(checkout.psycopg_url(args.database_url), autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    steps["VACUUM ANALYZE"] = time.perf_counter() - began
    return steps


# --- the checks --------------------------------------------------------------------------------

MONEY_CHECKS = {
    "seller orders breaking a rule": """
        SELECT count(*) FROM seller_orders so
        LEFT JOIN (SELECT seller_order_id, sum(line_total_vnd) AS total, count(*) AS n
                   FROM order_lines GROUP BY seller_order_id) l ON l.seller_order_id = so.id
        WHERE so.items_subtotal_vnd <> coalesce(l.total, 0)
           OR (l.n IS NULL AND so.shipping_vnd <> 0)
           OR so.subtotal_vnd <> so.items_subtotal_vnd + so.shipping_vnd
           OR so.commission_vnd <> (so.items_subtotal_vnd * so.commission_rate_bp + 5000) / 10000
           OR so.commission_vnd + so.net_vnd <> so.subtotal_vnd""",
    "lines breaking a rule":
        "SELECT count(*) FROM order_lines WHERE line_total_vnd <> unit_price_vnd::bigint * quantity",
    "orders breaking a rule": """
        SELECT count(*) FROM orders o
        LEFT JOIN (SELECT order_id, sum(items_subtotal_vnd) AS items, sum(shipping_vnd) AS shipping,
                          sum(subtotal_vnd) AS total
                   FROM seller_orders GROUP BY order_id) p ON p.order_id = o.id
        WHERE p.order_id IS NULL OR o.items_total_vnd <> p.items OR o.shipping_total_vnd <> p.shipping
           OR o.total_vnd <> p.total""",
}

SUMMARY = {
    "sellers by status": "SELECT status, count(*) FROM sellers GROUP BY 1 ORDER BY 2 DESC",
    "approved sellers per province (min / max)": """
        SELECT min(n), max(n), count(*) FROM (SELECT province_code, count(*) AS n FROM sellers
        WHERE status = 'approved' GROUP BY 1) s""",
    "enrolments by status": "SELECT status, count(*) FROM enrolments GROUP BY 1 ORDER BY 2 DESC",
    "seller parts by status": "SELECT status, count(*) FROM seller_orders GROUP BY 1 ORDER BY 2 DESC",
    "orders by payment method": "SELECT payment_method, count(*) FROM orders GROUP BY 1 ORDER BY 2 DESC",
    "orders by payment status": "SELECT payment_status, count(*) FROM orders GROUP BY 1 ORDER BY 2 DESC",
    "delivered sales, commission (đồng)": """
        SELECT sum(subtotal_vnd), sum(commission_vnd) FROM seller_orders WHERE status = 'delivered'""",
    "ledger balance of all sellers (đồng)": "SELECT sum(amount_vnd), count(*) FROM ledger_entries",
}


def sql_checks(url: str) -> tuple[bool, list[str]]:
    import psycopg

    lines, ok = [], True
    with psycopg.connect(checkout.psycopg_url(url)) as conn:
        for label, query in MONEY_CHECKS.items():
            count = conn.execute(query).fetchone()[0]
            ok = ok and count == 0
            lines.append(f"{label}: {count}")
        summary = []
        for label, query in SUMMARY.items():
            rows = conn.execute(query).fetchall()
            summary.append(f"{label}: " + ", ".join(" ".join(f"{v:,}" if isinstance(v, int) else str(v) for v in row)
                                                    for row in rows))
    return ok, lines + summary


def app_verify(app) -> tuple[int, float]:
    """The app's own check (what `flask --app wsgi orders verify` runs): mismatches, seconds."""
    from market.extensions import db
    from market.orders.invariants import verify_orders

    began = time.perf_counter()
    with app.app_context():
        count = sum(1 for _ in verify_orders())
        db.session.remove()
    return count, time.perf_counter() - began


# --- measuring ---------------------------------------------------------------------------------

def cases(app, args) -> tuple[Case, list[Case]]:
    from sqlalchemy import text

    from market.extensions import db

    baseline = Case("baseline: SELECT count(*) FROM orders",
                    lambda: db.session.execute(text("SELECT count(*) FROM orders")).scalar(), goal=False)
    try:
        from market.staff.reports import figures, periods
        from market.staff.reports.tables import Scope
    except ImportError as error:
        print(f"\nbuild_report is not there yet ({error}): only the baseline is measured.")
        return baseline, []
    with app.app_context():
        province, program_slug = db.session.execute(text("""
            SELECT (SELECT province_code FROM sellers WHERE status = 'approved' GROUP BY 1 ORDER BY count(*) DESC
                    LIMIT 1),
                   (SELECT slug FROM programs ORDER BY id LIMIT 1)""")).one()
        db.session.remove()
    from market.geo.provinces import get_by_code

    province_name = get_by_code(province).name
    yearend = periods.preset("yearend", args.year)
    calendar = periods.preset("year", args.year)
    kept: dict[str, object] = {}

    def report(period, scope, keep: str | None = None):
        def run():
            built = figures.build_report(period, scope)
            if keep:
                kept[keep] = built
            return built
        return run

    found = [
        Case(f"build_report year-end {args.year}, all provinces", report(yearend, Scope(), keep="all")),
        Case(f"build_report year {args.year}, all provinces", report(calendar, Scope())),
        Case(f"build_report year-end {args.year}, {province_name}", report(yearend, Scope(province=province_name))),
        Case(f"build_report year-end {args.year}, program {program_slug[:24]}",
             report(yearend, Scope(program_slug=program_slug))),
    ]
    try:
        from market.staff.reports import exports
    except ImportError as error:
        print(f"\nexports is not there yet ({error}): the XLSX is not measured.")
        exports = None
    if exports is not None and hasattr(exports, "xlsx_bytes"):
        found.append(Case('xlsx_bytes(year-end report, "vi")', lambda: exports.xlsx_bytes(kept["all"], "vi")))
        if hasattr(exports, "csv_files"):
            found.append(Case('csv_files(year-end report, "vi") (extra)', lambda: exports.csv_files(kept["all"], "vi"),
                              goal=False))
    try:
        from market.staff.reports import charts

        found.append(Case('svg of every table\'s chart, "vi" (extra)',
                          lambda: [charts.svg(table, "vi") for table in kept["all"].tables], goal=False))
    except ImportError:
        pass
    return baseline, found


def call(app, run) -> float:
    from flask_babel import force_locale

    from market.extensions import db

    with app.app_context(), force_locale("vi"):
        began = time.perf_counter()
        try:
            run()
        finally:
            elapsed = (time.perf_counter() - began) * 1000
            db.session.remove()
    return elapsed


def measure(app, case: Case, repeat: int) -> None:
    try:
        case.first_ms = call(app, case.run)
        for _ in range(repeat):
            case.runs_ms.append(call(app, case.run))
    except Exception as error:  # noqa: BLE001  (a helper's code still in progress: reported, not fatal)
        case.error = f"{type(error).__name__}: {str(error).splitlines()[0][:200] if str(error) else ''}"


def profile(app, case: Case) -> None:
    """One more call, counting statements and the time spent in each."""
    from sqlalchemy import event

    from market.extensions import db

    with app.app_context():
        engine = db.engine
    started: dict[int, float] = {}
    seen: list[tuple[float, str, object]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        started[id(cursor)] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        seen.append(((time.perf_counter() - started.pop(id(cursor), time.perf_counter())) * 1000, statement,
                     parameters))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        call(app, case.run)
    except Exception:  # noqa: BLE001  (already reported by measure)
        pass
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    case.statements = len(seen)
    case.sql_ms = sum(ms for ms, _, _ in seen)
    case.slowest = sorted(seen, key=lambda item: -item[0])[:5]


def backend_cpu_ms(pid: int) -> float | None:
    """CPU time of a PostgreSQL backend on this machine (from /proc), or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def cpu(app, case: Case) -> None:
    """One more call for CPU time, which hardly moves with the machine's other load: this
    process's, and the server backend's with parallel workers off (so that all the server's
    work for the call is in that one process)."""
    from flask_babel import force_locale
    from sqlalchemy import text

    from market.extensions import db

    with app.app_context(), force_locale("vi"):
        try:
            db.session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
            pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
            server, client = backend_cpu_ms(pid), time.process_time()
            case.run()
            case.client_cpu_ms = (time.process_time() - client) * 1000
            after = backend_cpu_ms(pid)
            case.server_cpu_ms = after - server if server is not None and after is not None else None
        except Exception:  # noqa: BLE001  (already reported by measure)
            pass
        finally:
            db.session.rollback()
            db.session.remove()


def explain(app, statement: str, parameters) -> str:
    from market.extensions import db

    with app.app_context():
        try:
            with db.engine.connect() as conn:
                rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).all()
                conn.rollback()
            return "\n".join(f"      {row[0]}" for row in rows)
        except Exception as error:  # noqa: BLE001
            return f"      (EXPLAIN failed: {type(error).__name__}: {str(error).splitlines()[0][:200]})"


# --- output ------------------------------------------------------------------------------------

def fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def one_line(statement: str, width: int = 160) -> str:
    text = " ".join(statement.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def print_table(baseline: Case, found: list[Case]) -> None:
    header = (f"{'case':<58} {'first ms':>9} {'median ms':>9} {'min ms':>8} {'max ms':>8} {'x baseline':>10}"
              f" {'SQL':>4} {'SQL ms':>7} {'cpu ms py/pg':>13} {'goal < 2 s':>10}")
    print()
    print(header)
    print("-" * len(header))
    base = baseline.median
    for case in [baseline, *found]:
        if case.error:
            print(f"{case.label:<58} ERROR {case.error}")
            continue
        ratio = "(baseline)" if case is baseline else (f"{case.median / base:,.0f}x" if base and case.median else "-")
        goal = ("PASS" if case.median < GOAL_MS else "SLOW") if case.goal and case.median is not None else ""
        print(f"{case.label:<58} {fmt(case.first_ms):>9} {fmt(case.median):>9} {fmt(min(case.runs_ms or [0])):>8}"
              f" {fmt(max(case.runs_ms or [0])):>8} {ratio:>10} {case.statements or '':>4}"
              f" {fmt(case.sql_ms) if case.statements else '':>7} {cpu_pair(case):>13} {goal:>10}")


def cpu_pair(case: Case) -> str:
    if case.client_cpu_ms is None:
        return ""
    return f"{case.client_cpu_ms:,.0f} / {fmt(case.server_cpu_ms, 0)}"


def print_slowest(app, found: list[Case], explain_count: int) -> None:
    statements = sorted(((ms, statement, parameters, case.label) for case in found for ms, statement, parameters
                         in case.slowest), key=lambda item: -item[0])
    unique, seen = [], set()
    for item in statements:
        if item[1] not in seen:
            seen.add(item[1])
            unique.append(item)
    if not unique:
        return
    print("\nslowest SQL statements (one profiled call of each case):")
    for index, (ms, statement, parameters, label) in enumerate(unique[:8]):
        print(f"  {ms:8.1f} ms  [{label}]  {one_line(statement)}")
        if index < explain_count:
            print(f"    parameters: {parameters}")
            print(explain(app, statement, parameters))


def load_line() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


# --- main --------------------------------------------------------------------------------------

def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="The union's report at a year's scale, on PostgreSQL.")
    parser.add_argument("--database-url", default=os.environ.get("MARKET_BENCH_DATABASE_URL", DEFAULT_URL),
                        help="a PostgreSQL database of its own: dropped and created (default %(default)s)")
    parser.add_argument("--year", type=int, default=2026, help="the year-end period of this year (default 2026)")
    parser.add_argument("--sellers", type=int, default=2_000, help="approved sellers (default 2,000)")
    parser.add_argument("--extra-sellers", type=int, default=200,
                        help="sellers pending, rejected, suspended... (default 200)")
    parser.add_argument("--products", type=int, default=30_000, help="products (default 30,000)")
    parser.add_argument("--orders", type=int, default=200_000, help="orders over the year (default 200,000)")
    parser.add_argument("--shoppers", type=int, default=60_000, help="shopper accounts (default 60,000)")
    parser.add_argument("--repeat", type=int, default=5, help="timed calls of each case (default 5)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    parser.add_argument("--verify", action="store_true",
                        help="also run the app's verify_orders() (`flask orders verify`) over every order")
    parser.add_argument("--explain", type=int, default=0, metavar="N",
                        help="EXPLAIN ANALYZE the N slowest statements (default 0)")
    parser.add_argument("--reuse", action="store_true",
                        help="measure on the database as it is when it holds orders (no generation)")
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    args = parser.parse_args(argv)
    if not 2000 <= args.year <= 2100:
        parser.error("--year: a year between 2000 and 2100")
    if not (34 <= args.sellers <= 20_000 and 0 <= args.extra_sellers <= 5_000 and args.sellers <= args.products
            <= 500_000 and 1 <= args.orders <= 2_000_000 and 1 <= args.shoppers <= 1_000_000):
        parser.error("sizes: 34-20,000 sellers, products from the sellers' count to 500,000, 1-2,000,000 orders,"
                     " 1-1,000,000 shoppers, 0-5,000 extra sellers")
    if not 1 <= args.repeat <= 50 or not 0 <= args.explain <= 8:
        parser.error("--repeat: 1 to 50; --explain: 0 to 8")
    return args


def _on_sigterm(signum, frame):
    raise SystemExit(128 + signum)


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _on_sigterm)
    work = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    # Before the app is imported: config.py reads these at import time.
    os.environ["MARKET_INSTANCE_PATH"] = str(work / "instance")
    os.environ.setdefault("MARKET_ENV", "development")
    os.environ.pop("DATABASE_URL", None)
    created, app, started = False, None, time.perf_counter()
    try:
        import psycopg

        admin, name = checkout.admin_url(args.database_url)
        with psycopg.connect(admin) as conn:
            server = conn.execute("SHOW server_version").fetchone()[0]
        print(f"bench/reports.py: year-end period {args.year} (1 Dec {args.year - 1} - 30 Nov {args.year}),"
              f" {args.sellers:,} approved sellers (+{args.extra_sellers:,}), {args.products:,} products,"
              f" {args.orders:,} orders, {args.shoppers:,} shoppers; {args.repeat} timed calls per case")
        print(f"machine: {os.cpu_count()} CPUs, load average {load_line()} (1/5/15 min) at start;"
              f" Python {sys.version.split()[0]}; PostgreSQL {server}, database {name}", flush=True)
        app = make_app(args.database_url, work)
        orders = existing_orders(args.database_url) if args.reuse else None
        if orders:
            print(f"reusing the database as it is: {orders:,} orders")
        else:
            created = True
            began = time.perf_counter()
            steps = generate_and_load(app, args)
            print("setup: " + "; ".join(f"{step} {seconds:.1f} s" for step, seconds in steps.items()))
            print(f"generation in all: {time.perf_counter() - began:.1f} s (load average {load_line()})", flush=True)

        ok, lines = sql_checks(args.database_url)
        print(f"\nmoney rules (market.orders.invariants, in SQL): {'PASS' if ok else 'FAIL'}: " + "; ".join(lines[:3]))
        for line in lines[3:]:
            print(f"  {line}")
        if args.verify:
            mismatches, seconds = app_verify(app)
            print(f"verify_orders() (flask orders verify): {'every order adds up' if not mismatches else 'FAIL'}"
                  f" ({mismatches} mismatches, {seconds:.0f} s)", flush=True)

        baseline, found = cases(app, args)
        print(f"\nmeasuring (load average {load_line()})...", flush=True)
        for case in [baseline, *found]:
            measure(app, case, args.repeat if case is not baseline else max(args.repeat, 20))
            if case is not baseline:
                profile(app, case)
                cpu(app, case)
            print(f"  {case.label}: {fmt(case.median)} ms" + (f" ({case.error})" if case.error else ""), flush=True)
        print_table(baseline, found)
        print_slowest(app, found, args.explain)
        print(f"\nload average {load_line()} at the end; whole run {time.perf_counter() - started:.0f} s")
        print("first: the untimed first call (cold caches); median/min/max over the timed calls, each in its own"
              " app context with a fresh session; x baseline: median / the baseline's median; SQL: statements of"
              " one profiled call, SQL ms: their time (driver + server); cpu ms py/pg: CPU time of one more call,"
              " this Python process / the PostgreSQL backend with parallel workers off (both hardly move with"
              " other load); goal: median under 2 s.")
        slow = [case for case in found if case.goal and (case.error or (case.median or 0) >= GOAL_MS)]
        return 0 if ok and not slow else 1
    finally:
        if app is not None:
            from market.extensions import db

            with contextlib.suppress(Exception), app.app_context():
                db.session.remove()
                db.engine.dispose()
        if created and not args.keep:
            with contextlib.suppress(Exception):
                checkout.drop_database(args.database_url)
        elif created or args.reuse:
            print(f"database kept: {args.database_url}")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
