"""Every icon a template names is vendored, and an icon renders as decorative inline SVG."""
import re
from pathlib import Path

import pytest

from market.core.icons import UnknownIcon, icon

TEMPLATES = Path(__file__).resolve().parent.parent / "market" / "templates"
ICON_CALL = re.compile(r"""icon\(\s*["']([^"']+)["']""")


def test_every_icon_named_in_a_template_is_vendored():
    named = {
        (path.relative_to(TEMPLATES), name)
        for path in TEMPLATES.rglob("*.html")
        for name in ICON_CALL.findall(path.read_text(encoding="utf-8"))
    }
    missing = []
    for where, name in sorted(named):
        try:
            icon(name)
        except UnknownIcon:
            missing.append(f"{where}: {name}")
    assert missing == []


def test_an_icon_is_inline_svg_hidden_from_screen_readers():
    svg = str(icon("shopping-cart", size=24))
    assert svg.startswith('<svg class="icon" width="24" height="24"')
    assert 'aria-hidden="true"' in svg and "<path" in svg and "license" not in svg


@pytest.mark.parametrize("name", ["no-such-icon", "../secret", "Shopping-Cart"])
def test_an_unknown_or_odd_name_is_refused(name):
    with pytest.raises(UnknownIcon):
        icon(name)
