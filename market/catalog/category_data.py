"""The starting category tree: what the union's cooperatives sell (staff edit it later)."""

# (slug, Vietnamese, English, [(slug, Vietnamese, English), ...])
CATEGORIES = (
    ("dac-san", "Thực phẩm & đặc sản vùng miền", "Foods & regional specialties", (
        ("mat-ong", "Mật ong", "Honey"),
        ("banh-mut-keo", "Bánh, mứt, kẹo", "Cakes, jams & sweets"),
        ("hat-trai-cay-say", "Hạt & trái cây sấy", "Nuts & dried fruit"),
        ("thit-ca-kho", "Thịt, cá khô", "Dried meat & fish"),
    )),
    ("tra-ca-phe", "Trà & cà phê", "Tea & coffee", (
        ("ca-phe", "Cà phê", "Coffee"),
        ("tra", "Trà", "Tea"),
    )),
    ("gao-do-kho", "Gạo & đồ khô", "Rice & dried goods", (
        ("gao", "Gạo", "Rice"),
        ("mien-bun-pho-kho", "Miến, bún, phở khô", "Noodles"),
        ("nam-rau-kho", "Nấm & rau khô", "Mushrooms & dried vegetables"),
    )),
    ("nuoc-mam-gia-vi", "Nước mắm & gia vị", "Fish sauce & condiments", (
        ("nuoc-mam", "Nước mắm", "Fish sauce"),
        ("gia-vi", "Gia vị", "Spices & seasonings"),
    )),
    ("thu-cong-my-nghe", "Thủ công mỹ nghệ", "Handicrafts", (
        ("may-tre-dan", "Mây tre đan", "Bamboo & rattan"),
        ("gom-su", "Gốm sứ", "Pottery"),
        ("do-go-son-mai", "Đồ gỗ & sơn mài", "Wood & lacquer"),
    )),
    ("det-tho-cam", "Dệt may & thổ cẩm", "Textiles & brocade", (
        ("tho-cam", "Thổ cẩm", "Brocade"),
        ("lua-to-tam", "Lụa & tơ tằm", "Silk"),
    )),
    ("ao-dai-thoi-trang", "Áo dài & thời trang", "Áo dài & clothing", (
        ("ao-dai", "Áo dài", "Áo dài"),
        ("quan-ao", "Quần áo", "Clothing"),
        ("tui-phu-kien", "Túi & phụ kiện", "Bags & accessories"),
    )),
    ("thao-duoc-my-pham", "Thảo dược & mỹ phẩm", "Herbal products & cosmetics", (
        ("thao-duoc", "Thảo dược", "Herbal products"),
        ("xa-phong-tinh-dau", "Xà phòng & tinh dầu", "Soap & essential oils"),
    )),
    ("nha-vuon", "Nhà cửa & vườn", "Home & garden", (
        ("do-gia-dung", "Đồ gia dụng", "Household goods"),
        ("cay-giong-hat-giong", "Cây giống & hạt giống", "Plants & seeds"),
    )),
    # Fresh produce: what most cooperatives grow. Migration 0014 adds it to databases seeded
    # before it existed (its own copy: a migration never reads code that changes later).
    FRESH_PRODUCE := ("nong-san-tuoi", "Nông sản tươi", "Fresh produce", (
        ("rau-xanh", "Rau xanh", "Leafy vegetables"),
        ("rau-thom", "Rau thơm & rau gia vị", "Fresh herbs"),
        ("cu-qua", "Củ, quả", "Root & fruiting vegetables"),
        ("trai-cay-tuoi", "Trái cây tươi", "Fresh fruit"),
        ("nam-tuoi", "Nấm tươi", "Fresh mushrooms"),
        ("trung", "Trứng", "Eggs"),
    )),
)
