"""The rules every search engine obeys, so that both engines find the same products.

Pure functions over words: no engine, no database. An engine decides how to find the
candidates fast (Whoosh walks its word lists, PostgreSQL asks pg_trgm); these functions
decide which candidates count.

Words. Text is folded (`market.text.fold`: no tones or marks, đ -> d, case-folded) and cut
into words of letters and digits of any script (`WORD_RE`); no stop words, one-letter
syllables kept ("Mỹ A" has the word "a"). Units are not split from their numbers: "500g" is
the one word "500g" and "500 g" the two words "500" and "g", in the index and in the query
alike, so each spelling finds the products written that way.

Typos. A query word of `max_edits(word)` edits (0 below FUZZY_MIN_LENGTH letters, 1 up to
six, 2 from seven; none above FUZZY_MAX_LENGTH) from a word of a product's name
(`LOOSE_FIELDS`) matches it loosely, provided both start with the same letter
(`is_typo_of`). An edit is an inserted, dropped or changed letter, or two adjacent letters
swapped (Damerau distance, whoosh's `distance`). Loose matching only starts when the exact
words find fewer than FEW_HITS.

Prefixes. While the shopper is still typing the last word (`typing_last_word`), it may
match as the start of a name word (`LOOSE_FIELDS`), once it has PREFIX_MIN_LENGTH letters.
Exact words match in every text of a product (name, description, seller, category, badges).

"Did you mean". A word that no product has is replaced by close words of the catalog
(`correction_max_edits`: 1 edit, 2 from five letters, same first letter), nearest first,
then those of the same length, then the most frequent (`corrections`); the corrected
queries are tried in `corrected_queries` order and the first that finds something is
offered, spelled with the accents of the product names it found (`with_accents`).
"""
import functools
import itertools
import re
import unicodedata
from collections.abc import Iterable

from whoosh.support.levenshtein import distance as _damerau_distance

from market.search.backend import MAX_QUERY_LENGTH
from market.text import fold

# A word: letters and digits (any script), not underscores.
WORD_RE = re.compile(r"[^\W_]+")
MAX_TOKEN_LENGTH = 64  # longer "words" are not indexed (and cannot be searched)
MAX_QUERY_WORDS = 32
FEW_HITS = 5  # fewer exact hits than this: also match words loosely (typos, prefix)
FUZZY_MIN_LENGTH = 4  # shorter words match exactly ("pha" is not "phe")
LONG_WORD_LENGTH = 7  # from this length a word may have two typos
FUZZY_MAX_LENGTH = 24  # longer words match exactly (they are codes, not typing)
PREFIX_MIN_LENGTH = 2  # the last word matches as a prefix from this length
CORRECTION_MIN_LENGTH = 2
CORRECTION_LONG_LENGTH = 5  # "did you mean" allows two edits from this length
MAX_PER_PAGE = 100
MAX_CORRECTIONS = 4  # close words kept per unknown word
MAX_COMBINATIONS = 64  # combinations of corrections looked at ...
MAX_TRIED = 16  # ... and tried against the index, nearest first

# The texts of a product (`ProductDocument` fields) where a word may match loosely: a typo,
# or the last word as a prefix while typing. Only the name: a typo matched in long
# descriptions or in program badges floods the results with unrelated products ("nghieng",
# two edits from the badge word "nghiep", found half of a catalog of 100k), and "pha" would
# start the "pham" of "san pham" in most descriptions. Exact words match in every text.
# PostgreSQL keeps the name's words apart for this (name_vector, product_search_words);
# Whoosh has a "name" field.
LOOSE_FIELDS = ("name",)


# -- words ------------------------------------------------------------------------------


def words_of(text: str) -> list[str]:
    """The folded words of `text`, as the indexes see them."""
    return [w for w in WORD_RE.findall(fold(str(text or ""))) if len(w) <= MAX_TOKEN_LENGTH]


@functools.lru_cache(maxsize=65_536)
def _chunk_words(chunk: str) -> tuple[str, ...]:
    return tuple(words_of(chunk))


def text_words(text) -> list[str]:
    """`words_of(text)`, computed a whitespace-separated chunk at a time with a cache.

    The same words: folding works character by character (NFKD, case folding, dropping
    marks, đ -> d), so it never joins two chunks, and whitespace is never part of a
    word. Catalog texts repeat the same few thousand chunks, so indexing folds each once."""
    return [word for chunk in str(text or "").split() for word in _chunk_words(chunk)]


def query_text(text) -> str:
    """What of the shopper's text is read (the first MAX_QUERY_LENGTH characters)."""
    return str(text or "")[:MAX_QUERY_LENGTH]


def query_words(text) -> list[str]:
    """The distinct words of what the shopper typed (at most MAX_QUERY_WORDS)."""
    return list(dict.fromkeys(words_of(query_text(text))))[:MAX_QUERY_WORDS]


def has_no_words(text) -> bool:
    """Text was typed, but no word: only punctuation, emoji, control characters..."""
    return bool(query_text(text).strip()) and not query_words(text)


def typing_last_word(text) -> bool:
    """Whether the shopper is still typing the last word (no space after it yet)."""
    return not query_text(text)[-1:].isspace()


# -- typos and prefixes --------------------------------------------------------------------


def edit_distance(a: str, b: str, limit: int | None = None) -> int:
    """Damerau distance (an adjacent swap counts one edit); past `limit` it may stop early
    and answer more than `limit` without the exact figure."""
    return _damerau_distance(a, b, limit=limit)


def max_edits(word: str) -> int:
    """How many edits a query word may be from a catalog word and still match it."""
    if not FUZZY_MIN_LENGTH <= len(word) <= FUZZY_MAX_LENGTH:
        return 0
    return 2 if len(word) >= LONG_WORD_LENGTH else 1


def is_typo_of(candidate: str, word: str) -> bool:
    """Whether the name word `candidate` matches the query word `word` loosely (not
    when they are equal: that is an exact match)."""
    allowed = max_edits(word)
    return (allowed > 0 and candidate != word and candidate[:1] == word[:1]
            and abs(len(candidate) - len(word)) <= allowed and edit_distance(candidate, word, allowed) <= allowed)


def may_be_prefix(word: str) -> bool:
    """Whether the last word may match as the start of a name word."""
    return len(word) >= PREFIX_MIN_LENGTH


def is_loose(words: list[str]) -> bool:
    """Whether a loose query (typos, the last word as a prefix) could differ from the exact one."""
    return bool(words) and (any(max_edits(w) for w in words) or may_be_prefix(words[-1]))


class Matcher:
    """Which words of stored text the query matched (for highlighting): its words, and
    when the query was loose, their typos and words starting with the last one (in any
    text: a description shows the word the typo stood for, though only names matched it)."""

    def __init__(self, words: list[str], loose: bool):
        self.exact = set(words)
        self.fuzzy = [w for w in words if max_edits(w)] if loose else []
        self.prefix = words[-1] if loose and words and may_be_prefix(words[-1]) else None

    def __call__(self, word: str) -> bool:
        if word in self.exact:
            return True
        if self.prefix and word.startswith(self.prefix):
            return True
        return any(is_typo_of(word, w) for w in self.fuzzy)


# -- "did you mean" ---------------------------------------------------------------------------


def correction_max_edits(word: str) -> int:
    """How far a "did you mean" word may be from the typed one (further than a loose
    match: the shopper sees the suggestion before following it)."""
    if not CORRECTION_MIN_LENGTH <= len(word) <= FUZZY_MAX_LENGTH:
        return 0
    return 2 if len(word) >= CORRECTION_LONG_LENGTH else 1


def corrections(word: str, candidates: Iterable[tuple[str, int]],
                limit: int = MAX_CORRECTIONS) -> list[tuple[int, str]]:
    """The best replacements of the unknown `word` among `candidates` ((catalog word, how
    many products have it)), as (distance, word): same first letter, within
    `correction_max_edits`; nearest first, then a changed or swapped letter before a
    missing or extra one, then the most frequent."""
    allowed = correction_max_edits(word)
    if not allowed:
        return []
    ranked = []
    for candidate, frequency in candidates:
        if candidate == word or candidate[:1] != word[:1] or abs(len(candidate) - len(word)) > allowed:
            continue
        d = edit_distance(candidate, word, allowed)
        if d <= allowed:
            ranked.append((d, abs(len(candidate) - len(word)), -int(frequency), candidate))
    return [(d, candidate) for d, _length, _frequency, candidate in sorted(ranked)[:limit]]


def corrected_queries(words: list[str], options: list[list[tuple[int, str]]]) -> list[list[str]]:
    """The corrected queries to try, in order: one word per position from `options`
    (per word: (distance, word), best first; a known word has only itself), fewest
    edits in all first, the query itself left out. Empty when nothing was corrected."""
    if all(len(o) == 1 and o[0][1] == w for o, w in zip(options, words)):
        return []
    combos = sorted(itertools.islice(itertools.product(*options), MAX_COMBINATIONS), key=lambda c: sum(d for d, _ in c))
    tried = ([w for _, w in combo] for combo in combos[:MAX_TRIED])
    return [corrected for corrected in tried if corrected != words]


def with_accents(words: list[str], names: Iterable[str]) -> str:
    """The folded `words` as one text, each taking the accents it has in the first of
    `names` (product names, best first) that has it."""
    accented: dict[str, str] = {}
    for name in names:
        for m in WORD_RE.finditer(unicodedata.normalize("NFC", name or "")):
            accented.setdefault(fold(m.group()), m.group().lower())
    return " ".join(accented.get(w, w) for w in words)


def distinct_names(names: Iterable[str], limit: int) -> list[str]:
    """Suggestions as typed: `names` in their order, one per folded form ("Cà phê" and "Ca
    phe" are one suggestion), at most `limit`."""
    kept, seen = [], set()
    for name in names:
        key = fold(name)
        if key not in seen:
            seen.add(key)
            kept.append(name)
        if len(kept) >= limit:
            break
    return kept


# -- request values -----------------------------------------------------------------------------


def bounded_int(value, default: int, low: int, high: int) -> int:
    """`value` as an integer within low..high; `default` when it is not a number."""
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return default
    return min(max(number, low), high)
