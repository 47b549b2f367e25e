"""The Whoosh search engine, on hand-made documents in a temporary index (no app needed)."""
import multiprocessing
import os
import random
import threading
import unicodedata
from datetime import UTC, datetime

import pytest
from whoosh import fields as wf
from whoosh import index as windex
from whoosh.query import And, Or, Term
from whoosh.util.filelock import FileLock
from whoosh.writing import SegmentWriter

from market.search.backend import (
    IndexBusy,
    SearchRequest,
    SearchResult,
    Snippet,
)
from market.search.matching import FEW_HITS, LOOSE_FIELDS, index_words, text_words, words_of
from market.search.whoosh import store
from market.search.whoosh.analysis import TEXT_FIELDS, document_fields, folding_analyzer, make_schema
from market.search.whoosh.backend import WhooshBackend
from market.search.whoosh.bitsets import bit_set, docnums_of
from market.search.whoosh.bulk_writer import BulkWriter
from market.search.whoosh.internals import FreshSegmentCodec
from market.search.whoosh.view import LOOSE_BOOST, MAX_TYPO_TERMS
from market.text import fold
from tests.search_documents import (
    DOCS,
    FILTERS,
    FOLDING,
    HOSTILE,
    ID_OF,
    NAMES,
    OCOP,
    PRICES,
    PROVINCES,
    direct_facets,
    direct_matches,
    make_doc,
)


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    """The catalog, indexed once for the tests that only read."""
    backend = WhooshBackend(str(tmp_path_factory.mktemp("shared") / "search-index"))
    backend.update(DOCS, [])
    return backend


@pytest.fixture()
def fresh(tmp_path):
    """The catalog in an index of the test's own, for the tests that write."""
    backend = WhooshBackend(str(tmp_path / "search-index"))
    backend.update(DOCS, [])
    return backend


def search(backend, text="", **kwargs) -> SearchResult:
    kwargs.setdefault("per_page", 100)
    return backend.search(SearchRequest(text=text, **kwargs))


def names(result: SearchResult) -> list[str]:
    return ["".join(part for part, _ in hit.name.parts) for hit in result.hits]


def ids(result: SearchResult) -> list[int]:
    return [hit.product_id for hit in result.hits]


def parts(snippet: Snippet) -> list[tuple[str, bool]]:
    return list(snippet.parts)


# -- analysis ----------------------------------------------------------------------------


def test_analyzer_folds_every_vietnamese_letter_and_keeps_short_words():
    tokens = [t.text for t in folding_analyzer()("ĐÀ LẠT đặc sản Áo dài lụa tơ tằm Mỹ A, và ở")]
    assert tokens == ["da", "lat", "dac", "san", "ao", "dai", "lua", "to", "tam", "my", "a", "va", "o"]
    assert words_of(unicodedata.normalize("NFD", "Nước mắm")) == ["nuoc", "mam"]
    assert words_of("gạo_ST25 — 100% \x00 🙂") == ["gao", "st25", "100"]


# -- matching ------------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "name"), FOLDING)
def test_folded_query_finds_product(backend, query, name):
    assert name in names(search(backend, query))


def test_upper_case_and_accents_give_the_same_results(backend):
    assert ids(search(backend, "ao dai")) == ids(search(backend, "ÁO DÀI")) == ids(search(backend, "Áo Dài"))


def test_every_word_must_match(backend):
    assert names(search(backend, "ca phe")) and set(names(search(backend, "ca phe"))) <= {
        "Cà phê Robusta Buôn Ma Thuột", "Cà phê chồn"}
    result = search(backend, "mat ong ca phe")
    assert result.total == 0 and result.hits == []
    # "a" is a word of its own: "Kẹo lạc Mỹ Tho" has "Mỹ" but no "A"
    assert names(search(backend, "my a")) == ["Vải lanh Mỹ A"]


def test_name_matches_rank_above_description_matches(tmp_path):
    backend = WhooshBackend(str(tmp_path / "ix"))
    backend.update([make_doc(1, "Bánh quy bơ", description="Có mật ong."), make_doc(2, "Mật ong rừng U Minh")], [])
    result = search(backend, "mat ong")
    assert names(result) == ["Mật ong rừng U Minh", "Bánh quy bơ"]
    assert result.hits[0].score > result.hits[1].score


def test_products_in_stock_rank_above_sold_out_ones(backend):
    """"Mật ong rừng U Minh" is sold out: the in-stock description match comes first."""
    result = search(backend, "mat ong")
    assert names(result)[:2] == ["Bánh quy bơ", "Mật ong rừng U Minh"]
    assert not next(d for d in DOCS if d.name == "Mật ong rừng U Minh").in_stock
    assert names(search(backend, "mat ong", sort="price_asc"))  # other sorts keep their order


def test_words_of_seller_category_and_badges_match(backend):
    assert search(backend, "hoa sen").total == sum(d.seller_name == "Hợp tác xã Hoa Sen" for d in DOCS)
    assert search(backend, "thoi trang").total == sum(21 in d.category_ids for d in DOCS)
    assert search(backend, "phu nu khoi nghiep").total == sum(1 in d.program_ids for d in DOCS)


@pytest.mark.parametrize(("query", "name"), [
    ("mat ongg", "Mật ong rừng U Minh"),
    ("ca phee", "Cà phê Robusta Buôn Ma Thuột"),
    ("nuoc mamm", "Nước mắm Phú Quốc"),
    ("xa phongg", "Xà phòng thảo mộc"),
])
def test_a_typo_finds_by_fuzzy_matching(backend, query, name):
    assert name in names(search(backend, query))


def test_typos_match_only_in_names(backend):
    """matching.LOOSE_FIELDS: "nghieng" is two edits from "nghiep" of a badge and a seller's
    name ("Phụ nữ khởi nghiệp", "Chị Lan khởi nghiệp") and from no word of a name."""
    assert search(backend, "khoi nghiep").total >= FEW_HITS
    assert search(backend, "nghieng").total == 0
    assert search(backend, "khoi nghieng").total == 0
    assert set(LOOSE_BOOST) == set(LOOSE_FIELDS) <= set(TEXT_FIELDS)


def test_typos_follow_the_rule_of_matching(backend):
    """matching.max_edits: a swap of two letters is one edit; one edit up to six letters,
    two from seven."""
    assert "Xà phòng thảo mộc" in names(search(backend, "xa phnog"))  # a swap
    assert "Cà phê Robusta Buôn Ma Thuột" in names(search(backend, "rubustta"))  # two edits, eight letters
    assert search(backend, "xa phoonn").total == 0  # two edits, six letters


def test_a_nearer_typo_ranks_first(tmp_path):
    backend = WhooshBackend(str(tmp_path / "ix"))
    backend.update([make_doc(1, "Cà phê rabusta", description=""), make_doc(2, "Cà phê robusta", description="")], [])
    assert names(search(backend, "robustta")) == ["Cà phê robusta", "Cà phê rabusta"]  # one edit, two edits


def test_typos_of_a_word_are_bounded(tmp_path):
    """A word with many typos in the catalog matches the nearest, most frequent few."""
    backend = WhooshBackend(str(tmp_path / "ix"))
    docs = [make_doc(i, f"Gốm vong{letter}", description="") for i, letter in enumerate("abcdefghijklmnopqr", 1)]
    docs += [make_doc(100 + i, "Gốm vongs", description="") for i in range(3)]  # the most frequent
    backend.update(docs, [])
    found = names(search(backend, "vongx"))  # one edit from each
    assert len(found) == 3 + MAX_TYPO_TERMS - 1
    assert found.count("Gốm vongs") == 3


def test_last_word_is_matched_as_a_prefix_when_few_exact_hits(backend):
    assert "Hạt điều rang muối Bình Phước" in names(search(backend, "hat die"))


def test_short_words_are_not_fuzzy(backend):
    # "pha" is one letter from "phe" (cà phê) but too short to match loosely; "did you mean" helps
    result = search(backend, "ca pha")
    assert result.total == 0
    assert result.suggestion == "cà phê"


def test_did_you_mean(backend):
    result = search(backend, "mta ong")  # a swap of letters in a short word: no fuzzy hit
    assert result.total == 0
    assert result.suggestion == "mật ong"
    assert search(backend, "mat ong").suggestion is None
    assert search(backend, "zzqqxx").suggestion is None
    assert search(backend, "mat ongg").suggestion == "mật ong"  # fuzzy hits, and the right spelling


# -- highlights --------------------------------------------------------------------------------


def test_name_highlight_marks_the_words_of_the_query(backend):
    hit = search(backend, "ao dai").hits[0]
    assert parts(hit.name) == [("Áo", True), (" ", False), ("dài", True), (" lụa Hà Đông", False)]
    assert hit.description is not None and ("áo", True) in parts(hit.description)


def test_fuzzy_highlight_marks_the_matched_word(backend):
    hit = search(backend, "mat ongg").hits[0]
    assert parts(hit.name)[:3] == [("Mật", True), (" ", False), ("ong", True)]


def test_description_snippet_is_a_window_around_the_first_match(tmp_path):
    backend = WhooshBackend(str(tmp_path / "ix"))
    filler = " ".join(f"chữ{i}" for i in range(100))
    backend.update([make_doc(1, "Khăn choàng", f"{filler} thổ cẩm <b>đẹp</b> {filler}")], [])
    hit = search(backend, "tho cam").hits[0]
    snippet = parts(hit.description)
    assert snippet[0][0].startswith("…") and snippet[-1][0].endswith("…")
    assert ("thổ", True) in snippet and ("cẩm", True) in snippet
    text = "".join(part for part, _ in snippet)
    assert "<b>đẹp</b>" in text  # raw text: the template escapes it
    assert len(text.split()) <= 32
    assert search(backend, "khan choang").hits[0].description is None  # no match in the description
    assert search(backend, "").hits[0].description is None


# -- filters and facets ----------------------------------------------------------------------


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items()) or "all")
def test_filters_and_facet_counts_equal_a_direct_count(backend, filters):
    expected = direct_matches(**filters)
    if filters.get("text"):
        assert len(expected) >= 5  # enough exact hits: no fuzzy widening
    result = search(backend, **filters)
    assert result.total == len(expected)
    assert set(ids(result)) == {d.id for d in expected}
    expected_facets = direct_facets(expected)
    expected_facets["in_stock"] = {k: n for k, n in expected_facets["in_stock"].items() if n}
    assert result.facets == expected_facets
    assert result.facets["in_stock"].get("true", 0) == sum(d.in_stock for d in expected)
    assert all(n > 0 for values in result.facets.values() for n in values.values())


def test_a_filter_value_nobody_has_gives_nothing(backend):
    assert search(backend, province_code="99").total == 0
    assert search(backend, category_id=999).total == 0
    for sort in ("relevance", "price_asc"):
        assert search(backend, "mat ong", province_code="99", sort=sort).total == 0
        assert search(backend, "mat ong", ocop_stars=4, program_id=1, price_band="1000000-", sort=sort).total == \
            len(direct_matches("mat ong", ocop_stars=4, program_id=1, price_band="1000000-"))


def test_unknown_price_band_and_sort_are_ignored(backend):
    assert search(backend, price_band="cheap", sort="random").total == len(DOCS)


# -- sorts and pages -------------------------------------------------------------------------


@pytest.mark.parametrize(("sort", "key"), [
    ("price_asc", lambda d: (d.price_vnd, d.id)),
    ("price_desc", lambda d: (-d.price_vnd, -d.id)),
    ("newest", lambda d: (-d.listed_at.timestamp(), -d.id)),
    ("relevance", lambda d: (-d.listed_at.timestamp(), -d.id)),  # no text: newest first
])
def test_sorts(backend, sort, key):
    assert ids(search(backend, sort=sort)) == [d.id for d in sorted(DOCS, key=key)]


def test_sort_with_text_and_filters(backend):
    expected = direct_matches(text="hop tac")
    result = search(backend, "hop tac", sort="price_asc")
    assert ids(result) == [d.id for d in sorted(expected, key=lambda d: (d.price_vnd, d.id))]


def test_pages_cover_every_result_once(backend):
    seen = []
    first = search(backend, per_page=7)
    for page in range(1, first.pages + 1):
        result = search(backend, page=page, per_page=7)
        assert result.total == len(DOCS) and result.page == page
        assert len(result.hits) == (7 if page < first.pages else len(DOCS) - 7 * (first.pages - 1))
        seen += ids(result)
    assert seen == ids(search(backend))
    assert first.pages == -(-len(DOCS) // 7)


def test_a_page_past_the_end_has_no_hits_but_the_total(backend):
    result = search(backend, "hop tac", page=50, per_page=10)
    assert result.hits == [] and result.total == len(direct_matches(text="hop tac")) and result.page == 50
    assert search(backend, page=10**12).hits == []


def test_silly_paging_values_are_clamped(backend):
    result = backend.search(SearchRequest(page=0, per_page=0))
    assert result.page == 1 and result.per_page == 1 and len(result.hits) == 1
    assert len(backend.search(SearchRequest(per_page=10**6)).hits) == min(len(DOCS), 100)


# -- updates ---------------------------------------------------------------------------------


def test_update_replaces_and_removes(fresh):
    backend = fresh
    honey = ID_OF["Mật ong rừng U Minh"]
    backend.update([make_doc(honey, "Mật hoa dừa Trà Vinh")], [ID_OF["Nước mắm Phú Quốc"], 987654])
    assert search(backend, "nuoc mam").total == 0
    assert search(backend, "u minh").total == 0
    assert names(search(backend, "mat hoa dua")) == ["Mật hoa dừa Trà Vinh"]
    assert search(backend).total == len(DOCS) - 1
    assert backend.doc_count() == len(DOCS) - 1
    assert sum(search(backend).facets["province"].values()) == len(DOCS) - 1


def test_stored_fields_are_read_once_per_document_and_follow_updates(fresh, monkeypatch):
    """A results page reads its hits' stored fields from memory after the first time; an
    updated document is a new document (a new segment), so its new name shows."""
    from whoosh.reading import SegmentReader

    reads = []
    original = SegmentReader.stored_fields
    monkeypatch.setattr(SegmentReader, "stored_fields", lambda self, docnum: reads.append(docnum) or original(self, docnum))
    first = names(search(fresh, "mat ong"))
    assert reads
    reads.clear()
    assert names(search(fresh, "mat ong")) == first and reads == []
    honey = ID_OF["Mật ong rừng U Minh"]
    fresh.update([make_doc(honey, "Mật ong rừng Cà Mau")], [])
    assert "Mật ong rừng Cà Mau" in names(search(fresh, "mat ong")) and "Mật ong rừng U Minh" not in names(search(fresh, "mat ong"))


def test_a_searcher_opened_before_an_update_sees_it(tmp_path):
    backend = WhooshBackend(str(tmp_path / "ix"))
    backend.update([make_doc(1, "Cà phê Culi", in_stock=True), make_doc(2, "Trà xanh")], [])
    assert search(backend, "culi", in_stock_only=True).total == 1  # caches a searcher
    backend.update([make_doc(1, "Cà phê Culi", in_stock=False)], [])
    assert search(backend, "culi", in_stock_only=True).total == 0
    result = search(backend, "culi")
    assert result.total == 1 and "in_stock" not in result.facets or result.facets["in_stock"] == {}
    assert search(backend).total == 2 and backend.doc_count() == 2
    backend.update([], [2])
    assert search(backend).total == 1 and search(backend, "tra xanh").total == 0


def test_the_same_id_twice_in_one_update_is_one_document(tmp_path):
    backend = WhooshBackend(str(tmp_path / "ix"))
    backend.update([make_doc(1, "Nón lá"), make_doc(1, "Nón lá bài thơ")], [])
    assert names(search(backend, "non la")) == ["Nón lá bài thơ"]


def test_searching_before_anything_is_indexed(tmp_path):
    backend = WhooshBackend(str(tmp_path / "nothing-yet"))
    result = search(backend, "mat ong")
    assert result.total == 0 and result.hits == [] and result.facets["province"] == {}
    assert backend.suggest("ca") == []
    assert not os.path.exists(tmp_path / "nothing-yet")  # reading creates nothing


def test_aware_and_naive_listing_dates(tmp_path):
    backend = WhooshBackend(str(tmp_path / "ix"))
    backend.update([
        make_doc(1, "Cũ", listed_at=datetime(2025, 3, 1, 12, 0)),
        make_doc(2, "Mới", listed_at=datetime(2025, 3, 1, 12, 30, tzinfo=UTC)),
    ], [])
    assert ids(search(backend, sort="newest")) == [2, 1]


# -- suggestions -------------------------------------------------------------------------------


def test_suggest_matches_the_last_word_as_a_prefix(backend):
    suggestions = backend.suggest("ca ph")
    assert suggestions[:2] == ["Cà phê Robusta Buôn Ma Thuột", "Cà phê chồn"] or \
        suggestions[:2] == ["Cà phê chồn", "Cà phê Robusta Buôn Ma Thuột"]
    assert len(suggestions) == 2  # the same name of two sellers once
    assert backend.suggest("CÀ PH") == suggestions
    assert backend.suggest("mat o") == ["Mật ong rừng U Minh"]
    assert backend.suggest("bánh") and all(fold(name).startswith("banh") or " banh" in fold(name)
                                           for name in backend.suggest("bánh"))
    assert backend.suggest("ca ph", limit=1) == suggestions[:1]
    assert backend.suggest("") == [] and backend.suggest("   ") == []


def test_suggest_puts_names_starting_with_the_text_first(backend):
    assert backend.suggest("ben tre")  # "Dừa nướng Bến Tre", "Kẹo dừa Bến Tre"
    assert backend.suggest("dua")[0].startswith("Dừa")


# -- hostile queries ---------------------------------------------------------------------------

@pytest.mark.parametrize("query", HOSTILE, ids=lambda q: repr(q[:20]))
def test_hostile_queries_answer_a_normal_page(backend, query):
    for sort in ("relevance", "price_desc", "newest"):
        result = backend.search(SearchRequest(text=query, sort=sort, category_id=10))
        assert isinstance(result, SearchResult)
        assert isinstance(result.hits, list) and result.total >= len(result.hits)
        assert set(result.facets) == {"category", "province", "program", "ocop", "price", "in_stock"}
    assert isinstance(backend.suggest(query), list)


def test_query_syntax_is_just_text(backend):
    honey = "Mật ong rừng U Minh"
    for query in ('"mật ong"', "mat* ong?", "((mat ong", "mật ong 🍯", "mat\x00ong", "+mat -ong"):
        assert honey in names(search(backend, query)), query


def test_hostile_filter_values(backend):
    result = backend.search(SearchRequest(province_code="'; DROP TABLE x; --", price_band="\x00",
                                          sort="'; --", page="x", per_page=None))
    assert result.total == 0 and result.page == 1


# -- rebuild ---------------------------------------------------------------------------------


def batches_of(docs, size=10):
    for start in range(0, len(docs), size):
        yield docs[start:start + size]


def test_rebuild_swaps_in_a_fresh_index(fresh):
    backend = fresh
    old_version = backend.current_version()
    backend.update([make_doc(5000, "Sản phẩm đã xoá khỏi cơ sở dữ liệu")], [])
    told = []
    assert backend.rebuild(batches_of(DOCS), progress=told.append) == len(DOCS)
    assert sum(told) == len(DOCS) and len(told) == -(-len(DOCS) // 10)
    assert backend.current_version() != old_version
    assert not os.path.exists(os.path.join(backend.path, old_version))
    assert search(backend).total == len(DOCS)
    assert search(backend, "xoa khoi").total == 0
    assert sorted(os.listdir(backend.path)) == sorted(["CURRENT", backend.current_version(), "WRITELOCK",
                                                       "REBUILDLOCK"])
    backend.update([make_doc(6000, "Sau khi dựng lại")], [])  # writes go to the new version
    assert names(search(backend, "sau khi dung lai")) == ["Sau khi dựng lại"]


def test_searches_and_writes_keep_working_during_a_rebuild(fresh):
    backend = fresh
    other_worker = WhooshBackend(backend.path)
    search(other_worker, "mat ong")  # holds a searcher on the old version
    honey, fish_sauce = ID_OF["Mật ong rừng U Minh"], ID_OF["Nước mắm Phú Quốc"]
    seen_during = []

    def slow_batches():
        for number, batch in enumerate(batches_of(DOCS)):
            yield batch
            seen_during.append(search(other_worker).total)
            seen_during.append(search(backend, "mat ong").total)
            if number == 1:
                # a seller edits and a product goes away while the rebuild runs
                other_worker.update([make_doc(7000, "Tương ớt Mường Khương")], [fish_sauce])

    assert backend.rebuild(slow_batches()) == len(DOCS)
    assert all(total > 0 for total in seen_during)
    for b in (backend, other_worker):
        assert names(search(b, "tuong ot")) == ["Tương ớt Mường Khương"]  # replayed from the journal
        assert search(b, "nuoc mam").total == 0
        assert honey in ids(search(b, "mat ong"))
        assert search(b).total == len(DOCS)  # one added, one removed


def test_an_open_searcher_keeps_working_after_the_swap(fresh):
    backend = fresh
    old_folder = os.path.join(backend.path, backend.current_version())
    searcher = windex.open_dir(old_folder).searcher()
    try:
        backend.rebuild(batches_of(DOCS[:5]))
        assert not os.path.exists(old_folder)
        hits = searcher.search(Term("name", "mat"), limit=None)
        assert "Mật ong rừng U Minh" in [hit["name"] for hit in hits]
        assert searcher.doc_count() == len(DOCS)
    finally:
        searcher.close()
    assert search(backend).total == 5


def test_a_failed_rebuild_leaves_the_index_alone(fresh):
    backend = fresh
    version = backend.current_version()

    def broken():
        yield DOCS[:5]
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        backend.rebuild(broken())
    assert backend.current_version() == version
    assert search(backend).total == len(DOCS)
    assert sorted(os.listdir(backend.path)) == sorted(["CURRENT", version, "WRITELOCK", "REBUILDLOCK"])
    backend.update([make_doc(8000, "Vẫn ghi được")], [])
    assert search(backend, "van ghi duoc").total == 1


def _hanging_rebuild(path, started):
    def batches():
        yield DOCS[:5]
        started.set()
        threading.Event().wait(60)  # killed before this ends
        yield DOCS[5:]

    WhooshBackend(path).rebuild(batches())


@pytest.mark.skipif(os.name != "posix", reason="fork start method")
def test_a_killed_rebuild_is_cleaned_up(fresh):
    backend = fresh
    context = multiprocessing.get_context("fork")
    started = context.Event()
    process = context.Process(target=_hanging_rebuild, args=(backend.path, started))
    process.start()
    try:
        assert started.wait(30)
        assert os.path.exists(os.path.join(backend.path, "REBUILDING"))
    finally:
        process.kill()
        process.join()
    # the marker of the dead rebuild is dropped by the next write instead of journaling forever
    backend.update([make_doc(9100, "Sau sự cố")], [])
    assert not os.path.exists(os.path.join(backend.path, "REBUILDING"))
    assert not [n for n in os.listdir(backend.path) if n.startswith("journal-")]
    assert search(backend, "sau su co").total == 1
    # the next rebuild removes the half-built index
    assert [n for n in os.listdir(backend.path) if n.startswith(".build-")]
    backend.rebuild(batches_of(DOCS))
    assert sorted(os.listdir(backend.path)) == sorted(["CURRENT", backend.current_version(), "WRITELOCK",
                                                       "REBUILDLOCK"])


def test_one_rebuild_at_a_time(fresh):
    backend = fresh
    errors = []

    def batches():
        yield DOCS[:3]
        try:
            WhooshBackend(backend.path, lock_timeout=0.1).rebuild([DOCS])
        except IndexBusy as error:
            errors.append(error)

    assert backend.rebuild(batches()) == 3
    assert len(errors) == 1


def test_rebuild_of_an_empty_catalog(tmp_path):
    backend = WhooshBackend(str(tmp_path / "ix"))
    assert backend.rebuild([]) == 0
    assert search(backend).total == 0


# -- locking and concurrency -----------------------------------------------------------------


def test_a_held_lock_gives_index_busy_within_the_timeout(fresh):
    backend = fresh
    lock = FileLock(os.path.join(backend.path, "WRITELOCK"))
    assert lock.acquire()
    try:
        impatient = WhooshBackend(backend.path, lock_timeout=0.2)
        with pytest.raises(IndexBusy):
            impatient.update([make_doc(9000, "Không vào được")], [])
    finally:
        lock.release()
    assert search(backend, "khong vao duoc").total == 0


def test_whoosh_own_lock_also_gives_index_busy(fresh):
    backend = fresh
    writer = windex.open_dir(os.path.join(backend.path, backend.current_version())).writer()
    try:
        with pytest.raises(IndexBusy):
            WhooshBackend(backend.path, lock_timeout=0.1).update([], [1])
    finally:
        writer.cancel()
    assert search(backend).total == len(DOCS)


def test_threads_writing_at_once(tmp_path):
    backend = WhooshBackend(str(tmp_path / "ix"), lock_timeout=10)
    errors = []

    def write(worker):
        try:
            for round_ in range(5):
                base = 10_000 + worker * 1000 + round_ * 10
                backend.update([make_doc(base + k, f"Luồng {worker} sản phẩm {k}") for k in range(10)], [])
                search(backend, "san pham")
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert search(backend).total == 4 * 5 * 10


def _writer_process(path, worker, rounds, lock_timeout):
    """One 'gunicorn worker': writes `rounds` batches; returns (ids written, busy count, errors)."""
    backend = WhooshBackend(path, lock_timeout=lock_timeout)
    written, busy, errors = [], 0, []
    for round_ in range(rounds):
        docs = [make_doc(100_000 + worker * 10_000 + round_ * 10 + k, f"Tiến trình {worker} hàng {k}")
                for k in range(10)]
        try:
            backend.update(docs, [])
            written += [d.id for d in docs]
        except IndexBusy:
            busy += 1
        except Exception as error:  # noqa: BLE001 - the test reports it
            errors.append(repr(error))
        try:
            backend.search(SearchRequest(text="tien trinh"))
        except Exception as error:  # noqa: BLE001
            errors.append(repr(error))
    return written, busy, errors


@pytest.mark.skipif(os.name != "posix", reason="fork start method")
@pytest.mark.parametrize("lock_timeout", [10.0, 0.0])
def test_processes_writing_at_once_never_corrupt_the_index(tmp_path, lock_timeout):
    path = str(tmp_path / "ix")
    WhooshBackend(path).update([make_doc(1, "Hạt giống")], [])
    context = multiprocessing.get_context("fork")
    with context.Pool(4) as pool:
        outcomes = pool.starmap(_writer_process, [(path, w, 6, lock_timeout) for w in range(4)])
    written = [i for ids_, _, _ in outcomes for i in ids_]
    assert [e for _, _, errors in outcomes for e in errors] == []
    if lock_timeout >= 10:
        assert sum(busy for _, busy, _ in outcomes) == 0
    backend = WhooshBackend(path)
    assert backend.doc_count() == len(written) + 1
    stored = backend._read(lambda s: sorted(int(f["id"]) for f in s.all_stored_fields()))
    assert stored == sorted([1, *written])
    assert search(backend, "tien trinh", per_page=1).total == len(written)


# -- many small writes and failed commits ----------------------------------------------------


def _segment_files_are_all_live(backend) -> bool:
    """Every segment file in the live folder belongs to a segment of the index."""
    folder = os.path.join(backend.path, backend.current_version())
    ix = windex.open_dir(folder)
    try:
        live = {segment.segment_id() for segment in ix._segments()}
    finally:
        ix.close()
    on_disk = {name.split(".", 1)[0] for name in os.listdir(folder) if name.startswith("MAIN_") and "." in name}
    return on_disk == live


@pytest.mark.parametrize("seeded", [False, True], ids=["plain", "random-seeded"])
def test_many_single_document_updates_in_a_row(fresh, seeded):
    """One product per commit, as placing orders does. "random-seeded" seeds the global
    `random` before every write, as Hypothesis does before every example: Whoosh's own
    segment ids then repeat and the commit failed on a segment name already in use."""
    backend = fresh
    state = random.getstate()
    try:
        for n in range(60):
            if seeded:
                random.seed(0)
            product_id = 1 + n % 7
            backend.update([make_doc(product_id, f"Mật ong đợt {n}", stock=n)], [])
            assert search(backend, f"dot {n}").total == 1
    finally:
        random.setstate(state)
    assert backend.doc_count() == len(DOCS)
    assert all(search(backend, f"dot {n}").total == 1 for n in range(53, 60))  # the last one of each id
    # the lock is free: an impatient writer gets straight in
    WhooshBackend(backend.path, lock_timeout=0).update([make_doc(9300, "Ghi ngay sau đó")], [])
    assert search(backend, "ghi ngay sau do").total == 1
    assert _segment_files_are_all_live(backend)


@pytest.mark.parametrize("failure", ["commit", "mid-commit", "commit-and-cancel"])
def test_a_failed_commit_leaves_the_lock_free(fresh, monkeypatch, failure):
    backend = fresh

    def boom(*args, **kwargs):
        raise AssertionError("commit failed")

    with monkeypatch.context() as patch:
        if failure == "mid-commit":  # where the segment id collision failed: segment files half done
            patch.setattr(SegmentWriter, "_assemble_segment", boom)
        else:
            patch.setattr(SegmentWriter, "commit", boom)
        if failure == "commit-and-cancel":
            patch.setattr(SegmentWriter, "cancel", boom)
        # (`failed` keeps the traceback, and with it the failed writer, alive: Whoosh's lock
        # releases itself when garbage collected, which a logged error can put off for long)
        with pytest.raises(AssertionError, match="commit failed") as failed:
            backend.update([make_doc(9400, "Không lưu được")], [])
    assert search(backend, "khong luu duoc").total == 0
    # neither our lock nor Whoosh's is left held: the next write gets straight in
    impatient = WhooshBackend(backend.path, lock_timeout=0)
    impatient.update([make_doc(9401, "Lưu được ngay")], [])
    del failed
    assert search(backend, "luu duoc ngay").total == 1
    assert search(backend).total == len(DOCS) + 1
    assert _segment_files_are_all_live(backend)  # the half-written segment was cleaned up


# -- the fast paths agree with Whoosh's own ----------------------------------------------------
#
# The rebuild writes segments with BulkWriter and searches read postings into bit sets and
# score BM25F without Whoosh's matchers (see market/search/whoosh/bulk_writer.py and
# view.py): these tests hold them to what Whoosh itself writes and computes.

EDGE_DOCS = [
    make_doc(900, "Trà   trà TRÀ trà", description="   "),  # repeated words; a blank description
    make_doc(901, "Chè " + "x" * 70 + " ngon", description="từ" * 40),  # over-long words are not indexed
    make_doc(902, unicodedata.normalize("NFD", "Nước mắm nhĩ Phú Quốc"), description="", program_badges=(),
             program_ids=(), ocop_stars=None),
    make_doc(903, "Đặc sản\u00a0Đà Lạt", description=" ".join(["mứt"] * 300)),  # a long field: lossy length byte
    make_doc(904, "Bánh ¨ Ǆ ﬁn ß", description="a\tb\nc\u2003d", category_ids=(11,)),
]


def test_text_words_are_the_words_of_the_analyzer():
    samples = [q for q, _ in FOLDING] + NAMES + HOSTILE + [d.description for d in DOCS + EDGE_DOCS] + [
        d.name for d in EDGE_DOCS]
    rng = random.Random(3)
    alphabet = "aăâeêioôơuưyđAĂÂĐ \u00a0\t\n\u0300\u0301\u0303\u0309\u0323¨ǄﬁßİΣ日-_.,!0123456789"
    samples += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 40))) for _ in range(500)]
    for text in samples:
        expected = words_of(text)
        assert text_words(text) == expected, repr(text)
        assert [t.text for t in folding_analyzer()(text)] == expected, repr(text)


def test_bit_sets_round_trip():
    rng = random.Random(4)
    for size in (1, 7, 8, 9, 100, 5000):
        for share in (0.0, 0.01, 0.3, 1.0):
            docs = sorted(d for d in range(size) if rng.random() < share)
            bits = bit_set(docs, size)
            assert bits.bit_count() == len(docs) and docnums_of(bits) == docs
            assert bit_set(set(docs), size) == bits  # any collection with a length


def _segment_files(folder):
    """{file name without the segment id: bytes} of the only segment of an index."""
    ix = windex.open_dir(folder)
    (segment,) = ix._segments()
    files = segment.open_compound_file(ix.storage) if segment.is_compound() else ix.storage
    prefix = segment.segment_id()
    content = {name.replace(prefix, "SEG"): files.open_file(name).read()
               for name in files.list() if name.startswith(prefix)}
    info = (segment.doc_count_all(), dict(segment._fieldlengths), segment.is_compound())
    ix.close()
    return content, info


def test_a_rebuild_writes_what_whoosh_would_write(tmp_path):
    docs = DOCS + EDGE_DOCS
    (tmp_path / "whoosh").mkdir()
    ix = windex.create_in(str(tmp_path / "whoosh"), make_schema())
    writer = ix.writer(codec=FreshSegmentCodec())
    for doc in docs:
        writer.add_document(**document_fields(doc))
    writer.commit()
    backend = WhooshBackend(str(tmp_path / "bulk"))
    assert backend.rebuild(batches_of(docs, 7)) == len(docs)
    expected, expected_info = _segment_files(str(tmp_path / "whoosh"))
    written, written_info = _segment_files(os.path.join(backend.path, backend.current_version()))
    assert sorted(written) == sorted(expected)
    for name in expected:  # postings, term index, stored fields, lengths, columns: the same bytes
        assert written[name] == expected[name], name
    assert written_info == expected_info


def test_a_rebuild_in_several_segments_finds_the_same(tmp_path, monkeypatch):
    one = WhooshBackend(str(tmp_path / "one"))
    one.rebuild(batches_of(DOCS))
    monkeypatch.setattr(store, "REBUILD_SEGMENT_POSTINGS", 300)
    several = WhooshBackend(str(tmp_path / "several"))
    assert several.rebuild(batches_of(DOCS)) == len(DOCS)
    assert several._read(lambda s: len(s.reader().leaf_readers())) > 2
    for filters in [*FILTERS, {"text": "mat ong"}, {"text": "ca phe", "sort": "price_desc"}, {"text": "mat ongg"}]:
        a, b = search(one, **filters), search(several, **filters)
        assert (a.total, ids(a), a.facets, [h.score for h in a.hits]) == \
            (b.total, ids(b), b.facets, [h.score for h in b.hits]), filters


def _whoosh_ranking(backend, words):
    """(product id, score) of an exact query as Whoosh's own matchers rank it."""
    def run(searcher):
        ors = []
        for word in words:
            query = Or([Term(field, word) for field in TEXT_FIELDS])
            query.matcher_type = Or.DEFAULT_MATCHER
            ors.append(query)
        found = searcher.search(And(ors), limit=None, terms=False).top_n
        return [(int(searcher.stored_fields(docnum)["id"]), score) for score, docnum in found]
    return backend._read(run)


def test_relevance_is_whooshs_own_bm25f(tmp_path):
    """Every exact query with enough hits ranks and scores as Whoosh would, also in an index
    of several segments with deleted documents (updates, removals) and after more writes."""
    backend = WhooshBackend(str(tmp_path / "ix"))
    backend.update(DOCS[:15], [])
    backend.update(DOCS[15:], [DOCS[3].id])
    changed = make_doc(DOCS[5].id, "Mật ong bạc hà Hà Giang", "Mật ong thu hoạch vụ xuân.")
    backend.update([changed], [])
    current = {d.id: d for d in [*DOCS, changed]}

    def tier(product_id, words):  # in stock first, every word in the name, the name itself (stable)
        doc = current[product_id]
        named = set(words) <= set(index_words(doc.name, joined=True))
        return (not doc.in_stock, not named, not named or words_of(doc.name) != list(words))

    vocabulary = sorted({w for d in DOCS for w in words_of(f"{d.name} {d.description} {d.seller_name}")})
    queries = [[w] for w in vocabulary] + [["san", "pham"], ["chi", "em"], ["hop", "tac"], ["mat", "ong"],
                                           ["phu", "nu", "khoi", "nghiep"], ["dong", "goi", "can", "than"]]
    checked = 0
    for round_ in range(2):
        for words in queries:
            expected = _whoosh_ranking(backend, words)
            if len(expected) < 5:  # few hits: the loose query answers, not this one
                continue
            expected = sorted(expected, key=lambda found: tier(found[0], words))
            result = search(backend, " ".join(words))
            assert result.total == len(expected)
            assert [(h.product_id, pytest.approx(h.score, rel=1e-12)) for h in result.hits] == expected[:100]
            checked += 1
        changed = make_doc(DOCS[7].id, "Mật ong rừng tràm", "Mật ong, sáp ong và phấn hoa.")
        backend.update([changed], [DOCS[9].id])
        current[changed.id] = changed
    assert checked > 40


def test_results_follow_many_writes(tmp_path):
    """Caches are kept per segment across writes: after each round of updates and removals
    (new segments, merges, deletions), results still equal a direct count."""
    backend = WhooshBackend(str(tmp_path / "ix"))
    current = {d.id: d for d in DOCS[:20]}
    backend.rebuild([DOCS[:20]])
    rng = random.Random(9)
    requests = [{}, {"text": "san pham"}, {"text": "chi em", "in_stock_only": True}, {"province_code": "79"},
                {"text": "san pham", "price_band": "100000-300000", "sort": "price_asc"}, {"category_id": 10},
                {"text": "hop tac", "program_id": 2, "sort": "newest"}, {"ocop_stars": 4, "sort": "price_desc"}]
    for round_ in range(12):
        for filters in requests:
            docs = list(current.values())
            expected = direct_matches(**{k: v for k, v in filters.items() if k != "sort"}, docs=docs)
            result = search(backend, **filters)
            assert result.total == len(expected), (round_, filters)
            assert set(ids(result)) == {d.id for d in expected}, (round_, filters)
            expected_facets = direct_facets(expected)
            expected_facets["in_stock"] = {k: n for k, n in expected_facets["in_stock"].items() if n}
            assert result.facets == expected_facets, (round_, filters)
        changed = []
        for _ in range(rng.randrange(1, 6)):
            product_id = rng.choice([*current, *range(1, len(DOCS) + 1), 700 + round_])
            changed.append(make_doc(product_id, rng.choice(NAMES), province_code=rng.choice(PROVINCES),
                                    price_vnd=rng.choice(PRICES), in_stock=rng.random() < 0.5,
                                    ocop_stars=rng.choice(OCOP)))
        removed = rng.sample(sorted(current), 2)
        backend.update(changed, removed)
        for product_id in removed:
            current.pop(product_id, None)
        current.update({d.id: d for d in changed})
    assert backend.doc_count() == len(current)


def test_threads_searching_at_once(backend):
    """Threads share each segment's data and reader (the reader behind a lock)."""
    requests = [SearchRequest(text=t, sort=s, per_page=100) for t in ("mat ong", "san pham", "ca phe", "mat ongg", "")
                for s in ("relevance", "price_asc", "newest")]
    expected = [backend.search(r) for r in requests]
    errors = []

    def work(seed):
        try:
            order = list(range(len(requests)))
            random.Random(seed).shuffle(order)
            for _ in range(5):
                for i in order:
                    result = backend.search(requests[i])
                    assert (ids(result), result.total, result.facets) == \
                        (ids(expected[i]), expected[i].total, expected[i].facets)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_an_index_written_before_frequencies_only_still_works(tmp_path):
    """An index of the previous layout (text fields with positions) is searched and
    written as before, until the next rebuild."""
    old_schema = make_schema()
    for name in TEXT_FIELDS:
        field = old_schema[name]
        old_schema.remove(name)
        old_schema.add(name, wf.TEXT(analyzer=folding_analyzer(), field_boost=field.format.field_boost,
                                     stored=field.stored, phrase=True))
    path = tmp_path / "ix"
    (path / "v1").mkdir(parents=True)
    ix = windex.create_in(str(path / "v1"), old_schema)
    writer = ix.writer()
    for doc in DOCS:
        writer.add_document(**document_fields(doc))
    writer.commit()
    (path / "CURRENT").write_text("v1\n")
    old, new = WhooshBackend(str(path)), WhooshBackend(str(tmp_path / "new"))
    new.update(DOCS, [])
    for filters in [*FILTERS, {"text": "mat ong"}, {"text": "mat ongg"}]:
        a, b = search(old, **filters), search(new, **filters)
        assert (a.total, ids(a), a.facets) == (b.total, ids(b), b.facets), filters
    old.update([make_doc(5000, "Gạo nếp cái hoa vàng")], [DOCS[0].id])
    assert names(search(old, "gao nep")) == ["Gạo nếp cái hoa vàng"] and search(old).total == len(DOCS)


def test_the_bulk_writer_refuses_plain_documents(tmp_path):
    ix = windex.create_in(str(tmp_path), make_schema())
    writer = BulkWriter(ix, FreshSegmentCodec())
    try:
        with pytest.raises(TypeError):
            writer.add_document(id="1")
    finally:
        writer.cancel()
