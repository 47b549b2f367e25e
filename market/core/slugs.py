"""URL slugs from Vietnamese names: "Mật ong hoa nhãn" -> "mat-ong-hoa-nhan"."""
from slugify import slugify
from sqlalchemy import select

from market.extensions import db
from market.text import fold


def slug_for(text: str, max_length: int = 80) -> str:
    """A readable ASCII slug; "item" when nothing of the text is left (e.g. only emoji)."""
    return slugify(fold(text), max_length=max_length, word_boundary=True) or "item"


def unique_slug(column, text: str, exclude_id: int | None = None) -> str:
    """`slug_for(text)`, suffixed -2, -3... until no other row of `column`'s table has it."""
    base = slug_for(text)
    model = column.class_
    taken = set(
        db.session.scalars(
            select(column).where(column.like(f"{base}%"), model.id != (exclude_id or 0))
        )
    )
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    return candidate
