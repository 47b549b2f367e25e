"""What a worker keeps between requests (issue 15) never shows a shopper stale or wrong data:
small tables kept per worker (core/kept_data.py) are dropped when this worker commits a
change to them or undoes one, product cards are kept by their values, URLs by their
arguments, and templates still speak the language of the page or of the e-mail."""
import json
import time

import pytest
from flask_babel import force_locale
from sqlalchemy import text, update

from market.accounts.models import Role
from market.catalog import category_nodes, queries
from market.catalog import services as catalog
from market.catalog.cards import Card, card_html
from market.catalog.models import Category, Product
from market.core import kept_data
from market.extensions import db
from market.programs import services as programs
from tests import builders
from tests.builders import counted_queries
from tests.conftest import post_form

EN = {"Accept-Language": "en"}


def test_a_kept_value_is_read_once_then_kept(app, categories):
    with counted_queries() as first:
        tree = category_nodes.category_tree()
    with counted_queries(kept=True) as again:
        assert category_nodes.category_tree() is tree
    assert len(first) == 1 and again == []


def test_a_change_committed_by_this_worker_drops_what_was_read_from_its_table(app, staff, categories):
    names = {node.slug: node.name_vi for node in category_nodes.category_tree()}
    top = next(node for node in category_nodes.category_tree() if node.children)
    catalog.save_category(staff, "Đặc sản vùng miền", "Regional specialities", None, category_id=top.id)
    renamed = {node.slug: node.name_vi for node in category_nodes.category_tree()}
    assert names[top.slug] != "Đặc sản vùng miền" and renamed[top.slug] == "Đặc sản vùng miền"


def test_other_tables_changing_keep_the_entry(app, staff, categories, shop):
    tree = category_nodes.category_tree()
    builders.make_product(shop.owner)  # products, photos, audit rows: no category changes
    assert category_nodes.category_tree() is tree


@pytest.mark.parametrize("how", ["bulk update", "textual SQL"])
def test_bulk_and_textual_writes_count_as_changes(app, categories, how):
    tree = category_nodes.category_tree()
    if how == "bulk update":
        db.session.execute(update(Category).where(Category.parent_id.is_(None)).values(name_vi="Đổi tên"))
    else:
        db.session.execute(text("UPDATE categories SET name_vi = 'Đổi tên' WHERE parent_id IS NULL"))
    db.session.commit()
    assert {node.name_vi for node in category_nodes.category_tree()} >= {"Đổi tên"}
    assert category_nodes.category_tree() is not tree


def test_an_entry_read_inside_a_transaction_that_is_undone_is_dropped(app, categories):
    top = category_nodes.category_tree()[0]
    db.session.execute(update(Category).where(Category.id == top.id).values(name_vi="Chưa lưu"))
    db.session.flush()
    kept_data.forget_entry(category_nodes.KEPT_NAME)
    assert category_nodes.category_by_id(top.id).name_vi == "Chưa lưu"  # read in the open transaction
    db.session.rollback()
    assert category_nodes.category_by_id(top.id).name_vi == top.name_vi


def test_entries_expire_after_kept_data_seconds(app, categories, monkeypatch):
    tree = category_nodes.category_tree()
    later = time.monotonic() + app.config["KEPT_DATA_SECONDS"] + 1
    monkeypatch.setattr(kept_data.time, "monotonic", lambda: later)
    assert category_nodes.category_tree() is not tree


def test_nothing_is_kept_when_kept_data_seconds_is_zero(app, categories, monkeypatch):
    monkeypatch.setitem(app.config, "KEPT_DATA_SECONDS", 0)
    assert category_nodes.category_tree() is not category_nodes.category_tree()


def test_a_category_another_worker_added_is_found_by_reading_again(app, staff, categories):
    category_nodes.category_tree()
    # Another worker's insert: this worker's session never sees it being made.
    with db.engine.begin() as connection:
        connection.execute(text("INSERT INTO categories (slug, name_vi, name_en, position) "
                                "VALUES ('moi-them', 'Mới thêm', 'Just added', 99)"))
    assert category_nodes.category_by_slug("moi-them").name_en == "Just added"
    assert category_nodes.category_by_slug("khong-co") is None


def test_program_badges_follow_the_staff_decision(app, staff, shop):
    program = builders.make_program(staff)
    assert programs.badges_of([shop.seller.id]) == {}
    builders.enrol_in_program(staff, shop.owner, program)
    badges = programs.badges_of([shop.seller.id])[shop.seller.id]
    assert [(badge.slug, badge.badge) for badge in badges] == [(program.slug, program.badge)]


def test_warm_storefront_pages_run_fewer_statements_than_cold_ones(client, goods):
    for url in ("/", "/c/mat-ong", f"/products/{goods.honey.slug}", f"/sellers/{goods.shop.seller.slug}"):
        client.get(url)
        with counted_queries() as cold:
            assert client.get(url).status_code == 200
        with counted_queries(kept=True) as warm:
            assert client.get(url).status_code == 200
        assert len(warm) < len(cold), url


# --- product cards ------------------------------------------------------------------------------

def test_a_card_is_rendered_once_for_the_same_values_and_again_when_they_change(app, client, goods):
    first = client.get("/c/mat-ong").get_data(as_text=True)
    assert "Mật ong hoa nhãn" in first and "150.000" in first
    kept_cards = app.extensions["product_cards"]
    size = len(kept_cards)
    assert client.get("/c/mat-ong").get_data(as_text=True) == first
    assert len(kept_cards) == size  # nothing new rendered
    catalog.set_stock_and_price(goods.shop.owner, goods.honey.id, 2, 175_000, seen_stock=10)
    changed = client.get("/c/mat-ong").get_data(as_text=True)
    assert "175.000" in changed and "150.000" not in changed
    assert "Chỉ còn 2" in changed or "Only 2 left" in changed


def test_a_card_speaks_the_language_of_the_page(client, goods):
    vietnamese = client.get("/c/mat-ong").get_data(as_text=True)
    english = client.get("/c/mat-ong", headers=EN).get_data(as_text=True)
    assert "Còn hàng" in vietnamese and "In stock" not in vietnamese
    assert "In stock" in english and "Còn hàng" not in english


def test_a_card_of_a_loaded_product_is_the_card_read_by_the_listing(app, goods):
    product = db.session.get(Product, goods.honey.id)
    listed = catalog_card(goods.honey.id)
    assert Card.of(product) == listed
    with app.test_request_context():
        assert card_html(product, {}) == card_html(listed, {})


def catalog_card(product_id: int) -> Card:
    from market.search.services import visible_cards

    return visible_cards([product_id])[product_id]


def test_a_sellers_name_in_a_card_is_escaped(client, staff, categories):
    owner, seller = builders.approved_seller(staff, "x@example.vn", name="HTX <b>Ong</b> & Hoa")
    builders.make_product(owner, name="Mật ong <script>")
    html = client.get("/c/mat-ong").get_data(as_text=True)
    assert "HTX &lt;b&gt;Ong&lt;/b&gt; &amp; Hoa" in html and "Mật ong &lt;script&gt;" in html
    assert "<script>" not in html.split("<main", 1)[1].split("</main>", 1)[0]


# --- URLs and translations in templates -------------------------------------------------------------

def test_remembered_urls_differ_by_their_arguments(app):
    template = app.jinja_env.from_string(
        "{{ url_for('catalog.category', slug=a) }}|{{ url_for('catalog.category', slug=b, page=2) }}|"
        "{{ url_for('catalog.category', slug=a) }}|{{ url_for('catalog.product', slug=a, _anchor='reviews') }}")
    with app.test_request_context("/"):
        assert template.render(a="mat-ong", b="tra") == "/c/mat-ong|/c/tra?page=2|/c/mat-ong|/products/mat-ong#reviews"
    with app.test_request_context("/", base_url="http://localhost/cho"):  # mounted under /cho
        assert template.render(a="mat-ong", b="tra").startswith("/cho/c/mat-ong|/cho/c/tra?page=2")


def test_remembered_public_urls_follow_their_arguments_and_the_base_url(app, monkeypatch):
    from market.core.urls import public_url

    with app.app_context():
        assert public_url("catalog.product", slug="mat-ong") == "http://localhost/products/mat-ong"
        assert public_url("catalog.category", slug="tra", page=2) == "http://localhost/c/tra?page=2"
        assert public_url("catalog.product", slug="mat-ong") == "http://localhost/products/mat-ong"
        assert public_url("search.results", q=["a", "b"]).endswith("/search?q=a&q=b")  # not a key: built
        monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://cho.example.vn/shop")
        assert public_url("catalog.product", slug="mat-ong") == "https://cho.example.vn/shop/products/mat-ong"


def test_a_product_pages_kept_head_follows_price_and_stock_changed_elsewhere(app, client, goods, monkeypatch):
    """The head (canonical, Open Graph, JSON-LD) is kept per worker, keyed by the product's
    price, stock state and last edit: a change another worker made (an UPDATE this worker did
    not see) shows at once all the same."""
    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 0)  # each request renders the page
    url = f"/products/{goods.honey.slug}"
    price, stock = goods.honey.price_vnd, goods.honey.stock

    def offer():
        page = client.get(url).get_data(as_text=True)
        return json.loads(page.split('<script type="application/ld+json">')[1].split("</script>")[0])["offers"]

    assert offer()["price"] == goods.honey.price_vnd and offer()["availability"].endswith("/InStock")
    with db.engine.begin() as connection:  # another worker's write: this worker's session never sees it
        connection.execute(update(Product).where(Product.id == goods.honey.id).values(price_vnd=99_000, stock=0))
    db.session.expire_all()  # the test's session spans its requests; a worker's request reads afresh
    assert offer() == {**offer(), "price": 99_000, "availability": "https://schema.org/OutOfStock"}
    with db.engine.begin() as connection:  # as it was, for the search index's check after the test
        connection.execute(update(Product).where(Product.id == goods.honey.id).values(price_vnd=price, stock=stock))
    db.session.expire_all()
    assert offer()["price"] == price


def test_templates_follow_force_locale_inside_a_request(app):
    template = app.jinja_env.from_string("{{ _('In stock') }}")
    with app.test_request_context("/", headers=EN):
        assert template.render() == "In stock"
        with force_locale("vi"):
            assert template.render() == "Còn hàng"
        assert template.render() == "In stock"


def test_a_listing_page_past_the_end_shows_the_last_page(client, goods, monkeypatch):
    for extra in range(3):
        builders.make_product(goods.shop.owner, name=f"Mật ong số {extra}")
    honey = next(node for node in category_nodes.category_tree() for node in (node, *node.children)
                 if node.slug == "mat-ong")
    first = queries.category_products(honey, "newest", 1)
    assert first.total == 6 and len(first.items) == 6 and first.pages == 1
    past = queries.category_products(honey, "newest", 9)
    assert (past.page, past.total, [card.id for card in past.items]) == (1, 6, [card.id for card in first.items])
    assert "Mật ong số 2" in client.get("/c/mat-ong?page=9").get_data(as_text=True)
    monkeypatch.setattr(queries, "PER_PAGE", 4)
    second = queries.category_products(honey, "price_asc", 7)
    assert (second.page, second.pages, len(second.items)) == (2, 2, 2)


def test_a_product_page_shows_an_edit_made_through_this_worker_at_once(client, goods):
    url = f"/products/{goods.honey.slug}"
    before = client.get(url).get_data(as_text=True)
    assert "Mật ong hoa nhãn" in before and "Mô tả mới" not in before
    data = catalog.ProductData(name="Mật ong hoa nhãn", category_id=builders.category_id("mat-ong"), price_vnd=150_000,
                               stock=10, unit="bottle", description="Mô tả mới: hái ở Hưng Yên", weight_grams=750)
    product = catalog.update_product(goods.shop.owner, goods.honey.id, data, new_photos=[builders.photo()])
    after = client.get(url).get_data(as_text=True)
    assert "Mô tả mới: hái ở Hưng Yên" in after and "750 g" in after
    assert all(f"{image.token}-large.webp" in after for image in product.images) and len(product.images) == 2


def test_the_header_counts_unread_messages_and_cart_units_with_the_session_lookup(app, client_for, make_user, goods):
    from market.accounts.services import notify

    shopper = make_user("mai@example.vn")
    browser = client_for("mai@example.vn")
    assert 'class="dot"' not in browser.get("/").get_data(as_text=True)
    notify(shopper, "Đơn hàng đã giao", "Đơn của bạn đã được giao.")
    notify(shopper, "Đơn hàng mới", "Cảm ơn bạn.")
    db.session.commit()
    with counted_queries() as statements:
        page = browser.get("/").get_data(as_text=True)
    assert '<span class="dot">2<' in page
    assert not any("FROM notifications" in statement and "user_sessions" not in statement for statement in statements)
    assert not any("FROM cart_items" in statement and "user_sessions" not in statement for statement in statements)
    browser.get("/account/messages")  # read now
    assert 'class="dot"' not in browser.get("/").get_data(as_text=True)
    assert 'class="count"' not in page
    post_form(browser, "/cart/add", {"product_id": goods.honey.id, "quantity": 3}, form_url=f"/products/{goods.honey.slug}")
    assert '<span class="count">3<' in browser.get("/").get_data(as_text=True)


def test_textual_reads_are_not_changes(app, categories):
    tree = category_nodes.category_tree()
    db.session.execute(text("SELECT count(*) FROM categories"))
    db.session.commit()
    assert category_nodes.category_tree() is tree


def test_a_savepoint_undone_keeps_the_outer_change_noted(app, categories):
    top = category_nodes.category_tree()[0]
    db.session.execute(update(Category).where(Category.id == top.id).values(name_vi="Không bao giờ lưu"))
    savepoint = db.session.begin_nested()
    savepoint.rollback()
    assert category_nodes.category_by_id(top.id).name_vi == "Không bao giờ lưu"  # read inside the transaction
    db.session.rollback()  # the outer transaction undone too
    assert category_nodes.category_by_id(top.id).name_vi == top.name_vi


def test_the_account_menu_is_kept_per_kind_with_each_visitors_name_count_and_token(app, client_for, make_user):
    """The signed-in menu is drawn once per kind of account; the holes take each visitor's own
    values, escaped, and a value that looks like a hole is shown as it is."""
    from market.accounts.services import notify
    from tests.conftest import CSRF_RE

    mai = make_user("mai@example.vn", full_name="<b>Mai</b> \ue000token\ue001")
    make_user("lan@example.vn", full_name="Trần Thị Lan")
    make_user("tam@example.vn", Role.STAFF, full_name="Lê Thị Tâm")
    mai_page = client_for("mai@example.vn").get("/").get_data(as_text=True)
    lan_browser = client_for("lan@example.vn")
    lan_page = lan_browser.get("/").get_data(as_text=True)
    staff_page = client_for("tam@example.vn").get("/").get_data(as_text=True)
    assert '<p class="menu-who">&lt;b&gt;Mai&lt;/b&gt; \ue000token\ue001</p>' in mai_page
    assert '<p class="menu-who">Trần Thị Lan</p>' in lan_page and "Mai" not in lan_page
    assert CSRF_RE.search(mai_page).group(1) != CSRF_RE.search(lan_page).group(1)
    assert "/staff" in staff_page and "/staff" not in lan_page
    assert 'class="dot"' not in lan_page
    notify(mai, "Đơn hàng đã giao", "Đơn của bạn đã được giao.")
    db.session.commit()
    mai_page = client_for("mai@example.vn").get("/").get_data(as_text=True)
    assert '<span class="dot">1<' in mai_page and '<span class="count badge">1</span>' in mai_page
    assert 'class="dot"' not in lan_browser.get("/").get_data(as_text=True)
    assert lan_browser.post("/account/sign-out", data={"csrf_token": CSRF_RE.search(lan_page).group(1)}).status_code == 302
