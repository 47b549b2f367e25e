"""Demo data for `flask --app wsgi seed-demo`: idempotent, grows with each domain."""
from dataclasses import dataclass

from market.accounts.models import Role
from market.accounts.services import create_user, find_user_by_email


@dataclass(frozen=True)
class DemoAccount:
    email: str
    password: str
    role: str
    full_name: str
    province: str | None
    description: str


DEMO_PASSWORD = "demo-password"
DEMO_ACCOUNTS = (
    DemoAccount("shopper@demo.cho-phu-nu.vn", DEMO_PASSWORD, Role.SHOPPER, "Nguyễn Thị Mai", None, "shopper"),
    DemoAccount("seller@demo.cho-phu-nu.vn", DEMO_PASSWORD, Role.SELLER, "Trần Thị Hoa", None, "seller member"),
    DemoAccount("staff@demo.cho-phu-nu.vn", DEMO_PASSWORD, Role.STAFF, "Lê Thị Thu", None, "central staff"),
    DemoAccount(
        "staff.lamdong@demo.cho-phu-nu.vn", DEMO_PASSWORD, Role.STAFF, "Phạm Thị Lan", "Lâm Đồng",
        "provincial staff (Lâm Đồng)",
    ),
)


def seed_demo() -> tuple[DemoAccount, ...]:
    """Create whatever demo data is missing and return the demo accounts."""
    for account in DEMO_ACCOUNTS:
        if find_user_by_email(account.email) is None:
            create_user(
                account.email, account.role, account.password, full_name=account.full_name, province=account.province
            )
    return DEMO_ACCOUNTS
