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
becomes term look-ups, so quotes, `*`, `?`, `AND OR NOT` and parentheses are just characters.

Speed (100,000 products on two cores; see bench/README.md):

- A rebuild does not go through Whoosh's general writer (an external sort of every posting,
  pickled to temporary run files, then a field-length look-up per posting): `_BulkWriter`
  keeps the postings of the fresh segment in memory, per term, folds each distinct chunk of
  text once (`index_words`) and hands whole posting blocks to Whoosh's posting writer. The
  files are Whoosh's own - the same bytes `add_document` + `commit` write (a test compares
  them) - and plain adds into a fresh index: no `update_document`, no merge, no optimize.
  Text fields keep frequencies, not positions (nothing searches phrases).
- Searches do not use Whoosh's matchers or collectors. A segment's files never change
  (deletions live in the table of contents), so `_SegmentData` reads once per segment -
  through a reader of its own, kept across index generations - the facet values and price
  bands as bit sets (Python ints), the sort columns, and, on demand, each term's postings
  (document numbers, weights, bit set; an LRU). A generation (`_View`) adds the live-document
  mask. A query is then ANDs and ORs of bit sets; a facet count is the popcount of
  `matches & value`; a price or date sort walks the segment's order or takes a heap of the
  matches; only a relevance sort scores, with the very BM25F formula, statistics and float
  operations of Whoosh's scorer, per query word and generation. A write costs the next
  search its new small segment and the scores of the words it uses, not the big segment.
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
import sys
import threading
import unicodedata
import weakref
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter, OrderedDict, deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from operator import add

from whoosh import fields as wf
from whoosh import formats
from whoosh import index as windex
from whoosh.analysis import Filter, RegexTokenizer
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, W3LeafMatcher, W3PostingsWriter, W3Segment, _lenfield
from whoosh.columns import NumericColumn
from whoosh.scoring import BM25F
from whoosh.support.levenshtein import distance
from whoosh.system import pack_uint
from whoosh.util import IDCHARS
from whoosh.util.filelock import FileLock, try_for
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.filedb.filestore import FileStorage
from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

from market.search.backend import (  # noqa: F401  (IndexBusy: raised here, importable from here)
    MAX_QUERY_LENGTH,
    PRICE_BANDS,
    SORTS,
    Hit,
    IndexBusy,
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

REBUILD_SWAP_TIMEOUT = 30.0  # how long a finished rebuild waits for the writers before its swap
# A rebuild starts a new segment past this many postings (about 8 bytes each in memory).
REBUILD_SEGMENT_POSTINGS = 40_000_000

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
SORT_COLUMNS = ("price", "listed_at", "pid")
_VERSION_RE = re.compile(r"^v(\d+)$")

# Cache sizes (per process; a gunicorn worker has one of each).
TERM_CACHE_POSTINGS = 4_000_000  # raw postings of terms kept per segment (~8 bytes each, plus bit sets)
SCORE_CACHE_BYTES = 48_000_000  # BM25 scores of query words kept per searcher generation
GROUP_CACHE_ENTRIES = 512  # query words (with their fields and expansions) kept per generation


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


_CHUNK_WORDS: dict[str, tuple[str, ...]] = {}
_CHUNK_CACHE_SIZE = 200_000


def index_words(text: str) -> list[str]:
    """`words_of(text)` - the tokens of `folding_analyzer()` - computed faster for indexing:
    each whitespace-separated chunk is folded once and remembered (a catalog repeats its
    syllables endlessly). The same words: folding works character by character and never
    joins across whitespace, so folding the chunks gives the words of folding the whole."""
    cache = _CHUNK_WORDS
    words: list[str] = []
    for chunk in text.split():
        found = cache.get(chunk)
        if found is None:
            found = tuple(words_of(chunk))
            if len(cache) >= _CHUNK_CACHE_SIZE:
                cache.clear()
            cache[chunk] = found
        words += found
    return words


def make_schema() -> wf.Schema:
    analyzer = folding_analyzer()
    return wf.Schema(
        id=wf.ID(stored=True, unique=True),
        pid=wf.COLUMN(NumericColumn("q")),  # columns: sort keys and price bands, not indexed
        # Frequencies, no positions (phrase=False): nothing searches phrases.
        name=wf.TEXT(analyzer=analyzer, field_boost=3.0, stored=True, phrase=False),
        description=wf.TEXT(analyzer=analyzer, stored=True, phrase=False),
        seller_name=wf.TEXT(analyzer=analyzer, phrase=False),
        category_name=wf.TEXT(analyzer=analyzer, phrase=False),
        badges=wf.TEXT(analyzer=analyzer, phrase=False),
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
#
# A query word is a "clause group": (field, term, boost) triples. A document matches the word
# when it has any of the terms in that field, and the word's score is the sum of boost x BM25F
# of the terms it has - exactly what Whoosh computes for Or([Term(field, term, boost=boost),
# ...]). A query matches documents that match every word (AND) and scores their sum.


def _exact_clauses(word: str) -> tuple:
    return tuple((field, word, 1.0) for field in TEXT_FIELDS)


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


# -- reading: bit sets per segment ------------------------------------------------------------

_LENGTH_OF_BYTE = tuple(byte_to_length(b) for b in range(256))
_BIT = (1, 2, 4, 8, 16, 32, 64, 128)
_TO_FLAGS = bytes.maketrans(b"01", b"\x00\x01")
_FLAGS_TO_DIGITS = bytes.maketrans(b"\x00\x01", b"01")
_ONE = re.compile("1")
_PRICE_KEYS = {key: (low, high) for key, low, high in PRICE_BANDS}
_MISSING = object()


def _bits(docnums, size: int) -> int:
    """The bit set (a Python int, bit d for document d) of `docnums` (a sequence), all
    below `size`."""
    if len(docnums) * 16 < size:  # few: set the bits one by one
        mask = bytearray((size >> 3) + 1)
        for d in docnums:
            mask[d >> 3] |= _BIT[d & 7]
        return int.from_bytes(mask, "little")
    flags = bytearray(size)  # many: a byte per document, set in C, read as a binary number
    deque(map(flags.__setitem__, docnums, itertools.repeat(1)), maxlen=0)
    return int(flags.translate(_FLAGS_TO_DIGITS)[::-1], 2)


def _docnums(bits: int) -> list[int]:
    """The set bits of `bits`, ascending."""
    if not bits:
        return []
    binary = bin(bits)[:1:-1]  # bit 0 first
    if bits.bit_count() * 4 > len(binary):  # dense: test every bit, in C
        return list(itertools.compress(range(len(binary)), binary.encode("ascii").translate(_TO_FLAGS)))
    return [m.start() for m in _ONE.finditer(binary)]


def _count(bit_sets: list[int]) -> int:
    return sum(bits.bit_count() for bits in bit_sets)


def _read_postings(reader, field: str, btext: bytes) -> tuple[array, array] | None:
    """(document numbers, weights) of a term in one segment, deleted documents included
    (each generation masks them), or None. Reads Whoosh's posting blocks whole."""
    try:
        if (field, btext) not in reader:
            return None
        matcher = reader._terms.matcher(field, btext, reader.schema[field].format)  # no deletion filter
    except AttributeError:  # not a plain segment reader: the public way (deleted ones left out)
        matcher = reader.postings(field, btext)
    ids, weights = array("I"), array("f")
    if type(matcher) is W3LeafMatcher and hasattr(matcher, "_data"):
        while matcher.is_active():
            if matcher._data is None:
                matcher._read_data()
            ids_delta, block_weights = matcher._data[0], matcher._data[1]
            ids.extend(itertools.accumulate(ids_delta))
            if block_weights is None:
                weights.extend(itertools.repeat(1.0, len(ids_delta)))
            elif isinstance(block_weights, float):
                weights.extend(itertools.repeat(block_weights, len(ids_delta)))
            else:
                weights.extend(block_weights)
            matcher._next_block()
    else:
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
    return ids, weights


def _column(reader, name: str, size: int) -> array:
    """A numeric column of one segment as an array (one value per document)."""
    try:
        column = reader.column_reader(name, translate=False)
        raw = column._dbfile.get(column._basepos, column._count * column._fixedlen)
        values = array(column._typecode, raw)
        if values.itemsize != column._fixedlen:
            raise TypeError("unexpected column layout")
        if sys.byteorder == "little":  # stored big-endian ("!q")
            values.byteswap()
        values.extend(itertools.repeat(column._default, size - len(values)))
        return values
    except (AttributeError, TypeError, ValueError):  # another column type: value by value
        return array("q", reader.column_reader(name))


def _length_bytes(reader, field: str, size: int) -> bytes:
    """The encoded length (Whoosh's length byte) of `field` in each document of a segment."""
    try:
        column = reader._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
        if column is None:
            return bytes(size)
        raw = column._dbfile.get(column._basepos, min(column._count, size))
        return raw + bytes(size - len(raw))
    except AttributeError:
        return bytes(length_to_byte(reader.doc_field_length(d, field, 0) or 0) for d in range(size))


class _SegmentData:
    """What searches need of one segment, read from its files once, and a Whoosh reader of
    the segment kept open for as long as the segment is in use.

    Whoosh never rewrites a segment's files (merging writes a new segment; deletions are
    kept in the index's table of contents), so this stays right for as long as the segment
    exists, across index generations. Deleted documents are included: each generation
    masks them out with its `live` bits. The reader is opened once, not per generation,
    and without mmap: Whoosh reads each part of an mmapped compound segment file through
    an in-memory copy (BytesIO), which for the stored fields and postings of a big segment
    costs tens of megabytes and milliseconds - after every write, if each new searcher's
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
        self._terms: OrderedDict = OrderedDict()  # (field, term) -> _Term | None
        self._terms_cost = 0
        self._lengths: dict[str, bytes] = {}
        self._orders: dict[str, array] = {}
        self.columns = {name: _column(reader, name, size) for name in SORT_COLUMNS}
        # facet -> value -> bits of the documents with that value
        self.facets: dict[str, dict[str, int]] = {}
        for facet, field in TERM_FACETS.items():
            values = {}
            for btext in reader.lexicon(field):
                found = _read_postings(reader, field, btext)
                if found and found[0]:
                    values[btext.decode("utf-8")] = _bits(found[0], size)
            self.facets[facet] = values
        prices = self.columns["price"]
        by_price = self.order("price")
        self.price = {}
        for key, low, high in PRICE_BANDS:  # a band is a run of the documents by price
            start = bisect_left(by_price, low, key=prices.__getitem__)
            end = bisect_left(by_price, high, key=prices.__getitem__) if high is not None else size
            self.price[key] = _bits(by_price[start:end], size)

    def term(self, field: str, text: str) -> _Term | None:
        """A term's postings in this segment (None when absent), kept in an LRU."""
        key = (field, text)
        with self._lock:
            entry = self._terms.get(key, _MISSING)
            if entry is not _MISSING:
                self._terms.move_to_end(key)
                return entry
        try:
            with self._read_lock:
                found = _read_postings(self.reader, field, text.encode("utf-8"))
        except UnicodeEncodeError:  # a lone surrogate: in no document
            found = None
        entry = _Term(found[0], found[1], _bits(found[0], self.size)) if found and found[0] else None
        with self._lock:
            if key not in self._terms:
                self._terms[key] = entry
                self._terms_cost += self._cost(entry)
                while self._terms_cost > TERM_CACHE_POSTINGS and len(self._terms) > 1:
                    _, old = self._terms.popitem(last=False)
                    self._terms_cost -= self._cost(old)
        return entry

    def _cost(self, entry: _Term | None) -> int:
        """An entry's memory in units of about 8 bytes (a posting: id, weight and score code)."""
        return 1 + (len(entry.ids) * 3 // 2 + (self.size >> 6) if entry is not None else 0)

    def score_inputs(self, field: str, entry: _Term) -> tuple[array, list]:
        """For a term's postings: a code per posting and, per code, the (weight, length
        byte) pair - all a BM25 score depends on within one generation (a few dozen pairs)."""
        if entry.codes is None:
            lengths = self.lengths(field)
            index: dict[tuple[float, int], int] = {}
            codes = array("I", [index.setdefault((w, lengths[d]), len(index)) for d, w in zip(entry.ids, entry.weights)])
            entry.pairs, entry.codes = list(index), codes
        return entry.codes, entry.pairs

    def lengths(self, field: str) -> bytes:
        found = self._lengths.get(field)
        if found is None:
            with self._read_lock:
                found = self._lengths[field] = _length_bytes(self.reader, field, self.size)
        return found

    def stored_fields(self, docnum: int) -> dict:
        with self._read_lock:
            return self.reader.stored_fields(docnum)

    def order(self, column: str) -> array:
        """The segment's documents by (column, product id), ascending."""
        found = self._orders.get(column)
        if found is None:
            order = sorted(range(self.size), key=self.columns["pid"].__getitem__)
            order.sort(key=self.columns[column].__getitem__)  # stable: by (column, pid)
            found = self._orders[column] = array("I", order)
        return found


class _Term:
    """A term's postings in one segment: document numbers (deleted ones included),
    weights, their bit set and, once scored, `codes` and `pairs` (see score_inputs)."""

    __slots__ = ("ids", "weights", "bits", "codes", "pairs")

    def __init__(self, ids: array, weights: array, bits: int):
        self.ids, self.weights, self.bits = ids, weights, bits
        self.codes: array | None = None
        self.pairs: list | None = None


class _Group:
    """One query word: its clauses ((field, term, boost), ...) and, per segment, the bits of
    the documents matching any of them."""

    __slots__ = ("clauses", "bits")

    def __init__(self, clauses: tuple, bits: list[int]):
        self.clauses = clauses
        self.bits = bits


class _View:
    """One searcher (one generation of the index): its segments with their live documents,
    and what depends on the generation's statistics (scores, term expansions, spellings).
    Used by one thread."""

    def __init__(self, backend: WhooshBackend, searcher, version: str, storage):
        self.searcher = searcher
        self.reader = reader = searcher.reader()
        self.parts = []  # (segment data, docnum offset, live bits, segment reader)
        for sub, offset in reader.leaf_readers():
            size = sub.doc_count_all()
            if not size:
                continue
            data = backend._segment_data(version, storage, sub)
            live = data.all
            if sub.has_deletions():
                live &= ~_bits(list(sub.segment().deleted_docs()), size)
            self.parts.append((data, offset, live, sub))
        self.live = [part[2] for part in self.parts]
        self._offsets = [part[1] for part in self.parts]
        self.keys = {backend._segment_key(version, part[3]) for part in self.parts}
        weighting = searcher.weighting
        if not isinstance(weighting, BM25F):  # pragma: no cover - make_schema's searchers use BM25F
            raise TypeError("the search backend scores with BM25F")
        self._weighting = weighting
        self._groups: OrderedDict = OrderedDict()
        self._scores: OrderedDict = OrderedDict()
        self._scores_bytes = 0
        self._addends: dict[str, tuple] = {}
        self._expansions: dict[tuple, list[str]] = {}
        self.spelling: dict[str, list[tuple[str, int]]] | None = None

    # -- matching --

    def group(self, clauses: tuple) -> _Group:
        found = self._groups.get(clauses)
        if found is not None:
            self._groups.move_to_end(clauses)
            return found
        bits = []
        for data, _offset, _live, sub in self.parts:
            union = 0
            for field, text, _boost in clauses:
                entry = data.term(field, text)
                if entry is not None:
                    union |= entry.bits
            bits.append(union)
        found = self._groups[clauses] = _Group(clauses, bits)
        if len(self._groups) > GROUP_CACHE_ENTRIES:
            self._groups.popitem(last=False)
        return found

    def match(self, groups: list[_Group], base: list[int]) -> list[int]:
        """Per segment: the documents of `base` that match every group."""
        matched = []
        for i, bits in enumerate(base):
            for group in groups:
                if not bits:
                    break
                bits &= group.bits[i]
            matched.append(bits)
        return matched

    def allowed(self, request: SearchRequest) -> list[int]:
        """Per segment: the live documents that pass the request's filters."""
        wanted = [
            ("category", request.category_id),
            ("province", request.province_code),
            ("program", request.program_id),
            ("ocop", request.ocop_stars),
        ]
        filters = [(facet, str(value)) for facet, value in wanted if value is not None and value != ""]
        band = request.price_band if request.price_band in _PRICE_KEYS else None  # an unknown band is ignored
        allowed = []
        for data, _offset, live, _sub in self.parts:
            bits = live
            for facet, value in filters:
                bits &= data.facets[facet].get(value, 0)
            if band is not None:
                bits &= data.price[band]
            if request.in_stock_only:
                bits &= data.facets["in_stock"].get("true", 0)
            allowed.append(bits)
        return allowed

    def loose_clauses(self, word: str, is_last: bool) -> tuple:
        """The word in every text field, words one typo away from it (when long enough to
        be fuzzy) and, for the last word, words of the name starting with it - the loose
        fields weighted by LOOSE_BOOST. (Whoosh's FuzzyTerm/Prefix drop their boost when
        they expand to a single word, and score 0 when they expand to three or more in a
        segment of at most 5,000 documents; here the boosted score always applies.)"""
        clauses = list(_exact_clauses(word))
        if FUZZY_MIN_LENGTH <= len(word) <= FUZZY_MAX_LENGTH:
            for field in TEXT_FIELDS:
                clauses += [(field, term, LOOSE_BOOST[field]) for term in self._fuzzy_terms(field, word)]
        if is_last and len(word) >= 2:
            for field in PREFIX_FIELDS:
                clauses += [(field, term, LOOSE_BOOST[field]) for term in self.prefix_terms(field, word)]
        return tuple(clauses)

    def _fuzzy_terms(self, field: str, word: str) -> list[str]:
        """Terms of the field within one edit of `word`, same first letter (Whoosh's
        FuzzyTerm(maxdist=1, prefixlength=1)); `word` itself included when present.
        Expanded per segment, as Whoosh's FuzzyTerm does: a segment's reader walks its
        word list with a Levenshtein automaton (no transpositions), while a multi-segment
        reader would compare with Damerau distance and find more."""
        key = ("fuzzy", field, word)
        found = self._expansions.get(key)
        if found is None:
            terms: set[str] = set()
            for _data, _offset, _live, sub in self.parts:
                terms.update(t for t in sub.terms_within(field, word, 1, prefix=1) if t)
            found = self._expansions[key] = sorted(terms)
        return found

    def prefix_terms(self, field: str, prefix: str) -> list[str]:
        key = ("prefix", field, prefix)
        found = self._expansions.get(key)
        if found is None:
            try:
                found = [b.decode("utf-8") for b in self.reader.expand_prefix(field, prefix) if b]
            except UnicodeEncodeError:
                found = []
            self._expansions[key] = found
        return found

    # -- counting --

    def facets(self, matched: list[int]) -> dict[str, dict[str, int]]:
        """Counts of the matching documents per facet value, biggest first (values with no
        match are left out; in_stock counts only "true"). Each count is a popcount of the
        matches and the value's documents: the direct count under the query and filters."""
        facets = {}
        for facet in ("category", "province", "program", "ocop"):
            counts: Counter[str] = Counter()
            for (data, _offset, _live, _sub), bits in zip(self.parts, matched):
                if bits:
                    for value, value_bits in data.facets[facet].items():
                        n = (bits & value_bits).bit_count()
                        if n:
                            counts[value] += n
            facets[facet] = dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
        facets["price"] = {}
        for key, _low, _high in PRICE_BANDS:
            n = sum((bits & part[0].price[key]).bit_count() for part, bits in zip(self.parts, matched))
            if n:
                facets["price"][key] = n
        in_stock = sum((bits & part[0].facets["in_stock"].get("true", 0)).bit_count()
                       for part, bits in zip(self.parts, matched))
        facets["in_stock"] = {"true": in_stock} if in_stock else {}
        return facets

    def stored_fields(self, docnum: int) -> dict:
        """The stored fields of a document (global docnum), read through its segment's
        long-lived reader."""
        i = bisect_right(self._offsets, docnum) - 1
        data, offset = self.parts[i][0], self.parts[i][1]
        return data.stored_fields(docnum - offset)

    # -- ranking --

    def top_scored(self, groups: list[_Group], matched: list[int], k: int) -> list[tuple[float, int]]:
        """The best `k` (score, docnum) of the matches, best first, ties by docnum (as
        Whoosh's collector orders them)."""
        candidates: list[tuple[float, int]] = []
        for i, ((_data, offset, _live, _sub), bits) in enumerate(zip(self.parts, matched)):
            if not bits:
                continue
            docs = _docnums(bits)
            tables = [self._group_scores(group, i) for group in groups]
            scores = map(tables[0].__getitem__, docs)
            for table in tables[1:]:
                scores = map(add, scores, map(table.__getitem__, docs))
            candidates += heapq.nlargest(k, zip(scores, map((-offset).__sub__, docs)))
        return [(score, -negated) for score, negated in heapq.nlargest(k, candidates)]

    def _group_scores(self, group: _Group, i: int) -> dict[int, float]:
        """docnum -> score of a word in segment i: the sum of its clauses' scores, the
        biggest clause first (a dict built in C), the others added; kept per generation."""
        key = (group.clauses, i)
        found = self._scores.get(key)
        if found is not None:
            self._scores.move_to_end(key)
            return found
        tables = [table for clause in group.clauses if (table := self._clause_scores(clause, i)) is not None]
        tables.sort(key=len, reverse=True)  # (stable: clause order among equals)
        found = dict(tables[0]) if tables else {}
        for table in tables[1:]:
            get = found.get
            for d, score in table.items():
                found[d] = get(d, 0.0) + score
        self._remember(key, found)
        return found

    def _remember(self, key, scores: dict | None) -> None:
        self._scores[key] = scores
        self._scores_bytes += 100 * len(scores or ()) + 200
        while self._scores_bytes > SCORE_CACHE_BYTES and len(self._scores) > 1:
            _, old = self._scores.popitem(last=False)
            self._scores_bytes -= 100 * len(old or ()) + 200

    def top_sorted(self, sort: str, matched: list[int], k: int) -> list[tuple[float, int]]:
        """The first `k` matches by price or listing date, then product id."""
        column = "listed_at" if sort == "newest" else "price"
        descending = sort != "price_asc"
        candidates: list[tuple[int, int, int]] = []
        for (data, offset, _live, _sub), bits in zip(self.parts, matched):
            if not bits:
                continue
            count = bits.bit_count()
            if count * count >= k * data.size:  # many matches: walk the segment's order
                order = data.order(column)
                mask = bits.to_bytes((data.size >> 3) + 1, "little")
                picked = []
                for d in reversed(order) if descending else order:
                    if mask[d >> 3] & _BIT[d & 7]:
                        picked.append(d)
                        if len(picked) >= k:
                            break
            else:
                picked = _docnums(bits)
            primary, pid = data.columns[column], data.columns["pid"]
            candidates += zip(map(primary.__getitem__, picked), map(pid.__getitem__, picked),
                              map(offset.__add__, picked))
        best = (heapq.nlargest if descending else heapq.nsmallest)(k, candidates)
        return [(0.0, docnum) for _primary, _pid, docnum in best]

    def _clause_scores(self, clause: tuple, i: int) -> dict[int, float] | None:
        """docnum -> boost x Whoosh's BM25F of a clause's term, in segment i (same formula,
        statistics and float operations as whoosh.scoring.BM25F); None when absent. Not
        kept: built in C from the term's score codes when a word's scores are."""
        field, text, boost = clause
        data = self.parts[i][0]
        entry = data.term(field, text)
        scores = None
        if entry is not None:
            codes, pairs = data.score_inputs(field, entry)
            idf = self.searcher.idf(field, text)
            addend = self._addend(field)
            k1_plus_1 = self._weighting.K1 + 1
            table = [idf * ((w * k1_plus_1) / (w + addend[lb])) for w, lb in pairs]
            if boost != 1.0:
                table = [score * boost for score in table]
            scores = dict(zip(entry.ids, map(table.__getitem__, codes)))
        return scores

    def _addend(self, field: str) -> tuple:
        """By length byte: the `K1 * ((1 - B) + B * fl / avgfl)` of whoosh.scoring.bm25."""
        found = self._addends.get(field)
        if found is None:
            weighting = self._weighting
            B, K1 = weighting._field_B.get(field, weighting.B), weighting.K1  # noqa: N806 - BM25's names
            avgfl = self.searcher.avg_field_length(field) or 1
            found = self._addends[field] = tuple(K1 * ((1 - B) + B * fl / avgfl) for fl in _LENGTH_OF_BYTE)
        return found


# -- the backend -------------------------------------------------------------------------


class _Local(threading.local):
    pid = None
    version = None
    ix = None
    searcher = None
    view = None


class WhooshBackend(SearchBackend):
    """Whoosh index in versioned folders under `path` (see the module docstring)."""

    def __init__(self, path: str, lock_timeout: float = 2.0):
        self.path = os.path.abspath(os.fspath(path))
        self.lock_timeout = float(lock_timeout)
        self.schema = make_schema()
        self._local = _Local()
        self._segments: dict[tuple, _SegmentData] = {}  # shared by the threads of this process
        self._segments_lock = threading.Lock()
        self._segments_pid = os.getpid()

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

    def _view(self, searcher) -> _View:
        """This thread's view of `searcher` (made once per index generation)."""
        st = self._local
        if st.view is None or st.view.searcher is not searcher:
            st.view = None
            view = _View(self, searcher, st.version, st.ix.storage)
            with self._segments_lock:  # forget the segments merged away or of old versions
                for key in [key for key in self._segments if key not in view.keys]:
                    del self._segments[key]
            st.view = view
        return st.view

    @staticmethod
    def _segment_key(version: str, reader) -> tuple:
        """Segment ids are unique within a version's folder; versions are never reused."""
        return (version, reader.segment().segment_id(), reader.doc_count_all())

    def _segment_data(self, version: str, storage, reader) -> _SegmentData:
        """The data of a segment, shared by the threads and kept across generations."""
        if self._segments_pid != os.getpid():  # forked: a lock held in the parent stays held
            self._segments, self._segments_lock, self._segments_pid = {}, threading.Lock(), os.getpid()
        key = self._segment_key(version, reader)
        with self._segments_lock:
            data = self._segments.get(key)
        if data is None:
            # Without mmap: Whoosh copies each part of an mmapped compound file it opens into
            # memory (BytesIO); read through the open file instead (under the segment's lock).
            files = FileStorage(storage.folder, supports_mmap=False, readonly=True)
            data = _SegmentData(files, self.schema, reader.segment())
            with self._segments_lock:
                data = self._segments.setdefault(key, data)
        return data

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
        view = self._view(searcher)
        allowed = view.allowed(request)
        sort = request.sort if request.sort in SORTS else "relevance"
        if sort == "relevance" and not words:
            sort = "newest"

        loose = False
        groups: list[_Group] = []
        if words:
            groups = [view.group(_exact_clauses(w)) for w in words]
            matched = view.match(groups, allowed)
            total = _count(matched)
            if total < FEW_HITS and _is_loose(words):  # typos and the as-you-type last word
                last = len(words) - 1
                loose_groups = [view.group(view.loose_clauses(w, i == last)) for i, w in enumerate(words)]
                loosely = view.match(loose_groups, allowed)
                if _count(loosely) > total:
                    groups, matched, total, loose = loose_groups, loosely, _count(loosely), True
        else:
            matched = allowed
            total = _count(matched)
        facets = view.facets(matched)
        suggestion = self._did_you_mean(view, words, allowed) if words and total < FEW_HITS else None

        start = (page - 1) * per_page
        hits: list[Hit] = []
        if start < total:
            end = min(start + per_page, total)
            if sort == "relevance":
                page_docs = view.top_scored(groups, matched, end)[start:end]
            else:
                page_docs = view.top_sorted(sort, matched, end)[start:end]
            matches = _Matcher(words, loose)
            for score, docnum in page_docs:
                stored = view.stored_fields(docnum)
                hits.append(Hit(
                    product_id=int(stored["id"]),
                    score=float(score),
                    name=snippet(stored.get("name", ""), matches, window=False),
                    description=snippet(stored.get("description", ""), matches, window=True) if words else None,
                ))
        return SearchResult(hits=hits, total=total, page=page, per_page=per_page, facets=facets,
                            suggestion=suggestion)

    def _did_you_mean(self, view: _View, words: list[str], allowed: list[int]) -> str | None:
        """A whole corrected query when some words are in no document and close words are,
        provided the corrected query finds something. Words are folded, except that they
        take the accents of the best matching product name where it has them."""
        reader = view.reader
        options: list[list[tuple[int, str]]] = []  # per word: (distance, word), best first
        for word in words:
            if any(reader.doc_frequency(field, word) for field in TEXT_FIELDS):
                options.append([(0, word)])
            else:
                options.append(self._corrections(view, word) or [(0, word)])
        if all(len(o) == 1 and o[0][1] == w for o, w in zip(options, words)):
            return None
        combos = sorted(itertools.islice(itertools.product(*options), 64), key=lambda c: sum(d for d, _ in c))
        combos = [[w for _, w in combo] for combo in combos[:16] if [w for _, w in combo] != words]
        # Prefer a correction whose words are together in a product name, then anywhere.
        for clauses_of in (lambda w: (("name", w, 1.0),), _exact_clauses):
            for corrected in combos:
                groups = [view.group(clauses_of(w)) for w in corrected]
                matched = view.match(groups, allowed)
                if not _count(matched):
                    continue
                accented: dict[str, str] = {}
                for _score, docnum in view.top_scored(groups, matched, 3):
                    name = view.stored_fields(docnum).get("name", "")
                    for m in WORD_RE.finditer(unicodedata.normalize("NFC", name)):
                        accented.setdefault(fold(m.group()), m.group().lower())
                return " ".join(accented.get(w, w) for w in corrected)
        return None

    def _corrections(self, view: _View, word: str, limit: int = 4) -> list[tuple[int, str]]:
        """Close words of the spelling fields (Damerau distance 1, or 2 for words of five
        letters or more; same first letter), nearest and then most frequent first."""
        if len(word) < 2 or len(word) > FUZZY_MAX_LENGTH:
            return []
        allowed = 2 if len(word) >= 5 else 1
        candidates = []
        for term, frequency in self._spelling_words(view).get(word[0], ()):
            if abs(len(term) - len(word)) <= allowed and term != word:
                d = distance(term, word, limit=allowed)
                if d <= allowed:
                    candidates.append((d, -frequency, term))
        return [(d, term) for d, _, term in sorted(candidates)[:limit]]

    @staticmethod
    def _spelling_words(view: _View) -> dict[str, list[tuple[str, int]]]:
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
        text = str(text or "")[:MAX_QUERY_LENGTH]
        words = list(dict.fromkeys(words_of(text)))[:MAX_QUERY_WORDS]
        if not words or limit <= 0:
            return []
        typing_last_word = not text[-1:].isspace()
        return self._read(lambda searcher: self._suggest(searcher, words, typing_last_word, limit)) or []

    def _suggest(self, searcher, words: list[str], typing_last_word: bool, limit: int) -> list[str]:
        """Names having the complete words and a word starting with the last one, those
        starting with the typed text first, then by BM25 of the name."""
        if searcher is None:
            return []
        view = self._view(searcher)
        *complete, last = words
        groups = [view.group((("name", w, 1.0),)) for w in complete]
        if typing_last_word:
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
        if not documents and not removed_ids:
            return
        with self.writing() as write:
            write(documents, removed_ids)

    @contextmanager
    def writing(self) -> Iterator:
        """Hold WRITELOCK (or raise IndexBusy after `lock_timeout`) and give the function
        that writes under it; see SearchBackend.writing."""
        with self._lock("WRITELOCK", self.lock_timeout, "another process is writing"):
            yield self._write_locked

    def _write_locked(self, documents: list[ProductDocument], removed_ids: list[int]) -> None:
        """`update` for a caller that holds WRITELOCK (through `writing`)."""
        documents = list({doc.id: doc for doc in documents}.values())  # the last one of an id wins
        removed_ids = list(dict.fromkeys(removed_ids))
        if not documents and not removed_ids:
            return
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
                # Plain adds into a fresh index (nothing to replace), written as one segment
                # (more only past REBUILD_SEGMENT_POSTINGS); no merge, nothing to optimise.
                writer = _BulkWriter(ix, FreshSegmentCodec())
                try:
                    for batch in batches:
                        for doc in batch:
                            writer.add_product(doc)
                        count += len(batch)
                        if writer.postings > REBUILD_SEGMENT_POSTINGS:
                            writer.commit(merge=False)
                            writer = _BulkWriter(ix, FreshSegmentCodec())
                        if progress:
                            progress(len(batch))
                    writer.commit(merge=False)
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


def _close_quietly(reader) -> None:
    try:
        reader.close()
    except Exception:  # noqa: BLE001 - already closed, or its files are gone
        log.debug("closing a segment reader failed", exc_info=True)


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


class _BulkWriter(SegmentWriter):
    """Whoosh's SegmentWriter for a rebuild: the same segment files, written faster.

    Whoosh's writer puts every posting through an external sort (pickled into temporary
    run files, merged back) and looks up the field length of every posting when writing
    it. Here the postings of the new segment are kept in memory per term (document numbers
    ascending, as documents are added in order), text is cut into words with
    `index_words`, and each term's postings are written in whole blocks into Whoosh's own
    posting writer: byte for byte what `add_document` + `commit` write (a test compares the
    files). Per-document data (stored fields, lengths, columns) goes through Whoosh's
    per-document writer as usual. Only for a fresh index (no deletions, no merging), with
    fields that have no term vectors and no separate spelling."""

    def __init__(self, ix, codec):
        super().__init__(ix, codec=codec)
        schema = self.schema
        self._fields = []  # (name, field object, how): how is "text", "terms" or None (not indexed)
        for name in sorted(schema.names()):
            field = schema[name]
            if field.vector or field.separate_spelling():
                raise ValueError(f"field {name!r}: term vectors and separate spelling are not supported")
            text = name in TEXT_FIELDS and type(field.format) is formats.Frequency and field.scorable
            self._fields.append((name, field, "text" if text else "terms" if field.indexed else None))
        # text field -> word -> (document numbers, frequencies)
        self._text: dict[str, dict[str, tuple[array, array]]] = {n: {} for n, _, how in self._fields if how == "text"}
        # other indexed field -> term bytes -> (document numbers, weights, values)
        self._terms: dict[str, dict[bytes, tuple[list, list, list]]] = {
            n: {} for n, _, how in self._fields if how == "terms"}
        # scorable field -> length (number of words) of each document
        self._lengths: dict[str, array] = {n: array("I") for n, f, how in self._fields if how and f.scorable}
        # field.index(value) of fields whose values repeat (facets: a few dozen values)
        self._indexed: dict[str, dict[str, list]] = {n: {} for n, f, how in self._fields if how == "terms"
                                                      and not f.unique}
        self.postings = 0

    def add_product(self, doc: ProductDocument) -> None:
        """`add_document(**document_fields(doc))`, in effect."""
        self._check_state()
        values = document_fields(doc)
        docnum = self.docnum
        perdoc = self.perdocwriter
        perdoc.start_doc(docnum)
        try:
            for name, field, how in self._fields:
                value = values.get(name)
                if value is None:
                    if name in self._lengths:
                        self._lengths[name].append(0)
                    continue
                length = 0
                if how == "text":
                    words = index_words(value)
                    length = len(words)
                    terms = self._text[name]
                    counts = Counter(words)
                    for word, frequency in counts.items():
                        posting = terms.get(word)
                        if posting is None:
                            posting = terms[word] = (array("I"), array("I"))
                        posting[0].append(docnum)
                        posting[1].append(frequency)
                    self.postings += len(counts)
                elif how == "terms":
                    terms = self._terms[name]
                    indexed = self._indexed.get(name)
                    items = indexed.get(value) if indexed is not None else None
                    if items is None:
                        items = list(field.index(value))
                        if indexed is not None and len(indexed) < 10_000:
                            indexed[value] = items
                    for btext, frequency, weight, vbytes in items:
                        if field.scorable:
                            length += frequency
                        posting = terms.get(btext)
                        if posting is None:
                            posting = terms[btext] = ([], [], [])
                        posting[0].append(docnum)
                        posting[1].append(weight * 1.0)  # (times the field's boost of the document: none)
                        posting[2].append(vbytes)
                        self.postings += 1
                if name in self._lengths:
                    self._lengths[name].append(length)
                perdoc.add_field(name, field, value if field.stored else None, length)
                if field.column_type:
                    perdoc.add_column_value(name, field.column_type, field.to_column_value(value))
        except BaseException:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def add_document(self, **fields):  # pragma: no cover - a guard
        raise TypeError("_BulkWriter indexes ProductDocuments: use add_product()")

    def _flush_segment(self):
        """Write the postings (what SegmentWriter does with its sorted pool)."""
        self.perdocwriter.close()
        writer = self.fieldwriter
        for name, field, how in self._fields:  # (sorted by name, as Whoosh writes them)
            if how is None:
                continue
            # the length Whoosh's writer would read back for each document (None for 0)
            lengths = None
            if name in self._lengths:
                decoded = {}
                lengths = [decoded[n] if n in decoded else decoded.setdefault(n, _read_back_length(n))
                           for n in self._lengths[name]]
            if how == "text":
                terms = self._text[name]
                if not terms:
                    continue
                boost = field.format.field_boost
                packed: dict[int, bytes] = {}
                writer.start_field(name, field)
                for word in sorted(terms):  # str order is UTF-8 byte order
                    ids, frequencies = terms[word]
                    weights = [frequency * boost for frequency in frequencies]
                    values = [packed[f] if f in packed else packed.setdefault(f, pack_uint(f)) for f in frequencies]
                    writer.start_term(word.encode("utf-8"))
                    _write_postings(writer, ids, weights, values, [lengths[d] for d in ids])
                    writer.finish_term()
                writer.finish_field()
            else:
                terms = self._terms[name]
                if not terms:
                    continue
                writer.start_field(name, field)
                for btext in sorted(terms):
                    ids, weights, values = terms[btext]
                    writer.start_term(btext)
                    _write_postings(writer, ids, weights, [v if v is not None else b"" for v in values],
                                    [lengths[d] for d in ids] if lengths is not None else [0] * len(ids))
                    writer.finish_term()
                writer.finish_field()
        writer.close()


def _read_back_length(length: int) -> int | None:
    """A field length as Whoosh reads it back (stored as one byte, lossy above 9)."""
    encoded = length_to_byte(length)
    return byte_to_length(encoded) if encoded else None


def _write_postings(fieldwriter, ids, weights: list[float], values: list[bytes], lengths: list) -> None:
    """Give one term's postings to Whoosh's posting writer as `add_posting` would, a block
    (`blocklimit` postings) at a time; the last block stays buffered for `finish_term`."""
    postwriter = fieldwriter._postwriter
    if type(postwriter) is not W3PostingsWriter:  # another codec: posting by posting
        for posting in zip(ids, weights, values, lengths):
            fieldwriter.add(*posting)
        return
    limit = postwriter._blocklimit
    total = len(ids)
    for start in range(0, total, limit):
        end = start + limit
        block_weights = weights[start:end]
        known = [n for n in lengths[start:end] if n]
        postwriter._ids = array("I", ids[start:end])
        postwriter._weights = array("f", block_weights)
        postwriter._values = [v for v in values[start:end] if v]
        postwriter._maxweight = max(0, max(block_weights))
        postwriter._minlength = min(known) if known else None
        postwriter._maxlength = max(known) if known else 0
        if end < total:
            postwriter._write_block()
