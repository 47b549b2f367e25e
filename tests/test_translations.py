"""Vietnamese first: every message the code and templates show has a Vietnamese translation
that keeps its placeholders (a missing one would show English, a lost one would crash)."""
import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def _extracted_ids() -> set[str]:
    with open(ROOT / "babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)
    ids = set()
    for _filename, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        ids.add(message[0] if isinstance(message, tuple) else message)
    assert len(ids) > 1000, "babel.cfg's patterns no longer find the messages"
    return ids


def _vietnamese():
    with open(ROOT / "market/translations/vi/LC_MESSAGES/messages.po", "rb") as po:
        return read_po(po, locale="vi")


def test_every_message_shown_has_a_vietnamese_translation():
    catalog = _vietnamese()
    untranslated = sorted(
        key for key in _extracted_ids()
        if key and (catalog.get(key) is None or not all(_strings(catalog.get(key))))
    )
    assert untranslated == [], f"{len(untranslated)} messages without Vietnamese (make update-messages): {untranslated[:10]}"


def test_translations_keep_their_placeholders():
    wrong = []
    for message in _vietnamese():
        if not message.id:
            continue
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        expected = set().union(*(PLACEHOLDER.findall(source) for source in sources))
        for string in _strings(message):
            if string and not set(PLACEHOLDER.findall(string)) <= expected:
                wrong.append(sources[0])
    assert wrong == []


def _strings(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)
