"""Help on a seller's behalf, the rules (`market.sellers.helping`): who may grant it, whom it
covers and for how long, its end (by the owner, or when its period runs out, told once), the
audit rows done on a seller's behalf, and the sellers the union helped."""
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from market.accounts.models import Notification
from market.core import on_behalf
from market.core.audit import AuditEntry, history, record_audit
from market.core.clock import utcnow
from market.core.domain import DomainError
from market.extensions import db
from market.sellers import helping
from market.sellers import services as sellers
from market.sellers.models import SellerHelpGrant
from tests.builders import add_member, make_seller, make_user

HOA = "hoa@example.vn"  # owner of the `shop` fixture, in Lâm Đồng


@pytest.fixture
def people(shop, staff):
    """The shop's provincial staff (two), another province's, a plain member and a shopper."""
    return {
        "tam": make_user("tam@example.vn", role="staff", province="Lâm Đồng", full_name="Trần Thị Tâm"),
        "nga": make_user("nga@example.vn", role="staff", province="Lâm Đồng", full_name="Lê Thị Nga"),
        "hanoi": make_user("hn@example.vn", role="staff", province="Hà Nội", full_name="Phạm Thị Hà"),
        "central": staff,
        "member": add_member(shop.owner, "mai@example.vn", full_name="Vũ Thị Mai"),
        "shopper": make_user("khach@example.vn"),
    }


def messages_of(user) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


def refused(call, *args) -> str:
    with force_locale("en"), pytest.raises(DomainError) as caught:
        call(*args)
    return str(caught.value.message)


# --- consent -----------------------------------------------------------------------------------

def test_without_consent_nobody_may_help(shop, people):
    now = utcnow()
    assert "has not asked for the union's help" in refused(helping.check_help, people["tam"], shop.seller.id, now)
    assert helping.grant_in_force(shop.seller.id, now) is None


def test_the_owner_lets_her_provinces_staff_help_for_14_days_by_default_and_is_told(shop, people):
    now = utcnow()
    grant = helping.grant_help(shop.owner, None, helping.DEFAULT_DAYS, now)
    assert grant.ends_at - grant.starts_at == timedelta(days=14) and grant.granted_by_id == shop.owner.id
    for name in ("tam", "nga"):
        assert helping.check_help(people[name], shop.seller.id, now + timedelta(days=13)).id == grant.id
    # Central staff see the seller, but she named her province's staff; another province's never.
    assert "asked the staff of the Women's Union of Lâm Đồng" in refused(helping.check_help, people["central"],
                                                                         shop.seller.id, now)
    assert "not you" in refused(helping.check_help, people["hanoi"], shop.seller.id, now)
    message = messages_of(shop.owner)[-1]
    assert shop.seller.name in message.subject
    assert message.link == "/sell/help-from-union"
    assert [e.action for e in history("seller", shop.seller.id)][-1] == "help_granted"


def test_one_named_staff_member_is_the_only_one_covered(shop, people):
    now = utcnow()
    helping.grant_help(shop.owner, people["central"].id, 7, now)
    assert helping.check_help(people["central"], shop.seller.id, now)
    assert "not you" in refused(helping.check_help, people["tam"], shop.seller.id, now)


def test_the_named_staff_member_must_be_staff_who_see_the_seller(shop, people):
    now = utcnow()
    for name in ("hanoi", "shopper", "member"):
        assert "Choose a staff member" in refused(helping.grant_help, shop.owner, people[name].id, 14, now)
    assert db.session.scalar(select(func.count()).select_from(SellerHelpGrant)) == 0


def test_a_named_staff_member_moved_to_another_province_loses_the_help(shop, people):
    now = utcnow()
    helping.grant_help(shop.owner, people["tam"].id, 14, now)
    people["tam"].staff_province_code = people["hanoi"].staff_province_code
    db.session.commit()
    assert "not you" in refused(helping.check_help, people["tam"], shop.seller.id, now)


def test_only_the_owner_grants_help(shop, people, staff):
    now = utcnow()
    for name in ("member", "shopper", "tam"):
        assert "Only the owner" in refused(helping.grant_help, people[name], None, 14, now)
    # Nor a staff member helping the seller, who counts as a plain member there.
    helping.grant_help(shop.owner, people["tam"].id, 14, now)
    on_behalf.begin(people["tam"].id, shop.seller.id)
    try:
        assert sellers.membership_of(people["tam"]).role == "member"
        assert "Only the owner" in refused(helping.end_help, people["tam"], now)
        assert "Only the owner" in refused(helping.grant_help, people["tam"], people["tam"].id, 60, now)
    finally:
        on_behalf.end()
    assert sellers.membership_of(people["tam"]) is None


def test_the_period_is_bounded_and_one_grant_is_in_force_at_a_time(shop, people):
    now = utcnow()
    for days in (0, 61, None):
        assert "between 1 and 60 days" in refused(helping.grant_help, shop.owner, None, days, now)
    helping.grant_help(shop.owner, None, 60, now)
    assert "end that help first" in refused(helping.grant_help, shop.owner, people["tam"].id, 3, now)


def test_a_province_without_staff_cannot_be_named(shop, staff):
    # Only central staff exist: the owner must name one of them.
    assert "name a staff member instead" in refused(helping.grant_help, shop.owner, None, 14, utcnow())
    assert helping.grant_help(shop.owner, staff.id, 14, utcnow()).staff_id == staff.id


def test_a_seller_not_yet_approved_cannot_ask(app, staff):
    owner = make_user("moi@example.vn")
    make_seller(owner, "pending")
    assert "once your seller is approved" in refused(helping.grant_help, owner, staff.id, 14, utcnow())


# --- the end -----------------------------------------------------------------------------------

def test_the_owner_ends_the_help_at_any_time_and_is_told(shop, people):
    now = utcnow()
    helping.grant_help(shop.owner, None, 14, now)
    grant = helping.end_help(shop.owner, now + timedelta(hours=1))
    assert grant.ended_by_id == shop.owner.id
    later = now + timedelta(hours=2)
    assert "ended the union's help" in refused(helping.check_help, people["tam"], shop.seller.id, later)
    assert "is not helping you" in refused(helping.end_help, shop.owner, later)
    assert len([m for m in messages_of(shop.owner) if m.link == "/sell/help-from-union"]) == 2
    assert [e.action for e in history("seller", shop.seller.id)][-2:] == ["help_granted", "help_ended"]
    assert helping.past_grants(shop.seller.id, later)[0].id == grant.id
    # She may ask again.
    assert helping.grant_help(shop.owner, people["nga"].id, 3, later).staff_id == people["nga"].id


def test_a_period_that_ran_out_ends_once_and_the_owner_is_told_once(shop, people):
    now = utcnow()
    grant = helping.grant_help(shop.owner, None, 2, now)
    told = len(messages_of(shop.owner))
    after = now + timedelta(days=2, seconds=1)
    assert "period in which" in refused(helping.check_help, people["tam"], shop.seller.id, after)
    assert helping.settle_expired_help(now + timedelta(days=1)) == 0  # not yet
    assert helping.settle_expired_help(after) == 1
    assert helping.settle_expired_help(after) == 0
    assert helping.settle_expired_help(after, shop.seller.id) == 0
    assert len(messages_of(shop.owner)) == told + 1
    db.session.refresh(grant)
    assert grant.ended_at is not None and grant.ended_by_id is None
    assert "period in which" in refused(helping.check_help, people["tam"], shop.seller.id, after)
    expired = [e for e in history("seller", shop.seller.id) if e.action == "help_expired"]
    assert len(expired) == 1 and expired[0].actor_id is None


def test_the_command_ends_the_periods_that_ran_out(shop, people, runner):
    grant = helping.grant_help(shop.owner, None, 1, utcnow() - timedelta(days=2))
    result = runner.invoke(args=["sellers", "end-expired-help"])
    assert result.exit_code == 0 and "1 help period(s) ended." in result.output
    assert runner.invoke(args=["sellers", "end-expired-help"]).output.startswith("0 ")
    db.session.expire_all()
    assert db.session.get(SellerHelpGrant, grant.id).ended_at is not None


# --- audit ---------------------------------------------------------------------------------------

def test_audit_rows_name_the_seller_only_for_the_staff_member_acting_for_it(shop, people):
    on_behalf.begin(people["tam"].id, shop.seller.id)
    try:
        hers = record_audit(people["tam"].id, "product", 1, "product_created")
        others = record_audit(shop.owner.id, "product", 1, "product_updated")
        nobody = record_audit(None, "product", 1, "hide")
    finally:
        on_behalf.end()
    after = record_audit(people["tam"].id, "product", 1, "product_deleted")
    db.session.commit()
    assert hers.on_behalf_of_seller_id == shop.seller.id
    assert others.on_behalf_of_seller_id is None and nobody.on_behalf_of_seller_id is None
    assert after.on_behalf_of_seller_id is None
    # The seller's history holds what was done on its behalf, whatever its subject.
    mine = history("seller", shop.seller.id, on_behalf_of=shop.seller.id)
    assert hers.id in {e.id for e in mine} and others.id not in {e.id for e in mine}


def test_helped_seller_ids_counts_actions_and_grants_in_the_span(shop, rival, people, staff):
    now = utcnow()
    on_behalf.begin(people["tam"].id, rival.seller.id)
    try:
        record_audit(people["tam"].id, "product", 1, "product_created")
    finally:
        on_behalf.end()
    db.session.commit()
    helping.grant_help(shop.owner, None, 3, now + timedelta(days=10))
    assert helping.helped_seller_ids(now - timedelta(days=1), now + timedelta(days=1)) == {rival.seller.id}
    assert helping.helped_seller_ids(now - timedelta(days=1), now + timedelta(days=11)) == {
        rival.seller.id, shop.seller.id}
    assert helping.helped_seller_ids(now - timedelta(days=1), now + timedelta(days=11), acted_only=True) == {
        rival.seller.id}
    assert helping.helped_seller_ids(now + timedelta(days=14), now + timedelta(days=20)) == set()


# --- what the union does for her stays hers to check -------------------------------------------

def acting_as(staff, seller):
    """A context in which `staff` acts for `seller`, as sellers.acting sets it per request."""
    from contextlib import contextmanager

    @contextmanager
    def scope():
        on_behalf.begin(staff.id, seller.id)
        try:
            yield
        finally:
            on_behalf.end()
    return scope()


def test_staff_who_filed_an_ocop_claim_for_her_cannot_verify_it(shop, people):
    from market.catalog import services as catalog
    from tests.builders import pdf, photo, product_data

    helping.grant_help(shop.owner, people["tam"].id, 14, utcnow())
    with acting_as(people["tam"], shop.seller):
        product = catalog.create_product(people["tam"], product_data(ocop_stars=4), photos=[photo()],
                                         ocop_certificate=pdf(), publish=True)
    assert "another staff member decides" in refused(catalog.decide_ocop, people["tam"], product.id, True)
    assert catalog.decide_ocop(people["nga"], product.id, True).ocop_status == "verified"


def test_an_order_moved_for_her_and_a_review_answered_for_her_are_hers_to_know(shop, goods, people):
    from market.orders import services as orders
    from market.reviews import services as reviews
    from tests import builders

    helping.grant_help(shop.owner, people["tam"].id, 14, utcnow())
    shopper = make_user("mua@example.vn")
    order = builders.place((goods.honey, 1), user=shopper)
    part = next(part for part in order.seller_orders if part.seller_id == shop.seller.id)
    told_before = len(messages_of(shop.owner))
    with acting_as(people["tam"], shop.seller):
        orders.fulfil(people["tam"], part, "confirm")
    assert len(messages_of(shop.owner)) == told_before + 1  # the owner hears the union moved her order
    orders.fulfil(shop.owner, part, "ship", carrier="VNPost", tracking_number="EE1")
    orders.fulfil(shop.owner, part, "deliver", cash_collected=True)
    assert len(messages_of(shop.owner)) == told_before + 1  # her own moves are not news to her
    line = builders.reload(order).seller_orders[0].lines[0]
    review = reviews.submit_review(shopper, builders.reload(order), line.id, 5, "Ngon", ())
    with acting_as(people["tam"], shop.seller):
        reviews.reply(people["tam"], review.id, "Cảm ơn chị!")
    replied = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "review_replied"))
    assert (replied.actor_id, replied.on_behalf_of_seller_id) == (people["tam"].id, shop.seller.id)
