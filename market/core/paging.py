"""The `?page=` argument of paged lists."""
from flask import request


def page_number() -> int:
    """The page asked for: a positive number of at most 5 digits, else 1 (never an error)."""
    value = request.args.get("page", "1")
    return int(value) if value.isdigit() and 0 < len(value) < 6 and int(value) > 0 else 1
