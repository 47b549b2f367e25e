"""The default search engine: a Whoosh index in a folder (under the instance folder).

Layout of the index folder (`path`)::

    CURRENT              the name of the live version ("v3"), replaced atomically (os.replace)
    v3/                  the live Whoosh index; readers open the version CURRENT names
    WRITELOCK            file lock (flock) every writer takes, with a timeout
    REBUILDLOCK          file lock a rebuild holds from start to end (one rebuild at a time)
    REBUILDING           present while a rebuild runs: the token of its journal
    journal-<token>.jsonl   writes made during a rebuild, replayed into the new index before the swap
    .build-<token>/      the index a rebuild is writing

Writes (`update`) take WRITELOCK for at most `lock_timeout` seconds and raise `IndexBusy`
when they cannot: the caller queues the ids and tries again later. Whoosh itself allows one
writer per index; WRITELOCK additionally spans versions, so a write can never land in a
version that a rebuild is swapping out.

A rebuild writes a brand-new index in `.build-<token>` without holding WRITELOCK (searches
and writes go on against the live version), journals the writes that happen meanwhile,
then, under WRITELOCK, replays the journal, renames the folder to `v<N+1>`, points CURRENT
at it and deletes the old versions. A searcher still open on an old version keeps working
(POSIX keeps deleted files readable while open); the next search opens the new version.

Text is folded with `market.text.fold` (lower case, no tones or marks, đ -> d) both when
indexing and when searching; no stop words are removed and one-letter syllables are kept.
User text never goes through Whoosh's query language: it is cut into words and every word
becomes Term queries, so quotes, `*`, `?`, `AND OR NOT` and parentheses are just characters.
"""
from __future__ import annotations

import heapq
import itertools
import json
import logging
import os
import re
import secrets
import shutil
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime

from whoosh import fields as wf
from whoosh import index as windex
from whoosh.analysis import Filter, RegexTokenizer
from whoosh.codec.whoosh3 import W3Codec, W3Segment
from whoosh.columns import NumericColumn
from whoosh.query import And, FuzzyTerm, Or, Prefix, Term
from whoosh.support.levenshtein import distance
from whoosh.util import IDCHARS
from whoosh.util.filelock import FileLock, try_for

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
from market.search.words import (
    FEW_HITS,
    FUZZY_MAX_LENGTH,
    FUZZY_MIN_LENGTH,
    MAX_PER_PAGE,
    MAX_QUERY_WORDS,
    MAX_TOKEN_LENGTH,
    WORD_RE,
    snippet,
    words_of,
)
from market.text import fold

log = logging.getLogger(__name__)

# A word: letters and digits (any script), not underscores. Used for indexing, queries and
# highlighting alike so the three always agree.
REBUILD_SWAP_TIMEOUT = 30.0  # how long a finished rebuild waits for the writers before its swap

# Text fields a query word may match in, with the boost of a loose (fuzzy/prefix) match there.
TEXT_FIELDS = ("name", "description", "seller_name", "category_name", "badges")
LOOSE_BOOST = {"name": 1.5, "description": 0.3, "seller_name": 0.5, "category_name": 0.5, "badges": 0.5}
# Fields where the last word may match as a prefix (elsewhere "pha" would match "sản phẩm").
PREFIX_FIELDS = ("name",)
# Fields whose words "did you mean" may suggest (descriptions are too noisy).
SPELLING_FIELDS = ("name", "category_name", "seller_name", "badges")
# facet name -> field; each value of the field is a facet value.
TERM_FACETS = {
    "category": "category_ids",
    "province": "province",
    "program": "programs",
    "ocop": "ocop",
    "in_stock": "in_stock",
}
_VERSION_RE = re.compile(r"^v(\d+)$")


class IndexBusy(Exception):
    """Another writer held the index longer than the lock timeout; try again later."""


# -- analysis -------------------------------------------------------------------------




class FoldingTokenizer(RegexTokenizer):
    """Folds the whole value (market.text.fold) and then cuts it into words.

    Folding comes first so that text in decomposed form (a letter followed by combining
    marks, which are not word characters) still gives whole words."""

    def __init__(self):
        super().__init__(expression=WORD_RE.pattern, gaps=False)

    def __call__(self, value, **kwargs):
        return super().__call__(fold(value), **kwargs)


class FoldFilter(Filter):
    """Folds each token (idempotent after FoldingTokenizer; kept so the chain stays right
    if the tokenizer is ever swapped) and drops over-long tokens. No stop words."""

    def __call__(self, tokens):
        for token in tokens:
            text = token.text if token.text.isascii() and token.text == token.text.lower() else fold(token.text)
            if text and len(text) <= MAX_TOKEN_LENGTH:
                token.text = text
                yield token


def folding_analyzer():
    return FoldingTokenizer() | FoldFilter()


def make_schema() -> wf.Schema:
    analyzer = folding_analyzer()
    return wf.Schema(
        id=wf.ID(stored=True, unique=True),
        pid=wf.COLUMN(NumericColumn("q")),  # columns: sort keys and price bands, not indexed
        name=wf.TEXT(analyzer=analyzer, field_boost=3.0, stored=True),
        description=wf.TEXT(analyzer=analyzer, stored=True),
        seller_name=wf.TEXT(analyzer=analyzer),
        category_name=wf.TEXT(analyzer=analyzer),
        badges=wf.TEXT(analyzer=analyzer),
        category_ids=wf.KEYWORD(commas=True),
        province=wf.ID(),
        programs=wf.KEYWORD(commas=True),
        ocop=wf.ID(),
        price=wf.COLUMN(NumericColumn("q")),
        in_stock=wf.ID(),
        listed_at=wf.COLUMN(NumericColumn("q")),  # µs since the epoch, UTC
    )


def _timestamp(value: datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # the database keeps UTC
    return int(value.timestamp() * 1_000_000)


def document_fields(doc: ProductDocument) -> dict:
    """The Whoosh fields of one product."""
    category_ids = dict.fromkeys([doc.category_id, *doc.category_ids])
    fields = {
        "id": str(doc.id),
        "pid": int(doc.id),
        "name": doc.name or "",
        "description": doc.description or "",
        "seller_name": doc.seller_name or "",
        "category_name": doc.category_name or "",
        "badges": " ".join(doc.program_badges),
        "category_ids": ",".join(str(i) for i in category_ids if i is not None),
        "programs": ",".join(str(i) for i in doc.program_ids),
        "province": doc.province_code or "",
        "ocop": str(doc.ocop_stars) if doc.ocop_stars else "",
        "price": int(doc.price_vnd),
        "in_stock": "true" if doc.in_stock else "false",
        "listed_at": _timestamp(doc.listed_at),
    }
    return {key: value for key, value in fields.items() if value != ""}


# -- queries ----------------------------------------------------------------------------


def _any(parts: list) -> Or:
    """Or as a lazy tree of unions: inside an And, only candidates of the rarest word are
    scored (Whoosh's default for small indexes preloads and scores every posting)."""
    query = Or(parts)
    query.matcher_type = Or.DEFAULT_MATCHER
    return query


def _exact_word(word: str) -> Or:
    return _any([Term(field, word) for field in TEXT_FIELDS])


def _loose_word(word: str, is_last: bool) -> Or:
    parts = [Term(field, word) for field in TEXT_FIELDS]
    if FUZZY_MIN_LENGTH <= len(word) <= FUZZY_MAX_LENGTH:
        parts += [FuzzyTerm(f, word, maxdist=1, prefixlength=1, boost=LOOSE_BOOST[f]) for f in TEXT_FIELDS]
    if is_last and len(word) >= 2:
        parts += [Prefix(f, word, boost=LOOSE_BOOST[f]) for f in PREFIX_FIELDS]
    return _any(parts)


def _is_loose(words: list[str]) -> bool:
    """Whether a loose query would differ from the exact one."""
    return any(FUZZY_MIN_LENGTH <= len(w) <= FUZZY_MAX_LENGTH for w in words) or len(words[-1]) >= 2


class _Matcher:
    """Decides which words of stored text the query matched (for highlighting)."""

    def __init__(self, words: list[str], loose: bool):
        self.exact = set(words)
        self.fuzzy = [w for w in words if FUZZY_MIN_LENGTH <= len(w) <= FUZZY_MAX_LENGTH] if loose else []
        self.prefix = words[-1] if loose and words and len(words[-1]) >= 2 else None  # (any field: harmless)

    def __call__(self, word: str) -> bool:
        if word in self.exact:
            return True
        if self.prefix and word.startswith(self.prefix):
            return True
        return any(word[:1] == w[:1] and distance(word, w, limit=1) <= 1 for w in self.fuzzy)






# -- the backend -------------------------------------------------------------------------


class _Local(threading.local):
    pid = None
    version = None
    ix = None
    searcher = None
    facet_searcher = None
    facet_sets = None
    spelling_searcher = None
    spelling = None


class WhooshBackend(SearchBackend):
    """Whoosh index in versioned folders under `path` (see the module docstring)."""

    def __init__(self, path: str, lock_timeout: float = 2.0):
        self.path = os.path.abspath(os.fspath(path))
        self.lock_timeout = float(lock_timeout)
        self.schema = make_schema()
        self._local = _Local()

    # -- files and locks ------------------------------------------------------------------

    def _file(self, name: str) -> str:
        return os.path.join(self.path, name)

    def current_version(self) -> str | None:
        """The folder name of the live index ("v3"), or None before the first write."""
        try:
            with open(self._file("CURRENT"), encoding="ascii") as f:
                version = f.read().strip()
        except (FileNotFoundError, UnicodeDecodeError):
            return None
        return version if _VERSION_RE.match(version) else None

    def _write_file(self, name: str, content: str) -> None:
        """Write a small file atomically (temporary file + os.replace)."""
        tmp = self._file(f".{name}.tmp-{secrets.token_hex(4)}")
        with open(tmp, "w", encoding="ascii") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self._file(name))
        _fsync_dir(self.path)

    @contextmanager
    def _lock(self, name: str, timeout: float, what: str) -> Iterator[None]:
        os.makedirs(self.path, exist_ok=True)
        lock = FileLock(self._file(name))
        if not try_for(lock.acquire, timeout=timeout, delay=0.02):
            raise IndexBusy(f"the search index at {self.path} is busy ({what}); try again later")
        try:
            yield
        finally:
            lock.release()

    def _versions(self) -> list[int]:
        try:
            names = os.listdir(self.path)
        except FileNotFoundError:
            return []
        return sorted(int(m.group(1)) for m in map(_VERSION_RE.match, names) if m)

    def _ensure_index(self) -> str:
        """The live version, creating an empty index on first use (call under WRITELOCK)."""
        version = self.current_version()
        if version is not None and windex.exists_in(self._file(version)):
            return version
        version = f"v{max(self._versions(), default=0) + 1}"
        folder = self._file(version)
        os.makedirs(folder, exist_ok=True)
        windex.create_in(folder, self.schema)
        self._write_file("CURRENT", version + "\n")
        return version

    # -- reading --------------------------------------------------------------------------

    def _searcher(self):
        """This thread's searcher on the live version, reopened when the version or the
        index changed; None when there is no index yet."""
        st = self._local
        if st.pid != os.getpid():  # forked: never share file positions with the parent
            st.__dict__.clear()
            st.pid = os.getpid()
        version = self.current_version()
        if version is None:
            return None
        if version != st.version or st.searcher is None:
            ix = windex.open_dir(self._file(version), schema=self.schema)
            searcher = ix.searcher()
            self._close_local()
            st.version, st.ix, st.searcher = version, ix, searcher
        elif not st.searcher.up_to_date():
            # A new searcher, not Searcher.refresh(): whoosh-reloaded 2.7.5 reuses segment
            # readers by segment there and keeps seeing documents deleted since.
            ix, searcher = st.ix, st.ix.searcher()
            self._close_local()
            st.version, st.ix, st.searcher = version, ix, searcher
        return st.searcher

    def _close_local(self) -> None:
        st = self._local
        if st.searcher is not None:
            try:
                st.searcher.close()
            except OSError:  # pragma: no cover - closing an index whose files are gone
                log.debug("closing an old searcher failed", exc_info=True)
        st.version = st.ix = st.searcher = st.facet_searcher = st.facet_sets = None
        st.spelling_searcher = st.spelling = None

    def _read(self, fn):
        """Run fn(searcher), retrying when the version vanished under us (a rebuild swapped
        it and deleted the old files between reading CURRENT and opening them)."""
        for attempt in range(3):
            try:
                searcher = self._searcher()
                return fn(searcher)
            except (OSError, windex.EmptyIndexError, windex.IndexVersionError):
                self._close_local()
                if attempt == 2:
                    raise
                log.info("search index changed while reading; reopening", exc_info=True)

    def _facet_sets(self, searcher) -> dict:
        """facet -> value -> set of docnums (and the sort columns), cached while the
        searcher is current: filters and facet counts are then set operations."""
        st = self._local
        if st.facet_searcher is searcher and st.facet_sets is not None:
            return st.facet_sets
        reader = searcher.reader()
        sets: dict[str, dict[str, set[int]]] = {}
        for facet, field in TERM_FACETS.items():
            values = {}
            for btext in reader.lexicon(field):
                docs = set(reader.postings(field, btext).all_ids())
                if docs:
                    values[btext.decode("utf-8")] = docs
            sets[facet] = values
        sets["all"] = {"": set(reader.all_doc_ids())}
        # Sort keys by docnum (deleted documents keep a slot; they are never matched).
        sets["columns"] = columns = {
            field: list(reader.column_reader(field)) if reader.doc_count_all() else []
            for field in ("price", "listed_at", "pid")
        }
        prices = columns["price"]
        sets["price"] = {
            key: {d for d in sets["all"][""] if prices[d] >= low and (high is None or prices[d] < high)}
            for key, low, high in PRICE_BANDS
        }
        st.facet_searcher, st.facet_sets = searcher, sets
        return sets

    def search(self, request: SearchRequest) -> SearchResult:
        page = _int(request.page, 1, 1, 10**9)
        per_page = _int(request.per_page, 24, 1, MAX_PER_PAGE)
        text = str(request.text or "")[:MAX_QUERY_LENGTH]
        words = list(dict.fromkeys(words_of(text)))[:MAX_QUERY_WORDS]
        empty = SearchResult(hits=[], total=0, page=page, per_page=per_page, facets=_empty_facets())
        if text.strip() and not words:  # only punctuation, emoji, control characters...
            return empty
        result = self._read(lambda searcher: self._search(searcher, request, words, page, per_page))
        return result or empty

    def _search(self, searcher, request: SearchRequest, words: list[str], page: int, per_page: int):
        if searcher is None:
            return None
        sets = self._facet_sets(searcher)
        allowed = self._allowed(sets, request)
        sort = request.sort if request.sort in SORTS else "relevance"
        if sort == "relevance" and not words:
            sort = "newest"
        scored = sort == "relevance"

        def run(query) -> list[tuple[float, int]]:
            """(score, docnum) of the allowed matches, best first when scored."""
            if not allowed:  # (Whoosh takes an empty filter set for no filter at all)
                return []
            if scored:
                return list(searcher.search(query, filter=allowed, limit=None, terms=False).top_n)
            return [(0.0, docnum) for docnum in query.docs(searcher) if docnum in allowed]

        loose = False
        if words:
            ranked = run(And([_exact_word(w) for w in words]))
            if len(ranked) < FEW_HITS and _is_loose(words):
                loosely = run(And([_loose_word(w, i == len(words) - 1) for i, w in enumerate(words)]))
                if len(loosely) > len(ranked):
                    ranked, loose = loosely, True
            matched = {docnum for _, docnum in ranked}
        else:
            ranked, matched = [], allowed
        total = len(matched)
        facets = self._facets(sets, matched)
        suggestion = self._did_you_mean(searcher, words, allowed) if words and total < FEW_HITS else None

        start = (page - 1) * per_page
        hits: list[Hit] = []
        if start < total:
            end = min(start + per_page, total)
            if scored:
                page_docs = ranked[start:end]
            else:
                columns = sets["columns"]
                primary = columns["listed_at" if sort == "newest" else "price"]
                pid = columns["pid"]
                order = heapq.nsmallest if sort == "price_asc" else heapq.nlargest
                page_docs = [(0.0, d) for d in order(end, matched, key=lambda d: (primary[d], pid[d]))[start:end]]
            matches = _Matcher(words, loose)
            for score, docnum in page_docs:
                stored = searcher.stored_fields(docnum)
                hits.append(Hit(
                    product_id=int(stored["id"]),
                    score=float(score),
                    name=snippet(stored.get("name", ""), matches, window=False),
                    description=snippet(stored.get("description", ""), matches, window=True) if words else None,
                ))
        return SearchResult(hits=hits, total=total, page=page, per_page=per_page, facets=facets,
                            suggestion=suggestion)

    @staticmethod
    def _allowed(sets: dict, request: SearchRequest) -> set[int]:
        allowed = sets["all"][""]
        wanted = [
            ("category", request.category_id),
            ("province", request.province_code),
            ("program", request.program_id),
            ("ocop", request.ocop_stars),
        ]
        for facet, value in wanted:
            if value is not None and value != "":
                allowed = allowed & sets[facet].get(str(value), set())
        if request.price_band in sets["price"]:  # an unknown band is ignored
            allowed = allowed & sets["price"][request.price_band]
        if request.in_stock_only:
            allowed = allowed & sets["in_stock"].get("true", set())
        return allowed

    @staticmethod
    def _facets(sets: dict, matched: set[int]) -> dict[str, dict[str, int]]:
        """Counts of the matching documents per facet value, biggest first (values with no
        match are left out; in_stock counts only "true"). Each count equals a direct count of
        the matches under the current query and all current filters."""
        facets = {}
        for facet in ("category", "province", "program", "ocop"):
            counts = {value: len(matched & docs) for value, docs in sets[facet].items()}
            facets[facet] = dict(sorted(((v, n) for v, n in counts.items() if n), key=lambda item: (-item[1], item[0])))
        facets["price"] = {key: n for key, _, _ in PRICE_BANDS if (n := len(matched & sets["price"][key]))}
        in_stock = len(matched & sets["in_stock"].get("true", set()))
        facets["in_stock"] = {"true": in_stock} if in_stock else {}
        return facets

    def _did_you_mean(self, searcher, words: list[str], allowed: set[int]) -> str | None:
        """A whole corrected query when some words are in no document and close words are,
        provided the corrected query finds something. Words are folded, except that they
        take the accents of the best matching product name where it has them."""
        reader = searcher.reader()
        options: list[list[tuple[int, str]]] = []  # per word: (distance, word), best first
        for word in words:
            if any(reader.doc_frequency(field, word) for field in TEXT_FIELDS):
                options.append([(0, word)])
            else:
                options.append(self._corrections(searcher, word) or [(0, word)])
        if all(len(o) == 1 and o[0][1] == w for o, w in zip(options, words)):
            return None
        combos = sorted(itertools.islice(itertools.product(*options), 64), key=lambda c: sum(d for d, _ in c))
        combos = [[w for _, w in combo] for combo in combos[:16] if [w for _, w in combo] != words]
        # Prefer a correction whose words are together in a product name, then anywhere.
        for make_query in (lambda ws: And([Term("name", w) for w in ws]), lambda ws: And([_exact_word(w) for w in ws])):
            for corrected in combos:
                query = make_query(corrected)
                docs = set(query.docs(searcher)) & allowed
                if not docs:
                    continue
                accented: dict[str, str] = {}
                for hit in searcher.search(query, filter=docs, limit=3, terms=False):
                    for m in WORD_RE.finditer(unicodedata.normalize("NFC", hit.get("name", ""))):
                        accented.setdefault(fold(m.group()), m.group().lower())
                return " ".join(accented.get(w, w) for w in corrected)
        return None

    def _corrections(self, searcher, word: str, limit: int = 4) -> list[tuple[int, str]]:
        """Close words of the spelling fields (Damerau distance 1, or 2 for words of five
        letters or more; same first letter), nearest and then most frequent first."""
        if len(word) < 2 or len(word) > FUZZY_MAX_LENGTH:
            return []
        allowed = 2 if len(word) >= 5 else 1
        candidates = []
        for term, frequency in self._spelling_words(searcher).get(word[0], ()):
            if abs(len(term) - len(word)) <= allowed and term != word:
                d = distance(term, word, limit=allowed)
                if d <= allowed:
                    candidates.append((d, -frequency, term))
        return [(d, term) for d, _, term in sorted(candidates)[:limit]]

    def _spelling_words(self, searcher) -> dict[str, list[tuple[str, int]]]:
        """first letter -> (word, documents with it) of the spelling fields, cached while
        the searcher is current."""
        st = self._local
        if st.spelling_searcher is searcher and st.spelling is not None:
            return st.spelling
        reader = searcher.reader()
        frequencies: Counter[str] = Counter()
        for field in SPELLING_FIELDS:
            for btext in reader.lexicon(field):
                word = btext.decode("utf-8")
                frequencies[word] += reader.doc_frequency(field, btext)
        words: dict[str, list[tuple[str, int]]] = {}
        for word, frequency in frequencies.items():
            words.setdefault(word[0], []).append((word, frequency))
        st.spelling_searcher, st.spelling = searcher, words
        return words

    def suggest(self, text: str, limit: int = 8) -> list[str]:
        text = str(text or "")[:MAX_QUERY_LENGTH]
        words = list(dict.fromkeys(words_of(text)))[:MAX_QUERY_WORDS]
        if not words or limit <= 0:
            return []
        typing_last_word = not text[-1:].isspace()
        return self._read(lambda searcher: self._suggest(searcher, words, typing_last_word, limit)) or []

    @staticmethod
    def _suggest(searcher, words: list[str], typing_last_word: bool, limit: int) -> list[str]:
        if searcher is None:
            return []
        *complete, last = words
        parts = [Term("name", w) for w in complete]
        parts.append(Prefix("name", last) if typing_last_word else Term("name", last))
        query = And(parts) if len(parts) > 1 else parts[0]
        typed = " ".join(words)
        candidates = []
        for hit in searcher.search(query, limit=max(limit * 5, 50), terms=False):
            name = hit.get("name", "")
            candidates.append((0 if fold(name).startswith(typed) else 1, -(hit.score or 0.0), len(name), name))
        names, seen = [], set()
        for *_, name in sorted(candidates):
            key = fold(name)
            if key not in seen:
                seen.add(key)
                names.append(name)
            if len(names) >= limit:
                break
        return names

    # -- writing --------------------------------------------------------------------------

    def update(self, documents: list[ProductDocument], removed_ids: list[int]) -> None:
        """Add or replace `documents`, remove `removed_ids`. Raises IndexBusy when another
        writer holds the index for longer than `lock_timeout` (nothing is written then)."""
        documents = list({doc.id: doc for doc in documents}.values())  # the last one of an id wins
        removed_ids = list(dict.fromkeys(removed_ids))
        if not documents and not removed_ids:
            return
        with self._lock("WRITELOCK", self.lock_timeout, "another process is writing"):
            version = self._ensure_index()
            self._journal(documents, removed_ids)
            ix = windex.open_dir(self._file(version), schema=self.schema)
            try:
                _apply(ix, documents, removed_ids, self.lock_timeout)
            finally:
                ix.close()

    def _journal(self, documents: list[ProductDocument], removed_ids: list[int]) -> None:
        """While a rebuild runs, note the write for it to replay (call under WRITELOCK)."""
        try:
            with open(self._file("REBUILDING"), encoding="ascii") as f:
                token = f.read().strip()
        except FileNotFoundError:
            return
        rebuild_lock = FileLock(self._file("REBUILDLOCK"))
        if rebuild_lock.acquire(blocking=False):  # the rebuild died: forget its marker
            try:
                _remove(self._file("REBUILDING"), self._file(f"journal-{token}.jsonl"))
            finally:
                rebuild_lock.release()
            return
        entry = {"documents": [_to_json(doc) for doc in documents], "removed": list(removed_ids)}
        with open(self._file(f"journal-{token}.jsonl"), "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def rebuild(self, batches: Iterable[list[ProductDocument]], progress: ProgressCallback | None = None) -> int:
        """Index every document of `batches` into a fresh index and swap it in.

        `progress(n)` is told the size of each batch as it is indexed (an increment, like
        click's `progressbar.update`). Returns the number of documents indexed. Raises
        IndexBusy when another rebuild is running."""
        with self._lock("REBUILDLOCK", self.lock_timeout, "another rebuild is running"):
            token = secrets.token_hex(6)
            build = self._file(f".build-{token}")
            journal = self._file(f"journal-{token}.jsonl")
            self._cleanup_leftovers()
            try:
                with self._lock("WRITELOCK", self.lock_timeout, "another process is writing"):
                    self._write_file("REBUILDING", token + "\n")
                os.makedirs(build)
                ix = windex.create_in(build, self.schema)
                count = 0
                writer = ix.writer(limitmb=128, codec=FreshSegmentCodec())
                try:
                    for batch in batches:
                        for doc in batch:
                            writer.add_document(**document_fields(doc))
                        count += len(batch)
                        if progress:
                            progress(len(batch))
                    writer.commit(optimize=True)
                except BaseException:
                    _abandon(writer)
                    raise
                with self._lock("WRITELOCK", max(self.lock_timeout, REBUILD_SWAP_TIMEOUT), "writers did not finish"):
                    self._replay(ix, journal)
                    ix.close()
                    version = f"v{max(self._versions(), default=0) + 1}"
                    os.rename(build, self._file(version))
                    _fsync_dir(self.path)
                    self._write_file("CURRENT", version + "\n")
                    _remove(self._file("REBUILDING"), journal)
            except BaseException:
                _remove(self._file("REBUILDING"), journal)
                shutil.rmtree(build, ignore_errors=True)
                raise
            for old in self._versions():
                if f"v{old}" != version:
                    shutil.rmtree(self._file(f"v{old}"), ignore_errors=True)
            return count

    def _replay(self, ix, journal: str) -> None:
        """Apply the writes made during the rebuild, in order (last state of an id wins)."""
        try:
            with open(journal, encoding="utf-8") as f:
                entries = [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            return
        final: dict[int, ProductDocument | None] = {}
        for entry in entries:
            for product_id in entry["removed"]:
                final[int(product_id)] = None
            for data in entry["documents"]:
                doc = _from_json(data)
                final[doc.id] = doc
        if final:
            _apply(ix, [d for d in final.values() if d is not None],
                   [i for i, d in final.items() if d is None], self.lock_timeout)

    def _cleanup_leftovers(self) -> None:
        """Remove what a killed rebuild left (call under REBUILDLOCK)."""
        try:
            names = os.listdir(self.path)
        except FileNotFoundError:
            return
        for name in names:
            if name.startswith(".build-"):
                shutil.rmtree(self._file(name), ignore_errors=True)
            elif name.startswith("journal-") or name == "REBUILDING":
                _remove(self._file(name))

    def doc_count(self) -> int:
        """Documents in the live index (for `search status`-style commands and tests)."""
        return self._read(lambda searcher: searcher.doc_count() if searcher is not None else 0) or 0


# -- helpers ----------------------------------------------------------------------------


class FreshSegmentCodec(W3Codec):
    """Whoosh's default codec, except that a new segment gets an id drawn from `secrets`
    and never one that names files already in the folder.

    Whoosh draws segment ids from the global `random` module (`whoosh.util.random_name`).
    Whatever seeds it with a fixed value - Hypothesis does before every example, and so would
    any `random.seed(n)` in the app or a library - makes a later writer draw the id of a
    segment that is still live: its commit then dies on the assertion in
    `Segment.create_compound_file` (that segment's `.seg` file already exists), or, for a
    segment that is not compound, writes over the live segment's files."""

    def new_segment(self, storage, indexname):
        used = {name.split(".", 1)[0] for name in storage.list()}
        while True:
            segid = "".join(secrets.choice(IDCHARS) for _ in range(16))
            if f"{indexname}_{segid}" not in used:
                break
        # The segment (pickled into the index's TOC) keeps a plain W3Codec, so the index
        # files never refer to this module.
        codec = W3Codec(blocklimit=self._blocklimit, compression=self._compression,
                        inlinelimit=self._inlinelimit)
        return W3Segment(codec, indexname, segid=segid)


def _apply(ix, documents: list[ProductDocument], removed_ids: list[int], timeout: float) -> None:
    try:
        writer = ix.writer(timeout=timeout, codec=FreshSegmentCodec())
    except windex.LockError as error:
        raise IndexBusy(f"the search index at {ix.storage.folder} is locked by another writer") from error
    try:
        for product_id in removed_ids:
            writer.delete_by_term("id", str(product_id))
        for doc in documents:
            writer.update_document(**document_fields(doc))
        writer.commit()
    except BaseException:
        _abandon(writer)
        raise


def _abandon(writer) -> None:
    """Give up a writer whose work or commit failed: close its files and, above all, release
    Whoosh's lock on the index whatever state the failure left the writer in (a commit that
    raises returns before releasing it, and every later writer would wait for it in vain).
    The files of the unfinished segment are deleted by the next successful commit."""
    if getattr(writer, "is_closed", False):
        return
    try:
        writer.cancel()
        return
    except Exception:  # noqa: BLE001 - the original error is the one to raise
        log.warning("cancelling a failed search index writer failed; releasing its lock", exc_info=True)
    lock = getattr(writer, "writelock", None)
    if lock is not None:
        try:
            lock.release()
        except Exception:  # noqa: BLE001 - already released
            log.debug("the failed writer's lock was already released", exc_info=True)
    writer.is_closed = True


def _to_json(doc: ProductDocument) -> dict:
    data = asdict(doc)
    data["listed_at"] = doc.listed_at.isoformat()
    return data


def _from_json(data: dict) -> ProductDocument:
    data = dict(data)
    data["listed_at"] = datetime.fromisoformat(data["listed_at"])
    for key in ("category_ids", "program_ids", "program_badges"):
        data[key] = tuple(data[key])
    return ProductDocument(**data)


def _empty_facets() -> dict[str, dict[str, int]]:
    return {"category": {}, "province": {}, "program": {}, "ocop": {}, "price": {}, "in_stock": {}}


def _int(value, default: int, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return min(max(number, low), high)


def _remove(*paths: str) -> None:
    for path in paths:
        try:
            os.remove(path)
        except FileNotFoundError:
            pass


def _fsync_dir(path: str) -> None:
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
