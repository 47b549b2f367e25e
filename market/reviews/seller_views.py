"""reviews: seller pages under /sell/... (filled in by issue 12)."""
from market.reviews import bp  # noqa: F401
