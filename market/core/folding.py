"""Vietnamese text folded by the database, for staff searches over names.

`contains_folded(column, text)` is true when `column`, folded, contains `text` folded by
`market.text.fold`: "nguyen thi", "Nguyễn Thị" and "NGUYỄN THỊ" all find "Nguyễn Thị Hoa"
and "Đà Lạt" is found by "da lat". No folded copy of the column is kept; the database folds:

- PostgreSQL with `translate` (no extension needed): every Vietnamese letter (67 lower case,
  67 upper case) becomes its plain letter and the combining marks of text typed in
  decomposed form are dropped, then `lower`;
- SQLite with `market.text.fold` itself, registered on each connection as the SQL function
  `market_fold` (SQLite has no `translate`, its `lower` knows ASCII only, and 142 nested
  `replace` calls overflow its parser).
"""
import sqlite3
import unicodedata

from sqlalchemy import String, event, func
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from market.text import fold

_BASES = "aăâeêioôơuưy"
_TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")  # none, huyền, sắc, hỏi, ngã, nặng
# Marks as they come in decomposed text (tones, then breve, circumflex and horn).
_MARKS = "\u0300\u0301\u0309\u0303\u0323\u0306\u0302\u031b"


def _letters() -> list[tuple[str, str]]:
    """(Vietnamese letter, its plain ASCII letter), lower and upper case, đ and Đ included."""
    pairs = []
    for base in _BASES:
        for tone in _TONES:
            letter = unicodedata.normalize("NFC", base + tone)
            plain = fold(letter)
            if letter != plain:
                pairs.append((letter, plain))
                pairs.append((letter.upper(), plain))
    return pairs + [("đ", "d"), ("Đ", "d")]


LETTERS = _letters()


class _Folded(FunctionElement):
    """`lower(column)` after every Vietnamese letter became its plain letter."""

    type = String()
    inherit_cache = True
    name = "folded"


@event.listens_for(Engine, "connect")
def _register_sqlite_fold(dbapi_connection, _record):
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function("market_fold", 1, _fold_or_none, deterministic=True)


def _fold_or_none(value):
    return fold(value) if isinstance(value, str) else value


@compiles(_Folded)
def _folded_elsewhere(element, compiler, **kw):
    # Databases other than the two we run on fold ASCII case only.
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(_Folded, "sqlite")
def _folded_by_python(element, compiler, **kw):
    return f"market_fold({compiler.process(element.clauses, **kw)})"


@compiles(_Folded, "postgresql")
def _folded_by_translate(element, compiler, **kw):
    sql = compiler.process(element.clauses, **kw)
    # Characters of the second argument with no counterpart in the third are deleted: the marks.
    source = "".join(letter for letter, _plain in LETTERS) + _MARKS
    target = "".join(plain for _letter, plain in LETTERS)
    return f"lower(translate({sql}, '{source}', '{target}'))"


def search_text(value, length: int = 100) -> str:
    """What a search box sent, made safe to search with: control characters (NUL breaks
    PostgreSQL) become spaces, runs of spaces one space, and at most `length` characters."""
    text = "".join(ch if ch.isprintable() else " " for ch in (value or "")[: length * 4])
    return " ".join(text.split())[:length]


def folded(column):
    """SQL: `column` folded (no tones or marks, đ -> d, lower case)."""
    return _Folded(column)


def like_pattern(text: str) -> str:
    """A LIKE pattern (escape character backslash) matching `text` anywhere."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contains_folded(column, text: str):
    """SQL condition: `column`, folded, contains `text` folded."""
    return folded(column).like(like_pattern(fold(text)), escape="\\")


def contains_lower(column, text: str):
    """SQL condition: `column` in lower case contains `text` in lower case (emails, numbers)."""
    return func.lower(column).like(like_pattern(text.lower()), escape="\\")
