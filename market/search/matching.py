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
    """The distinct words of what the shopper typed (at most MAX_QUERY_WORDS), in the
    canonical spelling the index also has (`canonical_words`)."""
    return list(dict.fromkeys(canonical_words(words_of(query_text(text)))))[:MAX_QUERY_WORDS]


def has_no_words(text) -> bool:
    """Text was typed, but no word: only punctuation, emoji, control characters..."""
    return bool(query_text(text).strip()) and not query_words(text)


def typing_last_word(text) -> bool:
    """Whether the shopper is still typing the last word (no space after it yet)."""
    return not query_text(text)[-1:].isspace()


# -- ways of typing the same thing -------------------------------------------------------------
# Shoppers write "500ml", "500 ml", "500 gr" or "1 lít", join syllables ("matong", "caphe"),
# borrow spellings ("cafe") or type Telex tone letters without the keyboard converting them
# ("maatj ong"). The query is rewritten into one canonical spelling (`canonical_words`) and
# the index holds that spelling too, next to the words as written (`index_words`): an
# amount with its unit as one word ("500ml", "5kg"), each two neighbouring name words
# joined ("matong"), and the variants' common spelling ("caphe"). Telex (`telex_query`) is
# only tried when the query as typed finds nothing: "vongs" may be a word of the catalog.
# The index holds what these rules gave when it was written: after changing them, run
# `flask search reindex` (both engines rebuild from the database; no schema changes).

# unit as written (folded) -> the unit as the index spells it after the number
UNITS = {
    "ml": "ml", "l": "l", "lit": "l", "litre": "l", "liter": "l",
    "g": "g", "gr": "g", "gam": "g", "gram": "g", "grams": "g",
    "kg": "kg", "kgs": "kg", "kilo": "kg", "kilogram": "kg", "ki": "kg", "ky": "kg",
}
# a word (or two neighbouring words, joined) -> the spelling the index also holds
VARIANTS = {"cafe": "caphe", "coffee": "caphe", "cafes": "caphe"}
# an indexed spelling -> its syllables, also indexed where a variant is written ("Cafe
# muối" is found by "ca phe muoi" too)
SYLLABLES = {"caphe": ("ca", "phe")}
_AMOUNT_RE = re.compile(r"([0-9]+)([a-z]+)")
# One Vietnamese syllable without marks: initial consonant(s), vowels, final consonant(s).
_SYLLABLE_RE = re.compile(r"(?:ngh|ng|gh|gi|kh|nh|ph|qu|th|tr|ch|[bcdghklmnpqrstvx])?[aeiouy]{1,3}(?:ch|nh|ng|[cmnpt])?")
_TELEX_MARKS = (("dd", "d"), ("aa", "a"), ("aw", "a"), ("ee", "e"), ("oo", "o"), ("ow", "o"), ("uw", "u"), ("w", "u"))
_TELEX_TONE_RE = re.compile(r"[sfrxj](?=[^aeiouy]*$)")
_TRIGGERS = frozenset(UNITS) | frozenset(VARIANTS)
JOINED_FIELDS = ("name", "category_name")  # where neighbouring words are also indexed joined


def _amount(word: str) -> str | None:
    """"500gr" -> "500g": an amount with a unit, spelled as the index has it (None if not one)."""
    m = _AMOUNT_RE.fullmatch(word)
    unit = UNITS.get(m.group(2)) if m else None
    return m.group(1) + unit if unit else None


def telex(word: str) -> str:
    """"maatj" -> "mat": a word typed with Telex letters left unconverted, as the plain
    syllable; any other word as it is (only when it is not a syllable and becomes one)."""
    if len(word) < 3 or not word.isascii() or not word.isalpha() or _SYLLABLE_RE.fullmatch(word):
        return word
    plain = word
    for typed, letter in _TELEX_MARKS:
        plain = plain.replace(typed, letter)
    first_vowel = re.search(r"[aeiouy]", plain)
    if first_vowel:
        head, tail = plain[:first_vowel.end()], plain[first_vowel.end():]
        plain = head + _TELEX_TONE_RE.sub("", tail, count=1)
    return plain if plain != word and _SYLLABLE_RE.fullmatch(plain) else word


def telex_query(text) -> str | None:
    """The query with its Telex-typed words converted ("maatj ong" -> "mat ong"), or None
    when no word was."""
    words = words_of(query_text(text))
    converted = [telex(w) for w in words]
    return " ".join(converted) if converted != words else None


def canonical_words(words: list[str]) -> list[str]:
    """The query's words as the index spells them: an amount and its unit as one word ("500 gr" -> "500g"), and variants in their indexed spelling
    ("ca fe", "cafe" -> "caphe")."""
    out: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        following = words[i + 1] if i + 1 < len(words) else None
        if following is not None and word.isdigit() and following in UNITS:
            out.append(word + UNITS[following])
            i += 2
            continue
        if following is not None and word + following in VARIANTS:
            out.append(VARIANTS[word + following])
            i += 2
            continue
        out.append(_amount(word) or VARIANTS.get(word, word))
        i += 1
    return out


def highlight_words(words: list[str]) -> set[str]:
    """The words of stored text that show a match of the canonical query `words`: the words
    themselves and their other spellings ("500g": "500", "g", "gr", "gram"...; "caphe":
    "cafe", "ca", "phe"; "ca phe": "cafe")."""
    shown = set(words)
    for word in words:
        m = _AMOUNT_RE.fullmatch(word)
        if m and m.group(2) in UNITS.values():
            units = {spelling for spelling, unit in UNITS.items() if unit == m.group(2)}
            shown |= {m.group(1), *units, *(m.group(1) + unit for unit in units)}
        shown |= {variant for variant, canonical in VARIANTS.items() if canonical == word}
        shown |= set(SYLLABLES.get(word, ()))
    for first, second in zip(words, words[1:]):
        if (first, second) in SYLLABLES.values():
            joined = first + second
            shown |= {joined, *(variant for variant, canonical in VARIANTS.items() if canonical == joined)}
    return shown


def aliases(words: list[str], joined: bool) -> list[str]:
    """The other spellings the index holds for a text's `words` (see `canonical_words`):
    amounts with their unit as one word, variants, and with `joined` each two neighbouring
    words of letters joined. Words the text already has are left out."""
    if not joined and _TRIGGERS.isdisjoint(words) and not any(w[:1].isdigit() for w in words):
        return []
    extra = []
    for i, word in enumerate(words):
        following = words[i + 1] if i + 1 < len(words) else None
        if following in UNITS and word.isdigit():
            extra.append(word + UNITS[following])
        if word in VARIANTS:
            extra += (VARIANTS[word], *SYLLABLES.get(VARIANTS[word], ()))
        elif word[:1].isdigit() and (amount := _amount(word)):
            extra.append(amount)
        if joined and following is not None and word.isalpha() and following.isalpha():
            extra.append(VARIANTS.get(word + following, word + following))
    have = set(words)
    return [w for w in dict.fromkeys(extra) if w not in have and len(w) <= MAX_TOKEN_LENGTH]


def index_words(text, joined: bool = False) -> list[str]:
    """The terms the index holds of a text: its words (`text_words`), then `aliases`."""
    words = text_words(text)
    return words + aliases(words, joined)


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
        self.exact = highlight_words(words)
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


# -- ranking ----------------------------------------------------------------------------------


def spread_sellers(hits: list, seller_of: dict[int, int], in_stock: dict[int, bool]) -> list:
    """`hits` (best first) with each run of equal scores (and stock) taken one seller at a
    time, in the order the sellers first appear, so one seller's many equal products do
    not fill the page (the engines break ties by date or index order)."""
    def tie(a, b) -> bool:
        return (in_stock.get(a.product_id) == in_stock.get(b.product_id)
                and abs(a.score - b.score) <= 1e-9 * max(1.0, abs(a.score)))

    spread, i = [], 0
    while i < len(hits):
        j = i
        while j < len(hits) and tie(hits[i], hits[j]):
            j += 1
        queues: dict[int | None, list] = {}
        for hit in hits[i:j]:
            queues.setdefault(seller_of.get(hit.product_id), []).append(hit)
        while queues:
            for seller in list(queues):
                spread.append(queues[seller].pop(0))
                if not queues[seller]:
                    del queues[seller]
        i = j
    return spread


# -- request values -----------------------------------------------------------------------------


def bounded_int(value, default: int, low: int, high: int) -> int:
    """`value` as an integer within low..high; `default` when it is not a number."""
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return default
    return min(max(number, low), high)
