"""Each short cut of market/search/whoosh/internals.py through Whoosh's private objects,
called directly (never through its fallback to the public API) and compared with what
Whoosh's public API gives. These fail when an upgrade of whoosh-reloaded (pinned at 2.7.5
in requirements.txt) renames, moves or changes what the engine relies on; the engine
itself would only fall back to the slow public path, or write other bytes.
"""
import os
import random
from datetime import UTC, datetime

import pytest
from whoosh import index as windex
from whoosh.codec.whoosh3 import W3Codec, W3LeafMatcher, W3PostingsWriter
from whoosh.scoring import BM25F
from whoosh.util.numeric import length_to_byte

from market.search.whoosh import internals
from market.search.whoosh.analysis import make_schema

WORDS = ("mật", "ong", "rừng", "trà", "shan", "tuyết", "gạo", "nếp", "cà", "phê", "gốm", "bát", "tràng")


def _fields(n: int, rng: random.Random) -> dict:
    """A document of the engine's schema; some words repeat (frequencies above 1), some
    fields are left out (a length of 0, no column value)."""
    fields = {
        "id": str(n),
        "pid": n,
        "name": " ".join(rng.choice(WORDS) for _ in range(rng.randrange(1, 6))),
        "description": " ".join(rng.choice(WORDS) for _ in range(rng.randrange(0, 40))),
        "province": rng.choice(("01", "79", "92")),
        "in_stock": rng.choice(("true", "false")),
        "price": rng.randrange(1_000, 2_000_000),
        "listed_at": int(datetime(2026, 1, 1, tzinfo=UTC).timestamp() * 1_000_000) + n,
    }
    if n % 7:
        fields["seller_name"] = rng.choice(("Hợp tác xã Hoa Sen", "HTX Bình Minh"))
    return {key: value for key, value in fields.items() if value != ""}


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    """One segment of 700 documents (several posting blocks per common term) written by
    Whoosh's own writer, then a few deleted; yields (index, reader of the one segment)."""
    folder = tmp_path_factory.mktemp("internals")
    ix = windex.create_in(str(folder), make_schema())
    rng = random.Random(11)
    writer = ix.writer()
    for n in range(1, 701):
        writer.add_document(**_fields(n, rng))
    writer.commit()
    writer = ix.writer()
    for n in (3, 50, 699):
        writer.delete_by_term("id", str(n))
    writer.commit(merge=False)
    reader = ix.reader()
    (leaf, _offset), = reader.leaf_readers()
    yield ix, leaf
    reader.close()
    ix.close()


def _public_postings(leaf, field, btext):
    matcher = leaf.postings(field, btext)  # live documents only
    ids, weights = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return ids, weights


def test_block_postings_read_what_the_public_matcher_reads(index):
    _ix, leaf = index
    deleted = set(leaf.segment().deleted_docs())
    assert deleted
    checked = 0
    for field in ("name", "description", "seller_name", "province", "in_stock", "id"):
        for btext in leaf.lexicon(field):
            matcher = internals.raw_matcher(leaf, field, btext)
            assert type(matcher) is W3LeafMatcher  # the fast path applies
            ids, weights = internals.block_postings(matcher)
            live = [(d, w) for d, w in zip(ids, weights) if d not in deleted]
            assert live == list(zip(*_public_postings(leaf, field, btext))), (field, btext)
            assert list(ids) == sorted(ids)
            assert internals.read_postings(leaf, field, btext) == (ids, weights)
            checked += 1
    assert checked > 700
    assert internals.read_postings(leaf, "name", b"absent") is None


def test_postings_keep_deleted_documents(index):
    _ix, leaf = index
    ids, _weights = internals.block_postings(internals.raw_matcher(leaf, "id", b"50"))
    assert list(ids) == [49]  # document 50 (docnum 49) is deleted, and still there
    assert _public_postings(leaf, "id", b"50") == ([], [])


def test_raw_columns_are_the_column_readers_values(index):
    _ix, leaf = index
    size = leaf.doc_count_all()
    for name in ("pid", "price", "listed_at"):
        column = leaf.column_reader(name, translate=False)
        expected = list(leaf.column_reader(name))
        assert list(internals.raw_column(column, size)) == expected, name
        padded = internals.raw_column(leaf.column_reader(name, translate=False), size + 3)
        assert list(padded[size:]) == [0, 0, 0]  # past the written values: the column's default
        assert list(internals.column_array(leaf, name, size)) == expected


def test_raw_length_bytes_are_the_field_lengths(index):
    _ix, leaf = index
    size = leaf.doc_count_all()
    for field in ("name", "description", "seller_name"):
        expected = bytes(length_to_byte(leaf.doc_field_length(d, field, 0) or 0) for d in range(size))
        assert internals.raw_length_bytes(leaf, field, size) == expected, field
        assert internals.length_bytes(leaf, field, size) == expected
    assert 0 in internals.raw_length_bytes(leaf, "seller_name", size)  # documents without the field


def test_one_automaton_finds_what_terms_within_finds(index):
    _ix, leaf = index
    fields = ("name", "description", "seller_name", "category_name", "badges")  # (the last two are empty)
    for word in ("ong", "mat", "tuyet", "tranng", "nghiepp", "binh", "zzz"):
        for maxdist in (1, 2):
            expected = {field: sorted(leaf.terms_within(field, word, maxdist, prefix=1)) for field in fields}
            found = internals.terms_within(leaf, fields, word, maxdist)
            assert {field: sorted(terms) for field, terms in found.items()} == expected, (word, maxdist)
    assert internals.terms_within(leaf, ["name"], "mat", 1)["name"]  # (not vacuous)


def test_bm25_field_b():
    weighting = BM25F(B=0.6, name_B=0.3)
    assert internals.bm25_field_b(weighting, "name") == 0.3
    assert internals.bm25_field_b(weighting, "description") == 0.6


def test_fresh_segment_codec_keeps_the_codec_settings_and_avoids_used_ids(tmp_path):
    ix = windex.create_in(str(tmp_path), make_schema())
    codec = internals.FreshSegmentCodec(blocklimit=7, compression=2)  # (inlinelimit above 1 fails in Whoosh)
    used = set()
    for _ in range(5):
        random.seed(0)  # what makes Whoosh's own ids repeat
        writer = ix.writer(codec=codec)
        writer.add_document(**_fields(1, random.Random(1)))
        writer.commit(merge=False)
        segment = ix._segments()[-1]
        assert segment.segment_id() not in used
        used.add(segment.segment_id())
        kept = segment.codec()
        assert type(kept) is W3Codec  # the index files never name the engine's module
        assert (kept._blocklimit, kept._compression, kept._inlinelimit) == (7, 2, 1)
    ix.close()


class _Direct(internals.DirectSegmentWriter):
    """Writes the postings of the "name" field only (documents added via start/finish)."""

    def __init__(self, ix, codec, postings):
        super().__init__(ix, codec=codec)
        self.name_postings = postings  # btext -> [(docnum, weight, value bytes, length)]
        self.posting_writers = set()

    def write_postings(self, fieldwriter):
        field = self.schema["name"]
        fieldwriter.start_field("name", field)
        for btext in sorted(self.name_postings):
            ids, weights, values, lengths = zip(*self.name_postings[btext])
            fieldwriter.start_term(btext)
            self.posting_writers.add(type(fieldwriter._postwriter))
            internals.write_term_blocks(fieldwriter, list(ids), list(weights), list(values), list(lengths))
            fieldwriter.finish_term()
        fieldwriter.finish_field()


def _segment_bytes(folder):
    ix = windex.open_dir(folder)
    (segment,) = ix._segments()
    files = segment.open_compound_file(ix.storage) if segment.is_compound() else ix.storage
    prefix = segment.segment_id()
    content = {name.replace(prefix, "SEG"): files.open_file(name).read() for name in files.list()
               if name.startswith(prefix)}
    ix.close()
    return content


def test_direct_segment_writer_and_term_blocks_write_what_whoosh_writes(tmp_path):
    """A name-only schema in blocks of 4 postings: byte for byte the files of Whoosh's writer."""
    schema = make_schema()
    for name in list(schema.names()):
        if name != "name":
            schema.remove(name)
    field = schema["name"]
    rng = random.Random(5)
    names = [" ".join(rng.choice(WORDS) for _ in range(rng.randrange(1, 6))) for _ in range(30)]

    os.makedirs(tmp_path / "whoosh")
    ix = windex.create_in(str(tmp_path / "whoosh"), schema)
    writer = ix.writer(codec=W3Codec(blocklimit=4))
    for name in names:
        writer.add_document(name=name)
    writer.commit()
    ix.close()

    os.makedirs(tmp_path / "direct")
    ix = windex.create_in(str(tmp_path / "direct"), schema)
    postings = {}
    direct = _Direct(ix, W3Codec(blocklimit=4), postings)
    for n, name in enumerate(names):
        docnum, perdoc = direct.start_document()
        assert docnum == n
        terms = list(field.index(name))
        length = sum(frequency for _btext, frequency, _weight, _value in terms)
        for btext, _frequency, weight, value in terms:
            postings.setdefault(btext, []).append((docnum, weight, value, length))
        perdoc.add_field("name", field, name, length)
        direct.finish_document()
    direct.commit()
    ix.close()
    assert direct.posting_writers == {W3PostingsWriter}  # the block path, not posting by posting

    expected, written = _segment_bytes(str(tmp_path / "whoosh")), _segment_bytes(str(tmp_path / "direct"))
    assert sorted(written) == sorted(expected)
    for name in expected:
        assert written[name] == expected[name], name
