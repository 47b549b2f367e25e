"""`flask guides screenshots` shoots the guides' pictures from the demo data in Chromium:
here one picture (--only), into a temporary folder, so the real ones stay as committed."""
import json
import threading

import pytest
from PIL import Image

from tests.e2e.conftest import CHROMIUM


def _in_own_thread(call):
    """Run `call` in a thread of its own: Playwright's sync API refuses a thread where an
    asyncio loop runs, as it does in a test worker whose browser tests ran before."""
    results = []
    worker = threading.Thread(target=lambda: results.append(call()))
    worker.start()
    worker.join()
    return results[0]


@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing")
def test_the_screenshots_command_shoots_a_picture_from_the_demo(app, tmp_path, monkeypatch):
    from market.demo import photos

    monkeypatch.setattr(photos, "PHOTO_SIDE", 200)  # small demo photos: same path, less encoding
    result = _in_own_thread(lambda: app.test_cli_runner().invoke(
        args=["guides", "screenshots", "--out", str(tmp_path), "--only", "shipping-fee"]))
    assert result.exit_code == 0, result.output
    from market.extensions import limiter

    assert limiter.enabled  # its throwaway app left the process's rate limits on
    assert sorted(path.name for path in tmp_path.iterdir()) == ["pictures.json", "shipping-fee.png"]
    made = json.loads((tmp_path / "pictures.json").read_text(encoding="utf-8"))
    with Image.open(tmp_path / "shipping-fee.png") as picture:
        assert picture.format == "PNG" and picture.mode == "P"  # optimised: a palette
        assert picture.size == (made["shipping-fee"]["width"], made["shipping-fee"]["height"])
        assert picture.width == 360 and 200 < picture.height <= 900
    assert (tmp_path / "shipping-fee.png").stat().st_size < 60_000


def test_an_unknown_picture_name_is_refused(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["guides", "screenshots", "--out", str(tmp_path), "--only", "nothing"])
    assert result.exit_code != 0 and "nothing" in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.e2e
def test_a_would_be_seller_reads_a_guide_on_a_phone(live_server, phone, axe):
    """From /sell to a guide with its pictures, at 360 px: nothing wider than the screen, the
    pictures load, and axe finds nothing serious."""
    phone.goto(live_server + "/sell")
    phone.locator("a[href='/sell/help']").first.click()
    phone.wait_for_url("**/sell/help")
    axe(phone, "/sell/help")
    phone.locator("a[href='/sell/help/deliver-order']").click()
    phone.wait_for_url("**/sell/help/deliver-order")
    figures = phone.locator("figure.guide-picture img")
    assert figures.count() == 2
    for index in range(figures.count()):
        figures.nth(index).scroll_into_view_if_needed()
        assert figures.nth(index).evaluate("img => img.decode().then(() => img.naturalWidth)") == 360
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    axe(phone, "/sell/help/deliver-order")
    phone.goto(live_server + "/how-to-buy")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    axe(phone, "/how-to-buy")
