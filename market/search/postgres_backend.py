"""The PostgreSQL search engine (SEARCH_BACKEND=postgres), for several web machines.

The index is the `product_search` table (pg_models.py): one row per visible product,
written by `apply_in_transaction` inside the very transaction that changes the product,
its seller, its photos or its programs (market/search/sync.py calls it before the
commit). A rolled back change therefore never reaches the index, a committed one is
searchable at once from every machine, and there is no index folder to share.

Text. Names, descriptions, seller and category names and badges are folded in Python
(market.text.fold: no tones or marks, đ -> d, case-folded) and cut into words exactly as
the Whoosh engine cuts them (letters and digits of any script). The tsvector is built
from those words (name weighted A, the rest weighted B), so PostgreSQL's own parser and
the database locale never decide what a word is, and the query side uses the same words.

Queries. User text never reaches a query parser: it is folded and cut into words, and
each word becomes a quoted tsquery lexeme (`'mat' & 'ong'`) sent as a bound parameter;
quotes, `*`, `?`, `AND OR NOT`, parentheses, `-`, NUL bytes and SQL are only characters,
most of which are not word characters at all. Every word must match. With fewer than
FEW_HITS exact hits the query is loosened, word by word: a word may also match a name
word by pg_trgm word similarity (typos, words of 4+ letters), and the last word may
match a name word as a prefix. Ranking is ts_rank_cd, with a whole point more when
every word is in the name (so a name match always ranks above description-only
matches). Facet counts
are GROUP BY queries over the same WHERE. Highlights are computed in Python from the
stored text (no ts_headline HTML). "Did you mean" looks for close name words with
pg_trgm (candidates) and an edit distance (the choice), like the Whoosh engine.

Concurrency. Writers (apply_in_transaction, update) take a shared transaction-level
advisory lock; a rebuild takes it exclusively, so writes and a rebuild never interleave.
A product change that finds a rebuild running does not wait for it (waiting could
deadlock with the rebuild on the product's row): it queues its ids in `search_queue`
(same transaction), and the rebuild, the next write or `flask search drain` picks them
up. The rebuild rewrites the table in one transaction (upserts, then deletes the rows it
was not given; never TRUNCATE, which locks readers out and is not MVCC-safe), so readers
see the old rows until the new ones are committed.
"""
from __future__ import annotations

import itertools
import logging
import re
import unicodedata
from collections.abc import Iterable
from datetime import timezone

from sqlalchemy import text as sql
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from market.extensions import db
from market.search.backend import (
    MAX_QUERY_LENGTH,
    PRICE_BANDS,
    SORTS,
    Hit,
    ProductDocument,
    ProgressCallback,
    SearchBackend,
    SearchRequest,
    SearchResult,
)
from market.search.pg_models import ProductSearch  # noqa: F401  (the table this engine writes)
from market.search.words import (
    FEW_HITS,
    FUZZY_MAX_LENGTH,
    FUZZY_MIN_LENGTH,
    MAX_PER_PAGE,
    MAX_QUERY_WORDS,
    WORD_RE,
    snippet,
    words_of,
)
from market.text import fold

log = logging.getLogger(__name__)

# A word: letters and digits (any script), not underscores; the Whoosh engine's definition.
MAX_POSITION = 16_383  # PostgreSQL's largest tsvector position
MAX_POSITIONS_PER_WORD = 256  # and the most positions it keeps per lexeme
TYPO_SIMILARITY = 0.5  # pg_trgm word similarity for a loose (typo) match on a name
CANDIDATE_SIMILARITY = 0.2  # looser, only to gather "did you mean" candidates
RANK_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"  # ts_rank_cd weights of D, C, B, A
BATCH_SIZE = 500
QUEUE_DRAIN_LIMIT = 500
# The advisory lock writers share and a rebuild holds alone ("search" + 1).
LOCK_KEY = 0x7365_6172_6368_0001
WRITE_LOCK_TIMEOUT = "5s"
REBUILD_LOCK_TIMEOUT = "60s"


# -- words ------------------------------------------------------------------------------




def query_words(text: str) -> list[str]:
    """The distinct words of what the shopper typed (at most MAX_QUERY_WORDS)."""
    text = str(text or "")[:MAX_QUERY_LENGTH]
    return list(dict.fromkeys(words_of(text)))[:MAX_QUERY_WORDS]


def _lexeme(word: str, prefix: bool = False) -> str:
    # Words hold only letters and digits, so quoting cannot be escaped from; still, be strict.
    if not WORD_RE.fullmatch(word):
        raise ValueError(f"not a word: {word!r}")
    return f"'{word}'" + (":*" if prefix else "")


def tsquery_all(words: list[str], prefix_last: bool = False) -> str:
    """`'w1' & 'w2' & 'w3':*` for a bound parameter cast to tsquery."""
    return " & ".join(_lexeme(w, prefix_last and i == len(words) - 1) for i, w in enumerate(words))


def tsquery_any(words: list[str], prefix_last: bool = False) -> str:
    parts = [_lexeme(w) for w in words]
    if prefix_last and words:
        parts.append(_lexeme(words[-1], True))
    return " | ".join(parts)


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
    body = " ".join([description, _clean(doc.seller_name), _clean(doc.category_name),
                     *(_clean(badge) for badge in doc.program_badges)])
    name_words = words_of(name)
    listed_at = doc.listed_at
    if listed_at.tzinfo is None:
        listed_at = listed_at.replace(tzinfo=timezone.utc)  # the database keeps UTC
    return {
        "product_id": int(doc.id),
        "name": name,
        "description": description,
        "name_folded": " ".join(name_words),
        "search_vector": tsvector_literal(name_words, words_of(body)),
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


# -- edit distance and highlights ----------------------------------------------------------


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Damerau-Levenshtein distance (adjacent swaps count 1), capped at `limit` + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[-1], limit + 1)


def _fuzzy_allowance(word: str) -> int:
    return 2 if len(word) >= 7 else 1


class _Matcher:
    """Decides which words of stored text the query matched (for highlighting)."""

    def __init__(self, words: list[str], loose: bool):
        self.exact = set(words)
        self.fuzzy = [w for w in words if FUZZY_MIN_LENGTH <= len(w) <= FUZZY_MAX_LENGTH] if loose else []
        self.prefix = words[-1] if loose and words and len(words[-1]) >= 2 else None

    def __call__(self, word: str) -> bool:
        if word in self.exact:
            return True
        if self.prefix and word.startswith(self.prefix):
            return True
        return any(word[:1] == w[:1] and edit_distance(word, w, 2) <= _fuzzy_allowance(w) for w in self.fuzzy)




# -- request values ----------------------------------------------------------------------------


class _Impossible(Exception):
    """A filter value no product can have (malformed): the answer is empty."""


def _int(value, default: int, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return default
    return min(max(number, low), high)


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


def _filters(request: SearchRequest) -> tuple[list[str], dict]:
    """SQL conditions (on `ps`) and their parameters; raises _Impossible."""
    clauses, params = [], {}
    if request.category_id is not None and request.category_id != "":
        clauses.append("CAST(:f_category AS integer) = ANY(ps.category_ids)")
        params["f_category"] = _filter_int(request.category_id)
    if request.province_code is not None and request.province_code != "":
        clauses.append("ps.province_code = :f_province")
        params["f_province"] = _filter_text(request.province_code)
    if request.program_id is not None and request.program_id != "":
        clauses.append("CAST(:f_program AS integer) = ANY(ps.program_ids)")
        params["f_program"] = _filter_int(request.program_id)
    if request.ocop_stars is not None and request.ocop_stars != "":
        clauses.append("ps.ocop_stars = :f_ocop")
        params["f_ocop"] = _filter_int(request.ocop_stars)
    bands = {key: (low, high) for key, low, high in PRICE_BANDS}
    if isinstance(request.price_band, str) and request.price_band in bands:  # an unknown band is ignored
        low, high = bands[request.price_band]
        clauses.append("ps.price_vnd >= :f_price_low")
        params["f_price_low"] = low
        if high is not None:
            clauses.append("ps.price_vnd < :f_price_high")
            params["f_price_high"] = high
    if request.in_stock_only:
        clauses.append("ps.in_stock")
    return clauses, params


class _Text:
    """The text part of a query: WHERE condition, score expression and their parameters."""

    def __init__(self, words: list[str], loose: bool):
        self.words, self.loose = words, loose
        self.params: dict = {}
        weights = f"'{RANK_WEIGHTS}'"
        if not words:
            self.where, self.score = "TRUE", "0.0"
            return
        if not loose:
            self.params["t_all"] = tsquery_all(words)
            query = "CAST(:t_all AS tsquery)"
            self.where = f"ps.search_vector @@ {query}"
            # A whole point when every word is in the name (ts_filter keeps weight A only).
            self.score = (f"(CASE WHEN ts_filter(ps.search_vector, '{{a}}') @@ {query} THEN 1.0 ELSE 0.0 END"
                          f" + ts_rank_cd({weights}, ps.search_vector, {query}, 32))")
            return
        conditions, similarities = [], []
        last = len(words) - 1
        for i, word in enumerate(words):
            self.params[f"t_word{i}"] = _lexeme(word)
            parts = [f"ps.search_vector @@ CAST(:t_word{i} AS tsquery)"]
            if FUZZY_MIN_LENGTH <= len(word) <= FUZZY_MAX_LENGTH:
                parts.append(f"ps.name_folded %> :t_plain{i}")  # word_similarity(word, name) > threshold
            if i == last and len(word) >= 2:
                self.params["t_prefix"] = _lexeme(word, prefix=True)
                # a prefix of a name word (through the index, then weight A only)
                parts.append("(ps.search_vector @@ CAST(:t_prefix AS tsquery)"
                             " AND ts_filter(ps.search_vector, '{a}') @@ CAST(:t_prefix AS tsquery))")
            self.params[f"t_plain{i}"] = word
            conditions.append("(" + " OR ".join(parts) + ")")
            similarities.append(f"word_similarity(:t_plain{i}, ps.name_folded)")
        self.params["t_any"] = tsquery_any(words, prefix_last=len(words[-1]) >= 2)
        self.where = " AND ".join(conditions)
        self.score = (f"(({' + '.join(similarities)}) / {len(words)}.0"
                      f" + ts_rank_cd({weights}, ps.search_vector, CAST(:t_any AS tsquery), 32))")


def _is_loose(words: list[str]) -> bool:
    """Whether a loose query would differ from the exact one."""
    return any(FUZZY_MIN_LENGTH <= len(w) <= FUZZY_MAX_LENGTH for w in words) or len(words[-1]) >= 2


# -- the backend ---------------------------------------------------------------------------------


class PostgresBackend(SearchBackend):
    """Full-text search in the `product_search` table of the app's PostgreSQL database."""

    transactional = True

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
        if queued:
            more_documents, more_removed = _documents_for(session, queued)
            documents, removed_ids = [*documents, *more_documents], [*removed_ids, *more_removed]
        _write(connection, documents, removed_ids)

    def update(self, documents: list[ProductDocument], removed_ids: list[int]) -> None:
        """Add or replace `documents` and remove `removed_ids`, in a transaction of its own
        (the reindex path and `flask search drain`; the app writes through apply_in_transaction)."""
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
        """Make the table hold exactly `batches`, in one transaction: readers see the old rows
        until the commit (MVCC), then the new ones. `progress(n)` is told the size of each
        batch. Returns the number of documents given.

        Rows are upserted batch by batch and the rows of products not given are deleted at
        the end (a temporary table remembers the ids seen), rather than DELETE-then-INSERT or
        TRUNCATE: TRUNCATE would lock readers out and is not MVCC-safe, and deleting every
        row first would hold every row's lock for the whole rebuild."""
        count = 0
        with db.engine.connect() as connection:
            _require_postgres(connection)
            with connection.begin():
                connection.execute(sql(f"SET LOCAL lock_timeout = '{REBUILD_LOCK_TIMEOUT}'"))
                connection.execute(sql("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
                connection.execute(sql(
                    "CREATE TEMPORARY TABLE product_search_seen (product_id integer PRIMARY KEY) ON COMMIT DROP"))
                for batch in batches:
                    batch = list(batch)
                    _write(connection, batch, [], only_existing=True)
                    connection.execute(
                        sql("INSERT INTO product_search_seen SELECT DISTINCT unnest(CAST(:ids AS integer[]))"
                            " ON CONFLICT DO NOTHING"),
                        {"ids": [int(doc.id) for doc in batch]},
                    )
                    count += len(batch)
                    if progress:
                        progress(len(batch))
                connection.execute(sql(
                    "DELETE FROM product_search ps WHERE NOT EXISTS"
                    " (SELECT 1 FROM product_search_seen s WHERE s.product_id = ps.product_id)"))
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
        page = _int(request.page, 1, 1, 10**9)
        per_page = _int(request.per_page, 24, 1, MAX_PER_PAGE)
        words = query_words(request.text)
        empty = SearchResult(hits=[], total=0, page=page, per_page=per_page, facets={})
        if str(request.text or "")[:MAX_QUERY_LENGTH].strip() and not words:
            return empty  # only punctuation, emoji, control characters...
        try:
            clauses, params = _filters(request)
        except _Impossible:
            return SearchResult(hits=[], total=0, page=page, per_page=per_page, facets=_facets_of([]))
        try:
            with db.session.begin_nested():
                return self._search(db.session.connection(), request, words, clauses, params, page, per_page)
        except SQLAlchemyError:
            log.exception("search failed for %r", request)
            return empty

    def _search(self, connection, request, words, clauses, params, page, per_page) -> SearchResult:
        query = _Text(words, loose=False)
        rows = self._facet_rows(connection, query, clauses, params)
        if words and _total(rows) < FEW_HITS and _is_loose(words):
            _set_similarity(connection, TYPO_SIMILARITY)
            loose = _Text(words, loose=True)
            loose_rows = self._facet_rows(connection, loose, clauses, params)
            if _total(loose_rows) > _total(rows):
                query, rows = loose, loose_rows
        total = _total(rows)
        facets = _facets_of(rows)
        suggestion = self._did_you_mean(connection, words, clauses, params) if words and total < FEW_HITS else None

        hits: list[Hit] = []
        start = (page - 1) * per_page
        if start < total:
            sort = request.sort if isinstance(request.sort, str) and request.sort in SORTS else "relevance"
            if sort == "relevance" and not words:
                sort = "newest"
            order = {
                "relevance": "score DESC, ps.listed_at DESC, ps.product_id DESC",
                "price_asc": "ps.price_vnd ASC, ps.product_id ASC",
                "price_desc": "ps.price_vnd DESC, ps.product_id DESC",
                "newest": "ps.listed_at DESC, ps.product_id DESC",
            }[sort]
            score = query.score if sort == "relevance" else "0.0"
            if query.loose:  # "did you mean" may have changed it meanwhile
                _set_similarity(connection, TYPO_SIMILARITY)
            statement = sql(
                f"SELECT ps.product_id, {score} AS score, ps.name, ps.description FROM product_search ps"
                f" WHERE {_where(query, clauses)} ORDER BY {order} LIMIT :limit OFFSET :offset"
            )
            found = connection.execute(statement, {**params, **query.params, "limit": per_page, "offset": start})
            matches = _Matcher(words, query.loose)
            for product_id, score_value, name, description in found:
                hits.append(Hit(
                    product_id=int(product_id),
                    score=float(score_value or 0.0),
                    name=snippet(name, matches, window=False),
                    description=snippet(description, matches, window=True) if words else None,
                ))
        return SearchResult(hits=hits, total=total, page=page, per_page=per_page, facets=facets,
                            suggestion=suggestion)

    @staticmethod
    def _facet_rows(connection, query: _Text, clauses: list[str], params: dict) -> list[tuple[str, str | None, int]]:
        """(facet, value, count) of the matching rows, and ("total", "", count): one scan of
        the matches; the id lists unnested, the other facets as grouping sets."""
        bands, band_params = [], {}
        for i, (key, low, high) in enumerate(PRICE_BANDS):
            condition = f"m.price_vnd >= :band_low{i}" + (f" AND m.price_vnd < :band_high{i}" if high is not None else "")
            bands.append(f"WHEN {condition} THEN CAST(:band_key{i} AS text)")
            band_params.update({f"band_key{i}": key, f"band_low{i}": low, f"band_high{i}": high})
        grouped = [("province", "x.province_code"), ("ocop", "x.ocop_stars::text"), ("price", "x.band"),
                   ("in_stock", "CASE WHEN x.in_stock THEN 'true' ELSE 'false' END")]
        column = {"province": "x.province_code", "ocop": "x.ocop_stars", "price": "x.band", "in_stock": "x.in_stock"}
        facet_case = " ".join(f"WHEN GROUPING({column[name]}) = 0 THEN '{name}'" for name, _ in grouped)
        value_case = " ".join(f"WHEN GROUPING({column[name]}) = 0 THEN {value}" for name, value in grouped)
        statement = sql(
            "WITH m AS MATERIALIZED (SELECT ps.category_ids, ps.province_code, ps.program_ids, ps.ocop_stars,"
            f" ps.price_vnd, ps.in_stock FROM product_search ps WHERE {_where(query, clauses)})"
            " SELECT 'category' AS facet, c::text AS value, count(*) AS n"
            " FROM (SELECT unnest(m.category_ids) AS c FROM m) AS categories GROUP BY c"
            " UNION ALL SELECT 'program', p::text, count(*)"
            " FROM (SELECT unnest(m.program_ids) AS p FROM m) AS programs GROUP BY p"
            f" UNION ALL SELECT CASE {facet_case} ELSE 'total' END, CASE {value_case} ELSE '' END, count(*)"
            f" FROM (SELECT m.province_code, m.ocop_stars, m.in_stock, CASE {' '.join(bands)} END AS band FROM m) AS x"
            " GROUP BY GROUPING SETS ((x.province_code), (x.ocop_stars), (x.band), (x.in_stock), ())"
        )
        return [(facet, value, int(n)) for facet, value, n in
                connection.execute(statement, {**params, **query.params, **band_params})]

    def _did_you_mean(self, connection, words: list[str], clauses: list[str], params: dict) -> str | None:
        """A whole corrected query when some words are in no product and close name words
        are, provided the corrected query finds something. Words are folded, except that
        they take the accents of the best matching product name where it has them."""
        known = self._known_words(connection, words)
        options: list[list[tuple[int, str]]] = []  # per word: (distance, word), best first
        for word in words:
            if word in known:
                options.append([(0, word)])
            else:
                options.append(self._corrections(connection, word) or [(0, word)])
        if all(len(o) == 1 and o[0][1] == w for o, w in zip(options, words)):
            return None
        combos = sorted(itertools.islice(itertools.product(*options), 64), key=lambda c: sum(d for d, _ in c))
        for combo in combos[:16]:
            corrected = [w for _, w in combo]
            if corrected == words:
                continue
            query = _Text(corrected, loose=False)
            names = connection.execute(
                sql(f"SELECT ps.name FROM product_search ps WHERE {_where(query, clauses)}"
                     f" ORDER BY {query.score} DESC, ps.product_id LIMIT 3"),
                {**params, **query.params},
            ).scalars().all()
            if not names:
                continue
            accented: dict[str, str] = {}
            for name in names:
                for m in WORD_RE.finditer(unicodedata.normalize("NFC", name)):
                    accented.setdefault(fold(m.group()), m.group().lower())
            return " ".join(accented.get(w, w) for w in corrected)
        return None

    @staticmethod
    def _known_words(connection, words: list[str]) -> set[str]:
        """The words that some product has (in any of its texts)."""
        values = ", ".join(f"(:k_word{i}, CAST(:k_query{i} AS tsquery))" for i in range(len(words)))
        params = {f"k_word{i}": w for i, w in enumerate(words)} | {f"k_query{i}": _lexeme(w) for i, w in enumerate(words)}
        statement = sql(
            f"SELECT v.word FROM (VALUES {values}) AS v(word, query)"
            " WHERE EXISTS (SELECT 1 FROM product_search ps WHERE ps.search_vector @@ v.query)"
        )
        return set(connection.execute(statement, params).scalars())

    @staticmethod
    def _corrections(connection, word: str, limit: int = 4) -> list[tuple[int, str]]:
        """Close words of the product names: candidates by pg_trgm (names holding a part of
        the word, through the trigram index), kept when within edit distance 1 (2 for
        words of five letters or more) and starting with the same letter; nearest first,
        then those of the same length, then the most similar and the most frequent."""
        if len(word) < 2 or len(word) > FUZZY_MAX_LENGTH:
            return []
        allowed = 2 if len(word) >= 5 else 1
        _set_similarity(connection, CANDIDATE_SIMILARITY)
        rows = connection.execute(
            sql(
                "SELECT w, similarity(w, :word) AS s, count(*) AS n"
                " FROM product_search ps CROSS JOIN LATERAL unnest(string_to_array(ps.name_folded, ' ')) AS w"
                " WHERE ps.name_folded %> :word AND left(w, 1) = left(:word, 1) AND w <> :word"
                " AND length(w) BETWEEN :shortest AND :longest"
                " GROUP BY w ORDER BY s DESC, n DESC, w LIMIT 100"
            ),
            {"word": word, "shortest": len(word) - allowed, "longest": len(word) + allowed},
        ).all()
        _set_similarity(connection, TYPO_SIMILARITY)  # the loose queries' threshold again
        candidates = []
        for candidate, similarity, frequency in rows:
            distance = edit_distance(candidate, word, allowed)
            if distance <= allowed:
                # a swapped or mistyped letter (same length) before a missing or extra one
                key = (distance, abs(len(candidate) - len(word)), -float(similarity), -int(frequency), candidate)
                candidates.append(key)
        return [(key[0], key[-1]) for key in sorted(candidates)[:limit]]

    def suggest(self, text: str, limit: int = 8) -> list[str]:
        """Product names for the as-you-type box: every word in the name, the last one as a
        prefix while it is being typed; names starting with the typed words first. When
        nothing matches, names similar to the typed text (pg_trgm) are offered."""
        raw = str(text or "")[:MAX_QUERY_LENGTH]
        words = query_words(raw)
        limit = _int(limit, 8, 0, MAX_PER_PAGE)
        if not words or limit <= 0:
            return []
        typing_last_word = not raw[-1:].isspace()
        typed = " ".join(words)
        try:
            with db.session.begin_nested():
                connection = db.session.connection()
                params = {"q": tsquery_all(words, prefix_last=typing_last_word), "typed": typed,
                          "n": max(limit * 5, 50)}
                rows = connection.execute(sql(
                    "SELECT ps.name FROM product_search ps"
                    " WHERE ps.search_vector @@ CAST(:q AS tsquery)"
                    " AND ts_filter(ps.search_vector, '{a}') @@ CAST(:q AS tsquery)"
                    f" ORDER BY starts_with(ps.name_folded, :typed) DESC,"
                    f" ts_rank_cd('{RANK_WEIGHTS}', ps.search_vector, CAST(:q AS tsquery), 32) DESC,"
                    " length(ps.name), ps.product_id LIMIT :n"
                ), params).scalars().all()
                if not rows and len(typed) >= FUZZY_MIN_LENGTH:
                    _set_similarity(connection, TYPO_SIMILARITY)
                    rows = connection.execute(sql(
                        "SELECT ps.name FROM product_search ps WHERE ps.name_folded %> :typed"
                        " ORDER BY word_similarity(:typed, ps.name_folded) DESC, length(ps.name), ps.product_id"
                        " LIMIT :n"
                    ), params).scalars().all()
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


def _where(query: _Text, clauses: list[str]) -> str:
    return " AND ".join([query.where, *clauses])


def _total(rows) -> int:
    return next((n for facet, _value, n in rows if facet == "total"), 0)


def _facets_of(rows) -> dict[str, dict[str, int]]:
    """The facets in the shape the Whoosh engine gives: values with no product left out,
    most first; price bands in their order; in_stock always has "true"."""
    grouped: dict[str, dict[str, int]] = {"category": {}, "province": {}, "program": {}, "ocop": {}, "price": {}}
    in_stock = 0
    for facet, value, n in rows:
        if facet == "in_stock":
            in_stock += n if value == "true" else 0
        elif facet in grouped and n and value is not None:
            grouped[facet][value] = n
    facets = {
        name: dict(sorted(grouped[name].items(), key=lambda item: (-item[1], item[0])))
        for name in ("category", "province", "program", "ocop")
    }
    facets["price"] = {key: grouped["price"][key] for key, _low, _high in PRICE_BANDS if key in grouped["price"]}
    facets["in_stock"] = {"true": in_stock}
    return facets


def _set_similarity(connection, threshold: float) -> None:
    """The pg_trgm word-similarity threshold of `%>` for the rest of the transaction."""
    connection.execute(sql("SELECT set_config('pg_trgm.word_similarity_threshold', :t, true)"),
                       {"t": str(threshold)})


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
UPSERT = sql(
    f"INSERT INTO product_search ({', '.join(_COLUMNS)}) VALUES ("
    + ", ".join(f"CAST(:{c} AS {_CASTS[c]})" if c in _CASTS else f":{c}" for c in _COLUMNS)
    + ") ON CONFLICT (product_id) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in _COLUMNS if c != "product_id")
)


def _upsert(connection, documents: list[ProductDocument]) -> None:
    """One statement run for every row (psycopg pipelines executemany)."""
    if documents:
        connection.execute(UPSERT, [document_row(doc) for doc in documents])


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


def _take_queue(connection, limit: int | None = QUEUE_DRAIN_LIMIT) -> set[int]:
    """Remove queued ids (those no other transaction is taking) and return them."""
    limit_sql = "" if limit is None else f" LIMIT {int(limit)}"
    statement = sql(
        "DELETE FROM search_queue WHERE product_id IN (SELECT product_id FROM search_queue"
        f" ORDER BY product_id{limit_sql} FOR UPDATE SKIP LOCKED) RETURNING product_id"
    )
    return set(connection.execute(statement).scalars())


__all__ = ["PostgresBackend", "words_of", "query_words", "snippet", "edit_distance", "tsvector_literal"]

