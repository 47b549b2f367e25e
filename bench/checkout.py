"""Placing orders on PostgreSQL: orders per second with 1 and with N buyers at once, latency
of `place_order`, the same over HTTP against gunicorn, and a check that nothing was
oversold; against a bare stock UPDATE.

    .venv/bin/python bench/checkout.py                      # 15 s per phase, 20 buyers (about 3 min)
    .venv/bin/python bench/checkout.py --seconds 5 --buyers 8
    .venv/bin/python bench/checkout.py --http-only          # the baselines and the HTTP phase only
    MARKET_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1/other .venv/bin/python bench/checkout.py

In one run it:
  1. drops and creates the database (`--database-url`, else $MARKET_BENCH_DATABASE_URL, else
     postgresql://postgres@127.0.0.1/market_bench_checkout), builds the schema with
     `flask_migrate.upgrade()` in a fresh app, and seeds through the services (as the tests
     do): staff, two approved sellers, `--products` products on sale with plenty of stock
     and a few (`--scarce`) with only 5 each, all with a photo; plus `--buyers` products
     kept for the baseline only;
  2. baseline: a bare `UPDATE products SET stock = stock - 1 WHERE id = %s AND stock >= 1`
     + COMMIT loop (psycopg, autocommit off, one connection per thread) on the baseline
     products: the floor cost of one small write transaction on this server;
  3. `place_order` with 1 buyer, then with `--buyers` threads, each with its own app context
     (its own session and connection, as separate requests): every order is a guest cart of
     1-3 random lines (1-2 units each) over both sellers' products, cash on delivery; a cart
     that holds a sold-out product is refused (CartChanged) and counted, as a shopper would
     be sent back to the cart page;
  3b. over HTTP (bench/checkout_http.py; `--workers 0` skips it): `--buyers` threads POST
     /checkout (CSRF token, cash on delivery) against gunicorn with `--workers` sync workers
     serving `wsgi:app` (MARKET_ENV=production, this database, SEARCH_BACKEND=postgres), each
     on guest carts prepared over HTTP before the timed part; gunicorn's CPU per order from /proc;
  4. checks, for every product: initial stock - units in order lines of parts not cancelled
     == stock now, and stock >= 0; and that the database holds exactly the orders the
     buyers were told were placed. Prints PASS or FAIL;
  5. drops the database (unless `--keep`) and removes its temporary instance folder, also
     on an error, Ctrl-C or SIGTERM.

Carts are built in memory (product id, quantity, the price as seeded), so the timed part is
`place_order` alone: its reads of the cart's products, conditional stock UPDATEs, the order,
its parts and lines, the commission lookup, the audit rows, the notices, the search index
write (SEARCH_BACKEND=postgres by default: in the order's transaction) and the commit.
Orders/s is successful orders over the phase's wall time (after a 1 s warm-up, counted in the
check but not in the figures). The buyers are threads of this one Python process: with many
buyers the figure is bounded by this process's CPU (the GIL) as much as by PostgreSQL; gunicorn
would run several processes. Figures, never assertions: no test runs this.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgresql://postgres@127.0.0.1/market_bench_checkout"
PLENTY = 1_000_000
SCARCE_STOCK = 5
WARMUP_S = 1.0
MAX_ERRORS_PER_BUYER = 20  # then that buyer stops (the run says FAIL anyway)
PASSWORD = "correct-horse-battery"
# A real 2025 address (Hà Nội, Xã Phú Nghĩa), as the tests use.
ADDRESS = {"province": "01", "commune": "Xã Phú Nghĩa", "street_address": "12 Hàng Bạc"}


# --- results -----------------------------------------------------------------------------------

@dataclass
class Phase:
    label: str
    threads: int
    seconds: float = 0.0
    done: int = 0  # transactions committed (baseline) or orders placed
    refused: int = 0  # CartChanged
    errors: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    cpu_s: float = 0.0  # this process's CPU time over the phase
    statements: int = 0  # SQL statements sent during the phase (place_order phases)
    calls: int = 0  # place_order calls timed (placed + refused)
    warmup_done: int = 0  # orders placed during the warm-up (checked, not timed)
    load: float = 0.0

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0

    def pct(self, q: int) -> float | None:
        values = self.latencies_ms
        if not values:
            return None
        if len(values) == 1:
            return values[0]
        return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


class Tally:
    """Shared by the threads of one phase."""

    def __init__(self):
        self.lock = threading.Lock()
        self.done = self.refused = self.calls = self.warmup_done = 0
        self.errors: list[str] = []
        self.latencies_ms: list[float] = []

    def add(self, done=0, refused=0, latency_ms=None, error=None, call=False, warmup_done=0):
        with self.lock:
            self.done += done
            self.refused += refused
            self.calls += call
            self.warmup_done += warmup_done
            if latency_ms is not None:
                self.latencies_ms.append(latency_ms)
            if error is not None:
                self.errors.append(error)

    def fill(self, phase: "Phase") -> None:
        phase.done, phase.refused, phase.calls, phase.warmup_done = self.done, self.refused, self.calls, self.warmup_done
        phase.errors, phase.latencies_ms = self.errors, self.latencies_ms


# --- the database ------------------------------------------------------------------------------

def admin_url(url: str) -> tuple[str, str]:
    """(conninfo of the server's `postgres` database, the bench database's name)."""
    from sqlalchemy import make_url

    parsed = make_url(url)
    if not parsed.drivername.startswith("postgres"):
        raise SystemExit(f"--database-url must be PostgreSQL, not {parsed.drivername}")
    name = parsed.database
    if not name or name in {"postgres", "template0", "template1"}:
        raise SystemExit("--database-url must name a database of its own (it is dropped and created)")
    admin = parsed.set(drivername="postgresql", database="postgres")
    return admin.render_as_string(hide_password=False), name


def psycopg_url(url: str) -> str:
    from sqlalchemy import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def recreate_database(url: str) -> None:
    import psycopg

    admin, name = admin_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    import psycopg

    admin, name = admin_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_app(url: str, work: Path, args):
    from config import Config, normalise_database_url
    from market import create_app

    pool = 2 * args.buyers + 4  # a buyer may hold two (Whoosh writes after the commit on another)
    return create_app(
        Config,
        SQLALCHEMY_DATABASE_URI=normalise_database_url(url),
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True, "pool_size": pool, "max_overflow": 4},
        INSTANCE_PATH=str(work / "instance"),
        UPLOAD_FOLDER=str(work / "uploads"),
        SEARCH_INDEX_PATH=str(work / "search-index"),
        SEARCH_BACKEND=args.search_backend,
        MAIL_SERVER=None,  # emails stay in the outbox table
        SERVER_NAME=None,
    )


@dataclass
class Catalog:
    products: dict[int, tuple[int, int]]  # id -> (price, initial stock): the ones orders buy
    scarce: list[int]
    baseline: list[int]  # products only the bare UPDATE loop touches
    sellers: int
    slugs: dict[int, str] = field(default_factory=dict)  # for the HTTP phase's product pages


def seed(args) -> Catalog:
    """Staff, two approved sellers and their products, through the services (call in an app context)."""
    from market.accounts.models import Role
    from market.catalog import services as catalog
    from tests.builders import approved_seller, make_product, make_user

    catalog.seed_categories()
    staff = make_user("staff@bench.example.vn", Role.STAFF, password=PASSWORD)
    owners = [
        approved_seller(staff, "hoa@bench.example.vn", name="HTX Mật ong Hưng Yên")[0],
        approved_seller(staff, "lan@bench.example.vn", name="HTX Chè Tân Cương", province="Hà Nội")[0],
    ]
    rng = random.Random(args.seed)
    products: dict[int, tuple[int, int]] = {}
    scarce: list[int] = []
    baseline: list[int] = []
    slugs: dict[int, str] = {}
    total = args.products + args.scarce + args.buyers
    for i in range(total):
        owner = owners[i % 2]
        price = rng.randrange(20, 600) * 1_000
        kind = "scarce" if args.products <= i < args.products + args.scarce else (
            "baseline" if i >= args.products + args.scarce else "plenty")
        stock = SCARCE_STOCK if kind == "scarce" else PLENTY
        product = make_product(owner, name=f"Sản phẩm thử {i + 1:03d} ({kind})", price_vnd=price, stock=stock)
        if kind == "baseline":
            baseline.append(product.id)
        else:
            products[product.id] = (price, stock)
            slugs[product.id] = product.slug
            if kind == "scarce":
                scarce.append(product.id)
    return Catalog(products, scarce, baseline, sellers=2, slugs=slugs)


# --- load --------------------------------------------------------------------------------------

def run_threads(count: int, target, args_for) -> None:
    threads = [threading.Thread(target=target, args=args_for(i), name=f"bench-{i}", daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def order_phase(app, catalog: Catalog, threads: int, seconds: float, seed_value: int) -> Phase:
    """`threads` buyers placing guest orders (cash on delivery) as fast as they can."""
    from sqlalchemy import event

    from market.extensions import db
    from market.orders.cart import SessionCart
    from market.orders.checkout import CartChanged, CheckoutDetails, place_order

    phase = Phase(f"place_order, {threads} buyer{'s' if threads > 1 else ''}", threads)
    tally = Tally()
    ids = sorted(catalog.products)
    timed = threading.local()  # statements are counted for timed calls only
    statements = [0]

    def count_statement(*_args):
        if getattr(timed, "on", False):
            with tally.lock:
                statements[0] += 1

    bounds: dict[str, float] = {}
    start = threading.Barrier(threads + 1, action=lambda: _set_bounds(bounds, seconds))

    def buyer(i: int) -> None:
        rng = random.Random(seed_value * 1000 + i)
        details = CheckoutDetails(full_name="Nguyễn Thị Mai", phone="0912 345 678", email=f"buyer{i}@bench.example.vn",
                                  payment_method="cod", locale="vi", **ADDRESS)
        errors = 0
        with app.app_context():
            try:
                start.wait()
            except threading.BrokenBarrierError:
                return
            while (now := time.perf_counter()) < bounds["deadline"] and errors < MAX_ERRORS_PER_BUYER:
                store = SessionCart({})
                for product_id in rng.sample(ids, rng.randint(1, 3)):
                    store.put(product_id, rng.randint(1, 2), catalog.products[product_id][0])
                timed.on = now >= bounds["warmup"]
                began = time.perf_counter()
                try:
                    place_order(store, details, None, ["cod"])
                    placed = 1
                except CartChanged:
                    placed = 0
                except Exception as error:  # noqa: BLE001  (a deadlock, a pool timeout...: reported, FAIL)
                    errors += 1
                    tally.add(error=f"{type(error).__name__}: {str(error).splitlines()[0][:300]}")
                    continue
                finally:
                    db.session.remove()  # the next order is another request
                    timed.on = False
                if now >= bounds["warmup"]:
                    tally.add(done=placed, refused=1 - placed,
                              latency_ms=(time.perf_counter() - began) * 1000 if placed else None, call=True)
                else:
                    tally.add(warmup_done=placed)  # placed and checked at the end, not timed

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count_statement)
    cpu = time.process_time()
    phase.load = os.getloadavg()[0]
    try:
        runner = threading.Thread(target=run_threads, args=(threads, buyer, lambda i: (i,)))
        runner.start()
        with contextlib.suppress(threading.BrokenBarrierError):
            start.wait(timeout=120)
        runner.join()
    finally:
        event.remove(engine, "before_cursor_execute", count_statement)
    phase.cpu_s = time.process_time() - cpu
    phase.seconds = seconds
    tally.fill(phase)
    phase.statements = statements[0]
    return phase


def _set_bounds(bounds: dict, seconds: float) -> None:
    began = time.perf_counter()
    bounds["warmup"] = began + WARMUP_S
    bounds["deadline"] = began + WARMUP_S + seconds


def baseline(url: str, ids: list[int], threads: int, seconds: float) -> Phase:
    """Bare conditional UPDATE + COMMIT, one psycopg connection per thread."""
    import psycopg

    phase = Phase(f"bare UPDATE + COMMIT, {threads} conn", threads)
    tally = Tally()
    bounds: dict[str, float] = {}
    start = threading.Barrier(threads + 1, action=lambda: _set_bounds(bounds, seconds))

    def worker(i: int) -> None:
        rng = random.Random(i)
        try:
            with psycopg.connect(psycopg_url(url)) as conn:
                start.wait()
                while (now := time.perf_counter()) < bounds["deadline"]:
                    conn.execute("UPDATE products SET stock = stock - 1 WHERE id = %s AND stock >= 1", (rng.choice(ids),))
                    conn.commit()
                    if now >= bounds["warmup"]:
                        tally.add(done=1, latency_ms=(time.perf_counter() - now) * 1000)
        except Exception as error:  # noqa: BLE001
            with contextlib.suppress(Exception):
                start.abort()
            tally.add(error=f"{type(error).__name__}: {str(error).splitlines()[0][:300]}")

    cpu = time.process_time()
    phase.load = os.getloadavg()[0]
    runner = threading.Thread(target=run_threads, args=(threads, worker, lambda i: (i,)))
    runner.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        start.wait(timeout=120)
    runner.join()
    phase.cpu_s = time.process_time() - cpu
    phase.seconds = seconds
    tally.fill(phase)
    return phase


# --- the check ---------------------------------------------------------------------------------

def check(app, catalog: Catalog, placed: int) -> tuple[bool, list[str]]:
    """No product oversold, stock never negative, exactly the orders the buyers were told of."""
    from sqlalchemy import func, select

    from market.catalog.models import Product
    from market.extensions import db
    from market.orders.models import Order, OrderLine, SellerOrder, SellerOrderStatus

    problems: list[str] = []
    with app.app_context():
        try:
            sold = dict(db.session.execute(
                select(OrderLine.product_id, func.sum(OrderLine.quantity))
                .join(SellerOrder, SellerOrder.id == OrderLine.seller_order_id)
                .where(SellerOrder.status != SellerOrderStatus.CANCELLED)
                .group_by(OrderLine.product_id)
            ).all())
            stock = dict(db.session.execute(select(Product.id, Product.stock)
                                            .where(Product.id.in_(sorted(catalog.products)))).all())
            for product_id, (_price, initial) in sorted(catalog.products.items()):
                left, out = stock[product_id], sold.get(product_id, 0)
                if left < 0:
                    problems.append(f"product {product_id}: stock {left} < 0")
                if initial - out != left:
                    problems.append(f"product {product_id}: {initial} - {out} sold = {initial - out}, stock says {left}")
            orders = db.session.scalar(select(func.count()).select_from(Order))
            if orders != placed:
                problems.append(f"{orders} orders in the database, the buyers were told of {placed}")
            scarce_left = sum(stock[i] for i in catalog.scarce)
            summary = (f"{len(catalog.products)} products checked, {orders:,} orders, "
                       f"{sum(sold.values()):,} units sold, scarce products left: {scarce_left} of "
                       f"{SCARCE_STOCK * len(catalog.scarce)}")
        finally:
            db.session.remove()
    return not problems, [summary, *problems[:20]]


# --- output ------------------------------------------------------------------------------------

def fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def print_table(rows: list[tuple[Phase, Phase | None]]) -> None:
    header = (f"{'phase':<34} {'thr':>3} {'done':>7} {'per s':>8} {'p50 ms':>7} {'p95 ms':>7} {'refused':>7}"
              f" {'errors':>6} {'cpu ms/op':>9} {'SQL/call':>8} {'load':>5} {'vs bare UPDATE':>15}")
    print()
    print(header)
    print("-" * len(header))
    for phase, base in rows:
        ratio = f"{phase.rate / base.rate:.1%}" if base and base.rate else ("(baseline)" if base is None else "-")
        cpu = phase.cpu_s * 1000 / phase.done if phase.done else None
        per_call = phase.statements / phase.calls if phase.calls and phase.statements else None
        print(f"{phase.label:<34} {phase.threads:>3} {phase.done:>7,} {fmt(phase.rate):>8} {fmt(phase.pct(50), 2):>7}"
              f" {fmt(phase.pct(95), 2):>7} {phase.refused:>7,} {len(phase.errors):>6} {fmt(cpu, 2):>9}"
              f" {fmt(per_call):>8} {phase.load:>5.2f} {ratio:>15}")


def run_phases(app, catalog: Catalog, args, work: Path) -> tuple[list[tuple[Phase, Phase | None]], dict]:
    """The timed phases in order, each printed as it ends: [(phase, its baseline or None)], and
    what the HTTP phase adds to the report."""
    rows: list[tuple[Phase, Phase | None]] = []
    total = 2 + 2 * (not args.http_only) + bool(args.workers)

    def done(phase: Phase, base: Phase | None, unit: str) -> Phase:
        rows.append((phase, base))
        print(f"[{len(rows)}/{total}] {phase.label}: {fmt(phase.rate)} {unit}/s", flush=True)
        return phase

    base_1 = done(baseline(args.database_url, catalog.baseline, 1, args.seconds), None, "tx")
    if not args.http_only:
        done(order_phase(app, catalog, 1, args.seconds, args.seed), base_1, "orders")
    base_n = done(baseline(args.database_url, catalog.baseline, args.buyers, args.seconds), None, "tx")
    if not args.http_only:
        done(order_phase(app, catalog, args.buyers, args.seconds, args.seed + 1), base_n, "orders")
    extra: dict = {}
    if args.workers:
        from checkout_http import http_phase

        phase = Phase(f"POST /checkout, {args.buyers} buyers, {args.workers} wk", args.buyers)
        products = {i: (catalog.slugs[i], stock) for i, stock in stock_now(app, catalog).items() if stock > 0}
        extra = http_phase(phase, Tally(), products, args.database_url, work, args, WARMUP_S, args.seed + 2)
        done(phase, base_n, "orders")
    return rows, extra


def stock_now(app, catalog: Catalog) -> dict[int, int]:
    """The stock of the products orders buy, as the database has it now (the HTTP phase's
    carts hold only products still on sale: a sold-out product's page has no cart form)."""
    from sqlalchemy import select

    from market.catalog.models import Product
    from market.extensions import db

    with app.app_context():
        try:
            return dict(db.session.execute(select(Product.id, Product.stock)
                                           .where(Product.id.in_(sorted(catalog.products)))).all())
        finally:
            db.session.remove()


def print_http(phase: Phase, extra: dict, args) -> None:
    server = extra.get("server_cpu_s")
    per_order = f"{server * 1000 / phase.done:.1f} ms" if server is not None and phase.done else "-"
    client = fmt(phase.cpu_s * 1000 / phase.done if phase.done else None, 2)
    print(f"\nHTTP phase: gunicorn `wsgi:app`, {args.workers} sync workers, MARKET_ENV=production,"
          f" SEARCH_BACKEND=postgres; {extra.get('carts', 0):,} guest carts prepared over HTTP before it in"
          f" {extra.get('prepare_s', 0):.0f} s (product page + one POST /cart/add per line, not timed). gunicorn CPU"
          f" (master + workers) per order placed: {per_order}; this client's CPU per order: {client}"
          f" ms; the whole machine was {extra.get('machine_busy', 0):.0%} busy (all its CPUs: gunicorn, PostgreSQL,"
          f" this client, anyone else).")
    if extra.get("ran_out"):
        print("  NOTE: buyers used up their prepared carts before the end of the phase: raise --http-rate-cap.")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Orders per second and oversell check on PostgreSQL.")
    parser.add_argument("--database-url", default=os.environ.get("MARKET_BENCH_DATABASE_URL", DEFAULT_URL),
                        help="a PostgreSQL database of its own: dropped and created (default %(default)s)")
    parser.add_argument("--seconds", type=float, default=15.0, help="timed seconds per phase (default 15)")
    parser.add_argument("--buyers", type=int, default=20, help="concurrent buyers in the second phase (default 20)")
    parser.add_argument("--products", type=int, default=60, help="products with plenty of stock (default 60)")
    parser.add_argument("--scarce", type=int, default=6, help=f"products with {SCARCE_STOCK} in stock (default 6)")
    parser.add_argument("--search-backend", choices=("postgres", "whoosh"), default="postgres",
                        help="SEARCH_BACKEND while ordering (default postgres, as in production)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    parser.add_argument("--keep", action="store_true", help="keep the database at the end (to look at it)")
    parser.add_argument("--workers", type=int, default=2,
                        help="gunicorn sync workers of the HTTP phase; 0 skips that phase (default 2)")
    parser.add_argument("--http-rate-cap", type=float, default=160.0,
                        help="carts prepared for the HTTP phase: this many orders/s over the phase (default 160)")
    parser.add_argument("--http-only", action="store_true",
                        help="skip the in-process place_order phases (the bare UPDATE baselines still run)")
    args = parser.parse_args(argv)
    if not 0.5 <= args.seconds <= 600:
        parser.error("--seconds: between 0.5 and 600")
    if not 1 <= args.buyers <= 64:
        parser.error("--buyers: between 1 and 64")
    if not 0 <= args.workers <= 8 or not 1 <= args.http_rate_cap <= 2_000:
        parser.error("--workers: 0 to 8; --http-rate-cap: 1 to 2,000")
    if not 3 <= args.products <= 5_000 or not 0 <= args.scarce <= 100:
        parser.error("--products: 3 to 5,000; --scarce: 0 to 100")
    return args


def _on_sigterm(signum, frame):
    raise SystemExit(128 + signum)


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _on_sigterm)
    work = Path(tempfile.mkdtemp(prefix="bench-checkout-"))
    # Before the app is imported: config.py reads these at import time.
    os.environ["MARKET_INSTANCE_PATH"] = str(work / "instance")
    os.environ.setdefault("MARKET_ENV", "development")
    os.environ.pop("DATABASE_URL", None)
    created = False
    started = time.perf_counter()
    app = None
    try:
        import flask_migrate
        import psycopg

        admin, name = admin_url(args.database_url)
        with psycopg.connect(admin) as conn:
            server = conn.execute("SHOW server_version").fetchone()[0]
        print(f"bench/checkout.py: {args.seconds:g} s per phase, {args.buyers} buyers, {args.products} products"
              f" + {args.scarce} with {SCARCE_STOCK} in stock, SEARCH_BACKEND={args.search_backend}")
        print(f"machine: {os.cpu_count()} CPUs, load average {' / '.join(f'{x:.2f}' for x in os.getloadavg())}"
              f" (1/5/15 min) at start; Python {sys.version.split()[0]}; PostgreSQL {server}, database {name}")

        t0 = time.perf_counter()
        recreate_database(args.database_url)
        created = True
        app = make_app(args.database_url, work, args)
        from market.extensions import db

        with app.app_context():
            flask_migrate.upgrade(directory=str(ROOT / "migrations"))
            migrated = time.perf_counter() - t0
            catalog = seed(args)
            db.session.remove()
        print(f"setup: schema migrated in {migrated:.1f} s; {len(catalog.products) + len(catalog.baseline)} products"
              f" from 2 approved sellers seeded through the services in {time.perf_counter() - t0 - migrated:.1f} s",
              flush=True)
        with psycopg.connect(psycopg_url(args.database_url), autocommit=True) as conn:
            conn.execute("ANALYZE")

        rows, http_extra = run_phases(app, catalog, args, work)
        placed = sum(phase.done + phase.warmup_done for phase, base in rows if base is not None)
        ok, lines = check(app, catalog, placed)
        print_table(rows)
        errors = [e for phase, _ in rows for e in phase.errors]
        for error in sorted(set(errors))[:5]:
            print(f"  error ({errors.count(error)}x): {error}")
        print(f"\nstock check: {'PASS' if ok and not errors else 'FAIL'}: " + "; ".join(lines[:1]))
        for line in lines[1:]:
            print(f"  {line}")
        if http_extra:
            print_http(rows[-1][0], http_extra, args)
        print(f"\nload average {' / '.join(f'{x:.2f}' for x in os.getloadavg())} at the end;"
              f" whole run {time.perf_counter() - started:.0f} s")
        print("per s: transactions (bare UPDATE) or orders placed per second of the timed phase; p50/p95: latency of"
              " one UPDATE+COMMIT or of one successful place_order call; refused: carts holding a sold-out product"
              " (CartChanged); cpu ms/op: this process's CPU time per transaction or order (buyers and"
              " SQLAlchemy, not the server); SQL/call: statements sent per place_order call; load: 1-min load"
              " average when the phase started (2 cores: above 2 means waiting for CPU).")
        return 0 if ok and not errors else 1
    finally:
        if app is not None:
            from market.extensions import db

            with contextlib.suppress(Exception), app.app_context():
                db.session.remove()
                db.engine.dispose()
        if created and not args.keep:
            with contextlib.suppress(Exception):
                drop_database(args.database_url)
        elif created:
            print(f"database kept: {args.database_url}")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
