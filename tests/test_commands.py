"""The shell commands."""
from sqlalchemy import select

from market.accounts.models import User
from market.accounts.services import authenticate
from market.extensions import db


def test_create_user_with_role_and_password(runner):
    result = runner.invoke(args=["create-user", "Mai@Example.vn", "--role", "seller", "--password", "long-enough-pw"])
    assert result.exit_code == 0, result.output
    user = authenticate("mai@example.vn", "long-enough-pw")
    assert user is not None and user.role == "seller"


def test_create_provincial_staff_from_an_old_province_name(runner):
    result = runner.invoke(
        args=["create-user", "hoa@example.vn", "--role", "staff", "--province", "Quang Binh", "--password", "long-enough-pw"]
    )
    assert result.exit_code == 0, result.output
    assert "provincial: 44" in result.output
    assert db.session.scalar(select(User)).staff_province_code == "44"  # Quảng Trị


def test_create_user_prompts_for_the_password(runner):
    result = runner.invoke(args=["create-user", "an@example.vn"], input="long-enough-pw\nlong-enough-pw\n")
    assert result.exit_code == 0, result.output
    assert authenticate("an@example.vn", "long-enough-pw") is not None


def test_create_user_refuses_bad_input(runner):
    cases = [
        ["create-user", "x@example.vn", "--role", "staff", "--province", "Atlantis", "--password", "long-enough-pw"],
        ["create-user", "x@example.vn", "--role", "shopper", "--province", "Huế", "--password", "long-enough-pw"],
        ["create-user", "x@example.vn", "--password", "short"],
    ]
    for args in cases:
        result = runner.invoke(args=args)
        assert result.exit_code != 0
    assert db.session.scalar(select(User)) is None


def test_create_user_refuses_a_duplicate_email(runner):
    runner.invoke(args=["create-user", "x@example.vn", "--password", "long-enough-pw"])
    result = runner.invoke(args=["create-user", "X@example.vn", "--password", "long-enough-pw"])
    assert result.exit_code != 0 and "already exists" in result.output


def demo_snapshot() -> dict[str, list[tuple]]:
    """Every row seed-demo made, by table: running it again must leave all of it as it was."""
    return {
        table.name: sorted(map(tuple, db.session.execute(select(table)).all()), key=repr)
        for table in db.metadata.sorted_tables
    }


def test_seed_demo_is_idempotent_and_prints_accounts(runner, monkeypatch):
    from market.demo import photos

    monkeypatch.setattr(photos, "PHOTO_SIDE", 200)  # small photos: same path, less encoding
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    before = demo_snapshot()
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    db.session.expire_all()
    assert demo_snapshot() == before  # the second run changes nothing, in any table
    assert len(before["users"]) >= 4
    assert "staff@demo.cho-phu-nu.vn" in second.output and "demo-password" in second.output
    roles = {user.role for user in db.session.scalars(select(User))}
    assert roles == {"shopper", "seller", "staff"}
    from market.catalog.models import Product

    assert len(db.session.scalars(select(Product)).all()) >= 60
    from market.orders.models import LedgerEntry, Order

    orders = db.session.scalars(select(Order)).all()
    assert len(orders) == 4  # placed once, not again on the second run
    assert {order.payment_status for order in orders} == {"unpaid", "paid"}
    assert {part.status for order in orders for part in order.seller_orders} >= {
        "pending", "delivered", "confirmed", "awaiting_payment"}
    assert db.session.scalar(select(LedgerEntry)).kind == "commission_owed"
    from market.sellers.models import SellerHelpGrant

    # The demo seller lets her province's staff help her, once (staff.lamdong sees "Help this seller").
    grant = db.session.scalar(select(SellerHelpGrant))
    assert grant.staff_id is None and grant.seller.name == "HTX Cà phê Phụ nữ Cầu Đất" and len(before["seller_help_grants"]) == 1
