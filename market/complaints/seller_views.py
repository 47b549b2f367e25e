"""complaints: seller pages under /sell/... (filled in by issue 12)."""
from market.complaints import bp  # noqa: F401
