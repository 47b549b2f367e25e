"""reviews: public pages (filled in by issue 12)."""
from market.reviews import bp  # noqa: F401
from market.reviews import models  # noqa: F401
