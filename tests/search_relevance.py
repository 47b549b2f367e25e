"""A relevance set for the storefront's search: a fixed catalog and the queries people type.

The catalog (PRODUCTS, four cooperatives) is listed through the services as sellers list
products (`build_catalog`), so the app's own sync puts it in whichever engine is
configured. QUERIES are typed the ways shoppers type on a phone: without accents, words
joined ("matong"), amounts with or without a space and in other units ("500 ml", "500ml",
"500 gr"), variants ("cafe", "ca fe"), typos, Telex tone letters left unconverted
("maatj ong"), more words than any product has, and English on the English interface.
Each names the products a shopper would accept at the top.

`evaluate` runs the set through `market.search.services.search_products` (what the search
page shows, zero-results road included) and gives recall@10 and the mean reciprocal rank.
tests/test_search_relevance.py holds both engines to floors; bench/search.py prints them.
"""
from dataclasses import dataclass

from market.search.backend import SearchRequest

TOP = 10

# key -> seller name
SELLERS = {
    "hoa": "HTX Nông sản Hưng Yên",
    "lan": "Tổ hợp tác Sen Vàng",
    "mai": "HTX Phụ nữ Sóc Trăng",
    "dao": "Cơ sở dệt Mai Châu",
}

# (key, name, category slug, seller key, stock, description)
PRODUCTS = [
    ("honey1", "Mật ong hoa nhãn Hưng Yên 500ml", "mat-ong", "hoa", 20, "Mật ong nguyên chất từ vườn nhãn."),
    ("honey2", "Mật ong rừng U Minh 1 lít", "mat-ong", "lan", 8, "Ong nuôi dưới tán rừng tràm."),
    ("honey3", "Mật ong bạc hà Hà Giang 250 ml", "mat-ong", "hoa", 0, "Vụ xuân, hũ thủy tinh."),
    ("wax", "Sáp ong tự nhiên", "mat-ong", "mai", 5, "Sáp từ tổ ong nuôi, dùng làm nến."),
    ("biscuit", "Bánh quy bơ", "banh-mut-keo", "lan", 12, "Bánh giòn, có vị mật ong và gừng."),
    ("rice1", "Gạo ST25 Sóc Trăng túi 5 kg", "gao", "mai", 30, "Gạo thơm, hạt dài, vụ mới."),
    ("rice2", "Gạo nếp cái hoa vàng 2kg", "gao", "hoa", 15, "Nếp dẻo thơm để nấu xôi, gói bánh."),
    ("rice3", "Gạo lứt đỏ Điện Biên 1kg", "gao", "lan", 10, "Gạo lứt giàu chất xơ."),
    ("rice4", "Gạo tám thơm Hải Hậu 10 kg", "gao", "dao", 4, "Gạo tám xoan, cơm dẻo."),
    ("coffee1", "Cà phê Robusta Buôn Ma Thuột rang mộc 500g", "ca-phe", "mai", 9, "Rang mộc, xay sẵn."),
    ("coffee2", "Cà phê Arabica Cầu Đất 250 gr", "ca-phe", "lan", 6, "Hạt chín đỏ, rang vừa."),
    ("coffee3", "Cafe muối Huế", "ca-phe", "hoa", 7, "Cà phê pha sẵn với kem muối."),
    ("coffee4", "Cà phê chồn", "ca-phe", "dao", 0, "Hạt chọn lọc."),
    ("tea1", "Trà shan tuyết cổ thụ Hà Giang", "tra", "hoa", 11, "Búp trà hái trên núi cao."),
    ("tea2", "Chè búp Thái Nguyên 200g", "tra", "lan", 14, "Chè xanh sao tay."),
    ("tea3", "Trà atisô Đà Lạt", "tra", "mai", 9, "Túi lọc tiện dùng."),
    ("ao1", "Áo dài lụa Hà Đông", "ao-dai", "dao", 2, "May đo theo số đo, màu tím."),
    ("ao2", "Áo dài cách tân cho bé", "ao-dai", "lan", 5, "Vải mềm, nhiều cỡ."),
    ("ao3", "Áo bà ba Nam Bộ", "quan-ao", "mai", 6, "Vải lanh mát."),
    ("fish1", "Nước mắm Phú Quốc 40 độ đạm chai 500ml", "nuoc-mam", "hoa", 25, "Cá cơm ủ chượp trong thùng gỗ."),
    ("fish2", "Nước mắm cá cơm Cát Hải 1l", "nuoc-mam", "lan", 9, "Ủ chượp mười hai tháng."),
    ("chili", "Muối ớt Tây Ninh", "gia-vi", "mai", 40, "Muối tôm, ớt xay."),
    ("pepper", "Tiêu đen Phú Quốc 100 gram", "gia-vi", "dao", 13, "Hạt tiêu chín phơi khô."),
    ("cashew", "Hạt điều rang muối Bình Phước 500 gam", "hat-trai-cay-say", "hoa", 7, "Giòn, béo."),
    ("strawberry", "Dâu tây Đà Lạt sấy dẻo", "hat-trai-cay-say", "lan", 8, "Hái sáng sớm, sấy lạnh."),
    ("mango", "Xoài sấy dẻo Cam Ranh", "hat-trai-cay-say", "mai", 10, "Không đường."),
    ("pia", "Bánh pía Sóc Trăng sầu riêng", "banh-mut-keo", "mai", 20, "Nhân đậu xanh, sầu riêng."),
    ("candy", "Kẹo dừa Bến Tre", "banh-mut-keo", "dao", 30, "Kẹo dừa sữa, dừa tươi."),
    ("ginger", "Mứt gừng dẻo", "banh-mut-keo", "hoa", 10, "Gừng non, ít đường."),
    ("crackers", "Bánh đa đỏ Hải Phòng", "mien-bun-pho-kho", "lan", 6, "Phơi nắng, giòn."),
    ("vermicelli", "Miến dong Bắc Kạn", "mien-bun-pho-kho", "hoa", 9, "Sợi dai, không chất bảo quản."),
    ("pho", "Phở khô Nam Định", "mien-bun-pho-kho", "dao", 11, "Bánh phở phơi khô."),
    ("mushroom", "Nấm hương rừng Lào Cai", "nam-rau-kho", "mai", 5, "Nấm mọc trên gỗ mục."),
    ("scarf", "Khăn thổ cẩm Mường", "tho-cam", "dao", 4, "Dệt tay bằng khung cửi."),
    ("bag", "Túi thổ cẩm H'Mông", "tui-phu-kien", "dao", 3, "Túi đeo vai, dệt tay."),
    ("silk", "Khăn lụa tơ tằm Bảo Lộc", "lua-to-tam", "lan", 7, "Lụa mềm, nhuộm màu tự nhiên."),
    ("basket", "Giỏ mây tre đan Phú Vinh", "may-tre-dan", "hoa", 8, "Đan tay, bền chắc."),
    ("conical", "Nón lá bài thơ Huế", "tui-phu-kien", "mai", 12, "Nón lá có thơ."),
    ("sedge", "Mũ cói Kim Sơn", "tui-phu-kien", "lan", 9, "Cói dệt, che nắng."),
    ("vase", "Bình gốm Bát Tràng men lam", "gom-su", "dao", 3, "Gốm vẽ tay."),
    ("lacquer", "Hộp sơn mài Hạ Thái", "do-go-son-mai", "hoa", 5, "Hộp đựng trang sức."),
    ("soap", "Xà phòng thảo mộc handmade", "xa-phong-tinh-dau", "lan", 20, "Làm tay từ dầu dừa."),
    ("oil", "Tinh dầu sả chanh 100ml", "xa-phong-tinh-dau", "mai", 15, "Chưng cất từ sả tươi."),
    ("artichoke", "Cao atisô Lâm Đồng", "thao-duoc", "hoa", 6, "Cao đặc, hũ 200 gam."),
    ("seeds", "Hạt giống rau cải xanh", "cay-giong-hat-giong", "dao", 50, "Tỷ lệ nảy mầm cao."),
    ("dried_fish", "Cá khô Cà Mau 500 g", "thit-ca-kho", "mai", 8, "Cá lóc phơi một nắng."),
    ("squid", "Chả mực Hạ Long", "thit-ca-kho", "lan", 6, "Mực giã tay."),
    ("nem", "Nem chua Thanh Hóa", "thit-ca-kho", "hoa", 10, "Gói lá chuối."),
]

HONEY = {"honey1", "honey2"}  # in stock; "honey3" is sold out
RICE = {"rice1", "rice2", "rice3", "rice4"}
COFFEE = {"coffee1", "coffee2", "coffee3"}  # in stock; "coffee4" is sold out
AO_DAI = {"ao1", "ao2"}
FISH_SAUCE = {"fish1", "fish2"}
BROCADE = {"scarf", "bag"}

# (what is typed, interface language, the products a shopper would accept at the top)
QUERIES = [
    # amounts: no space, a space, other spellings of the unit
    ("mat ong 500ml", "vi", {"honey1"}),
    ("mat ong 500 ml", "vi", {"honey1"}),
    ("mật ong 1 lít", "vi", {"honey2"}),
    ("mat ong 1l", "vi", {"honey2"}),
    ("mat ong 250ml", "vi", {"honey3"}),
    ("gao 5kg", "vi", {"rice1"}),
    ("gao 5 kg", "vi", {"rice1"}),
    ("gạo nếp 2 kg", "vi", {"rice2"}),
    ("gao lut 1 kg", "vi", {"rice3"}),
    ("gao 10kg", "vi", {"rice4"}),
    ("ca phe 500 gr", "vi", {"coffee1"}),
    ("cafe 250g", "vi", {"coffee2"}),
    ("nuoc mam 500 ml", "vi", {"fish1"}),
    ("nuoc mam 1 lit", "vi", {"fish2"}),
    ("tieu den 100g", "vi", {"pepper"}),
    ("hat dieu 500g", "vi", {"cashew"}),
    ("tinh dau 100 ml", "vi", {"oil"}),
    ("ca kho 500gr", "vi", {"dried_fish"}),
    ("che bup 200 gam", "vi", {"tea2"}),
    # words joined
    ("matong", "vi", HONEY),
    ("aodai", "vi", AO_DAI),
    ("caphe", "vi", COFFEE),
    ("nuocmam", "vi", FISH_SAUCE),
    ("thocam", "vi", BROCADE),
    ("hatdieu", "vi", {"cashew"}),
    ("banhpia", "vi", {"pia"}),
    ("keodua", "vi", {"candy"}),
    ("xaphong", "vi", {"soap"}),
    ("nonla", "vi", {"conical"}),
    ("dautay say", "vi", {"strawberry"}),
    # variants
    ("cafe", "vi", COFFEE),
    ("ca fe", "vi", COFFEE),
    ("cafe muoi", "vi", {"coffee3"}),
    ("ca phe muoi", "vi", {"coffee3"}),
    ("coffee", "vi", COFFEE),
    # no accents, accents, capitals
    ("mat ong rung", "vi", {"honey2"}),
    ("tra shan tuyet", "vi", {"tea1"}),
    ("ÁO DÀI LỤA", "vi", {"ao1"}),
    ("nuoc mam phu quoc", "vi", {"fish1"}),
    ("hat dieu rang muoi", "vi", {"cashew"}),
    ("banh da do", "vi", {"crackers"}),
    ("mien dong", "vi", {"vermicelli"}),
    ("pho kho", "vi", {"pho"}),
    ("nam huong", "vi", {"mushroom"}),
    ("khan tho cam", "vi", {"scarf"}),
    ("lua to tam", "vi", {"silk"}),
    ("gom bat trang", "vi", {"vase"}),
    ("son mai", "vi", {"lacquer"}),
    ("non la", "vi", {"conical"}),
    ("mu coi", "vi", {"sedge"}),
    ("cha muc", "vi", {"squid"}),
    ("nem chua", "vi", {"nem"}),
    ("muoi ot", "vi", {"chili"}),
    ("xoai say", "vi", {"mango"}),
    ("atiso", "vi", {"tea3", "artichoke"}),
    ("hạt giống", "vi", {"seeds"}),
    # typos
    ("mat ongg", "vi", HONEY),
    ("nuoc mamm", "vi", FISH_SAUCE),
    ("robbusta", "vi", {"coffee1"}),
    ("xa phongg", "vi", {"soap"}),
    ("sap ongg", "vi", {"wax"}),
    # Telex tone letters typed and not converted
    ("maatj ong", "vi", HONEY),
    ("nuwowcs mawms", "vi", FISH_SAUCE),
    ("gaoj nesp", "vi", {"rice2"}),
    ("aos daif", "vi", AO_DAI),
    # more words than a product has: the rarest are dropped
    ("mat ong hoa nhan dac biet", "vi", {"honey1"}),
    ("tra shan tuyet loai ngon nhat", "vi", {"tea1"}),
    ("ao dai lua mau do", "vi", {"ao1"}),
    # English on the English interface: category names
    ("honey", "en", HONEY),
    ("rice", "en", RICE),
    ("fish sauce", "en", FISH_SAUCE),
    ("silk", "en", {"silk"}),
    ("pottery", "en", {"vase"}),
    ("brocade", "en", BROCADE),
    # ranking: in stock first, the whole name first
    ("mat ong", "vi", HONEY),
    ("ca phe", "vi", COFFEE),
    ("ao dai", "vi", AO_DAI),
    ("gao", "vi", RICE),
    ("ca phe chon", "vi", {"coffee4"}),
    ("sap ong", "vi", {"wax"}),
]


def build_catalog(staff) -> dict[int, str]:
    """PRODUCTS listed by their cooperatives (approved by `staff`): product id -> key.
    Call inside an app context with the categories seeded."""
    from tests import builders

    members = {key: builders.approved_seller(staff, f"{key}@example.vn", name=name)[0]
               for key, name in SELLERS.items()}
    keys = {}
    for key, name, category, seller, stock, description in PRODUCTS:
        product = builders.make_product(members[seller], name=name, description=description,
                                        category=category, stock=stock)
        keys[product.id] = key
    return keys


@dataclass
class Outcome:
    query: str
    language: str
    expected: set[str]
    found: list[str]  # keys of the top TOP products, best first

    @property
    def rank(self) -> int | None:
        return next((i for i, key in enumerate(self.found, 1) if key in self.expected), None)

    @property
    def reciprocal_rank(self) -> float:
        return 1.0 / self.rank if self.rank else 0.0

    @property
    def recall(self) -> float:
        return len(self.expected & set(self.found)) / min(len(self.expected), TOP)


def evaluate(keys: dict[int, str], search=None) -> list[Outcome]:
    """Every query through `search(request, language) -> (SearchResult, products)` (by
    default the storefront's services.search_products), in an app context."""
    if search is None:
        from market.search.services import search_products as search
    outcomes = []
    for text, language, expected in QUERIES:
        result, _products = search(SearchRequest(text=text, per_page=TOP), language)
        found = [keys.get(hit.product_id, "?") for hit in result.hits[:TOP]]
        outcomes.append(Outcome(text, language, expected, found))
    return outcomes


def mrr(outcomes: list[Outcome]) -> float:
    return sum(o.reciprocal_rank for o in outcomes) / len(outcomes)


def recall_at_10(outcomes: list[Outcome]) -> float:
    return sum(o.recall for o in outcomes) / len(outcomes)
