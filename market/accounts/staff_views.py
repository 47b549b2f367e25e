"""Staff administration of accounts under /staff/users (filled in by issue 12)."""
from market.accounts import bp  # noqa: F401
