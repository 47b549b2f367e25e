"""The demo's people: a shopper, a seller's owner, central and provincial staff (all with the
same password), and the helper that creates an account once."""
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
DOMAIN = "demo.cho-phu-nu.vn"
STAFF = DemoAccount(f"staff@{DOMAIN}", DEMO_PASSWORD, Role.STAFF, "Lê Thị Thu", None, "central staff")
DEMO_ACCOUNTS = (
    DemoAccount(f"shopper@{DOMAIN}", DEMO_PASSWORD, Role.SHOPPER, "Nguyễn Thị Mai", None, "shopper"),
    DemoAccount(f"seller@{DOMAIN}", DEMO_PASSWORD, Role.SHOPPER, "Trần Thị Hoa", None, "seller owner (HTX Cà phê Cầu Đất)"),
    STAFF,
    DemoAccount(
        f"staff.lamdong@{DOMAIN}", DEMO_PASSWORD, Role.STAFF, "Phạm Thị Lan", "Lâm Đồng", "provincial staff (Lâm Đồng)"
    ),
)


def account(email: str, name: str, role: str = Role.SHOPPER, province: str | None = None):
    """The account with this email, created when missing."""
    user = find_user_by_email(email)
    if user is None:
        user = create_user(email, role, DEMO_PASSWORD, full_name=name, province=province)
    return user

