"""The home page's rows (issue 14): at most two products of one seller in a row, and only
the payment methods checkout offers."""
from types import SimpleNamespace

from market.catalog import queries
from tests import builders
from tests.builders import EN


def test_a_row_keeps_at_most_two_products_of_one_seller_in_order():
    products = [SimpleNamespace(id=n, seller_id=seller) for n, seller in enumerate([1, 1, 1, 2, 1, 3, 2, 2])]
    row = queries.at_most_per_seller(products, limit=5)
    assert [product.id for product in row] == [0, 1, 3, 5, 6]
    assert queries.at_most_per_seller(products, limit=3, per_seller=1) == [products[0], products[3], products[5]]


def test_new_arrivals_show_at_most_two_products_of_a_busy_seller(goods):
    busy = [builders.make_product(goods.shop.owner, name=f"Mật ong số {n}", price_vnd=90_000, stock=5) for n in range(5)]
    row = queries.new_arrivals(limit=6)
    by_seller = [product.seller_id for product in row]
    assert by_seller.count(goods.shop.seller.id) == 2
    assert [product.id for product in row if product.seller_id == goods.shop.seller.id] == [busy[-1].id, busy[-2].id]
    assert goods.tea.id in [product.id for product in row]  # the other seller is not pushed out


def test_the_home_page_promises_only_the_methods_offered(client, app, goods, monkeypatch):
    page = client.get("/", headers=EN).get_data(as_text=True)
    assert "Cash on delivery (COD)" in page and "Bank transfer (VietQR)" in page
    assert "Card (Stripe)" not in page  # no Stripe keys in the tests: checkout offers no card
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_x")
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", "whsec_x")
    assert "Card (Stripe)" in client.get("/", headers=EN).get_data(as_text=True)
