"""Browser journeys: the app served on a loopback port, driven by Playwright in Debian's Chromium."""
import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path(os.environ.get("MARKET_CHROMIUM", "/usr/bin/chromium"))
PHONE = {"width": 360, "height": 740}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results"


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
def new_phone(browser):
    """Opens another phone-sized browser context (a second person, say); all are closed after the test."""
    contexts = []

    def _open(locale: str = "vi-VN"):
        contexts.append(browser.new_context(viewport=PHONE, locale=locale))
        return contexts[-1]

    yield _open
    for context in contexts:
        context.close()


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
