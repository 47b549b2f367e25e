"""What searches need of one Whoosh segment, read from its files once and kept.

A segment's files never change: merging writes a new segment and deletions live in the
index's table of contents. So the facet values and price bands (as bit sets), the sort
columns and, on demand, each term's postings are read once per segment and stay right for
as long as the segment exists, across index generations (each generation masks the
deleted documents out with its own `live` bits; see view.py).
"""
from __future__ import annotations

import logging
import os
import threading
import weakref
from array import array
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Mapping
from types import MappingProxyType

from whoosh.filedb.filestore import FileStorage
from whoosh.reading import SegmentReader

from market.search.backend import PRICE_BANDS
from market.search.matching import LOOSE_FIELDS, is_typo_of, max_edits
from market.search.whoosh.bitsets import bit_set
from market.search.whoosh.internals import column_array, length_bytes, read_postings, terms_within

log = logging.getLogger(__name__)

# facet name -> field; each value of the field is a facet value.
TERM_FACETS = {
    "category": "category_ids",
    "province": "province",
    "program": "programs",
    "ocop": "ocop",
    "in_stock": "in_stock",
}
SORT_COLUMNS = ("price", "listed_at", "pid")
# Raw postings of terms kept per segment and process (~8 bytes each, plus bit sets).
TERM_CACHE_POSTINGS = 4_000_000
TYPO_CACHE_ENTRIES = 4_096  # query words whose typos are kept per segment and process
# Documents whose stored fields are kept per segment and process: a results page reads a
# page of them, each unpickled and decompressed by Whoosh (a tenth of a search page's time).
STORED_CACHE_ENTRIES = 2_048
_MISSING = object()


class Term:
    """A term's postings in one segment: document numbers (deleted ones included),
    weights, their bit set and, once scored, `codes` and `pairs` (see score_inputs)."""

    __slots__ = ("ids", "weights", "bits", "codes", "pairs")

    def __init__(self, ids: array, weights: array, bits: int):
        self.ids, self.weights, self.bits = ids, weights, bits
        self.codes: array | None = None
        self.pairs: list | None = None


class SegmentData:
    """One segment's facets, price bands, sort columns and term postings, and a Whoosh
    reader of the segment kept open for as long as the segment is in use.

    Deleted documents are included: each generation masks them out. The reader is opened
    once, not per generation, and without mmap: Whoosh reads each part of an mmapped
    compound segment file through an in-memory copy (BytesIO), which for the stored fields
    and postings of a big segment is costly - after every write, if each new searcher's
    reader were used. Its open file also keeps a version deleted by a rebuild readable.
    Shared by threads: reads through the reader take `_read_lock` (the parts of a compound
    file share one file position); cached parts are computed outside `_lock` and put in
    place under it."""

    def __init__(self, storage, schema, segment):
        self.reader = reader = SegmentReader(storage, schema, segment)
        weakref.finalize(self, _close_quietly, reader)
        self.size = size = reader.doc_count_all()
        self.all = (1 << size) - 1
        self._lock = threading.Lock()
        self._read_lock = threading.Lock()
        self._term_cache: OrderedDict = OrderedDict()  # (field, term) -> Term | None
        self._term_cache_cost = 0
        self._typos: OrderedDict = OrderedDict()  # query word -> {loose field: its typos}
        self._stored: OrderedDict = OrderedDict()  # docnum -> its stored fields (read-only)
        self._lengths: dict[str, bytes] = {}
        self._orders: dict[str, array] = {}
        self.columns = {name: column_array(reader, name, size) for name in SORT_COLUMNS}
        # facet -> value -> bits of the documents with that value
        self.facets: dict[str, dict[str, int]] = {}
        for facet, field in TERM_FACETS.items():
            values = {}
            for btext in reader.lexicon(field):
                found = read_postings(reader, field, btext)
                if found and found[0]:
                    values[btext.decode("utf-8")] = bit_set(found[0], size)
            self.facets[facet] = values
        prices = self.columns["price"]
        by_price = self.order("price")
        self.price = {}
        for key, low, high in PRICE_BANDS:  # a band is a run of the documents by price
            start = bisect_left(by_price, low, key=prices.__getitem__)
            end = bisect_left(by_price, high, key=prices.__getitem__) if high is not None else size
            self.price[key] = bit_set(by_price[start:end], size)

    def term(self, field: str, text: str) -> Term | None:
        """A term's postings in this segment (None when absent), kept in an LRU."""
        key = (field, text)
        with self._lock:
            entry = self._term_cache.get(key, _MISSING)
            if entry is not _MISSING:
                self._term_cache.move_to_end(key)
                return entry
        try:
            with self._read_lock:
                found = read_postings(self.reader, field, text.encode("utf-8"))
        except UnicodeEncodeError:  # a lone surrogate: in no document
            found = None
        entry = Term(found[0], found[1], bit_set(found[0], self.size)) if found and found[0] else None
        with self._lock:
            if key not in self._term_cache:
                self._term_cache[key] = entry
                self._term_cache_cost += self._cost(entry)
                while self._term_cache_cost > TERM_CACHE_POSTINGS and len(self._term_cache) > 1:
                    _, old = self._term_cache.popitem(last=False)
                    self._term_cache_cost -= self._cost(old)
        return entry

    def typos(self, word: str, reader) -> dict[str, tuple[str, ...]]:
        """field of matching.LOOSE_FIELDS (only there may a typo match) -> the words of
        the field in this segment that are typos of `word` (matching.is_typo_of), with
        `word` itself when present; kept in an LRU (a segment's words never change).
        `reader` is a reader of this segment that the caller owns: the searcher's,
        memory-mapped (walking the word lists through `self.reader`, which reads its file
        without mmap, is several times slower).

        Candidates come from Whoosh's Levenshtein automaton within `max_edits(word)` with
        the same first letter (it skips through the sorted word lists, however long; built
        once for all the loose fields), plus `word` with two adjacent letters swapped (a
        swap is one edit for the rule, two for the automaton); the rule then decides. A
        swap combined with another edit, in words long enough for two, is not looked for."""
        with self._lock:
            found = self._typos.get(word)
            if found is not None:
                self._typos.move_to_end(word)
                return found
        allowed = max_edits(word)
        found = {field: () for field in LOOSE_FIELDS}
        if allowed:
            try:
                swaps = [swap.encode("utf-8") for swap in _swaps(word)]
                within = terms_within(reader, LOOSE_FIELDS, word, allowed)
            except UnicodeEncodeError:  # a lone surrogate: in no document
                swaps, within = [], {}
            for field, candidates in within.items():
                candidates = set(candidates)
                candidates.update(swap.decode("utf-8") for swap in swaps if (field, swap) in reader)
                found[field] = tuple(sorted(t for t in candidates if t == word or (t and is_typo_of(t, word))))
        with self._lock:
            self._typos[word] = found
            if len(self._typos) > TYPO_CACHE_ENTRIES:
                self._typos.popitem(last=False)
        return found

    def _cost(self, entry: Term | None) -> int:
        """An entry's memory in units of about 8 bytes (a posting: id, weight and score code)."""
        return 1 + (len(entry.ids) * 3 // 2 + (self.size >> 6) if entry is not None else 0)

    def score_inputs(self, field: str, entry: Term) -> tuple[array, list]:
        """For a term's postings: a code per posting and, per code, the (weight, length
        byte) pair - all a BM25 score depends on within one generation (a few dozen pairs)."""
        if entry.codes is None:
            lengths = self.lengths(field)
            index: dict[tuple[float, int], int] = {}
            codes = array("I", [index.setdefault((w, lengths[d]), len(index))
                                for d, w in zip(entry.ids, entry.weights)])
            entry.pairs, entry.codes = list(index), codes
        return entry.codes, entry.pairs

    def lengths(self, field: str) -> bytes:
        found = self._lengths.get(field)
        if found is None:
            with self._read_lock:
                found = self._lengths[field] = length_bytes(self.reader, field, self.size)
        return found

    def stored_fields(self, docnum: int) -> Mapping:
        """A document's stored fields, read-only: a segment's documents never change
        (a deletion is masked by each generation), so what was read once is kept."""
        found = self._stored.get(docnum)
        if found is None:
            with self._read_lock:
                found = MappingProxyType(self.reader.stored_fields(docnum))
            with self._lock:
                self._stored[docnum] = found
                if len(self._stored) > STORED_CACHE_ENTRIES:
                    self._stored.popitem(last=False)
        return found

    def order(self, column: str) -> array:
        """The segment's documents by (column, product id), ascending."""
        found = self._orders.get(column)
        if found is None:
            order = sorted(range(self.size), key=self.columns["pid"].__getitem__)
            order.sort(key=self.columns[column].__getitem__)  # stable: by (column, pid)
            found = self._orders[column] = array("I", order)
        return found


class SegmentCache:
    """The `SegmentData` of every segment in use, shared by the threads of a process and
    kept across index generations; a generation's view forgets those no longer in it."""

    def __init__(self, schema):
        self.schema = schema
        self._segments: dict[tuple, SegmentData] = {}
        self._lock = threading.Lock()
        self._pid = os.getpid()

    @staticmethod
    def key(version: str, reader) -> tuple:
        """Segment ids are unique within a version's folder; versions are never reused."""
        return (version, reader.segment().segment_id(), reader.doc_count_all())

    def get(self, version: str, storage, reader) -> SegmentData:
        """The data of the segment `reader` reads (a leaf reader of the index at `storage`)."""
        if self._pid != os.getpid():  # forked: a lock held in the parent stays held
            self._segments, self._lock, self._pid = {}, threading.Lock(), os.getpid()
        key = self.key(version, reader)
        with self._lock:
            data = self._segments.get(key)
        if data is None:
            # Without mmap: Whoosh copies each part of an mmapped compound file it opens into
            # memory (BytesIO); read through the open file instead (under the segment's lock).
            files = FileStorage(storage.folder, supports_mmap=False, readonly=True)
            data = SegmentData(files, self.schema, reader.segment())
            with self._lock:
                data = self._segments.setdefault(key, data)
        return data

    def keep_only(self, keys: set[tuple]) -> None:
        """Forget the segments merged away or of old versions."""
        with self._lock:
            for key in [key for key in self._segments if key not in keys]:
                del self._segments[key]


def _swaps(word: str) -> list[str]:
    """`word` with two adjacent letters swapped, the first letter left in place."""
    return [word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(1, len(word) - 1) if word[i] != word[i + 1]]


def _close_quietly(reader) -> None:
    try:
        reader.close()
    except Exception:  # noqa: BLE001 - already closed, or its files are gone
        log.debug("closing a segment reader failed", exc_info=True)
