"""A deterministic, realistic Vietnamese catalog for bench/search.py.

`generate_catalog(n, seed)` returns a `Catalog`: the category tree (the app's starting tree,
market/catalog/category_data.py: 9 top categories, 23 sub-categories), 3 seller programs,
about n/50 sellers (cooperatives, cooperative groups, household businesses, enterprises)
spread over the 34 provincial units, and n products. Everything comes from one
`random.Random(seed)`: the same (n, seed) gives the same catalog, byte for byte.

Product names combine a product type of a sub-category, the place or people it is known
for, a quality and sometimes a pack size: "Mật ong hoa nhãn Hưng Yên nguyên chất hũ 500g",
"Cà phê Arabica Cầu Đất rang mộc", "Túi thổ cẩm Mông thêu tay". About 3% of the names
and descriptions are typed without diacritics, as some sellers do. Descriptions are 30-120
words of sentences about the product, the place, the cooperative and delivery.

`Catalog.documents()` gives the `ProductDocument`s every search engine indexes (all
products are visible: active, of approved sellers), and the `*_rows()` methods the rows
to insert into a migrated database with the same ids, so that reading the documents
back from the database (`market.search.documents.all_documents`) gives the same ones.
"""
from __future__ import annotations

import random
import sys
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from market.catalog.category_data import CATEGORIES
from market.geo.provinces import all_provinces
from market.search.backend import ProductDocument
from market.text import fold

PROVINCES = {p.code: p.name for p in all_provinces()}
PROVINCE_CODES = tuple(PROVINCES)
NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)  # fixed: the catalog must not depend on the clock

PROGRAMS = (
    # (id, slug, name_vi, name_en, badge_vi, badge_en, share of sellers enrolled)
    (1, "htx-phu-nu", "Hỗ trợ hợp tác xã phụ nữ tham gia quản lý, tạo việc làm cho lao động nữ",
     "Supporting women's cooperatives", "HTX phụ nữ", "Women's co-op", 0.35),
    (2, "phu-nu-khoi-nghiep", "Hỗ trợ phụ nữ khởi nghiệp", "Supporting women start-ups",
     "Phụ nữ khởi nghiệp", "Women start-up", 0.15),
    (3, "san-pham-xanh", "Sản phẩm xanh, bao bì thân thiện", "Green products", "Sản phẩm xanh", "Green", 0.10),
)

# Places: "label:province code". A label may be a place or a people (Mông, Thái, Ê Đê...).
HIGHLAND = ["Mông:08", "Mông:15", "Dao:15", "Thái:14", "Thái:11", "Tày:04", "Nùng:20", "Ê Đê:66", "Gia Rai:52",
            "Cơ Tu:48", "Chăm:56", "Khmer:92", "Lự:12"]
FOOD_PLACES = ["Hưng Yên:33", "Hà Nội:01", "Lâm Đồng:68", "Đắk Lắk:66", "Cần Thơ:92", "Vĩnh Long:86",
               "Đồng Tháp:82", "An Giang:91", "Nghệ An:40", "Thanh Hóa:38", "Sơn La:14", "Điện Biên:11",
               "Lào Cai:15", "Tuyên Quang:08", "Cao Bằng:04", "Gia Lai:52", "Cà Mau:96", "Huế:46",
               "Quảng Ngãi:51", "Phú Thọ:25", "Thái Nguyên:19", "Bắc Ninh:24", "Tây Ninh:80", "Đồng Nai:75"]

# sub-category slug -> unit, price range (thousand đồng), product types, places, qualities, sizes
# A product type is "name" or "name|place, place" (its own places instead of the sub-category's).
PRODUCTS = {
    "mat-ong": {"unit": "jar", "price": (90, 650), "types": [
        "Mật ong hoa nhãn|Hưng Yên:33, Khoái Châu:33", "Mật ong rừng", "Mật ong bạc hà|Hà Giang:08, Đồng Văn:08",
        "Mật ong hoa cà phê|Buôn Ma Thuột:66, Đắk Lắk:66", "Mật ong hoa vải|Lục Ngạn:24, Thanh Hà:31",
        "Mật ong sú vẹt|Cà Mau:96", "Mật ong ong dú", "Sáp ong", "Phấn hoa ong",
    ], "places": FOOD_PLACES, "qualities": ["nguyên chất", "hữu cơ", "loại đặc biệt", "tự nhiên", "quà biếu", "thu hoạch vụ mới"],
        "sizes": ["hũ 500g", "chai 1 lít", "hũ 250g", "chai 500ml", "hộp 2 hũ"]},
    "banh-mut-keo": {"unit": "box", "price": (35, 350), "types": [
        "Kẹo dừa|Bến Tre:86, Mỏ Cày:86", "Bánh pía|Sóc Trăng:92, Vũng Thơm:92", "Bánh cốm|Hà Nội:01, làng Vòng:01",
        "Kẹo cu đơ|Hà Tĩnh:42", "Bánh đậu xanh|Hải Dương:31", "Mứt gừng", "Mứt sen trần|Huế:46",
        "Bánh tráng sữa|Bến Tre:86", "Kẹo lạc|Nghệ An:40", "Bánh gai|Ninh Giang:31, Nam Định:37",
        "Bánh khảo", "Mứt me", "Kẹo mè xửng|Huế:46",
    ], "places": FOOD_PLACES, "qualities": ["truyền thống", "ít ngọt", "làm tay", "quà Tết", "gia truyền", "đặc biệt"],
        "sizes": ["hộp 300g", "hộp 500g", "gói 200g", "hộp quà 1kg", "túi 250g"]},
    "hat-trai-cay-say": {"unit": "bag", "price": (40, 480), "types": [
        "Hạt điều rang muối|Bình Phước:75, Đồng Nai:75", "Xoài sấy dẻo|Đồng Tháp:82, Cam Lâm:56", "Mít sấy giòn",
        "Hạt mắc ca|Đắk Lắk:66, Lâm Đồng:68", "Chuối sấy", "Khoai lang sấy|Đà Lạt:68", "Hồng treo gió|Đà Lạt:68",
        "Hạt dẻ|Trùng Khánh:04", "Mận sấy|Mộc Châu:14", "Nho sấy|Ninh Thuận:56", "Hạt sen sấy|Đồng Tháp:82",
    ], "places": FOOD_PLACES, "qualities": ["không đường", "hữu cơ", "loại 1", "giòn tan", "xuất khẩu", "size lớn"],
        "sizes": ["túi 500g", "hũ 300g", "túi 1kg", "hộp 250g"]},
    "thit-ca-kho": {"unit": "pack", "price": (120, 950), "types": [
        "Thịt trâu gác bếp|Điện Biên:11, Sơn La:14, Lai Châu:12", "Khô cá lóc|An Giang:91, Cà Mau:96",
        "Mực khô|Quảng Ninh:22, Phú Quốc:91", "Lạp xưởng|Cần Đước:80, Sóc Trăng:92", "Cá khô|Phan Thiết:68",
        "Tôm khô|Cà Mau:96", "Khô bò", "Chả cá|Hạ Long:22", "Lạp sườn gác bếp|Cao Bằng:04",
    ], "places": FOOD_PLACES, "qualities": ["loại đặc biệt", "hút chân không", "truyền thống", "cay vừa", "không chất bảo quản"],
        "sizes": ["gói 500g", "túi 1kg", "gói 250g", "hộp 500g"]},
    "ca-phe": {"unit": "bag", "price": (80, 900), "types": [
        "Cà phê Arabica|Cầu Đất:68, Sơn La:14, Khe Sanh:44", "Cà phê Robusta|Buôn Ma Thuột:66, Gia Lai:52",
        "Cà phê Culi|Buôn Ma Thuột:66", "Cà phê chồn|Đắk Lắk:66", "Cà phê Moka|Cầu Đất:68",
        "Cà phê muối|Huế:46", "Cà phê hạt xanh|Đắk Lắk:66, Lâm Đồng:68",
    ], "places": FOOD_PLACES, "qualities": ["rang mộc", "rang xay", "nguyên hạt", "pha phin", "pha máy", "rang củi", "hữu cơ"],
        "sizes": ["túi 500g", "gói 250g", "túi 1kg", "hộp 20 gói"]},
    "tra": {"unit": "bag", "price": (60, 1200), "types": [
        "Trà Shan tuyết|Hà Giang:08, Suối Giàng:15, Tà Xùa:14", "Trà Thái Nguyên|Tân Cương:19, Thái Nguyên:19",
        "Trà ô long|Bảo Lộc:68, Lâm Đồng:68", "Trà sen|Tây Hồ:01, Hà Nội:01", "Trà atiso|Đà Lạt:68",
        "Trà gạo lứt", "Trà hoa nhài", "Trà hoa vàng|Ba Chẽ:22", "Trà móc câu|Thái Nguyên:19",
    ], "places": FOOD_PLACES, "qualities": ["cổ thụ", "búp non", "thượng hạng", "hữu cơ", "ướp hoa tươi", "vụ xuân"],
        "sizes": ["gói 100g", "hộp 200g", "túi 500g", "hộp thiếc 100g"]},
    "gao": {"unit": "bag", "price": (25, 420), "types": [
        "Gạo ST25|Sóc Trăng:92, Cần Thơ:92", "Gạo nếp cái hoa vàng|Hưng Yên:33, Thái Bình:33",
        "Gạo tám thơm|Điện Biên:11, Hải Hậu:37", "Gạo lứt đỏ", "Gạo Séng Cù|Lào Cai:15, Bát Xát:15",
        "Gạo nàng thơm|Chợ Đào:80", "Gạo nếp nương|Điện Biên:11, Tây Bắc:14", "Gạo hữu cơ|Cần Thơ:92",
    ], "places": FOOD_PLACES, "qualities": ["vụ mới", "hữu cơ", "đặc sản", "dẻo thơm", "không hóa chất"],
        "sizes": ["túi 5kg", "túi 2kg", "bao 10kg", "túi 1kg"]},
    "mien-bun-pho-kho": {"unit": "pack", "price": (25, 180), "types": [
        "Miến dong|Bình Liêu:22, Cao Bằng:04", "Phở khô|Nam Định:37", "Bún gạo lứt", "Hủ tiếu|Sa Đéc:82",
        "Bánh đa đỏ|Hải Phòng:31", "Mì chũ|Bắc Giang:24", "Bánh canh khô|Quảng Ngãi:51",
    ], "places": FOOD_PLACES, "qualities": ["sợi nhỏ", "truyền thống", "không chất tẩy", "làm thủ công", "ăn kiêng"],
        "sizes": ["gói 500g", "túi 1kg", "gói 300g"]},
    "nam-rau-kho": {"unit": "bag", "price": (40, 650), "types": [
        "Nấm hương rừng|Lào Cai:15, Cao Bằng:04", "Măng khô|Tuyên Quang:08, Lạng Sơn:20", "Mộc nhĩ",
        "Rau rừng sấy", "Nấm linh chi|Lâm Đồng:68", "Nấm lim xanh|Quảng Ngãi:51", "Măng vầu|Thanh Hóa:38",
    ], "places": FOOD_PLACES, "qualities": ["rừng tự nhiên", "loại 1", "sấy lạnh", "hữu cơ", "thái lát"],
        "sizes": ["túi 200g", "gói 500g", "túi 1kg"]},
    "nuoc-mam": {"unit": "bottle", "price": (45, 420), "types": [
        "Nước mắm Phú Quốc|Phú Quốc:91", "Nước mắm Nam Ô|Đà Nẵng:48", "Nước mắm Cửa Khe|Quảng Ngãi:51",
        "Nước mắm nhĩ cá cơm", "Nước mắm Phan Thiết|Phan Thiết:68", "Nước mắm cá linh|Đồng Tháp:82",
        "Mắm tôm|Thanh Hóa:38", "Mắm ruốc|Huế:46",
    ], "places": FOOD_PLACES, "qualities": ["40 độ đạm", "nguyên chất", "truyền thống", "ủ chượp 12 tháng", "cao đạm"],
        "sizes": ["chai 500ml", "chai 1 lít", "can 2 lít", "thùng 6 chai"]},
    "gia-vi": {"unit": "jar", "price": (25, 320), "types": [
        "Tiêu đen|Phú Quốc:91, Chư Sê:52", "Muối tôm|Tây Ninh:80", "Mắc khén|Sơn La:14, Điện Biên:11",
        "Ớt bột|Quảng Ngãi:51", "Bột nghệ|Nghệ An:40", "Hạt dổi|Lai Châu:12", "Sa tế", "Quế thanh|Yên Bái:15",
        "Hồi khô|Lạng Sơn:20", "Muối ớt xanh|Nha Trang:56",
    ], "places": FOOD_PLACES, "qualities": ["nguyên chất", "hữu cơ", "xay mịn", "loại 1", "cay nồng"],
        "sizes": ["hũ 100g", "hũ 200g", "túi 500g"]},
    "may-tre-dan": {"unit": "piece", "price": (45, 950), "types": [
        "Giỏ mây|Phú Vinh:01", "Làn nhựa giả mây", "Rổ tre", "Thảm cói|Nga Sơn:38, Kim Sơn:37", "Khay tre",
        "Đèn tre", "Hộp mây đựng đồ", "Giỏ lục bình|Ninh Bình:37, Vĩnh Long:86", "Túi cói|Nga Sơn:38",
    ], "places": HIGHLAND + FOOD_PLACES[:8], "qualities": ["đan tay", "mẫu mới", "xuất khẩu", "size lớn", "có nắp", "tự nhiên"],
        "sizes": []},
    "gom-su": {"unit": "piece", "price": (60, 2400), "types": [
        "Bình gốm|Bát Tràng:01", "Gốm Chu Đậu|Hải Dương:31", "Gốm Bàu Trúc|Ninh Thuận:56", "Chén gốm men lam",
        "Bộ ấm chén|Bát Tràng:01", "Đĩa gốm vẽ tay", "Lọ hoa gốm|Phù Lãng:24", "Gốm Thanh Hà|Hội An:48",
    ], "places": FOOD_PLACES[:6], "qualities": ["men rạn", "vẽ tay", "men lam", "cao cấp", "nung củi", "quà tặng"],
        "sizes": ["bộ 6 chiếc", "cao 30cm", "cỡ nhỏ"]},
    "do-go-son-mai": {"unit": "piece", "price": (50, 3500), "types": [
        "Tranh sơn mài|Hạ Thái:01, Tương Bình Hiệp:79", "Hộp sơn mài", "Đũa gỗ", "Thớt gỗ nghiến|Cao Bằng:04",
        "Khay gỗ", "Tượng gỗ|Kim Bồng:48", "Lược sừng|Thụy Ứng:01", "Bình phong sơn mài",
    ], "places": FOOD_PLACES[:6] + HIGHLAND[:4], "qualities": ["khảm trai", "vẽ tay", "gỗ tự nhiên", "cao cấp", "quà tặng"],
        "sizes": ["40x60cm", "bộ 10 đôi", "cỡ lớn"]},
    "tho-cam": {"unit": "piece", "price": (60, 1800), "types": [
        "Túi thổ cẩm", "Khăn thổ cẩm", "Vải thổ cẩm", "Ví thổ cẩm", "Váy thổ cẩm", "Khăn piêu",
        "Địu em bé thổ cẩm", "Gối tựa thổ cẩm",
    ], "places": HIGHLAND, "qualities": ["thêu tay", "dệt tay", "nhuộm chàm", "họa tiết truyền thống", "sáp ong", "mẫu mới"],
        "sizes": []},
    "lua-to-tam": {"unit": "metre", "price": (150, 2500), "types": [
        "Khăn lụa|Vạn Phúc:01", "Lụa tơ tằm|Bảo Lộc:68, Nam Định:37", "Lụa Mã Châu|Duy Xuyên:48",
        "Vải lanh|Lùng Tám:08", "Khăn choàng lụa", "Lụa tơ sen", "Vải đũi|Nam Cao:33",
    ], "places": FOOD_PLACES[:8], "qualities": ["tơ tằm tự nhiên", "nhuộm thảo mộc", "dệt thủ công", "vẽ tay", "cao cấp"],
        "sizes": ["khổ 90cm", "1 mét", "dài 1m8"]},
    "ao-dai": {"unit": "piece", "price": (450, 4500), "types": [
        "Áo dài lụa", "Áo dài cách tân", "Áo dài gấm", "Áo dài thêu tay", "Áo dài truyền thống",
        "Áo dài lụa tơ tằm", "Áo dài nhung", "Áo dài trẻ em",
    ], "places": ["Huế:46", "Hà Nội:01", "Hồ Chí Minh:79", "Hội An:48", "Vạn Phúc:01", "Bảo Lộc:68"],
        "qualities": ["vẽ tay", "thêu hoa sen", "may đo", "họa tiết chim hạc", "màu đỏ", "màu trắng", "màu xanh ngọc"],
        "sizes": ["size M", "size S", "size L", "size XL"]},
    "quan-ao": {"unit": "piece", "price": (120, 1200), "types": [
        "Áo bà ba|Cần Thơ:92, Vĩnh Long:86", "Áo thun cotton", "Váy lanh", "Đồ bộ lanh", "Áo sơ mi thổ cẩm",
        "Áo khoác chàm|Sa Pa:15", "Quần ống rộng đũi",
    ], "places": HIGHLAND[:6] + FOOD_PLACES[:6], "qualities": ["vải tự nhiên", "nhuộm chàm", "thêu tay", "form rộng", "mùa hè"],
        "sizes": ["size M", "size L", "size S", "freesize"]},
    "tui-phu-kien": {"unit": "piece", "price": (40, 900), "types": [
        "Túi cói", "Túi vải canvas", "Nón lá|Huế:46, làng Chuông:01", "Khăn quàng", "Vòng tay bạc|Sa Pa:15",
        "Túi xách mây", "Kẹp tóc gỗ", "Túi đeo chéo thổ cẩm", "Ví cầm tay",
    ], "places": HIGHLAND + FOOD_PLACES[:6], "qualities": ["thêu tay", "đan tay", "mẫu mới", "quà tặng", "nhỏ gọn"],
        "sizes": []},
    "thao-duoc": {"unit": "box", "price": (60, 2200), "types": [
        "Cao gắm|Nghệ An:40", "Trà gừng", "Tinh bột nghệ|Nghệ An:40, Hưng Yên:33", "Sâm Ngọc Linh|Quảng Ngãi:51",
        "Cao atiso|Đà Lạt:68", "Đông trùng hạ thảo", "Trà túi lọc thảo mộc", "Thuốc tắm người Dao|Sa Pa:15",
        "Giảo cổ lam|Hòa Bình:25",
    ], "places": FOOD_PLACES, "qualities": ["nguyên chất", "hữu cơ", "loại đặc biệt", "chiết xuất tự nhiên", "gia truyền"],
        "sizes": ["hộp 30 gói", "hũ 500g", "hộp 100g", "lọ 200ml"]},
    "xa-phong-tinh-dau": {"unit": "bottle", "price": (35, 650), "types": [
        "Xà phòng sả chanh", "Tinh dầu tràm|Huế:46", "Tinh dầu quế|Yên Bái:15, Trà My:48", "Tinh dầu bưởi",
        "Xà phòng nghệ", "Dầu gội bồ kết", "Tinh dầu sả java", "Nến thơm sáp ong",
    ], "places": FOOD_PLACES, "qualities": ["handmade", "thiên nhiên", "không hóa chất", "dịu nhẹ", "hữu cơ"],
        "sizes": ["chai 100ml", "bánh 100g", "chai 50ml", "bộ 3 bánh"]},
    "do-gia-dung": {"unit": "piece", "price": (25, 750), "types": [
        "Chổi đót", "Thảm lau chân", "Khăn tắm sợi tre", "Ống hút tre", "Bàn chải tre", "Túi lưới đi chợ",
        "Chiếu cói|Nga Sơn:38", "Ấm đất|Phù Lãng:24",
    ], "places": FOOD_PLACES[:10], "qualities": ["thân thiện môi trường", "làm tay", "bền đẹp", "tự nhiên", "giá sỉ"],
        "sizes": ["bộ 2 chiếc", "bộ 10 chiếc", "cỡ lớn"]},
    "cay-giong-hat-giong": {"unit": "piece", "price": (15, 450), "types": [
        "Hạt giống rau cải", "Cây giống bưởi da xanh|Bến Tre:86", "Cây lan rừng", "Hạt giống hoa",
        "Cây giống cà phê|Đắk Lắk:66", "Cây giống chè|Thái Nguyên:19", "Hạt giống rau muống",
    ], "places": FOOD_PLACES, "qualities": ["nảy mầm cao", "chuẩn giống", "ghép mắt", "sạch bệnh", "năng suất cao"],
        "sizes": ["gói 20g", "bầu 30cm", "gói 50 hạt"]},
}

# Sentences per top category; {name}, {place}, {province}, {seller} are filled in.
TOP_SENTENCES = {
    "dac-san": [
        "{name} là đặc sản nổi tiếng của {place}, được nhiều khách du lịch tìm mua làm quà.",
        "Nguyên liệu được thu hái theo mùa, sơ chế ngay trong ngày để giữ trọn hương vị.",
        "Sản phẩm không dùng chất bảo quản, không phẩm màu, an toàn cho cả gia đình.",
        "Hợp dùng kèm trà nóng hoặc làm quà biếu dịp lễ Tết.",
        "Mỗi mẻ đều được chị em kiểm tra kỹ trước khi đóng gói.",
    ],
    "tra-ca-phe": [
        "Vùng trồng ở độ cao trên một nghìn mét, khí hậu mát quanh năm.",
        "Nguyên liệu được chọn lọc từ những nông hộ trồng theo hướng bền vững.",
        "Nên dùng hết trong vòng ba tháng sau khi mở túi để giữ hương thơm.",
    ],
    "gao-do-kho": [
        "Sản phẩm được sấy khô tự nhiên và đóng gói hút ẩm.",
        "Nguyên liệu được trồng theo hướng hữu cơ, không dùng thuốc diệt cỏ.",
        "Không dùng hàn the hay chất tẩy trắng.",
    ],
    "nuoc-mam-gia-vi": [
        "Dùng để chấm, ướp thịt hoặc nêm nếm các món ăn hằng ngày.",
        "Công thức gia truyền nhiều đời của làng nghề {place}.",
    ],
    "thu-cong-my-nghe": [
        "Từng sản phẩm được các nghệ nhân làm hoàn toàn bằng tay, không có hai chiếc giống hệt nhau.",
        "Thích hợp trang trí nhà cửa, quán cà phê hoặc làm quà tặng đối tác.",
        "Làng nghề {place} có lịch sử hàng trăm năm.",
    ],
    "det-tho-cam": [
        "Mỗi tấm vải mất nhiều tuần để hoàn thành, từ se sợi đến dệt và thêu.",
        "Hoa văn mang ý nghĩa cầu may, được truyền từ mẹ sang con gái.",
    ],
    "ao-dai-thoi-trang": [
        "Thiết kế hiện đại nhưng vẫn giữ nét truyền thống, phù hợp đi làm và dự tiệc.",
        "Vải tự nhiên, thấm hút mồ hôi tốt, mặc thoải mái cả ngày.",
        "Bảng số đo chi tiết có trong ảnh sản phẩm.",
    ],
    "thao-duoc-my-pham": [
        "Sản phẩm không chứa paraben, không hương liệu tổng hợp.",
        "Dùng đều đặn giúp cơ thể khỏe mạnh, tinh thần thư thái.",
        "Phụ nữ có thai nên hỏi ý kiến thầy thuốc trước khi dùng.",
    ],
    "nha-vuon": [
        "Sản phẩm bền, dễ vệ sinh, thay thế đồ nhựa dùng một lần.",
        "Nguyên liệu tự nhiên, thân thiện với môi trường.",
    ],
}
# Sentences only a product of that sub-category would have.
SUB_SENTENCES = {
    "mat-ong": ["Mật ong được quay từ những thùng ong nuôi giữa vườn {flower}, không pha đường.",
                "Mật sánh, màu hổ phách, vị ngọt thanh và thơm mùi hoa {flower}.",
                "Mật ong để lâu có thể kết tinh, đó là hiện tượng tự nhiên."],
    "banh-mut-keo": ["Bánh được làm mới mỗi ngày, vị ngọt vừa phải.", "Mứt được sên bằng đường phèn trên bếp củi."],
    "hat-trai-cay-say": ["Trái cây được sấy lạnh để giữ màu và vitamin.", "Hạt được rang bằng chảo gang, giòn và béo."],
    "thit-ca-kho": ["Thịt được tẩm mắc khén, hạt dổi rồi treo gác bếp nhiều ngày.", "Cá được phơi nắng ba ngày, thịt chắc và ngọt."],
    "ca-phe": ["Hạt cà phê được hái chín bằng tay, phơi trên giàn tre và rang theo cách truyền thống.",
               "Cà phê có vị đắng dịu, hậu ngọt, hương thơm đặc trưng của vùng đất đỏ bazan."],
    "tra": ["Búp trà được hái sớm khi còn đọng sương, sao khô trên chảo gang.",
            "Nước trà xanh trong, vị chát nhẹ và ngọt hậu lâu."],
    "gao": ["Gạo hạt dài, cơm dẻo và thơm ngay cả khi để nguội.", "Lúa được gặt vào cuối vụ {season}."],
    "mien-bun-pho-kho": ["Sợi dai, không bị nát khi nấu.", "Ngâm nước ấm mười phút trước khi nấu."],
    "nam-rau-kho": ["Nấm được hái trong rừng già, phơi trên giàn tre.", "Ngâm nước ấm cho nở đều trước khi chế biến."],
    "nuoc-mam": ["Nước mắm được ủ chượp trong thùng gỗ theo công thức gia truyền.",
                 "Cá cơm tươi được ướp muối ngay trên thuyền để giữ độ tươi."],
    "gia-vi": ["Gia vị được phơi khô và xay mịn, giữ nguyên mùi thơm nồng."],
    "may-tre-dan": ["Nguyên liệu tre, mây, cói được khai thác bền vững tại địa phương."],
    "gom-su": ["Men gốm được pha chế theo bí quyết riêng của làng nghề.", "Gốm được nung ở nhiệt độ cao trong lò củi."],
    "do-go-son-mai": ["Sơn ta được phủ nhiều lớp và mài thủ công.", "Gỗ được xử lý chống mối mọt."],
    "tho-cam": ["Hoa văn thổ cẩm được dệt trên khung cửi truyền thống của đồng bào {place}.",
                "Sợi lanh được nhuộm chàm và vẽ sáp ong theo cách làm của người Mông."],
    "lua-to-tam": ["Lụa tơ tằm mềm mại, thoáng mát, càng giặt càng bóng đẹp.", "Giặt tay bằng nước lạnh, phơi trong bóng râm."],
    "ao-dai": ["Áo dài được may đo theo số đo của khách, chất liệu lụa mềm và rủ.",
               "Họa tiết được vẽ tay bởi các họa sĩ trẻ của hợp tác xã."],
    "quan-ao": ["Đường may chắc chắn, vải không phai màu."],
    "tui-phu-kien": ["Túi có lớp lót vải bên trong và khóa kéo chắc chắn."],
    "thao-duoc": ["Thảo dược được trồng và thu hái tại vùng núi {place}, sơ chế theo bài thuốc gia truyền."],
    "xa-phong-tinh-dau": ["Tinh dầu được chưng cất hơi nước từ lá và vỏ cây tươi."],
    "do-gia-dung": ["Mỗi chiếc được kiểm tra độ bền trước khi giao."],
    "cay-giong-hat-giong": ["Cây giống được ươm trong vườn của hợp tác xã, đã thuần khí hậu.",
                            "Hướng dẫn trồng và chăm sóc được gửi kèm mỗi đơn hàng."],
}
# Sentences with slots filled at random, so the vocabulary is not a handful of stock phrases.
SLOT_SENTENCES = [
    "{seller} được thành lập năm {year} với {members} thành viên.",
    "Năm {year}, sản phẩm được bình chọn là quà tặng tiêu biểu của {province}.",
    "Khách hàng ở {city} thường đặt {count} đơn mỗi tháng.",
    "Sản lượng mỗi năm khoảng {count} {unit_word}.",
    "Chị {woman}, thành viên hợp tác xã, phụ trách khâu {step}.",
    "Thích hợp {use}.",
]
SLOTS = {
    "flower": ("nhãn", "vải", "cà phê", "bạc hà", "keo", "tràm", "xuyến chi"),
    "season": ("đông xuân", "hè thu", "mùa"),
    "city": ("Hà Nội", "Hồ Chí Minh", "Đà Nẵng", "Hải Phòng", "Cần Thơ", "Huế", "Nha Trang", "Vinh", "Đà Lạt"),
    "unit_word": ("tấn", "nghìn sản phẩm", "nghìn hộp", "nghìn chai", "tạ"),
    "step": ("chọn nguyên liệu", "đóng gói", "kiểm tra chất lượng", "bán hàng trực tuyến", "giao hàng", "sơ chế"),
    "use": ("làm quà biếu dịp Tết", "dùng hằng ngày trong gia đình", "làm quà tặng thầy cô", "bày bán tại homestay",
            "mang theo khi đi du lịch", "làm quà cho người cao tuổi", "tặng đối tác nước ngoài"),
}
GENERIC_SENTENCES = [
    "{name} do chị em {seller} làm ra tại {province}.",
    "Hợp tác xã có hơn ba mươi thành viên, phần lớn là phụ nữ địa phương.",
    "Mỗi đơn hàng góp phần tạo việc làm ổn định cho lao động nữ ở nông thôn.",
    "Đóng gói cẩn thận, giao hàng toàn quốc trong ba đến năm ngày.",
    "Bảo quản nơi khô ráo, thoáng mát, tránh ánh nắng trực tiếp.",
    "Nhận đơn sỉ cho cửa hàng, đại lý và quà tặng doanh nghiệp.",
    "Sản phẩm có tem truy xuất nguồn gốc, quét mã để xem vùng nguyên liệu.",
    "Chúng tôi nhận đổi trả trong bảy ngày nếu sản phẩm có lỗi.",
    "Thanh toán khi nhận hàng hoặc chuyển khoản ngân hàng.",
    "Sản phẩm đã được trưng bày tại hội chợ hàng Việt và được khách hàng đánh giá cao.",
    "Quy trình sản xuất khép kín, đạt tiêu chuẩn vệ sinh an toàn thực phẩm.",
    "Chị em trong tổ hợp tác được tập huấn về kỹ thuật và bán hàng trực tuyến.",
    "Giá đã bao gồm bao bì, chưa bao gồm phí vận chuyển.",
    "Màu sắc thực tế có thể chênh lệch đôi chút so với ảnh chụp.",
    "Sản phẩm phù hợp làm quà biếu người thân, bạn bè và đối tác.",
    "Liên hệ gian hàng để được tư vấn thêm về cách sử dụng.",
    "Một phần lợi nhuận được dùng để hỗ trợ học bổng cho con em thành viên.",
    "Vùng nguyên liệu được chứng nhận VietGAP.",
]
OCOP_SENTENCE = "Sản phẩm đạt chứng nhận OCOP {stars} sao cấp tỉnh."

SELLER_KINDS = (
    # (legal form, name prefix, weight)
    ("cooperative", "Hợp tác xã", 50),
    ("cooperative", "HTX", 15),
    ("cooperative_group", "Tổ hợp tác", 15),
    ("household", "Hộ kinh doanh", 12),
    ("enterprise", "Công ty TNHH", 8),
)
SELLER_TRADES = ("Nông nghiệp", "Dệt thổ cẩm", "Mây tre đan", "Chế biến nông sản", "Dịch vụ tổng hợp",
                 "Trà và cà phê", "Thủ công mỹ nghệ", "Nông sản sạch", "Thảo dược", "Phụ nữ khởi nghiệp",
                 "Nuôi ong", "Gốm sứ", "Dệt lụa", "Đặc sản quê hương")
WOMEN_NAMES = ("Lan", "Hoa", "Mai", "Hương", "Thảo", "Ngọc", "Hằng", "Nga", "Thu", "Vân", "Hạnh", "Loan",
               "Phương", "Yến", "Dung", "Tuyết", "Mỷ", "Sùng Thị Mai", "Hờ Thị Dính", "H'Hen Niê")
COMMUNES = ("Xã Tân Lập", "Phường Hòa Bình", "Xã Đông Hưng", "Xã Thanh Sơn", "Xã Yên Hòa", "Phường An Phú",
            "Xã Phước Hưng", "Xã Sơn Thủy", "Xã Quang Trung", "Xã Hồng Phong", "Xã Long Hòa", "Xã Bình Minh")


def strip_marks(text: str) -> str:
    """What a seller typing without diacritics writes ("Mật ong" -> "Mat ong"), keeping case."""
    decomposed = unicodedata.normalize("NFD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", plain.replace("đ", "d").replace("Đ", "D"))


def slugify(text: str) -> str:
    return "-".join(fold(text).replace("/", " ").split()).strip("-")[:80]


def _place(value: str) -> tuple[str, str]:
    label, code = value.rsplit(":", 1)
    return label.strip(), code.strip()


@dataclass
class Catalog:
    seed: int
    categories: list[dict] = field(default_factory=list)  # id, parent_id, slug, name_vi, name_en, position
    programs: list[dict] = field(default_factory=list)
    sellers: list[dict] = field(default_factory=list)  # id, slug, name, legal_form, province_code, program_ids...
    products: list[dict] = field(default_factory=list)

    def category(self, slug: str) -> dict:
        return next(c for c in self.categories if c["slug"] == slug)

    def documents(self) -> list[ProductDocument]:
        categories = {c["id"]: c for c in self.categories}
        programs = {p["id"]: p for p in self.programs}
        sellers = {s["id"]: s for s in self.sellers}
        documents = []
        for p in self.products:
            category = categories[p["category_id"]]
            seller = sellers[p["seller_id"]]
            program_ids = seller["program_ids"]
            documents.append(ProductDocument(
                id=p["id"],
                slug=p["slug"],
                name=p["name"],
                description=p["description"],
                seller_name=seller["name"],
                seller_slug=seller["slug"],
                category_id=category["id"],
                category_ids=tuple(i for i in (category["id"], category["parent_id"]) if i is not None),
                category_name=category["name_vi"],
                province_code=p["province_code"],
                program_ids=tuple(program_ids),
                program_badges=tuple(programs[i]["badge_vi"] for i in program_ids),
                ocop_stars=p["ocop_stars"],
                price_vnd=p["price_vnd"],
                in_stock=p["stock"] > 0,
                stock=p["stock"],
                listed_at=p["listed_at"],
                image_token=None,
            ))
        return documents

    # -- rows for a migrated database (same ids) ----------------------------------------------

    def category_rows(self) -> tuple[tuple[str, ...], list[tuple]]:
        columns = ("id", "parent_id", "slug", "name_vi", "name_en", "position")
        return columns, [tuple(c[k] for k in columns) for c in self.categories]

    def program_rows(self) -> tuple[tuple[str, ...], list[tuple]]:
        columns = ("id", "slug", "name_vi", "name_en", "description_vi", "description_en", "badge_vi", "badge_en",
                   "starts_on", "ends_on", "legal_forms", "province_codes", "women_led_required",
                   "commission_rate_bp", "featured", "created_at")
        rows = [(p["id"], p["slug"], p["name_vi"], p["name_en"], "", "", p["badge_vi"], p["badge_en"],
                 date(2025, 1, 1), None, "[]", "[]", True, 0, False, NOW) for p in self.programs]
        return columns, rows

    def seller_rows(self) -> tuple[tuple[str, ...], list[tuple]]:
        columns = ("id", "slug", "name", "legal_form", "province_code", "commune_name", "street_address", "phone",
                   "story", "members_count", "women_members_count", "workers_count", "women_workers_count",
                   "women_led", "leader_name", "leadership_statement", "status", "created_at", "updated_at")
        rows = [(s["id"], s["slug"], s["name"], s["legal_form"], s["province_code"], s["commune_name"],
                 "Thôn 3", s["phone"], "", 30, 24, 12, 10, True, s["leader_name"], "", "approved", NOW, NOW)
                for s in self.sellers]
        return columns, rows

    def enrolment_rows(self) -> tuple[tuple[str, ...], list[tuple]]:
        columns = ("id", "program_id", "seller_id", "status", "statement", "women_members_at_enrolment",
                   "jobs_for_women_at_enrolment", "created_at")
        rows, next_id = [], 1
        for s in self.sellers:
            for program_id in s["program_ids"]:
                rows.append((next_id, program_id, s["id"], "approved", "", 24, 10, NOW))
                next_id += 1
        return columns, rows

    def product_rows(self) -> tuple[tuple[str, ...], list[tuple]]:
        columns = ("id", "seller_id", "category_id", "slug", "name", "description", "price_vnd", "stock", "unit",
                   "weight_grams", "origin_province_code", "ocop_stars", "ocop_status", "status",
                   "created_at", "updated_at", "published_at")
        rows = [(p["id"], p["seller_id"], p["category_id"], p["slug"], p["name"], p["description"], p["price_vnd"],
                 p["stock"], p["unit"], 500, p["province_code"], p["ocop_stars"],
                 "verified" if p["ocop_stars"] else "none", "active", p["listed_at"], p["listed_at"], p["listed_at"])
                for p in self.products]
        return columns, rows


def generate_catalog(n: int, seed: int = 2025) -> Catalog:
    """A catalog of `n` products (deterministic for a given n and seed)."""
    rng = random.Random(seed)
    catalog = Catalog(seed=seed)

    # Categories: the app's starting tree, ids in order (parents before their children).
    next_id = 1
    sub_of: dict[str, str] = {}
    for position, (slug, name_vi, name_en, children) in enumerate(CATEGORIES):
        parent_id = next_id
        catalog.categories.append({"id": parent_id, "parent_id": None, "slug": slug, "name_vi": name_vi, "name_en": name_en,
                                       "position": position})
        next_id += 1
        for child_position, (child_slug, child_vi, child_en) in enumerate(children):
            catalog.categories.append({"id": next_id, "parent_id": parent_id, "slug": child_slug, "name_vi": child_vi,
                                           "name_en": child_en, "position": child_position})
            sub_of[child_slug] = slug
            next_id += 1
    by_slug = {c["slug"]: c for c in catalog.categories}
    missing = set(PRODUCTS) ^ set(sub_of)
    if missing:
        raise RuntimeError(f"bench product types and the category tree disagree: {sorted(missing)}")

    for pid, slug, name_vi, name_en, badge_vi, badge_en, _share in PROGRAMS:
        catalog.programs.append({"id": pid, "slug": slug, "name_vi": name_vi, "name_en": name_en, "badge_vi": badge_vi,
                                     "badge_en": badge_en})

    # Sellers: about one per 50 products, at least 20; more of them in the big provinces.
    seller_count = max(20, n // 50)
    weights = [3 if code in ("01", "79", "33", "66", "68", "92", "15", "08") else 1 for code in PROVINCE_CODES]
    kinds = [k for k in SELLER_KINDS for _ in range(k[2])]
    by_province: dict[str, list[dict]] = {}
    for seller_id in range(1, seller_count + 1):
        province = rng.choices(PROVINCE_CODES, weights)[0]
        legal_form, prefix, _weight = rng.choice(kinds)
        if legal_form == "household":
            name = f"{prefix} {rng.choice(WOMEN_NAMES)} {PROVINCES[province]}"
        else:
            name = f"{prefix} {rng.choice(SELLER_TRADES)} {rng.choice(COMMUNES).split(' ', 1)[1]}"
        program_ids = tuple(p[0] for p in PROGRAMS if rng.random() < p[6])
        seller = {"id": seller_id, "slug": f"{slugify(name)}-{seller_id}", "name": name, "legal_form": legal_form,
                      "province_code": province, "commune_name": rng.choice(COMMUNES),
                      "phone": f"+8491{rng.randrange(10**7):07d}", "leader_name": f"Nguyễn Thị {rng.choice(WOMEN_NAMES)}",
                      "program_ids": program_ids}
        catalog.sellers.append(seller)
        by_province.setdefault(province, []).append(seller)

    # Products: sub-categories weighted a little (foods sell more than seedlings).
    sub_slugs = list(PRODUCTS)
    sub_weights = [3 if sub_of[s] in ("dac-san", "tra-ca-phe", "gao-do-kho") else 2 for s in sub_slugs]
    span = int(timedelta(days=730).total_seconds())
    for product_id in range(1, n + 1):
        sub = rng.choices(sub_slugs, sub_weights)[0]
        spec = PRODUCTS[sub]
        kind = rng.choice(spec["types"])
        base, _, own_places = kind.partition("|")
        places = [_place(v) for v in own_places.split(",")] if own_places else [_place(v) for v in spec["places"]]
        label, province = rng.choice(places)
        parts = [base]
        if fold(label) not in fold(base):
            parts.append(label)
        quality = rng.choice(spec["qualities"])
        if rng.random() < 0.75 and fold(quality) not in fold(" ".join(parts)):
            parts.append(quality)
        if spec["sizes"] and rng.random() < 0.45:
            parts.append(rng.choice(spec["sizes"]))
        name = " ".join(parts)
        # The seller: one from the product's province when there is one (3 in 4), else any.
        local = by_province.get(province)
        seller = rng.choice(local) if local and rng.random() < 0.75 else rng.choice(catalog.sellers)
        low, high = spec["price"]
        price = int(rng.triangular(low, high, low + (high - low) * 0.3)) * 1000
        stock = 0 if rng.random() < 0.12 else rng.choice((rng.randint(1, 20), rng.randint(20, 500)))
        ocop = rng.choice((3, 3, 3, 4, 4, 5)) if rng.random() < 0.18 else None
        description = _description(rng, name, label, PROVINCES[province], seller["name"], sub, sub_of[sub], ocop)
        if rng.random() < 0.03:  # typed without diacritics
            name, description = strip_marks(name), strip_marks(description)
        catalog.products.append({
            "id": product_id, "seller_id": seller["id"], "category_id": by_slug[sub]["id"],
            "slug": f"{slugify(name)[:90]}-{product_id}", "name": name[:150], "description": description,
            "price_vnd": max(1000, price), "stock": stock, "unit": spec["unit"], "province_code": province, "ocop_stars": ocop,
            "listed_at": NOW - timedelta(seconds=rng.randrange(span)),
        })
    return catalog


def _description(rng: random.Random, name: str, place: str, province: str, seller: str, sub: str, top: str,
                 ocop: int | None) -> str:
    target = rng.randint(30, 120)
    pool = SUB_SENTENCES.get(sub, []) * 3 + TOP_SENTENCES[top] * 2 + GENERIC_SENTENCES + SLOT_SENTENCES * 2
    rng.shuffle(pool)
    values = {"name": name, "place": place, "province": province, "seller": seller}
    seen = {GENERIC_SENTENCES[0]} if rng.random() < 0.5 else set()
    sentences = [GENERIC_SENTENCES[0].format(**values)] if seen else []
    if ocop:
        sentences.append(OCOP_SENTENCE.format(stars=ocop))
    words = sum(len(s.split()) for s in sentences)
    for template in pool:
        if words >= target:
            break
        slots = {key: rng.choice(options) for key, options in SLOTS.items()}
        slots.update(year=rng.randint(1995, 2025), members=rng.randint(7, 120), count=rng.randint(20, 3000),
                     woman=rng.choice(WOMEN_NAMES))
        sentence = template.format(**values, **slots)
        if template in seen:
            continue
        seen.add(template)
        sentences.append(sentence)
        words += len(sentence.split())
    text = " ".join(sentences).split()
    if len(text) > 120:
        text = text[:120]
        text[-1] = text[-1].rstrip(",.") + "."
    # Paragraphs as sellers write them: a line break every few sentences.
    return " ".join(text).replace(". Đóng gói", ".\nĐóng gói").replace(". Bảo quản", ".\nBảo quản")


if __name__ == "__main__":  # a look at a few generated products
    import argparse

    parser = argparse.ArgumentParser(description="Print a few products of the bench catalog.")
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args()
    sample = generate_catalog(args.n, args.seed)
    for product in sample.products:
        print(f"{product['id']:>4} {product['province_code']} {product['price_vnd']:>9,} {product['name']}")
    print()
    print(sample.products[0]["description"])
