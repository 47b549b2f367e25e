"""Where a rendered storefront page spends its time: pyinstrument over the Flask test client.

    .venv/bin/python bench/profile_pages.py [--page search] [--requests 200] [--anonymous] [--html DIR]

In one process it:
  1. prepares a fresh instance as bench/pages.py does (temporary folder, SQLite,
     `flask db upgrade`, `flask seed-demo`, the demo catalog), then creates the app in this
     process with PAGE_CACHE_SECONDS=0 (every request renders its page);
  2. signs in as the demo shopper through the sign-in form (CSRF on: the token is read from
     the form) unless --anonymous, and checks each page is rendered for her;
  3. for each page (home, category, product, seller, search page, search API; --page picks):
     a warm-up, then --requests requests timed one by one (median and p90 ms, median CPU ms, SQL statements
     per request), then --requests more under pyinstrument;
  4. prints per page the timings, the profile's self time by package and its top functions,
     and pyinstrument's call tree (trimmed); --html DIR also saves each profile as HTML.

A bare Flask hello-world is timed the same way first, as a yardstick. Figures, never
assertions; the test client leaves out gunicorn and the network, so these are the app's own
milliseconds per request.
"""
import argparse
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pages  # bench/pages.py: the instance's setup, the pages and the demo shopper
from load_clients import forms_of

HEADERS = {"Accept": "text/html", "Accept-Language": "vi", "User-Agent": "market-bench/1"}
PAGE_NAMES = ("home", "category", "product", "seller", "search", "api")
TREE_LINES = 45
TOP_FUNCTIONS = 15
SITE_PACKAGES = re.compile(r"[/\\]site-packages[/\\]([^/\\]+)")
STDLIB = os.path.dirname(os.__file__)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Profile storefront pages in process (pyinstrument, Flask test client).")
    parser.add_argument("--page", action="append", choices=PAGE_NAMES, metavar="NAME",
                        help=f"a page to profile (repeatable; default all: {', '.join(PAGE_NAMES)})")
    parser.add_argument("--requests", type=int, default=200, help="requests per page, timed and then profiled (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="requests per page before measuring (default 20)")
    parser.add_argument("--anonymous", action="store_true", help="profile an anonymous visitor instead of the shopper")
    parser.add_argument("--html", metavar="DIR", help="also save each page's profile as pyinstrument HTML in DIR")
    parser.add_argument("--tree-lines", type=int, default=TREE_LINES, help=f"lines of the call tree to print ({TREE_LINES})")
    parser.add_argument("--products", type=int, default=60, help="products to list when no demo catalog seeder exists")
    args = parser.parse_args(argv)
    if not 1 <= args.requests <= 5000 or not 0 <= args.warmup <= 1000:
        parser.error("--requests must be 1-5000 and --warmup 0-1000")
    args.page = [name for name in PAGE_NAMES if name in (args.page or PAGE_NAMES)]
    return args


def app_environment(temp: Path) -> dict:
    """bench/pages.py's environment, for the test client (https://localhost: Flask's test client takes
    production's PREFERRED_URL_SCHEME), without the page cache."""
    env = pages.base_environment(temp)
    env.update(PUBLIC_BASE_URL="https://localhost", PAGE_CACHE_SECONDS="0")
    return env


def sign_in(client) -> None:
    """The demo shopper signs in through the form, as a browser would; fail loudly otherwise."""
    body = client.get("/account/sign-in", headers=HEADERS).get_data(as_text=True)
    form = next((form for form in forms_of(body) if form.method == "post" and "password" in form.fields), None)
    if form is None or "csrf_token" not in form.fields:
        raise SystemExit("sign-in: no sign-in form with a CSRF token on /account/sign-in")
    data = {**form.fields, "email": pages.SHOPPER_EMAIL, "password": pages.SHOPPER_PASSWORD}
    # Over HTTPS, Flask-WTF wants the Referer of the page the form came from, as a browser sends it.
    answer = client.post(form.action or "/account/sign-in", data=data,
                         headers={**HEADERS, "Referer": "https://localhost/account/sign-in"})
    if answer.status_code not in (302, 303):
        raise SystemExit(f"sign-in as {pages.SHOPPER_EMAIL} failed: {answer.status_code}")


def check(client, name: str, path: str, signed_in: bool) -> int:
    response = client.get(path, headers=page_headers(path))
    body = response.get_data()
    if response.status_code != 200:
        raise SystemExit(f"{name} {path} answered {response.status_code}")
    if response.headers.get("X-Page-Cache"):
        raise SystemExit(f"{name} {path}: came from the page cache, which is off")
    is_html = response.mimetype == "text/html"
    if signed_in and is_html and not (pages.SIGN_OUT_FORM in body and pages.SHOPPER_NAME.encode() in body):
        raise SystemExit(f"{name} {path}: NOT rendered for the signed-in shopper")
    if not signed_in and pages.SIGN_OUT_FORM in body:
        raise SystemExit(f"{name} {path}: rendered for a signed-in user, not an anonymous visitor")
    return len(body)


def page_headers(path: str) -> dict:
    return {**HEADERS, **({"Accept": "application/json"} if path.startswith("/api/") else {})}


def timed(client, path: str, count: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of each of `count` requests. The CPU time (this thread's)
    leaves out the waits for a core on a shared machine; the wall time includes them."""
    headers = page_headers(path)
    walls, cpus = [], []
    for _ in range(count):
        began, began_cpu = time.perf_counter(), time.thread_time()
        response = client.get(path, headers=headers)
        response.get_data()
        cpus.append((time.thread_time() - began_cpu) * 1000)
        walls.append((time.perf_counter() - began) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code} during the run")
    return walls, cpus


def profiled(client, path: str, count: int):
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    headers = page_headers(path)
    profiler.start()
    for _ in range(count):
        client.get(path, headers=headers).get_data()
    profiler.stop()
    return profiler


# --- reading a profile -----------------------------------------------------------------------------

def package_of(file_path: str | None) -> str:
    """Where a frame's code lives: a site-packages distribution, the app's package, the standard
    library, a template, or C built-ins."""
    if not file_path or file_path.startswith("<built-in>"):
        return "(built-ins)"
    if file_path.endswith((".html", ".xml", ".txt")) or "/templates/" in file_path:
        return "(templates)"
    match = SITE_PACKAGES.search(file_path)
    if match:
        return match.group(1).removesuffix(".py")
    market = re.search(r"[/\\](market[/\\][^/\\]+)", file_path)
    if market:
        return market.group(1).replace("\\", "/").removesuffix(".py")
    if file_path.startswith(STDLIB):
        return "(stdlib)"
    return Path(file_path).name


def self_times(profiler) -> tuple[Counter, Counter, float]:
    """Self time by package and by function over the whole profile, and the total."""
    root = profiler.last_session.root_frame(trim_stem=False)
    by_package, by_function = Counter(), Counter()
    stack = [root] if root else []
    while stack:
        frame = stack.pop()
        stack.extend(frame.children)
        if frame.is_synthetic:
            continue
        own = frame.total_self_time
        if own <= 0:
            continue
        by_package[package_of(frame.file_path)] += own
        short = frame.file_path_short or frame.file_path or "?"
        by_function[f"{frame.function}  {short}:{frame.line_no or ''}"] += own
    return by_package, by_function, (root.time if root else 0.0)


def view_frames(root) -> list:
    """The view function's frames: the first frames of the app (market/) below Flask's dispatch,
    past the page cache's wrapper. pyinstrument's raw tree keeps one frame per run of samples
    (a request is several), so a view has many; the function with the most time is the view."""
    stack, found = [(root, False)], []
    while stack:
        frame, below_dispatch = stack.pop()
        path = (frame.file_path or "").replace("\\", "/")
        if below_dispatch and "/market/" in path and not path.endswith("core/page_cache.py"):
            found.append(frame)
            continue
        inside = below_dispatch or frame.function == "dispatch_request"
        stack.extend((child, inside) for child in frame.children)
    by_identifier = Counter()
    for frame in found:
        by_identifier[frame.identifier] += frame.time
    if not by_identifier:
        return []
    view = by_identifier.most_common(1)[0][0]
    return [frame for frame in found if frame.identifier == view]


def print_view_breakdown(root, requests: int, total: float) -> None:
    """What the view spends its time on: its direct calls (queries, render_template...), summed."""
    frames = view_frames(root)
    if not frames:
        return
    calls, view_time = Counter(), sum(frame.time for frame in frames)
    for view in frames:
        for child in view.children:
            if child.is_synthetic:
                calls["(the view's own lines)"] += child.time
            else:
                calls[f"{child.function}  {child.file_path_short or child.file_path}:{child.line_no or ''}"] += child.time
    outside = total - view_time
    print(f"  the view {frames[0].function}() takes {view_time / total:.0%}; outside it (Flask, extensions, request "
          f"hooks, the test client) {outside * 1000 / requests:.2f} ms per request ({outside / total:.0%}); its calls:")
    for call, seconds in calls.most_common(10):
        if seconds > 0:
            print(f"    {seconds * 1000 / requests:7.2f} ms {seconds / total:5.1%}  {call}")


def print_profile(name: str, profiler, requests: int, tree_lines: int) -> None:
    by_package, by_function, total = self_times(profiler)
    if not total:
        print("  (no samples)")
        return
    per_request = total * 1000 / requests
    print(f"  profiled: {per_request:.2f} ms per request of wall-clock under pyinstrument (sampling every 0.5 ms; "
          "its overhead and any wait for a core included: read the shares)")
    print("  self time by package: " + ", ".join(
        f"{package} {seconds / total:.0%}" for package, seconds in by_package.most_common(12)))
    print_view_breakdown(profiler.last_session.root_frame(trim_stem=False), requests, total)
    print(f"  top {TOP_FUNCTIONS} functions by self time (ms per request, share):")
    for function, seconds in by_function.most_common(TOP_FUNCTIONS):
        print(f"    {seconds * 1000 / requests:6.3f} {seconds / total:5.1%}  {function}")
    # Frames under 2% of the time left out: the cards' nested Jinja macros would fill the lines.
    text = profiler.output_text(unicode=False, color=False, show_all=False, processor_options={"filter_threshold": 0.02})
    lines = [line for line in text.splitlines() if line.strip()]
    # pyinstrument's banner first; the tree begins at the first line that starts with a time.
    first = next((index for index, line in enumerate(lines) if re.match(r"\s*\d+\.\d+ ", line)), len(lines))
    body = [line for line in lines[first:] if not line.lstrip().startswith("To view this report")]
    print(f"  call tree (pyinstrument, library frames grouped; first {tree_lines} lines, seconds over {requests} requests):")
    for line in body[:tree_lines]:
        print("    " + line)
    if len(body) > tree_lines:
        print(f"    ... {len(body) - tree_lines} more lines (--tree-lines, or --html)")


# --- the run ---------------------------------------------------------------------------------------

def hello_figures(count: int, warmup: int) -> tuple[float, float]:
    """Median wall and CPU ms of the hello-world through its own test client."""
    import hello_app

    client = hello_app.app.test_client()
    for _ in range(warmup):
        client.get("/")
    walls, cpus = timed(client, "/", count)
    return statistics.median(walls), statistics.median(cpus)


def main(argv=None) -> int:
    args = parse_args(argv)
    temp = Path(tempfile.mkdtemp(prefix="market-profile-"))
    started = time.monotonic()
    try:
        env = app_environment(temp)
        (temp / "instance").mkdir()
        catalog = pages.prepare(env, args.products, started)
        os.environ.clear()
        os.environ.update(env)  # config.py reads the environment when it is first imported
        sys.path.insert(0, str(pages.ROOT))
        os.chdir(pages.ROOT)
        return run(args, catalog)
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def run(args, catalog: dict) -> int:
    from sqlalchemy import event

    from market import create_app
    from market.extensions import db

    app = create_app()
    if app.config["PAGE_CACHE_SECONDS"]:
        raise SystemExit("the page cache is on: the profile would show cache hits")
    client = app.test_client()
    signed_in = not args.anonymous
    if signed_in:
        sign_in(client)
    paths = dict(pages.pages_of(catalog, []))
    statements = [0]  # SQL statements sent, counted by the engine's event
    with app.app_context():
        engine = db.engine

    def count_statement(*_):
        statements[0] += 1

    event.listen(engine, "before_cursor_execute", count_statement)
    hello_ms, hello_cpu = hello_figures(args.requests, args.warmup)
    who = f"signed in as {pages.SHOPPER_EMAIL}" if signed_in else "anonymous"
    print(f"\nIn-process profile, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs, "
          f"load average {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    print(f"Flask test client, {who}, PAGE_CACHE_SECONDS=0, MARKET_ENV=production, SQLite; "
          f"{catalog['products']} visible products ({catalog['source']})")
    print(f"{args.warmup} warm-up requests, then {args.requests} timed, then {args.requests} under pyinstrument, per page")
    print(f"hello-world (bench/hello_app.py, its own test client): median {hello_ms:.3f} ms, CPU {hello_cpu:.3f} ms\n")
    summary = []
    for name in args.page:
        path = paths[name]
        size = check(client, name, path, signed_in)
        timed(client, path, args.warmup)
        statements[0] = 0
        walls, cpus = timed(client, path, args.requests)
        per_request = statements[0] / args.requests
        walls.sort()
        median, p90, cpu = statistics.median(walls), walls[int(len(walls) * 0.9) - 1], statistics.median(cpus)
        summary.append((name, path, median, p90, cpu, per_request, size))
        print(f"== {name} {path}: median {median:.2f} ms (CPU {cpu:.2f} ms), p90 {p90:.2f} ms, "
              f"{per_request:.1f} SQL statements, {size} bytes, {cpu / hello_cpu:.0f}x the hello-world's CPU")
        profiler = profiled(client, path, args.requests)
        print_profile(name, profiler, args.requests, args.tree_lines)
        if args.html:
            Path(args.html).mkdir(parents=True, exist_ok=True)
            target = Path(args.html) / f"{name}-{'signed-in' if signed_in else 'anonymous'}.html"
            profiler.write_html(target)
            print(f"  saved {target}")
        print()
    print(f"summary ({who}): page, median ms, p90 ms, median CPU ms, SQL statements per request, bytes")
    for name, path, median, p90, cpu, per_request, size in summary:
        print(f"  {name:9} {path[:44]:44} {median:7.2f} {p90:7.2f} {cpu:7.2f} {per_request:5.1f} {size:7d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
