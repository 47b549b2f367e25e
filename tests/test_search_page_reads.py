"""What a search page and the search API read per request: the hits' cards in one statement
whatever their number, facet names from what each worker keeps (core/kept_data.py), hit
cards rendered once per worker; and that none of it shows anything stale."""
import re

import pytest
from flask import url_for
from sqlalchemy import update
from werkzeug.datastructures import MultiDict

from market.catalog import services as catalog
from market.catalog.models import Product, ProductStatus
from market.extensions import db
from market.programs import services as programs
from market.search import views
from market.search.backend import SearchRequest
from market.search.matching import FEW_HITS
from tests.builders import counted_queries, enrol_in_program, make_product, program_data, reviewer

HIT = re.compile(r'<li class="product-card">\s*<a href="/products/([^"]+)"')


def hits(client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    return HIT.findall(response.get_data(as_text=True))


def statements_of(client, url: str) -> int:
    client.get(url)  # what a worker keeps is read once, before
    with counted_queries(kept=True) as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_the_statements_of_a_search_page_do_not_grow_with_its_hits(client, engine, goods):
    page, api = "/search?q=mat+ong", "/api/v1/products?q=mat+ong"
    for number in range(FEW_HITS):  # enough that an engine tries no typo of the words either way
        make_product(goods.shop.owner, name=f"Mật ong nhãn {number}")
    before = len(hits(client, page))
    few = statements_of(client, page), statements_of(client, api)
    if not engine.transactional:  # Whoosh: the hits' cards, no more (names and badges are kept)
        assert few == (1, 1)
    for number in range(6):
        make_product(goods.rival.owner, name=f"Mật ong rừng {number}", price_vnd=100_000 + number)
    assert len(hits(client, page)) == len(client.get(api).get_json()["items"]) == before + 6
    assert (statements_of(client, page), statements_of(client, api)) == few


@pytest.mark.index_left_out_of_step
def test_a_hit_whose_product_was_hidden_since_it_was_indexed_is_left_out(client, engine, goods):
    assert {goods.honey.slug, goods.comb.slug} <= set(hits(client, "/search?q=mat+ong"))
    with db.engine.begin() as connection:  # past the index's sync, as a lagging index would be
        connection.execute(update(Product).where(Product.id == goods.comb.id).values(status=ProductStatus.HIDDEN))
    assert goods.comb.slug not in hits(client, "/search?q=mat+ong")
    assert goods.honey.slug in hits(client, "/search?q=mat+ong")
    items = client.get("/api/v1/products?q=mat+ong").get_json()["items"]
    assert goods.honey.slug in [item["slug"] for item in items]
    assert goods.comb.slug not in [item["slug"] for item in items]


def test_a_renamed_program_shows_its_new_badge_on_the_next_search_page(client, engine, staff, goods):
    program = programs.save_program(reviewer(), program_data(badge_en="Women's cooperative"))
    enrol_in_program(reviewer(), goods.shop.owner, program)
    english = {"Accept-Language": "en"}
    page = client.get("/search?q=mat+ong", headers=english).get_data(as_text=True)
    assert "Women&#39;s cooperative" in page
    programs.save_program(reviewer(), program_data(badge_en="Cooperative led by women"), program.id)
    page = client.get(f"/search?q=mat+ong&program={program.id}", headers=english).get_data(as_text=True)
    assert "Women&#39;s cooperative" not in page
    assert "Remove filter: Cooperative led by women" in page  # the facet's name, kept per worker
    assert page.count('<span class="badge program">Cooperative led by women</span>') == 2  # the hits' cards


def test_a_hit_card_follows_its_product_and_the_highlighted_words(client, engine, goods):
    def card_of(url: str) -> str:
        page = client.get(url).get_data(as_text=True)
        return re.search(r'<li class="product-card">.*?</li>', page, re.S).group()

    before = card_of("/search?q=hoa+nhan")
    assert "<mark>hoa</mark> <mark>nhãn</mark>" in before and "150.000" in before
    catalog.set_stock_and_price(goods.shop.owner, goods.honey.id, 10, 175_000, seen_stock=10)
    after = card_of("/search?q=hoa+nhan")
    assert "175.000" in after and "150.000" not in after
    assert "Mật ong <mark>hoa</mark> nhãn" in card_of("/search?q=hoa")


@pytest.mark.parametrize("args", [
    {"q": "cà phê & trà", "category": "7", "sort": "price_asc", "page": "3"},
    {"q": "a+b/c?d=e#f 100%", "province": "01", "in_stock": "1", "nonsense": "x"},
    {"q": "", "price": "0-100000", "ocop": "4", "program": "2"},
    {},
])
def test_a_search_link_is_what_url_for_builds(app, args):
    changes = [{}, {"category": "8"}, {"q": None}, {"page": 2}, {"sort": "newest", "price": None},
               {"q": "trà 'ô long'"}]
    with app.test_request_context("/search"):
        url_with = views._url_maker(MultiDict(args))
        for change in changes:
            params = {k: v for k, v in args.items() if k in views.FILTERS + ("q", "sort") and v}
            params.update({k: v for k, v in change.items() if v is not None})
            for k in [k for k, v in change.items() if v is None]:
                params.pop(k, None)
            assert url_with(**change) == url_for("search.results", **params)


def test_without_highlight_an_engine_gives_the_same_hits_unmarked(engine, goods):
    for text in ("mat ong", "hoa", "mat ong hoa nha"):  # the last: its last word a prefix (loose)
        marked = engine.search(SearchRequest(text=text))
        plain = engine.search(SearchRequest(text=text, highlight=False))
        assert [hit.product_id for hit in plain.hits] == [hit.product_id for hit in marked.hits]
        assert plain.hits and all(hit.name is None and hit.description is None for hit in plain.hits)
        assert all(hit.name is not None for hit in marked.hits)
        assert (plain.total, plain.facets, plain.suggestion) == (marked.total, marked.facets, marked.suggestion)
