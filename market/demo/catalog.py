"""Demo catalog for `seed-demo`: what the five approved demo sellers really sell.

Every product is listed through the catalog services, acting as the seller's owner, with
photos drawn in memory (`market.demo.photos`). OCOP claims come with a generated
certificate; staff verify most of them and leave one in the queue. Idempotent: a seller
that already has products is left alone.

74 products with 131 photos: about 20 s of CPU, 40 s on a busy 2-core machine, spent on
encoding the WebP variants and writing the search index after each product's commit.
"""
from contextlib import nullcontext
from dataclasses import dataclass

from flask import current_app, has_request_context
from sqlalchemy import exists, select
from werkzeug.datastructures import FileStorage

from market.accounts.services import find_user_by_email
from market.catalog.models import Category, Product, ProductStatus
from market.catalog.services import (
    ProductData,
    change_product_status,
    create_product,
    decide_ocop,
    seed_categories,
)
from market.demo.accounts import STAFF
from market.demo.files import certificate
from market.demo.photos import photo, plain
from market.demo.sellers import DEMO_SELLERS
from market.extensions import db
from market.sellers.models import SellerStatus
from market.sellers.services import seller_of


@dataclass(frozen=True)
class DemoProduct:
    name: str
    category: str  # sub-category slug (market/catalog/category_data.py)
    price: int  # đồng
    unit: str  # a key of market.catalog.models.UNITS
    weight: int  # grams, as shipped
    stock: int
    description: str  # 2–4 lines
    label: str  # the short name drawn on the photos ("\n" for a second line)
    colours: tuple[str, str, str]  # gradient top, gradient bottom, shapes
    motif: str  # a key of market.demo.photos.MOTIFS
    compare_at: int | None = None
    ocop: int | None = None  # stars claimed (a certificate is attached)
    ocop_verified: bool = True  # False: the claim waits in the staff queue
    status: str = ProductStatus.ACTIVE  # or DRAFT, or HIDDEN (listed, then hidden)
    photos: int = 1  # 1–3: drawing and storing photos is most of the seed's time


P = DemoProduct

# Keyed by the part before "@" of the owner's email in market.demo.DEMO_SELLERS.
CATALOG: dict[str, tuple[DemoProduct, ...]] = {
    # HTX Cà phê Phụ nữ Cầu Đất, Lâm Đồng
    "seller": (
        P("Cà phê Arabica Cầu Đất rang mộc – hạt 500 g", "ca-phe", 245_000, "bag", 520, 120,
          "Arabica Catimor trồng ở độ cao 1.600 m trên đồi Cầu Đất, hái chín từng quả.\n"
          "Rang mộc vừa (medium), không tẩm bơ, không hương liệu.\n"
          "Vị chua thanh, hậu ngọt, thơm mùi trái cây chín và caramel.",
          "Arabica\nCầu Đất", ("#f3e3cf", "#a9744f", "#4a2b17"), "beans", ocop=4, photos=3),
        P("Cà phê Arabica Cầu Đất xay sẵn pha phin 250 g", "ca-phe", 135_000, "bag", 270, 80,
          "Arabica Cầu Đất rang vừa, xay độ mịn hợp với phin nhôm.\n"
          "Túi có van một chiều giữ mùi thơm đến 3 tháng sau khi mở.",
          "Arabica\nxay phin", ("#f0dcc4", "#8e5a36", "#3b2314"), "beans"),
        P("Cà phê Robusta Lâm Đồng rang mộc 500 g", "ca-phe", 160_000, "bag", 520, 60,
          "Robusta trồng xen sầu riêng ở Di Linh, chị em sơ chế ướt và phơi giàn.\n"
          "Đậm, đắng dịu, nhiều cafein: hợp pha phin hoặc cà phê sữa đá.",
          "Robusta", ("#e8d2bc", "#6f4126", "#2b170b"), "beans", compare_at=185_000, photos=2),
        P("Cà phê Culi Robusta nguyên hạt 500 g", "ca-phe", 175_000, "bag", 520, 0,
          "Chỉ lấy những hạt culi (một nhân tròn trong quả), chọn tay từng mẻ.\n"
          "Vị đậm và béo hơn Robusta thường. Mẻ mới về sau vụ thu hoạch tháng 12.",
          "Culi\nRobusta", ("#ead7c3", "#5d3520", "#24130a"), "beans"),
        P("Cà phê Arabica sơ chế mật ong (honey) 250 g", "ca-phe", 210_000, "bag", 270, 3,
          "Quả chín được xát vỏ, giữ lại lớp nhớt và phơi chậm 20 ngày trên giàn tre.\n"
          "Vị ngọt như mật, chua nhẹ kiểu cam quýt. Mẻ nhỏ, số lượng có hạn.",
          "Arabica\nHoney", ("#fbe8c6", "#c98a3d", "#6b3e26"), "beans", photos=3),
        P("Hộp quà cà phê Cầu Đất 3 loại hạt", "ca-phe", 520_000, "box", 1_100, 25,
          "Ba túi 250 g: Arabica rang mộc, Arabica honey và Robusta.\n"
          "Hộp giấy kraft in tay, kèm thiệp viết lời chúc theo yêu cầu.\n"
          "Món quà Tết và quà tặng đối tác của các chị em Cầu Đất.",
          "Hộp quà\ncà phê", ("#f6e7d8", "#9b1c4a", "#6b3e26"), "box", compare_at=590_000),
        P("Cà phê phin giấy Arabica – hộp 10 gói", "ca-phe", 95_000, "box", 150, 200,
          "Mỗi gói 12 g cà phê Arabica xay sẵn, treo lên ly và rót nước sôi là xong.\n"
          "Tiện mang đi làm, đi du lịch.",
          "Phin giấy", ("#f7efe6", "#b08968", "#6b3e26"), "box", photos=2),
        P("Trà Ô long Cầu Đất 200 g", "tra", 280_000, "pack", 220, 40,
          "Ô long Kim Tuyên trồng trên đồi chè Cầu Đất, vo viên và sao tay.\n"
          "Nước vàng sánh, hương hoa nhẹ, pha được 5–6 lần nước.",
          "Ô long", ("#eef5e1", "#6a994e", "#386641"), "leaves"),
        P("Trà xanh Cầu Đất sao chảo 250 g", "tra", 150_000, "bag", 270, 55,
          "Búp chè một tôm hai lá hái sáng sớm, sao chảo gang theo cách truyền thống.\n"
          "Vị chát dịu, hậu ngọt.",
          "Trà xanh", ("#f1f7e4", "#88a65e", "#3a5a40"), "leaves", photos=2),
        P("Trà vỏ cà phê Cascara 150 g", "tra", 120_000, "bag", 170, 2,
          "Vỏ quả cà phê Arabica chín phơi khô, pha như trà hoa quả.\n"
          "Vị ngọt như mận sấy, ít cafein; ngon khi uống đá với chút mật ong.",
          "Cascara", ("#fbe4d8", "#b23a48", "#6b1d2a"), "fruit"),
        P("Hồng treo gió Đà Lạt hộp 500 g", "hat-trai-cay-say", 250_000, "box", 560, 30,
          "Hồng trứng Đà Lạt gọt vỏ, treo trong gió lạnh 3–4 tuần đến khi dẻo và ngọt.\n"
          "Không đường, không chất bảo quản; bảo quản ngăn mát tủ lạnh.",
          "Hồng\ntreo gió", ("#fff1db", "#e07a1f", "#a4410e"), "fruit", ocop=4, ocop_verified=False, photos=3),
        P("Dâu tây sấy dẻo Đà Lạt 200 g", "hat-trai-cay-say", 95_000, "bag", 220, 70,
          "Dâu tây Đà Lạt sấy lạnh, giữ màu đỏ và vị chua ngọt tự nhiên.\n"
          "Ăn vặt, trộn sữa chua hoặc làm bánh.",
          "Dâu tây\nsấy dẻo", ("#ffe5ea", "#e5383b", "#a4161a"), "fruit"),
        P("Hạt mắc ca Lâm Đồng sấy nứt vỏ 500 g", "hat-trai-cay-say", 185_000, "bag", 520, 45,
          "Mắc ca trồng xen cà phê, sấy nứt vỏ, kèm dụng cụ tách vỏ.\n"
          "Béo, giòn, thơm; không tẩm muối.",
          "Mắc ca", ("#fdf0d5", "#c2956b", "#7f5539"), "fruit", compare_at=210_000, photos=2),
        P("Mật ong hoa cà phê 500 ml", "mat-ong", 180_000, "bottle", 700, 45,
          "Ong nuôi trong vườn cà phê mùa hoa tháng 2–3, quay mật tại chỗ.\n"
          "Màu hổ phách nhạt, thơm hoa cà phê; không pha đường, không cô đặc.",
          "Mật ong\nhoa cà phê", ("#fff3c4", "#e9a823", "#9c6500"), "jar", ocop=3),
        P("Cà phê Arabica Typica vi lô 2025", "ca-phe", 320_000, "bag", 270, 15,
          "Lô nhỏ Typica từ vườn cô Ngọc, đang thử rang.\n"
          "Sẽ mở bán khi mẻ rang mẫu đạt điểm cupping.",
          "Typica", ("#f3e3cf", "#7a4b2a", "#3b2314"), "beans", status=ProductStatus.DRAFT, photos=2),
    ),
    # Tổ hợp tác Dệt thổ cẩm Lùng Tám, Hà Giang (now Tuyên Quang)
    "thocam": (
        P("Túi đeo chéo thổ cẩm Mông vẽ sáp ong", "tui-phu-kien", 350_000, "piece", 300, 18,
          "Vải lanh dệt tay, vẽ hoa văn bằng sáp ong rồi nhuộm chàm nhiều lần.\n"
          "Lót vải bông, khóa kéo, dây đeo chỉnh được dài ngắn.\n"
          "Kích thước 24 x 20 cm, đựng vừa điện thoại và ví.",
          "Túi\nđeo chéo", ("#dbe7f3", "#1f4e79", "#c1121f"), "bag", ocop=4, photos=3),
        P("Túi tote vải lanh nhuộm chàm", "tui-phu-kien", 290_000, "piece", 350, 24,
          "Túi tote khổ 35 x 40 cm, vải lanh Lùng Tám nhuộm chàm, viền thổ cẩm đỏ.\n"
          "Đựng được sách và máy tính 13 inch.",
          "Tote\nchàm", ("#e3ecf5", "#274c77", "#e63946"), "bag"),
        P("Ví cầm tay thổ cẩm", "tui-phu-kien", 150_000, "piece", 120, 4,
          "Ví nhỏ 20 x 11 cm, mặt trước thêu chữ thập hoa văn Mông.\n"
          "Hai ngăn, khóa kéo đồng.",
          "Ví\nthổ cẩm", ("#fde2e4", "#9d0208", "#1f4e79"), "brocade", photos=2),
        P("Khăn quàng cổ vải lanh nhuộm chàm", "tui-phu-kien", 260_000, "piece", 200, 20,
          "Khăn dài 180 cm, rộng 40 cm, vải lanh mềm sau nhiều lần giặt vò.\n"
          "Màu chàm đậm nhạt khác nhau theo từng mẻ nhuộm.",
          "Khăn\nchàm", ("#e0e9f4", "#2a4d7a", "#0b2545"), "fabric"),
        P("Khăn choàng thổ cẩm dệt tay", "tho-cam", 480_000, "piece", 300, 9,
          "Khăn choàng 60 x 190 cm, dệt trên khung cửi gỗ mất gần một tuần.\n"
          "Hoa văn hình con ốc và hoa bí, màu đỏ, vàng trên nền chàm.",
          "Khăn\nchoàng", ("#fde8d7", "#c1121f", "#ffb703"), "brocade", photos=3),
        P("Khăn trải bàn thổ cẩm 35 x 180 cm", "tho-cam", 420_000, "piece", 350, 12,
          "Tấm trải giữa bàn (table runner) dệt tay, hai đầu có tua.\n"
          "Giặt tay nước lạnh, phơi trong bóng râm để giữ màu.",
          "Trải bàn\nthổ cẩm", ("#f8e1d0", "#8d0801", "#f4a261"), "brocade"),
        P("Vải lanh nhuộm chàm vẽ sáp ong – khổ 40 cm", "tho-cam", 280_000, "metre", 200, 50,
          "Vải lanh trồng, tước, se, dệt hoàn toàn bằng tay ở Lùng Tám.\n"
          "Hoa văn vẽ sáp ong, nhuộm chàm 7–10 lần. Bán theo mét, khổ 40 cm.",
          "Vải lanh\nchàm", ("#dce6f2", "#14365d", "#f1faee"), "fabric", ocop=5, photos=3),
        P("Vải lanh mộc dệt tay – khổ 35 cm", "tho-cam", 180_000, "metre", 180, 0,
          "Vải lanh trắng ngà chưa nhuộm, hợp may rèm, túi hoặc nhuộm theo ý.\n"
          "Đang dệt đợt mới, dự kiến có hàng sau một tháng.",
          "Vải lanh\nmộc", ("#f7f3e8", "#d6c9a8", "#8a7a55"), "fabric", photos=2),
        P("Áo khoác thổ cẩm phối vải lanh", "quan-ao", 850_000, "piece", 450, 6,
          "Áo khoác dáng suông, thân vải lanh nhuộm chàm, tay và cổ phối thổ cẩm.\n"
          "Size S, M, L: ghi size trong phần lời nhắn khi đặt hàng.",
          "Áo khoác\nthổ cẩm", ("#e3eaf4", "#1f4e79", "#d62828"), "brocade", compare_at=950_000),
        P("Váy xòe Mông nhuộm chàm vẽ sáp ong", "quan-ao", 1_800_000, "piece", 900, 2,
          "Váy xếp ly truyền thống của phụ nữ Mông: hơn 5 m vải lanh, vẽ sáp và thêu tay.\n"
          "Mỗi chiếc làm trong khoảng hai tháng. Chỉ còn rất ít.",
          "Váy\nMông", ("#dfe7f2", "#0b2545", "#e63946"), "fabric", photos=3),
        P("Áo dài cách tân phối thổ cẩm", "ao-dai", 1_450_000, "piece", 500, 5,
          "Áo dài lụa trơn, vạt trước và cổ tay viền thổ cẩm Mông dệt tay.\n"
          "May theo số đo: gửi số đo sau khi đặt, giao trong 10 ngày.",
          "Áo dài\nthổ cẩm", ("#fbe3e8", "#9b1c4a", "#1f4e79"), "brocade"),
        P("Vỏ gối thổ cẩm 45 x 45 cm", "do-gia-dung", 180_000, "piece", 150, 30,
          "Vỏ gối tựa sofa, mặt trước thổ cẩm, mặt sau vải lanh, khóa kéo giấu.\n"
          "Không kèm ruột gối.",
          "Vỏ gối", ("#fdebd3", "#bc4749", "#1f4e79"), "brocade", photos=2),
        P("Bộ lót ly thổ cẩm 6 chiếc", "do-gia-dung", 120_000, "set", 90, 40,
          "Sáu miếng lót ly 10 x 10 cm, mỗi miếng một hoa văn.\n"
          "Vải dày, thấm nước tốt, giặt máy được.",
          "Lót ly", ("#fff0e0", "#e76f51", "#264653"), "brocade"),
        P("Túi thổ cẩm mùa lễ hội 2024", "tui-phu-kien", 320_000, "piece", 300, 7,
          "Mẫu túi làm riêng cho chợ phiên mùa lễ hội 2024.\n"
          "Tạm ẩn: tổ đang làm mẫu mới cho năm nay.",
          "Túi\nlễ hội", ("#fde2e4", "#d00000", "#ffba08"), "bag", status=ProductStatus.HIDDEN, photos=2),
    ),
    # HTX Mây tre đan Phú Nghĩa, Hà Nội
    "maytre": (
        P("Giỏ mây đan tay có quai 30 cm", "may-tre-dan", 220_000, "piece", 450, 35,
          "Giỏ mây tự nhiên đan nong mốt, quai cuốn mây chắc chắn.\n"
          "Đựng đồ đi chợ, đi picnic hoặc cắm hoa khô.\n"
          "Đường kính 30 cm, cao 20 cm (không tính quai).",
          "Giỏ mây", ("#fbf2e3", "#c9a46c", "#7a5230"), "basket", ocop=4, photos=3),
        P("Bộ 3 giỏ mây đựng đồ có nắp", "may-tre-dan", 450_000, "set", 1_500, 14,
          "Ba giỏ lồng vào nhau (25, 30, 35 cm), có nắp đậy.\n"
          "Đựng quần áo, đồ chơi hoặc đồ khô trong bếp.",
          "Bộ 3 giỏ", ("#f7ecd9", "#b08850", "#6b4423"), "basket", compare_at=520_000),
        P("Khay tre chữ nhật có quai", "may-tre-dan", 180_000, "piece", 600, 28,
          "Khay tre 40 x 28 cm, đan nan nhỏ, quai gỗ hai đầu.\n"
          "Bưng trà, bày đồ ăn sáng hoặc trang trí bàn.",
          "Khay tre", ("#faf3e0", "#c8a165", "#6f4e1e"), "weave", photos=2),
        P("Khay mây tròn đựng hoa quả 35 cm", "may-tre-dan", 150_000, "piece", 400, 0,
          "Khay tròn đan mây xoắn, miệng loe, bày hoa quả hay bánh kẹo ngày Tết.\n"
          "Đợt hàng mới đang đan, sẽ có sau hai tuần.",
          "Khay mây", ("#fcf5e5", "#d4a373", "#8a5a2b"), "basket"),
        P("Ghế mây thư giãn có đệm", "may-tre-dan", 1_800_000, "piece", 6_500, 4,
          "Khung mây đặc uốn nóng, mặt ngồi đan mắt cáo, kèm đệm vải bố.\n"
          "Chịu tải 120 kg. Giao hàng lắp sẵn trong nội thành Hà Nội.",
          "Ghế mây", ("#f4ead5", "#a47148", "#5e3b1c"), "weave", photos=3),
        P("Bàn trà mây tre tròn 60 cm", "may-tre-dan", 1_350_000, "piece", 5_000, 2,
          "Mặt bàn tre ghép, chân mây cuốn, cao 45 cm.\n"
          "Hợp ban công, góc trà hoặc phòng khách nhỏ.",
          "Bàn trà\nmây tre", ("#f6edd9", "#b5835a", "#5c3d2e"), "weave"),
        P("Làn mây đi chợ", "may-tre-dan", 260_000, "piece", 500, 22,
          "Làn mây dáng truyền thống, quai cao, đáy vuông vững.\n"
          "Một chiếc làn thay được hàng trăm túi nylon.",
          "Làn mây", ("#fbf0dc", "#c19a6b", "#6d4c2f"), "basket", photos=2),
        P("Hộp đựng khăn giấy mây đan", "may-tre-dan", 120_000, "piece", 250, 60,
          "Hộp mây đan kín, đáy mở để thay khăn giấy, 25 x 13 x 10 cm.\n"
          "Hợp bàn ăn, bàn làm việc và quầy lễ tân homestay.",
          "Hộp\nkhăn giấy", ("#fcf4e6", "#bfa07a", "#7f5539"), "weave"),
        P("Đèn thả trần mây tre đan 40 cm", "do-gia-dung", 650_000, "piece", 800, 8,
          "Chụp đèn tre đan mắt cáo, đường kính 40 cm, kèm dây và đui E27.\n"
          "Ánh sáng xuyên qua nan tre tạo bóng đẹp trên tường.",
          "Đèn\nmây tre", ("#2b2118", "#7c5a3a", "#f4d58d"), "lamp", photos=3),
        P("Đèn bàn tre đan", "do-gia-dung", 480_000, "piece", 900, 3,
          "Đèn ngủ để bàn, chụp tre đan, chân gỗ xoan, cao 38 cm.\n"
          "Dùng bóng LED ánh vàng (kèm theo).",
          "Đèn bàn", ("#3a2d20", "#8c6a43", "#ffe8a3"), "lamp"),
        P("Bộ rổ rá tre 3 chiếc", "do-gia-dung", 95_000, "set", 700, 50,
          "Rổ tre đan tay 3 cỡ để rửa rau, đựng hoa quả, phơi đồ khô.\n"
          "Tre già ngâm bùn, phơi khô nên bền và không mốc.",
          "Rổ rá tre", ("#fbf5e6", "#c5a46d", "#70512b"), "basket", photos=2),
        P("Bộ đũa tre 10 đôi", "do-gia-dung", 45_000, "set", 200, 150,
          "Đũa tre già vót tay, không sơn, không tẩy trắng.\n"
          "Dài 25 cm; rửa xong để khô thoáng.",
          "Đũa tre", ("#fdf8ec", "#d9bf8c", "#8a6a3b"), "sticks"),
        P("Hộp tre sơn mài đựng trà", "do-go-son-mai", 320_000, "piece", 350, 15,
          "Hộp tre ống phủ sơn ta 7 lớp, vẽ hoa sen bằng vỏ trứng và vàng quỳ.\n"
          "Đựng trà, cà phê hoặc làm hộp quà.",
          "Hộp\nsơn mài", ("#3d0c11", "#9d0208", "#e9c46a"), "lacquer", photos=3),
        P("Khay tre sơn mài vẽ sen 30 x 20 cm", "do-go-son-mai", 390_000, "piece", 500, 10,
          "Khay cốt tre ép, sơn mài đen, vẽ tay hoa sen và chuồn chuồn.\n"
          "Lau bằng khăn ẩm; không dùng máy rửa bát.",
          "Khay\nsơn mài", ("#1b1b1b", "#6a040f", "#e9c46a"), "lacquer"),
    ),
    # Mứt gừng Bà Lài, Thừa Thiên Huế (now the city of Huế)
    "mutgung": (
        P("Mứt gừng Kim Long hũ 300 g", "banh-mut-keo", 85_000, "jar", 400, 150,
          "Gừng ta Kim Long thái lát mỏng, ngâm nước vôi trong rồi sên đường nhiều lần.\n"
          "Cay ấm, dẻo, không phẩm màu, không chất bảo quản.\n"
          "Công thức ba đời của bà Lài.",
          "Mứt gừng", ("#fff6d6", "#e9c46a", "#b5651d"), "jar", ocop=3, photos=3),
        P("Mứt gừng dẻo cay hộp 500 g", "banh-mut-keo", 135_000, "box", 560, 90,
          "Gừng non sên dẻo, vị cay nhiều hơn mứt gừng khô.\n"
          "Ăn kèm trà nóng ngày lạnh.",
          "Gừng\ndẻo cay", ("#fff3cf", "#d4a017", "#8c5a12"), "candy", compare_at=150_000),
        P("Hộp quà Tết mứt Huế 3 vị", "banh-mut-keo", 285_000, "box", 800, 2,
          "Ba ngăn: mứt gừng, mứt me và mứt sen trần.\n"
          "Hộp giấy in họa tiết cung đình, kèm túi xách.",
          "Mứt Huế\n3 vị", ("#fde8e8", "#9b1c4a", "#e9c46a"), "box", compare_at=320_000),
        P("Mứt sen trần Huế 300 g", "banh-mut-keo", 120_000, "jar", 380, 0,
          "Hạt sen hồ Tịnh Tâm tươi, bỏ tim, sên đường phèn đến khi trong và bở.\n"
          "Làm theo mùa sen, đã hết hàng vụ này.",
          "Mứt sen", ("#fdf6ec", "#f2cc8f", "#81b29a"), "jar", photos=2),
        P("Kẹo mè xửng Huế hộp 250 g", "banh-mut-keo", 45_000, "box", 300, 120,
          "Mạch nha, đường, đậu phộng và mè rang, cắt miếng vuông gói giấy.\n"
          "Dẻo, thơm, không dính răng.",
          "Mè xửng", ("#fff1d6", "#c8963e", "#6b4226"), "candy"),
        P("Gừng lát sấy dẻo 200 g", "hat-trai-cay-say", 65_000, "bag", 220, 75,
          "Gừng lát ngâm mật ong rồi sấy dẻo, ít đường hơn mứt.\n"
          "Ngậm khi say xe hoặc pha trà.",
          "Gừng sấy", ("#fffae5", "#e0b54b", "#9c6b12"), "candy", photos=2),
        P("Trà gừng mật ong hộp 20 gói", "tra", 65_000, "box", 300, 100,
          "Gừng tươi xay, sấy với mật ong, đóng gói 15 g.\n"
          "Hòa một gói với nước nóng, uống ấm bụng ngày mưa.",
          "Trà gừng", ("#fff4da", "#dda15e", "#bc6c25"), "leaves"),
        P("Trà cung đình Huế 200 g", "tra", 95_000, "pack", 220, 35,
          "Mười mấy vị: hoa cúc, cỏ ngọt, táo đỏ, kỷ tử, la hán, atiso…\n"
          "Thanh nhiệt, ngọt nhẹ; pha ấm 2–3 lần nước.",
          "Trà\ncung đình", ("#fdeadb", "#b23a48", "#e9c46a"), "leaves", photos=3),
        P("Nước mắm cá cơm Thuận An 500 ml", "nuoc-mam", 90_000, "bottle", 750, 60,
          "Cá cơm than đánh bắt ở biển Thuận An, ủ chượp với muối trong thùng gỗ 12 tháng.\n"
          "Độ đạm 30°N, màu cánh gián, thơm và hậu ngọt.",
          "Nước mắm\nThuận An", ("#fff4e0", "#a0522d", "#5a2d0c"), "bottle"),
        P("Mắm ruốc Huế hũ 400 g", "nuoc-mam", 60_000, "jar", 520, 40,
          "Ruốc biển xay, ướp muối và phơi nắng, làm theo kiểu Huế.\n"
          "Dùng nấu bún bò, kho thịt hoặc pha chấm xoài.",
          "Mắm ruốc", ("#fde4e1", "#b5485d", "#6b2737"), "jar", photos=2),
        P("Muối ớt tôm Huế 150 g", "gia-vi", 40_000, "jar", 200, 85,
          "Muối hột rang với ớt hiểm Huế và tôm khô giã.\n"
          "Chấm trái cây, chấm thịt luộc hay rắc cơm đều ngon.",
          "Muối ớt\ntôm", ("#fff0eb", "#e63946", "#9d0208"), "grains"),
        P("Sa tế ớt Huế hũ 200 g", "gia-vi", 45_000, "jar", 260, 5,
          "Ớt bột, sả, tỏi phi trong dầu đậu phộng.\n"
          "Cay thơm đúng vị bún bò Huế.",
          "Sa tế", ("#ffe8e0", "#d00000", "#6a040f"), "jar"),
        P("Tôm khô phá Tam Giang 200 g", "thit-ca-kho", 220_000, "bag", 220, 20,
          "Tôm đất phá Tam Giang luộc, phơi nắng và bóc vỏ bằng tay.\n"
          "Ngọt thịt, không phẩm màu; nấu canh, xào hoặc ăn với củ kiệu.",
          "Tôm khô", ("#fff1e6", "#f28482", "#b5485d"), "grains", photos=3),
        P("Mứt gừng ít đường (thử nghiệm)", "banh-mut-keo", 95_000, "jar", 400, 10,
          "Công thức mới giảm một nửa lượng đường cho người ăn kiêng.\n"
          "Đang thử độ bền bảo quản trước khi bán.",
          "Gừng\nít đường", ("#fbf8e6", "#c9b458", "#7a6a12"), "jar", status=ProductStatus.DRAFT, photos=2),
    ),
    # Thảo mộc Mộc Lan, Cần Thơ
    "thaomoc": (
        P("Xà phòng sả chanh thủ công 100 g", "xa-phong-tinh-dau", 45_000, "piece", 110, 200,
          "Xà phòng nấu lạnh từ dầu dừa Bến Tre, tinh dầu sả chanh và lá sả xay.\n"
          "Ủ 6 tuần cho dịu da; không chất tạo bọt tổng hợp.",
          "Xà phòng\nsả chanh", ("#f5fbe6", "#a7c957", "#386641"), "soap", photos=3),
        P("Xà phòng than tre bạc hà 100 g", "xa-phong-tinh-dau", 48_000, "piece", 110, 140,
          "Bột than tre hút dầu, tinh dầu bạc hà mát lạnh.\n"
          "Hợp da dầu và dùng sau khi chơi thể thao.",
          "Than tre\nbạc hà", ("#e8f1ef", "#52796f", "#1b1b1b"), "soap"),
        P("Xà phòng bưởi nghệ 100 g", "xa-phong-tinh-dau", 45_000, "piece", 110, 0,
          "Vỏ bưởi Năm Roi và nghệ vàng Cần Thơ, dưỡng da sáng mịn.\n"
          "Mẻ mới đang ủ, có hàng lại sau 3 tuần.",
          "Bưởi nghệ", ("#fff8e1", "#f4a259", "#bc4b51"), "soap", photos=2),
        P("Tinh dầu tràm nguyên chất 50 ml", "xa-phong-tinh-dau", 120_000, "bottle", 120, 80,
          "Chưng cất hơi nước lá tràm gió U Minh, không pha cồn.\n"
          "Xoa ấm ngực cho bé, xông phòng, đuổi muỗi.",
          "Tinh dầu\ntràm", ("#eef6f0", "#74a57f", "#2d6a4f"), "drops", ocop=4),
        P("Tinh dầu sả chanh 10 ml", "xa-phong-tinh-dau", 75_000, "bottle", 40, 110,
          "Sả chanh trồng tại vườn Phong Điền, chưng cất trong ngày thu hoạch.\n"
          "Nhỏ 3–5 giọt vào máy khuếch tán hoặc pha nước lau nhà.",
          "Tinh dầu\nsả", ("#f4fbe4", "#b5c99a", "#4f772d"), "drops", photos=2),
        P("Tinh dầu bưởi dưỡng tóc 100 ml", "xa-phong-tinh-dau", 150_000, "bottle", 180, 65,
          "Vỏ bưởi chưng cất, thêm vitamin E và dầu dừa.\n"
          "Xịt lên chân tóc 3 lần mỗi tuần, giúp tóc chắc và thơm.",
          "Tinh dầu\nbưởi", ("#f6fbe9", "#90be6d", "#f9c74f"), "drops", compare_at=180_000, photos=3),
        P("Dầu gội bồ kết thảo mộc 300 ml", "xa-phong-tinh-dau", 135_000, "bottle", 380, 45,
          "Bồ kết nướng, hương nhu, vỏ bưởi và sả nấu theo cách của bà ngoại.\n"
          "Không sulfate, không paraben; tóc mềm, giảm gàu.",
          "Dầu gội\nbồ kết", ("#f3efe0", "#6c584c", "#2f3e46"), "bottle"),
        P("Son dưỡng môi dầu dừa sáp ong", "xa-phong-tinh-dau", 55_000, "piece", 20, 4,
          "Sáp ong, dầu dừa và bơ ca cao; thỏi 5 g.\n"
          "Dưỡng môi mềm, không màu, an toàn cho bà bầu.",
          "Son dưỡng", ("#fff0f3", "#ff8fab", "#c9184a"), "bottle", photos=2),
        P("Tinh bột nghệ nguyên chất 200 g", "thao-duoc", 90_000, "jar", 260, 70,
          "Nghệ vàng trồng ở Phong Điền, xay ướt và lọc lấy tinh bột nhiều lần.\n"
          "Pha với mật ong uống hằng ngày hoặc đắp mặt.",
          "Tinh bột\nnghệ", ("#fff8d6", "#f4c430", "#c77d00"), "jar"),
        P("Lá xông thảo mộc 10 gói", "thao-duoc", 85_000, "pack", 400, 30,
          "Sả, lá bưởi, hương nhu, lá tràm, gừng phơi khô chia gói.\n"
          "Xông hơi giải cảm hoặc xông sau sinh theo kinh nghiệm dân gian.",
          "Lá xông", ("#eef7e8", "#6a994e", "#386641"), "leaves", photos=3),
        P("Trà sả gừng túi lọc 20 gói", "tra", 60_000, "box", 120, 95,
          "Sả, gừng và lá dứa sấy lạnh, đóng túi lọc 2 g.\n"
          "Uống nóng buổi sáng hoặc pha lạnh với chanh.",
          "Trà\nsả gừng", ("#f8fbe8", "#c5d86d", "#6a7f20"), "leaves"),
        P("Trà hoa đậu biếc sấy khô 50 g", "tra", 70_000, "pack", 70, 50,
          "Hoa đậu biếc hái sáng, sấy lạnh giữ màu xanh tím.\n"
          "Pha nước xanh lam, vắt chanh chuyển sang tím; dùng làm xôi, bánh.",
          "Hoa\nđậu biếc", ("#e7ecff", "#3f37c9", "#7209b7"), "drops", photos=2),
        P("Gạo huyết rồng Cần Thơ 2 kg", "gao", 95_000, "bag", 2_050, 60,
          "Giống gạo đỏ bản địa trồng ở ruộng nước nổi, không phun thuốc trừ cỏ.\n"
          "Hạt dài, vỏ lụa đỏ, nấu cơm hoặc nấu cháo dinh dưỡng.",
          "Gạo\nhuyết rồng", ("#fdf0ea", "#9e2a2b", "#540b0e"), "grains"),
        P("Gạo lứt tím than 2 kg", "gao", 110_000, "bag", 2_050, 38,
          "Gạo lứt tím trồng hữu cơ, giàu chất xơ và chất chống oxy hóa.\n"
          "Ngâm 2 giờ trước khi nấu cho cơm mềm.",
          "Gạo lứt\ntím than", ("#f1e9f7", "#5a189a", "#240046"), "grains", photos=3),
        P("Hủ tiếu khô Cái Răng 500 g", "mien-bun-pho-kho", 38_000, "bag", 520, 120,
          "Sợi hủ tiếu phơi nắng theo nghề làng Cái Răng, làm từ gạo cũ.\n"
          "Dai, không bở khi nấu; trụng 2 phút là dùng được.",
          "Hủ tiếu\nCái Răng", ("#fffdf5", "#e9dcc9", "#a68a64"), "sticks"),
        P("Bột rau má nguyên chất 100 g", "nam-rau-kho", 65_000, "pack", 120, 55,
          "Rau má vườn sấy lạnh, xay mịn, không thêm đường.\n"
          "Pha với nước mát hoặc sữa tươi; một gói pha được 20 ly.",
          "Bột\nrau má", ("#effaf0", "#52b788", "#1b4332"), "leaves", photos=2),
        P("Bộ hạt giống rau thơm 3 gói", "cay-giong-hat-giong", 35_000, "set", 30, 90,
          "Húng quế, tía tô và kinh giới từ vườn nhà, đã thử tỷ lệ nảy mầm.\n"
          "Gieo trong chậu hoặc thùng xốp, thu hoạch sau 30–40 ngày.",
          "Hạt giống\nrau thơm", ("#f3faea", "#8ab17d", "#2a9d8f"), "seeds"),
    ),
}


# --- seeding ---------------------------------------------------------------------------------

def seed_demo_catalog() -> int:
    """Create the demo sellers' catalogs where missing; return how many products were created.

    Acts as each approved demo seller's owner, through the catalog services; a seller
    that already has products (or is not approved, or whose owner does not exist yet) is
    skipped, so running it again creates nothing. Staff verify the OCOP claims, except
    one left waiting in the queue. Needs the demo accounts (`market.demo.seed_demo`).
    """
    seed_categories()
    categories = dict(db.session.execute(select(Category.slug, Category.id)).all())
    staff = find_user_by_email(STAFF.email)
    created = 0
    # Notices in queued emails need a request context outside a request (as market.demo).
    context = nullcontext() if has_request_context() else current_app.test_request_context("/")
    with context:
        for demo in DEMO_SELLERS:
            products = CATALOG.get(demo.owner_email.split("@")[0])
            owner = find_user_by_email(demo.owner_email)
            seller = seller_of(owner) if owner is not None else None
            if not products or seller is None or seller.status != SellerStatus.APPROVED:
                continue
            if db.session.scalar(select(exists().where(Product.seller_id == seller.id))):
                continue
            for item in products:
                _create(owner, staff, item, categories)
                created += 1
    return created


def _create(owner, staff, item: DemoProduct, categories: dict[str, int]) -> Product:
    data = ProductData(
        name=item.name, category_id=categories[item.category], price_vnd=item.price, stock=item.stock,
        unit=item.unit, description=item.description, compare_at_price_vnd=item.compare_at,
        weight_grams=item.weight, ocop_stars=item.ocop,
    )
    photos = [photo(item, index) for index in range(item.photos)]
    ocop_certificate = _ocop_certificate(item) if item.ocop else None
    publish = item.status != ProductStatus.DRAFT
    product = create_product(owner, data, photos, ocop_certificate=ocop_certificate, publish=publish)
    if item.status == ProductStatus.HIDDEN:
        product = change_product_status(owner, product.id, "hide")
    if item.ocop and item.ocop_verified and staff is not None:
        product = decide_ocop(staff, product.id, True)
    return product



def _ocop_certificate(item: DemoProduct) -> FileStorage:
    """A stand-in for the OCOP certificate."""
    return certificate(f"Giay chung nhan OCOP {item.ocop} sao (demo): {plain(item.name)}", "chung-nhan-ocop.pdf")
