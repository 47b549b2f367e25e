"""Money, stock and the search index under load: browsers, buyers and sellers at once on a
production-like server, a graceful restart half-way, then checks that nothing drifted.

    .venv/bin/python bench/load.py                                   # 60 s, 50 visitors, 10,000 products, Whoosh
    .venv/bin/python bench/load.py --seconds 10 --products 2000      # a quick run
    .venv/bin/python bench/load.py --search postgres --json /tmp/load.json

In one run it:
  1. creates a PostgreSQL database of its own (127.0.0.1, user postgres; `market_load_<pid>`,
     dropped at the end unless --keep) and a temporary instance folder; sets the environment
     of a production server (MARKET_ENV=production, a random SECRET_KEY, PUBLIC_BASE_URL,
     TRUSTED_HOSTS, rate limits in Redis db --redis-db, flushed first, and raised high enough
     for the load, cookies without Secure since the bench speaks plain HTTP to 127.0.0.1,
     SEARCH_BACKEND=--search); runs `flask --app wsgi db upgrade` and `seed-demo`; grows the
     catalog to --products with bench/search_catalog.py's Vietnamese catalog (sellers and
     products loaded with COPY), gives the demo sellers' products small stock (1-40 units, so
     that the pages everybody sees first sell out), creates the visitors' accounts through
     the services (shoppers; seller members of the demo sellers, by invitation) and runs
     `flask --app wsgi search reindex`;
  2. records every product's stock and the units held by open orders, then starts gunicorn
     (sync workers, --workers, 127.0.0.1 on a free port) on `wsgi:app`;
  3. runs --clients visitors (bench/load_clients.py) in --client-processes processes for
     --seconds: shoppers (guests and signed in) browsing, searching and buying, and seller
     members editing stock and price (about 5 % of the visitors);
  4. half-way, sends one SIGHUP to the gunicorn master (new workers, old ones finish their
     requests and leave) and notes how long the swap took and what was answered meanwhile;
  5. stops gunicorn, then checks: stock in SQL for every product (below), that the database
     holds exactly the orders the visitors were told were placed, `flask --app wsgi orders
     verify` (money) and `flask --app wsgi search verify` (index against database), each
     reported "not available" while the command does not exist;
  6. prints requests, statuses, requests/s, p50/p95/p99 latency per kind of request, orders,
     seller edits, the restart, each check's PASS/FAIL, and the goals (zero 5xx, zero
     mismatches); --json writes the figures; exit status 1 when a goal is missed. The first
     5xx (path, body) and gunicorn's error log go to --errors-log.

The stock check is exact. Orders take stock with a conditional UPDATE and give it back when
a part is cancelled, so without sellers, for every product: stock before + units held by
open orders before = stock now + units held by open orders now (open: part not cancelled;
an expired order is a cancelled one). A seller's quick edit is a compare-and-set: it writes
the new stock only where the stock still is the one the seller saw (`seen_stock`), so a saved
edit moves the stock by exactly (new - seen), whatever orders did before or after it. The
seller visitors note, for each edit, the stock seen, the stock set and whether the page they
were sent back to said "saved"; the check adds those moves in. The audit rows the app writes
for each edit ("stock 12→15") give the same sum independently; both are shown, and an edit
whose outcome the visitor could not read (an error, a timeout) makes the check use the audit.

Load goes only to 127.0.0.1 and stops by itself; everything started is stopped (by pid) and
removed at the end, also on Ctrl-C, SIGTERM or an error. Figures, never assertions on time.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import math
import os
import platform
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import checkout  # bench/checkout.py: database helpers, the bench password and a 2025 address
import pages  # bench/pages.py: gunicorn processes, free ports, setup commands
import search as search_bench  # bench/search.py: a process's CPU time

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
PG_SERVER = "postgresql://postgres@127.0.0.1"
DEMO_SMALL_STOCK = (1, 40)
SELLER_SHARE = 0.05
SIGNED_IN_SHARE = 1 / 3  # of the shoppers
HIGH_LIMIT = "1000000 per hour"
KINDS = ("browse", "search", "suggest", "cart", "checkout", "order", "seller edit", "sign-in")
VERIFY_TIMEOUT = 900
RESTART_TIMEOUT = 180  # seconds for new workers to load the app (a crowded machine takes tens of seconds)
# gunicorn settings file: each worker notes when it has loaded the app and can serve.
GUNICORN_HOOKS = '''"""gunicorn hooks of bench/load.py (written by it)."""
import pathlib
import time


def post_worker_init(worker):
    pathlib.Path({ready!r}, str(worker.pid)).write_text(repr(time.time()))
'''
pages.SETUP_TIMEOUT = 900  # seed-demo and a big reindex take minutes on a busy machine (pages.py allows 180 s)


# --- the run's state -----------------------------------------------------------------------------

@dataclass
class Snapshot:
    """Stock and units held by open orders, per product, at one moment."""
    stock: dict[int, int]
    held: dict[int, int]
    max_order_id: int
    max_audit_id: int


@dataclass
class Restart:
    sent_at: float
    old_pids: list[int]
    new_pids: list[int] = field(default_factory=list)
    old_gone_s: float | None = None  # until every old worker had exited (None: not within RESTART_TIMEOUT)
    new_ready_s: float | None = None  # until every new worker had loaded the app (gunicorn forks them at once)

    @property
    def seconds(self) -> float:
        return max(self.old_gone_s or RESTART_TIMEOUT, self.new_ready_s or RESTART_TIMEOUT)


@dataclass
class Check:
    name: str
    status: str  # PASS, FAIL or "not available"
    summary: str
    details: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status == "FAIL"


@dataclass
class Server:
    """The gunicorn we started, and where its workers note that they have loaded the app."""
    master: subprocess.Popen
    ready: Path
    log: Path
    workers: int


class Monitor:
    """CPU time of gunicorn (the master and every worker it ever had, by pid) and of the whole
    machine, sampled while the visitors run; marks taken when the timed window opens and closes."""

    def __init__(self, server: Server, plan: dict):
        self.server, self.plan = server, plan
        self.cpu: dict[int, float] = {}  # pid -> CPU seconds when last seen
        self.boot: dict[int, float] = {}  # worker pid -> CPU seconds it took to load the app
        self.marks: dict[str, tuple[float, float, tuple[int, int]]] = {}

    def tick(self) -> None:
        loaded = ready_workers(self.server.ready)
        loading = 0.0  # workers still loading the app: all they used so far
        for pid in pages._children(self.server.master.pid):
            cpu = search_bench.proc_cpu_seconds(pid)
            if cpu:
                self.cpu[pid] = cpu
                if pid in loaded:
                    self.boot.setdefault(pid, cpu)
                else:
                    loading += cpu
        self.cpu[self.server.master.pid] = search_bench.proc_cpu_seconds(self.server.master.pid)
        now = time.time()
        for name, at in (("start", self.plan["start_at"]), ("end", self.plan["deadline"])):
            if name not in self.marks and now >= at:
                self.marks[name] = (sum(self.cpu.values()), sum(self.boot.values()) + loading, machine_times())

    def usage(self) -> dict:
        """gunicorn's CPU seconds in the window, the part new workers spent loading the app, the machine's busy share."""
        if set(self.marks) != {"start", "end"}:
            return {}
        (cpu_a, boot_a, (total_a, idle_a)), (cpu_b, boot_b, (total_b, idle_b)) = self.marks["start"], self.marks["end"]
        return {"server_cpu_s": cpu_b - cpu_a, "boot_cpu_s": boot_b - boot_a,
                "machine_busy": 1 - (idle_b - idle_a) / max(1, total_b - total_a)}


def machine_times() -> tuple[int, int]:
    """All CPUs' (total, idle + iowait) ticks so far (Linux /proc/stat)."""
    values = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(values), values[3] + values[4]


class Stopped(Exception):
    """SIGTERM: unwind and clean up as for Ctrl-C."""


def _on_sigterm(signum, frame):
    raise Stopped()


# --- options -------------------------------------------------------------------------------------

def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Visitors, buyers and sellers at once; then money, stock and "
                                                 "search index checks.")
    parser.add_argument("--seconds", type=float, default=60, help="load duration (5-600, default 60)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent visitors (2-200, default 50)")
    parser.add_argument("--products", type=int, default=10_000, help="catalog size (100-200,000, default 10,000)")
    parser.add_argument("--search", choices=("whoosh", "postgres"), default="whoosh",
                        help="SEARCH_BACKEND (default whoosh: index writes after each commit, the harder case)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers (1-8, default 3)")
    parser.add_argument("--client-processes", type=int, default=2, help="processes for the visitors (1-4, default 2)")
    parser.add_argument("--redis-db", type=int, default=11, help="Redis database for rate limits, flushed (default 11)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    parser.add_argument("--no-restart", action="store_true", help="do not send SIGHUP half-way")
    parser.add_argument("--keep", action="store_true", help="keep the database and the instance folder")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    parser.add_argument("--errors-log", metavar="PATH", help="where the first 5xx and gunicorn's log go "
                        "(default: a file in the temporary directory, named at the end)")
    args = parser.parse_args(argv)
    limits = [(5 <= args.seconds <= 600, "--seconds: 5 to 600"), (2 <= args.clients <= 200, "--clients: 2 to 200"),
              (100 <= args.products <= 200_000, "--products: 100 to 200,000"),
              (1 <= args.workers <= 8, "--workers: 1 to 8"), (1 <= args.client_processes <= 4, "--client-processes: 1 to 4"),
              (0 <= args.redis_db <= 15, "--redis-db: 0 to 15")]
    for ok, message in limits:
        if not ok:
            parser.error(message)
    args.errors_log = Path(args.errors_log or Path(tempfile.gettempdir()) / f"market_load_{os.getpid()}_errors.log")
    return args


# --- the server's environment --------------------------------------------------------------------

def app_environment(args, instance: Path, database_url: str, port: int) -> dict:
    """A production server's settings, with limits raised for one IP sending everything."""
    env = {key: value for key, value in os.environ.items() if key not in ("FLASK_APP", "DATABASE_URL")}
    env.update(
        MARKET_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(32),
        DATABASE_URL=database_url,
        MARKET_INSTANCE_PATH=str(instance),
        SEARCH_BACKEND=args.search,
        DEMO_SEED_ALLOWED="1",
        PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
        TRUSTED_HOSTS="127.0.0.1,localhost",
        SESSION_COOKIE_SECURE="0",  # plain HTTP on 127.0.0.1: a browser would not send Secure cookies back
        RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:6379/{args.redis_db}",
        LOGIN_LIMIT_PER_IP=HIGH_LIMIT,
        LOGIN_LIMIT_PER_ACCOUNT=HIGH_LIMIT,
        REGISTER_LIMIT_PER_IP=HIGH_LIMIT,
        CHECKOUT_LIMIT_PER_IP=HIGH_LIMIT,
        FIND_ORDER_LIMIT_PER_IP=HIGH_LIMIT,
        API_RATE_LIMIT=HIGH_LIMIT,
        PYTHONUNBUFFERED="1",
    )
    return env


def flush_redis(db_number: int) -> None:
    import redis

    redis.Redis(host="127.0.0.1", port=6379, db=db_number).flushdb()


def flask(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "wsgi", *args]


def step(message: str, started: float) -> None:
    print(f"  [{time.monotonic() - started:5.0f} s] {message}", flush=True)


# --- the catalog ---------------------------------------------------------------------------------

def connect(database_url: str):
    import psycopg

    return psycopg.connect(database_url)


def grow_catalog(database_url: str, target: int, seed: int) -> int:
    """Add generated sellers and products (bench/search_catalog.py) with COPY until `target` products."""
    import search_catalog

    with connect(database_url) as conn, conn.cursor() as cur:
        existing = cur.execute("SELECT count(*) FROM products").fetchone()[0]
        wanted = target - existing
        if wanted <= 0:
            return 0
        catalog = search_catalog.generate_catalog(wanted, seed)
        categories = dict(cur.execute("SELECT slug, id FROM categories"))
        seller_base = cur.execute("SELECT coalesce(max(id), 0) FROM sellers").fetchone()[0]
        product_base = cur.execute("SELECT coalesce(max(id), 0) FROM products").fetchone()[0]
        by_id = {c["id"]: c["slug"] for c in catalog.categories}
        _copy(cur, "sellers", *catalog.seller_rows(), ids=seller_base)
        _copy(cur, "products", *catalog.product_rows(), ids=product_base, seller_base=seller_base,
              category_of=lambda old: categories[by_id[old]])
        for table in ("sellers", "products"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.commit()
    return wanted


def _copy(cur, table: str, columns: tuple, rows: list, ids: int, seller_base: int = 0, category_of=None) -> None:
    """COPY generated rows with ids moved past the existing ones (and slugs made with the new id)."""
    import search_catalog

    position = {name: index for index, name in enumerate(columns)}
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            values = list(row)
            values[position["id"]] += ids
            values[position["slug"]] = f"{search_catalog.slugify(values[position['name']])[:80]}-{values[position['id']]}"
            if "seller_id" in position:
                values[position["seller_id"]] += seller_base
                values[position["category_id"]] = category_of(values[position["category_id"]])
            copy.write_row(values)


def small_stock_for_demo_products(database_url: str, seed: int) -> int:
    """The demo sellers' products (first on the home and category pages) get 1-40 units."""
    rng = random.Random(seed)
    with connect(database_url) as conn, conn.cursor() as cur:
        # Generated sellers have no member accounts: these are the demo sellers' products.
        ids = [row[0] for row in cur.execute(
            "SELECT id FROM products WHERE seller_id IN (SELECT seller_id FROM seller_members) ORDER BY id")]
        cur.executemany("UPDATE products SET stock = %s WHERE id = %s",
                        [(rng.randint(*DEMO_SMALL_STOCK), product_id) for product_id in ids])
        conn.commit()
    return len(ids)


def analyze(database_url: str) -> None:
    with connect(database_url) as conn:
        conn.autocommit = True
        conn.execute("ANALYZE")


# --- accounts ------------------------------------------------------------------------------------

def visitor_roles(clients: int, rng: random.Random) -> list[str]:
    sellers = max(1, math.ceil(clients * SELLER_SHARE))
    shoppers = clients - sellers
    signed_in = round(shoppers * SIGNED_IN_SHARE)
    roles = ["seller"] * sellers + ["shopper"] * signed_in + ["guest"] * (shoppers - signed_in)
    rng.shuffle(roles)
    return roles


def create_accounts(roles: list[str]) -> list[dict]:
    """Shopper accounts, and seller members of the approved demo sellers (invited by their owner),
    through the services in an app built from this process's environment."""
    from market import create_app
    from market.accounts.services import create_user, find_user_by_email
    from market.demo import DEMO_SELLERS
    from market.extensions import db
    from market.sellers import services as sellers

    app = create_app()
    clients = []
    with app.app_context(), app.test_request_context("/"):
        owners = [find_user_by_email(demo.owner_email) for demo in DEMO_SELLERS if demo.decision == "approve"]
        for index, role in enumerate(roles):
            client = {"id": index, "role": role}
            if role != "guest":
                email = f"load-{role}-{index}@bench.example.vn"
                user = create_user(email, "shopper", checkout.PASSWORD, full_name=f"Khách thử {index}")
                if role == "seller":
                    owner = owners[index % len(owners)]
                    _, token = sellers.invite_member(owner, email)
                    sellers.accept_invitation(user, token)
                client["account"] = {"email": email, "password": checkout.PASSWORD}
            clients.append(client)
        db.session.remove()
        db.engine.dispose()
    return clients


# --- what the visitors are given -------------------------------------------------------------------

def search_words(seed: int) -> list[str]:
    """Product kinds and places of the generated catalog, as typed: with and without diacritics,
    in any case, a few typos."""
    import search_catalog

    rng = random.Random(seed)
    kinds = sorted({kind.partition("|")[0] for spec in search_catalog.PRODUCTS.values() for kind in spec["types"]})
    words = rng.sample(kinds, min(60, len(kinds))) + ["mật ong", "cà phê", "trà", "gạo", "thổ cẩm", "áo dài", "gốm",
                                                      "nước mắm", "mây tre", "khăn lụa"]
    typed = []
    for text in words:
        roll = rng.random()
        if roll < 0.4:
            text = search_catalog.strip_marks(text).lower()
        elif roll < 0.5:
            text = text.upper()
        elif roll < 0.8:
            text = text.lower()
        typed.append(text)
    return typed + ["mat ongg", "ca phee", "tra shan tuyet", "ÁO DÀI"]


def visitor_plan(database_url: str, clients: list[dict], base_url: str, args) -> dict:
    rng = random.Random(args.seed)
    with connect(database_url) as conn:
        visible = ("status = 'active' AND seller_id IN (SELECT id FROM sellers WHERE status = 'approved')")
        products = [row[0] for row in conn.execute(f"SELECT slug FROM products WHERE {visible} ORDER BY id")]
        sellers = [row[0] for row in conn.execute("SELECT slug FROM sellers WHERE status = 'approved' ORDER BY id")]
        categories = [row[0] for row in conn.execute("SELECT slug FROM categories ORDER BY id")]
    return {
        "base_url": base_url, "seed": args.seed, "clients": clients,
        "products": rng.sample(products, min(3000, len(products))),
        "sellers": sellers[:5] + rng.sample(sellers[5:], min(60, len(sellers) - 5)),
        "categories": categories, "queries": search_words(args.seed), "address": checkout.ADDRESS,
    }


# --- stock and orders in SQL ----------------------------------------------------------------------

def snapshot(database_url: str) -> Snapshot:
    with connect(database_url) as conn:
        rows = conn.execute(
            "SELECT p.id, p.stock, coalesce(sum(l.quantity) FILTER (WHERE so.status <> 'cancelled'), 0) "
            "FROM products p LEFT JOIN order_lines l ON l.product_id = p.id "
            "LEFT JOIN seller_orders so ON so.id = l.seller_order_id GROUP BY p.id").fetchall()
        max_order = conn.execute("SELECT coalesce(max(id), 0) FROM orders").fetchone()[0]
        max_audit = conn.execute("SELECT coalesce(max(id), 0) FROM audit_entries").fetchone()[0]
    return Snapshot({r[0]: r[1] for r in rows}, {r[0]: int(r[2]) for r in rows}, max_order, max_audit)


def audit_moves(database_url: str, after_id: int) -> dict[int, int]:
    """Stock moved by saved quick edits, per product, from the app's own audit rows."""
    moves: Counter = Counter()
    with connect(database_url) as conn:
        for product_id, detail in conn.execute(
                "SELECT subject_id, detail FROM audit_entries WHERE id > %s AND action = 'stock_price_set'",
                (after_id,)):
            match = re.search(r"stock (\d+)→(\d+)", detail or "")
            if match:
                moves[product_id] += int(match.group(2)) - int(match.group(1))
    return dict(moves)


def visitor_moves(edits: list[dict]) -> tuple[dict[int, int], int]:
    """Stock moved by the edits the seller visitors saw saved; and how many edits had no clear outcome."""
    moves: Counter = Counter()
    for edit in edits:
        if edit["outcome"] == "saved":
            moves[edit["product_id"]] += edit["stock"] - edit["seen"]
    return dict(moves), sum(1 for edit in edits if edit["outcome"] == "unknown")


def stock_mismatches(before: Snapshot, after: Snapshot, moves: dict[int, int]) -> list[str]:
    """Per product: stock before + units held before + seller moves = stock now + units held now; stock >= 0."""
    problems = []
    for product_id, stock in sorted(after.stock.items()):
        was, held_was, moved = before.stock.get(product_id, 0), before.held.get(product_id, 0), moves.get(product_id, 0)
        held = after.held.get(product_id, 0)
        if stock < 0:
            problems.append(f"product {product_id}: stock {stock} < 0")
        if was + held_was + moved != stock + held:
            problems.append(f"product {product_id}: before {was} + held {held_was} + seller moves {moved} = "
                            f"{was + held_was + moved}, now {stock} + held {held} = {stock + held}")
    return problems


def check_stock(before: Snapshot, after: Snapshot, edits: list[dict], database_url: str) -> Check:
    seen_moves, unclear = visitor_moves(edits)
    audited = audit_moves(database_url, before.max_audit_id)
    moves = audited if unclear else seen_moves  # an edit the visitor could not read: the audit knows
    problems = stock_mismatches(before, after, moves)
    if seen_moves != audited and not unclear:
        problems.append(f"the seller visitors saw {sum(seen_moves.values()):+} units moved on {len(seen_moves)} "
                        f"products, the audit rows say {sum(audited.values()):+} on {len(audited)}")
    ran_out = sum(1 for pid, stock in after.stock.items() if stock == 0 and before.stock.get(pid, 0) > 0)
    held = sum(after.held.values()) - sum(before.held.values())
    source = f"audit rows, {unclear} edits unclear to the visitors" if unclear else "visitors, as the audit rows"
    summary = (f"{len(after.stock):,} products; {held:+,} units held by open orders; seller moves "
               f"{sum(moves.values()):+,} units on {len(moves)} products ({source}); "
               f"{ran_out} products ran out during the run; {len(problems)} mismatches")
    return Check("stock", "FAIL" if problems else "PASS", summary, problems[:20])


def check_orders(database_url: str, before: Snapshot, placed: list[dict], unanswered: int) -> Check:
    """The database holds the orders the visitors were told of; more only as many as checkouts
    that got no answer (a timeout: placed or not, the visitor could not tell)."""
    with connect(database_url) as conn:
        tokens = {row[0] for row in conn.execute("SELECT token FROM orders WHERE id > %s", (before.max_order_id,))}
    told = {order["token"] for order in placed}
    unseen = tokens - told
    problems = [f"order {token[:8]}… was announced to a visitor, not in the database" for token in told - tokens]
    if len(unseen) > unanswered:
        problems.append(f"{len(unseen)} orders in the database no visitor was told of, "
                        f"only {unanswered} checkouts went unanswered")
    summary = (f"{len(tokens):,} new orders in the database, {len(told):,} announced to the visitors, "
               f"{unanswered} checkouts unanswered")
    return Check("orders placed", "FAIL" if problems else "PASS", summary, problems[:20])


# --- the team's verify commands --------------------------------------------------------------------

def read_only_flag(help_text: str) -> list[str]:
    """The flag that keeps a verify command to checking, when it has one."""
    for flag in ("--check", "--read-only", "--dry-run", "--no-fix"):
        if re.search(rf"(^|\s){re.escape(flag)}\b", help_text):
            return [flag]
    return []


def run_verify(group: str, env: dict) -> Check:
    name = f"{group} verify"
    helped = subprocess.run(flask(group, "verify", "--help"), cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    if helped.returncode != 0:
        reason = (helped.stderr.strip().splitlines() or ["?"])[-1]
        return Check(name, "not available", f"`flask {group} verify --help` exited {helped.returncode}: {reason}")
    command = flask(group, "verify", *read_only_flag(helped.stdout))
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=VERIFY_TIMEOUT)
    output = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    summary = (f"`{' '.join(command[3:])}` exited {done.returncode} in {time.monotonic() - started:.1f} s: "
               f"{output[-1] if output else '(no output)'}")
    return Check(name, "PASS" if done.returncode == 0 else "FAIL", summary, output[:20] if done.returncode else [])


def search_queue_size(database_url: str) -> int:
    with connect(database_url) as conn:
        return conn.execute("SELECT count(*) FROM search_queue").fetchone()[0]


def check_search(env: dict, database_url: str) -> list[Check]:
    """`search verify` as the run left the index; if it fails while writes wait in the queue (the
    index was busy), once more after `search drain`, which is what the next write or cron does."""
    queued = search_queue_size(database_url)
    first = run_verify("search", env)
    first.summary += f"; {queued} products waiting in search_queue"
    if not first.failed or not queued:
        return [first]
    drained = subprocess.run(flask("search", "drain"), cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    again = run_verify("search", env)
    again.name = "search verify after drain"
    again.summary = f"`search drain`: {drained.stdout.strip() or drained.stderr.strip()}; then {again.summary}"
    return [first, again]


# --- the load --------------------------------------------------------------------------------------

def start_clients(processes: pages.Servers, plan_path: Path, work: Path, count: int, parts: int) -> list[Path]:
    outs = []
    share = [count // parts + (1 if index < count % parts else 0) for index in range(parts)]
    first = 0
    for index, size in enumerate(share):
        out = work / f"clients-{index}.json"
        processes.start([sys.executable, str(BENCH_DIR / "load_clients.py"), str(plan_path), str(out),
                         "--first", str(first), "--count", str(size)], dict(os.environ), work / f"clients-{index}.log")
        outs.append(out)
        first += size
    return outs


def warm_up(port: int, plan: dict) -> None:
    """A few pages before the clock starts, so that each worker has its templates and index open."""
    paths = ["/", f"/c/{plan['categories'][0]}", f"/products/{plan['products'][0]}", "/search?q=mat+ong",
             "/search/suggest?q=tra"]
    for path in paths * 3:
        pages.fetch(port, path, timeout=60)


def gunicorn_hooks(work: Path) -> tuple[Path, Path]:
    """The settings file for gunicorn's -c and the folder where its workers say they are ready."""
    ready = work / "ready"
    ready.mkdir()
    conf = work / "gunicorn_hooks.py"
    conf.write_text(GUNICORN_HOOKS.format(ready=str(ready)), encoding="utf-8")
    return conf, ready


def ready_workers(ready: Path) -> dict[int, float]:
    """Worker pid -> when it had loaded the app."""
    found = {}
    for path in ready.iterdir():
        try:
            found[int(path.name)] = float(path.read_text())
        except ValueError:  # being written
            pass
    return found


def wait_for_workers(server: Server) -> None:
    """Wait until every worker has loaded the app."""
    deadline = time.monotonic() + RESTART_TIMEOUT
    while time.monotonic() < deadline:
        if len(set(pages._children(server.master.pid)) & set(ready_workers(server.ready))) >= server.workers:
            return
        time.sleep(0.05)
    raise SystemExit(f"gunicorn's workers did not load the app within {RESTART_TIMEOUT} s")


def graceful_restart(server: Server, monitor: Monitor) -> Restart:
    """SIGHUP to the gunicorn master: it forks new workers and tells the old ones to finish their
    request and leave. Wait until the old ones are gone and the new ones have loaded the app."""
    old = set(pages._children(server.master.pid))
    restart = Restart(time.time(), sorted(old))
    os.kill(server.master.pid, signal.SIGHUP)
    deadline = time.monotonic() + RESTART_TIMEOUT
    while time.monotonic() < deadline and (restart.old_gone_s is None or restart.new_ready_s is None):
        monitor.tick()
        live = set(pages._children(server.master.pid))
        if restart.old_gone_s is None and not live & old:
            restart.old_gone_s = time.time() - restart.sent_at
        loaded = {pid: at for pid, at in ready_workers(server.ready).items() if pid in live - old}
        if restart.new_ready_s is None and len(loaded) >= server.workers:
            restart.new_pids, restart.new_ready_s = sorted(loaded), max(loaded.values()) - restart.sent_at
        time.sleep(0.05)
    return restart


def wait_for_clients(processes: pages.Servers, plan: dict, restart_at: float | None, server: Server,
                     monitor: Monitor, log_dir: Path) -> Restart | None:
    restart = None
    limit = plan["deadline"] + 300  # a visitor's last request may wait 60 s, and follow redirects
    while any(process.poll() is None for process in processes.processes):
        monitor.tick()
        if restart_at is not None and restart is None and time.time() >= restart_at:
            restart = graceful_restart(server, monitor)
            print(f"  SIGHUP sent to gunicorn: workers {restart.old_pids} -> {restart.new_pids}; old ones gone in "
                  f"{fmt(restart.old_gone_s, 1)} s, new ones loaded in {fmt(restart.new_ready_s, 1)} s", flush=True)
        if time.time() > limit:
            raise SystemExit(f"the visitor processes did not stop; see {log_dir}/clients-*.log")
        time.sleep(0.1)
    for index, process in enumerate(processes.processes):
        if process.returncode:
            raise SystemExit(f"a visitor process exited {process.returncode}:\n"
                             f"{pages._tail(log_dir / f'clients-{index}.log')}")
    return restart


def merge(outs: list[Path]) -> dict:
    merged = {"requests": [], "server_errors": [], "other_errors": [], "orders": [], "cancels": [], "edits": [],
              "notes": Counter()}
    for out in outs:
        part = json.loads(out.read_text(encoding="utf-8"))
        for key in merged:
            if key == "notes":
                merged["notes"].update(part["notes"])
            else:
                merged[key].extend(part[key])
    return merged


# --- figures ------------------------------------------------------------------------------------------

def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * q / 100) - 1)]


def is_error(row) -> bool:
    return row[2] == 0 or row[2] >= 400


def kind_figures(rows: list, total: int) -> dict:
    answered = [r[3] for r in rows if r[2]]
    return {"requests": len(rows), "share": len(rows) / total, "errors": sum(1 for r in rows if is_error(r)),
            "server_errors": sum(1 for r in rows if r[2] >= 500), "p50_ms": percentile(answered, 50),
            "p95_ms": percentile(answered, 95), "p99_ms": percentile(answered, 99)}


def restart_figures(restart: Restart, requests: list, plan: dict) -> dict:
    """What the visitors sent between the SIGHUP and one second after the last old worker left."""
    end = restart.sent_at + restart.seconds + 1
    inside = [r for r in requests if restart.sent_at <= r[4] <= end]
    return {"at_s": restart.sent_at - plan["start_at"], "old_gone_s": restart.old_gone_s,
            "new_ready_s": restart.new_ready_s, "old_pids": restart.old_pids, "new_pids": restart.new_pids,
            "requests": len(inside), "errors": sum(1 for r in inside if is_error(r)),
            "server_errors": sum(1 for r in inside if r[2] >= 500),
            "longest_ms": max((r[3] for r in inside), default=None)}


def order_figures(seen: dict) -> dict:
    orders, cancels = seen["orders"], seen["cancels"]
    return {"placed": len(orders), **Counter(o["method"] for o in orders),
            "signed_in": sum(1 for o in orders if o["signed_in"]),
            "parts_cancelled": sum(1 for c in cancels if c["saved"]),
            "cancel_refused": sum(1 for c in cancels if not c["saved"])}


def cpu_figures(usage: dict, timed: int) -> dict:
    if not usage or not timed:
        return {}
    serving = usage["server_cpu_s"] - usage["boot_cpu_s"]
    return {**usage, "server_cpu_ms_per_request": serving * 1000 / timed}


def figures(seen: dict, plan: dict, restart: Restart | None, usage: dict) -> dict:
    window = plan["deadline"] - plan["start_at"]
    requests = seen["requests"]
    timed = [r for r in requests if r[4] >= plan["start_at"]]
    silence, silence_at = longest_silence(requests, plan)
    return {
        "requests": len(requests), "timed_requests": len(timed), "seconds": window,
        "requests_per_s": len(timed) / window, "cpu": cpu_figures(usage, len(timed)),
        "statuses": dict(sorted(Counter(str(r[2]) for r in requests).items())),
        "server_errors": sum(1 for r in requests if r[2] >= 500),
        "connection_errors": sum(1 for r in requests if r[2] == 0),
        "by_kind": {kind: kind_figures(rows, len(requests)) for kind in KINDS
                    if (rows := [r for r in requests if r[0] == kind])},
        "restart": restart_figures(restart, requests, plan) if restart else None,
        "longest_silence_s": silence, "longest_silence_at_s": silence_at,
        "orders": order_figures(seen),
        "seller_edits": dict(Counter(e["outcome"] for e in seen["edits"]), total=len(seen["edits"])),
        "notes": dict(seen["notes"].most_common()),
    }


def longest_silence(requests: list, plan: dict) -> tuple[float, float]:
    """The longest time within the load during which no answer at all came back, and when it began."""
    ends = sorted(r[4] + r[3] / 1000 for r in requests if r[2] and r[4] >= plan["start_at"])
    marks = [plan["start_at"], *[end for end in ends if end <= plan["deadline"]], plan["deadline"]]
    gap, began = max((b - a, a) for a, b in zip(marks, marks[1:]))
    return gap, began - plan["start_at"]


def fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def print_report(args, numbers: dict, checks: list[Check], setup: dict, busy: float | None) -> None:
    print()
    print(f"Load on the marketplace, {datetime.date.today().isoformat()}: {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}, load average {' / '.join(f'{x:.1f}' for x in os.getloadavg())} at the end"
          + (f", machine {busy:.0%} busy before the load" if busy is not None else ""))
    print(f"server:   gunicorn wsgi:app, {args.workers} sync workers, MARKET_ENV=production, PostgreSQL, "
          f"SEARCH_BACKEND={args.search}, rate limits in Redis")
    print(f"catalog:  {setup['products']:,} products ({setup['visible']:,} visible), {setup['sellers']} approved sellers;"
          f" demo sellers' {setup['small_stock']} products with {DEMO_SMALL_STOCK[0]}-{DEMO_SMALL_STOCK[1]} in stock")
    print(f"visitors: {args.clients} ({setup['roles']['guest']} guests, {setup['roles']['shopper']} signed-in shoppers, "
          f"{setup['roles']['seller']} sellers) in {args.client_processes} processes, {numbers['seconds']:.0f} s, "
          "no think time")
    print()
    header = f"{'kind':12} {'requests':>9} {'share':>6} {'errors':>7} {'5xx':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
    print(header)
    print("-" * len(header))
    for kind, row in numbers["by_kind"].items():
        print(f"{kind:12} {row['requests']:>9,} {row['share']:>6.1%} {row['errors']:>7,} {row['server_errors']:>5,} "
              f"{fmt(row['p50_ms']):>8} {fmt(row['p95_ms']):>8} {fmt(row['p99_ms']):>8}")
    print()
    print(f"requests: {numbers['requests']:,} ({numbers['timed_requests']:,} in the timed window: "
          f"{numbers['requests_per_s']:.1f} req/s); statuses "
          + ", ".join(f"{status}: {count:,}" for status, count in numbers["statuses"].items()))
    cpu = numbers["cpu"]
    if cpu:
        print(f"cpu:      gunicorn {cpu['server_cpu_s']:.1f} s in the window ({cpu['boot_cpu_s']:.1f} s of it new workers "
              f"loading the app): {cpu['server_cpu_ms_per_request']:.1f} ms per request served; the whole machine "
              f"{cpu['machine_busy']:.0%} busy ({os.cpu_count()} CPUs; visitors, PostgreSQL and other work included)")
    orders = numbers["orders"]
    print(f"orders:   {orders['placed']:,} placed ({orders.get('cod', 0):,} cash on delivery, "
          f"{orders.get('bank_transfer', 0):,} bank transfer; {orders['signed_in']:,} by signed-in shoppers); "
          f"{orders['parts_cancelled']:,} parts cancelled by shoppers ({orders['cancel_refused']} refused)")
    edits = numbers["seller_edits"]
    print(f"sellers:  {edits['total']:,} quick edits: {edits.get('saved', 0):,} saved, {edits.get('refused', 0):,} "
          f"refused (stock changed meanwhile, or a price rule), {edits.get('unknown', 0):,} unclear")
    if numbers["restart"]:
        r = numbers["restart"]
        print(f"restart:  SIGHUP at +{r['at_s']:.0f} s, workers {r['old_pids']} -> {r['new_pids']}: the old ones gone "
              f"after {fmt(r['old_gone_s'])} s, the new ones loaded after {fmt(r['new_ready_s'])} s; "
              f"{r['requests']:,} requests started meanwhile: {r['errors']} errors, {r['server_errors']} 5xx, "
              f"the longest took {fmt(r['longest_ms'], 0)} ms")
    print(f"silence:  longest time without any answer {numbers['longest_silence_s']:.1f} s, from "
          f"+{numbers['longest_silence_at_s']:.1f} s")
    for note, count in numbers["notes"].items():
        print(f"  note: {note}: {count:,}")
    print()
    for check in checks:
        print(f"check {check.name:26} {check.status:13} {check.summary}")
        for line in check.details:
            print(f"    {line}")
    print()
    for goal, ok in goals(numbers, checks):
        print(f"goal  {goal:36} {'PASS' if ok else 'FAIL'}")


def goals(numbers: dict, checks: list[Check]) -> list[tuple[str, bool]]:
    """Zero 5xx; no check failed (the index is judged after `search drain` when that ran: products
    still queued because the index was busy are written by the next write, by design)."""
    drained = any(check.name == "search verify after drain" for check in checks)
    deciding = [check for check in checks if not (drained and check.name == "search verify")]
    return [(f"zero 5xx ({numbers['server_errors']})", numbers["server_errors"] == 0),
            ("zero invariant or index mismatches", not any(check.failed for check in deciding))]


def write_errors_log(path: Path, seen: dict, gunicorn_log: Path) -> None:
    lines = ["# first 5xx answers seen by the visitors (per process)"]
    for sample in seen["server_errors"]:
        lines += [f"\n## {sample['status']} {sample['method']} {sample['path']} ({sample['kind']}, "
                  f"{datetime.datetime.fromtimestamp(sample['started']).isoformat(timespec='milliseconds')})",
                  sample["body"]]
    lines.append("\n# first other errors (4xx, connection errors)")
    for sample in seen["other_errors"]:
        lines += [f"\n## {sample['status']} {sample['method']} {sample['path']} ({sample['kind']})", sample["body"][:1500]]
    text = gunicorn_log.read_text(errors="replace") if gunicorn_log.exists() else ""
    lines += ["\n# gunicorn's error log (last 200 kB)", text[-200_000:]]
    path.write_text("\n".join(lines), encoding="utf-8")


# --- the run -------------------------------------------------------------------------------------------

def prepare(args, env: dict, database_url: str, started: float) -> dict:
    """Database, demo data, the big catalog, accounts, the search index."""
    pages.run_setup(flask("db", "upgrade"), env)
    step("schema migrated", started)
    pages.run_setup(flask("seed-demo"), env)
    step("demo data seeded", started)
    added = grow_catalog(database_url, args.products, args.seed)
    small = small_stock_for_demo_products(database_url, args.seed)
    analyze(database_url)
    step(f"{added:,} generated products added with COPY; {small} demo products with small stock", started)
    roles = visitor_roles(args.clients, random.Random(args.seed))
    clients = create_accounts(roles)
    step(f"{sum(1 for c in clients if 'account' in c)} accounts created", started)
    pages.run_setup(flask("search", "reindex"), env)
    step(f"search index rebuilt ({args.search})", started)
    with connect(database_url) as conn:
        products, visible, sellers = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE status = 'active'), "
            "(SELECT count(*) FROM sellers WHERE status = 'approved') FROM products").fetchone()
    return {"clients": clients, "roles": Counter(roles), "products": products, "visible": visible,
            "sellers": sellers, "small_stock": small}


def start_server(args, env: dict, work: Path, plan: dict, servers: pages.Servers) -> Server:
    """gunicorn on the plan's port; returns once every worker has loaded the app and served a few pages."""
    port = int(plan["base_url"].rsplit(":", 1)[1])
    conf, ready = gunicorn_hooks(work)
    log = work / "gunicorn.log"
    # No control socket: every gunicorn on the machine would share its default path.
    master = servers.start(pages.gunicorn_args("wsgi:app", port, args.workers, log,
                                               ["-c", str(conf), "--no-control-socket"]), env, log)
    pages.wait_until_ready(master, port, log, "gunicorn wsgi:app")
    server = Server(master, ready, log, args.workers)
    wait_for_workers(server)
    warm_up(port, plan)
    return server


def load(args, env: dict, work: Path, plan: dict, servers: pages.Servers,
         visitors: pages.Servers) -> tuple[dict, Restart | None, dict, Path]:
    """The visitors against a fresh gunicorn; what they saw, the restart, CPU used, gunicorn's log."""
    server = start_server(args, env, work, plan, servers)
    accounts = sum(1 for client in plan["clients"] if "account" in client)
    plan["start_at"] = time.time() + 5 + 0.3 * accounts  # time to start the visitors and sign in
    plan["deadline"] = plan["start_at"] + args.seconds
    plan_path = work / "plan.json"
    plan_path.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    outs = start_clients(visitors, plan_path, work, args.clients, args.client_processes)
    restart_at = None if args.no_restart else plan["start_at"] + args.seconds / 2
    print(f"  load: {args.clients} visitors for {args.seconds:g} s from {plan['base_url']}...", flush=True)
    monitor = Monitor(server, plan)
    restart = wait_for_clients(visitors, plan, restart_at, server, monitor, work)
    servers.stop_all()  # nothing writes any more while the checks run
    return merge(outs), restart, monitor.usage(), server.log


def run_checks(env: dict, database_url: str, before: Snapshot, seen: dict) -> list[Check]:
    after = snapshot(database_url)
    # A checkout POST answered by an error or a timeout may or may not have placed its order.
    unanswered = sum(1 for r in seen["requests"] if r[0] == "checkout" and r[1] == "POST" and (r[2] == 0 or r[2] >= 500))
    checks = [check_stock(before, after, seen["edits"], database_url),
              check_orders(database_url, before, seen["orders"], unanswered),
              run_verify("orders", env)]
    return checks + check_search(env, database_url)


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _on_sigterm)
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="market-load-"))
    name = f"market_load_{os.getpid()}"
    database_url = f"{PG_SERVER}/{name}"
    port = pages.free_port()
    env = app_environment(args, work / "instance", database_url, port)
    os.environ.update(env)  # before the app's config is imported (it reads the environment then)
    servers, visitors = pages.Servers(), pages.Servers()
    created = False
    try:
        print(f"bench/load.py: {args.clients} visitors, {args.seconds:g} s, {args.products:,} products, "
              f"SEARCH_BACKEND={args.search}, database {name}", flush=True)
        flush_redis(args.redis_db)
        checkout.recreate_database(database_url)
        created = True
        setup = prepare(args, env, database_url, started)
        plan = visitor_plan(database_url, setup["clients"], f"http://127.0.0.1:{port}", args)
        before = snapshot(database_url)
        busy = pages.machine_busy()
        seen, restart, usage, gunicorn_log = load(args, env, work, plan, servers, visitors)
        step("load done; checking", started)
        numbers = figures(seen, plan, restart, usage)
        write_errors_log(args.errors_log, seen, gunicorn_log)
        checks = run_checks(env, database_url, before, seen)
        print_report(args, numbers, checks, setup, busy)
        print(f"\nfirst 5xx and gunicorn's log: {args.errors_log}; whole run {time.monotonic() - started:.0f} s")
        if args.json:
            write_json(args, numbers, checks, setup, seen)
        return 0 if all(ok for _, ok in goals(numbers, checks)) else 1
    except (KeyboardInterrupt, Stopped):
        print("\ninterrupted: stopping what was started", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # let the clean-up finish
        visitors.stop_all()
        servers.stop_all()
        if created and not args.keep:
            with contextlib.suppress(Exception):
                checkout.drop_database(database_url)
        if args.keep:
            print(f"kept: database {database_url}, instance {work / 'instance'}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def write_json(args, numbers: dict, checks: list[Check], setup: dict, seen: dict) -> None:
    Path(args.json).write_text(json.dumps({
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"), "cpus": os.cpu_count(),
        "options": {key: str(value) if isinstance(value, Path) else value for key, value in vars(args).items()},
        "catalog": {key: setup[key] for key in ("products", "visible", "sellers", "small_stock")},
        "visitors": dict(setup["roles"]), **numbers,
        "checks": [{"name": c.name, "status": c.status, "summary": c.summary, "details": c.details} for c in checks],
        "goals": {goal: ok for goal, ok in goals(numbers, checks)},
        "server_error_samples": [{k: v for k, v in s.items() if k != "body"} for s in seen["server_errors"]],
    }, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
