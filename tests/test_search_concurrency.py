"""Index writes from several workers at once: the index ends equal to the database.

Whoosh is written after the commit, in a session of its own, by whichever worker made the
change. A write must read the documents it writes only once it holds the index, or a worker
that read a product before another worker wrote a newer version of it puts the old one back
(for good: nothing is queued, nothing logged). PostgreSQL writes in the product's own
transaction, but two transactions changing different rows behind one product (the seller's
name, the product's price) must still read one after the other.
"""
import logging
import multiprocessing
import threading

import pytest
from sqlalchemy import select

from market.accounts.models import User
from market.catalog import services as catalog
from market.extensions import db
from market.search import services, sync
from market.search.backend import SearchRequest, get_backend
from market.search.models import SearchQueueEntry
from tests.builders import fresh, make_product


@pytest.fixture
def whoosh(app):
    """The Whoosh engine, with a short lock timeout (a busy index answers quickly)."""
    app.config.update(SEARCH_BACKEND="whoosh", SEARCH_LOCK_TIMEOUT=0.3)
    app.extensions.pop("search_backend", None)
    yield get_backend()
    app.extensions.pop("search_backend", None)


def priced(band: str) -> list[int]:
    """Ids of the products the index files under a price band (what a shopper's filter sees)."""
    result, _products = services.search_products(SearchRequest(price_band=band, per_page=100))
    return [hit.product_id for hit in result.hits]


def queued_ids() -> set[int]:
    db.session.expire_all()
    return set(db.session.scalars(select(SearchQueueEntry.product_id)))


def set_price(owner_id: int, product_id: int, price: int) -> None:
    """A price edit through the seller's quick edit, as a worker serving a request makes it."""
    owner = db.session.get(User, owner_id)
    product = fresh(product_id)
    catalog.set_stock_and_price(owner, product_id, product.stock, price, seen_stock=product.stock)


def test_a_document_read_before_a_newer_write_never_lands_after_it(app, shop, whoosh, monkeypatch):
    """Worker A commits price 500.000 and reads its document; worker B then commits 50.000
    and writes; A's write comes last. The index must end at 50.000 (at the latest once the
    queue is drained), never at A's 500.000."""
    product = make_product(shop.owner, price_vnd=150_000)
    owner_id, product_id = shop.owner.id, product.id
    real_documents_for = sync.documents_for
    other_worker_ran = threading.Event()

    def other_worker() -> None:
        with app.app_context():
            set_price(owner_id, product_id, 50_000)
            db.session.remove()

    def documents_then_another_worker_writes(session, ids):
        documents = real_documents_for(session, ids)
        if product_id in ids and not other_worker_ran.is_set():
            other_worker_ran.set()
            worker = threading.Thread(target=other_worker)
            worker.start()
            worker.join()
        return documents

    monkeypatch.setattr(sync, "documents_for", documents_then_another_worker_writes)
    set_price(owner_id, product_id, 500_000)
    assert other_worker_ran.is_set()
    sync.drain_queue()  # whatever a busy index left waiting
    assert fresh(product_id).price_vnd == 50_000
    assert priced("0-100000") == [product_id]
    assert priced("300000-1000000") == []
    assert queued_ids() == set()


def test_a_worker_that_dies_after_its_commit_leaves_its_products_queued(app, shop, whoosh, monkeypatch):
    """The ids are queued in the product's own transaction: if nothing runs after the
    commit (the worker was killed), they wait in the queue, and verify says so."""
    from market.search.verify import verify_index

    product = make_product(shop.owner, price_vnd=150_000)

    def killed(*_args, **_kwargs):
        return None

    monkeypatch.setattr(sync, "_write", killed, raising=False)
    monkeypatch.setattr(sync, "write_to_index", killed)  # (before the fix the hook called this)
    set_price(shop.owner.id, product.id, 50_000)
    monkeypatch.undo()
    assert queued_ids() == {product.id}
    (mismatch,) = verify_index(grace=0)
    assert mismatch.product_id == product.id and mismatch.queued
    assert sync.drain_queue() == 1
    assert priced("0-100000") == [product.id]
    assert verify_index(grace=0) == []


def test_a_write_that_finds_the_index_busy_is_queued_and_logged(app, shop, whoosh, caplog):
    product = make_product(shop.owner, price_vnd=150_000)
    with whoosh.writing(), caplog.at_level(logging.WARNING):  # another worker holds the index
        set_price(shop.owner.id, product.id, 50_000)
    assert queued_ids() == {product.id}
    (record,) = [r for r in caplog.records if "search index write failed" in r.getMessage()]
    assert str(product.id) in record.getMessage() and "busy" in record.getMessage()
    assert not record.exc_info  # a busy index is expected: no traceback
    make_product(shop.owner, name="Sáp ong")  # the next write takes it along
    assert queued_ids() == set()
    assert priced("0-100000") == [product.id]


# -- several processes at once ----------------------------------------------------------------------

WORKERS = 3
EDITS_PER_WORKER = 25


def _edit_prices(settings: dict, owner_id: int, product_ids: list[int], seed: int, ready, results) -> None:
    """A worker process (spawned: nothing shared with the test but the database and the
    index folder): price edits of the same few products, as fast as it can."""
    import random

    from sqlalchemy.exc import OperationalError

    from market.core.domain import DomainError
    from tests.conftest import make_app

    app = make_app(settings.pop("database_url"), settings.pop("instance_path"), **settings)
    edits = 0
    with app.app_context():
        rng = random.Random(seed)
        ready.wait()  # every worker starts at once
        for _ in range(EDITS_PER_WORKER):
            try:
                set_price(owner_id, rng.choice(product_ids), rng.randrange(10_000, 2_000_000, 1_000))
                edits += 1
            except (DomainError, OperationalError):  # the database was busy: as a request would, give up
                db.session.rollback()
        db.session.remove()
        db.engine.dispose()
    results.put(edits)


def test_processes_editing_the_same_products_leave_no_drift(app, shop, whoosh):
    """Several worker processes edit the prices of the same three products at once against
    one index; afterwards every difference between index and database is queued (a write
    that found the index busy), and once the queue is drained there is none."""
    from market.search.verify import verify_index

    products = [make_product(shop.owner, name=f"Mật ong số {n}", price_vnd=100_000) for n in range(3)]
    context = multiprocessing.get_context("spawn")
    ready, results = context.Barrier(WORKERS), context.Queue()
    settings = {
        "database_url": app.config["SQLALCHEMY_DATABASE_URI"],
        "instance_path": app.instance_path,
        "SEARCH_BACKEND": "whoosh",
        "SEARCH_INDEX_PATH": app.config["SEARCH_INDEX_PATH"],
        "SEARCH_LOCK_TIMEOUT": 0.3,
        "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"],
    }
    workers = [
        context.Process(target=_edit_prices, args=(dict(settings), shop.owner.id, [p.id for p in products], n,
                                                  ready, results))
        for n in range(WORKERS)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=240)
        assert worker.exitcode == 0
    edits = [results.get(timeout=5) for _ in workers]
    assert sum(edits) >= WORKERS * EDITS_PER_WORKER // 2  # they did run at the same time

    left = verify_index(grace=0)
    assert all(mismatch.queued for mismatch in left), [str(m) for m in left]
    sync.drain_queue()
    assert verify_index(grace=0) == []
    assert queued_ids() == set()


# -- PostgreSQL: two transactions changing different rows behind one product ----------------------


@pytest.fixture
def postgres(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the PostgreSQL engine needs the tests to run on PostgreSQL")
    app.config["SEARCH_BACKEND"] = "postgres"
    app.extensions.pop("search_backend", None)
    yield get_backend()
    app.extensions.pop("search_backend", None)


def test_postgres_two_transactions_behind_one_product_leave_no_drift(app, shop, postgres, monkeypatch):
    """Transaction A renames the seller and reads the seller's products (before its commit);
    transaction B then changes one product's price and commits. Each wrote the product's
    index row from a read without the other's change: the last to write must not win with
    a stale one."""
    from market.search.verify import verify_index
    from market.sellers.models import Seller

    product = make_product(shop.owner, price_vnd=150_000)
    owner_id, product_id, seller_id = shop.owner.id, product.id, shop.seller.id
    real_documents_for = sync.documents_for
    other = {}

    def other_transaction() -> None:
        with app.app_context():
            set_price(owner_id, product_id, 50_000)
            db.session.remove()

    def documents_then_another_transaction_commits(session, ids):
        documents = real_documents_for(session, ids)
        if product_id in ids and "worker" not in other:
            other["worker"] = threading.Thread(target=other_transaction)
            other["worker"].start()
            other["worker"].join(timeout=3)  # it may have to wait for this transaction
        return documents

    monkeypatch.setattr(sync, "documents_for", documents_then_another_transaction_commits)
    seller = db.session.get(Seller, seller_id)
    seller.name = "HTX Mật ong Văn Giang"
    db.session.commit()
    other["worker"].join(timeout=30)
    monkeypatch.undo()
    assert fresh(product_id).price_vnd == 50_000
    assert verify_index() == []
    assert priced("0-100000") == [product_id]
