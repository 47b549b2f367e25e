"""Search through the storefront's services and pages, against every engine the test
database allows: Whoosh always, PostgreSQL full-text when the tests run on PostgreSQL."""
import logging
import os

import pytest
from sqlalchemy import func, select
from whoosh.util.filelock import FileLock

from market.catalog import services as catalog
from market.catalog.models import Product
from market.extensions import db
from market.search import services, sync
from market.search.backend import SearchRequest, get_backend
from market.search.models import SearchQueueEntry
from market.sellers import services as sellers
from tests.builders import application, certificate, png


@pytest.fixture(params=["whoosh", "postgres"])
def engine(request, app):
    if request.param == "postgres" and db.engine.dialect.name != "postgresql":
        pytest.skip("the PostgreSQL engine needs the tests to run on PostgreSQL")
    app.config["SEARCH_BACKEND"] = request.param
    app.extensions.pop("search_backend", None)
    return request.param


@pytest.fixture
def shop(app, engine, make_user):
    """Two approved sellers in different provinces, and a staff member."""
    staff = make_user("staff@example.vn", role="staff")
    catalog.seed_categories()
    owners = {}
    for email, changes in {
        "hoa@example.vn": {},
        "lan@example.vn": {"name": "HTX Mây tre Phú Nghĩa", "province": "Hà Nội", "commune": "Xã Phú Nghĩa",
                           "registration_number": "0108765432"},
    }.items():
        owner = make_user(email)
        seller = sellers.save_application(owner, application(**changes), submit=True, documents=certificate())
        sellers.decide(staff, seller.id, "approve")
        owners[email] = owner
    return {"staff": staff, "hoa": owners["hoa@example.vn"], "lan": owners["lan@example.vn"]}


def category_id(slug: str) -> int:
    from market.catalog.models import Category

    return db.session.scalar(select(Category.id).where(Category.slug == slug))


def add(owner, name, description="", category="ca-phe", price=100_000, stock=10, publish=True):
    data = catalog.ProductData(name=name, description=description, category_id=category_id(category),
                               price_vnd=price, stock=stock, unit="bag")
    return catalog.create_product(owner, data, photos=[png()] if publish else [], publish=publish)


def found(text="", **filters) -> list[str]:
    result, products = services.search_products(SearchRequest(text=text, per_page=100, **filters))
    return [products[hit.product_id].name for hit in result.hits]


FOLDING = [
    ("ao dai", "Áo dài lụa tơ tằm"),
    ("ÁO DÀI", "Áo dài lụa tơ tằm"),
    ("áo dài", "Áo dài lụa tơ tằm"),
    ("da lat", "Cà phê Đà Lạt"),
    ("DA LAT", "Cà phê Đà Lạt"),
    ("nuoc mam", "Nước mắm Phan Thiết"),
    ("mat ong", "Mật ong hoa nhãn"),
    ("tra shan tuyet", "Trà Shan tuyết cổ thụ"),
    ("banh da", "Bánh đa đỏ"),
    ("dac san", "Đặc sản mứt gừng"),
    ("gao st25", "Gạo ST25 hữu cơ"),
    ("tho cam", "Túi thổ cẩm Mông"),
    ("may tre dan", "Khay mây tre đan"),
    ("ca phe", "Cà phê Đà Lạt"),
    ("hat dieu", "Hạt điều rang muối"),
    ("mien dong", "Miến dong Bình Liêu"),
    ("mut gung", "Đặc sản mứt gừng"),
    ("xa phong", "Xà phòng sả chanh"),
    ("tinh dau sa", "Tinh dầu sả"),
    ("non la", "Nón lá bài thơ"),
    ("lua to tam", "Áo dài lụa tơ tằm"),
    ("gom bat trang", "Bình gốm Bát Tràng"),
    ("nem chua", "Nem chua Thanh Hóa"),
    ("che thai nguyen", "Chè Thái Nguyên"),
    ("muoi ot", "Muối ớt Tây Ninh"),
    ("banh pia", "Bánh pía Sóc Trăng"),
    ("khoai lang", "Khoai lang sấy"),
    ("ruou can", "Rượu cần Tây Nguyên"),
    ("bot san day", "Bột sắn dây"),
    ("keo dua", "Kẹo dừa Bến Tre"),
    ("ao ba ba", "Áo bà ba vải lanh"),
    ("duong thot not", "Đường thốt nốt"),
]


def test_folding_table(shop):
    for name in sorted({name for _query, name in FOLDING}):
        add(shop["hoa"], name)
    for query, name in FOLDING:
        assert name in found(query), f"{query!r} should find {name!r}"


def test_every_word_must_match_and_names_rank_first(shop):
    add(shop["hoa"], "Mật ong hoa nhãn", "Hũ thủy tinh 500 ml")
    add(shop["hoa"], "Trà hoa cúc", "Ướp với mật ong rừng")
    add(shop["hoa"], "Mật mía")
    assert found("mat ong") == ["Mật ong hoa nhãn", "Trà hoa cúc"]
    assert found("mat ong nhan") == ["Mật ong hoa nhãn"]


def test_typo_and_suggestions(shop):
    add(shop["hoa"], "Mật ong hoa nhãn")
    add(shop["hoa"], "Cà phê Arabica Cầu Đất")
    assert "Mật ong hoa nhãn" in found("mat ongg")
    assert "Cà phê Arabica Cầu Đất" in services.suggest("ca ph")
    assert "Cà phê Arabica Cầu Đất" in services.suggest("arabi")


def test_only_visible_products_are_found(shop):
    visible = add(shop["hoa"], "Cà phê rang mộc")
    add(shop["hoa"], "Cà phê bản nháp", publish=False)
    hidden = add(shop["hoa"], "Cà phê ẩn")
    catalog.change_product_status(shop["hoa"], hidden.id, "hide")
    blocked = add(shop["hoa"], "Cà phê bị khóa")
    catalog.moderate_product(shop["staff"], blocked.id, "block", "Sai mô tả")
    add(shop["hoa"], "Cà phê hết hàng", stock=0)
    assert sorted(found("ca phe")) == ["Cà phê hết hàng", "Cà phê rang mộc"]
    assert found("ca phe", in_stock_only=True) == ["Cà phê rang mộc"]
    seller = sellers.seller_of(shop["hoa"])
    sellers.decide(shop["staff"], seller.id, "suspend", "Kiểm tra")
    assert found("ca phe") == []
    sellers.decide(shop["staff"], seller.id, "reinstate")
    assert visible.name in found("ca phe")


def test_the_index_follows_edits_stock_and_deletes(shop):
    product = add(shop["hoa"], "Cà phê Robusta")
    data = catalog.ProductData(name="Cà phê Culi", category_id=product.category_id, price_vnd=120_000, stock=3, unit="bag")
    catalog.update_product(shop["hoa"], product.id, data)
    assert found("culi") == ["Cà phê Culi"] and found("robusta") == []
    catalog.set_stock_and_price(shop["hoa"], product.id, 0, 120_000, seen_stock=3)
    assert found("culi", in_stock_only=True) == []
    catalog.change_product_status(shop["hoa"], product.id, "hide")
    catalog.delete_product(shop["hoa"], product.id)
    assert found("culi") == []


def test_facet_counts_equal_a_direct_count(shop):
    for number in range(5):
        add(shop["hoa"], f"Cà phê số {number}", price=50_000 * (number + 1), stock=number)
    add(shop["lan"], "Khay mây tre", category="may-tre-dan", price=450_000)
    result, _products = services.search_products(SearchRequest(per_page=100))
    assert result.total == db.session.scalar(select(func.count()).select_from(Product).where(Product.visible()))
    assert result.facets["province"] == {"68": 5, "01": 1}
    assert result.facets["price"]["0-100000"] == 1
    assert result.facets["price"]["100000-300000"] == 4
    assert result.facets["in_stock"].get("true") == 5
    coffee = category_id("ca-phe")
    assert result.facets["category"][str(coffee)] == 5
    assert result.facets["category"][str(category_id("tra-ca-phe"))] == 5  # the parent counts its children
    assert sorted(found(category_id=category_id("tra-ca-phe"))) == [f"Cà phê số {n}" for n in range(5)]
    assert found(province_code="01") == ["Khay mây tre"]


def test_sorts_and_pages(shop):
    for number, price in enumerate([300_000, 100_000, 200_000]):
        add(shop["hoa"], f"Trà số {number}", category="tra", price=price)
    assert found("tra", sort="price_asc") == ["Trà số 1", "Trà số 2", "Trà số 0"]
    assert found("tra", sort="price_desc") == ["Trà số 0", "Trà số 2", "Trà số 1"]
    assert found("tra", sort="newest")[0] == "Trà số 2"
    result, _ = services.search_products(SearchRequest(text="tra", per_page=2, page=2))
    assert (result.total, len(result.hits), result.pages) == (3, 1, 2)


HOSTILE = ['"', "'", "*", "?", "AND OR NOT", "((", "a" * 10_000, "🙂🙂", "\x00", "'; DROP TABLE products; --",
           "ca phe)", "title:x", "-", "~", "%", "_", "\\", "<script>"]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_answer_a_normal_page(client, shop, query):
    add(shop["hoa"], "Cà phê Đà Lạt")
    response = client.get("/search", query_string={"q": query, "category": "x", "price": "nope", "page": "-1"})
    assert response.status_code == 200
    assert client.get("/search/suggest", query_string={"q": query}).status_code == 200


def test_search_page_highlights_facets_and_filters(client, shop):
    add(shop["hoa"], "Cà phê Đà Lạt", "Rang mộc tại <Đà Lạt>")
    add(shop["lan"], "Khay mây tre", category="may-tre-dan")
    page = client.get("/search?q=da+lat", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "1 product found" in page
    assert "<mark>Đà</mark> <mark>Lạt</mark>" in page
    assert "&lt;<mark>Đà</mark> <mark>Lạt</mark>&gt;" in page  # user text stays escaped around the marks
    assert "province=68" in page  # a facet link
    filtered = client.get("/search?q=&province=01", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Khay mây tre" in filtered and "Cà phê Đà Lạt" not in filtered
    assert "Remove filter" in filtered
    empty = client.get("/search?q=xyzxyz", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "No product matches your search." in empty
    suggestions = client.get("/search/suggest?q=ca+ph").get_json()
    assert "Cà phê Đà Lạt" in suggestions["suggestions"]


def test_a_busy_index_queues_the_write_and_a_later_write_drains_it(app, shop, engine, caplog):
    if engine != "whoosh":
        pytest.skip("PostgreSQL writes inside the product's own transaction")
    backend = get_backend()
    backend.lock_timeout = 0.1
    os.makedirs(backend.path, exist_ok=True)
    held = FileLock(os.path.join(backend.path, "WRITELOCK"))  # another worker is writing, for long
    assert held.acquire(blocking=False)
    try:
        with caplog.at_level(logging.WARNING):
            product = add(shop["hoa"], "Cà phê chờ ghi")  # the request still succeeds
    finally:
        held.release()
    assert db.session.scalar(select(SearchQueueEntry.product_id)) == product.id
    assert any("search index write failed" in r.getMessage() and str(product.id) in r.getMessage()
               for r in caplog.records)
    assert found("cho ghi") == []
    assert sync.drain_queue() == 1
    assert found("cho ghi") == ["Cà phê chờ ghi"]
    assert db.session.scalar(select(func.count()).select_from(SearchQueueEntry)) == 0


def test_reindex_rebuilds_everything(app, shop, runner):
    add(shop["hoa"], "Cà phê Đà Lạt")
    add(shop["lan"], "Khay mây tre", category="may-tre-dan")
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "2 products indexed" in result.output
    assert found("ca phe") == ["Cà phê Đà Lạt"]
