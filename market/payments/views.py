"""Payment provider callbacks."""
from market.payments import bp
from market.payments import models  # noqa: F401
