"""A seller's usual preparation time, measured from its shipped parts (orders.preparation),
and shown on its product pages once there are enough of them."""
from market.orders import services
from market.orders.preparation import usual_preparation_days
from tests.builders import place, reload
from tests.report_builders import at

EN = {"Accept-Language": "en"}


def _part(order, seller):
    return next(part for part in reload(order).seller_orders if part.seller_id == seller.id)


def _ship_after(goods, placed: str, shipped: str, product=None):
    with at(placed):
        order = place((product or goods.honey, 1))
    part = _part(order, goods.shop.seller)
    with at(shipped):
        services.fulfil(goods.shop.owner, part, "confirm")
        services.fulfil(goods.shop.owner, _part(order, goods.shop.seller), "ship", carrier="VNPost", tracking_number="EB1")
    return order


def test_no_figure_before_three_shipped_parts(goods):
    _ship_after(goods, "2026-11-01 02:00", "2026-11-01 09:00")
    _ship_after(goods, "2026-11-02 02:00", "2026-11-02 09:00")
    assert usual_preparation_days(goods.shop.seller.id) is None
    assert usual_preparation_days(goods.rival.seller.id) is None


def test_the_median_in_whole_days_rounded_up(goods):
    _ship_after(goods, "2026-11-01 02:00", "2026-11-01 09:00")   # 7 h
    _ship_after(goods, "2026-11-02 02:00", "2026-11-03 20:00")   # 42 h: the median
    _ship_after(goods, "2026-11-04 02:00", "2026-11-09 02:00")   # 5 days
    assert usual_preparation_days(goods.shop.seller.id) == 2
    _ship_after(goods, "2026-11-10 02:00", "2026-11-10 05:00")
    _ship_after(goods, "2026-11-11 02:00", "2026-11-11 05:00")   # now most parts left the same day
    assert usual_preparation_days(goods.shop.seller.id) == 1


def test_cancelled_and_unshipped_parts_do_not_count(goods):
    for day in range(1, 4):
        with at(f"2026-11-0{day} 02:00"):
            place((goods.honey, 1))  # never shipped
    assert usual_preparation_days(goods.shop.seller.id) is None


def test_the_product_page_says_it(client, goods):
    for day in range(1, 4):
        _ship_after(goods, f"2026-11-0{day} 02:00", f"2026-11-0{day + 2} 01:00")  # 47 h each
    page = client.get(f"/products/{goods.honey.slug}", headers=EN).get_data(as_text=True)
    assert "The seller usually sends orders within 2 days" in page
    other = client.get(f"/products/{goods.tea.slug}", headers=EN).get_data(as_text=True)
    assert "usually sends orders" not in other
