"""What the Whoosh index holds of each product, read back for `search verify` (verify.py).

The index stores a product's id, name and description; its id, price and listing date
are columns; everything else (the words of the seller, category and badges, the category
ids, province, programs, OCOP stars, in stock) is only indexed. Those fields are read back
by walking their terms - a few thousand in all, whatever the catalog size: seller and
category names, ids - and noting the documents each term has. Stored fields (the
descriptions: the bulk of the index) are read a batch of products at a time.

An entry is a dict {field: value}; `expected_entry(doc)` gives the same form for a
database document, made with the schema's own analyzers, so the two compare with `==`.
Stock is not in this index (only whether there is some), nor the slug or photo: the
storefront reads those from the database.

Only Whoosh's public reader API is used (whoosh-reloaded 2.7.5: leaf_readers,
all_doc_ids, stored_fields, column_reader, lexicon, postings); tests/test_search_verify.py
catches an upgrade that reads differently.
"""
from __future__ import annotations

import bisect
import os
from collections import defaultdict

from whoosh import index as windex

from market.search.backend import ProductDocument
from market.search.whoosh.analysis import document_fields
from market.search.whoosh.backend import WhooshBackend

# Fields read back by walking their terms: {field: label in reports}.
INVERTED = {
    "seller_name": "seller words",
    "category_name": "category words",
    "badges": "badge words",
    "category_ids": "categories",
    "province": "province",
    "programs": "programs",
    "ocop": "ocop stars",
    "in_stock": "in stock",
}
STORED = {"name": "name", "description": "description"}
COLUMNS = {"price": "price", "listed_at": "listed at"}


def expected_entry(schema, doc: ProductDocument, terms_cache: dict | None = None) -> dict[str, object]:
    """What the index should hold of `doc` (the form `WhooshSnapshot.entries` gives).
    `terms_cache` keeps the terms of values seen before (sellers and categories repeat)."""
    cache = {} if terms_cache is None else terms_cache
    fields = document_fields(doc)
    entry: dict[str, object] = {label: fields.get(name, "") for name, label in STORED.items()}
    entry.update({label: int(fields[name]) for name, label in COLUMNS.items()})
    for name, label in INVERTED.items():
        value = fields.get(name)
        terms = cache.get((name, value))
        if terms is None:
            terms = frozenset(schema[name].process_text(value, mode="index")) if value else frozenset()
            cache[(name, value)] = terms
        entry[label] = terms
    return entry


class WhooshSnapshot:
    """One generation of the live index, open for reading (a context manager).

    Writes made meanwhile are not seen; `verify` looks twice before calling a difference
    drift (see verify.py)."""

    def __init__(self, backend: WhooshBackend):
        self.schema = backend.schema
        self._reader = None
        self._ix = None
        self._leaves: list = []
        self._where: dict[int, tuple[int, int]] = {}  # product id -> (leaf, docnum)
        self._product_ids: list[int] = []
        self.duplicates: set[int] = set()
        self._field_terms: dict[tuple[int, str], dict[int, frozenset]] = {}
        self._terms_cache: dict[tuple[str, str], frozenset] = {}
        version = backend.current_version()
        folder = os.path.join(backend.path, version) if version else None
        if folder and windex.exists_in(folder):
            self._ix = windex.open_dir(folder, schema=backend.schema)
            self._reader = self._ix.reader()
            self._leaves = [leaf for leaf, _offset in self._reader.leaf_readers()]
            for number, leaf in enumerate(self._leaves):
                self._place(number, leaf)
                for name in INVERTED:
                    self._field_terms[(number, name)] = _invert(leaf, name, self.schema[name])
        self._product_ids = sorted(self._where)

    def __enter__(self) -> WhooshSnapshot:
        return self

    def __exit__(self, *exc) -> None:
        if self._reader is not None:
            self._reader.close()
        if self._ix is not None:
            self._ix.close()

    def _place(self, number: int, leaf) -> None:
        if leaf.has_column("pid"):
            pids = leaf.column_reader("pid")
            live = ((docnum, int(pids[docnum])) for docnum in leaf.all_doc_ids())
        else:  # an index written before the pid column: the stored id
            live = ((docnum, int(leaf.stored_fields(docnum)["id"])) for docnum in leaf.all_doc_ids())
        for docnum, product_id in live:
            if product_id in self._where:
                self.duplicates.add(product_id)
            self._where[product_id] = (number, docnum)

    def expected(self, docs: list[ProductDocument]) -> dict[int, dict[str, object]]:
        if len(self._terms_cache) > 50_000:
            self._terms_cache.clear()
        return {doc.id: expected_entry(self.schema, doc, self._terms_cache) for doc in docs}

    def ids_between(self, low: int, high: int | None) -> list[int]:
        """Product ids in the index with low < id <= high (high None: no upper bound)."""
        start = bisect.bisect_right(self._product_ids, low)
        end = len(self._product_ids) if high is None else bisect.bisect_right(self._product_ids, high)
        return self._product_ids[start:end]

    def entries(self, product_ids) -> dict[int, dict[str, object]]:
        """The entries of those of `product_ids` that the index holds."""
        found = {}
        columns: dict[int, dict[str, object]] = {}
        for product_id in product_ids:
            place = self._where.get(product_id)
            if place is None:
                continue
            number, docnum = place
            leaf = self._leaves[number]
            if number not in columns:
                columns[number] = {name: leaf.column_reader(name) for name in COLUMNS}
            stored = leaf.stored_fields(docnum)
            entry: dict[str, object] = {label: stored.get(name, "") for name, label in STORED.items()}
            entry.update({label: int(columns[number][name][docnum]) for name, label in COLUMNS.items()})
            for name, label in INVERTED.items():
                entry[label] = self._field_terms[(number, name)].get(docnum, frozenset())
            found[product_id] = entry
        return found


def _invert(leaf, name: str, field) -> dict[int, frozenset]:
    """{docnum: the terms of field `name` it has} for a segment (live documents only)."""
    per_doc: dict[int, list[str]] = defaultdict(list)
    for btext in leaf.lexicon(name):
        text = field.from_bytes(btext)
        for docnum in leaf.postings(name, btext).all_ids():
            per_doc[docnum].append(text)
    shared: dict[frozenset, frozenset] = {}  # many products share a seller's or category's words
    return {docnum: shared.setdefault(frozenset(terms), frozenset(terms)) for docnum, terms in per_doc.items()}
