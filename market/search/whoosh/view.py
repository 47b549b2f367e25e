"""One generation of the index (a Whoosh searcher) as searches see it: bit sets per
segment, ANDed and ORed, counted and ranked without Whoosh's matchers or collectors.

A query word is a "clause group": (field, term, boost) triples. A document matches the word
when it has any of the terms in that field, and the word's score is the sum of boost x BM25F
of the terms it has - exactly what Whoosh computes for Or([Term(field, term, boost=boost),
...]). A query matches documents that match every word (AND) and scores their sum.

A facet count is the popcount of `matches & value`; a price or date sort walks the
segment's order or takes a heap of the matches; only a relevance sort scores, with the very
BM25F formula, statistics and float operations of Whoosh's scorer, per query word and
generation. A write costs the next search its new small segment and the scores of the words
it uses, not the big segment.
"""
from __future__ import annotations

import heapq
from bisect import bisect_right
from collections import Counter, OrderedDict
from operator import add

from whoosh.scoring import BM25F
from whoosh.util.numeric import byte_to_length

from market.search.backend import PRICE_BANDS, SearchRequest
from market.search.matching import LOOSE_FIELDS, edit_distance, max_edits, may_be_prefix, words_of
from market.search.whoosh.analysis import TEXT_FIELDS
from market.search.whoosh.bitsets import BIT, bit_set, docnums_of
from market.search.whoosh.internals import bm25_field_b
from market.search.whoosh.segments import SegmentCache

# The boost of a loose (typo/prefix) match of a word in each field of matching.LOOSE_FIELDS
# (the only fields where a word matches loosely).
LOOSE_BOOST = {"name": 1.5}
# Typos of one query word looked for per field: the nearest, then the most frequent. (A
# bound on the work of a loose query: a word of seven letters may have two typos.)
MAX_TYPO_TERMS = 8
FAR_TYPO_FACTOR = 0.5  # the weight of a typo two edits away, against one edit away
# Per searcher generation and process:
SCORE_CACHE_BYTES = 48_000_000  # BM25 scores of query words
GROUP_CACHE_ENTRIES = 512  # query words (with their fields and expansions)

_LENGTH_OF_BYTE = tuple(byte_to_length(b) for b in range(256))
_PRICE_KEYS = {key: (low, high) for key, low, high in PRICE_BANDS}


def exact_clauses(word: str) -> tuple:
    """The word itself in every text field."""
    return tuple((field, word, 1.0) for field in TEXT_FIELDS)


class Group:
    """One query word: its clauses ((field, term, boost), ...) and, per segment, the bits of
    the documents matching any of them."""

    __slots__ = ("clauses", "bits")

    def __init__(self, clauses: tuple, bits: list[int]):
        self.clauses = clauses
        self.bits = bits


class View:
    """One searcher (one generation of the index): its segments with their live documents,
    and what depends on the generation's statistics (scores, term expansions, spellings).
    Used by one thread."""

    def __init__(self, searcher, version: str, storage, segments: SegmentCache):
        self.searcher = searcher
        self.reader = reader = searcher.reader()
        self.parts = []  # (segment data, docnum offset, live bits, segment reader)
        for sub, offset in reader.leaf_readers():
            size = sub.doc_count_all()
            if not size:
                continue
            data = segments.get(version, storage, sub)
            live = data.all
            if sub.has_deletions():
                live &= ~bit_set(list(sub.segment().deleted_docs()), size)
            self.parts.append((data, offset, live, sub))
        self.live = [part[2] for part in self.parts]
        self._offsets = [part[1] for part in self.parts]
        self.keys = {segments.key(version, part[3]) for part in self.parts}
        weighting = searcher.weighting
        if not isinstance(weighting, BM25F):  # pragma: no cover - make_schema's searchers use BM25F
            raise TypeError("the search backend scores with BM25F")
        self._weighting = weighting
        self._groups: OrderedDict = OrderedDict()
        self._scores: OrderedDict = OrderedDict()
        self._scores_bytes = 0
        self._addends: dict[str, tuple] = {}
        self._expansions: dict[tuple, object] = {}
        self.spelling: dict[str, list[tuple[str, int]]] | None = None
        self._folded_names: dict[int, str] = {}

    # -- matching --

    def group(self, clauses: tuple) -> Group:
        found = self._groups.get(clauses)
        if found is not None:
            self._groups.move_to_end(clauses)
            return found
        bits = []
        for data, _offset, _live, _sub in self.parts:
            union = 0
            for field, text, _boost in clauses:
                entry = data.term(field, text)
                if entry is not None:
                    union |= entry.bits
            bits.append(union)
        found = self._groups[clauses] = Group(clauses, bits)
        if len(self._groups) > GROUP_CACHE_ENTRIES:
            self._groups.popitem(last=False)
        return found

    def match(self, groups: list[Group], base: list[int]) -> list[int]:
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
        """The word in every text field, and in matching.LOOSE_FIELDS (the name) its typos
        (matching.max_edits; two edits away weigh FAR_TYPO_FACTOR of one) and, for the last
        word, the words starting with it - weighted by LOOSE_BOOST. (Whoosh's
        FuzzyTerm/Prefix drop their boost when they expand to a single word, and score 0
        when they expand to three or more in a segment of at most 5,000 documents; here the
        boosted score always applies.)"""
        clauses = list(exact_clauses(word))
        if max_edits(word):
            typos = self.typo_terms(word)
            for field in LOOSE_FIELDS:
                clauses += [(field, term, LOOSE_BOOST[field] * (1.0 if edits <= 1 else FAR_TYPO_FACTOR))
                            for term, edits in typos[field]]
        if is_last and may_be_prefix(word):
            for field in LOOSE_FIELDS:
                clauses += [(field, term, LOOSE_BOOST[field]) for term in self.prefix_terms(field, word)]
        return tuple(clauses)

    def typo_terms(self, word: str) -> dict[str, list[tuple[str, int]]]:
        """loose field (matching.LOOSE_FIELDS) -> (term, edits) of `word` itself when
        present and of at most MAX_TYPO_TERMS of its typos there (SegmentData.typos of every
        segment), the nearest and then the most frequent ones."""
        key = ("typo", word)
        found = self._expansions.get(key)
        if found is None:
            terms: dict[str, set[str]] = {field: set() for field in LOOSE_FIELDS}
            for data, _offset, _live, sub in self.parts:
                for field, typos in data.typos(word, sub).items():
                    terms[field].update(typos)
            allowed, frequency = max_edits(word), self.reader.doc_frequency
            found = {}
            for field, candidates in terms.items():
                ranked = sorted((edit_distance(t, word, allowed), -frequency(field, t), t) for t in candidates)
                kept = ranked[:MAX_TYPO_TERMS + (word in candidates)]
                found[field] = sorted((t, edits) for edits, _frequency, t in kept)
            self._expansions[key] = found
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

    def in_stock(self, matched: list[int]) -> list[int]:
        """Per segment: the documents of `matched` in stock."""
        return [bits & part[0].facets["in_stock"].get("true", 0) for part, bits in zip(self.parts, matched)]

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

    def folded_name(self, docnum: int) -> str:
        """A document's name as its folded words, spaced (the ranking compares it with the
        query's words on every relevance page: kept with the generation, a few dozen bytes each)."""
        found = self._folded_names.get(docnum)
        if found is None:
            found = self._folded_names[docnum] = " ".join(words_of(self.stored_fields(docnum).get("name", "")))
        return found

    # -- ranking --

    def top_scored(self, groups: list[Group], matched: list[int], k: int) -> list[tuple[float, int]]:
        """The best `k` (score, docnum) of the matches, best first, ties by docnum (as
        Whoosh's collector orders them)."""
        candidates: list[tuple[float, int]] = []
        for i, ((_segment, offset, _live, _sub), bits) in enumerate(zip(self.parts, matched)):
            if not bits:
                continue
            docs = docnums_of(bits)
            tables = [self._group_scores(group, i) for group in groups]
            scores = map(tables[0].__getitem__, docs)
            for table in tables[1:]:
                scores = map(add, scores, map(table.__getitem__, docs))
            candidates += heapq.nlargest(k, zip(scores, map((-offset).__sub__, docs)))
        return [(score, -negated) for score, negated in heapq.nlargest(k, candidates)]

    def _group_scores(self, group: Group, i: int) -> dict[int, float]:
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
                    if mask[d >> 3] & BIT[d & 7]:
                        picked.append(d)
                        if len(picked) >= k:
                            break
            else:
                picked = docnums_of(bits)
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
            B, K1 = bm25_field_b(self._weighting, field), self._weighting.K1  # noqa: N806 - BM25's names
            avgfl = self.searcher.avg_field_length(field) or 1
            found = self._addends[field] = tuple(K1 * ((1 - B) + B * fl / avgfl) for fl in _LENGTH_OF_BYTE)
        return found
