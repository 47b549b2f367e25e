"""Vietnamese text folded by the database, for staff searches over names.

`contains_folded(column, text)` is true when `column`, folded, contains `text` folded by
`market.text.fold`: "nguyen thi", "Nguyễn Thị" and "NGUYỄN THỊ" all find "Nguyễn Thị Hoa"
and "Đà Lạt" is found by "da lat". No folded copy of the column is kept; the database folds:

- PostgreSQL (13 or later, UTF-8) with `normalize` to NFD, the combining marks removed,
  `lower`, and đ/Đ translated to d: no extension needed;
- SQLite with `market.text.fold` itself, registered on each connection as the SQL function
  `market_fold` (SQLite has no `normalize`, and its `lower` knows ASCII only).
"""
import sqlite3

from sqlalchemy import String, event, func
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from market.text import fold


class _Folded(FunctionElement):
    """The column as `market.text.fold` writes it, computed by the database."""

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
def _folded_by_decomposing(element, compiler, **kw):
    # Decomposed (NFD), every Vietnamese vowel is an ASCII letter and combining marks, which
    # go; `lower` then needs ASCII only (whatever the database's ctype), and đ/Đ, which do not
    # decompose, become d. Five times faster than `translate` over the 134 accented letters.
    sql = compiler.process(element.clauses, **kw)
    return rf"translate(lower(regexp_replace(normalize({sql}, NFD), '[\u0300-\u036f]', '', 'g')), 'đĐ', 'dd')"


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
