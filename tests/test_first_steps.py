"""A new seller's first steps on the seller home (/sell): each step's state and the date it was
reached, read from what happened (the audit trail, products, orders, figures), never ticked by
hand; steps reached out of order; states lost again (the product hidden, the order cancelled);
a fixed number of statements; the page as a member and the owner see it."""
from datetime import date, datetime, timezone

import pytest
import time_machine

from market.catalog import services as catalog
from market.orders import services as orders
from market.orders import shipping
from market.sellers import first_steps
from market.sellers import services as sellers
from tests import builders
from tests.builders import EN, counted_queries

NOW = "2026-12-03 04:00"


def at(moment: str):
    return time_machine.travel(datetime.fromisoformat(moment).replace(tzinfo=timezone.utc), tick=False)


def states(seller, now=NOW) -> dict[str, date | None]:
    """Each step's day (UTC) when done, None when not."""
    progress = first_steps.first_steps(seller, datetime.fromisoformat(now).replace(tzinfo=timezone.utc))
    return {step.key: step.done_on.date() if step.done else None for step in progress.steps}


def part_of(order, seller):
    return next(part for part in order.seller_orders if part.seller_id == seller.id)


def add_logo(owner):
    sellers.update_profile(owner, builders.application(), logo=builders.png())


def deliver(owner, part):
    orders.fulfil(owner, part, "ship", carrier="VNPost", tracking_number="EE123")
    orders.fulfil(owner, part, "deliver", cash_collected=True)


def test_a_seller_just_approved_has_every_step_to_do(shop):
    assert states(shop.seller) == dict.fromkeys(first_steps.STEP_KEYS)


def test_each_step_is_dated_by_what_happened(shop, goods):
    """The `goods` honey was listed with a photo and put on sale in the fixture; the others
    happen at their own days."""
    owner, seller = shop.owner, shop.seller
    with at("2026-11-02 03:00"):
        add_logo(owner)
    with at("2026-11-03 03:00"):
        shipping.set_shipping(owner, 25_000, None)
    with at("2026-11-06 03:00"):
        order = builders.place((goods.honey, 1))
    with at("2026-11-07 03:00"):
        orders.fulfil(owner, part_of(order, seller), "confirm")
    with at("2026-11-08 03:00"):
        deliver(owner, part_of(order, seller))
    with at("2026-11-09 03:00"):
        sellers.report_figures(owner, 20, 12, date(2026, 11, 9))
    with at("2026-11-10 03:00"):  # a second report of the quarter does not move the step's date
        sellers.report_figures(owner, 21, 12, date(2026, 11, 10))
    listed = builders.fresh(goods.honey.id).created_at.date()
    assert states(seller) == {
        "profile": date(2026, 11, 2), "shipping": date(2026, 11, 3), "photo": listed, "on_sale": listed,
        "confirmed": date(2026, 11, 7), "delivered": date(2026, 11, 8), "figures": date(2026, 11, 9),
    }


def test_a_profile_complete_in_the_application_counts_from_its_submission(app, staff, categories):
    owner = builders.make_user("nga@example.vn")
    with at("2026-10-01 03:00"):
        seller = builders.make_seller(owner, "pending", staff=staff, logo=True)
    with at("2026-10-05 03:00"):
        sellers.decide(staff, seller.id, "approve")
    with at("2026-10-20 03:00"):  # a later edit (a new logo, even) leaves the date alone
        add_logo(owner)
    assert states(seller)["profile"] == date(2026, 10, 1)


def test_a_seller_may_skip_steps(shop, goods):
    """An order delivered before any shipping fee, profile or figures: those stay to do."""
    with at("2026-11-06 03:00"):
        order = builders.place((goods.honey, 2))
        part = part_of(order, shop.seller)
        orders.fulfil(shop.owner, part, "confirm")
        deliver(shop.owner, part)
    found = states(shop.seller)
    assert found["delivered"] == found["confirmed"] == date(2026, 11, 6)
    assert found["profile"] is found["shipping"] is found["figures"] is None


def test_hiding_the_only_product_on_sale_undoes_the_step(shop, categories):
    with at("2026-11-04 03:00"):
        product = builders.make_product(shop.owner, publish=False)
    assert states(shop.seller)["photo"] == date(2026, 11, 4)
    assert states(shop.seller)["on_sale"] is None
    with at("2026-11-05 03:00"):
        catalog.change_product_status(shop.owner, product.id, "publish")
    assert states(shop.seller)["on_sale"] == date(2026, 11, 5)
    with at("2026-11-06 03:00"):
        catalog.change_product_status(shop.owner, product.id, "hide")
    assert states(shop.seller)["on_sale"] is None
    assert states(shop.seller)["photo"] == date(2026, 11, 4)  # it still has its photo
    with at("2026-11-09 03:00"):
        catalog.change_product_status(shop.owner, product.id, "publish")
    assert states(shop.seller)["on_sale"] == date(2026, 11, 9)  # on sale again: since its return


def test_a_product_without_a_photo_is_no_step_until_its_photo_is_added(shop, categories):
    with at("2026-11-04 03:00"):
        product = builders.make_product(shop.owner, publish=False, photos=0)
    assert states(shop.seller)["photo"] is None
    with at("2026-11-07 03:00"):  # the photo is dated, not the product
        catalog.update_product(shop.owner, product.id, builders.product_data(), new_photos=[builders.photo()])
    assert states(shop.seller)["photo"] == date(2026, 11, 7)


def test_a_confirmed_order_cancelled_afterwards_does_not_count(shop, goods):
    with at("2026-11-06 03:00"):
        first = builders.place((goods.honey, 1))
        orders.fulfil(shop.owner, part_of(first, shop.seller), "confirm")
    assert states(shop.seller)["confirmed"] == date(2026, 11, 6)
    with at("2026-11-07 03:00"):
        orders.fulfil(shop.owner, part_of(first, shop.seller), "cancel", reason="Hết hàng")
    assert states(shop.seller)["confirmed"] is None
    with at("2026-11-12 03:00"):
        second = builders.place((goods.honey, 1))
        orders.fulfil(shop.owner, part_of(second, shop.seller), "confirm")
    assert states(shop.seller)["confirmed"] == date(2026, 11, 12)
    assert states(shop.seller)["delivered"] is None


def test_one_sellers_steps_are_its_own(shop, rival, goods):
    with at("2026-11-06 03:00"):
        order = builders.place((goods.tea, 1))
        orders.fulfil(rival.owner, part_of(order, rival.seller), "confirm")
        shipping.set_shipping(rival.owner, 20_000, None)
    assert states(shop.seller)["confirmed"] is None and states(shop.seller)["shipping"] is None
    assert states(rival.seller)["confirmed"] == states(rival.seller)["shipping"] == date(2026, 11, 6)


def test_the_steps_cost_the_same_statements_whatever_the_data(shop, goods):
    def count():
        shop.seller.id  # noqa: B018  (loaded again after the commits, outside the count)
        with counted_queries() as statements:
            first_steps.first_steps(shop.seller, datetime.now(timezone.utc))
        return len(statements)

    few = count()
    for number in range(4):
        product = builders.make_product(shop.owner, name=f"Mật ong số {number}", price_vnd=50_000, stock=5)
        order = builders.place((product, 1), (goods.tea, 1))
        orders.fulfil(shop.owner, part_of(order, shop.seller), "confirm")
    sellers.report_figures(shop.owner, 20, 12, date.today())
    assert count() == few == 3  # the seller's own facts, catalog's, orders'


# --- the page -------------------------------------------------------------------------------

def read_home(client_for, email="hoa@example.vn") -> str:
    with at(NOW):
        response = client_for(email).get("/sell", headers=EN)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_home_lists_the_steps_numbered_with_their_state_and_links(shop, goods, client_for):
    with at("2026-11-03 03:00"):
        shipping.set_shipping(shop.owner, 25_000, None)
    page = read_home(client_for)
    section = page.split('class="first-steps"')[1].split("</section>")[0]
    assert "Your first steps" in page and "All the steps (3 of 7 done)" in section
    assert '<ol class="step-list">' in section and "Next: Profile and logo" in section
    assert section.count("Not done yet") == 4 and "Done on Nov 3, 2026" in section
    assert 'href="/sell/profile"' in section and 'href="/sell/figures"' in section
    assert 'href="/sell/orders?status=pending"' in section and 'href="/sell/orders"' in section
    # a step done has no "do it" link: the shipping page is reached from the menu only
    assert 'href="/sell/shipping"' not in section


def test_a_member_is_told_the_owner_does_the_profile(shop, client_for):
    builders.add_member(shop.owner, "mai@example.vn")
    page = read_home(client_for, "mai@example.vn")
    assert "The owner does this." in page and 'href="/sell/profile"' not in page


def test_each_step_links_its_guide(shop, client_for):
    section = read_home(client_for).split('class="first-steps"')[1].split("</section>")[0]
    for topic in ("profile", "shipping", "first-product", "on-sale", "confirm-order", "deliver-order", "figures"):
        assert f'href="/sell/help/{topic}"' in section
        assert client_for().get(f"/sell/help/{topic}").status_code == 200


def complete(shop, goods):
    add_logo(shop.owner)
    shipping.set_shipping(shop.owner, 25_000, None)
    order = builders.place((goods.honey, 1))
    part = part_of(order, shop.seller)
    orders.fulfil(shop.owner, part, "confirm")
    deliver(shop.owner, part)
    sellers.report_figures(shop.owner, 20, 12, date(2026, 11, 20))


def test_all_steps_done_shows_a_note_for_a_while_then_nothing(shop, goods, client_for):
    with at("2026-11-25 03:00"):
        complete(shop, goods)
    page = read_home(client_for)
    assert "Your first steps" not in page and "All your first steps are done." in page
    with at("2026-12-20 03:00"):
        page = client_for().get("/sell", headers=EN).get_data(as_text=True)
    assert "Your first steps" not in page and "All your first steps are done." not in page
    assert "To do now" in page


@pytest.mark.parametrize("status", ["pending", "suspended"])
def test_sellers_not_approved_see_no_steps(client_for, make_user, status):
    owner = make_user("chi@example.vn")
    builders.make_seller(owner, status, logo=False)
    page = client_for("chi@example.vn").get("/sell", headers=EN).get_data(as_text=True)
    assert "Your first steps" not in page
