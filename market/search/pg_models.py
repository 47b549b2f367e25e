"""The PostgreSQL search engine's tables (see postgres/backend.py).

- `product_search`: one row per visible product, written by the engine: the texts as
  written (for highlights), the folded name, the tsvector with positions and weights (for
  ranking), and the filter columns. Only its primary key is indexed: queries match, count
  and sort in `product_search_match` and come here for the rows of one page.
- `product_search_match`: the same products, narrow (about half the width, nothing
  TOASTed): the fixed-width filter and sort columns first, then the folded name, the name's
  tsvector (weight A, with positions) and every word of every text as a stripped tsvector
  (`terms`, lexemes only), each with a GIN index. Counting the facets of the products one
  word matches reads a fraction of its pages through the index, where the wide table needs
  a scan of all its pages and a de-TOASTed tsvector tested per row (figures: bench/README.md).
- `product_search_combinations`: the combinations of facet values (categories, programs,
  province, OCOP stars, in stock, price band) that products have, numbered; each match row
  carries its number, so the facets of a text query are counted by grouping the matching
  rows on one integer, then adding the groups up by value. Never deleted (a combination
  nobody has any more counts nothing) and not unique (see the model).
- `product_search_counts`: how many products have each combination. Browsing without text
  counts its facets from these few thousand rows instead of every product. Append-only
  deltas: a change adds rows (+1 for the new combination, -1 for the old one) and merges
  the rows of those combinations that no other transaction holds (FOR UPDATE SKIP LOCKED),
  so writers never wait for each other here; readers add them up.
- `product_search_words`: the distinct words of the product names (a word may appear twice
  when two transactions add it at once; readers use DISTINCT), for typo expansion and
  "did you mean" by pg_trgm similarity without reading every name. Words are added as names
  change and only removed by a rebuild (a word no name has any more finds nothing).

In combinations and counts, `ocop_stars` 0 means none and `price_band` -1 none (NOT NULL,
so that equal combinations are equal in an index); `price_band` is the position in
PRICE_BANDS as the database function `product_search_price_band` computes it.

The last four are derived from `product_search` by the database itself: statement-level
triggers (migration 0008_search_speed) keep them in step with every INSERT, UPDATE, DELETE
and TRUNCATE of `product_search`, in the same transaction, whoever writes it (this engine,
a cascade from `products`, a hand-made fix), and a rebuild recomputes them.

All five tables are part of `db.metadata` and are created on every database by the
migrations, so `flask db check` agrees on SQLite and PostgreSQL alike. Their PostgreSQL-only
types are variants: on SQLite the tsvectors are plain text and the id lists JSON, the GIN
indexes are ordinary indexes, there are no triggers, and the tables stay empty (nothing
writes them: SEARCH_BACKEND=postgres refuses to run there).
"""
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from market.extensions import db

# The column types, shared with the migrations so both always say the same thing.
ID_LIST = JSON().with_variant(postgresql.ARRAY(Integer()), "postgresql")
SEARCH_VECTOR = Text().with_variant(postgresql.TSVECTOR(), "postgresql")
DELTA_ID = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements INTEGER keys only
GIN_PENDING_LIST_KB = 128


class ProductSearch(db.Model):
    """What the PostgreSQL engine knows of one visible product.

    `search_vector` holds the folded words (market.text.fold, cut like the Whoosh engine
    cuts them) with their positions: the name's words weighted A, the words of the
    description, seller, category and program badges weighted B. `name_folded` is the
    name's folded words. `name` and `description` are kept as written, for highlighted
    snippets.
    """

    __tablename__ = "product_search"

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


class ProductSearchMatch(db.Model):
    """The narrow copy of a `product_search` row that queries match, count and sort
    (written only by the triggers; fixed-width columns first, so reading the filter
    columns skips nothing)."""

    __tablename__ = "product_search_match"
    __table_args__ = (
        # A small pending list (fast update): every query reads through it, and writers
        # merge it into the index each time it reaches this size (kB).
        Index("ix_product_search_match_terms", "terms", postgresql_using="gin",
              postgresql_with={"gin_pending_list_limit": GIN_PENDING_LIST_KB}),
        Index("ix_product_search_match_name_vector", "name_vector", postgresql_using="gin",
              postgresql_with={"gin_pending_list_limit": GIN_PENDING_LIST_KB}),
        # The newest and price sorts read a page off these (ties broken by id, as the sorts are).
        Index("ix_product_search_match_listed_at", "listed_at", "product_id"),
        Index("ix_product_search_match_price_vnd", "price_vnd", "product_id"),
    )

    product_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    listed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    price_vnd: Mapped[int] = mapped_column(Integer)
    # The row's product_search_combinations id: facets are counted by grouping on this one
    # integer (hashing the id lists of every matching row would cost twice as much).
    combination_id: Mapped[int] = mapped_column(Integer)
    ocop_stars: Mapped[int | None] = mapped_column(SmallInteger)
    in_stock: Mapped[bool] = mapped_column(Boolean)
    province_code: Mapped[str] = mapped_column(String(2))
    category_ids: Mapped[list[int]] = mapped_column(ID_LIST)
    program_ids: Mapped[list[int]] = mapped_column(ID_LIST)
    name_folded: Mapped[str] = mapped_column(Text)
    name_vector: Mapped[str] = mapped_column(SEARCH_VECTOR)  # ts_filter(search_vector, '{a}')
    terms: Mapped[str] = mapped_column(SEARCH_VECTOR)  # strip(search_vector)


class ProductSearchCombination(db.Model):
    """One combination of facet values some product has or had (never deleted: a
    combination nobody has any more simply counts nothing). Not unique: two transactions
    that meet a new combination at the same moment each number it rather than one waiting
    for the other; match rows take the lowest number, and facets add up by value."""

    __tablename__ = "product_search_combinations"
    __table_args__ = (
        Index("ix_product_search_combinations_values", "category_ids", "province_code", "program_ids",
              "ocop_stars", "in_stock", "price_band"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    category_ids: Mapped[list[int]] = mapped_column(ID_LIST)
    program_ids: Mapped[list[int]] = mapped_column(ID_LIST)
    province_code: Mapped[str] = mapped_column(String(2))
    ocop_stars: Mapped[int] = mapped_column(SmallInteger)  # 0: none
    in_stock: Mapped[bool] = mapped_column(Boolean)
    price_band: Mapped[int] = mapped_column(SmallInteger)  # position in PRICE_BANDS; -1: none


class ProductSearchCount(db.Model):
    """A number of products with one combination of facet values (one of possibly several
    rows of that combination: add them up)."""

    __tablename__ = "product_search_counts"
    __table_args__ = (
        Index("ix_product_search_counts_combination", "category_ids", "province_code", "program_ids",
              "ocop_stars", "in_stock", "price_band"),
    )

    id: Mapped[int] = mapped_column(DELTA_ID, primary_key=True, autoincrement=True)
    category_ids: Mapped[list[int]] = mapped_column(ID_LIST)
    program_ids: Mapped[list[int]] = mapped_column(ID_LIST)
    province_code: Mapped[str] = mapped_column(String(2))
    ocop_stars: Mapped[int] = mapped_column(SmallInteger)  # 0: none
    in_stock: Mapped[bool] = mapped_column(Boolean)
    price_band: Mapped[int] = mapped_column(SmallInteger)  # position in PRICE_BANDS; -1: none
    n: Mapped[int] = mapped_column(Integer)


class ProductSearchWord(db.Model):
    """A folded word of some product name."""

    __tablename__ = "product_search_words"
    __table_args__ = (
        Index("ix_product_search_words_word", "word"),
        Index("ix_product_search_words_trgm", "word", postgresql_using="gin", postgresql_ops={"word": "gin_trgm_ops"}),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    word: Mapped[str] = mapped_column(Text)
