"""The PostgreSQL search engine (SEARCH_BACKEND=postgres), for several web machines.

The index is the `product_search` table (pg_models.py): one row per visible product,
written by `apply_in_transaction` inside the very transaction that changes the product,
its seller, its photos or its programs (market/search/sync.py calls it before the
commit). A rolled back change therefore never reaches the index, a committed one is
searchable at once from every machine, and there is no index folder to share. Triggers
(migration 0008_search_speed) derive four more tables from it in the same transaction:
`product_search_match` (narrow rows that queries match, count and sort),
`product_search_combinations` (the combinations of facet values, numbered),
`product_search_counts` (products per combination) and `product_search_words` (the words
of the names). See pg_models.py.

Text. Names, descriptions, seller and category names and badges are folded in Python
(market.text.fold: no tones or marks, đ -> d, case-folded) and cut into words exactly as
the Whoosh engine cuts them (letters and digits of any script). The tsvector is built
from those words (name weighted A, the rest weighted B), so PostgreSQL's own parser and
the database locale never decide what a word is, and the query side uses the same words.

Queries. User text never reaches a query parser: it is folded and cut into words, and
each word becomes a quoted tsquery lexeme (`'mat' & 'ong'`) sent as a bound parameter;
quotes, `*`, `?`, `AND OR NOT`, parentheses, `-`, NUL bytes and SQL are only characters,
most of which are not word characters at all. Every word must match, in any text
(`terms`, through its GIN index). With fewer than FEW_HITS exact hits the query is
loosened, word by word: a word of 4+ letters may also match a name word that pg_trgm finds
similar (word similarity >= TYPO_SIMILARITY, looked up among the distinct name words), and
the last word may match a name word as a prefix.

Ranking ("relevance"). Products with every word in the name come first (score 1 and more:
+0.5 when the name starts with the words, +0.25 when it holds them side by side in order),
then products that have some word only in another text, by ts_rank_cd over the whole
tsvector (below 1); ties newest first. The first group is ranked from the narrow table
alone, so a broad query ranks only what it shows; the second, which reads the wide rows,
only when a page reaches past the first. Loose queries rank by how well each word matched a
name word (exact 1, a typo its similarity, a prefix 0.5).

Facets are exact, and the total is counted with them. With text: the matching rows of
`product_search_match` grouped by combination number (one integer), joined to their
combinations and added up by value with GROUP BY GROUPING SETS, in one statement (the id
lists are grouped as lists, of which there are few, and added up per id in Python).
Without text: the same GROUPING SETS over `product_search_counts`, some thousands of rows
whatever the catalog size. The database numbers price bands with
`product_search_price_band`; should it disagree with PRICE_BANDS, the facets are counted
from each matching row's own values instead (slower, still exact). Loose queries read their
facets and their page in one statement. Highlights are computed in Python from the stored
text (no ts_headline HTML). "Did you mean" looks for close name words with pg_trgm (candidates)
and an edit distance (the choice), like the Whoosh engine.

Planning. A search runs in a savepoint that is rolled back (it only reads), with the
planner told not to scan `product_search_match` row by row when an index can answer (see
_plan_for_text) and no JIT; the rollback undoes those settings.

Concurrency. Writers (apply_in_transaction, update) take a shared transaction-level
advisory lock; a rebuild takes it exclusively, so writes and a rebuild never interleave.
Two transactions that change different rows behind one product's document (one renames the
seller, the other changes the price) would each read the product without the other's
change, and the later writer would leave its stale row for good; so before reading, a
transaction locks its products (`lock_products`: transaction-level advisory locks on
PRODUCT_LOCK_BUCKETS buckets of product ids, taken in order) and reads only once any other
transaction writing them has committed.
A product change that finds a rebuild running does not wait for it (waiting could
deadlock with the rebuild on the product's row): it queues its ids in `search_queue`
(same transaction), and the rebuild, the next write or `flask search drain` picks them
up. The rebuild loads every document into a temporary table (COPY), then changes the
index in one transaction with a few set-based statements (upsert what differs, delete
what was not given; never TRUNCATE, which locks readers out and is not MVCC-safe), so
readers see the old rows until the new ones are committed.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import timezone

from sqlalchemy import text as sql
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from market.extensions import db
from market.search.backend import (
    PRICE_BANDS,
    SORTS,
    Hit,
    ProductDocument,
    ProgressCallback,
    SearchBackend,
    SearchRequest,
    SearchResult,
)
from market.search.matching import (
    FEW_HITS,
    FUZZY_MIN_LENGTH,
    MAX_PER_PAGE,
    WORD_RE,
    Matcher,
    bounded_int,
    corrected_queries,
    correction_max_edits,
    corrections,
    has_no_words,
    is_loose,
    is_typo_of,
    max_edits,
    query_text,
    query_words,
    text_words,
    typing_last_word,
    with_accents,
)
from market.search.pg_models import ProductSearch  # noqa: F401  (the table this engine writes)
from market.search.words import snippet
from market.text import fold

log = logging.getLogger(__name__)

MAX_POSITION = 16_383  # PostgreSQL's largest tsvector position
MAX_POSITIONS_PER_WORD = 256  # and the most positions it keeps per lexeme
# pg_trgm word similarity from which a name word is looked at as a typo of a typed word: low
# enough to hold every word within matching.max_edits (two edits in a word of seven letters
# can leave only 2 of its 8 trigrams, a similarity of 1/8), which then decides.
TYPO_CANDIDATE_SIMILARITY = 0.1
CANDIDATE_SIMILARITY = 0.2  # to gather "did you mean" candidates
RANK_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"  # ts_rank_cd weights of D, C, B, A
STARTS_BONUS = 0.5  # the name starts with the query's words
PHRASE_BONUS = 0.25  # the name holds the query's words side by side, in order
PREFIX_SCORE = 0.5  # a loose match of the last word as the prefix of a name word
BATCH_SIZE = 500
QUEUE_DRAIN_LIMIT = 500
MAX_ALTERNATIVES = 8  # typo alternatives of one word (the most similar name words)
FREQUENCY_CAP = 1000  # "did you mean" counts a candidate's names up to this (a tie-break)
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


# -- words ------------------------------------------------------------------------------


def _lexeme(word: str, prefix: bool = False) -> str:
    # Words hold only letters and digits, so quoting cannot be escaped from; still, be strict.
    if not WORD_RE.fullmatch(word):
        raise ValueError(f"not a word: {word!r}")
    return f"'{word}'" + (":*" if prefix else "")


def tsquery_all(words: list[str], prefix_last: bool = False) -> str:
    """`'w1' & 'w2' & 'w3':*` for a bound parameter cast to tsquery."""
    return " & ".join(_lexeme(w, prefix_last and i == len(words) - 1) for i, w in enumerate(words))


def tsquery_phrase(words: list[str]) -> str:
    """`'w1' <-> 'w2'`: the words side by side, in this order."""
    return " <-> ".join(_lexeme(w) for w in words)


def tsvector_literal(name_words: list[str], body_words: list[str]) -> str:
    """The tsvector of a product: name words at weight A, then the other words at weight B."""
    positions: dict[str, list[str]] = {}
    position = 0
    for weight, words in (("A", name_words), ("B", body_words)):
        if weight == "B":
            position += 1  # a gap between the name and the rest
        for word in words:
            position += 1
            if position > MAX_POSITION:
                break
            kept = positions.setdefault(word, [])
            if len(kept) < MAX_POSITIONS_PER_WORD:
                kept.append(f"{position}{weight}")
    return " ".join(f"{_lexeme(word)}:{','.join(kept)}" for word, kept in positions.items())


def document_row(doc: ProductDocument) -> dict:
    """The product_search values of one document (search_vector as tsvector text)."""
    name = _clean(doc.name)
    description = _clean(doc.description)
    name_words = text_words(name)
    body_words = [*text_words(description), *text_words(_clean(doc.seller_name)),
                  *text_words(_clean(doc.category_name)),
                  *(word for badge in doc.program_badges for word in text_words(_clean(badge)))]
    listed_at = doc.listed_at
    if listed_at.tzinfo is None:
        listed_at = listed_at.replace(tzinfo=timezone.utc)  # the database keeps UTC
    return {
        "product_id": int(doc.id),
        "name": name,
        "description": description,
        "name_folded": " ".join(name_words),
        "search_vector": tsvector_literal(name_words, body_words),
        "category_ids": [int(i) for i in dict.fromkeys((doc.category_id, *doc.category_ids)) if i is not None],
        "program_ids": [int(i) for i in dict.fromkeys(doc.program_ids)],
        "province_code": _clean(doc.province_code),
        "ocop_stars": int(doc.ocop_stars) if doc.ocop_stars else None,
        "price_vnd": int(doc.price_vnd),
        "in_stock": bool(doc.in_stock),
        "listed_at": listed_at,
    }


def _clean(value) -> str:
    """Text PostgreSQL accepts: no NUL, no lone surrogates."""
    value = str(value or "").replace("\x00", "")
    return value.encode("utf-8", "replace").decode("utf-8") if _unencodable(value) else value


def _unencodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


# -- request values ----------------------------------------------------------------------------


class _Impossible(Exception):
    """A filter value no product can have (malformed): the answer is empty."""


def _filter_int(value) -> int:
    if isinstance(value, bool):
        raise _Impossible
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,18}\s*", value):
        number = int(value)
    else:
        raise _Impossible
    if not -(2**31) <= number < 2**31:
        raise _Impossible
    return number


def _filter_text(value) -> str:
    value = str(value)
    if "\x00" in value or _unencodable(value) or len(value) > 100:
        raise _Impossible
    return value


class _Filters:
    """The request's filters as SQL conditions, on `product_search_match m` (`match`) and on
    `product_search_counts c` (`counts`), with their parameters; raises _Impossible."""

    def __init__(self, request: SearchRequest):
        self.match: list[str] = []
        self.counts: list[str] = []
        self.params: dict = {}
        if request.category_id is not None and request.category_id != "":
            self._add("CAST(:f_category AS integer) = ANY({}.category_ids)", "f_category",
                      _filter_int(request.category_id))
        if request.province_code is not None and request.province_code != "":
            self._add("{}.province_code = :f_province", "f_province", _filter_text(request.province_code))
        if request.program_id is not None and request.program_id != "":
            self._add("CAST(:f_program AS integer) = ANY({}.program_ids)", "f_program", _filter_int(request.program_id))
        if request.ocop_stars is not None and request.ocop_stars != "":
            stars = _filter_int(request.ocop_stars)
            if stars == 0:  # the index keeps no stars as NULL (counts: 0): nobody has 0 stars
                raise _Impossible
            self._add("{}.ocop_stars = :f_ocop", "f_ocop", stars)
        for position, (key, low, high) in enumerate(PRICE_BANDS):
            if isinstance(request.price_band, str) and request.price_band == key:  # an unknown band is ignored
                self.match.append("m.price_vnd >= :f_price_low")
                self.params["f_price_low"] = low
                if high is not None:
                    self.match.append("m.price_vnd < :f_price_high")
                    self.params["f_price_high"] = high
                self.counts.append("c.price_band = :f_price_band")
                self.params["f_price_band"] = position
        if request.in_stock_only:
            self.match.append("m.in_stock")
            self.counts.append("c.in_stock")

    def _add(self, condition: str, name: str, value) -> None:
        self.match.append(condition.format("m"))
        self.counts.append(condition.format("c"))
        self.params[name] = value


class _Query:
    """The text part of a query on `product_search_match m`: which rows match (`where`), and
    the SQL to rank them, with their parameters."""

    def __init__(self, words: list[str], alternatives: dict[int, list[tuple[str, float]]] | None = None):
        self.words = words
        self.loose = alternatives is not None
        self.params: dict = {}
        if not words:
            self.where = "TRUE"
            return
        if not self.loose:
            self.params["t_all"] = tsquery_all(words)
            query = "CAST(:t_all AS tsquery)"
            self.where = f"m.terms @@ {query}"
            self.in_name = f"m.name_vector @@ {query}"
            self.params["t_start"] = " ".join(words) + " "
            name_score = f"1.0 + CASE WHEN starts_with(m.name_folded || ' ', :t_start) THEN {STARTS_BONUS} ELSE 0.0 END"
            if len(words) > 1:
                self.params["t_phrase"] = tsquery_phrase(words)
                name_score += (f" + CASE WHEN m.name_vector @@ CAST(:t_phrase AS tsquery)"
                               f" THEN {PHRASE_BONUS} ELSE 0.0 END")
            self.name_score = f"({name_score})"
            self.other_score = f"ts_rank_cd('{RANK_WEIGHTS}', ps.search_vector, {query}, 32)"
            return
        conditions, scores = [], []
        last = len(words) - 1
        for i, word in enumerate(words):
            self.params[f"t_word{i}"] = _lexeme(word)
            name_parts = [_lexeme(w) for w, _similarity in alternatives.get(i, [])]
            cases = [f"WHEN m.name_vector @@ CAST(:t_word{i} AS tsquery) THEN 1.0"]
            for j, (alternative, similarity) in enumerate(alternatives.get(i, [])):
                self.params[f"t_alt{i}_{j}"] = _lexeme(alternative)
                cases.append(f"WHEN m.name_vector @@ CAST(:t_alt{i}_{j} AS tsquery) THEN {float(similarity):.4f}")
            if i == last and len(word) >= 2:
                name_parts.append(_lexeme(word, prefix=True))
                self.params["t_prefix"] = _lexeme(word, prefix=True)
                cases.append(f"WHEN m.name_vector @@ CAST(:t_prefix AS tsquery) THEN {PREFIX_SCORE}")
            condition = f"m.terms @@ CAST(:t_word{i} AS tsquery)"
            if name_parts:
                self.params[f"t_name{i}"] = " | ".join(name_parts)
                condition = f"({condition} OR m.name_vector @@ CAST(:t_name{i} AS tsquery))"
            conditions.append(condition)
            scores.append(f"CASE {' '.join(cases)} ELSE 0.0 END")
        self.where = " AND ".join(conditions)
        self.score = f"(({' + '.join(scores)}) / {len(words)}.0)"


def _sort_of(request: SearchRequest, words: list[str]) -> str:
    sort = request.sort if isinstance(request.sort, str) and request.sort in SORTS else "relevance"
    return "newest" if sort == "relevance" and not words else sort


ORDERS = {  # on the page query's row source `t` (product_id, listed_at, price_vnd, score)
    "price_asc": "{t}.price_vnd ASC, {t}.product_id ASC",
    "price_desc": "{t}.price_vnd DESC, {t}.product_id DESC",
    "newest": "{t}.listed_at DESC, {t}.product_id DESC",
    "relevance": "{t}.score DESC, {t}.listed_at DESC, {t}.product_id DESC",
}
# What the triggers of migration 0008 compute; the rebuild recomputes it the same way.
COMBINATION = ("category_ids", "program_ids", "province_code", "ocop_stars", "in_stock", "price_band")
MATCH_COLUMNS = ("listed_at", "price_vnd", "combination_id", "ocop_stars", "in_stock", "province_code",
                 "category_ids", "program_ids", "name_folded", "name_vector", "terms")
MATCH_FROM_SEARCH = ("s.listed_at", "s.price_vnd", "c.id", "s.ocop_stars", "s.in_stock", "s.province_code",
                     "s.category_ids", "s.program_ids", "s.name_folded", "ts_filter(s.search_vector, '{a}')",
                     "strip(s.search_vector)")


def combination_of(alias: str) -> tuple[str, ...]:
    """A product_search or product_search_match row's combination of facet values, as
    product_search_combinations and product_search_counts keep it."""
    return (f"{alias}.category_ids", f"{alias}.program_ids", f"{alias}.province_code",
            f"coalesce({alias}.ocop_stars, 0)::smallint", f"{alias}.in_stock",
            f"product_search_price_band({alias}.price_vnd)")


# The facets' GROUPING SETS: GROUPING(...) is a bit mask, bit set = column not grouped.
FACET_COLUMNS = ("category_ids", "program_ids", "province_code", "ocop_stars", "band", "in_stock")
GROUPING_SETS = ", ".join(f"(x.{c})" for c in FACET_COLUMNS) + ", ()"
GROUPING_MASK = f"GROUPING({', '.join(f'x.{c}' for c in FACET_COLUMNS)})"


# -- the backend ---------------------------------------------------------------------------------


class PostgresBackend(SearchBackend):
    """Full-text search in the `product_search` tables of the app's PostgreSQL database."""

    transactional = True

    def __init__(self) -> None:
        self._counts_agree: bool | None = None  # product_search_price_band agrees with PRICE_BANDS

    # -- writing ---------------------------------------------------------------------------------

    def apply_in_transaction(self, session, documents: list[ProductDocument], removed_ids: list[int]) -> None:
        """Write inside the caller's transaction (no commit): the index row commits or rolls
        back with the product. Also writes what waits in `search_queue`."""
        connection = session.connection()
        _require_postgres(connection)
        ids = {doc.id for doc in documents} | set(removed_ids)
        if not connection.execute(sql("SELECT pg_try_advisory_xact_lock_shared(:key)"), {"key": LOCK_KEY}).scalar():
            # A rebuild runs: never wait for it (see the module docstring); it or the next
            # write picks these up.
            _enqueue(connection, ids)
            return
        queued = _take_queue(connection) - ids
        queued = _lock_or_requeue(connection, queued)
        if queued:
            more_documents, more_removed = _documents_for(session, queued)
            documents, removed_ids = [*documents, *more_documents], [*removed_ids, *more_removed]
        _write(connection, documents, removed_ids)

    def lock_products(self, session, product_ids: set[int]) -> None:
        """Wait until no other transaction is writing these products, and keep them until
        the commit (call before reading their documents). Buckets are taken in order, and a
        transaction takes them only after its own changes are flushed and before it writes
        any index row, so two of them never wait for each other in a circle."""
        buckets = _buckets(product_ids)
        if buckets:
            session.execute(sql("SELECT pg_advisory_xact_lock(:class, b) FROM unnest(CAST(:buckets AS integer[])) AS b"),
                            {"class": PRODUCT_LOCK_CLASS, "buckets": buckets}).all()

    def update(self, documents: list[ProductDocument], removed_ids: list[int]) -> None:
        """Add or replace `documents` and remove `removed_ids`, in a transaction of its own
        (the interface's plain write; the app writes through apply_in_transaction, drains and
        repairs through sync.write_to_index, which locks and reads in the same transaction)."""
        documents = list(documents)
        removed_ids = list(removed_ids)
        if not documents and not removed_ids:
            return
        with db.engine.connect() as connection, connection.begin():
            _require_postgres(connection)
            connection.execute(sql(f"SET LOCAL lock_timeout = '{WRITE_LOCK_TIMEOUT}'"))
            connection.execute(sql("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": LOCK_KEY})
            _write(connection, documents, removed_ids, only_existing=True)

    def rebuild(self, batches: Iterable[list[ProductDocument]], progress: ProgressCallback | None = None) -> int:
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
            _require_postgres(connection)
            with connection.begin():
                connection.execute(sql(f"SET LOCAL lock_timeout = '{REBUILD_LOCK_TIMEOUT}'"))
                connection.execute(sql("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
                connection.execute(sql(
                    "CREATE TEMPORARY TABLE product_search_new (LIKE product_search, seq integer NOT NULL)"
                    " ON COMMIT DROP"))
                copy_sql = f"COPY product_search_new ({', '.join(_COLUMNS)}, seq) FROM STDIN"
                with connection.connection.driver_connection.cursor() as cursor:
                    for batch in batches:
                        batch = list(batch)
                        with cursor.copy(copy_sql) as copy:
                            for doc in batch:
                                row = document_row(doc)
                                copy.write_row([*(row[c] for c in _COLUMNS), count])
                                count += 1
                        if progress:
                            progress(len(batch))
                connection.execute(sql("ANALYZE product_search_new"))
                connection.execute(sql(
                    "DELETE FROM product_search ps WHERE NOT EXISTS"
                    " (SELECT 1 FROM product_search_new n WHERE n.product_id = ps.product_id)"))
                upsert = sql(
                    f"INSERT INTO product_search AS ps ({', '.join(_COLUMNS)})"
                    f" SELECT DISTINCT ON (n.product_id) {', '.join(f'n.{c}' for c in _COLUMNS)}"
                    " FROM product_search_new n WHERE EXISTS (SELECT 1 FROM products p WHERE p.id = n.product_id)"
                    f" ORDER BY n.product_id, n.seq DESC {_ON_CONFLICT}")
                try:
                    with connection.begin_nested():
                        connection.execute(upsert)
                except IntegrityError:  # a product deleted meanwhile: once more, without it
                    connection.execute(upsert)
                _recompute_derived(connection)
                # Fresh statistics now, not when autovacuum comes by: with none, the planner
                # takes a common word for a rare one and scans the wrong index.
                connection.execute(sql("ANALYZE product_search_match, product_search_combinations,"
                                       " product_search_counts, product_search_words"))
                # Merge what the GIN indexes hold in their pending lists (fast update), which every
                # query would otherwise read through.
                connection.execute(sql("SELECT gin_clean_pending_list(CAST(i AS regclass))"
                                       " FROM unnest(CAST(:indexes AS text[])) AS i"), {"indexes": list(GIN_INDEXES)})
                # Changes committed while the rebuild ran were queued: write them from the database.
                self._drain(connection)
            # Those queued in the last moments (committed after the drain above).
            with connection.begin():
                connection.execute(sql("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": LOCK_KEY})
                self._drain(connection)
        return count

    @staticmethod
    def _drain(connection) -> int:
        """Write the products waiting in `search_queue` (call holding the advisory lock)."""
        queued = _take_queue(connection, limit=None)
        if queued:
            with Session(bind=connection) as session:
                documents, removed = _documents_for(session, queued)
            _write(connection, documents, removed, only_existing=True)
        return len(queued)

    # -- reading ----------------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResult:
        page = bounded_int(request.page, 1, 1, 10**9)
        per_page = bounded_int(request.per_page, 24, 1, MAX_PER_PAGE)
        words = query_words(request.text)
        empty = SearchResult(hits=[], total=0, page=page, per_page=per_page, facets={})
        if has_no_words(request.text):
            return empty
        try:
            filters = _Filters(request)
        except _Impossible:
            return SearchResult(hits=[], total=0, page=page, per_page=per_page, facets=_facets_of([]))
        try:
            savepoint = db.session.begin_nested()
            try:
                connection = db.session.connection()
                if words:
                    _plan_for_text(connection)
                return self._search(connection, request, words, filters, page, per_page)
            finally:
                savepoint.rollback()  # it only read: this also undoes its planner and pg_trgm settings
        except SQLAlchemyError:
            log.exception("search failed for %r", request)
            return empty

    def _search(self, connection, request, words, filters: _Filters, page: int, per_page: int) -> SearchResult:
        query = _Query(words)
        if not self._counts_usable(connection):  # count each matching row's values
            facets_of = self._match_facets
        elif words:
            facets_of = self._combination_facets
        else:
            facets_of = lambda connection, query, filters: self._counted_facets(connection, filters)  # noqa: E731
        rows = facets_of(connection, query, filters)
        sort, offset = _sort_of(request, words), (page - 1) * per_page
        found = None  # the page, when already read with the facets
        if words and _total(rows) < FEW_HITS and is_loose(words):
            alternatives = self._alternatives(connection, words)
            if alternatives or len(words[-1]) >= 2:
                loose = _Query(words, alternatives)
                if facets_of == self._combination_facets:
                    loose_rows, loose_page = self._facets_and_page(connection, loose, filters, sort, offset, per_page)
                else:
                    loose_rows, loose_page = facets_of(connection, loose, filters), None
                if _total(loose_rows) > _total(rows):
                    query, rows, found = loose, loose_rows, loose_page
        total = _total(rows)
        facets = _facets_of(rows)
        suggestion = self._did_you_mean(connection, words, filters) if words and total < FEW_HITS else None

        hits: list[Hit] = []
        if offset < total:
            if found is None:
                found = self._page(connection, query, filters, sort, offset, per_page)
            # exact words only: a set lookup (this runs for every word of 24 descriptions)
            matches = Matcher(words, True) if query.loose else set(words).__contains__
            for product_id, score_value, name, description in found:
                hits.append(Hit(
                    product_id=int(product_id),
                    score=float(score_value or 0.0),
                    name=snippet(name, matches, window=False),
                    description=snippet(description, matches, window=True) if words else None,
                ))
        return SearchResult(hits=hits, total=total, page=page, per_page=per_page, facets=facets,
                            suggestion=suggestion)

    # -- the page of hits

    def _page(self, connection, query: _Query, filters: _Filters, sort: str, offset: int, limit: int) -> list:
        """(product_id, score, name, description) of the page."""
        where = _where(query, filters)
        params = {**filters.params, **query.params}
        if sort != "relevance":
            return _page_rows(connection, f"SELECT m.product_id, m.listed_at, m.price_vnd, 0.0 AS score"
                                          f" FROM product_search_match m WHERE {where}", sort, offset, limit, params)
        if query.loose:
            return _page_rows(connection, f"SELECT m.product_id, m.listed_at, m.price_vnd, {query.score} AS score"
                                          f" FROM product_search_match m WHERE {where}", sort, offset, limit, params)
        # Every word in the name first (ranked from the narrow rows), then the others.
        in_name = " AND ".join([query.in_name, *filters.match])  # (the name's words are in `terms` too)
        rows = _page_rows(connection, f"SELECT m.product_id, m.listed_at, m.price_vnd, {query.name_score} AS score"
                                      f" FROM product_search_match m WHERE {in_name}", sort, offset, limit, params)
        if len(rows) == limit:
            return rows
        if rows or offset == 0:
            named = offset + len(rows)
        else:
            named = connection.execute(sql(f"SELECT count(*) FROM product_search_match m WHERE {in_name}"),
                                       params).scalar()
        return rows + _page_rows(
            connection,
            f"SELECT m.product_id, m.listed_at, m.price_vnd, {query.other_score} AS score"
            f" FROM product_search_match m JOIN product_search ps ON ps.product_id = m.product_id"
            f" WHERE {where} AND NOT ({query.in_name})",
            sort, max(0, offset - named), limit - len(rows), params)

    # -- facets

    @staticmethod
    def _facets_and_page(connection, query: _Query, filters: _Filters, sort: str, offset: int, limit: int):
        """The facet rows and the page, from one read of the matching rows (for loose queries,
        whose every match is scored anyway): (facet rows, [(product_id, score, name, description)])."""
        score = query.score if sort == "relevance" else "0.0"
        inner = "score DESC, m.listed_at DESC, m.product_id DESC" if sort == "relevance" else ORDERS[sort].format(t="m")
        nothing = ("NULL::integer, NULL::integer[], NULL::integer[], NULL::varchar, NULL::smallint, NULL::smallint,"
                   " NULL::boolean, NULL::numeric")
        statement = sql(
            "WITH m AS MATERIALIZED (SELECT m.product_id, m.combination_id, m.listed_at, m.price_vnd,"
            f" CAST({score} AS float8) AS score FROM product_search_match m WHERE {_where(query, filters)}),"
            " g AS (SELECT m.combination_id, count(*) AS n FROM m GROUP BY m.combination_id),"
            f" page AS (SELECT * FROM m ORDER BY {inner} LIMIT :limit OFFSET :offset)"
            f" SELECT {GROUPING_MASK}, {', '.join(f'x.{c}' for c in FACET_COLUMNS)}, sum(x.n),"
            " NULL::integer, NULL::float8, NULL::text, NULL::text, NULL::timestamptz, NULL::integer"
            " FROM (SELECT c.category_ids, c.program_ids, c.province_code, NULLIF(c.ocop_stars, 0) AS ocop_stars,"
            " c.in_stock, NULLIF(c.price_band, -1) AS band, g.n"
            " FROM g JOIN product_search_combinations c ON c.id = g.combination_id) AS x"
            f" GROUP BY GROUPING SETS ({GROUPING_SETS})"
            f" UNION ALL SELECT {nothing}, t.product_id, t.score, ps.name, ps.description, t.listed_at, t.price_vnd"
            " FROM page t JOIN product_search ps ON ps.product_id = t.product_id"
        )
        result = connection.execute(statement, {**filters.params, **query.params, "limit": limit, "offset": offset})
        facet_rows, page = [], []
        for row in result:
            if row[8] is None:
                facet_rows.append(row[:8])
            else:
                page.append(row[8:])
        keys = {
            "relevance": lambda r: (-r[1], -r[4].timestamp(), -r[0]),
            "price_asc": lambda r: (r[5], r[0]),
            "price_desc": lambda r: (-r[5], -r[0]),
            "newest": lambda r: (-r[4].timestamp(), -r[0]),
        }
        page.sort(key=keys[sort])
        return _facet_rows(facet_rows), [r[:4] for r in page]

    @staticmethod
    def _match_facets(connection, query: _Query, filters: _Filters) -> list[tuple[str, str | None, int]]:
        """(facet, value, count) of the matching rows, and ("total", "", count): one scan."""
        bands, band_params = [], {}
        for i, (_key, low, high) in enumerate(PRICE_BANDS):
            condition = f"m.price_vnd >= :band_low{i}" + (f" AND m.price_vnd < :band_high{i}" if high is not None else "")
            bands.append(f"WHEN {condition} THEN {i}")
            band_params.update({f"band_low{i}": low, f"band_high{i}": high})
        statement = sql(
            f"SELECT {GROUPING_MASK}, {', '.join(f'x.{c}' for c in FACET_COLUMNS)}, count(*)"
            " FROM (SELECT m.category_ids, m.program_ids, m.province_code, m.ocop_stars, m.in_stock,"
            f" CASE {' '.join(bands)} END AS band FROM product_search_match m WHERE {_where(query, filters)}) AS x"
            f" GROUP BY GROUPING SETS ({GROUPING_SETS})"
        )
        return _facet_rows(connection.execute(statement, {**filters.params, **query.params, **band_params}))

    @staticmethod
    def _combination_facets(connection, query: _Query, filters: _Filters) -> list[tuple[str, str | None, int]]:
        """The same, grouping the matching rows on their combination number (one integer),
        then adding the groups up by value."""
        statement = sql(
            f"SELECT {GROUPING_MASK}, {', '.join(f'x.{c}' for c in FACET_COLUMNS)}, sum(x.n)"
            " FROM (SELECT c.category_ids, c.program_ids, c.province_code, NULLIF(c.ocop_stars, 0) AS ocop_stars,"
            " c.in_stock, NULLIF(c.price_band, -1) AS band, g.n"
            " FROM (SELECT m.combination_id, count(*) AS n FROM product_search_match m"
            f" WHERE {_where(query, filters)} GROUP BY m.combination_id) AS g"
            " JOIN product_search_combinations c ON c.id = g.combination_id) AS x"
            f" GROUP BY GROUPING SETS ({GROUPING_SETS})"
        )
        return _facet_rows(connection.execute(statement, {**filters.params, **query.params}))

    @staticmethod
    def _counted_facets(connection, filters: _Filters) -> list[tuple[str, str | None, int]]:
        """The same for a browse without text, from product_search_counts."""
        where = " AND ".join(filters.counts) or "TRUE"
        statement = sql(
            f"SELECT {GROUPING_MASK}, {', '.join(f'x.{c}' for c in FACET_COLUMNS)}, sum(x.n)"
            " FROM (SELECT c.category_ids, c.program_ids, c.province_code, NULLIF(c.ocop_stars, 0) AS ocop_stars,"
            " c.in_stock, NULLIF(c.price_band, -1) AS band, c.n"
            f" FROM product_search_counts c WHERE {where}) AS x"
            f" GROUP BY GROUPING SETS ({GROUPING_SETS})"
        )
        return _facet_rows(connection.execute(statement, filters.params))

    def _counts_usable(self, connection) -> bool:
        """Whether product_search_counts' price bands (product_search_price_band, in the
        database) are PRICE_BANDS (in the code); checked once per process."""
        if self._counts_agree is None:
            probes, expected = {"below": -1}, [-1]
            for i, (_key, low, high) in enumerate(PRICE_BANDS):
                probes |= {f"low{i}": low, f"high{i}": (2**31 if high is None else high) - 1}
                expected += [i, i]
            columns = ", ".join(f"product_search_price_band(:{name})" for name in probes)
            try:
                with connection.begin_nested():
                    found = list(connection.execute(sql(f"SELECT {columns}"), probes).one())
            except SQLAlchemyError:
                found = None
            self._counts_agree = found == expected
            if not self._counts_agree:
                log.warning("product_search_price_band is missing or does not agree with PRICE_BANDS: the facets"
                            " of a browse are counted from product_search_match (slower); migrate, then reindex")
        return self._counts_agree

    # -- loose matching, "did you mean", suggestions

    @staticmethod
    def _alternatives(connection, words: list[str]) -> dict[int, list[tuple[str, float]]]:
        """For each word that may have typos (matching.max_edits), the name words that are
        typos of it (matching.is_typo_of), the most similar first: candidates gathered by
        pg_trgm among the distinct name words, loosely enough (TYPO_CANDIDATE_SIMILARITY)
        to hold every word within the allowed edits, then checked by the rule."""
        wanted = [(i, w) for i, w in enumerate(words) if max_edits(w)]
        if not wanted:
            return {}
        _set_similarity(connection, TYPO_CANDIDATE_SIMILARITY)
        values = ", ".join(f"(CAST(:a_i{n} AS integer), CAST(:a_w{n} AS text), CAST(:a_e{n} AS integer))"
                           for n in range(len(wanted)))
        params = {}
        for n, (i, w) in enumerate(wanted):
            params |= {f"a_i{n}": i, f"a_w{n}": w, f"a_e{n}": max_edits(w)}
        rows = connection.execute(sql(
            "SELECT DISTINCT q.i, q.w, x.word, word_similarity(q.w, x.word) AS s"
            f" FROM (VALUES {values}) AS q(i, w, e) JOIN product_search_words x ON q.w <% x.word"
            " WHERE x.word <> q.w AND left(x.word, 1) = left(q.w, 1)"
            " AND length(x.word) BETWEEN length(q.w) - q.e AND length(q.w) + q.e"
            " ORDER BY q.i, s DESC, x.word"
        ), params).all()
        alternatives: dict[int, list[tuple[str, float]]] = {}
        for i, typed, word, similarity in rows:
            kept = alternatives.setdefault(int(i), [])
            if len(kept) < MAX_ALTERNATIVES and WORD_RE.fullmatch(word) and is_typo_of(word, typed):
                kept.append((word, float(similarity)))
        return {i: kept for i, kept in alternatives.items() if kept}

    def _did_you_mean(self, connection, words: list[str], filters: _Filters) -> str | None:
        """A whole corrected query when some words are in no product and close name words
        are, provided the corrected query finds something (matching.corrected_queries).
        Words are folded, except that they take the accents of the best matching product
        name where it has them."""
        known = self._known_words(connection, words)
        options = [[(0, word)] if word in known else (self._corrections(connection, word) or [(0, word)])
                   for word in words]
        for corrected in corrected_queries(words, options):
            query = _Query(corrected)
            names = connection.execute(
                sql("SELECT ps.name FROM (SELECT m.product_id, m.listed_at FROM product_search_match m"
                    f" WHERE {_where(query, filters)}"
                    f" ORDER BY {query.in_name} DESC, m.listed_at DESC, m.product_id DESC LIMIT 3) AS t"
                    " JOIN product_search ps ON ps.product_id = t.product_id"
                    " ORDER BY t.listed_at DESC, t.product_id DESC"),
                {**filters.params, **query.params},
            ).scalars().all()
            if names:
                return with_accents(corrected, names)
        return None

    @staticmethod
    def _known_words(connection, words: list[str]) -> set[str]:
        """The words that some product has (in any of its texts)."""
        values = ", ".join(f"(:k_word{i}, CAST(:k_query{i} AS tsquery))" for i in range(len(words)))
        params = {f"k_word{i}": w for i, w in enumerate(words)} | {f"k_query{i}": _lexeme(w) for i, w in enumerate(words)}
        statement = sql(
            f"SELECT v.word FROM (VALUES {values}) AS v(word, query)"
            " WHERE EXISTS (SELECT 1 FROM product_search_match m WHERE m.terms @@ v.query)"
        )
        return set(connection.execute(statement, params).scalars())

    @staticmethod
    def _corrections(connection, word: str) -> list[tuple[int, str]]:
        """Close words of the product names (matching.corrections): candidates by pg_trgm
        among the name words, with how many names have each (up to FREQUENCY_CAP)."""
        allowed = correction_max_edits(word)
        if not allowed:
            return []
        _set_similarity(connection, CANDIDATE_SIMILARITY)
        rows = connection.execute(
            sql(
                "SELECT DISTINCT x.word, similarity(x.word, :word) AS s FROM product_search_words x"
                " WHERE :word <% x.word AND left(x.word, 1) = left(:word, 1) AND x.word <> :word"
                " AND length(x.word) BETWEEN :shortest AND :longest"
                " ORDER BY s DESC, x.word LIMIT 100"
            ),
            {"word": word, "shortest": len(word) - allowed, "longest": len(word) + allowed},
        ).scalars().all()
        close = [candidate for _distance, candidate in corrections(
            word, ((candidate, 0) for candidate in rows if WORD_RE.fullmatch(candidate)), limit=len(rows))]
        if not close:
            return []
        values = ", ".join(f"(:c_word{i}, CAST(:c_query{i} AS tsquery))" for i in range(len(close)))
        params = ({f"c_word{i}": w for i, w in enumerate(close)}
                  | {f"c_query{i}": _lexeme(w) for i, w in enumerate(close)} | {"cap": FREQUENCY_CAP})
        frequency = connection.execute(sql(
            f"SELECT v.word, (SELECT count(*) FROM (SELECT 1 FROM product_search_match m"
            f" WHERE m.name_vector @@ v.query LIMIT :cap) AS f) FROM (VALUES {values}) AS v(word, query)"
        ), params).all()
        return corrections(word, frequency)

    def suggest(self, text: str, limit: int = 8) -> list[str]:
        """Product names for the as-you-type box: every word in the name, the last one as a
        prefix while it is being typed; names starting with the typed words first. When
        nothing matches, names whose words are similar to the typed ones (pg_trgm over the
        name words) are offered."""
        raw = query_text(text)
        words = query_words(raw)
        limit = bounded_int(limit, 8, 0, MAX_PER_PAGE)
        if not words or limit <= 0:
            return []
        typing = typing_last_word(raw)
        typed = " ".join(words)
        try:
            savepoint = db.session.begin_nested()
            try:
                connection = db.session.connection()
                _plan_for_text(connection)
                params = {"q": tsquery_all(words, prefix_last=typing), "typed": typed,
                          "n": max(limit * 5, 50)}
                rows = connection.execute(sql(
                    "SELECT ps.name FROM (SELECT m.product_id, starts_with(m.name_folded, :typed) AS starts,"
                    f" ts_rank_cd('{RANK_WEIGHTS}', m.name_vector, CAST(:q AS tsquery), 32) AS rank,"
                    " length(m.name_folded) AS length FROM product_search_match m"
                    " WHERE m.name_vector @@ CAST(:q AS tsquery)"
                    " ORDER BY starts DESC, rank DESC, length, m.product_id LIMIT :n) AS t"
                    " JOIN product_search ps ON ps.product_id = t.product_id"
                    " ORDER BY t.starts DESC, t.rank DESC, t.length, t.product_id"
                ), params).scalars().all()
                if not rows and len(typed) >= FUZZY_MIN_LENGTH:
                    alternatives = self._alternatives(connection, words)
                    if alternatives:
                        parts = []
                        for i, word in enumerate(words):
                            options = [_lexeme(word), *(_lexeme(w) for w, _s in alternatives.get(i, []))]
                            if i == len(words) - 1 and typing:
                                options.append(_lexeme(word, prefix=True))
                            parts.append("(" + " | ".join(options) + ")")
                        params["q"] = " & ".join(parts)
                        rows = connection.execute(sql(
                            "SELECT ps.name FROM (SELECT m.product_id, length(m.name_folded) AS length"
                            " FROM product_search_match m WHERE m.name_vector @@ CAST(:q AS tsquery)"
                            " ORDER BY length, m.product_id LIMIT :n) AS t"
                            " JOIN product_search ps ON ps.product_id = t.product_id"
                            " ORDER BY t.length, t.product_id"
                        ), params).scalars().all()
            finally:
                savepoint.rollback()
        except SQLAlchemyError:
            log.exception("suggest failed for %r", raw)
            return []
        names, seen = [], set()
        for name in rows:
            key = fold(name)
            if key not in seen:
                seen.add(key)
                names.append(name)
            if len(names) >= limit:
                break
        return names

    def doc_count(self) -> int:
        """Rows in the index (for status commands and tests)."""
        return int(db.session.execute(sql("SELECT count(*) FROM product_search")).scalar() or 0)


# -- helpers -------------------------------------------------------------------------------------


def _require_postgres(connection) -> None:
    if connection.dialect.name != "postgresql":
        raise RuntimeError("SEARCH_BACKEND=postgres needs a PostgreSQL database (DATABASE_URL)")


def _where(query: _Query, filters: _Filters) -> str:
    return " AND ".join([query.where, *filters.match])


def _page_rows(connection, source: str, sort: str, offset: int, limit: int, params: dict) -> list:
    """A page of `source` (rows of product_id, listed_at, price_vnd and score from
    `product_search_match m`) in `sort`'s order, with the texts of just those rows."""
    inner = "score DESC, m.listed_at DESC, m.product_id DESC" if sort == "relevance" else ORDERS[sort].format(t="m")
    statement = sql(
        f"SELECT t.product_id, t.score, ps.name, ps.description FROM ({source}"
        f" ORDER BY {inner} LIMIT :limit OFFSET :offset) AS t"
        f" JOIN product_search ps ON ps.product_id = t.product_id ORDER BY {ORDERS[sort].format(t='t')}"
    )
    return connection.execute(statement, {**params, "limit": limit, "offset": offset}).all()


def _total(rows) -> int:
    return next((n for facet, _value, n in rows if facet == "total"), 0)


def _facet_rows(result) -> list[tuple[str, str | None, int]]:
    """(facet, value, count) rows from a GROUPING SETS result (see GROUPING_MASK); the id
    lists are added up per id."""
    rows: list[tuple[str, str | None, int]] = []
    per_id: dict[str, dict[str, int]] = {"category": {}, "program": {}}
    full = (1 << len(FACET_COLUMNS)) - 1
    for mask, category_ids, program_ids, province, ocop, band, in_stock, n in result:
        n = int(n or 0)
        grouped = full & ~int(mask)  # the one bit of the grouped column, or none for the total
        if grouped == 0:
            rows.append(("total", "", n))
        elif grouped == 1 << 5:  # category_ids
            for i in category_ids or ():
                per_id["category"][str(i)] = per_id["category"].get(str(i), 0) + n
        elif grouped == 1 << 4:  # program_ids
            for i in program_ids or ():
                per_id["program"][str(i)] = per_id["program"].get(str(i), 0) + n
        elif grouped == 1 << 3:
            rows.append(("province", province, n))
        elif grouped == 1 << 2:
            rows.append(("ocop", None if ocop is None else str(ocop), n))
        elif grouped == 1 << 1:
            rows.append(("price", None if band is None else PRICE_BANDS[int(band)][0], n))
        elif grouped == 1:
            rows.append(("in_stock", None if in_stock is None else ("true" if in_stock else "false"), n))
    for facet, counts in per_id.items():
        rows.extend((facet, value, n) for value, n in counts.items())
    return rows


def _facets_of(rows) -> dict[str, dict[str, int]]:
    """The facets in the shape the Whoosh engine gives: values with no product left out,
    most first; price bands in their order; in_stock always has "true"."""
    grouped: dict[str, dict[str, int]] = {"category": {}, "province": {}, "program": {}, "ocop": {}, "price": {}}
    in_stock = 0
    for facet, value, n in rows:
        if facet == "in_stock":
            in_stock += n if value == "true" else 0
        elif facet in grouped and n and value is not None:
            grouped[facet][value] = grouped[facet].get(value, 0) + n
    facets = {
        name: dict(sorted(((k, n) for k, n in grouped[name].items() if n), key=lambda item: (-item[1], item[0])))
        for name in ("category", "province", "program", "ocop")
    }
    facets["price"] = {key: grouped["price"][key] for key, _low, _high in PRICE_BANDS if grouped["price"].get(key)}
    facets["in_stock"] = {"true": in_stock}
    return facets


PLAN_SETTINGS = {"enable_seqscan": "off", "jit": "off"}
GIN_INDEXES = ("ix_product_search_match_terms", "ix_product_search_match_name_vector", "ix_product_search_words_trgm")


def _plan_for_text(connection) -> None:
    """Planner settings for the text queries, until the search's savepoint is rolled back.

    Matching a tsvector costs about a microsecond a row, which the planner does not know:
    for a word in a fifth of the catalog it would read every row and test each one
    (45 ms at 100,000 products) rather than take the GIN index's exact list of matches
    (8 ms). Every text query has an index to take. And no JIT compilation: it costs more
    (tens of ms) than the few milliseconds a search runs."""
    params = {}
    for i, (name, value) in enumerate(PLAN_SETTINGS.items()):
        params |= {f"name{i}": name, f"value{i}": value}
    connection.execute(sql("SELECT " + ", ".join(f"set_config(:name{i}, :value{i}, true)"
                                                 for i in range(len(PLAN_SETTINGS)))), params)


def _set_similarity(connection, threshold: float) -> None:
    """The pg_trgm word-similarity threshold of `<%` for the rest of the transaction."""
    connection.execute(sql("SELECT set_config('pg_trgm.word_similarity_threshold', :t, true)"),
                       {"t": str(threshold)})


def _recompute_derived(connection) -> None:
    """Make the tables the triggers derive from product_search exactly what they should be
    (the triggers keep them so; a rebuild also repairs them): the match rows that differ,
    then the counts and the name words recounted (one statement each: one snapshot)."""
    for statement in _to_match("product_search"):
        connection.execute(sql(statement))
    connection.execute(sql(
        "DELETE FROM product_search_match m WHERE NOT EXISTS"
        " (SELECT 1 FROM product_search ps WHERE ps.product_id = m.product_id)"))
    dims = ", ".join(COMBINATION)
    connection.execute(sql(
        "WITH gone AS (DELETE FROM product_search_counts RETURNING 1)"
        f" INSERT INTO product_search_counts ({dims}, n)"
        f" SELECT {', '.join(combination_of('m'))}, count(*) FROM product_search_match m GROUP BY 1, 2, 3, 4, 5, 6"
        " ORDER BY 1, 2, 3, 4, 5, 6"))
    connection.execute(sql(
        "WITH gone AS (DELETE FROM product_search_words RETURNING 1)"
        " INSERT INTO product_search_words (word)"
        " SELECT DISTINCT unnest(tsvector_to_array(name_vector)) FROM product_search_match ORDER BY 1"))


def _to_match(rows: str) -> list[str]:
    """The statements with which the triggers (migration 0008) upsert the match rows of the
    product_search rows `rows` (aliased s): the combinations not numbered yet numbered
    first (without a unique constraint, which would make two transactions meeting the same
    new combination wait for each other; a combination's lowest number is the one used),
    then the rows that differ."""
    dims = ", ".join(COMBINATION)
    same = " AND ".join(f"c.{name} = {expr}" for name, expr in zip(COMBINATION, combination_of("s")))
    changed = (f"({', '.join(f'm.{c}' for c in MATCH_COLUMNS)}) IS DISTINCT FROM"
               f" ({', '.join(f'EXCLUDED.{c}' for c in MATCH_COLUMNS)})")
    return [
        f"INSERT INTO product_search_combinations ({dims})"
        f" SELECT DISTINCT {', '.join(combination_of('s'))} FROM {rows} s"
        f" WHERE NOT EXISTS (SELECT 1 FROM product_search_combinations c WHERE {same})"
        " ORDER BY 1, 2, 3, 4, 5, 6",
        f"INSERT INTO product_search_match AS m (product_id, {', '.join(MATCH_COLUMNS)})"
        f" SELECT s.product_id, {', '.join(MATCH_FROM_SEARCH)}"
        f" FROM {rows} s CROSS JOIN LATERAL (SELECT min(c.id) AS id FROM product_search_combinations c WHERE {same}) c"
        " ORDER BY s.product_id"
        f" ON CONFLICT (product_id) DO UPDATE SET {', '.join(f'{c} = EXCLUDED.{c}' for c in MATCH_COLUMNS)}"
        f" WHERE {changed}",
    ]


def _documents_for(session, product_ids: set[int]):
    from market.search.documents import documents_for  # here: documents imports the catalog

    return documents_for(session, set(product_ids))


def _write(connection, documents: list[ProductDocument], removed_ids: list[int], only_existing: bool = False) -> None:
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


_COLUMNS = ("product_id", "name", "description", "name_folded", "search_vector", "category_ids", "program_ids",
            "province_code", "ocop_stars", "price_vnd", "in_stock", "listed_at")
_CASTS = {"search_vector": "tsvector", "category_ids": "integer[]", "program_ids": "integer[]"}
# An unchanged row is left alone: no new row version, and the triggers have nothing to do.
_ON_CONFLICT = (
    "ON CONFLICT (product_id) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in _COLUMNS if c != "product_id")
    + f" WHERE ({', '.join(f'ps.{c}' for c in _COLUMNS if c != 'product_id')}) IS DISTINCT FROM"
    + f" ({', '.join(f'EXCLUDED.{c}' for c in _COLUMNS if c != 'product_id')})"
)


def _upsert(connection, documents: list[ProductDocument]) -> None:
    """One statement for all the rows (so the triggers run once)."""
    if not documents:
        return
    values, params = [], {}
    for i, row in enumerate(document_row(doc) for doc in documents):
        values.append("(" + ", ".join(f"CAST(:{c}_{i} AS {_CASTS[c]})" if c in _CASTS else f":{c}_{i}"
                                      for c in _COLUMNS) + ")")
        params.update({f"{c}_{i}": row[c] for c in _COLUMNS})
    connection.execute(sql(f"INSERT INTO product_search AS ps ({', '.join(_COLUMNS)}) VALUES {', '.join(values)}"
                           f" {_ON_CONFLICT}"), params)


def _enqueue(connection, product_ids: set[int]) -> None:
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


def _buckets(product_ids) -> list[int]:
    return sorted({int(i) % PRODUCT_LOCK_BUCKETS for i in product_ids})


def _lock_or_requeue(connection, product_ids: set[int]) -> set[int]:
    """Of queued products taken along by a write, those whose locks this transaction gets
    at once (blocking here, after other locks, could deadlock); the others go back to the queue."""
    if not product_ids:
        return set()
    got = {bucket for bucket, locked in connection.execute(
        sql("SELECT b, pg_try_advisory_xact_lock(:class, b) FROM unnest(CAST(:buckets AS integer[])) AS b"),
        {"class": PRODUCT_LOCK_CLASS, "buckets": _buckets(product_ids)}) if locked}
    kept = {i for i in product_ids if i % PRODUCT_LOCK_BUCKETS in got}
    _enqueue(connection, product_ids - kept)
    return kept


def _take_queue(connection, limit: int | None = QUEUE_DRAIN_LIMIT) -> set[int]:
    """Remove queued ids (those no other transaction is taking) and return them."""
    limit_sql = "" if limit is None else f" LIMIT {int(limit)}"
    statement = sql(
        "DELETE FROM search_queue WHERE product_id IN (SELECT product_id FROM search_queue"
        f" ORDER BY product_id{limit_sql} FOR UPDATE SKIP LOCKED) RETURNING product_id"
    )
    return set(connection.execute(statement).scalars())


__all__ = ["PostgresBackend", "tsvector_literal"]
