"""Storefront pages under gunicorn against a bare Flask hello-world served the same way.

    .venv/bin/python bench/pages.py [--seconds 10] [--concurrency 8] [--workers 2]

In one run it:
  1. makes a fresh instance folder in a temporary directory (SQLite database, uploads),
     runs `flask --app wsgi db upgrade` and `flask --app wsgi seed-demo`, and lists a
     catalog (bench/seed_catalog.py: the team's demo catalog seeder when there is one,
     otherwise ~60 products with photos through the catalog services);
  2. starts gunicorn for `wsgi:app` and for bench/hello_app.py with the same settings
     (sync workers, --workers N, 127.0.0.1 on a free port, no access log);
  3. loads hello, /, /c/<category> and /products/<product> (and any --also paths) in
     turn, each for --seconds after a short warm-up, then hello once more (to see drift),
     with wrk when it is installed, otherwise with a Python client (http.client,
     keep-alive when offered);
  4. prints requests/s, p50 and p99 latency, and each page's ratio to the hello-world's
     requests/s (the mean of its two runs) against the goal of 30%;
  5. stops everything it started and removes the temporary directory, also on Ctrl-C.

Load goes only to 127.0.0.1, for a bounded time. Figures, never assertions: this is not a
test. Latency is measured at the client and includes waiting in gunicorn's listen queue
(with sync workers a connection waits while all workers are busy), so p50 is roughly
concurrency / requests-per-second.
"""
import argparse
import datetime
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
GOAL = 0.30
SETUP_TIMEOUT = 180  # seconds, for each setup command
READY_TIMEOUT = 30  # seconds for a server to answer
REQUEST_HEADERS = {"User-Agent": "market-bench/1", "Accept": "text/html", "Accept-Language": "vi"}


# --- results -----------------------------------------------------------------------------------

@dataclass
class Result:
    label: str
    path: str
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int = 0
    server_cpu_ms: float | None = None  # gunicorn CPU time (master + workers) per request
    notes: list[str] = field(default_factory=list)


# --- processes we start ------------------------------------------------------------------------

class Stopped(Exception):
    """SIGTERM arrived: unwind and clean up as for Ctrl-C."""


def _on_sigterm(signum, frame):
    raise Stopped()


class Servers:
    """gunicorn processes started by this run; each in its own session, stopped by its pid."""

    def __init__(self):
        self.processes: list[subprocess.Popen] = []

    def start(self, args: list[str], env: dict, log_path: Path) -> subprocess.Popen:
        log = open(log_path, "ab")
        try:
            process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        finally:
            log.close()
        self.processes.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait(timeout=5)
        self.processes.clear()


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    """Signal the gunicorn master we started and its workers (its own process group)."""
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        pass


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def cpu_seconds(process: subprocess.Popen) -> float | None:
    """CPU time (user + system) used so far by a gunicorn master and its live workers (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0.0
    for pid in [process.pid, *_children(process.pid)]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            if pid == process.pid:
                return None
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def machine_busy(interval: float = 1.0) -> float | None:
    """Share of all CPUs busy over `interval` seconds (Linux /proc/stat), before we load anything."""
    def sample():
        values = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        return sum(values), values[3] + values[4]  # total, idle + iowait

    try:
        total_a, idle_a = sample()
        time.sleep(interval)
        total_b, idle_b = sample()
    except (OSError, ValueError, IndexError):
        return None
    return 1 - (idle_b - idle_a) / max(1, total_b - total_a)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_setup(args: list[str], env: dict) -> str:
    completed = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=SETUP_TIMEOUT)
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout + completed.stderr)
        raise SystemExit(f"setup step failed ({completed.returncode}): {' '.join(args)}")
    return completed.stdout


def fetch(port: int, path: str, timeout: float = 5.0) -> tuple[int, bytes, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers=REQUEST_HEADERS)
        response = connection.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    finally:
        connection.close()


def wait_until_ready(process: subprocess.Popen, port: int, log_path: Path, name: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{name} exited with {process.returncode}:\n{_tail(log_path)}")
        try:
            status, _, _ = fetch(port, "/", timeout=2)
            if status < 500:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{name} did not answer on 127.0.0.1:{port} within {READY_TIMEOUT} s:\n{_tail(log_path)}")


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --- load: wrk -----------------------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"unexpected wrk duration {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def wrk_load(wrk: str, port: int, path: str, seconds: float, concurrency: int) -> tuple[float, float, float, int, int, list[str]]:
    threads = str(max(1, min(2, concurrency)))
    url = f"http://127.0.0.1:{port}{path}"
    headers = [arg for name, value in REQUEST_HEADERS.items() for arg in ("-H", f"{name}: {value}")]
    out = subprocess.run(
        [wrk, "-t", threads, "-c", str(concurrency), "-d", f"{max(1, round(seconds))}s", "--latency", *headers, url],
        capture_output=True, text=True, timeout=seconds + 30,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s*([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s*50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s*99%\s+(\S+)", out, re.M).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors, notes = 0, []
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", out)
    if non_2xx:
        errors += int(non_2xx.group(1))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if socket_errors:
        connect, read, write, timeout = map(int, socket_errors.groups())
        # wrk counts a server closing a finished connection as a read error: not a failure.
        errors += connect + write + timeout
        if connect + write + timeout:
            notes.append(f"socket errors c/r/w/t {connect}/{read}/{write}/{timeout}")
    return rps, p50, p99, requests, errors, notes


# --- load: Python ---------------------------------------------------------------------------------

def _python_worker(port: int, path: str, connections: int, seconds: float) -> tuple[int, float, list[float]]:
    """One process: `connections` threads, each one connection (reopened when the server closes it).

    Returns (errors, elapsed seconds, latencies in ms of the successful requests).
    """
    start_at = time.perf_counter()
    deadline = start_at + seconds
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections

    def loop(slot: int) -> None:
        own, connection = latencies[slot], None
        while True:
            began = time.perf_counter()
            if began >= deadline:
                break
            try:
                if connection is None:
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                connection.request("GET", path, headers=REQUEST_HEADERS)
                response = connection.getresponse()
                response.read()
                if response.status == 200:
                    own.append((time.perf_counter() - began) * 1000)
                else:
                    errors[slot] += 1
                if response.will_close:
                    connection.close()
                    connection = None
            except (OSError, http.client.HTTPException):
                errors[slot] += 1
                if connection is not None:
                    connection.close()
                connection = None
        if connection is not None:
            connection.close()

    threads = [threading.Thread(target=loop, args=(slot,), daemon=True) for slot in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 30)
    elapsed = time.perf_counter() - start_at
    return sum(errors), elapsed, [value for own in latencies for value in own]


def python_load(pool: ProcessPoolExecutor, processes: int, port: int, path: str, seconds: float,
                concurrency: int) -> tuple[float, float, float, int, int, list[str]]:
    shares = [concurrency // processes + (1 if index < concurrency % processes else 0) for index in range(processes)]
    shares = [share for share in shares if share]
    outcomes = [future.result() for future in [pool.submit(_python_worker, port, path, share, seconds) for share in shares]]
    latencies = sorted(value for _, _, values in outcomes for value in values)
    errors = sum(error for error, _, _ in outcomes)
    if not latencies:
        return 0.0, float("nan"), float("nan"), 0, errors, ["no successful request"]
    rps = sum(len(values) / elapsed for _, elapsed, values in outcomes)
    return rps, _percentile(latencies, 50), _percentile(latencies, 99), len(latencies), errors, []


def _percentile(ordered: list[float], percent: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    rank = max(1, -(-len(ordered) * percent // 100))
    return ordered[int(rank) - 1]


# --- the run ------------------------------------------------------------------------------------

def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Storefront pages vs a Flask hello-world, both under gunicorn.")
    parser.add_argument("--seconds", type=float, default=10, help="load per URL (1-60, default 10)")
    parser.add_argument("--concurrency", type=int, default=8, help="open connections (1-64, default 8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers per server (1-8, default 2)")
    parser.add_argument("--warmup", type=float, default=1, help="warm-up per URL before measuring (0-10 s, default 1)")
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto",
                        help="load generator: wrk when installed (auto), or the Python one")
    parser.add_argument("--client-processes", type=int, default=2,
                        help="processes of the Python client, connections shared among them (default 2)")
    parser.add_argument("--products", type=int, default=60, help="products to list when no demo catalog seeder exists")
    parser.add_argument("--also", action="append", default=[], metavar="PATH",
                        help="another marketplace path to load after the product page (repeatable, e.g. /robots.txt)")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON to PATH")
    parser.add_argument("--page-cache-seconds", type=int, default=15,
                        help="PAGE_CACHE_SECONDS for the app (0 measures every page rendered; default 15)")
    args = parser.parse_args(argv)
    checks = [(1 <= args.seconds <= 60, "--seconds must be 1-60"), (1 <= args.concurrency <= 64, "--concurrency must be 1-64"),
              (1 <= args.workers <= 8, "--workers must be 1-8"), (0 <= args.warmup <= 10, "--warmup must be 0-10"),
              (1 <= args.client_processes <= 8, "--client-processes must be 1-8"),
              (1 <= args.products <= 500, "--products must be 1-500"),
              (len(args.also) <= 5, "at most 5 --also paths"),
              (all(path.startswith("/") for path in args.also), "--also paths start with /")]
    for ok, message in checks:
        if not ok:
            parser.error(message)
    return args


def gunicorn_args(app: str, port: int, workers: int, log_path: Path, extra: list[str] = ()) -> list[str]:
    """The same settings for both servers; only the app (and where it is imported from) differs."""
    return [
        sys.executable, "-m", "gunicorn", *extra,
        "--worker-class", "sync", "--workers", str(workers),
        "--bind", f"127.0.0.1:{port}",
        "--log-level", "warning", "--error-logfile", str(log_path),  # access log: off (gunicorn's default)
        app,
    ]


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _on_sigterm)
    wrk = shutil.which("wrk")
    if args.client == "wrk" and not wrk:
        raise SystemExit("--client wrk: wrk is not installed (apt-get install wrk), or use --client python")
    use_wrk = bool(wrk) and args.client != "python"
    started = time.monotonic()
    temp = Path(tempfile.mkdtemp(prefix="market-bench-"))
    servers = Servers()
    pool = None
    try:
        env = dict(os.environ)
        app_port = free_port()
        env.update(
            # Production builds absolute links from here and caches only pages served for it.
            PUBLIC_BASE_URL=f"http://127.0.0.1:{app_port}",
            MARKET_INSTANCE_PATH=str(temp / "instance"),
            DATABASE_URL=f"sqlite:///{temp / 'instance' / 'market.db'}",
            MARKET_ENV="production",
            SECRET_KEY=secrets.token_urlsafe(32),
            DEMO_SEED_ALLOWED="1",
            PYTHONUNBUFFERED="1",
            PAGE_CACHE_SECONDS=str(args.page_cache_seconds),
        )
        env.pop("FLASK_APP", None)
        (temp / "instance").mkdir()
        uncompiled = [po for po in (ROOT / "market" / "translations").glob("*/LC_MESSAGES/messages.po")
                      if not po.with_suffix(".mo").exists()]
        if uncompiled:
            print("NOTE: translations are not compiled (run `make translations`): pages render untranslated.")
        flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
        print("preparing a fresh instance (db upgrade, seed-demo, catalog)...", flush=True)
        run_setup([*flask, "db", "upgrade"], env)
        run_setup([*flask, "seed-demo"], env)
        catalog = json.loads(run_setup([sys.executable, str(BENCH_DIR / "seed_catalog.py"), "--products", str(args.products)],
                                       env).strip().splitlines()[-1])
        print(f"  {catalog['products']} visible products from {catalog['source']} ({time.monotonic() - started:.0f} s)",
              flush=True)

        hello_port = free_port()
        app_log, hello_log = temp / "gunicorn-market.log", temp / "gunicorn-hello.log"
        market = servers.start(gunicorn_args("wsgi:app", app_port, args.workers, app_log), env, app_log)
        hello = servers.start(gunicorn_args("hello_app:app", hello_port, args.workers, hello_log,
                                            ["--pythonpath", str(BENCH_DIR)]), env, hello_log)
        wait_until_ready(market, app_port, app_log, "gunicorn wsgi:app")
        wait_until_ready(hello, hello_port, hello_log, "gunicorn hello_app:app")

        targets = [
            ("hello", hello_port, "/"),
            ("home", app_port, "/"),
            ("category", app_port, f"/c/{catalog['category']}"),
            ("product", app_port, f"/products/{catalog['product']}"),
            *[(f"also {index}", app_port, path) for index, path in enumerate(args.also, 1)],
            ("hello (again)", hello_port, "/"),
        ]
        sizes = {}
        for label, port, path in targets:
            status, body, headers = fetch(port, path)
            if status != 200:
                raise SystemExit(f"{label} {path} answered {status}, not 200:\n{_tail(app_log)}")
            sizes[label] = (len(body), "Set-Cookie" in headers or "set-cookie" in headers)

        if use_wrk:
            version = subprocess.run([wrk, "--version"], capture_output=True, text=True).stdout.splitlines()
            client = f"{(version or ['wrk'])[0].split(' [')[0]} ({max(1, min(2, args.concurrency))} threads)"
        else:
            processes = min(args.client_processes, args.concurrency)
            client = f"Python http.client ({processes} processes x threads)"
            pool = ProcessPoolExecutor(max_workers=processes)

        busy = machine_busy()
        print(f"loading each URL for {args.seconds:g} s after {args.warmup:g} s of warm-up, with {client}...", flush=True)
        results = []
        for label, port, path in targets:
            server = hello if port == hello_port else market
            if use_wrk:
                load = lambda seconds: wrk_load(wrk, port, path, seconds, args.concurrency)  # noqa: E731
            else:
                load = lambda seconds: python_load(pool, processes, port, path, seconds, args.concurrency)  # noqa: E731
            if args.warmup:
                load(args.warmup)
            cpu_before = cpu_seconds(server)
            rps, p50, p99, count, errors, notes = load(args.seconds)
            cpu_after = cpu_seconds(server)
            cpu_ms = (cpu_after - cpu_before) * 1000 / count if count and None not in (cpu_before, cpu_after) else None
            results.append(Result(label, path, rps, p50, p99, count, errors, cpu_ms, notes))
            print(f"  {label:14} {path[:50]:50} {rps:9.1f} req/s", flush=True)
        for process, name in ((market, "wsgi:app"), (hello, "hello_app:app")):
            if process.poll() is not None:
                raise SystemExit(f"gunicorn {name} died during the run (exit {process.returncode})")

        report(args, results, catalog, client, use_wrk, sizes, busy, time.monotonic() - started)
        if args.json:
            Path(args.json).write_text(json.dumps({
                "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                "cpus": os.cpu_count(), "seconds": args.seconds, "concurrency": args.concurrency,
                "workers": args.workers, "client": client, "catalog": catalog, "machine_busy_before": busy,
                "results": [result.__dict__ for result in results],
            }, indent=2) + "\n")
        return 0
    except (KeyboardInterrupt, Stopped):
        print("\ninterrupted: stopping the servers", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # let the clean-up finish
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        servers.stop_all()
        shutil.rmtree(temp, ignore_errors=True)


def report(args, results: list[Result], catalog: dict, client: str, use_wrk: bool, sizes: dict,
           busy: float | None, elapsed: float) -> None:
    hello_runs = [result for result in results if result.label.startswith("hello")]
    baseline = statistics.fmean(result.rps for result in hello_runs)
    drift = (hello_runs[-1].rps - hello_runs[0].rps) / hello_runs[0].rps if hello_runs[0].rps else float("nan")
    hello_cpu = [result.server_cpu_ms for result in hello_runs if result.server_cpu_ms]
    hello_cpu_ms = statistics.fmean(hello_cpu) if hello_cpu else None
    cpus = os.cpu_count()
    print()
    print(f"Storefront pages vs a bare Flask hello-world, {datetime.date.today().isoformat()}, "
          f"{cpus} CPUs, Python {platform.python_version()}")
    print(f"servers: gunicorn, sync workers x{args.workers} each, 127.0.0.1, no access log; "
          f"MARKET_ENV=production, SQLite in a temp instance, PAGE_CACHE_SECONDS={args.page_cache_seconds}")
    print(f"catalog: {catalog['products']} visible products ({catalog['source']})")
    print(f"client:  {client}, {args.concurrency} connections, {args.seconds:g} s per URL after {args.warmup:g} s warm-up")
    if not use_wrk:
        print(f"NOTE: the Python load generator shares the machine's {cpus} CPUs with the gunicorn workers and is "
              "itself a limit: it holds the hello-world figure down more than the pages', so the ratios below "
              "read high. Install wrk (apt-get install wrk) for better figures.")
    else:
        print(f"NOTE: wrk runs on the same {cpus} CPUs as the servers; it takes far less of them than a Python client would.")
    if busy is not None and busy > 0.15:
        print(f"WARNING: the machine was {busy:.0%} busy before the load began (other processes): "
              "figures are low and noisy; run again on a quiet machine.")
    print()
    header = (f"{'page':14} {'path':38} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'ratio':>6}  {'goal 30%':8}"
              f" {'cpu ms/req':>10} {'bytes':>6}  errors")
    print(header)
    print("-" * len(header))
    for result in results:
        is_hello = result.label.startswith("hello")
        ratio = result.rps / baseline if baseline else float("nan")
        verdict = "baseline" if is_hello else ("PASS" if ratio >= GOAL else "BELOW")
        size, cookie = sizes.get(result.label, (0, False))
        cpu = f"{result.server_cpu_ms:10.2f}" if result.server_cpu_ms is not None else f"{'?':>10}"
        extra = f"{result.errors}" + (f" ({'; '.join(result.notes)})" if result.notes else "")
        print(f"{result.label:14} {result.path[:38]:38} {result.rps:8.1f} {result.p50_ms:7.2f} {result.p99_ms:7.2f} "
              f"{ratio:6.0%}  {verdict:8} {cpu} {size:6d}  {extra}{'  [sets a cookie]' if cookie else ''}")
    print()
    print(f"ratio: a page's req/s over the hello-world's mean of its two runs, {baseline:.1f} req/s "
          f"(second run {drift:+.1%} against the first)")
    if hello_cpu_ms:
        print("cpu ms/req: gunicorn's CPU time (master + workers, /proc) per request; it does not depend on how busy "
              "the client keeps the CPUs. CPU-bound ceiling ratio (hello cpu / page cpu): " + ", ".join(
                  f"{result.label} {hello_cpu_ms / result.server_cpu_ms:.0%}" for result in results
                  if not result.label.startswith("hello") and result.server_cpu_ms))
    if abs(drift) > 0.15:
        print(f"WARNING: the hello-world moved {drift:+.0%} between its two runs: something else used the CPUs "
              "during the run; take these figures as rough.")
    print(f"latency is measured at the client and includes the wait in gunicorn's listen queue; total run {elapsed:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
