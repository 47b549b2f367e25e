"""`flask --app wsgi guides screenshots [--out DIR] [--only NAME]...`: the guides' pictures,
shot from our own pages so they stay true when the pages change.

It builds a throwaway instance (a SQLite file, uploads and search index in a temporary
folder) with the demo data, serves it on a loopback port, signs in as the demo seller (and
the demo shopper for the shoppers' pictures) in Debian's Chromium through Playwright at
360 px wide, and writes each picture as an optimised PNG (a 64-colour palette) with its size
in `pictures.json`. The default folder is market/static/guides, committed, so `make run`
shows the pictures without running this. No browser is ever downloaded: Chromium comes from
the system (`MARKET_CHROMIUM`, default /usr/bin/chromium).
"""
import io
import json
import logging
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from market.pages.pictures import FOLDER, MANIFEST, PICTURES, forget_made

guides_cli = AppGroup("guides", help="The sellers' guides.")

PHONE = {"width": 360, "height": 740}
MAX_HEIGHT = 900
SELLER_EMAIL = "seller@demo.cho-phu-nu.vn"
SHOPPER_EMAIL = "shopper@demo.cho-phu-nu.vn"
DEMO_PASSWORD = "demo-password"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


@dataclass
class Demo:
    """What the shots need to find in the demo data."""

    new_cod_order: int  # the demo seller's part of a new cash-on-delivery order
    transfer_token: str  # the shopper's bank transfer still waiting for the money
    product_slug: str  # a product on sale, for the shopper's cart


def _throwaway_app(folder: Path):
    from config import Config
    from market import create_app

    return create_app(
        Config,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'guides.db'}",
        INSTANCE_PATH=str(folder),
        UPLOAD_FOLDER=str(folder / "uploads"),
        SEARCH_INDEX_PATH=str(folder / "search-index"),
        SEARCH_BACKEND="whoosh",
        PAGE_CACHE_SECONDS=0,
        MAIL_SERVER=None,
        # Rate limits stay on: the Limiter is one object for the process, and an app built
        # with them off would switch them off for every app after it (tests, a shell).
        SESSION_COOKIE_SECURE=False,
        REMEMBER_COOKIE_SECURE=False,
        DEMO_SEED_ALLOWED=True,
        ENV_NAME="development",
    )


def _seed(app) -> Demo:
    import flask_migrate

    from market.accounts.services import find_user_by_email
    from market.catalog.models import Product
    from market.demo import seed_demo
    from market.extensions import db
    from market.orders.models import Order, PaymentMethod, SellerOrder, SellerOrderStatus
    from market.sellers.services import seller_of

    with app.app_context():
        flask_migrate.upgrade(directory=str(MIGRATIONS))
        # The shots never search: writing the index after each of the seed's commits would
        # double its time (market.search.sync honours this switch, as the demo's tests do).
        db.session.info["search_disabled"] = True
        seed_demo()
        db.session.info.pop("search_disabled", None)
        seller = seller_of(find_user_by_email(SELLER_EMAIL))
        shopper = find_user_by_email(SHOPPER_EMAIL)
        new_cod = db.session.scalar(
            select(SellerOrder.id).join(Order).where(
                SellerOrder.seller_id == seller.id, SellerOrder.status == SellerOrderStatus.PENDING,
                Order.payment_method == PaymentMethod.COD,
            ).order_by(SellerOrder.id)
        )
        token = db.session.scalar(
            select(Order.token).where(Order.user_id == shopper.id, Order.payment_method == PaymentMethod.BANK_TRANSFER)
            .order_by(Order.id.desc())
        )
        slug = db.session.scalar(select(Product.slug).where(Product.seller_id == seller.id, Product.visible(),
                                                            Product.stock >= 5).order_by(Product.id))
        return Demo(new_cod, token, slug)


def _optimised_png(raw: bytes) -> tuple[bytes, int, int]:
    """A 64-colour palette PNG: a page's few flat colours survive, the file is a tenth."""
    from PIL import Image

    with Image.open(io.BytesIO(raw)) as image:
        image = image.convert("RGB")
        palette = image.quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        out = io.BytesIO()
        palette.save(out, format="PNG", optimize=True)
        return out.getvalue(), image.width, image.height


class Camera:
    """Shoots a region of the page: from the top of one element to the bottom of another."""

    def __init__(self, out: Path, only: set[str]):
        self.out, self.only, self.made = out, only, {}

    def wanted(self, *names: str) -> bool:
        return not self.only or bool(self.only & set(names))

    def shoot(self, page, name: str, start: str, end: str | None = None, max_height: int = MAX_HEIGHT) -> None:
        if not self.wanted(name):
            return
        page.evaluate("window.scrollTo(0, 0)")
        first = page.locator(start).first.bounding_box()
        last = page.locator(end).first.bounding_box() if end else first
        if first is None or last is None:
            raise click.ClickException(f"{name}: {start!r} or {end!r} is not on {page.url}")
        top = max(0, first["y"] - 8)
        height = min(max_height, last["y"] + last["height"] + 8 - top)
        raw = page.screenshot(full_page=True, clip={"x": 0, "y": top, "width": PHONE["width"], "height": height})
        png, width, height = _optimised_png(raw)
        (self.out / f"{name}.png").write_bytes(png)
        # The version is the file's size and a short hash, so a browser fetches a new picture.
        import hashlib

        self.made[name] = {"width": width, "height": height, "version": hashlib.sha256(png).hexdigest()[:10]}
        click.echo(f"  {name}.png  {width}×{height}  {len(png) // 1024} KB")


def _sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/account/sign-in")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()


def _seller_shots(page, base: str, demo: Demo, camera: Camera) -> None:
    _sign_in(page, base, SELLER_EMAIL)
    simple = [
        ("seller-profile", "/sell/profile", ".field:has(#story)", "form.form-page button[type=submit]"),
        ("shipping-fee", "/sell/shipping", "h1", "form.narrow-form button[type=submit]"),
        ("product-new", "/sell/products/new", ".field:has(#name)", ".grid-2"),
        ("product-photos", "/sell/products/new", ".field:has(#photos)", "form.form-page .cluster"),
        ("products-list", "/sell/products", "h1", "ul.seller-products > li"),
        ("statement", "/sell/statement", "h1", "table"),
        ("figures", "/sell/figures", "h1", "form.narrow-form button[type=submit]"),
        ("programs", "/sell/programs", "h1", "main article.card"),
    ]
    for name, path, start, end in simple:
        if camera.wanted(name):
            page.goto(base + path)
            camera.shoot(page, name, start, end)
    # One new cash-on-delivery order taken through its steps, as the seller would.
    if not camera.wanted("order-confirm", "order-money", "order-ship", "order-deliver-cod"):
        return
    page.goto(f"{base}/sell/orders/{demo.new_cod_order}")
    camera.shoot(page, "order-confirm", "h1", "section.order-next")
    camera.shoot(page, "order-money", "#items-heading", "section[aria-labelledby=items-heading] dl.facts")
    page.locator("#confirm-form button[type=submit]").click()
    page.wait_for_load_state()
    camera.shoot(page, "order-ship", "section.order-next", "#ship-form")
    page.fill("#ship-form input[name=carrier]", "Viettel Post")
    page.fill("#ship-form input[name=tracking_number]", "VTP2026120301")
    page.locator("#ship-form button[type=submit]").click()
    page.wait_for_load_state()
    camera.shoot(page, "order-deliver-cod", "section.order-next", "#deliver-form")


def _shopper_shots(page, base: str, demo: Demo, camera: Camera) -> None:
    if not camera.wanted("checkout-payment", "order-vietqr"):
        return
    _sign_in(page, base, SHOPPER_EMAIL)
    if camera.wanted("order-vietqr"):
        page.goto(f"{base}/orders/{demo.transfer_token}")
        camera.shoot(page, "order-vietqr", "#transfer-heading", "section:has(#transfer-heading) dl")
    if camera.wanted("checkout-payment"):
        page.goto(f"{base}/products/{demo.product_slug}")
        page.locator("form[action$='/cart/add'] button[type=submit]").first.click()
        page.wait_for_load_state()
        page.goto(f"{base}/checkout")
        camera.shoot(page, "checkout-payment", "fieldset:has(input[name=payment_method])", ".btn-place-order")


def take_screenshots(out: Path, only: set[str]) -> dict[str, dict]:
    """Shoot the pictures (all, or `only` those) into `out`; returns what was made."""
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    chromium = Path(os.environ.get("MARKET_CHROMIUM", "/usr/bin/chromium"))
    if not chromium.exists():
        raise click.ClickException(f"{chromium} is missing: apt-get install chromium (no browser is downloaded)")
    out.mkdir(parents=True, exist_ok=True)
    camera = Camera(out, only)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request of the shots
    with tempfile.TemporaryDirectory(prefix="guides-") as folder:
        app = _throwaway_app(Path(folder))
        click.echo("Seeding the demo data into a throwaway instance…")
        demo = _seed(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(chromium),
                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
                )
                try:
                    for shots in (_seller_shots, _shopper_shots):
                        context = browser.new_context(viewport=PHONE, locale="vi-VN", extra_http_headers={"Accept-Language": "vi"})
                        shots(context.new_page(), base, demo, camera)
                        context.close()
                finally:
                    browser.close()
        finally:
            server.shutdown()
            thread.join(timeout=5)
            with app.app_context():
                from market.extensions import db

                db.engine.dispose()
    return camera.made


@guides_cli.command("screenshots")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=FOLDER, show_default=True,
              help="Folder for the PNGs and pictures.json.")
@click.option("--only", multiple=True, type=click.Choice(sorted(PICTURES)), help="Only this picture (repeatable).")
def screenshots_command(out: Path, only: tuple[str, ...]) -> None:
    """Shoot the guides' pictures from the demo data (Playwright, Debian's Chromium, 360 px)."""
    made = take_screenshots(out, set(only))
    manifest = out / MANIFEST.name
    try:
        known = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    known.update(made)  # --only keeps the other pictures' entries
    manifest.write_text(json.dumps(dict(sorted(known.items())), indent=1) + "\n", encoding="utf-8")
    forget_made()
    click.echo(f"{len(made)} picture(s) written to {out}")
