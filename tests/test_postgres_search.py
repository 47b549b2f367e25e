"""The PostgreSQL search engine (SEARCH_BACKEND=postgres).

Runs only when the test database is PostgreSQL (MARKET_TEST_DATABASE_URL=postgresql://...).

Two halves:
- the index follows the database in the product's own transaction: real sellers and
  products built through the services, checked right after each commit (and from another
  connection, as another web machine would), and never after a rollback;
- the engine answers like the Whoosh engine: the Whoosh engine's hand-made catalogue and
  expectations (tests/search_documents.py) run against PostgreSQL, on product rows carrying
  the documents' ids. (tests/test_search_engines.py holds both engines to the same hits.)
"""
import dataclasses
import threading
from datetime import datetime, timedelta, timezone
from importlib import util as importlib_util
from pathlib import Path

import pytest
from sqlalchemy import event, func, insert, select, text, update
from sqlalchemy.orm import Session

from market.catalog import services as catalog
from market.catalog.models import Category, Product, ProductStatus
from market.extensions import db
from market.search import services, sync
from market.search.backend import PRICE_BANDS, SearchRequest, SearchResult, get_backend
from market.search.documents import all_documents
from market.search.models import SearchQueueEntry
from market.search.postgres import derived, writer
from market.search.postgres.backend import PostgresBackend
from market.search.postgres.facets import price_bands_agree
from market.search.postgres.text import tsquery_all, tsvector_literal
from market.search.postgres.writer import LOCK_KEY
from market.sellers import services as sellers
from market.sellers.models import Seller
from market.text import fold
from tests import search_documents as cases
from tests.builders import (
    approved_seller,
    category_id,
    enrol_in_program,
    fresh,
    make_program,
    pdf,
    photo,
    product_data,
)
from tests.builders import make_product as listed_product

# These tests drive the engine with hand-made documents (products that are not listed,
# writes past the sync hooks): the check after each test that the index matches the
# listed products does not apply to them.
pytestmark = [pytest.mark.postgres, pytest.mark.index_left_out_of_step]


@pytest.fixture(autouse=True)
def backend(app) -> PostgresBackend:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the PostgreSQL engine needs MARKET_TEST_DATABASE_URL=postgresql://...")
    app.config["SEARCH_BACKEND"] = "postgres"
    app.extensions.pop("search_backend", None)
    engine = get_backend()
    assert isinstance(engine, PostgresBackend) and engine.transactional
    yield engine
    app.extensions.pop("search_backend", None)


def search(text="", **kwargs) -> SearchResult:
    kwargs.setdefault("per_page", 100)
    return get_backend().search(SearchRequest(text=text, **kwargs))


def index_rows() -> dict[int, dict]:
    """product_search as another connection (another web machine) sees it now."""
    with db.engine.connect() as connection:
        rows = connection.execute(text("SELECT * FROM product_search ORDER BY product_id")).mappings()
        return {row["product_id"]: dict(row) for row in rows}


# =====================================================================================
# The index follows the database, in the same transaction
# =====================================================================================


@pytest.fixture
def staff(make_user):
    return make_user("staff@example.vn", role="staff")


@pytest.fixture
def shop(app, make_user, staff):
    catalog.seed_categories()
    hoa, hoa_seller = approved_seller(staff, "hoa@example.vn", name="HTX Nông sản Bảo Lộc")
    lan, lan_seller = approved_seller(staff, "lan@example.vn", name="HTX Mây tre Phú Nghĩa",
                                      province="Hà Nội")
    return {"staff": staff, "hoa": hoa, "lan": lan, "hoa_seller": hoa_seller, "lan_seller": lan_seller}


def make_product(member, description="", **changes):
    """A product on sale (with a photo), with no description unless given."""
    return listed_product(member, description=description, **changes)


def names_found(text="", **filters) -> list[str]:
    """Through the storefront's service (hits of products no longer visible are dropped)."""
    result, products = services.search_products(SearchRequest(text=text, per_page=100, **filters))
    return [products[hit.product_id].name for hit in result.hits]


def test_a_new_product_is_in_the_index_when_its_commit_returns(shop):
    product = make_product(shop["hoa"], name="Mật ong hoa cà phê", description="Ong nuôi dưới tán cà phê Cầu Đất.")
    draft = make_product(shop["hoa"], name="Mật ong bản nháp", publish=False)
    rows = index_rows()
    assert set(rows) == {product.id}  # drafts are never indexed
    row = rows[product.id]
    assert row["name"] == "Mật ong hoa cà phê" and row["name_folded"] == "mat ong hoa ca phe"
    assert row["province_code"] == "68" and row["in_stock"] is True and row["price_vnd"] == 150_000
    assert row["category_ids"] == [category_id("mat-ong"), category_id("dac-san")]
    assert "'mat':1A" in row["search_vector"] and "'cau':" in row["search_vector"]
    assert names_found("mat ong") == ["Mật ong hoa cà phê"]
    assert names_found("cau dat") == ["Mật ong hoa cà phê"]  # description
    assert names_found("bao loc") == ["Mật ong hoa cà phê"]  # the seller's name
    assert draft.id not in {hit.product_id for hit in search("ban nhap").hits}


def test_an_edited_name_is_searchable_at_once_and_the_old_one_is_gone(shop):
    product = make_product(shop["hoa"], name="Cà phê Robusta")
    data = catalog.ProductData(name="Cà phê Culi Cầu Đất", category_id=category_id("ca-phe"), price_vnd=120_000,
                               stock=3, unit="bag", description="Hạt culi rang mộc")
    catalog.update_product(shop["hoa"], product.id, data)
    assert index_rows()[product.id]["name"] == "Cà phê Culi Cầu Đất"
    assert names_found("culi") == ["Cà phê Culi Cầu Đất"]
    assert search("robusta").total == 0
    assert search(category_id=category_id("ca-phe")).total == 1
    assert search(category_id=category_id("mat-ong")).total == 0


def test_hidden_blocked_and_published_again(shop):
    product = make_product(shop["hoa"], name="Trà shan tuyết cổ thụ", category="tra")
    catalog.change_product_status(shop["hoa"], product.id, "hide")
    assert product.id not in index_rows() and search("tra shan tuyet").total == 0
    catalog.change_product_status(shop["hoa"], product.id, "publish")
    assert product.id in index_rows() and names_found("tra shan tuyet") == ["Trà shan tuyết cổ thụ"]
    catalog.moderate_product(shop["staff"], product.id, "block", "Ảnh không đúng sản phẩm")
    assert product.id not in index_rows() and search("tra").total == 0
    catalog.moderate_product(shop["staff"], product.id, "unblock")  # unblocked products come back hidden
    assert product.id not in index_rows()


def test_a_suspended_seller_leaves_the_index_and_comes_back_when_reinstated(shop):
    honey = make_product(shop["hoa"], name="Mật ong rừng")
    tea = make_product(shop["hoa"], name="Trà hoa vàng", category="tra")
    tray = make_product(shop["lan"], name="Khay mây tre đan", category="may-tre-dan")
    sellers.decide(shop["staff"], shop["hoa_seller"].id, "suspend", "Kiểm tra hồ sơ")
    assert set(index_rows()) == {tray.id}
    assert search().total == 1 and search("mat ong").total == 0
    sellers.decide(shop["staff"], shop["hoa_seller"].id, "reinstate")
    assert set(index_rows()) == {honey.id, tea.id, tray.id}
    assert names_found("mat ong") == ["Mật ong rừng"]


def test_stock_going_to_zero_and_a_new_price(shop):
    product = make_product(shop["hoa"], name="Nước mắm Phan Thiết", category="nuoc-mam", stock=2, price_vnd=90_000)
    assert search("nuoc mam", in_stock_only=True).total == 1
    catalog.set_stock_and_price(shop["hoa"], product.id, 0, 350_000, seen_stock=2)  # a conditional UPDATE
    row = index_rows()[product.id]
    assert row["in_stock"] is False and row["price_vnd"] == 350_000
    assert search("nuoc mam", in_stock_only=True).total == 0
    result = search("nuoc mam")
    assert result.total == 1 and result.facets["in_stock"] == {"true": 0}
    assert result.facets["price"] == {"300000-1000000": 1}


def test_programs_badges_and_verified_ocop_stars(shop):
    product = catalog.create_product(
        shop["hoa"], product_data(name="Mật ong hoa nhãn", ocop_stars=4), photos=[photo()],
        ocop_certificate=pdf(), publish=True)
    other = make_product(shop["lan"], name="Mật ong bạc hà", category="mat-ong")
    assert search(ocop_stars=4).total == 0  # claimed, not verified yet
    catalog.decide_ocop(shop["staff"], product.id, True)
    assert [hit.product_id for hit in search(ocop_stars=4).hits] == [product.id]
    program = make_program(shop["staff"], badge_vi="Phụ nữ khởi nghiệp")
    enrol_in_program(shop["staff"], shop["hoa"], program)
    assert index_rows()[product.id]["program_ids"] == [program.id]
    result = search("mat ong")
    assert result.facets["program"] == {str(program.id): 1} and result.facets["ocop"] == {"4": 1}
    assert [hit.product_id for hit in search("phu nu khoi nghiep").hits] == [product.id]  # the badge
    assert [hit.product_id for hit in search(program_id=program.id).hits] == [product.id]
    assert other.id in {hit.product_id for hit in search("mat ong").hits}


def test_a_deleted_product_leaves_the_index(shop):
    product = make_product(shop["hoa"], name="Mứt gừng dẻo", category="banh-mut-keo")
    catalog.change_product_status(shop["hoa"], product.id, "hide")
    catalog.change_product_status(shop["hoa"], product.id, "publish")
    catalog.delete_product(shop["hoa"], product.id)
    assert index_rows() == {} and search("mut gung").total == 0


def test_deleting_a_product_row_cascades_to_its_index_row(shop):
    product = make_product(shop["hoa"], name="Mứt gừng dẻo", category="banh-mut-keo")
    with db.engine.begin() as connection:  # not through the services: the foreign key alone
        connection.execute(text("DELETE FROM product_images WHERE product_id = :id"), {"id": product.id})
        connection.execute(text("DELETE FROM products WHERE id = :id"), {"id": product.id})
    assert index_rows() == {}


def test_a_rolled_back_change_never_reaches_the_index(shop):
    product = make_product(shop["hoa"], name="Bánh pía Sóc Trăng", category="banh-mut-keo")
    row_before = index_rows()[product.id]

    db.session.get(Product, product.id).name = "Bánh pía sầu riêng"
    db.session.flush()
    db.session.rollback()
    assert index_rows()[product.id] == row_before

    # The index row is written inside the transaction; when the commit then fails, it goes too.
    seen_inside = {}

    def fail_after_the_index_write(session):
        seen_inside["here"] = session.connection().execute(  # what this very transaction sees
            text("SELECT name FROM product_search WHERE product_id = :id"), {"id": product.id}).scalar()
        seen_inside["elsewhere"] = index_rows()[product.id]["name"]
        raise RuntimeError("the disk is full")

    event.listen(db.session, "before_commit", fail_after_the_index_write)  # runs after the index sync
    try:
        data = catalog.ProductData(name="Bánh pía sầu riêng", category_id=category_id("banh-mut-keo"),
                                   price_vnd=80_000, stock=5, unit="box")
        with pytest.raises(RuntimeError):
            catalog.update_product(shop["hoa"], product.id, data)
    finally:
        event.remove(db.session, "before_commit", fail_after_the_index_write)
    assert seen_inside == {"here": "Bánh pía sầu riêng", "elsewhere": "Bánh pía Sóc Trăng"}
    assert index_rows()[product.id] == row_before
    assert names_found("banh pia soc trang") == ["Bánh pía Sóc Trăng"]
    assert search("sau rieng").total == 0
    assert fresh(product.id).name == "Bánh pía Sóc Trăng"


def test_other_connections_see_the_change_only_after_the_commit(shop):
    product = make_product(shop["hoa"], name="Gạo ST25 Sóc Trăng", category="gao")
    db.session.execute(update(Product).where(Product.id == product.id).values(stock=0))
    from market.core.changes import note_changed

    note_changed(Product, product.id)
    seen = {}
    original = get_backend().apply_in_transaction

    def spy(session, documents, removed_ids):
        original(session, documents, removed_ids)
        seen["others"] = index_rows()[product.id]["in_stock"]  # written, not committed yet

    get_backend().apply_in_transaction = spy
    try:
        db.session.commit()
    finally:
        del get_backend().apply_in_transaction
    assert seen == {"others": True}
    assert index_rows()[product.id]["in_stock"] is False


def test_facet_counts_equal_a_direct_sql_count(shop):
    for number, (price, stock) in enumerate([(45_000, 3), (150_000, 0), (250_000, 7), (950_000, 1), (1_500_000, 2)]):
        make_product(shop["hoa"], name=f"Mật ong số {number}", price_vnd=price, stock=stock)
    make_product(shop["hoa"], name="Cà phê Cầu Đất", category="ca-phe", price_vnd=180_000)
    make_product(shop["lan"], name="Khay mây tre", category="may-tre-dan", price_vnd=450_000, stock=0)
    make_product(shop["lan"], name="Giỏ mây", category="may-tre-dan", publish=False)

    visible = (select(Product).join(Seller, Seller.id == Product.seller_id)
               .where(Product.status == ProductStatus.ACTIVE, Seller.status == "approved").subquery())

    def sql_counts(column, joined=visible) -> dict[str, int]:
        rows = db.session.execute(select(column, func.count()).select_from(joined).group_by(column))
        return {str(value): n for value, n in rows if value is not None}

    expected_categories = sql_counts(visible.c.category_id)
    with_parent = visible.join(Category, Category.id == visible.c.category_id)
    for value, n in sql_counts(Category.parent_id, with_parent).items():  # a parent counts its children
        expected_categories[value] = expected_categories.get(value, 0) + n
    expected_price = {}
    for key, low, high in PRICE_BANDS:
        condition = visible.c.price_vnd >= low
        if high is not None:
            condition &= visible.c.price_vnd < high
        if n := db.session.scalar(select(func.count()).select_from(visible).where(condition)):
            expected_price[key] = n

    result = search()
    assert result.total == db.session.scalar(select(func.count()).select_from(visible)) == 7
    assert result.facets["province"] == sql_counts(visible.c.origin_province_code) == {"68": 6, "01": 1}
    assert result.facets["category"] == expected_categories
    assert result.facets["price"] == expected_price
    assert result.facets["in_stock"] == {"true": db.session.scalar(
        select(func.count()).select_from(visible).where(visible.c.stock > 0))}
    # Under a query and a filter: counted over what matches both.
    honey = search("mat ong", price_band="100000-300000")
    assert honey.total == 2 and honey.facets["in_stock"] == {"true": 1}
    assert honey.facets["category"] == {str(category_id("mat-ong")): 2, str(category_id("dac-san")): 2}


def test_names_rank_above_descriptions_with_real_products(shop):
    make_product(shop["hoa"], name="Bánh quy bơ", category="banh-mut-keo",
                 description="Nướng với mật ong: mật ong rừng, mật ong hoa nhãn, thêm mật ong cho ngọt.")
    make_product(shop["hoa"], name="Mật ong hoa nhãn", category="banh-mut-keo", description="Hũ 500 ml.")
    make_product(shop["hoa"], name="Trà gừng", category="tra", description="Pha với một thìa mật ong.")
    result = search("mat ong")
    assert [h.name.parts[0][0] for h in result.hits][0] == "Mật"
    assert names_found("mat ong")[0] == "Mật ong hoa nhãn"
    assert result.hits[0].score > result.hits[1].score
    assert result.total == 3


REAL_FOLDING = [
    ("ao dai", "Áo dài lụa Hà Đông"),
    ("ÁO DÀI", "Áo dài lụa Hà Đông"),
    ("da lat", "Dâu tây Đà Lạt"),
    ("ĐÀ LẠT", "Dâu tây Đà Lạt"),
    ("nuoc mam", "Nước mắm Phú Quốc"),
    ("mat ong", "Mật ong rừng U Minh"),
    ("tra shan tuyet", "Trà shan tuyết cổ thụ"),
]


def test_folding_with_real_products(shop, subtests):
    for product_name, category in [("Áo dài lụa Hà Đông", "ao-dai"), ("Dâu tây Đà Lạt", "hat-trai-cay-say"),
                                   ("Nước mắm Phú Quốc", "nuoc-mam"), ("Mật ong rừng U Minh", "mat-ong"),
                                   ("Trà shan tuyết cổ thụ", "tra")]:
        make_product(shop["hoa"], name=product_name, category=category)
    for query, name in REAL_FOLDING:
        with subtests.test(query=query):
            assert names_found(query) == [name]


def test_typo_and_suggest_with_real_products(shop):
    make_product(shop["hoa"], name="Mật ong rừng U Minh")
    make_product(shop["hoa"], name="Cà phê Arabica Cầu Đất", category="ca-phe")
    result = search("mat ongg")
    assert [h.name.parts[:3] for h in result.hits] == [(("Mật", True), (" ", False), ("ong", True))]
    assert result.suggestion == "mật ong"
    assert services.suggest("ca ph") == ["Cà phê Arabica Cầu Đất"]
    assert services.suggest("arabi") == ["Cà phê Arabica Cầu Đất"]
    assert services.suggest("mat ongg") == ["Mật ong rừng U Minh"]  # a typo: trigram similarity


# -- the other ways in: update(), the queue, rebuild ----------------------------------------------


def test_update_and_drain_write_outside_the_product_transaction(shop):
    product = make_product(shop["hoa"], name="Nem chua Thanh Hóa", category="thit-ca-kho")
    with db.engine.begin() as connection:
        connection.execute(text("DELETE FROM product_search"))
    assert search("nem chua").total == 0
    assert sync.write_to_index({product.id}) is True  # a write of its own transaction (drains, repairs)
    assert names_found("nem chua") == ["Nem chua Thanh Hóa"]
    db.session.add(SearchQueueEntry(product_id=987654, attempts=1))  # a product that no longer exists
    db.session.commit()
    assert sync.drain_queue() == 1
    assert db.session.scalar(select(func.count()).select_from(SearchQueueEntry)) == 0


def test_reindex_rebuilds_the_table_from_the_database(shop, runner):
    keep = make_product(shop["hoa"], name="Chè Thái Nguyên", category="tra")
    stale = make_product(shop["hoa"], name="Chè búp", category="tra")
    with db.engine.begin() as connection:  # an index that drifted: a wrong name, a row too many
        connection.execute(text("UPDATE product_search SET name = 'sai', search_vector = 'sai'"
                                " WHERE product_id = :id"), {"id": keep.id})
        connection.execute(update(Product).where(Product.id == stale.id).values(status="hidden"))
    assert search("che").total == 1 and search("sai").total == 1
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "1 products indexed" in result.output
    assert set(index_rows()) == {keep.id}
    assert names_found("che thai nguyen") == ["Chè Thái Nguyên"] and search("sai").total == 0


def test_readers_see_the_old_index_during_a_rebuild_and_writes_are_not_lost(shop):
    products = [make_product(shop["hoa"], name=f"Xà phòng thảo mộc {n}", category="xa-phong-tinh-dau")
                for n in range(4)]
    first, last = products[0], products[-1]
    seen_during = []

    def batches():
        with Session(db.engine) as reader:
            for number, batch in enumerate(all_documents(reader, batch_size=1)):
                yield batch
                # another web machine searches while the rebuild runs: the old rows
                seen_during.append(len(index_rows()))
                if number == 1:
                    # a seller edits a product the rebuild has already read, and one it has not
                    for product, new_name in ((first, "Xà phòng quế"), (last, "Xà phòng sả chanh")):
                        data = catalog.ProductData(name=new_name, category_id=category_id("xa-phong-tinh-dau"),
                                                   price_vnd=60_000, stock=9, unit="piece")
                        catalog.update_product(shop["hoa"], product.id, data)  # does not wait for the rebuild
                    seen_during.append(db.session.scalar(select(func.count()).select_from(SearchQueueEntry)))

    assert get_backend().rebuild(batches()) == 4
    assert seen_during == [4, 4, 2, 4, 4]  # two queued writes while the rebuild held the lock
    assert db.session.scalar(select(func.count()).select_from(SearchQueueEntry)) == 0
    assert names_found("xa phong que") == ["Xà phòng quế"]
    assert names_found("xa phong sa chanh") == ["Xà phòng sả chanh"]
    assert search("xa phong").total == 4


def test_a_write_during_a_rebuild_is_queued_then_drained_by_the_next_write(shop):
    product = make_product(shop["hoa"], name="Muối ớt Tây Ninh", category="gia-vi")
    holder = db.engine.connect()  # another machine's rebuild holds the lock
    try:
        holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": LOCK_KEY})
        catalog.set_stock_and_price(shop["hoa"], product.id, 0, 40_000, seen_stock=20)
        assert db.session.scalar(select(SearchQueueEntry.product_id)) == product.id
        assert index_rows()[product.id]["in_stock"] is True
    finally:
        holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
        holder.close()
    make_product(shop["lan"], name="Khay mây", category="may-tre-dan")  # any later write drains the queue
    assert index_rows()[product.id]["in_stock"] is False
    assert db.session.scalar(select(func.count()).select_from(SearchQueueEntry)) == 0


def test_writers_in_threads_at_once(app, shop):
    products = [make_product(shop["hoa"], name=f"Bánh đa đỏ {n}", category="banh-mut-keo", stock=50)
                for n in range(4)]
    errors = []

    def worker(product_id):
        with app.app_context():
            try:
                for stock in range(49, 39, -1):
                    member = db.session.merge(shop["hoa"])
                    catalog.set_stock_and_price(member, product_id, stock, 30_000, stock + 1)
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(p.id,)) for p in products]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert {row["price_vnd"] for row in index_rows().values()} == {30_000}
    assert search("banh da do").total == 4


# =====================================================================================
# The Whoosh engine's cases, answered by PostgreSQL
# =====================================================================================

DOCS = cases.DOCS
BY_ID = cases.BY_ID
ID_OF = cases.ID_OF


def product_rows_for(docs, seller_id: int, category: int) -> None:
    """Plain product rows carrying the documents' ids (the index's foreign key wants them).
    Written with Core statements, so the sync leaves them alone: the tests index the
    documents themselves."""
    now = datetime.now(timezone.utc)
    existing = set(db.session.scalars(select(Product.id)))
    rows = [
        dict(id=doc.id, seller_id=seller_id, category_id=category, slug=f"tai-lieu-{doc.id}", name=doc.name[:150],
             description="", price_vnd=max(1, doc.price_vnd), stock=doc.stock, unit="piece", weight_grams=0,
             origin_province_code="68", ocop_status="none", status="draft", created_at=now, updated_at=now)
        for doc in docs if doc.id not in existing
    ]
    if rows:
        db.session.execute(insert(Product.__table__), rows)
    db.session.commit()


@pytest.fixture
def owner_seller(make_user, staff):
    catalog.seed_categories()
    return approved_seller(staff, "tai-lieu@example.vn")[1]


@pytest.fixture
def index_of(owner_seller, backend):
    """index_of(docs): product rows for `docs` and exactly those documents in the index."""
    category = category_id("mat-ong")

    def _index(docs):
        product_rows_for(docs, owner_seller.id, category)
        backend.rebuild([list(docs)])
        return backend

    return _index


@pytest.fixture
def catalogue(index_of):
    return index_of(DOCS)


def names(result):
    return [BY_ID[hit.product_id].name for hit in result.hits]


def ids(result):
    return [hit.product_id for hit in result.hits]


def test_the_whoosh_folding_table(catalogue, subtests):
    for query, name in cases.FOLDING:
        with subtests.test(query=query):
            assert name in names(search(query))


def test_upper_case_and_accents_give_the_same_results(catalogue):
    assert ids(search("ao dai")) == ids(search("ÁO DÀI")) == ids(search("Áo Dài"))


def test_every_word_must_match(catalogue):
    assert set(names(search("ca phe"))) == {"Cà phê Robusta Buôn Ma Thuột", "Cà phê chồn"}
    result = search("mat ong ca phe")
    assert result.total == 0 and result.hits == []
    assert names(search("my a")) == ["Vải lanh Mỹ A"]  # "a" is a word: "Kẹo lạc Mỹ Tho" has no "A"


def test_name_matches_rank_above_description_matches(index_of):
    index_of([cases.make_doc(9001, "Bánh quy bơ", description="Có mật ong."), cases.make_doc(9002, "Mật ong rừng U Minh")])
    result = search("mat ong")
    assert [hit.product_id for hit in result.hits] == [9002, 9001]
    assert result.hits[0].score > result.hits[1].score


def test_products_in_stock_rank_above_sold_out_ones(catalogue):
    """"Mật ong rừng U Minh" is sold out: the in-stock description match comes first."""
    assert not BY_ID[ID_OF["Mật ong rừng U Minh"]].in_stock
    result = search("mat ong")
    assert names(result)[:2] == ["Bánh quy bơ", "Mật ong rừng U Minh"]
    stocked = [BY_ID[hit.product_id].in_stock for hit in result.hits]
    assert stocked == sorted(stocked, reverse=True)
    assert search("mat ong", page=2, per_page=1).hits[0].product_id == ID_OF["Mật ong rừng U Minh"]


def test_words_of_seller_category_and_badges_match(catalogue):
    assert search("hoa sen").total == sum(d.seller_name == "Hợp tác xã Hoa Sen" for d in DOCS)
    assert search("thoi trang").total == sum(21 in d.category_ids for d in DOCS)
    assert search("phu nu khoi nghiep").total == sum(1 in d.program_ids for d in DOCS)


TYPOS = [
    ("mat ongg", "Mật ong rừng U Minh"),
    ("ca phee", "Cà phê Robusta Buôn Ma Thuột"),
    ("nuoc mamm", "Nước mắm Phú Quốc"),
    ("xa phongg", "Xà phòng thảo mộc"),
    ("banh piaa", "Bánh pía Sóc Trăng"),
    ("ruou cann", "Rượu cần Tây Nguyên"),
]


def test_a_typo_finds_by_fuzzy_matching(catalogue, subtests):
    for query, name in TYPOS:
        with subtests.test(query=query):
            assert name in names(search(query))


def test_last_word_is_matched_as_a_prefix_when_few_exact_hits(catalogue):
    assert "Hạt điều rang muối Bình Phước" in names(search("hat die"))


def test_short_words_are_not_fuzzy_but_did_you_mean_helps(catalogue):
    result = search("ca pha")
    assert result.total == 0 and result.suggestion == "cà phê"


def test_did_you_mean(catalogue):
    result = search("mta ong")
    assert result.total == 0 and result.suggestion == "mật ong"
    assert search("mat ong").suggestion is None
    assert search("zzqqxx").suggestion is None
    assert search("mat ongg").suggestion == "mật ong"  # fuzzy hits, and the right spelling


def test_the_hits_are_the_ones_counted_after_looking_for_corrections(catalogue):
    # "phongxy" is two edits from "phong" (a loose match, matching.max_edits) and gets it as
    # its correction; the correction's candidate search must not leave its threshold to the
    # hits query. "phongxyz", three edits away, is no typo of it.
    result = search("xa phongxy")
    assert result.total == len(result.hits) == 1 and result.suggestion == "xà phòng"
    assert search("xa phongxy", page=2, per_page=1).hits == []
    assert search("xa phongxyz").total == 0


def test_highlights(catalogue):
    hit = search("ao dai").hits[0]
    assert list(hit.name.parts) == [("Áo", True), (" ", False), ("dài", True), (" lụa Hà Đông", False)]
    assert hit.description is not None and ("áo", True) in hit.description.parts
    assert list(search("mat ongg").hits[0].name.parts[:3]) == [("Mật", True), (" ", False), ("ong", True)]


def test_description_snippet_is_a_window_around_the_first_match(index_of):
    filler = " ".join(f"chữ{i}" for i in range(100))
    index_of([cases.make_doc(1, "Khăn choàng", f"{filler} thổ cẩm <b>đẹp</b> {filler}")])
    snippet = list(search("tho cam").hits[0].description.parts)
    assert snippet[0][0].startswith("…") and snippet[-1][0].endswith("…")
    assert ("thổ", True) in snippet and ("cẩm", True) in snippet
    text_ = "".join(part for part, _ in snippet)
    assert "<b>đẹp</b>" in text_ and len(text_.split()) <= 32
    assert search("khan choang").hits[0].description is None
    assert search("").hits[0].description is None


def test_filters_and_facet_counts_equal_a_direct_count(catalogue, subtests):
    for filters in cases.FILTERS:
        with subtests.test(filters=filters):
            expected = cases.direct_matches(**filters)
            result = search(**filters)
            assert result.total == len(expected)
            assert set(ids(result)) == {d.id for d in expected}
            expected_facets = cases.direct_facets(expected)
            facets = {name: {k: n for k, n in values.items() if n} for name, values in result.facets.items()}
            expected_facets["in_stock"] = {k: n for k, n in expected_facets["in_stock"].items() if n}
            assert facets == expected_facets
            assert result.facets["in_stock"]["true"] == sum(d.in_stock for d in expected)


def test_facets_equal_a_direct_sql_count_on_the_index(catalogue):
    result = search("san pham", in_stock_only=True)
    with db.engine.connect() as connection:
        matching = ("FROM product_search WHERE in_stock AND search_vector @@ CAST(:q AS tsquery)")
        q = {"q": tsquery_all(["san", "pham"])}
        assert result.total == connection.execute(text(f"SELECT count(*) {matching}"), q).scalar()
        provinces = dict(connection.execute(text(f"SELECT province_code, count(*) {matching} GROUP BY 1"), q).all())
        categories = dict(connection.execute(
            text(f"SELECT c::text, count(*) FROM (SELECT unnest(category_ids) c {matching}) x GROUP BY 1"), q).all())
    assert result.facets["province"] == provinces and result.facets["category"] == categories


def test_a_filter_value_nobody_has_gives_nothing(catalogue):
    assert search(province_code="99").total == 0
    assert search(category_id=999).total == 0
    assert search(price_band="cheap", sort="random").total == len(DOCS)  # unknown band and sort: ignored


SORT_KEYS = {
    "price_asc": lambda d: (d.price_vnd, d.id),
    "price_desc": lambda d: (-d.price_vnd, -d.id),
    "newest": lambda d: (-d.listed_at.timestamp(), -d.id),
    "relevance": lambda d: (-d.listed_at.timestamp(), -d.id),  # no text: newest first
}


def test_sorts(catalogue, subtests):
    for sort, key in SORT_KEYS.items():
        with subtests.test(sort=sort):
            assert ids(search(sort=sort)) == [d.id for d in sorted(DOCS, key=key)]


def test_sort_with_text_pages_and_silly_paging(catalogue):
    expected = cases.direct_matches(text="hop tac")
    assert ids(search("hop tac", sort="price_asc")) == [d.id for d in sorted(expected, key=lambda d: (d.price_vnd, d.id))]
    seen, first = [], search(per_page=7)
    for page in range(1, first.pages + 1):
        seen += ids(search(page=page, per_page=7))
    assert seen == ids(search())
    result = search("hop tac", page=50, per_page=10)
    assert result.hits == [] and result.total == len(expected) and result.page == 50
    assert search(page=10**12).hits == []
    result = get_backend().search(SearchRequest(page=0, per_page=0))
    assert result.page == 1 and result.per_page == 1 and len(result.hits) == 1
    assert len(get_backend().search(SearchRequest(per_page=10**6)).hits) == min(len(DOCS), 100)


def test_update_replaces_and_removes(catalogue):
    honey, fish_sauce = ID_OF["Mật ong rừng U Minh"], ID_OF["Nước mắm Phú Quốc"]
    catalogue.update([cases.make_doc(honey, "Mật hoa dừa Trà Vinh")], [fish_sauce, 987654])
    assert search("nuoc mam").total == 0 and search("u minh").total == 0
    assert [hit.product_id for hit in search("mat hoa dua").hits] == [honey]
    assert search().total == len(DOCS) - 1 == catalogue.doc_count()
    catalogue.update([cases.make_doc(1, "Nón lá"), cases.make_doc(1, "Nón lá bài thơ")], [])
    assert [h.name.parts for h in search("non la bai tho").hits][0][0] == ("Nón", True)


def test_aware_and_naive_listing_dates(index_of):
    index_of([
        cases.make_doc(1, "Cũ", listed_at=datetime(2025, 3, 1, 12, 0)),
        cases.make_doc(2, "Mới", listed_at=datetime(2025, 3, 1, 12, 30, tzinfo=timezone.utc)),
    ])
    assert ids(search(sort="newest")) == [2, 1]


def test_an_empty_index(backend, owner_seller):
    result = search("mat ong")
    assert result.total == 0 and result.hits == [] and backend.suggest("ca") == []
    assert backend.rebuild([]) == 0


def test_suggest(catalogue):
    backend = catalogue
    suggestions = backend.suggest("ca ph")
    assert sorted(suggestions) == ["Cà phê Robusta Buôn Ma Thuột", "Cà phê chồn"]  # one name per two sellers
    assert backend.suggest("CÀ PH") == suggestions
    assert backend.suggest("mat o") == ["Mật ong rừng U Minh"]
    assert backend.suggest("bánh") and all(
        fold(n).startswith("banh") or " banh" in fold(n) for n in backend.suggest("bánh"))
    assert backend.suggest("ca ph", limit=1) == suggestions[:1]
    assert backend.suggest("") == [] and backend.suggest("   ") == []
    assert backend.suggest("dua")[0].startswith("Dừa")
    assert backend.suggest("ca phe ") == suggestions  # a finished word is not a prefix


HOSTILE = [*cases.HOSTILE, "mat' OR '1'='1", "ong'); DELETE FROM product_search; --", "!!ong", "ong:*",
           "ong <-> mat", "ong & | !", "\\x00", "mat\x00\x00\x00", "\ud800", "\U0010ffff", "a" * 64, "a" * 65,
           " ".join(f"w{i}" for i in range(500))]


def test_hostile_queries_answer_a_normal_page(catalogue, subtests, caplog):
    for query in HOSTILE:
        with subtests.test(query=query[:30]):
            for sort in ("relevance", "price_desc", "newest"):
                for category in (10, None):
                    result = catalogue.search(SearchRequest(text=query, sort=sort, category_id=category))
                    assert isinstance(result, SearchResult)
                    assert isinstance(result.hits, list) and result.total >= len(result.hits)
            assert isinstance(catalogue.suggest(query), list)
            assert "failed" not in caplog.text  # answered, not an error swallowed
    assert catalogue.doc_count() == len(DOCS)
    assert db.session.scalar(select(func.count()).select_from(Product)) == len(DOCS)


def test_query_syntax_is_just_text(catalogue):
    honey = "Mật ong rừng U Minh"
    for query in ('"mật ong"', "mat* ong?", "((mat ong", "mật ong 🍯", "mat\x00ong", "+mat -ong", "mat & ong",
                  "mat | !ong", "mat:* <-> ong", "'mat' & 'ong'", "mat' -- ong;"):
        assert honey in names(search(query)), query


def test_hostile_filter_values(catalogue, caplog):
    result = catalogue.search(SearchRequest(province_code="'; DROP TABLE x; --", price_band="\x00",
                                            sort="'; --", page="x", per_page=None))
    assert result.total == 0 and result.page == 1
    for request in (SearchRequest(province_code="6\x008"), SearchRequest(category_id="1 OR 1=1"),
                    SearchRequest(category_id=2**40), SearchRequest(ocop_stars="\ud800"),
                    SearchRequest(program_id=True)):
        assert catalogue.search(request).total == 0, request
    assert catalogue.search(SearchRequest(text="\ud800 mat ong")).total == search("mat ong").total > 0
    assert search(category_id="10").total == search(category_id=10).total > 0
    assert "failed" not in caplog.text


def test_rebuild_swaps_everything_at_once(catalogue):
    told = []
    assert catalogue.rebuild([DOCS[:10], DOCS[10:20]], progress=told.append) == 20
    assert told == [10, 10] and search().total == 20 == catalogue.doc_count()
    assert catalogue.rebuild(iter([DOCS])) == len(DOCS) and search().total == len(DOCS)


def test_a_failed_rebuild_leaves_the_index_alone(catalogue):
    def broken():
        yield DOCS[:5]
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        catalogue.rebuild(broken())
    assert search().total == len(DOCS)
    catalogue.update([cases.make_doc(1, "Vẫn ghi được")], [])
    assert search("van ghi duoc").total == 1


# -- small pieces ------------------------------------------------------------------------------


def test_tsquery_text():
    assert tsquery_all(["mat", "on"], prefix_last=True) == "'mat' & 'on':*"
    with pytest.raises(ValueError):
        tsquery_all(["it's"])


def test_tsvector_weights_name_words_a_and_the_rest_b():
    assert tsvector_literal(["mat", "ong"], ["ong", "rung"]) == "'mat':1A 'ong':2A,4B 'rung':5B"
    long_text = tsvector_literal(["a"], ["b"] * 20_000)
    assert long_text.count(",") == 255  # PostgreSQL keeps 256 positions of a word


def test_the_table_also_exists_outside_postgresql_for_migrations():
    from market.search.pg_models import ProductSearch

    assert ProductSearch.__table__ in db.metadata.sorted_tables
    assert writer.COLUMNS == tuple(c.name for c in ProductSearch.__table__.columns)
    fk = next(iter(ProductSearch.__table__.foreign_keys))
    assert fk.column.table.name == "products" and fk.ondelete == "CASCADE"


def test_listed_at_keeps_its_order_across_days(index_of):
    base = datetime(2025, 1, 1, tzinfo=timezone.utc)
    docs = [dataclasses.replace(cases.make_doc(i, f"Sản phẩm {i}"), listed_at=base + timedelta(days=i))
            for i in range(1, 6)]
    index_of(docs)
    assert ids(search("san pham", sort="newest")) == [5, 4, 3, 2, 1]


# =====================================================================================
# The derived tables (migration 0008): match rows, combinations, counts, name words
# =====================================================================================

DERIVED = ("product_search_match", "product_search_counts", "product_search_words", "product_search_combinations")


def derived_out_of_step() -> list[str]:
    """What the derived tables get wrong about product_search now (empty: all in step)."""
    problems = []
    with db.engine.connect() as connection:
        def rows(statement):
            return connection.execute(text(statement)).all()

        expected = rows(
            "SELECT product_id, listed_at, price_vnd, ocop_stars, in_stock, province_code, category_ids, program_ids,"
            " name_folded, ts_filter(search_vector, '{a}')::text, strip(search_vector)::text FROM product_search"
            " ORDER BY product_id")
        found = rows(
            "SELECT product_id, listed_at, price_vnd, ocop_stars, in_stock, province_code, category_ids, program_ids,"
            " name_folded, name_vector::text, terms::text FROM product_search_match ORDER BY product_id")
        if found != expected:
            problems.append(f"match rows: {found} != {expected}")
        wrong = rows(
            "SELECT m.product_id FROM product_search_match m LEFT JOIN product_search_combinations c"
            " ON c.id = m.combination_id WHERE c.id IS NULL OR (c.category_ids, c.program_ids, c.province_code,"
            " c.ocop_stars, c.in_stock, c.price_band) IS DISTINCT FROM"
            f" ({', '.join(derived.combination_of('m'))})")
        if wrong:
            problems.append(f"combination numbers of {wrong}")
        counted = rows(
            "SELECT category_ids, program_ids, province_code, ocop_stars, in_stock, price_band, sum(n)"
            " FROM product_search_counts GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(n) <> 0 ORDER BY 1, 2, 3, 4, 5, 6")
        direct = rows(
            f"SELECT {', '.join(derived.combination_of('ps'))}, count(*) FROM product_search ps"
            " GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6")
        if counted != direct:
            problems.append(f"counts: {counted} != {direct}")
        missing = rows(
            "SELECT DISTINCT w FROM product_search_match, unnest(tsvector_to_array(name_vector)) AS w"
            " EXCEPT SELECT word FROM product_search_words")
        if missing:
            problems.append(f"name words missing: {missing}")
    return problems


def test_the_derived_tables_follow_every_write_of_the_engine(shop):
    honey = make_product(shop["hoa"], name="Mật ong hoa nhãn", price_vnd=90_000, stock=3)
    tea = make_product(shop["lan"], name="Trà shan tuyết", category="tra", price_vnd=250_000)
    assert derived_out_of_step() == []
    catalog.set_stock_and_price(shop["hoa"], honey.id, 0, 1_200_000, seen_stock=3)  # another stock and band
    assert derived_out_of_step() == []
    data = catalog.ProductData(name="Trà hoa vàng Ba Chẽ", category_id=category_id("tra"), price_vnd=250_000,
                               stock=3, unit="bag", description="Búp non, sao tay")
    catalog.update_product(shop["lan"], tea.id, data)  # a new name: new words
    assert derived_out_of_step() == []
    assert {"vang", "che"} <= set(db.session.scalars(text("SELECT word FROM product_search_words")))
    program = make_program(shop["staff"], badge_vi="Phụ nữ khởi nghiệp")
    enrol_in_program(shop["staff"], shop["hoa"], program)
    assert derived_out_of_step() == []
    sellers.decide(shop["staff"], shop["hoa_seller"].id, "suspend", "Kiểm tra hồ sơ")
    assert derived_out_of_step() == [] and search().total == 1
    sellers.decide(shop["staff"], shop["hoa_seller"].id, "reinstate")
    catalog.change_product_status(shop["lan"], tea.id, "hide")
    assert derived_out_of_step() == []
    result = search()
    assert result.total == 1 and result.facets["price"] == {"1000000-": 1} and result.facets["in_stock"] == {"true": 0}
    assert result.facets["program"] == {str(program.id): 1}


def test_cascades_and_hand_made_writes_reach_the_derived_tables(shop):
    products = [make_product(shop["hoa"], name=f"Bánh pía số {n}", category="banh-mut-keo", price_vnd=50_000 * n)
                for n in range(1, 5)]
    with db.engine.begin() as connection:  # not through the engine: the triggers alone
        connection.execute(text("DELETE FROM product_images WHERE product_id = :id"), {"id": products[0].id})
        connection.execute(text("DELETE FROM products WHERE id = :id"), {"id": products[0].id})  # cascades
        connection.execute(text("UPDATE product_search SET price_vnd = 2000000, in_stock = false"
                                " WHERE product_id = :id"), {"id": products[1].id})
    assert derived_out_of_step() == []
    result = search("banh pia")
    assert result.total == search().total == 3
    assert result.facets["price"] == {"100000-300000": 2, "1000000-": 1} == search().facets["price"]
    with db.engine.begin() as connection:
        connection.execute(text("TRUNCATE product_search"))
    assert derived_out_of_step() == [] and search().total == 0 and search("banh").total == 0


def test_emptying_the_tables_in_the_test_suite_s_order_empties_the_derived_tables(shop):
    make_product(shop["hoa"], name="Mật ong rừng")
    for table in reversed(db.metadata.sorted_tables):  # as tests/conftest.py does after each test
        db.session.execute(table.delete())
    db.session.commit()
    for table in DERIVED:
        assert db.session.scalar(text(f"SELECT count(*) FROM {table}")) == 0, table


def test_writers_of_one_combination_neither_wait_nor_lose_counts(shop):
    first, second = (make_product(shop["hoa"], name=f"Mật ong số {n}", price_vnd=90_000) for n in range(2))
    one, two = db.engine.connect(), db.engine.connect()
    try:
        one.begin()
        one.execute(text("UPDATE product_search SET price_vnd = 150000 WHERE product_id = :id"), {"id": first.id})
        two.begin()
        two.execute(text("SET LOCAL lock_timeout = '2s'"))
        # The same combination, before and after, in a transaction that would have to wait
        # for the first if counts were updated in place: it does not (SKIP LOCKED).
        two.execute(text("UPDATE product_search SET price_vnd = 150000 WHERE product_id = :id"), {"id": second.id})
        two.commit()
        one.commit()
    finally:
        one.close()
        two.close()
    assert derived_out_of_step() == []
    assert search().facets["price"] == {"100000-300000": 2}
    rows_before = db.session.scalar(text("SELECT count(*) FROM product_search_counts"))
    catalog.set_stock_and_price(shop["hoa"], first.id, 5, 160_000, seen_stock=20)  # merges what it finds
    assert db.session.scalar(text("SELECT count(*) FROM product_search_counts")) <= rows_before
    assert derived_out_of_step() == []


def test_the_triggers_and_the_rebuild_compute_the_match_rows_alike():
    path = Path(__file__).resolve().parent.parent / "migrations" / "versions" / "0008_search_speed.py"
    spec = importlib_util.spec_from_file_location("migration_0008", path)
    migration = importlib_util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert migration._to_match("new_rows") == derived.to_match("new_rows")
    assert migration.combination_of("r") == derived.combination_of("r")
    assert migration.MATCH_COLUMNS == derived.MATCH_COLUMNS


def test_the_database_s_price_bands_are_the_code_s(backend):
    with db.engine.connect() as connection:
        for position, (_key, low, high) in enumerate(PRICE_BANDS):
            for price in (low, low + 1, (high or 2**31) - 1):
                assert connection.execute(text("SELECT product_search_price_band(:p)"), {"p": price}).scalar() == position
        assert connection.execute(text("SELECT product_search_price_band(-5)")).scalar() == -1
    assert price_bands_agree(db.session.connection()) is True


def test_facets_counted_without_the_counts_tables_are_the_same(catalogue, subtests):
    requests = [*cases.FILTERS, {"text": "mat ongg"}, {"text": "banh pia", "in_stock_only": True}]
    answers = [search(**filters) for filters in requests]
    catalogue._bands_agree = False  # as when product_search_price_band and PRICE_BANDS disagree
    for filters, answer in zip(requests, answers):
        with subtests.test(filters=filters):
            again = search(**filters)
            assert (again.total, again.facets, ids(again)) == (answer.total, answer.facets, ids(answer))


def test_a_rebuild_repairs_the_derived_tables(catalogue):
    with db.engine.begin() as connection:  # drift (not something the triggers let happen)
        connection.execute(text("ALTER TABLE product_search_match DISABLE TRIGGER USER"))
        connection.execute(text("DELETE FROM product_search_match WHERE product_id IN"
                                " (SELECT product_id FROM product_search_match ORDER BY product_id LIMIT 3)"))
        connection.execute(text("UPDATE product_search_match SET terms = '' WHERE product_id IN"
                                " (SELECT product_id FROM product_search_match ORDER BY product_id DESC LIMIT 3)"))
        connection.execute(text("ALTER TABLE product_search_match ENABLE TRIGGER USER"))
        connection.execute(text("INSERT INTO product_search_counts (category_ids, program_ids, province_code,"
                                " ocop_stars, in_stock, price_band, n) VALUES ('{1}', '{}', '01', 0, true, 0, 7)"))
        connection.execute(text("DELETE FROM product_search_words"))
    assert derived_out_of_step() != []
    catalogue.rebuild([DOCS])
    assert derived_out_of_step() == []
    assert search().total == len(DOCS) and search("mat ong").total == len(cases.direct_matches("mat ong"))


def test_a_search_leaves_no_settings_behind(catalogue):
    def settings_now():
        return db.session.execute(text(
            "SELECT current_setting('enable_seqscan'), current_setting('jit'),"
            " current_setting('pg_trgm.word_similarity_threshold', true)")).one()

    before = settings_now()
    for text_ in ("mat ong", "mat ongg", "zzqqxx", "ca pha", ""):
        search(text_)
        get_backend().suggest(text_ or "ca")
        assert settings_now() == before, text_


def test_name_matches_come_first_then_the_others_page_by_page(index_of):
    docs = [
        cases.make_doc(1, "Mật ong rừng", "Hũ thủy tinh."),
        cases.make_doc(2, "Bánh mật ong", "Bánh nướng."),
        cases.make_doc(3, "Mật ong hoa nhãn", "Hoa nhãn Hưng Yên."),
        cases.make_doc(4, "Trà gừng", "Pha với mật ong."),
        cases.make_doc(5, "Bánh quy", "Mật ong, mật ong rừng, thêm mật ong."),
        cases.make_doc(6, "Sữa chua", "Ăn kèm mật ong hoặc mứt."),
        cases.make_doc(7, "Ong mật nuôi", "Sáp."),  # both words in the name, not side by side
    ]
    index_of(docs)
    result = search("mat ong")
    order = ids(result)
    assert set(order[:4]) == {1, 2, 3, 7} and set(order[4:]) == {4, 5, 6}
    assert order[:2] in ([1, 3], [3, 1])  # the name starts with the words
    assert order[2:4] == [2, 7]  # side by side, then apart
    assert order[4] == 5  # of the others, the most mentions first
    assert all(hit.score >= 1 for hit in result.hits[:4]) and all(hit.score < 1 for hit in result.hits[4:])
    for per_page in (1, 2, 3, 5):
        pages = [ids(search("mat ong", page=page, per_page=per_page)) for page in range(1, 8)]
        assert [i for page in pages for i in page] == order, per_page
    assert ids(search("mat ong", sort="price_asc")) == [d.id for d in sorted(docs, key=lambda d: (d.price_vnd, d.id))]


def test_loose_queries_sort_and_page(catalogue):
    result = search("mat ongg", sort="price_asc")
    assert result.total == len(result.hits) > 0
    assert ids(result) == sorted(ids(result), key=lambda i: (BY_ID[i].price_vnd, i))
    relevance = ids(search("mat ongg"))
    assert [i for page in range(1, len(relevance) + 1) for i in ids(search("mat ongg", page=page, per_page=1))] \
        == relevance
