"""The HTTP phase of bench/checkout.py: buyers placing orders against gunicorn serving the
real app, as shoppers do (a guest's cart in the session cookie, the checkout form with its
CSRF token).

The carts are prepared over HTTP before the timed part, each in a session of its own: the
product page of the cart's first product (a session and its CSRF token), then one
`POST /cart/add` per line. The timed part is the checkout `POST /checkout` alone (cash on
delivery, a real 2025 address): a 303 to the order's page is an order placed, a redirect
to the cart is a cart refused (a product sold out meanwhile), anything else an error.

gunicorn runs `wsgi:app` with `--workers` sync workers, MARKET_ENV=production, the bench's
database, SEARCH_BACKEND=postgres and a random SECRET_KEY. Only the checkout rate limit is
raised, through its environment variable, for the bench's server alone (20 buyers share
one IP address; production's default stays). Production marks the session cookie Secure;
this client sends it back over plain HTTP to 127.0.0.1 anyway (it plays a browser on HTTPS).
"""
from __future__ import annotations

import http.client
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from pages_tools import cpu_seconds, free_port, signal_group

ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT = 60.0
REQUEST_TIMEOUT = 30.0
BENCH_CHECKOUT_LIMIT = "1000000 per hour"  # CHECKOUT_LIMIT_PER_IP for the bench's server only
CSRF = re.compile(rb'name="csrf_token"[^>]*?value="([^"]+)"|value="([^"]+)"[^>]*?name="csrf_token"')
# The checkout form as a guest fills it in (a real 2025 address: Hà Nội, Xã Phú Nghĩa).
FORM = {"full_name": "Nguyễn Thị Mai", "phone": "0912 345 678", "province": "01", "commune": "Xã Phú Nghĩa",
        "street_address": "12 Hàng Bạc", "note": "", "payment_method": "cod"}


# --- gunicorn ------------------------------------------------------------------------------------

class Gunicorn:
    """One gunicorn master started by this run, in its own session; stopped by its pid."""

    def __init__(self, database_url: str, work: Path, workers: int):
        self.port = free_port()
        self.log = work / "gunicorn.log"
        env = dict(os.environ)
        env.pop("FLASK_APP", None)
        env.update(
            MARKET_ENV="production", SECRET_KEY=secrets.token_urlsafe(32), DATABASE_URL=database_url,
            SEARCH_BACKEND="postgres", PUBLIC_BASE_URL=f"http://127.0.0.1:{self.port}",
            MARKET_INSTANCE_PATH=str(work / "instance"), UPLOAD_FOLDER=str(work / "uploads"),
            SEARCH_INDEX_PATH=str(work / "search-index"), CHECKOUT_LIMIT_PER_IP=BENCH_CHECKOUT_LIMIT,
            PYTHONUNBUFFERED="1",
        )
        env.pop("MAIL_SERVER", None)  # emails stay in the outbox table
        args = [sys.executable, "-m", "gunicorn", "--worker-class", "sync", "--workers", str(workers),
                "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning", "--error-logfile", str(self.log),
                "wsgi:app"]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.process.returncode}:\n{self.tail()}")
            try:
                if request(self.port, "GET", "/", timeout=2)[0] < 500:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"gunicorn did not answer within {READY_TIMEOUT:.0f} s:\n{self.tail()}")

    def cpu_seconds(self) -> float | None:
        """CPU time (user + system) of the master and its live workers so far (Linux /proc)."""
        return cpu_seconds(self.process)

    def stop(self) -> None:
        if self.process.poll() is None:
            signal_group(self.process, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            signal_group(self.process, signal.SIGKILL)
            self.process.wait(timeout=5)

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def machine_ticks() -> tuple[int, int]:
    """(all CPU ticks, busy ticks) of the machine so far (/proc/stat): the share of the 2 cores
    the whole machine used over a phase (gunicorn, PostgreSQL, this client, anyone else)."""
    values = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(values), sum(values) - values[3] - values[4]


# --- one shopper's HTTP ----------------------------------------------------------------------------

def request(port: int, method: str, path: str, cookie: str | None = None, form: dict | None = None,
            timeout: float = REQUEST_TIMEOUT) -> tuple[int, bytes, dict[str, str], str | None]:
    """(status, body, headers, the session cookie now): one request on a new connection (sync
    workers close each one)."""
    headers = {"Accept-Language": "vi", "Host": f"127.0.0.1:{port}"}
    body = None
    if cookie:
        headers["Cookie"] = f"session={cookie}"
    if form is not None:
        body = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("session="):
                cookie = value.split(";", 1)[0].removeprefix("session=") or None
        return response.status, data, {k.lower(): v for k, v in response.getheaders()}, cookie
    finally:
        connection.close()


def prepare_cart(port: int, lines: list[tuple[int, str, int]]) -> tuple[str, str]:
    """A new guest session holding `lines` ((product id, slug, quantity)): (cookie, CSRF token)."""
    status, body, _headers, cookie = request(port, "GET", f"/products/{lines[0][1]}")
    found = CSRF.search(body)
    if status != 200 or not found or not cookie:
        raise RuntimeError(f"product page: HTTP {status}, {'a' if found else 'no'} CSRF token, "
                           f"{'a' if cookie else 'no'} session cookie")
    token = (found.group(1) or found.group(2)).decode()
    for product_id, _slug, quantity in lines:
        status, _body, _headers, cookie = request(port, "POST", "/cart/add", cookie, {
            "csrf_token": token, "product_id": product_id, "quantity": quantity, "next": "/cart"})
        if status not in (302, 303):
            raise RuntimeError(f"POST /cart/add: HTTP {status}")
    return cookie, token


def checkout(port: int, cookie: str, token: str, email: str) -> tuple[str, str]:
    """POST /checkout: ("placed" | "refused" | "error", detail)."""
    status, _body, headers, _cookie = request(port, "POST", "/checkout", cookie,
                                              {"csrf_token": token, "email": email, **FORM})
    location = headers.get("location", "")
    if status == 303 and "/orders/" in location:
        return "placed", location
    if status in (302, 303) and location.rstrip("/").endswith("/cart"):
        return "refused", location
    return "error", f"POST /checkout: HTTP {status} {location}".strip()


# --- the phase -------------------------------------------------------------------------------------

def http_phase(phase, tally, products: dict[int, tuple[str, int]], database_url: str, work: Path, args,
               warmup_s: float, seed_value: int) -> dict:
    """Fill `phase` (and `tally`) with `args.buyers` buyers' checkouts against gunicorn;
    `products`: id -> (slug, stock), those still in stock. Returns what the report adds: carts prepared,
    seconds preparing, gunicorn CPU and the machine's busy share over the timed part."""
    server = Gunicorn(database_url, work, args.workers)
    extra: dict = {}
    try:
        server.wait_until_ready()
        ids = sorted(products)
        per_buyer = max(1, int(args.http_rate_cap * (args.seconds + warmup_s) / args.buyers) + 1)
        carts: list[list[tuple[str, str]]] = [[] for _ in range(args.buyers)]
        prepared_at = time.perf_counter()

        def prepare(i: int) -> None:
            rng = random.Random(seed_value * 1000 + i)
            try:
                for _ in range(per_buyer):
                    lines = [(pid, products[pid][0], rng.randint(1, 2)) for pid in rng.sample(ids, rng.randint(1, 3))]
                    carts[i].append(prepare_cart(server.port, lines))
            except Exception as error:  # noqa: BLE001  (reported; the run says FAIL)
                tally.add(error=f"preparing a cart: {type(error).__name__}: {str(error)[:200]}")

        _run(args.buyers, prepare)
        extra["carts"] = sum(len(c) for c in carts)
        extra["prepare_s"] = time.perf_counter() - prepared_at

        bounds: dict[str, float] = {}
        finished: list[float] = []
        start = threading.Barrier(args.buyers + 1, action=lambda: bounds.update(
            warmup=time.perf_counter() + warmup_s, deadline=time.perf_counter() + warmup_s + args.seconds))

        def buyer(i: int) -> None:
            start.wait()
            errors = 0
            for cookie, token in carts[i]:
                now = time.perf_counter()
                if now >= bounds["deadline"] or errors >= 20:
                    break
                try:
                    outcome, detail = checkout(server.port, cookie, token, f"buyer{i}@bench.example.vn")
                except Exception as error:  # noqa: BLE001
                    outcome, detail = "error", f"{type(error).__name__}: {str(error)[:200]}"
                latency_ms = (time.perf_counter() - now) * 1000
                if outcome == "error":
                    errors += 1
                    tally.add(error=detail)
                elif now < bounds["warmup"]:
                    tally.add(warmup_done=outcome == "placed")
                else:
                    placed = outcome == "placed"
                    tally.add(done=placed, refused=not placed, latency_ms=latency_ms if placed else None, call=True)
            with tally.lock:
                finished.append(time.perf_counter())

        runner = threading.Thread(target=_run, args=(args.buyers, buyer))
        runner.start()
        start.wait(timeout=120)
        time.sleep(max(0.0, bounds["warmup"] - time.perf_counter()))
        cpu, ticks, client_cpu = server.cpu_seconds(), machine_ticks(), time.process_time()
        phase.load = os.getloadavg()[0]
        runner.join()
        ended = min(bounds["deadline"], max(finished, default=bounds["deadline"]))
        server_cpu, ticks_after = server.cpu_seconds(), machine_ticks()
        phase.seconds = max(0.001, ended - bounds["warmup"])
        phase.cpu_s = time.process_time() - client_cpu  # this client's CPU
        tally.fill(phase)
        extra["server_cpu_s"] = server_cpu - cpu if cpu is not None and server_cpu is not None else None
        extra["machine_busy"] = (ticks_after[1] - ticks[1]) / max(1, ticks_after[0] - ticks[0])
        extra["ran_out"] = max(finished, default=0) < bounds["deadline"]
        if server.process.poll() is not None:
            tally.add(error=f"gunicorn died during the run (exit {server.process.returncode})")
        return extra
    finally:
        server.stop()


def _run(count: int, target) -> None:
    threads = [threading.Thread(target=target, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
