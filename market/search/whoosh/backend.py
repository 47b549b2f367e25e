"""The default search engine: a Whoosh index in a folder (under the instance folder).

How to read this package, bottom to top:

- analysis.py: the schema, how text becomes terms, a product's fields;
- internals.py: every short cut through Whoosh's private objects (pinned version, tests);
- bitsets.py: sets of documents as Python ints;
- segments.py: what a search needs of one segment, read once and kept across writes;
- view.py: one generation of the index - matching, facet counts, sorting, BM25F scores;
- bulk_writer.py: the fast segment writer of a rebuild;
- store.py: the versioned folders, locks, writes and the rebuild's swap;
- backend.py (here): `WhooshBackend` - the per-thread searcher, search, "did you mean",
  suggestions; writes go to the store;
- check.py: what the index holds of each product, read back for `search verify`.

User text never goes through Whoosh's query language: it is cut into words and every word
becomes term look-ups, so quotes, `*`, `?`, `AND OR NOT` and parentheses are just characters.
Searches do not use Whoosh's matchers or collectors (see view.py); rebuilds do not use its
general writer (see bulk_writer.py). bench/README.md has the figures.
"""
from __future__ import annotations

import logging
import os
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from whoosh import index as windex

from market.search.backend import (
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
    MAX_PER_PAGE,
    bounded_int,
    corrected_queries,
    corrections,
    distinct_names,
    has_no_words,
    is_loose,
    query_words,
    typing_last_word,
    with_accents,
)
from market.search.whoosh.analysis import TEXT_FIELDS, make_schema
from market.search.whoosh.bitsets import count_bits
from market.search.whoosh.segments import SegmentCache
from market.search.whoosh.store import IndexStore
from market.search.whoosh.view import Group, View, exact_clauses
from market.search.words import highlighted
from market.text import fold

log = logging.getLogger(__name__)

# Fields whose words "did you mean" may suggest (descriptions are too noisy).
SPELLING_FIELDS = ("name", "category_name", "seller_name", "badges")


class _Local(threading.local):
    pid = None
    version = None
    ix = None
    searcher = None
    view = None


class WhooshBackend(SearchBackend):
    """Whoosh index in versioned folders under `path` (see store.py)."""

    def __init__(self, path: str, lock_timeout: float = 2.0):
        self.schema = make_schema()
        self.store = IndexStore(path, lock_timeout, self.schema)
        self._local = _Local()
        self._segments = SegmentCache(self.schema)  # shared by the threads of this process

    @property
    def path(self) -> str:
        return self.store.path

    @property
    def lock_timeout(self) -> float:
        return self.store.lock_timeout

    @lock_timeout.setter
    def lock_timeout(self, seconds: float) -> None:
        self.store.lock_timeout = float(seconds)

    def current_version(self) -> str | None:
        """The folder name of the live index ("v3"), or None before the first write."""
        return self.store.current_version()

    # -- writing: the store's (see store.py) -----------------------------------------------

    def update(self, documents: list[ProductDocument], removed_ids: list[int]) -> None:
        """Add or replace `documents`, remove `removed_ids`; IndexBusy after `lock_timeout`."""
        self.store.update(documents, removed_ids)

    @contextmanager
    def writing(self) -> Iterator:
        """Hold the index's WRITELOCK and give the function that writes under it."""
        with self.store.writing() as write:
            yield write

    def rebuild(self, batches: Iterable[list[ProductDocument]], progress: ProgressCallback | None = None) -> int:
        """Index every document into a fresh index and swap it in; gives the count."""
        return self.store.rebuild(batches, progress)

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
            ix = self.store.open_version(version)
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
        st.version = st.ix = st.searcher = st.view = None

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

    def _view(self, searcher) -> View:
        """This thread's view of `searcher` (made once per index generation)."""
        st = self._local
        if st.view is None or st.view.searcher is not searcher:
            st.view = None
            view = View(searcher, st.version, st.ix.storage, self._segments)
            self._segments.keep_only(view.keys)
            st.view = view
        return st.view

    def doc_count(self) -> int:
        """Documents in the live index (for `search status`-style commands and tests)."""
        return self._read(lambda searcher: searcher.doc_count() if searcher is not None else 0) or 0

    # -- searching ------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResult:
        page = bounded_int(request.page, 1, 1, 10**9)
        per_page = bounded_int(request.per_page, 24, 1, MAX_PER_PAGE)
        words = query_words(request.text)
        empty = SearchResult(hits=[], total=0, page=page, per_page=per_page, facets=_empty_facets())
        if has_no_words(request.text):
            return empty
        result = self._read(lambda searcher: self._search(searcher, request, words, page, per_page))
        return result or empty

    def _search(self, searcher, request: SearchRequest, words: list[str], page: int, per_page: int):
        if searcher is None:
            return None
        view = self._view(searcher)
        allowed = view.allowed(request)
        sort = request.sort if request.sort in SORTS else "relevance"
        if sort == "relevance" and not words:
            sort = "newest"

        loose = False
        groups: list[Group] = []
        if words:
            groups = [view.group(exact_clauses(w)) for w in words]
            matched = view.match(groups, allowed)
            total = count_bits(matched)
            if total < FEW_HITS and is_loose(words):  # typos and the as-you-type last word
                last = len(words) - 1
                loose_groups = [view.group(view.loose_clauses(w, i == last)) for i, w in enumerate(words)]
                loosely = view.match(loose_groups, allowed)
                if count_bits(loosely) > total:
                    groups, matched, total, loose = loose_groups, loosely, count_bits(loosely), True
        else:
            matched = allowed
            total = count_bits(matched)
        facets = view.facets(matched)
        suggestion = self._did_you_mean(view, words, allowed) if words and total < FEW_HITS else None

        start = (page - 1) * per_page
        hits: list[Hit] = []
        if start < total:
            end = min(start + per_page, total)
            if sort == "relevance":
                page_docs = self._ranked(view, groups, matched, [] if loose else words, end)[start:end]
            else:
                page_docs = view.top_sorted(sort, matched, end)[start:end]
            query, highlight = tuple(words), request.highlight
            for score, docnum in page_docs:
                stored = view.stored_fields(docnum)
                hits.append(Hit(
                    product_id=int(stored["id"]),
                    score=float(score),
                    name=highlighted(stored.get("name", ""), query, loose, window=False) if highlight else None,
                    description=(highlighted(stored.get("description", ""), query, loose, window=True)
                                 if words and highlight else None),
                ))
        return SearchResult(hits=hits, total=total, page=page, per_page=per_page, facets=facets,
                            suggestion=suggestion)

    @staticmethod
    def _ranked(view: View, groups: list[Group], matched: list[int], name_words: list[str], k: int):
        """The best `k` matches: those in stock before those sold out, and within each,
        those with every one of `name_words` in the name first, a name that is just those
        words before the others (as the PostgreSQL engine ranks them), then by score."""
        in_stock = view.in_stock(matched)
        tiers = [in_stock, [bits & ~stocked for bits, stocked in zip(matched, in_stock)]]
        if name_words:
            named = view.match([view.group((("name", w, 1.0),)) for w in name_words], view.live)
            tiers = [split for tier in tiers for split in ([bits & n for bits, n in zip(tier, named)],
                                                          [bits & ~n for bits, n in zip(tier, named)])]
        exact = " ".join(name_words)
        ranked: list[tuple[float, int]] = []
        for tier in tiers:
            if len(ranked) >= k:
                break
            if any(tier):
                best = view.top_scored(groups, tier, k - len(ranked))
                if exact:  # a name that is the query, no more, first (stable: by score after that)
                    best.sort(key=lambda found: view.folded_name(found[1]) != exact)
                ranked += best
        return ranked

    def _did_you_mean(self, view: View, words: list[str], allowed: list[int]) -> str | None:
        """A whole corrected query when some words are in no document and close words of
        the spelling fields are (matching.corrections), provided the corrected query finds
        something (tried in matching.corrected_queries order). Words are folded, except that
        they take the accents of the best matching product name where it has them."""
        reader = view.reader
        spelling = self._spelling_words(view)
        options: list[list[tuple[int, str]]] = []  # per word: (distance, word), best first
        for word in words:
            if any(reader.doc_frequency(field, word) for field in TEXT_FIELDS):
                options.append([(0, word)])
            else:
                options.append(corrections(word, spelling.get(word[:1], ())) or [(0, word)])
        tried = corrected_queries(words, options)
        # Prefer a correction whose words are together in a product name, then anywhere.
        for clauses_of in (lambda w: (("name", w, 1.0),), exact_clauses):
            for corrected in tried:
                groups = [view.group(clauses_of(w)) for w in corrected]
                matched = view.match(groups, allowed)
                if count_bits(matched):
                    names = [view.stored_fields(docnum).get("name", "")
                             for _score, docnum in view.top_scored(groups, matched, 3)]
                    return with_accents(corrected, names)
        return None

    @staticmethod
    def _spelling_words(view: View) -> dict[str, list[tuple[str, int]]]:
        """first letter -> (word, documents with it) of the spelling fields, kept with the
        view (one index generation)."""
        if view.spelling is not None:
            return view.spelling
        reader = view.reader
        frequencies: Counter[str] = Counter()
        for field in SPELLING_FIELDS:
            for btext in reader.lexicon(field):
                word = btext.decode("utf-8")
                frequencies[word] += reader.doc_frequency(field, btext)
        words: dict[str, list[tuple[str, int]]] = {}
        for word, frequency in frequencies.items():
            words.setdefault(word[0], []).append((word, frequency))
        view.spelling = words
        return words

    def suggest(self, text: str, limit: int = 8) -> list[str]:
        words = query_words(text)
        if not words or limit <= 0:
            return []
        typing = typing_last_word(text)
        return self._read(lambda searcher: self._suggest(searcher, words, typing, limit)) or []

    def _suggest(self, searcher, words: list[str], typing: bool, limit: int) -> list[str]:
        """Names having the complete words and a word starting with the last one, those
        starting with the typed text first, then by BM25 of the name."""
        if searcher is None:
            return []
        view = self._view(searcher)
        *complete, last = words
        groups = [view.group((("name", w, 1.0),)) for w in complete]
        if typing:
            clauses = tuple(("name", term, 1.0) for term in view.prefix_terms("name", last))
        else:
            clauses = (("name", last, 1.0),)
        if not clauses:
            return []
        groups.append(view.group(clauses))
        matched = view.match(groups, view.live)
        typed = " ".join(words)
        candidates = []
        for score, docnum in view.top_scored(groups, matched, max(limit * 5, 50)):
            name = view.stored_fields(docnum).get("name", "")
            candidates.append((0 if fold(name).startswith(typed) else 1, -score, len(name), name))
        return distinct_names((name for *_, name in sorted(candidates)), limit)


def _empty_facets() -> dict[str, dict[str, int]]:
    return {"category": {}, "province": {}, "program": {}, "ocop": {}, "price": {}, "in_stock": {}}
