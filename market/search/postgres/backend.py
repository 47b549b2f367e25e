"""The PostgreSQL search engine (SEARCH_BACKEND=postgres), for several web machines.

The index is the `product_search` table (pg_models.py): one row per visible product,
written by `apply_in_transaction` inside the very transaction that changes the product,
its seller, its photos or its programs (market/search/sync.py calls it before the
commit). A rolled back change therefore never reaches the index, a committed one is
searchable at once from every machine, and there is no index folder to share. Triggers
(migration 0008_search_speed) derive four more tables from it in the same transaction
(derived.py).

Read the package top to bottom:

- text.py: what a product's row holds (its words, folded by market.search.matching, as a
  tsvector) and the tsquery text of query words;
- query.py: a request as SQL (filters, exact and loose text conditions, orders, planner);
- facets.py: the facet counts and the total;
- spelling.py: typos (loose matching) and "did you mean", by market.search.matching's rules;
- search.py: a search and the as-you-type names;
- derived.py: the tables the triggers derive;
- writer.py: writing in the product's transaction, on its own, and the rebuild (locks,
  the queue);
- check.py: the rows read back for `search verify`.

Queries. Every word must match, in any text (`terms`, through its GIN index). With fewer
than FEW_HITS exact hits the query is loosened, word by word: a word may also match a name
word that is a typo of it (matching.is_typo_of), and the last word a name word it starts.

Ranking ("relevance"). Products with every word in the name come first (score 1 and more:
+0.5 when the name starts with the words, +0.25 when it holds them side by side in order),
then products that have some word only in another text, by ts_rank_cd over the whole
tsvector (below 1); ties newest first. The first group is ranked from the narrow table
alone, so a broad query ranks only what it shows; the second, which reads the wide rows,
only when a page reaches past the first. Loose queries rank by how well each word matched a
name word (exact 1, a typo its trigram similarity, a prefix 0.5). Highlights are computed
in Python from the stored text (no ts_headline HTML).
"""
from collections.abc import Iterable

from sqlalchemy import text as sql

from market.extensions import db
from market.search.backend import ProductDocument, ProgressCallback, SearchBackend, SearchRequest, SearchResult
from market.search.pg_models import ProductSearch  # noqa: F401  (the table this engine writes)
from market.search.postgres import search as reading
from market.search.postgres import writer
from market.search.postgres.facets import price_bands_agree


class PostgresBackend(SearchBackend):
    """Full-text search in the `product_search` tables of the app's PostgreSQL database."""

    transactional = True

    def __init__(self) -> None:
        self._bands_agree: bool | None = None  # product_search_price_band agrees with PRICE_BANDS

    def apply_in_transaction(self, session, documents: list[ProductDocument], removed_ids: list[int]) -> None:
        """Write inside the caller's transaction (no commit): see writer.apply_in_transaction."""
        writer.apply_in_transaction(session, documents, removed_ids)

    def lock_products(self, session, product_ids: set[int]) -> None:
        """Wait until no other transaction is writing these products: see writer.lock_products."""
        writer.lock_products(session, product_ids)

    def update(self, documents: list[ProductDocument], removed_ids: list[int]) -> None:
        """Add or replace `documents` and remove `removed_ids`, in a transaction of its own."""
        writer.update(documents, removed_ids)

    def rebuild(self, batches: Iterable[list[ProductDocument]], progress: ProgressCallback | None = None) -> int:
        """Make the index hold exactly `batches`, in one transaction: see writer.rebuild."""
        return writer.rebuild(batches, progress)

    def search(self, request: SearchRequest) -> SearchResult:
        return reading.search(request, self._price_bands_agree)

    def suggest(self, text: str, limit: int = 8) -> list[str]:
        return reading.suggest(text, limit)

    def doc_count(self) -> int:
        """Rows in the index (for status commands and tests)."""
        return int(db.session.execute(sql("SELECT count(*) FROM product_search")).scalar() or 0)

    def _price_bands_agree(self, connection) -> bool:
        """facets.price_bands_agree, asked once per process."""
        if self._bands_agree is None:
            self._bands_agree = price_bands_agree(connection)
        return self._bands_agree
