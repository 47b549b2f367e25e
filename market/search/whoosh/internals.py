"""Every use of Whoosh's private internals, and nowhere else.

Written against whoosh-reloaded 2.7.5, the version pinned in requirements.txt
(`whoosh-reloaded==2.7.5`). The engine reads and writes Whoosh's own files, but takes
three short cuts through objects Whoosh does not publish:

- reading a term's postings a whole block at a time (`read_postings`: the segment
  reader's `_terms`, the W3 leaf matcher's `_data`, `_read_data`, `_next_block`);
- walking several fields' word lists with one Levenshtein automaton (`terms_within`: the
  codec's `Automata`, which a segment reader's `terms_within` builds anew for each call);
- reading a numeric column or the field lengths as one byte string (`column_array`,
  `length_bytes`: a column reader's `_dbfile`, `_basepos`, `_count`, `_fixedlen`,
  `_typecode`, `_default`; the per-document reader `_perdoc` and its `_cached_reader`,
  the codec's `_lenfield` and `LENGTHS_COLUMN`);
- writing a term's postings a whole block at a time, and the segment writer of a
  rebuild (`write_term_blocks`, `DirectSegmentWriter`: a subclass of `SegmentWriter`
  using `_check_state`, `_added`, `_flush_segment`; the W3 posting writer's `_blocklimit`,
  `_ids`, `_weights`, `_values`, `_maxweight`, `_minlength`, `_maxlength`, `_write_block`);

plus the codec's settings (`_blocklimit`, `_compression`, `_inlinelimit`) for
`FreshSegmentCodec`, and BM25F's per-field B (`_field_B`, `bm25_field_b`).

Each reading short cut falls back to the public API when an object is not of the
expected kind, so an upgrade that changed them would make searches slower, not wrong -
silently. tests/test_whoosh_internals.py calls every short cut directly (not through the
fallback) on a small index and compares it with what Whoosh's public API gives; it fails
when an upgrade renames, moves or changes any of them. tests/test_whoosh_backend.py's
`test_a_rebuild_writes_what_whoosh_would_write` compares the segment files a rebuild
writes with those of Whoosh's own writer, byte for byte, and
`test_relevance_is_whooshs_own_bm25f` the scores with Whoosh's searcher. Run both files
after changing the pinned version. `tests/test_architecture.py` keeps these names (its
WHOOSH_PRIVATE_NAMES) out of every other module.
"""
from __future__ import annotations

import itertools
import secrets
import sys
from array import array

from whoosh.codec.base import Automata
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, W3LeafMatcher, W3PostingsWriter, W3Segment, _lenfield
from whoosh.util import IDCHARS
from whoosh.util.numeric import length_to_byte
from whoosh.writing import SegmentWriter

# -- reading ------------------------------------------------------------------------------


def read_postings(reader, field: str, btext: bytes) -> tuple[array, array] | None:
    """(document numbers, weights) of a term in one segment, deleted documents included
    (each generation masks them), or None. Reads Whoosh's posting blocks whole; another
    kind of reader or matcher is read through the public API (deleted documents left out)."""
    if (field, btext) not in reader:
        return None
    try:
        matcher = raw_matcher(reader, field, btext)
    except AttributeError:  # not a plain segment reader
        matcher = reader.postings(field, btext)
    if type(matcher) is W3LeafMatcher and hasattr(matcher, "_data"):
        return block_postings(matcher)
    ids, weights = array("I"), array("f")
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return ids, weights


def raw_matcher(reader, field: str, btext: bytes):
    """A segment reader's matcher of a term without its deletion filter."""
    return reader._terms.matcher(field, btext, reader.schema[field].format)


def block_postings(matcher) -> tuple[array, array]:
    """(document numbers, weights) of a W3 leaf matcher, decoded a block at a time."""
    ids, weights = array("I"), array("f")
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
    return ids, weights


def column_array(reader, name: str, size: int) -> array:
    """A numeric column of one segment as an array (one value per document)."""
    try:
        return raw_column(reader.column_reader(name, translate=False), size)
    except (AttributeError, TypeError, ValueError):  # another column type: value by value
        return array("q", reader.column_reader(name))


def raw_column(column, size: int) -> array:
    """The values of a NumericColumn reader, read as one byte string (padded with the
    column's default up to `size` documents)."""
    raw = column._dbfile.get(column._basepos, column._count * column._fixedlen)
    values = array(column._typecode, raw)
    if values.itemsize != column._fixedlen:
        raise TypeError("unexpected column layout")
    if sys.byteorder == "little":  # stored big-endian ("!q")
        values.byteswap()
    values.extend(itertools.repeat(column._default, size - len(values)))
    return values


def length_bytes(reader, field: str, size: int) -> bytes:
    """The encoded length (Whoosh's length byte) of `field` in each document of a segment."""
    try:
        return raw_length_bytes(reader, field, size)
    except AttributeError:
        return bytes(length_to_byte(reader.doc_field_length(d, field, 0) or 0) for d in range(size))


def raw_length_bytes(reader, field: str, size: int) -> bytes:
    """The length bytes of a W3 segment, read as one byte string."""
    column = reader._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
    if column is None:
        return bytes(size)
    raw = column._dbfile.get(column._basepos, min(column._count, size))
    return raw + bytes(size - len(raw))


def terms_within(reader, fields, word: str, maxdist: int) -> dict[str, list[str]]:
    """field -> `reader.terms_within(field, word, maxdist, prefix=1)` for each of `fields`,
    with one Levenshtein automaton for all of them (a segment reader builds one per call,
    which for two edits costs about as much as walking a field's words)."""
    try:
        cursors = {field: reader.cursor(field) for field in fields}
    except AttributeError:  # not a segment reader: one call per field
        return {field: list(reader.terms_within(field, word, maxdist, prefix=1)) for field in fields}
    dfa = Automata.levenshtein_dfa(word, maxdist, 1)
    return {field: list(Automata.find_matches(dfa, cursor)) for field, cursor in cursors.items()}


def bm25_field_b(weighting, field: str) -> float:
    """BM25F's B for a field (its per-field value, or the default)."""
    return weighting._field_B.get(field, weighting.B)


# -- writing ------------------------------------------------------------------------------


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


class DirectSegmentWriter(SegmentWriter):
    """Whoosh's SegmentWriter, except that the subclass writes the postings itself.

    Whoosh's writer pools every posting (an external sort) and writes them at commit. Here
    documents go through `start_document` / `finish_document` (per-document data: stored
    fields, lengths, columns, through Whoosh's per-document writer as usual), and at commit
    `write_postings(fieldwriter)` - the subclass's - writes every field's terms in order,
    each term's postings through `write_term_blocks`."""

    def start_document(self):
        """Begin the next document; gives its number and Whoosh's per-document writer."""
        self._check_state()
        perdoc = self.perdocwriter
        perdoc.start_doc(self.docnum)
        return self.docnum, perdoc

    def finish_document(self) -> None:
        self.perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def cancel_document(self) -> None:
        self.perdocwriter.cancel_doc()

    def write_postings(self, fieldwriter) -> None:
        """Write every field's terms (fields and terms in byte order)."""
        raise NotImplementedError

    def _flush_segment(self):
        """What SegmentWriter does with its sorted pool, done by `write_postings`."""
        self.perdocwriter.close()
        self.write_postings(self.fieldwriter)
        self.fieldwriter.close()


def write_term_blocks(fieldwriter, ids, weights: list[float], values: list[bytes], lengths: list) -> None:
    """Give one term's postings to Whoosh's posting writer as `add_posting` would, a block
    (`blocklimit` postings) at a time; the last block stays buffered for `finish_term`.
    `lengths` are the field lengths as Whoosh reads them back (None for 0)."""
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
