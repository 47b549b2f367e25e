"""The URL converters of every route, registered before any route is added (create_app).

Werkzeug's own are too lenient for a database behind them: `<int:id>` matches any run of
Unicode digits ("/orders/٣" is order 3) of any length (a 20-digit id overflows SQLite's
INTEGER: a 500), and `<slug>` takes a NUL byte, which PostgreSQL refuses in a text parameter
(another 500). Here both are simply not a match: a 404.
"""
from werkzeug.routing import IntegerConverter, UnicodeConverter, ValidationError

from market.core.numbers import MAX_DIGITS, parse_int


class IdConverter(IntegerConverter):
    """`<int:...>`: at most MAX_DIGITS ASCII digits (every such number fits a BIGINT)."""

    regex = rf"[0-9]{{1,{MAX_DIGITS}}}"

    def to_python(self, value: str) -> int:
        number = parse_int(value, minimum=self.min, maximum=self.max)
        if number is None:
            raise ValidationError()
        return number


class PlainStringConverter(UnicodeConverter):
    """`<name>` and `<string:name>`: one path segment without control characters."""

    def __init__(self, map, minlength: int = 1, maxlength: int | None = None, length: int | None = None) -> None:
        super().__init__(map, minlength, maxlength, length)
        # Same length rule as Werkzeug's ("{1,}", "{1,80}", "{8}"), on a narrower class.
        self.regex = self.regex.replace("[^/]", r"[^/\x00-\x1f\x7f]", 1)


def register_converters(app) -> None:
    """Make ours the converters every `<...>` of the URL map uses."""
    app.url_map.converters.update(int=IdConverter, default=PlainStringConverter, string=PlainStringConverter)
