"""The segment writer of a rebuild: the same files as Whoosh's writer, written faster.

Whoosh's general writer puts every posting through an external sort (pickled into
temporary run files, merged back) and looks up the field length of every posting when
writing it. A rebuild adds documents in order into a fresh index (nothing to replace, no
merge, nothing to optimise), so `BulkWriter` keeps the postings of the new segment in
memory per term (document numbers ascending), cuts text into words with
`matching.index_words` (each distinct chunk of text folded once, then the aliases) and hands each term's
postings to Whoosh's own posting writer in whole blocks: byte for byte what `add_document`
+ `commit` write (a test compares the files).
"""
from __future__ import annotations

from array import array
from collections import Counter

from whoosh import formats
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte

from market.search.backend import ProductDocument
from market.search.matching import JOINED_FIELDS, index_words
from market.search.whoosh.analysis import TEXT_FIELDS, document_fields
from market.search.whoosh.internals import DirectSegmentWriter, write_term_blocks


class BulkWriter(DirectSegmentWriter):
    """A segment of `ProductDocument`s (`add_product`) for a fresh index: no deletions,
    no merging, fields without term vectors or separate spelling. Per-document data
    (stored fields, lengths, columns) goes through Whoosh's per-document writer as usual."""

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
        self._words: dict[str, dict[str, tuple[array, array]]] = {
            n: {} for n, _, how in self._fields if how == "text"}
        # other indexed field -> term bytes -> (document numbers, weights, values)
        self._keywords: dict[str, dict[bytes, tuple[list, list, list]]] = {
            n: {} for n, _, how in self._fields if how == "terms"}
        # scorable field -> length (number of words) of each document
        self._lengths: dict[str, array] = {n: array("I") for n, f, how in self._fields if how and f.scorable}
        # field.index(value) of fields whose values repeat (facets: a few dozen values)
        self._indexed: dict[str, dict[str, list]] = {n: {} for n, f, how in self._fields if how == "terms"
                                                      and not f.unique}
        self.postings = 0

    def add_product(self, doc: ProductDocument) -> None:
        """`add_document(**document_fields(doc))`, in effect."""
        values = document_fields(doc)
        docnum, perdoc = self.start_document()
        try:
            for name, field, how in self._fields:
                value = values.get(name)
                if value is None:
                    if name in self._lengths:
                        self._lengths[name].append(0)
                    continue
                length = 0
                if how == "text":
                    length = self._add_words(name, docnum, index_words(value, name in JOINED_FIELDS))
                elif how == "terms":
                    length = self._add_keywords(name, field, docnum, value)
                if name in self._lengths:
                    self._lengths[name].append(length)
                perdoc.add_field(name, field, value if field.stored else None, length)
                if field.column_type:
                    perdoc.add_column_value(name, field.column_type, field.to_column_value(value))
        except BaseException:
            self.cancel_document()
            raise
        self.finish_document()

    def _add_words(self, name: str, docnum: int, words: list[str]) -> int:
        """Note a text field's words; gives the field's length."""
        terms = self._words[name]
        counts = Counter(words)
        for word, frequency in counts.items():
            posting = terms.get(word)
            if posting is None:
                posting = terms[word] = (array("I"), array("I"))
            posting[0].append(docnum)
            posting[1].append(frequency)
        self.postings += len(counts)
        return len(words)

    def _add_keywords(self, name: str, field, docnum: int, value: str) -> int:
        """Note the terms of another indexed field; gives the field's length if scorable."""
        terms = self._keywords[name]
        indexed = self._indexed.get(name)
        items = indexed.get(value) if indexed is not None else None
        if items is None:
            items = list(field.index(value))
            if indexed is not None and len(indexed) < 10_000:
                indexed[value] = items
        length = 0
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
        return length

    def add_document(self, **fields):  # pragma: no cover - a guard
        raise TypeError("BulkWriter indexes ProductDocuments: use add_product()")

    def write_postings(self, fieldwriter) -> None:
        """Every field's terms in order, each term's postings as Whoosh's writer would."""
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
                self._write_words(fieldwriter, name, field, lengths)
            else:
                self._write_keywords(fieldwriter, name, field, lengths)

    def _write_words(self, fieldwriter, name: str, field, lengths: list) -> None:
        terms = self._words[name]
        if not terms:
            return
        boost = field.format.field_boost
        packed: dict[int, bytes] = {}
        fieldwriter.start_field(name, field)
        for word in sorted(terms):  # str order is UTF-8 byte order
            ids, frequencies = terms[word]
            weights = [frequency * boost for frequency in frequencies]
            values = [packed[f] if f in packed else packed.setdefault(f, pack_uint(f)) for f in frequencies]
            fieldwriter.start_term(word.encode("utf-8"))
            write_term_blocks(fieldwriter, ids, weights, values, [lengths[d] for d in ids])
            fieldwriter.finish_term()
        fieldwriter.finish_field()

    def _write_keywords(self, fieldwriter, name: str, field, lengths: list | None) -> None:
        terms = self._keywords[name]
        if not terms:
            return
        fieldwriter.start_field(name, field)
        for btext in sorted(terms):
            ids, weights, values = terms[btext]
            fieldwriter.start_term(btext)
            write_term_blocks(fieldwriter, ids, weights, [v if v is not None else b"" for v in values],
                              [lengths[d] for d in ids] if lengths is not None else [0] * len(ids))
            fieldwriter.finish_term()
        fieldwriter.finish_field()


def _read_back_length(length: int) -> int | None:
    """A field length as Whoosh reads it back (stored as one byte, lossy above 9)."""
    encoded = length_to_byte(length)
    return byte_to_length(encoded) if encoded else None
