"""Geography: Vietnam's provincial-level units."""
from market.geo.provinces import Province, all_provinces, choices, get_by_code, lookup

__all__ = ["Province", "all_provinces", "choices", "get_by_code", "lookup"]
