"""Inline SVG icons from Lucide (npm `lucide-static` 1.62.0, ISC licence), vendored file by file.

`{{ icon("shopping-cart") }}` in a template puts the icon's SVG into the page: no icon font, no
extra request, and it takes the text colour (`stroke="currentColor"`). An icon is decoration
(`aria-hidden`): the link or button around it carries a visible label or an `aria-label`.

To add an icon: `python tools/vendor_icons.py NAME...` copies it from `node_modules`
(`npm install lucide-static@1.62.0` anywhere, and pass `--from` that folder).
`tests/test_icons.py` fails when a template names an icon that is not vendored.
"""
import re
from functools import lru_cache
from pathlib import Path

from markupsafe import Markup

ICON_DIR = Path(__file__).resolve().parent.parent / "static" / "icons" / "lucide"
_INNER = re.compile(r"<svg[^>]*>(.*)</svg>", re.S)
_NAME = re.compile(r"^[a-z0-9-]+$")


class UnknownIcon(LookupError):
    """A template asked for an icon that is not vendored (a bug, caught by the tests)."""


@lru_cache(maxsize=None)
def _inner_svg(name: str) -> str:
    path = ICON_DIR / f"{name}.svg"
    if not _NAME.match(name) or not path.is_file():
        raise UnknownIcon(name)
    match = _INNER.search(path.read_text(encoding="utf-8"))
    if match is None:
        raise UnknownIcon(name)
    # One line of markup: the pages stay small on a slow connection.
    return " ".join(line.strip() for line in match.group(1).splitlines() if line.strip())


def icon(name: str, size: int = 20, class_: str = "") -> Markup:
    """The icon `name` as inline SVG, `size` CSS pixels square, hidden from screen readers."""
    classes = f"icon {class_}".strip()
    return Markup(
        f'<svg class="{classes}" width="{size}" height="{size}" viewBox="0 0 24 24" fill="none" '
        'stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" '
        f'aria-hidden="true" focusable="false">{_inner_svg(name)}</svg>'
    )
