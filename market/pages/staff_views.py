"""pages: staff pages under /staff/... (filled in by issue 12)."""
from market.pages import bp  # noqa: F401
