"""What bench/pages.py runs on: the gunicorns it starts, HTTP to them, signing in, and the load.

- processes: gunicorn started in its own session and stopped by its pid; CPU time and
  resident memory of a master and its workers from /proc (Linux);
- HTTP: one request with http.client, the demo shopper's sign-in (CSRF token read from the
  form) giving the cookies a browser would keep;
- load: wrk when installed (its "Non-2xx or 3xx responses" counted as errors), otherwise a
  Python client (processes x threads, one http.client connection each).

bench/load.py uses the process helpers too (through bench/pages.py, which re-exports them).
"""
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from load_clients import forms_of  # bench/load_clients.py: the page's forms, as a browser reads them

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
SETUP_TIMEOUT = 180  # seconds, for each setup command
READY_TIMEOUT = 30  # seconds for a server to answer
REQUEST_HEADERS = {"User-Agent": "market-bench/1", "Accept": "text/html", "Accept-Language": "vi"}


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
                signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                signal_group(process, signal.SIGKILL)
                process.wait(timeout=5)
        self.processes.clear()


def signal_group(process: subprocess.Popen, signum: int) -> None:
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


def resident_mb(pid: int) -> float | None:
    """Resident memory of one process (VmRSS in /proc/<pid>/status), in MB (10^6 bytes)."""
    try:
        match = re.search(r"^VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M)
    except OSError:
        return None
    return int(match.group(1)) * 1024 / 1e6 if match else None


def memory_of(process: subprocess.Popen) -> dict:
    """The gunicorn master's and each worker's (its children's) resident memory, in MB."""
    workers = {pid: resident_mb(pid) for pid in _children(process.pid)}
    return {"master_mb": resident_mb(process.pid),
            "workers_mb": {str(pid): mb for pid, mb in sorted(workers.items()) if mb is not None}}


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


def load_average() -> tuple[float, float, float] | None:
    try:
        return tuple(round(value, 2) for value in os.getloadavg())
    except OSError:
        return None


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


def gunicorn_args(app: str, port: int, workers: int, log_path: Path, extra: list[str] = ()) -> list[str]:
    """The same settings for every server; only the app (and where it is imported from) differs."""
    return [
        sys.executable, "-m", "gunicorn", *extra,
        "--worker-class", "sync", "--workers", str(workers),
        "--bind", f"127.0.0.1:{port}",
        "--log-level", "warning", "--error-logfile", str(log_path),  # access log: off (gunicorn's default)
        app,
    ]


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


# --- HTTP ----------------------------------------------------------------------------------------

def exchange(port: int, method: str, path: str, headers: dict | None = None, body: str | None = None,
             timeout: float = 5.0) -> tuple[int, bytes, http.client.HTTPMessage]:
    """One request on a fresh connection: status, body and headers (all of them, Set-Cookie repeated)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers={**REQUEST_HEADERS, **(headers or {})})
        response = connection.getresponse()
        return response.status, response.read(), response.headers
    finally:
        connection.close()


def fetch(port: int, path: str, timeout: float = 5.0, headers: dict | None = None) -> tuple[int, bytes, dict]:
    status, body, message = exchange(port, "GET", path, headers, timeout=timeout)
    return status, body, dict(message.items())


class CookieJar:
    """The cookies a browser keeps for 127.0.0.1 (name -> value), sent back as one Cookie header.

    Kept by hand: the app's production cookies are Secure, which a client library would
    not send over the plain HTTP of 127.0.0.1.
    """

    def __init__(self):
        self.values: dict[str, str] = {}

    def take(self, message: http.client.HTTPMessage) -> None:
        for header in message.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.values.pop(name, None)
                else:
                    self.values[name] = morsel.value

    def header(self) -> dict:
        return {"Cookie": "; ".join(f"{name}={value}" for name, value in self.values.items())} if self.values else {}


def sign_in(port: int, email: str, password: str) -> dict:
    """Sign in as a browser would (the form's CSRF token, its fields, the redirect); returns the
    Cookie header to send as that signed-in browser. Fails the run loudly when it does not work."""
    jar = CookieJar()
    status, body, message = exchange(port, "GET", "/account/sign-in")
    jar.take(message)
    form = next((form for form in forms_of(body.decode(errors="replace"))
                 if form.method == "post" and "csrf_token" in form.fields and "password" in form.fields), None)
    if status != 200 or form is None:
        raise SystemExit(f"sign-in: GET /account/sign-in answered {status} without the sign-in form")
    fields = {**form.fields, "email": email, "password": password}
    status, body, message = exchange(port, "POST", form.action or "/account/sign-in",
                                     {**jar.header(), "Content-Type": "application/x-www-form-urlencoded"},
                                     urlencode(fields))
    jar.take(message)
    if status not in (302, 303):
        raise SystemExit(f"sign-in as {email} failed: POST answered {status}, not a redirect "
                         f"(wrong demo password, CSRF, or the sign-in limit?)\n{body[:400]!r}")
    location = urlsplit(message.get("Location", "/"))
    status, _, message = exchange(port, "GET", (location.path or "/") + (f"?{location.query}" if location.query else ""),
                                  jar.header())
    jar.take(message)
    return jar.header()


# --- load: wrk -----------------------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"unexpected wrk duration {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def wrk_load(wrk: str, port: int, path: str, seconds: float, concurrency: int,
             headers: dict | None = None) -> tuple[float, float, float, int, int, list[str]]:
    threads = str(max(1, min(2, concurrency)))
    url = f"http://127.0.0.1:{port}{path}"
    sent = {**REQUEST_HEADERS, **(headers or {})}
    header_args = [arg for name, value in sent.items() for arg in ("-H", f"{name}: {value}")]
    out = subprocess.run(
        [wrk, "-t", threads, "-c", str(concurrency), "-d", f"{max(1, round(seconds))}s", "--latency", *header_args, url],
        capture_output=True, text=True, timeout=seconds + 30,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s*([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s*50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s*99%\s+(\S+)", out, re.M).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors, notes = 0, []
    # wrk counts 3xx as errors too: every page here answers 200, so a redirect is a failure as well.
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", out)
    if non_2xx:
        errors += int(non_2xx.group(1))
        notes.append(f"{non_2xx.group(1)} non-2xx")
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if socket_errors:
        connect, read, write, timeout = map(int, socket_errors.groups())
        # wrk counts a server closing a finished connection as a read error: not a failure.
        errors += connect + write + timeout
        if connect + write + timeout:
            notes.append(f"socket errors c/r/w/t {connect}/{read}/{write}/{timeout}")
    return rps, p50, p99, requests, errors, notes


# --- load: Python ---------------------------------------------------------------------------------

def _python_worker(port: int, path: str, connections: int, seconds: float,
                   headers: dict) -> tuple[int, float, list[float]]:
    """One process: `connections` threads, each one connection (reopened when the server closes it).

    Returns (errors, elapsed seconds, latencies in ms of the successful requests).
    """
    start_at = time.perf_counter()
    deadline = start_at + seconds
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    sent = {**REQUEST_HEADERS, **headers}

    def loop(slot: int) -> None:
        own, connection = latencies[slot], None
        while True:
            began = time.perf_counter()
            if began >= deadline:
                break
            try:
                if connection is None:
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                connection.request("GET", path, headers=sent)
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
                concurrency: int, headers: dict | None = None) -> tuple[float, float, float, int, int, list[str]]:
    shares = [concurrency // processes + (1 if index < concurrency % processes else 0) for index in range(processes)]
    shares = [share for share in shares if share]
    futures = [pool.submit(_python_worker, port, path, share, seconds, headers or {}) for share in shares]
    outcomes = [future.result() for future in futures]
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
