"""The `?page=` argument of paged lists."""
from market.core.numbers import int_arg

MAX_PAGE = 99_999


def page_number() -> int:
    """The page asked for: a positive number of at most 5 digits, else 1 (never an error)."""
    return int_arg("page", 1, minimum=1, maximum=MAX_PAGE)
