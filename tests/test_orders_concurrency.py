"""Orders under real concurrency (PostgreSQL only): many buyers at once, never an oversell,
never a deadlock.

Each buyer is a thread with its own application context, hence its own session and
connection, as a request in another gunicorn worker would have. Carts are filled before a
start barrier (every buyer saw the stock as it was), then all buyers call `place_order`
together. Runs only when MARKET_TEST_DATABASE_URL is PostgreSQL: SQLite serialises writers
and would prove nothing.
"""
import threading
from collections import Counter
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select

from market.accounts.models import User
from market.extensions import db
from market.orders import cart as carts
from market.orders import services
from market.orders.checkout import CartChanged, place_order
from market.orders.models import Order, OrderLine, SellerOrder, SellerOrderStatus
from market.search.pg_models import ProductSearch
from tests.builders import details, fresh, make_product, place
from tests.conftest import make_app

pytestmark = pytest.mark.postgres

BARRIER_TIMEOUT = 60  # seconds: a buyer stuck before the start fails the test, never hangs it
JOIN_TIMEOUT = 120


@pytest.fixture(params=["whoosh", "postgres"])
def busy_app(request, app):
    """A second app on the same test database, with a pool for many buyers at once.

    At most 30 connections: with `make test`'s two xdist workers both in this module, and
    other test runs on the same server, 50 each could pass PostgreSQL's max_connections
    (100 by default). Buyers beyond 30 wait for a connection (`pool_timeout`) and then race
    like the others. With Whoosh, a buyer whose order commits takes a second connection for
    the index write while still holding its first (market.search.sync's after_commit hook),
    so more committing buyers than connections could wait on the pool for ever: each test
    keeps its number of successful buyers below 30.

    Parametrized on the search engine: with "postgres" (production's setting) the index row
    is written inside the order's transaction, so its locks are part of what is tested.
    The `app` fixture's context stays the main thread's (setup and checks); its teardown
    empties the tables once this app's connections are closed.
    """
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrency needs PostgreSQL: set MARKET_TEST_DATABASE_URL=postgresql://...")
    app.config["SEARCH_BACKEND"] = request.param
    app.extensions.pop("search_backend", None)
    busy = make_app(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config["INSTANCE_PATH"],
        UPLOAD_FOLDER=app.config["UPLOAD_FOLDER"], SEARCH_INDEX_PATH=app.config["SEARCH_INDEX_PATH"],
        SEARCH_BACKEND=request.param,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20, "pool_timeout": 60},
    )
    try:
        yield busy
    finally:
        with busy.app_context():
            db.session.remove()
            db.engine.dispose()


@dataclass
class Outcomes:
    orders: list[int] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # CartChanged messages
    errors: list[str] = field(default_factory=list)  # anything else, which must never happen
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, value) -> None:
        with self.lock:
            getattr(self, kind).append(value)


def _buyer(busy, lines: list[tuple[int, int]], start: threading.Barrier, outcomes: Outcomes) -> None:
    """Fill a guest cart, wait for everyone, place the order (cash on delivery)."""
    with busy.app_context():
        try:
            store = carts.SessionCart({})
            for product_id, quantity in lines:
                carts.add_to_cart(store, product_id, quantity)
            # The checkout is another request: a fresh session, nothing remembered from the cart page.
            db.session.remove()
            start.wait()
            try:
                order = place_order(store, details(), None, ["cod"])
            except CartChanged as refusal:
                outcomes.add("refused", str(refusal))
            else:
                outcomes.add("orders", order.id)
        except BaseException as error:  # noqa: BLE001  (reported by the test, with its type)
            start.abort()  # never leave the others waiting for a buyer that will not come
            outcomes.add("errors", f"{type(error).__name__}: {error}")
        finally:
            db.session.remove()


def run_buyers(busy, carts_of_buyers: list[list[tuple[int, int]]]) -> Outcomes:
    outcomes = Outcomes()
    start = threading.Barrier(len(carts_of_buyers), timeout=BARRIER_TIMEOUT)
    threads = [threading.Thread(target=_buyer, args=(busy, lines, start, outcomes), name=f"buyer-{i}")
               for i, lines in enumerate(carts_of_buyers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not [thread.name for thread in threads if thread.is_alive()], "buyers still waiting: a deadlock or a hang"
    return outcomes


def sold(product_id: int) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(OrderLine.quantity), 0)).where(OrderLine.product_id == product_id)
    )


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def assert_index_agrees(busy, *product_ids: int) -> None:
    """With the PostgreSQL engine the index row is written in the order's transaction: once
    every buyer is done, it must say "in stock" exactly when the product has stock."""
    if busy.config["SEARCH_BACKEND"] != "postgres":
        return  # Whoosh is written after each commit, by whichever buyer gets its lock
    for product_id in product_ids:
        in_stock = db.session.scalar(select(ProductSearch.in_stock).where(ProductSearch.product_id == product_id))
        assert in_stock == (fresh(product_id).stock > 0), f"product_search.in_stock of product {product_id}"


def test_fifty_buyers_for_the_last_ten_units_make_exactly_ten_orders(busy_app, shop):
    honey = make_product(shop.owner, name="Mật ong hoa nhãn", price_vnd=150_000, stock=10)
    buyers = 50

    outcomes = run_buyers(busy_app, [[(honey.id, 1)]] * buyers)

    db.session.expire_all()
    assert outcomes.errors == []
    assert len(outcomes.orders) == 10
    assert len(outcomes.refused) == buyers - 10
    assert fresh(honey.id).stock == 0
    assert count(Order) == count(SellerOrder) == 10
    assert sold(honey.id) == 10
    assert sorted(db.session.scalars(select(Order.id))) == sorted(outcomes.orders)
    assert_index_agrees(busy_app, honey.id)


def test_buyers_of_the_same_two_products_in_opposite_orders_never_deadlock(busy_app, shop, rival):
    """Half the carts hold honey then tea, the other half tea then honey, and there is stock
    for only 18 of the 24: every buyer finishes, an order takes both or neither.

    24 buyers, fewer than the pool's 30 connections: with Whoosh each commit briefly needs a
    second connection (the index write after the commit), see `busy_app`."""
    honey = make_product(shop.owner, name="Mật ong hoa nhãn", price_vnd=150_000, stock=18)
    tea = make_product(rival.owner, name="Trà Tân Cương", price_vnd=90_000, stock=18, category="mat-ong")
    forwards, backwards = [(honey.id, 1), (tea.id, 1)], [(tea.id, 1), (honey.id, 1)]

    outcomes = run_buyers(busy_app, [forwards, backwards] * 12)

    db.session.expire_all()
    assert outcomes.errors == []  # a deadlock would show here as OperationalError (DeadlockDetected)
    assert len(outcomes.orders) == 18 and len(outcomes.refused) == 6
    assert (fresh(honey.id).stock, fresh(tea.id).stock) == (0, 0)
    assert (sold(honey.id), sold(tea.id)) == (18, 18)
    # All or nothing: each order has one part per seller, each with its one line.
    parts = Counter(db.session.scalars(select(SellerOrder.order_id)))
    assert len(parts) == 18 and set(parts.values()) == {2}
    assert count(OrderLine) == 36
    assert_index_agrees(busy_app, honey.id, tea.id)


def test_mixed_quantities_never_oversell(busy_app, shop):
    """Buyers of 1, 2 or 3 units race for 25: what was sold plus what is left is what there was,
    and a refusal comes only when the units left could not serve that cart."""
    comb = make_product(shop.owner, name="Mật ong sáp", price_vnd=220_000, stock=25)
    wanted = [1 + i % 3 for i in range(30)]  # 60 units asked for

    outcomes = run_buyers(busy_app, [[(comb.id, quantity)] for quantity in wanted])

    db.session.expire_all()
    assert outcomes.errors == []
    assert len(outcomes.orders) + len(outcomes.refused) == len(wanted)
    left = fresh(comb.id).stock
    # Someone was refused (60 asked for 25), and only for want of units: fewer than 3 can be left.
    assert 0 <= left < 3
    assert sold(comb.id) + left == 25
    assert count(Order) == len(outcomes.orders)


def test_cancellations_and_checkouts_of_the_same_products_never_deadlock(busy_app, shop):
    """The seller cancels orders whose lines are tea then honey (stock goes back) while
    shoppers buy honey and tea: stock moves both ways at once, every call finishes."""
    honey = make_product(shop.owner, name="Mật ong hoa nhãn", price_vnd=150_000, stock=1_000)
    tea = make_product(shop.owner, name="Trà Tân Cương", price_vnd=90_000, stock=1_000)
    assert honey.id < tea.id
    for _ in range(40):
        place((tea, 1), (honey, 1))  # lines in the order added: tea, then honey
    to_cancel = list(db.session.scalars(select(SellerOrder.id).order_by(SellerOrder.id)))
    owner_id, honey_id, tea_id = shop.owner.id, honey.id, tea.id
    outcomes = Outcomes()
    start = threading.Barrier(8, timeout=BARRIER_TIMEOUT)

    def seller(ids):
        with busy_app.app_context():
            try:
                start.wait()
                for seller_order_id in ids:
                    services.fulfil(db.session.get(User, owner_id), db.session.get(SellerOrder, seller_order_id),
                                    "cancel", reason="Hết hàng")
                    outcomes.add("orders", seller_order_id)
                    db.session.remove()
            except BaseException as error:  # noqa: BLE001
                start.abort()
                outcomes.add("errors", f"{type(error).__name__}: {error}")
            finally:
                db.session.remove()

    def shopper():
        with busy_app.app_context():
            try:
                start.wait()
                for _ in range(10):
                    store = carts.SessionCart({})
                    carts.add_to_cart(store, honey_id, 1)
                    carts.add_to_cart(store, tea_id, 1)
                    db.session.remove()
                    outcomes.add("orders", place_order(store, details(), None, ["cod"]).id)
                    db.session.remove()
            except BaseException as error:  # noqa: BLE001
                start.abort()
                outcomes.add("errors", f"{type(error).__name__}: {error}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=seller, args=(to_cancel[i::4],)) for i in range(4)]
    threads += [threading.Thread(target=shopper) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads)

    db.session.expire_all()
    assert outcomes.errors == []  # a deadlock shows here as OperationalError (DeadlockDetected)
    assert len(outcomes.orders) == 40 + 40
    cancelled = db.session.scalar(select(func.count()).select_from(SellerOrder)
                                  .where(SellerOrder.status == SellerOrderStatus.CANCELLED))
    assert cancelled == 40
    # 40 placed and cancelled (back), 40 placed and kept.
    assert (fresh(honey_id).stock, fresh(tea_id).stock) == (1_000 - 40, 1_000 - 40)
    assert_index_agrees(busy_app, honey_id, tea_id)


def test_expire_run_by_several_machines_at_once_expires_each_order_once(busy_app, shop):
    """`flask orders expire` from cron on several machines: each order expires once, its
    stock comes back once."""
    from datetime import timedelta

    from sqlalchemy import update

    from market.core.clock import utcnow

    honey = make_product(shop.owner, name="Mật ong hoa nhãn", price_vnd=150_000, stock=40)
    overdue = [place((honey, 2), payment_method="bank_transfer").id for _ in range(12)]
    db.session.execute(update(Order).values(payment_expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    assert fresh(honey.id).stock == 16
    machines = 6
    start = threading.Barrier(machines, timeout=BARRIER_TIMEOUT)
    expired, errors = [], []

    def machine():
        with busy_app.app_context():
            try:
                start.wait()
                expired.append(services.expire_overdue())
            except BaseException as error:  # noqa: BLE001
                start.abort()
                errors.append(f"{type(error).__name__}: {error}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=machine) for _ in range(machines)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert errors == []
    assert sum(expired) == len(overdue)
    db.session.expire_all()
    assert fresh(honey.id).stock == 40
    statuses = db.session.scalars(select(Order.payment_status).where(Order.id.in_(overdue))).all()
    assert set(statuses) == {"expired"}
