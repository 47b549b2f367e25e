"""`flask search verify` and `verify_index()`: every index entry against the database, on
both engines (Whoosh always; PostgreSQL when the tests run on PostgreSQL).

Drift is made by hand, the ways it happens for real: a change that bypasses the session
hooks (a raw SQL UPDATE), an old document written over a newer one, an entry deleted or
left behind."""
import dataclasses
import os
import time

import pytest
from sqlalchemy import func, select, text, update
from whoosh import index as windex
from whoosh.util.filelock import FileLock

from market.catalog import services as catalog
from market.catalog.models import Product
from market.extensions import db
from market.search import services, verify
from market.search.backend import SearchRequest, get_backend
from market.search.documents import documents_for
from market.search.models import SearchQueueEntry
from market.search.verify import DIFFERENT, DUPLICATE, EXTRA, MISSING, Difference, Mismatch, verify_index
from market.search.whoosh.analysis import document_fields
from market.search.whoosh.internals import FreshSegmentCodec
from market.sellers.models import Seller
from tests.builders import make_product


@pytest.fixture(params=["whoosh", "postgres"])
def engine(request, app):
    if request.param == "postgres" and db.engine.dialect.name != "postgresql":
        pytest.skip("the PostgreSQL engine needs the tests to run on PostgreSQL")
    app.config.update(SEARCH_BACKEND=request.param, SEARCH_LOCK_TIMEOUT=0.2)
    app.extensions.pop("search_backend", None)
    yield request.param
    app.extensions.pop("search_backend", None)


@pytest.fixture
def catalogue(engine, shop, rival):
    """Five products of two sellers, as the services list them (one sold out, one hidden)."""
    products = [
        make_product(shop.owner, name="Mật ong hoa nhãn", price_vnd=180_000, description="Hũ 500 ml"),
        make_product(shop.owner, name="Mật ong rừng U Minh", price_vnd=250_000, stock=0),
        make_product(shop.owner, name="Phấn hoa", price_vnd=90_000),
        make_product(rival.owner, name="Chè Tân Cương", category="tra", price_vnd=120_000),
        make_product(rival.owner, name="Chè búp khô", category="tra", price_vnd=150_000),
    ]
    catalog.change_product_status(rival.owner, products[4].id, "hide")
    return products


def check(**kwargs) -> list[Mismatch]:
    return verify_index(grace=0, **kwargs)


def raw(statement, **params) -> None:
    """A change that bypasses the session hooks (and so the index), as a hand-made fix would."""
    with db.engine.begin() as connection:
        connection.execute(statement if not isinstance(statement, str) else text(statement), params)


def priced(band: str) -> list[int]:
    result, _products = services.search_products(SearchRequest(price_band=band, per_page=100))
    return [hit.product_id for hit in result.hits]


def verify_cli(runner, *args):
    return runner.invoke(args=["search", "verify", "--grace", "0", *args])


# -- in step --------------------------------------------------------------------------------------


def test_an_index_in_step_with_the_database_verifies_clean(catalogue, runner):
    assert check() == []
    result = verify_cli(runner)
    assert result.exit_code == 0, result.output
    assert "agrees with the database" in result.output


def test_a_rebuilt_index_verifies_clean(catalogue, runner):
    assert runner.invoke(args=["search", "reindex"]).exit_code == 0
    assert check() == []


def test_an_empty_catalogue_and_index_verify_clean(engine):
    assert check() == []


# -- drift found, reported, repaired ------------------------------------------------------------


def test_a_price_changed_behind_the_index_is_found_then_repaired(catalogue, runner):
    product = catalogue[0]
    raw(update(Product).where(Product.id == product.id).values(price_vnd=60_000))

    assert check() == [Mismatch(product.id, DIFFERENT, (Difference("price", 180_000, 60_000),))]
    result = verify_cli(runner)
    assert result.exit_code == 1
    assert f"MISMATCH product {product.id}: price: index 180000, database 60000" in result.stderr
    assert "--repair" in result.stderr
    assert product.id not in priced("0-100000")  # read-only: nothing was rewritten

    result = verify_cli(runner, "--repair")
    assert result.exit_code == 1  # drift was found (and repaired)
    assert f"MISMATCH product {product.id}: price" in result.stderr
    assert "now agree" in result.stderr
    assert product.id in priced("0-100000")
    result = verify_cli(runner)
    assert result.exit_code == 0, result.output


def test_name_stock_seller_and_listing_drift_each_named(catalogue, engine):
    honey, forest, pollen, tea, _hidden = catalogue
    raw(update(Product).where(Product.id == honey.id).values(name="Mật ong bạc hà"))
    raw(update(Product).where(Product.id == pollen.id).values(stock=0))
    raw(update(Seller).where(Seller.id == tea.seller_id).values(name="HTX Chè Thái Nguyên"))
    mismatches = {m.product_id: m for m in check()}
    assert set(mismatches) == {honey.id, pollen.id, tea.id}
    assert all(m.problem == DIFFERENT for m in mismatches.values())

    def fields(product):
        return {d.field for d in mismatches[product.id].differences}

    assert "name" in fields(honey)
    assert fields(pollen) == {"in stock"}
    seller_field = "seller words" if engine == "whoosh" else "search words"
    assert seller_field in fields(tea)
    seller = next(d for d in mismatches[tea.id].differences if d.field == seller_field)
    assert "missing" in str(seller) and "thai" in str(seller) and "extra" in str(seller) and "tan" in str(seller)
    verify_index(repair=True, grace=0)
    assert check() == []


def test_entries_that_should_not_be_there_and_missing_ones(catalogue, engine):
    honey, forest, pollen, tea, hidden = catalogue
    backend = get_backend()
    raw(update(Product).where(Product.id == honey.id).values(status="hidden"))  # still in the index
    documents, _removed = documents_for(db.session, {hidden.id})
    assert documents == []  # hidden: not listed...
    visible, _ = documents_for(db.session, {forest.id})
    backend.update([dataclasses.replace(visible[0], id=hidden.id)], [])  # ...but an entry says it is
    backend.update([], [pollen.id])  # a listed product lost its entry
    raw(update(Seller).where(Seller.id == tea.seller_id).values(status="suspended"))
    assert [(m.product_id, m.problem) for m in check()] == sorted(
        [(honey.id, EXTRA), (pollen.id, MISSING), (tea.id, EXTRA), (hidden.id, EXTRA)])
    verify_index(repair=True, grace=0)
    assert check() == []
    assert sorted(priced("0-100000") + priced("100000-300000")) == sorted([forest.id, pollen.id])


@pytest.mark.index_left_out_of_step  # the drift is what the test is about
def test_a_stale_document_written_over_a_newer_one(catalogue):
    """What the lost update left: the newer document landed, then an older one over it."""
    honey = catalogue[0]
    old, _ = documents_for(db.session, {honey.id})
    raw(update(Product).where(Product.id == honey.id).values(name="Mật ong hoa cà phê", price_vnd=210_000))
    db.session.expire_all()
    new, _ = documents_for(db.session, {honey.id})
    get_backend().update(new, [])
    get_backend().update(old, [])
    (mismatch,) = check()
    assert mismatch.product_id == honey.id and mismatch.problem == DIFFERENT
    assert {d.field for d in mismatch.differences} >= {"name", "price"}


def test_drift_past_the_last_batch_and_across_batches(catalogue, shop):
    """Small batches: every kind of drift at the start, middle and end of the id range
    (entries past the last listed product are all extra)."""
    more = [make_product(shop.owner, name=f"Sáp ong {n}", price_vnd=50_000 + n) for n in range(5)]
    last = more[-1]
    raw(update(Product).where(Product.id == catalogue[0].id).values(price_vnd=1_000))
    raw(update(Product).where(Product.id == more[1].id).values(price_vnd=2_000))
    raw(update(Product).where(Product.id.in_([more[3].id, last.id])).values(status="hidden"))
    found = [(m.product_id, m.problem) for m in check(batch_size=2)]
    assert found == [(catalogue[0].id, DIFFERENT), (more[1].id, DIFFERENT), (more[3].id, EXTRA), (last.id, EXTRA)]
    verify_index(repair=True, grace=0, batch_size=2)
    assert check(batch_size=3) == []


# -- a live site ----------------------------------------------------------------------------------


def test_a_write_still_on_its_way_is_not_drift(catalogue, engine, monkeypatch):
    """Whoosh is written after the commit: a difference that the write in flight fixes
    within the grace period is not reported."""
    if engine != "whoosh":
        pytest.skip("PostgreSQL writes in the product's own transaction: nothing is on its way")
    honey = catalogue[0]
    raw(update(Product).where(Product.id == honey.id).values(price_vnd=70_000))  # committed, not yet written
    real_sleep = time.sleep

    def the_write_lands(seconds):
        from market.search import sync

        sync.write_to_index({honey.id})
        real_sleep(0)

    monkeypatch.setattr(verify.time, "sleep", the_write_lands)
    assert verify_index(grace=0.01) == []


@pytest.mark.index_left_out_of_step  # the drift is what the test is about
def test_a_queued_product_is_reported_as_queued(catalogue, engine):
    if engine != "whoosh":
        pytest.skip("Whoosh only: PostgreSQL queues only while a rebuild runs")
    honey = catalogue[0]
    raw(update(Product).where(Product.id == honey.id).values(price_vnd=70_000))
    db.session.add(SearchQueueEntry(product_id=honey.id, attempts=1))  # a write that failed
    db.session.commit()
    (mismatch,) = check()
    assert mismatch.queued and "queued for the next index write" in str(mismatch)


def test_a_repair_that_cannot_write_exits_3_and_leaves_the_products_queued(catalogue, engine, runner):
    if engine != "whoosh":
        pytest.skip("the Whoosh lock")
    honey = catalogue[0]
    raw(update(Product).where(Product.id == honey.id).values(price_vnd=70_000))
    backend = get_backend()
    held = FileLock(os.path.join(backend.path, "WRITELOCK"))
    assert held.acquire(blocking=False)
    try:
        result = verify_cli(runner, "--repair")
    finally:
        held.release()
    assert result.exit_code == 3, result.output
    assert f"NOT REPAIRED product {honey.id}: price" in result.stderr
    assert "queued for the next index write" in result.stderr
    assert db.session.scalar(select(SearchQueueEntry.product_id)) == honey.id
    assert verify_cli(runner, "--repair").exit_code == 1
    assert verify_cli(runner).exit_code == 0


# -- engine specifics -----------------------------------------------------------------------------


def test_whoosh_two_entries_of_one_product(catalogue, engine):
    if engine != "whoosh":
        pytest.skip("a primary key keeps PostgreSQL from it")
    honey = catalogue[0]
    backend = get_backend()
    docs, _ = documents_for(db.session, {honey.id})
    ix = windex.open_dir(os.path.join(backend.path, backend.current_version()), schema=backend.schema)
    writer = ix.writer(codec=FreshSegmentCodec())
    writer.add_document(**document_fields(docs[0]))  # add, not update: a second entry
    writer.commit()
    ix.close()
    assert check() == [Mismatch(honey.id, DUPLICATE)]
    verify_index(repair=True, grace=0)
    assert check() == []
    assert backend.doc_count() == 4


def test_postgres_match_rows_that_searches_read_are_checked_too(catalogue, engine):
    if engine != "postgres":
        pytest.skip("PostgreSQL's narrow match table")
    honey, forest = catalogue[0], catalogue[1]
    raw("ALTER TABLE product_search_match DISABLE TRIGGER USER")
    try:
        raw("UPDATE product_search_match SET price_vnd = 1 WHERE product_id = :id", id=honey.id)
        raw("DELETE FROM product_search_match WHERE product_id = :id", id=forest.id)
    finally:
        raw("ALTER TABLE product_search_match ENABLE TRIGGER USER")
    mismatches = check()
    assert [(m.product_id, m.differences) for m in mismatches] == [
        (honey.id, (Difference("match row", "differs", "as product_search"),)),
        (forest.id, (Difference("match row", "missing", "as product_search"),)),
    ]
    verify_index(repair=True, grace=0)
    assert check() == []
    assert honey.id in priced("100000-300000")


def test_postgres_search_words_and_rows(catalogue, engine):
    if engine != "postgres":
        pytest.skip("PostgreSQL's product_search table")
    honey, forest, pollen = catalogue[:3]
    raw("UPDATE product_search SET search_vector = to_tsvector('simple', 'sai') WHERE product_id = :id", id=honey.id)
    raw("DELETE FROM product_search WHERE product_id = :id", id=forest.id)
    mismatches = {m.product_id: m for m in check()}
    assert mismatches[forest.id].problem == MISSING
    words = next(d for d in mismatches[honey.id].differences if d.field == "search words")
    assert "extra 'sai'" in str(words)
    assert verify_index(repair=True, grace=0)
    assert check() == []
    assert db.session.scalar(select(func.count()).select_from(Product)) == 5
