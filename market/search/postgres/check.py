"""What the PostgreSQL engine holds of each product, read back for `search verify` (verify.py).

An entry is a dict {field: value} of the product's `product_search` row, plus whether its
`product_search_match` row (the narrow copy that searches actually read, kept by triggers)
agrees with it. `expected(docs)` gives the same form for database documents (through the
engine's own `document_row`; the database puts the tsvectors in their canonical form), so
the two compare with `==`.

Read inside one REPEATABLE READ transaction together with the products (verify.py): this
engine writes in the product's own transaction, so one snapshot sees both sides as of the
same commit and a difference is never a write still on its way.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from market.extensions import db
from market.search.backend import ProductDocument
from market.search.postgres.derived import COMBINATION, MATCH_COLUMNS, MATCH_FROM_SEARCH, combination_of, to_match
from market.search.postgres.text import document_row
from market.search.postgres.writer import LOCK_KEY, WRITE_LOCK_TIMEOUT

# product_search columns -> labels in reports (search_vector is compared as a set of
# "lexeme:positions" items, so a report names the words that differ).
LABELS = {
    "name": "name",
    "description": "description",
    "name_folded": "name words",
    "search_vector": "search words",
    "category_ids": "categories",
    "program_ids": "programs",
    "province_code": "province",
    "ocop_stars": "ocop stars",
    "price_vnd": "price",
    "in_stock": "in stock",
    "listed_at": "listed at",
}
MATCH_LABEL = "match row"
MATCH_OK = "as product_search"
# The match row as the triggers derive it from the product_search row s (its combination c).
_MATCH_AGREES = (
    f"({', '.join(f'm.{column}' for column in MATCH_COLUMNS)}) IS NOT DISTINCT FROM"
    f" ({', '.join(MATCH_FROM_SEARCH)})"
)


class PostgresSnapshot:
    """The engine's tables as `connection`'s transaction sees them."""

    duplicates: set[int] = frozenset()  # a primary key: never two rows of one product

    def __init__(self, connection):
        self.connection = connection

    def __enter__(self) -> PostgresSnapshot:
        return self

    def __exit__(self, *exc) -> None:
        pass

    def ids_between(self, low: int, high: int | None) -> list[int]:
        """Product ids with a product_search or product_search_match row, low < id <= high."""
        bound = "" if high is None else " AND product_id <= :high"
        statement = sql(
            f"SELECT product_id FROM product_search WHERE product_id > :low{bound}"
            f" UNION SELECT product_id FROM product_search_match WHERE product_id > :low{bound}"
            " ORDER BY 1")
        return list(self.connection.execute(statement, {"low": low, "high": high}).scalars())

    def expected(self, docs: list[ProductDocument]) -> dict[int, dict[str, object]]:
        rows = [document_row(doc) for doc in docs]
        if not rows:
            return {}
        canonical = dict(self.connection.execute(
            sql("SELECT n, CAST(v AS tsvector)::text FROM unnest(CAST(:vectors AS text[])) WITH ORDINALITY AS t(v, n)"),
            {"vectors": [row["search_vector"] for row in rows]}).all())
        expected = {}
        for number, row in enumerate(rows, start=1):
            entry = {label: row[column] for column, label in LABELS.items()}
            entry[LABELS["search_vector"]] = _items(canonical[number])
            entry[MATCH_LABEL] = MATCH_OK
            expected[row["product_id"]] = entry
        return expected

    def entries(self, product_ids) -> dict[int, dict[str, object]]:
        ids = sorted(product_ids)
        if not ids:
            return {}
        columns = ", ".join(f"s.{column}" for column in LABELS if column != "search_vector")
        statement = sql(
            f"SELECT i AS product_id, s.product_id IS NOT NULL AS has_row, {columns},"
            " s.search_vector::text AS search_vector, m.product_id IS NOT NULL AS has_match,"
            f" CASE WHEN m.product_id IS NULL OR s.product_id IS NULL THEN false ELSE {_MATCH_AGREES} END AS agrees"
            " FROM unnest(CAST(:ids AS integer[])) AS i"
            " LEFT JOIN product_search s ON s.product_id = i"
            " LEFT JOIN product_search_match m ON m.product_id = i"
            " LEFT JOIN LATERAL (SELECT min(c.id) AS id FROM product_search_combinations c"
            f" WHERE {_same_combination()}) c ON true")
        found = {}
        for row in self.connection.execute(statement, {"ids": ids}).mappings():
            if not row["has_row"] and not row["has_match"]:
                continue
            if not row["has_row"]:  # only the narrow copy: a row the triggers should have removed
                found[row["product_id"]] = {MATCH_LABEL: "without its product_search row"}
                continue
            entry = {label: row[column] for column, label in LABELS.items()}
            entry[LABELS["search_vector"]] = _items(row["search_vector"])
            entry[LABELS["listed_at"]] = row["listed_at"]
            entry[MATCH_LABEL] = MATCH_OK if row["agrees"] else ("missing" if not row["has_match"] else "differs")
            found[row["product_id"]] = entry
        return found


@contextmanager
def reading(backend) -> Iterator[tuple[Session, PostgresSnapshot]]:
    """A session on the products and a snapshot of the index in one REPEATABLE READ,
    read-only transaction: both sides as of the same commit."""
    with db.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")
            with Session(bind=connection) as session:
                yield session, PostgresSnapshot(connection)


def repair(product_ids: list[int]) -> None:
    """Derive these products' match rows again (after their product_search rows were rewritten)."""
    with db.engine.begin() as connection:
        repair_match_rows(connection, product_ids)


def repair_match_rows(connection, product_ids: list[int]) -> None:
    """Derive these products' product_search_match rows again from their product_search
    rows, as the triggers do (and drop those without one); the facet counts follow through
    the match table's own triggers. In the caller's transaction, holding the writers' lock."""
    connection.execute(sql(f"SET LOCAL lock_timeout = '{WRITE_LOCK_TIMEOUT}'"))
    connection.execute(sql("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": LOCK_KEY})
    params = {"ids": sorted(product_ids)}
    for statement in to_match("(SELECT * FROM product_search WHERE product_id = ANY(:ids))"):
        connection.execute(sql(statement), params)
    connection.execute(sql(
        "DELETE FROM product_search_match m WHERE m.product_id = ANY(:ids) AND NOT EXISTS"
        " (SELECT 1 FROM product_search s WHERE s.product_id = m.product_id)"), params)


def _same_combination() -> str:
    """The lowest-numbered combination of the row s's facet values (the one the triggers use)."""
    return " AND ".join(f"c.{name} = {expr}" for name, expr in zip(COMBINATION, combination_of("s")))


def _items(vector_text: str | None) -> frozenset[str]:
    """A tsvector's text as a set of "'lexeme':positions" items (our lexemes have no spaces)."""
    return frozenset((vector_text or "").split()) if vector_text else frozenset()
