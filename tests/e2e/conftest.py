"""Browser journeys: the app served on a loopback port, driven by Playwright in Debian's Chromium."""
import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path(os.environ.get("MARKET_CHROMIUM", "/usr/bin/chromium"))
PHONE = {"width": 360, "height": 740}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results"
PASSWORD = "correct-horse-battery"  # tests.builders.PASSWORD: every test account's


def sign_in(page, base: str, email: str = "hoa@example.vn") -> None:
    """Sign in through the form as a person would (the phones' pages are in English)."""
    page.goto(base + "/account/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def live_server(app):
    """The test app served on 127.0.0.1 at a free port, for one test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield browser
        browser.close()


@pytest.fixture
def new_phone(browser, request):
    """Opens another phone-sized browser context (a second person, say); all are closed after
    the test. Every page the journey reached by GET is checked again with axe-core after a
    passing test (see `axe`): each page of every journey has no serious or critical finding."""
    contexts, visited = [], []

    def _remember(frame) -> None:
        if frame.parent_frame is None and frame.url.startswith("http") and frame.url not in visited:
            visited.append(frame.url)

    def _open(locale: str = "vi-VN"):
        context = browser.new_context(viewport=PHONE, locale=locale)
        context.on("page", lambda page: page.on("framenavigated", _remember))
        contexts.append(context)
        return context

    yield _open
    failed = getattr(request.node, "rep_call", None) is None or request.node.rep_call.failed
    try:
        if not failed and AXE.exists() and contexts:
            _axe_every_page(contexts, visited)
    finally:
        for context in contexts:
            context.close()


def _axe_every_page(contexts, urls: list[str]) -> None:
    """Open each URL again (in the first context the test left open, as it was) and run axe."""
    from playwright.sync_api import Error as PlaywrightError

    source = AXE.read_text(encoding="utf-8")
    page = None
    for context in contexts:
        try:
            page = context.new_page()
            break
        except PlaywrightError:  # the test closed this one itself
            continue
    if page is None:
        return
    problems = []
    for url in urls:
        response = page.goto(url)
        if response is None or response.request.method != "GET":
            continue
        page.evaluate(source)
        found = [v for v in page.evaluate(_AXE_RUN) if v["impact"] in AXE_FAILING_IMPACTS]
        problems += [f"{url}: {v['impact']} {v['id']} ({v['help']}) at {v['nodes']}" for v in found]
    assert problems == [], "axe-core, pages of this journey:\n" + "\n".join(problems)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures know whether the test passed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def snap(request):
    """Keeps a full-page screenshot of a page under test-results/, for a human to look at."""

    def _snap(page, step: str | None = None) -> None:
        SCREENSHOTS.mkdir(exist_ok=True)
        name = request.node.name + (f"--{step}" if step else "")
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return _snap


@pytest.fixture
def phone(new_phone, snap):
    """A fresh phone-sized page; its last screen is kept under test-results/."""
    page = new_phone().new_page()
    yield page
    snap(page)


AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
# What a page may not have: axe-core's serious and critical findings (WCAG 2.1 A and AA rules
# and axe's best practices). Minor and moderate findings are printed, not failed.
AXE_FAILING_IMPACTS = {"serious", "critical"}
_AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))}));
}"""


@pytest.fixture(scope="session")
def _axe_source() -> str:
    if not AXE.exists():
        pytest.skip(f"{AXE} is missing: `make test` installs axe-core with npm (npm ci --prefix tests/e2e)")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture
def axe(_axe_source):
    """`axe(page)` runs axe-core on the page as it is now and fails on serious or critical
    violations. The script is evaluated through the DevTools protocol, so the page's own
    Content-Security-Policy (which forbids inline scripts) stays on."""

    def _check(page, what: str = "") -> list[dict]:
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate(_axe_source)
        violations = page.evaluate(_AXE_RUN)
        failing = [v for v in violations if v["impact"] in AXE_FAILING_IMPACTS]
        for v in violations:
            if v not in failing:
                print(f"axe ({what or page.url}) {v['impact']}: {v['id']} {v['nodes']}")
        assert failing == [], f"axe on {what or page.url}: " + "; ".join(
            f"{v['impact']} {v['id']} ({v['help']}) at {v['nodes']}" for v in failing)
        return violations

    return _check
