"""Both search engines obey market.search.matching: the same catalog gives the same hits.

The catalog is built through the services, as sellers list products, and the app's own
sync writes it into the engine under test: Whoosh always, PostgreSQL when the tests run
on PostgreSQL (MARKET_TEST_DATABASE_URL=postgresql://...). Every case names the products
it must find, so both engines are held to one answer. The rules themselves (pure
functions) are tested at the end.
"""
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from market.search import matching
from market.search.backend import SearchRequest, SearchResult, get_backend
from market.search.matching import (
    Matcher,
    bounded_int,
    corrected_queries,
    corrections,
    edit_distance,
    is_loose,
    is_typo_of,
    max_edits,
    query_words,
    text_words,
    typing_last_word,
    with_accents,
    words_of,
)
from tests import builders

# name -> (description, category slug, price in đồng, stock, seller)
CATALOG = {
    "Mật ong rừng U Minh": ("Hũ thủy tinh, ong nuôi dưới tán tràm.", "mat-ong", 250_000, 10, "hoa"),
    "Cà phê Robusta Buôn Ma Thuột": ("Rang mộc, xay sẵn.", "ca-phe", 180_000, 5, "hoa"),
    "Cà phê chồn": ("Hạt chọn lọc.", "ca-phe", 900_000, 0, "lan"),
    "Áo dài lụa Hà Đông": ("May đo theo số đo.", "ao-dai", 1_200_000, 2, "lan"),
    "Bánh đa đỏ Hải Phòng": ("Phơi nắng, giòn.", "banh-mut-keo", 45_000, 6, "lan"),
    "Dâu tây Đà Lạt sấy dẻo": ("Hái sáng sớm.", "hat-trai-cay-say", 95_000, 8, "hoa"),
    "Hạt điều rang muối Bình Phước": ("Giòn, béo.", "hat-trai-cay-say", 220_000, 7, "hoa"),
    "Xà phòng thảo mộc": ("Làm tay từ dầu dừa.", "gia-vi", 60_000, 3, "lan"),
    "Nước mắm Phú Quốc": ("Cá cơm ủ chượp.", "nuoc-mam", 120_000, 9, "lan"),
    "Khăn thổ cẩm Mường": ("Dệt tay.", "tho-cam", 350_000, 0, "lan"),
}
ROBUSTA, CHON = "Cà phê Robusta Buôn Ma Thuột", "Cà phê chồn"
NUTS, DRIED_STRAWBERRIES = "Hạt điều rang muối Bình Phước", "Dâu tây Đà Lạt sấy dẻo"
HOA = {name for name, (*_, seller) in CATALOG.items() if seller == "hoa"}  # in the program
LAN = {name for name, (*_, seller) in CATALOG.items() if seller == "lan"}  # "Tổ hợp tác Sen Vàng"
PROGRAM_BADGE = "Phụ nữ khởi nghiệp"

# (query, the names it finds): the same for every engine.
FOUND = [
    # exact words; every word must match
    ("ca phe", {ROBUSTA, CHON}),
    ("mat ong", {"Mật ong rừng U Minh"}),
    ("ca phe chon", {CHON}),
    ("mat ong ca phe", set()),
    # accents or none, any case, composed or not, even wrong accents
    ("mật ong", {"Mật ong rừng U Minh"}),
    ("MẬT ONG", {"Mật ong rừng U Minh"}),
    (unicodedata.normalize("NFD", "Mật Ong"), {"Mật ong rừng U Minh"}),
    ("ảo đải", {"Áo dài lụa Hà Đông"}),
    # đ is d
    ("da lat", {"Dâu tây Đà Lạt sấy dẻo"}),
    ("ĐÀ LẠT", {"Dâu tây Đà Lạt sấy dẻo"}),
    ("banh da do", {"Bánh đa đỏ Hải Phòng"}),
    ("hat dieu", {"Hạt điều rang muối Bình Phước"}),
    # a typo in a word of 4 to 6 letters: one edit (a swap of two letters is one)
    ("ca phee", {ROBUSTA, CHON}),
    ("nuoc mamm", {"Nước mắm Phú Quốc"}),
    ("nouc mam", {"Nước mắm Phú Quốc"}),
    ("xa phongg", {"Xà phòng thảo mộc"}),
    ("nuoc mammm", set()),  # two edits in a word of five letters
    ("mta ong", set()),  # words of three letters match exactly
    # a typo in a word of 7 letters or more: two edits
    ("xa phonggg", {"Xà phòng thảo mộc"}),
    ("robbustta", {ROBUSTA}),
    ("robbbustta", set()),  # three edits
    # the last word as the start of a name word, while few products match exactly
    ("hat di", {"Hạt điều rang muối Bình Phước"}),
    ("robusta bu", {ROBUSTA}),
    ("khan t", set()),  # one letter is not a prefix
]
# (query, the names it finds): exact words match in every text of a product, typos and
# prefixes only in its name (matching.LOOSE_FIELDS).
LOOSE_ONLY_IN_NAMES = [
    # a word of one name and of another's description ("Rang mộc, xay sẵn."); with so few
    # exact hits, "rang" also matches its typo "rung" in a name ("Mật ong rừng U Minh")
    ("rang", {NUTS, ROBUSTA, "Mật ong rừng U Minh"}),
    ("rangg", {NUTS}),
    # words of descriptions only ("Phơi nắng, giòn.", "Giòn, béo.", "Cá cơm ủ chượp.")
    ("gion", {"Bánh đa đỏ Hải Phòng", NUTS}),
    ("gionn", set()),
    ("chuop", {"Nước mắm Phú Quốc"}),
    ("chuopp", set()),
    ("ca co", set()),  # "co" starts "com" of a description only
    # a category's name ("Hạt & trái cây sấy")
    ("trai cay", {DRIED_STRAWBERRIES, NUTS}),
    ("traii cay", set()),
    # a seller's name ("Tổ hợp tác Sen Vàng")
    ("vang", LAN),
    ("vangg", set()),
    ("hop tac", LAN),
    ("hop ta", set()),  # "ta" starts "tac" of the seller's name only
    # a program's badge ("Phụ nữ khởi nghiệp"): "nghieng" is two edits from "nghiep"
    ("khoi nghiep", HOA),
    ("nghieng", set()),
    ("khoi nghieng", set()),
]
# (query, "did you mean")
SUGGESTED = [
    ("mta ong", "mật ong"),
    ("ca pha", "cà phê"),
    ("xa phongg", "xà phòng"),
    ("mat ong", None),
    ("zzqqxx", None),
]



@pytest.fixture
def catalog(engine, staff, categories) -> dict[int, str]:
    """CATALOG listed by two cooperatives, the first in a program: product id -> name."""
    members = {
        "hoa": builders.approved_seller(staff, "hoa@example.vn", name="HTX Nông sản Bảo Lộc")[0],
        "lan": builders.approved_seller(staff, "lan@example.vn", name="Tổ hợp tác Sen Vàng", province="Hà Nội")[0],
    }
    builders.enrol_in_program(staff, members["hoa"], builders.make_program(staff, badge_vi=PROGRAM_BADGE))
    names = {}
    for name, (description, category, price, stock, seller) in CATALOG.items():
        product = builders.make_product(members[seller], name=name, description=description, category=category,
                                        price_vnd=price, stock=stock)
        names[product.id] = name
    return names


def search(text="", **filters) -> SearchResult:
    return get_backend().search(SearchRequest(text=text, per_page=100, **filters))


def found(catalog, text="", **filters) -> set[str]:
    result = search(text, **filters)
    assert result.total == len(result.hits)
    return {catalog[hit.product_id] for hit in result.hits}


def test_the_same_words_find_the_same_products(catalog, subtests):
    for query, names in FOUND:
        with subtests.test(query=query):
            assert found(catalog, query) == names


def test_typos_and_prefixes_match_only_in_names(catalog, subtests):
    for query, names in LOOSE_ONLY_IN_NAMES:
        with subtests.test(query=query):
            assert found(catalog, query) == names


def test_the_same_did_you_mean(catalog, subtests):
    for query, suggestion in SUGGESTED:
        with subtests.test(query=query):
            assert search(query).suggestion == suggestion


def test_the_same_filters_and_facets(catalog):
    coffee, nuts = builders.category_id("ca-phe"), builders.category_id("hat-trai-cay-say")
    assert found(catalog, "ca phe", in_stock_only=True) == {ROBUSTA}
    assert found(catalog, "ca phe", price_band="100000-300000") == {ROBUSTA}
    assert found(catalog, "ca phe", price_band="300000-1000000") == {CHON}
    assert found(catalog, "", category_id=nuts) == {"Dâu tây Đà Lạt sấy dẻo", "Hạt điều rang muối Bình Phước"}
    assert found(catalog, "ca phee", category_id=coffee, in_stock_only=True) == {ROBUSTA}  # loose, filtered
    facets = search("ca phe").facets
    assert facets["category"] == {str(coffee): 2, str(builders.category_id("tra-ca-phe")): 2}
    assert facets["price"] == {"100000-300000": 1, "300000-1000000": 1}
    assert facets["in_stock"]["true"] == 1


def test_the_same_highlights(catalog):
    hit = search("ao dai").hits[0]
    assert list(hit.name.parts) == [("Áo", True), (" ", False), ("dài", True), (" lụa Hà Đông", False)]
    hit = search("xa phonggg").hits[0]  # a typo is highlighted where it matched
    assert list(hit.name.parts) == [("Xà", True), (" ", False), ("phòng", True), (" thảo mộc", False)]


def test_the_same_suggestions_while_typing(catalog):
    backend = get_backend()
    assert sorted(backend.suggest("ca ph")) == [ROBUSTA, CHON]
    assert sorted(backend.suggest("CÀ PHÊ ")) == [ROBUSTA, CHON]  # a finished word, matched whole
    assert backend.suggest("hat die") == ["Hạt điều rang muối Bình Phước"]
    assert backend.suggest("xa pho") == ["Xà phòng thảo mộc"]
    assert backend.suggest("ca ph", limit=1)[0] in {ROBUSTA, CHON}
    assert backend.suggest("") == [] and backend.suggest("   ") == []


# -- the rules --------------------------------------------------------------------------------


def test_words_are_folded_letters_and_digits():
    assert words_of("ĐÀ LẠT đặc sản Áo dài, Mỹ A và ở") == ["da", "lat", "dac", "san", "ao", "dai", "my", "a", "va", "o"]
    assert words_of(unicodedata.normalize("NFD", "Nước mắm")) == ["nuoc", "mam"]
    assert words_of("gạo_ST25 — 100% \x00 🙂") == ["gao", "st25", "100"]
    assert words_of("Hũ 500g") == ["hu", "500g"] and words_of("Hũ 500 g") == ["hu", "500", "g"]  # units as written
    assert words_of("x" * 64) == ["x" * 64] and words_of("x" * 65) == []


def test_query_words():
    assert query_words("ĐÀ LẠT đặc sản, Đà Lạt!") == ["da", "lat", "dac", "san"]
    assert query_words("gạo_ST25 — 100% \x00 🙂 ' \" & | ! <-> :*") == ["gao", "st25", "100"]
    assert query_words("x" * 10_000) == [] and len(query_words("a " * 100)) == 1
    assert len(query_words(" ".join(f"w{i}" for i in range(100)))) == matching.MAX_QUERY_WORDS
    assert typing_last_word("ca ph") and not typing_last_word("ca phe ")


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_text_words_are_the_words_of_the_text(value):
    assert text_words(value) == words_of(value)


def test_edit_distance():
    assert edit_distance("mta", "mat") == 1  # a swap counts one
    assert edit_distance("phe", "pha") == 1 and edit_distance("ong", "ongg") == 1
    assert edit_distance("abc", "xyz", limit=1) > 1


@pytest.mark.parametrize(("word", "edits"), [
    ("ong", 0), ("phee", 1), ("phong", 1), ("phongg", 1), ("robusta", 2), ("x" * 24, 2), ("x" * 25, 0),
])
def test_max_edits_by_word_length(word, edits):
    assert max_edits(word) == edits


def test_a_typo_starts_with_the_same_letter_and_is_not_the_word():
    assert is_typo_of("phe", "phee") and is_typo_of("mam", "mamm") and is_typo_of("nuoc", "nouc")
    assert is_typo_of("phong", "phonggg") and not is_typo_of("phong", "phongggg")
    assert not is_typo_of("khe", "phee")  # another first letter
    assert not is_typo_of("phee", "phee")  # the word itself: an exact match
    assert not is_typo_of("pha", "phe")  # too short to have typos


def test_loose_queries_and_highlights():
    assert matching.LOOSE_FIELDS == ("name",)  # typos and prefixes: in product names only
    assert is_loose(["mat", "ong"]) and not is_loose(["mat", "o"]) and not is_loose([])
    matches = Matcher(["mat", "ongg"], loose=True)
    assert matches("mat") and matches("ong") and matches("onggi") and not matches("mot")
    assert not Matcher(["mat", "ongg"], loose=False)("ong")


def test_did_you_mean_choices():
    assert corrections("mta", [("mat", 5), ("mta", 9), ("mtb", 1), ("bat", 50)]) == [(1, "mat"), (1, "mtb")]
    # nearer first, then the same length (a changed letter), then the most frequent
    assert corrections("phee", [("phe", 1), ("pho", 9), ("phea", 2), ("phes", 3)]) == [
        (1, "phes"), (1, "phea"), (1, "phe")]  # "pho": two edits, one too many for four letters
    assert corrections("phongx", [("phong", 1), ("phuong", 9)]) == [(1, "phong"), (2, "phuong")]
    assert corrections("x", [("y", 1)]) == []  # one letter: nothing to correct
    options = [[(0, "mat")], [(1, "ong"), (2, "on")]]
    assert corrected_queries(["mat", "ongx"], options) == [["mat", "ong"], ["mat", "on"]]
    assert corrected_queries(["mat", "ong"], [[(0, "mat")], [(0, "ong")]]) == []
    assert with_accents(["mat", "ong", "rung"], ["Mật ong", "Ong mật rừng"]) == "mật ong rừng"


def test_bounded_int():
    assert bounded_int("7", 1, 1, 10) == 7 and bounded_int("x", 1, 1, 10) == 1 and bounded_int(None, 3, 1, 10) == 3
    assert bounded_int(10**30, 1, 1, 10) == 10 and bounded_int(float("inf"), 2, 1, 10) == 2


def test_suggestions_are_distinct_as_typed():
    names = ["Cà phê Đà Lạt", "CA PHE DA LAT", "Trà xanh", "ca phê đà lạt", "Mật ong"]
    assert matching.distinct_names(names, 8) == ["Cà phê Đà Lạt", "Trà xanh", "Mật ong"]
    assert matching.distinct_names(names, 2) == ["Cà phê Đà Lạt", "Trà xanh"]
    assert matching.distinct_names(iter(names), 1) == ["Cà phê Đà Lạt"]
