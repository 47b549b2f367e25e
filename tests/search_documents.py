"""Hand-made product documents both engines' tests index, and what a request should find.

The Whoosh engine's tests (test_whoosh_backend.py) and the PostgreSQL engine's
(test_postgres_search.py, which must answer alike) share this catalog: names that test
folding (tones, marks, đ/Đ, case), a description that ranks below a name, sellers,
categories, programs, provinces, prices and stock spread over the documents, and
`direct_matches` / `direct_facets` computed in Python from the documents themselves.
"""
import unicodedata
from collections import Counter
from datetime import datetime, timedelta

from market.search.backend import PRICE_BANDS, ProductDocument
from market.search.matching import words_of

# (id, name, parent id)
CATEGORIES = {
    10: ("Thực phẩm", None),
    11: ("Đặc sản khô", 10),
    12: ("Đồ uống", 10),
    20: ("Thủ công mỹ nghệ", None),
    21: ("Thời trang", 20),
}
SELLERS = ("Hợp tác xã Hoa Sen", "HTX Bình Minh", "Tổ hợp tác Mây Vàng", "Chị Lan khởi nghiệp")
PROVINCES = ("01", "79", "68", "92", "22")
PROGRAMS = ((), (1,), (2,), (1, 2))
BADGES = {1: "Phụ nữ khởi nghiệp", 2: "HTX do phụ nữ quản lý"}
PRICES = (45_000, 99_999, 100_000, 120_000, 299_999, 300_000, 350_000, 999_999, 1_000_000, 2_500_000)
OCOP = (None, 3, 4, 5, None)

# (query, name of a product it must find): folding of tones, marks, đ/Đ and case.
FOLDING = [
    ("ao dai", "Áo dài lụa Hà Đông"),
    ("ÁO DÀI", "Áo dài lụa Hà Đông"),
    ("áo dài lụa", "Áo dài lụa Hà Đông"),
    ("ảo đải", "Áo dài lụa Hà Đông"),
    ("da lat", "Dâu tây Đà Lạt"),
    ("ĐÀ LẠT", "Dâu tây Đà Lạt"),
    ("nuoc mam", "Nước mắm Phú Quốc"),
    (unicodedata.normalize("NFD", "nước mắm"), "Nước mắm Phú Quốc"),
    ("mat ong", "Mật ong rừng U Minh"),
    ("tra shan tuyet", "Trà shan tuyết cổ thụ"),
    ("banh da", "Bánh đa đỏ Hải Phòng"),
    ("dac san", "Đặc sản chả mực Hạ Long"),
    ("ĐẶC SẢN", "Đặc sản chả mực Hạ Long"),
    ("gao st25", "Gạo ST25 Sóc Trăng"),
    ("tho cam", "Khăn thổ cẩm Mường"),
    ("may tre dan", "Giỏ mây tre đan Phú Vinh"),
    ("mu coi", "Mũ cói Kim Sơn"),
    ("ca phe", "Cà phê Robusta Buôn Ma Thuột"),
    ("hat dieu", "Hạt điều rang muối Bình Phước"),
    ("mien dong", "Miến dong Bắc Kạn"),
    ("mut gung", "Mứt gừng dẻo"),
    ("xa phong", "Xà phòng thảo mộc"),
    ("tinh dau sa", "Tinh dầu sả chanh"),
    ("non la", "Nón lá bài thơ Huế"),
    ("lua to tam", "Lụa tơ tằm Bảo Lộc"),
    ("gom bat trang", "Bình gốm Bát Tràng"),
    ("nem chua", "Nem chua Thanh Hóa"),
    ("che thai nguyen", "Chè búp Thái Nguyên"),
    ("muoi ot", "Muối ớt Tây Ninh"),
    ("banh pia", "Bánh pía Sóc Trăng"),
    ("dua nuong", "Dừa nướng Bến Tre"),
    ("khoai lang", "Khoai lang tím Nhật"),
    ("ruou can", "Rượu cần Tây Nguyên"),
    ("cha ca", "Chả cá Lã Vọng"),
    ("bot sắn dây", "Bột sắn dây Kinh Môn"),
    ("keo dua", "Kẹo dừa Bến Tre"),
    ("ao ba ba", "Áo bà ba Nam Bộ"),
    ("lanh my a", "Vải lanh Mỹ A"),
    ("ST25", "Gạo ST25 Sóc Trăng"),
]
EXTRA_NAMES = [
    "Bánh quy bơ",  # "mật ong" only in its description (ranking test)
    "Cà phê Robusta Buôn Ma Thuột",  # the same name from another seller (suggest dedupes)
    "Cà phê chồn",
    "Kẹo lạc Mỹ Tho",  # "Mỹ" without "A"
]
NAMES = list(dict.fromkeys(name for _, name in FOLDING)) + EXTRA_NAMES
CATEGORY_OF = (11, 12, 21, 11, 20, 12, 21, 11, 10, 20)


def make_doc(i: int, name: str, description: str | None = None, **overrides) -> ProductDocument:
    category = CATEGORY_OF[i % len(CATEGORY_OF)]
    parent = CATEGORIES[category][1]
    programs = PROGRAMS[i % len(PROGRAMS)]
    fields = {
        "id": i,
        "slug": f"san-pham-{i}",
        "name": name,
        "description": description if description is not None
        else f"Sản phẩm {name.lower()} do chị em làm ra, đóng gói cẩn thận.",
        "seller_name": SELLERS[i % len(SELLERS)],
        "seller_slug": f"seller-{i % len(SELLERS)}",
        "category_id": category,
        "category_ids": tuple(c for c in (category, parent) if c is not None),
        "category_name": CATEGORIES[category][0],
        "province_code": PROVINCES[i % len(PROVINCES)],
        "program_ids": programs,
        "program_badges": tuple(BADGES[p] for p in programs),
        "ocop_stars": OCOP[i % len(OCOP)],
        "price_vnd": PRICES[(i * 7) % len(PRICES)],
        "in_stock": i % 4 != 0,
        "stock": 0 if i % 4 == 0 else i,
        "listed_at": datetime(2025, 1, 1) + timedelta(hours=(i * 37) % 500),
        "image_token": None,
    }
    fields.update(overrides)
    return ProductDocument(**fields)


def catalog() -> list[ProductDocument]:
    docs = [make_doc(i, name) for i, name in enumerate(NAMES, start=1)]
    honey_biscuit = NAMES.index("Bánh quy bơ") + 1
    docs[honey_biscuit - 1] = make_doc(
        honey_biscuit, "Bánh quy bơ",
        "Bánh nướng giòn với mật ong: mật ong rừng, mật ong hoa nhãn, thêm mật ong cho ngọt.",
    )
    return docs


DOCS = catalog()
BY_ID = {doc.id: doc for doc in DOCS}
ID_OF = {}
for _doc in DOCS:
    ID_OF.setdefault(_doc.name, _doc.id)


def direct_matches(text="", category_id=None, province_code=None, program_id=None, ocop_stars=None,
                   price_band=None, in_stock_only=False, docs=DOCS):
    """The documents a request should find, computed in Python from the documents."""
    words = words_of(text)
    bands = {key: (low, high) for key, low, high in PRICE_BANDS}
    found = []
    for doc in docs:
        haystack = set(words_of(" ".join([doc.name, doc.description, doc.seller_name, doc.category_name,
                                          *doc.program_badges])))
        if not all(w in haystack for w in words):
            continue
        if category_id is not None and category_id not in doc.category_ids:
            continue
        if province_code is not None and doc.province_code != province_code:
            continue
        if program_id is not None and program_id not in doc.program_ids:
            continue
        if ocop_stars is not None and doc.ocop_stars != ocop_stars:
            continue
        if price_band is not None:
            low, high = bands[price_band]
            if doc.price_vnd < low or (high is not None and doc.price_vnd >= high):
                continue
        if in_stock_only and not doc.in_stock:
            continue
        found.append(doc)
    return found


def direct_facets(docs):
    def counts(values):
        return {str(k): n for k, n in Counter(values).items()}

    return {
        "category": counts(c for d in docs for c in set(d.category_ids)),
        "province": counts(d.province_code for d in docs),
        "program": counts(p for d in docs for p in d.program_ids),
        "ocop": counts(d.ocop_stars for d in docs if d.ocop_stars),
        "price": counts(key for d in docs for key, low, high in PRICE_BANDS
                        if d.price_vnd >= low and (high is None or d.price_vnd < high)),
        "in_stock": {"true": sum(d.in_stock for d in docs)},
    }


FILTERS = [
    {},
    {"category_id": 10},  # a parent: its sub-categories' products too
    {"category_id": 11},
    {"category_id": 20, "in_stock_only": True},
    {"province_code": "68"},
    {"program_id": 1},
    {"program_id": 2, "province_code": "01"},
    {"ocop_stars": 4},
    {"price_band": "0-100000"},
    {"price_band": "100000-300000"},
    {"price_band": "300000-1000000", "in_stock_only": True},
    {"price_band": "1000000-"},
    {"in_stock_only": True},
    {"text": "hop tac"},
    {"text": "phu nu", "in_stock_only": True},
    {"text": "san pham", "category_id": 10},
    {"text": "chi em", "price_band": "300000-1000000"},
]


HOSTILE = [
    '"', '""', '"mật ong', "'", "*", "?", "mat*", "ong?", "*:*", "name:*", "AND", "OR NOT", "AND OR NOT",
    "mat AND ong OR NOT", "(", "((", "))", "((mat ong", "[", "{", "}", "~", "mat~2", "^", "ong^5", "\\",
    "/", "-", "+", "!", ":", "a:b:c", "x" * 10_000, "mật ong " * 2_000, "🙂", "🍯 mật ong 🍯",
    "\x00", "mat\x00ong", "\u200b", "\ufeff", "\ud7ff", "\ud800", "\U0001F1FB\U0001F1F3", "'; DROP TABLE products; --",
    "1 OR 1=1", "%", "_", "%_%", "<script>alert(1)</script>", "${jndi:ldap://x}", "\n\t\r", "",
    "   ", "ǅ ǈ ß ﬁ", "ا ب", "日本", "a " * 100, "0", "-1", "1e309", "NaN",
]
