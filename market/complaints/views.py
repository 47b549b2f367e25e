"""complaints: public pages (filled in by issue 12)."""
from market.complaints import bp  # noqa: F401
from market.complaints import models  # noqa: F401
