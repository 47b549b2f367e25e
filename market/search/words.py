"""Highlights, the same for every engine: which parts of a stored text a query matched.

The rules of what a word is and what matches it are in matching.py."""
import functools
import unicodedata
from collections.abc import Callable

from market.search.backend import Snippet
from market.search.matching import WORD_RE, Matcher
from market.text import fold

SNIPPET_WORDS = 30
SNIPPET_BEFORE = 8
# Highlights kept per process (a name or description and its query): the hits of a busy
# query come back page after page. A few hundred bytes each.
KEPT_HIGHLIGHTS = 4096


@functools.lru_cache(maxsize=65536)
def _fold_word(word: str) -> str:
    return fold(word)


def snippet(text: str, matches: Callable[[str], bool], window: bool) -> Snippet | None:
    """Parts of `text` with the matched words marked (raw text: the template escapes it);
    with `window`, ~30 words around the first match (None when nothing matches)."""
    text = unicodedata.normalize("NFC", text or "")
    if window:
        text = " ".join(text.split())
    tokens = list(WORD_RE.finditer(text))
    start, end, before, after = 0, len(text), "", ""
    if window:
        first = next((i for i, m in enumerate(tokens) if matches(_fold_word(m.group()))), None)
        if first is None:
            return None
        first_token = max(0, first - SNIPPET_BEFORE)
        last_token = min(len(tokens), first_token + SNIPPET_WORDS) - 1
        if first_token > 0:
            start, before = tokens[first_token].start(), "…"
        if last_token < len(tokens) - 1:
            end, after = tokens[last_token].end(), "…"
        tokens = tokens[first_token:last_token + 1]
    parts: list[tuple[str, bool]] = []

    def add(part: str, matched: bool) -> None:
        if not part:
            return
        if parts and not matched and not parts[-1][1]:
            parts[-1] = (parts[-1][0] + part, False)
        else:
            parts.append((part, matched))

    add(before, False)
    position = start
    for m in tokens:
        if not matches(_fold_word(m.group())):
            continue
        add(text[position:m.start()], False)
        add(m.group(), True)
        position = m.end()
    add(text[position:end], False)
    add(after, False)
    return Snippet(parts=tuple(parts))


@functools.lru_cache(maxsize=KEPT_HIGHLIGHTS)
def highlighted(text: str, words: tuple[str, ...], loose: bool, window: bool) -> Snippet | None:
    """`snippet` of `text` for a search of the canonical `words` (when `loose`, their typos
    and the last word as a prefix match too: matching.Matcher), kept per process."""
    return snippet(text, Matcher(list(words), loose), window)
