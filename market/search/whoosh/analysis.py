"""What the Whoosh index holds of a product: the schema, how text becomes terms, and the
fields of one `ProductDocument`.

Words are those of market.search.matching (folded with `market.text.fold`: lower case, no
tones or marks, đ -> d; no stop words; one-letter syllables kept), both when indexing and
when searching. Text fields keep frequencies, not positions: nothing searches phrases.
"""
from __future__ import annotations

from datetime import UTC, datetime

from whoosh import fields as wf
from whoosh.analysis import Filter, RegexTokenizer
from whoosh.columns import NumericColumn

from market.search.backend import ProductDocument
from market.search.matching import JOINED_FIELDS, MAX_TOKEN_LENGTH, WORD_RE, aliases
from market.text import fold

# Text fields a query word may match in.
TEXT_FIELDS = ("name", "description", "seller_name", "category_name", "badges")


class FoldingTokenizer(RegexTokenizer):
    """Folds the whole value (market.text.fold) and then cuts it into words.

    Folding comes first so that text in decomposed form (a letter followed by combining
    marks, which are not word characters) still gives whole words."""

    def __init__(self):
        super().__init__(expression=WORD_RE.pattern, gaps=False)

    def __call__(self, value, **kwargs):
        return super().__call__(fold(value), **kwargs)


class FoldFilter(Filter):
    """Folds each token (idempotent after FoldingTokenizer; kept so the chain stays right
    if the tokenizer is ever swapped) and drops over-long tokens. No stop words."""

    def __call__(self, tokens):
        for token in tokens:
            text = token.text if token.text.isascii() and token.text == token.text.lower() else fold(token.text)
            if text and len(text) <= MAX_TOKEN_LENGTH:
                token.text = text
                yield token


class AliasFilter(Filter):
    """After a text's words, the other spellings the index holds of them
    (matching.aliases: "500 ml" -> "500ml", "mat ong" -> "matong" with `joined`)."""

    def __init__(self, joined: bool):
        self.joined = joined

    def __eq__(self, other):
        return type(other) is type(self) and other.joined == self.joined

    def __call__(self, tokens):
        words = []
        token = None
        for token in tokens:
            words.append(token.text)
            yield token
        if token is not None:
            for alias in aliases(words, self.joined):
                token.text = alias
                yield token


def folding_analyzer(joined: bool = False):
    return FoldingTokenizer() | FoldFilter() | AliasFilter(joined)


def make_schema() -> wf.Schema:
    analyzer, joined = folding_analyzer(), folding_analyzer(joined=True)
    assert set(JOINED_FIELDS) == {"name", "category_name"}
    return wf.Schema(
        id=wf.ID(stored=True, unique=True),
        pid=wf.COLUMN(NumericColumn("q")),  # columns: sort keys and price bands, not indexed
        # Frequencies, no positions (phrase=False): nothing searches phrases.
        name=wf.TEXT(analyzer=joined, field_boost=3.0, stored=True, phrase=False),
        description=wf.TEXT(analyzer=analyzer, stored=True, phrase=False),
        seller_name=wf.TEXT(analyzer=analyzer, phrase=False),
        category_name=wf.TEXT(analyzer=joined, phrase=False),
        badges=wf.TEXT(analyzer=analyzer, phrase=False),
        category_ids=wf.KEYWORD(commas=True),
        province=wf.ID(),
        programs=wf.KEYWORD(commas=True),
        ocop=wf.ID(),
        price=wf.COLUMN(NumericColumn("q")),
        in_stock=wf.ID(),
        listed_at=wf.COLUMN(NumericColumn("q")),  # µs since the epoch, UTC
    )


def _timestamp(value: datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # the database keeps UTC
    return int(value.timestamp() * 1_000_000)


def document_fields(doc: ProductDocument) -> dict:
    """The Whoosh fields of one product."""
    category_ids = dict.fromkeys([doc.category_id, *doc.category_ids])
    fields = {
        "id": str(doc.id),
        "pid": int(doc.id),
        "name": doc.name or "",
        "description": doc.description or "",
        "seller_name": doc.seller_name or "",
        "category_name": doc.category_name or "",
        "badges": " ".join(doc.program_badges),
        "category_ids": ",".join(str(i) for i in category_ids if i is not None),
        "programs": ",".join(str(i) for i in doc.program_ids),
        "province": doc.province_code or "",
        "ocop": str(doc.ocop_stars) if doc.ocop_stars else "",
        "price": int(doc.price_vnd),
        "in_stock": "true" if doc.in_stock else "false",
        "listed_at": _timestamp(doc.listed_at),
    }
    return {key: value for key, value in fields.items() if value != ""}
