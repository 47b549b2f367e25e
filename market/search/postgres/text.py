"""What the PostgreSQL engine stores of a product, and the tsquery text of the query words.

Names, descriptions, seller and category names and badges are folded and cut into words by
market.search.matching (the same words as the Whoosh engine's); the tsvector is built from
those words (name weighted A, the rest weighted B), so PostgreSQL's own parser and the
database locale never decide what a word is. User text never reaches a query parser: each
word becomes a quoted lexeme (`'mat' & 'ong'`) sent as a bound parameter.
"""
from datetime import timezone

from market.search.backend import ProductDocument
from market.search.matching import WORD_RE, aliases, index_words, text_words

MAX_POSITION = 16_383  # PostgreSQL's largest tsvector position
MAX_POSITIONS_PER_WORD = 256  # and the most positions it keeps per lexeme


def lexeme(word: str, prefix: bool = False) -> str:
    # Words hold only letters and digits, so quoting cannot be escaped from; still, be strict.
    if not WORD_RE.fullmatch(word):
        raise ValueError(f"not a word: {word!r}")
    return f"'{word}'" + (":*" if prefix else "")


def tsquery_all(words: list[str], prefix_last: bool = False) -> str:
    """`'w1' & 'w2' & 'w3':*` for a bound parameter cast to tsquery."""
    return " & ".join(lexeme(w, prefix_last and i == len(words) - 1) for i, w in enumerate(words))


def tsquery_phrase(words: list[str]) -> str:
    """`'w1' <-> 'w2'`: the words side by side, in this order."""
    return " <-> ".join(lexeme(w) for w in words)


def tsvector_literal(name_words: list[str], body_words: list[str]) -> str:
    """The tsvector of a product: name words at weight A, then the other words at weight B."""
    positions: dict[str, list[str]] = {}
    position = 0
    for weight, words in (("A", name_words), ("B", body_words)):
        if weight == "B":
            position += 1  # a gap between the name and the rest
        for word in words:
            position += 1
            if position > MAX_POSITION:
                break
            kept = positions.setdefault(word, [])
            if len(kept) < MAX_POSITIONS_PER_WORD:
                kept.append(f"{position}{weight}")
    return " ".join(f"{lexeme(word)}:{','.join(kept)}" for word, kept in positions.items())


def document_row(doc: ProductDocument) -> dict:
    """The product_search values of one document (search_vector as tsvector text)."""
    name = clean(doc.name)
    description = clean(doc.description)
    name_words = text_words(name)
    # the aliases (matching.index_words) after the words as written: positions and the
    # folded name stay those of the name as written
    body_words = [*index_words(description), *index_words(clean(doc.seller_name)),
                  *index_words(clean(doc.category_name), joined=True),
                  *(word for badge in doc.program_badges for word in index_words(clean(badge)))]
    listed_at = doc.listed_at
    if listed_at.tzinfo is None:
        listed_at = listed_at.replace(tzinfo=timezone.utc)  # the database keeps UTC
    return {
        "product_id": int(doc.id),
        "name": name,
        "description": description,
        "name_folded": " ".join(name_words),
        "search_vector": tsvector_literal(name_words + aliases(name_words, joined=True), body_words),
        "category_ids": [int(i) for i in dict.fromkeys((doc.category_id, *doc.category_ids)) if i is not None],
        "program_ids": [int(i) for i in dict.fromkeys(doc.program_ids)],
        "province_code": clean(doc.province_code),
        "ocop_stars": int(doc.ocop_stars) if doc.ocop_stars else None,
        "price_vnd": int(doc.price_vnd),
        "in_stock": bool(doc.in_stock),
        "listed_at": listed_at,
    }


def clean(value) -> str:
    """Text PostgreSQL accepts: no NUL, no lone surrogates."""
    value = str(value or "").replace("\x00", "")
    return value.encode("utf-8", "replace").decode("utf-8") if unencodable(value) else value


def unencodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
