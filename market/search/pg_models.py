"""The PostgreSQL search engine's table: one row per visible product (see postgres_backend.py).

The table is part of `db.metadata` and is created on every database by migration
0005_product_search, so `flask db check` agrees on SQLite and PostgreSQL alike. Its
PostgreSQL-only types are variants: on SQLite `search_vector` is plain text and the id
lists are JSON, and the two GIN indexes are ordinary indexes there. Nothing writes the
table on SQLite (SEARCH_BACKEND=postgres refuses to run there); it just stays empty.
"""
from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from market.extensions import db

# The column types, shared with the migration so both always say the same thing.
ID_LIST = JSON().with_variant(postgresql.ARRAY(Integer()), "postgresql")
SEARCH_VECTOR = Text().with_variant(postgresql.TSVECTOR(), "postgresql")


class ProductSearch(db.Model):
    """What the PostgreSQL engine knows of one visible product.

    `search_vector` holds the folded words (market.text.fold, cut like the Whoosh engine
    cuts them) with their positions: the name's words weighted A, the words of the
    description, seller, category and program badges weighted B. `name_folded` (the
    name's folded words) carries the pg_trgm index used for typos and "did you mean".
    `name` and `description` are kept as written, for highlighted snippets.
    """

    __tablename__ = "product_search"
    __table_args__ = (
        Index("ix_product_search_vector", "search_vector", postgresql_using="gin"),
        Index(
            "ix_product_search_name_trgm", "name_folded",
            postgresql_using="gin", postgresql_ops={"name_folded": "gin_trgm_ops"},
        ),
        # Browsing sorted by newest or by price reads a page off these instead of sorting all.
        Index("ix_product_search_listed_at", "listed_at"),
        Index("ix_product_search_price_vnd", "price_vnd"),
    )

    product_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("products.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    name_folded: Mapped[str] = mapped_column(Text)
    search_vector: Mapped[str] = mapped_column(SEARCH_VECTOR)
    category_ids: Mapped[list[int]] = mapped_column(ID_LIST)  # the category and its parent
    program_ids: Mapped[list[int]] = mapped_column(ID_LIST)
    province_code: Mapped[str] = mapped_column(String(2))
    ocop_stars: Mapped[int | None] = mapped_column(SmallInteger)  # verified stars only
    price_vnd: Mapped[int] = mapped_column(Integer)
    in_stock: Mapped[bool] = mapped_column(Boolean)
    listed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
