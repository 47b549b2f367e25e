"""Writing the index: in the product's transaction, on its own, and the rebuild.

Writers (apply_in_transaction, update) take a shared transaction-level advisory lock; a
rebuild takes it exclusively, so writes and a rebuild never interleave. Two transactions
that change different rows behind one product's document (one renames the seller, the
other changes the price) would each read the product without the other's change, and the
later writer would leave its stale row for good; so before reading, a transaction locks its
products (`lock_products`: transaction-level advisory locks on PRODUCT_LOCK_BUCKETS buckets
of product ids, taken in order) and reads only once any other transaction writing them has
committed.

A product change that finds a rebuild running does not wait for it (waiting could deadlock
with the rebuild on the product's row): it queues its ids in `search_queue` (same
transaction), and the rebuild, the next write or `flask search drain` picks them up. The
rebuild loads every document into a temporary table (COPY), then changes the index in one
transaction with a few set-based statements (upsert what differs, delete what was not
given; never TRUNCATE, which locks readers out and is not MVCC-safe), so readers see the old
rows until the new ones are committed.
"""
from collections.abc import Iterable

from sqlalchemy import text as sql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from market.extensions import db
from market.search.backend import ProductDocument, ProgressCallback
from market.search.documents import documents_for
from market.search.postgres.derived import recompute_derived
from market.search.postgres.query import require_postgres
from market.search.postgres.text import document_row

BATCH_SIZE = 500
QUEUE_DRAIN_LIMIT = 500
# The advisory lock writers share and a rebuild holds alone ("search" + 1).
LOCK_KEY = 0x7365_6172_6368_0001
WRITE_LOCK_TIMEOUT = "5s"
# Per-product locks (lock_products): the two-key advisory locks (PRODUCT_LOCK_CLASS, bucket),
# a bucket being product id modulo PRODUCT_LOCK_BUCKETS, so a transaction changing thousands
# of products (a seller renamed) takes at most that many locks (the lock table is shared and
# small); products of one bucket share it, for the moment a commit takes.
PRODUCT_LOCK_CLASS = 0x7365_6172  # "sear"
PRODUCT_LOCK_BUCKETS = 256
REBUILD_LOCK_TIMEOUT = "60s"


GIN_INDEXES = ("ix_product_search_match_terms", "ix_product_search_match_name_vector", "ix_product_search_words_trgm")


def apply_in_transaction(session, documents: list[ProductDocument], removed_ids: list[int]) -> None:
    """Write inside the caller's transaction (no commit): the index row commits or rolls
    back with the product. Also writes what waits in `search_queue`."""
    connection = session.connection()
    require_postgres(connection)
    ids = {doc.id for doc in documents} | set(removed_ids)
    if not connection.execute(sql("SELECT pg_try_advisory_xact_lock_shared(:key)"), {"key": LOCK_KEY}).scalar():
        # A rebuild runs: never wait for it (see the module docstring); it or the next
        # write picks these up.
        enqueue(connection, ids)
        return
    queued = take_queue(connection) - ids
    queued = _lock_or_requeue(connection, queued)
    if queued:
        more_documents, more_removed = documents_for(session, queued)
        documents, removed_ids = [*documents, *more_documents], [*removed_ids, *more_removed]
    write(connection, documents, removed_ids)


def lock_products(session, product_ids: set[int]) -> None:
    """Wait until no other transaction is writing these products, and keep them until
    the commit (call before reading their documents). Buckets are taken in order, and a
    transaction takes them only after its own changes are flushed and before it writes
    any index row, so two of them never wait for each other in a circle."""
    buckets = buckets_of(product_ids)
    if buckets:
        session.execute(sql("SELECT pg_advisory_xact_lock(:class, b) FROM unnest(CAST(:buckets AS integer[])) AS b"),
                        {"class": PRODUCT_LOCK_CLASS, "buckets": buckets}).all()


def update(documents: list[ProductDocument], removed_ids: list[int]) -> None:
    """Add or replace `documents` and remove `removed_ids`, in a transaction of its own
    (the interface's plain write; the app writes through apply_in_transaction, drains and
    repairs through sync.write_to_index, which locks and reads in the same transaction)."""
    documents = list(documents)
    removed_ids = list(removed_ids)
    if not documents and not removed_ids:
        return
    with db.engine.connect() as connection, connection.begin():
        require_postgres(connection)
        connection.execute(sql(f"SET LOCAL lock_timeout = '{WRITE_LOCK_TIMEOUT}'"))
        connection.execute(sql("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": LOCK_KEY})
        write(connection, documents, removed_ids, only_existing=True)


def rebuild(batches: Iterable[list[ProductDocument]], progress: ProgressCallback | None = None) -> int:
    """Make the index hold exactly `batches`, in one transaction: readers see the old rows
    until the commit (MVCC), then the new ones. `progress(n)` is told the size of each
    batch. Returns the number of documents given.

    The documents are copied (COPY) into a temporary table as they come; then one
    statement upserts the rows that differ (of products that still exist) and one
    deletes the rows of products not given, rather than DELETE-then-INSERT or TRUNCATE:
    TRUNCATE would lock readers out and is not MVCC-safe, and rewriting unchanged rows
    would only bloat the tables. The derived tables follow through their triggers and
    are then recomputed from `product_search` (a repair, should they ever drift)."""
    count = 0
    with db.engine.connect() as connection:
        require_postgres(connection)
        with connection.begin():
            connection.execute(sql(f"SET LOCAL lock_timeout = '{REBUILD_LOCK_TIMEOUT}'"))
            connection.execute(sql("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
            connection.execute(sql(
                "CREATE TEMPORARY TABLE product_search_new (LIKE product_search, seq integer NOT NULL)"
                " ON COMMIT DROP"))
            copy_sql = f"COPY product_search_new ({', '.join(COLUMNS)}, seq) FROM STDIN"
            with connection.connection.driver_connection.cursor() as cursor:
                for batch in batches:
                    batch = list(batch)
                    with cursor.copy(copy_sql) as copy:
                        for doc in batch:
                            row = document_row(doc)
                            copy.write_row([*(row[c] for c in COLUMNS), count])
                            count += 1
                    if progress:
                        progress(len(batch))
            connection.execute(sql("ANALYZE product_search_new"))
            connection.execute(sql(
                "DELETE FROM product_search ps WHERE NOT EXISTS"
                " (SELECT 1 FROM product_search_new n WHERE n.product_id = ps.product_id)"))
            upsert = sql(
                f"INSERT INTO product_search AS ps ({', '.join(COLUMNS)})"
                f" SELECT DISTINCT ON (n.product_id) {', '.join(f'n.{c}' for c in COLUMNS)}"
                " FROM product_search_new n WHERE EXISTS (SELECT 1 FROM products p WHERE p.id = n.product_id)"
                f" ORDER BY n.product_id, n.seq DESC {ON_CONFLICT}")
            try:
                with connection.begin_nested():
                    connection.execute(upsert)
            except IntegrityError:  # a product deleted meanwhile: once more, without it
                connection.execute(upsert)
            recompute_derived(connection)
            # Fresh statistics now, not when autovacuum comes by: with none, the planner
            # takes a common word for a rare one and scans the wrong index.
            connection.execute(sql("ANALYZE product_search_match, product_search_combinations,"
                                   " product_search_counts, product_search_words"))
            # Merge what the GIN indexes hold in their pending lists (fast update), which every
            # query would otherwise read through.
            connection.execute(sql("SELECT gin_clean_pending_list(CAST(i AS regclass))"
                                   " FROM unnest(CAST(:indexes AS text[])) AS i"), {"indexes": list(GIN_INDEXES)})
            # Changes committed while the rebuild ran were queued: write them from the database.
            drain(connection)
        # Those queued in the last moments (committed after the drain above).
        with connection.begin():
            connection.execute(sql("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": LOCK_KEY})
            drain(connection)
    return count


def drain(connection) -> int:
    """Write the products waiting in `search_queue` (call holding the advisory lock)."""
    queued = take_queue(connection, limit=None)
    if queued:
        with Session(bind=connection) as session:
            documents, removed = documents_for(session, queued)
        write(connection, documents, removed, only_existing=True)
    return len(queued)


def write(connection, documents: list[ProductDocument], removed_ids: list[int], only_existing: bool = False) -> None:
    """Upsert `documents` and delete `removed_ids` (the last document of an id wins).

    `only_existing`: for documents read in another transaction (rebuild, update), whose
    product may have been deleted since; those are skipped instead of failing the foreign
    key (and a deletion racing with the insert is retried once, from a savepoint)."""
    latest = {int(doc.id): doc for doc in documents}
    removed = sorted({int(i) for i in removed_ids} - set(latest))
    if removed:
        connection.execute(sql("DELETE FROM product_search WHERE product_id = ANY(:ids)"), {"ids": removed})
    ids = sorted(latest)
    for start in range(0, len(ids), BATCH_SIZE):
        chunk = [latest[i] for i in ids[start:start + BATCH_SIZE]]
        if not only_existing:
            _upsert(connection, chunk)
            continue
        try:
            with connection.begin_nested():
                _upsert(connection, _existing(connection, chunk))
        except IntegrityError:
            _upsert(connection, _existing(connection, chunk))


def _existing(connection, documents: list[ProductDocument]) -> list[ProductDocument]:
    ids = sorted({doc.id for doc in documents})
    existing = set(connection.execute(sql("SELECT id FROM products WHERE id = ANY(:ids)"), {"ids": ids}).scalars())
    return [doc for doc in documents if doc.id in existing]


COLUMNS = ("product_id", "name", "description", "name_folded", "search_vector", "category_ids", "program_ids",
            "province_code", "ocop_stars", "price_vnd", "in_stock", "listed_at")
_CASTS = {"search_vector": "tsvector", "category_ids": "integer[]", "program_ids": "integer[]"}
# An unchanged row is left alone: no new row version, and the triggers have nothing to do.
ON_CONFLICT = (
    "ON CONFLICT (product_id) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS if c != "product_id")
    + f" WHERE ({', '.join(f'ps.{c}' for c in COLUMNS if c != 'product_id')}) IS DISTINCT FROM"
    + f" ({', '.join(f'EXCLUDED.{c}' for c in COLUMNS if c != 'product_id')})"
)


def _upsert(connection, documents: list[ProductDocument]) -> None:
    """One statement for all the rows (so the triggers run once)."""
    if not documents:
        return
    values, params = [], {}
    for i, row in enumerate(document_row(doc) for doc in documents):
        values.append("(" + ", ".join(f"CAST(:{c}_{i} AS {_CASTS[c]})" if c in _CASTS else f":{c}_{i}"
                                      for c in COLUMNS) + ")")
        params.update({f"{c}_{i}": row[c] for c in COLUMNS})
    connection.execute(sql(f"INSERT INTO product_search AS ps ({', '.join(COLUMNS)}) VALUES {', '.join(values)}"
                           f" {ON_CONFLICT}"), params)


def enqueue(connection, product_ids: set[int]) -> None:
    if not product_ids:
        return
    connection.execute(
        sql(
            "INSERT INTO search_queue (product_id, queued_at, attempts)"
            " SELECT i, now(), 0 FROM unnest(CAST(:ids AS integer[])) AS i"
            " ON CONFLICT (product_id) DO UPDATE SET queued_at = EXCLUDED.queued_at"
        ),
        {"ids": sorted(int(i) for i in product_ids)},
    )


def buckets_of(product_ids) -> list[int]:
    return sorted({int(i) % PRODUCT_LOCK_BUCKETS for i in product_ids})


def _lock_or_requeue(connection, product_ids: set[int]) -> set[int]:
    """Of queued products taken along by a write, those whose locks this transaction gets
    at once (blocking here, after other locks, could deadlock); the others go back to the queue."""
    if not product_ids:
        return set()
    got = {bucket for bucket, locked in connection.execute(
        sql("SELECT b, pg_try_advisory_xact_lock(:class, b) FROM unnest(CAST(:buckets AS integer[])) AS b"),
        {"class": PRODUCT_LOCK_CLASS, "buckets": buckets_of(product_ids)}) if locked}
    kept = {i for i in product_ids if i % PRODUCT_LOCK_BUCKETS in got}
    enqueue(connection, product_ids - kept)
    return kept


def take_queue(connection, limit: int | None = QUEUE_DRAIN_LIMIT) -> set[int]:
    """Remove queued ids (those no other transaction is taking) and return them."""
    limit_sql = "" if limit is None else f" LIMIT {int(limit)}"
    statement = sql(
        "DELETE FROM search_queue WHERE product_id IN (SELECT product_id FROM search_queue"
        f" ORDER BY product_id{limit_sql} FOR UPDATE SKIP LOCKED) RETURNING product_id"
    )
    return set(connection.execute(statement).scalars())
