"""search speed: narrow match table, facet counts and name words, kept by triggers

Revision ID: 0008_search_speed
Revises: 0007_orders
Create Date: 2026-11-27 12:00:00.000000

The PostgreSQL search engine now matches, counts and sorts in `product_search_match` (the
filter columns, the name's tsvector and a stripped tsvector of every word: about 770 bytes
a product instead of 1,600), numbers the combinations of facet values in
`product_search_combinations` (facets of a text query are counted by grouping on that
number), counts the facets of a browse without text from `product_search_counts`
(products per combination), and finds typo corrections in `product_search_words` (the
distinct name words). See market/search/pg_models.py.

On PostgreSQL the four are derived from `product_search` by statement-level AFTER
triggers with transition tables, so that any write of `product_search` (the engine, a
cascade from `products`, a hand-made UPDATE) keeps them exact in the same transaction:

    product_search  --INSERT/UPDATE/DELETE/TRUNCATE-->  product_search_match (+ combinations)
    product_search_match  --INSERT/UPDATE/DELETE/TRUNCATE-->  product_search_counts, product_search_words

Nothing in them makes writers of different products wait for each other: new combinations
and words are added without a unique constraint (a duplicate from two transactions at once
is harmless), and counts are append-only deltas merged under FOR UPDATE SKIP LOCKED.
`product_search_price_band` says which PRICE_BANDS band a price is in
(market/search/backend.py); the engine checks at start that both agree and counts from
`product_search_match` otherwise (change both, then `flask --app wsgi search reindex`).

The indexes of `product_search` other than its primary key move to `product_search_match`.
Existing rows are copied over here; no reindex is needed. SQLite gets the tables (text/JSON
columns, ordinary indexes) and no triggers; they stay empty there.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = "0008_search_speed"
down_revision = "0007_orders"
branch_labels = None
depends_on = None

# Kept in step with market/search/pg_models.py (not imported: migrations are frozen history).
ID_LIST = sa.JSON().with_variant(postgresql.ARRAY(sa.Integer()), "postgresql")
SEARCH_VECTOR = sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql")
DELTA_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

MATCH_COLUMNS = ("listed_at", "price_vnd", "combination_id", "ocop_stars", "in_stock", "province_code", "category_ids",
                 "program_ids", "name_folded", "name_vector", "terms")
# product_search_match's columns computed from a product_search row
MATCH_FROM_SEARCH = ("s.listed_at", "s.price_vnd", "c.id", "s.ocop_stars", "s.in_stock", "s.province_code",
                     "s.category_ids", "s.program_ids", "s.name_folded", "ts_filter(s.search_vector, '{a}')",
                     "strip(s.search_vector)")
# The columns of a combination of facet values (product_search_combinations, product_search_counts).
COMBINATION = ("category_ids", "program_ids", "province_code", "ocop_stars", "in_stock", "price_band")


def combination_of(alias: str) -> tuple[str, ...]:
    """The combination's values from the product_search or product_search_match row `alias`."""
    return (f"{alias}.category_ids", f"{alias}.program_ids", f"{alias}.province_code",
            f"coalesce({alias}.ocop_stars, 0)::smallint", f"{alias}.in_stock",
            f"product_search_price_band({alias}.price_vnd)")


def _combination() -> str:
    return ", ".join(f"{expr} AS {name}" for expr, name in zip(combination_of("r"), COMBINATION))


def _to_match(rows: str) -> list[str]:
    """Statements that upsert the match rows of product_search rows `rows` (aliased s): the
    combinations not numbered yet numbered first (without a unique constraint, which would
    make two transactions meeting the same new combination wait for each other; the lowest
    number of a combination is the one used), then the rows that differ."""
    dims = ", ".join(COMBINATION)
    same = " AND ".join(f"c.{name} = {expr}" for name, expr in zip(COMBINATION, combination_of("s")))
    changed = (f"({', '.join(f'm.{c}' for c in MATCH_COLUMNS)}) IS DISTINCT FROM"
               f" ({', '.join(f'EXCLUDED.{c}' for c in MATCH_COLUMNS)})")
    return [
        f"INSERT INTO product_search_combinations ({dims})"
        f" SELECT DISTINCT {', '.join(combination_of('s'))} FROM {rows} s"
        f" WHERE NOT EXISTS (SELECT 1 FROM product_search_combinations c WHERE {same})"
        " ORDER BY 1, 2, 3, 4, 5, 6",
        f"INSERT INTO product_search_match AS m (product_id, {', '.join(MATCH_COLUMNS)})"
        f" SELECT s.product_id, {', '.join(MATCH_FROM_SEARCH)}"
        f" FROM {rows} s CROSS JOIN LATERAL (SELECT min(c.id) AS id FROM product_search_combinations c WHERE {same}) c"
        " ORDER BY s.product_id"
        f" ON CONFLICT (product_id) DO UPDATE SET {', '.join(f'{c} = EXCLUDED.{c}' for c in MATCH_COLUMNS)}"
        f" WHERE {changed}",
    ]


def _add_counts(delta: str) -> str:
    """Add `delta` (rows of COMBINATION + n) to product_search_counts, merging the rows of
    those combinations that no other transaction holds into one."""
    dims = ", ".join(COMBINATION)
    same = " AND ".join(f"c.{name} = d.{name}" for name in COMBINATION)
    return f"""
        WITH delta AS ({delta}),
        mine AS (
            SELECT c.id FROM product_search_counts c JOIN delta d ON {same}
            FOR UPDATE OF c SKIP LOCKED
        ),
        merged AS (
            DELETE FROM product_search_counts c USING mine WHERE c.id = mine.id
            RETURNING {', '.join(f'c.{name}' for name in COMBINATION)}, c.n
        )
        INSERT INTO product_search_counts ({dims}, n)
        SELECT {dims}, sum(n) FROM (SELECT * FROM merged UNION ALL SELECT * FROM delta) AS rows
        GROUP BY {dims} HAVING sum(n) <> 0 ORDER BY {dims};"""


def _add_words(new_rows_filter: str = "") -> str:
    return f"""
        INSERT INTO product_search_words (word)
        SELECT DISTINCT w.word FROM new_rows n CROSS JOIN LATERAL unnest(tsvector_to_array(n.name_vector)) AS w(word)
        WHERE NOT EXISTS (SELECT 1 FROM product_search_words x WHERE x.word = w.word){new_rows_filter}
        ORDER BY 1;"""


def _functions() -> list[str]:
    dims = ", ".join(COMBINATION)
    return [
        # Which band of market.search.backend.PRICE_BANDS a price is in (-1: none).
        """
        CREATE OR REPLACE FUNCTION product_search_price_band(price integer) RETURNS smallint
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT (CASE WHEN price >= 0 AND price < 100000 THEN 0
                         WHEN price >= 100000 AND price < 300000 THEN 1
                         WHEN price >= 300000 AND price < 1000000 THEN 2
                         WHEN price >= 1000000 THEN 3
                         ELSE -1 END)::smallint
        $$""",
        f"""
        CREATE OR REPLACE FUNCTION product_search_to_match() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                DELETE FROM product_search_match m USING old_rows o WHERE m.product_id = o.product_id;
                RETURN NULL;
            END IF;
            IF TG_OP = 'UPDATE' THEN
                DELETE FROM product_search_match m USING old_rows o WHERE m.product_id = o.product_id
                    AND NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.product_id = o.product_id);
            END IF;
            {';'.join(_to_match('new_rows'))};
            RETURN NULL;
        END $$""",
        """
        CREATE OR REPLACE FUNCTION product_search_truncate_match() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            TRUNCATE product_search_match;
            RETURN NULL;
        END $$""",
        f"""
        CREATE OR REPLACE FUNCTION product_search_match_to_counts() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                {_add_counts(f"SELECT {_combination()}, count(*) AS n FROM new_rows r GROUP BY 1, 2, 3, 4, 5, 6")}
                {_add_words()}
            ELSIF TG_OP = 'DELETE' THEN
                {_add_counts(f"SELECT {_combination()}, -count(*) AS n FROM old_rows r GROUP BY 1, 2, 3, 4, 5, 6")}
            ELSE
                {_add_counts(
                    f"SELECT {dims}, sum(n) AS n FROM ("
                    f"SELECT {_combination()}, 1 AS n FROM new_rows r"
                    f" UNION ALL SELECT {_combination()}, -1 AS n FROM old_rows r) AS d"
                    f" GROUP BY {dims} HAVING sum(n) <> 0")}
                {_add_words(" AND NOT EXISTS (SELECT 1 FROM old_rows o WHERE o.product_id = n.product_id"
                            " AND o.name_vector = n.name_vector)")}
            END IF;
            RETURN NULL;
        END $$""",
        """
        CREATE OR REPLACE FUNCTION product_search_truncate_counts() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            TRUNCATE product_search_counts;
            RETURN NULL;
        END $$""",
    ]


TRIGGERS = [
    ("product_search_inserted", "INSERT", "product_search", "REFERENCING NEW TABLE AS new_rows",
     "product_search_to_match"),
    ("product_search_updated", "UPDATE", "product_search", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
     "product_search_to_match"),
    ("product_search_deleted", "DELETE", "product_search", "REFERENCING OLD TABLE AS old_rows",
     "product_search_to_match"),
    ("product_search_truncated", "TRUNCATE", "product_search", "", "product_search_truncate_match"),
    ("product_search_match_inserted", "INSERT", "product_search_match", "REFERENCING NEW TABLE AS new_rows",
     "product_search_match_to_counts"),
    ("product_search_match_updated", "UPDATE", "product_search_match",
     "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows", "product_search_match_to_counts"),
    ("product_search_match_deleted", "DELETE", "product_search_match", "REFERENCING OLD TABLE AS old_rows",
     "product_search_match_to_counts"),
    ("product_search_match_truncated", "TRUNCATE", "product_search_match", "", "product_search_truncate_counts"),
]
FUNCTIONS = ["product_search_to_match()", "product_search_truncate_match()", "product_search_match_to_counts()",
             "product_search_truncate_counts()", "product_search_price_band(integer)"]


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table('product_search_combinations',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('category_ids', ID_LIST, nullable=False),
    sa.Column('program_ids', ID_LIST, nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.Column('ocop_stars', sa.SmallInteger(), nullable=False),
    sa.Column('in_stock', sa.Boolean(), nullable=False),
    sa.Column('price_band', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_search_combinations'))
    )
    with op.batch_alter_table('product_search_combinations', schema=None) as batch_op:
        batch_op.create_index('ix_product_search_combinations_values',
                              ['category_ids', 'province_code', 'program_ids', 'ocop_stars', 'in_stock', 'price_band'],
                              unique=False)
    op.create_table('product_search_match',
    sa.Column('product_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('listed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('price_vnd', sa.Integer(), nullable=False),
    sa.Column('combination_id', sa.Integer(), nullable=False),
    sa.Column('ocop_stars', sa.SmallInteger(), nullable=True),
    sa.Column('in_stock', sa.Boolean(), nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.Column('category_ids', ID_LIST, nullable=False),
    sa.Column('program_ids', ID_LIST, nullable=False),
    sa.Column('name_folded', sa.Text(), nullable=False),
    sa.Column('name_vector', SEARCH_VECTOR, nullable=False),
    sa.Column('terms', SEARCH_VECTOR, nullable=False),
    sa.PrimaryKeyConstraint('product_id', name=op.f('pk_product_search_match'))
    )
    with op.batch_alter_table('product_search_match', schema=None) as batch_op:
        batch_op.create_index('ix_product_search_match_listed_at', ['listed_at', 'product_id'], unique=False)
        batch_op.create_index('ix_product_search_match_name_vector', ['name_vector'], unique=False,
                              postgresql_using='gin', postgresql_with={'gin_pending_list_limit': 128})
        batch_op.create_index('ix_product_search_match_price_vnd', ['price_vnd', 'product_id'], unique=False)
        batch_op.create_index('ix_product_search_match_terms', ['terms'], unique=False, postgresql_using='gin',
                              postgresql_with={'gin_pending_list_limit': 128})

    op.create_table('product_search_counts',
    sa.Column('id', DELTA_ID, autoincrement=True, nullable=False),
    sa.Column('category_ids', ID_LIST, nullable=False),
    sa.Column('program_ids', ID_LIST, nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.Column('ocop_stars', sa.SmallInteger(), nullable=False),
    sa.Column('in_stock', sa.Boolean(), nullable=False),
    sa.Column('price_band', sa.SmallInteger(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_search_counts'))
    )
    with op.batch_alter_table('product_search_counts', schema=None) as batch_op:
        batch_op.create_index('ix_product_search_counts_combination',
                              ['category_ids', 'province_code', 'program_ids', 'ocop_stars', 'in_stock', 'price_band'],
                              unique=False)

    op.create_table('product_search_words',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('word', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_search_words'))
    )
    with op.batch_alter_table('product_search_words', schema=None) as batch_op:
        batch_op.create_index('ix_product_search_words_trgm', ['word'], unique=False,
                              postgresql_using='gin', postgresql_ops={'word': 'gin_trgm_ops'})
        batch_op.create_index('ix_product_search_words_word', ['word'], unique=False)

    with op.batch_alter_table('product_search', schema=None) as batch_op:
        batch_op.drop_index('ix_product_search_price_vnd')
        batch_op.drop_index('ix_product_search_listed_at')
        batch_op.drop_index('ix_product_search_name_trgm')
        batch_op.drop_index('ix_product_search_vector')

    if postgres:
        for statement in _functions():
            op.execute(statement)
        for name, event, table, referencing, function in TRIGGERS:
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} {referencing}"
                       f" FOR EACH STATEMENT EXECUTE FUNCTION {function}()")
        # The rows already indexed (the match table's own triggers count them and list their words).
        for statement in _to_match("product_search"):
            op.execute(statement)
        op.execute("ANALYZE product_search_match, product_search_combinations, product_search_counts,"
                   " product_search_words")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name, _event, table, _referencing, _function in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for function in FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {function}")

    with op.batch_alter_table('product_search', schema=None) as batch_op:
        batch_op.create_index('ix_product_search_vector', ['search_vector'], unique=False, postgresql_using='gin')
        batch_op.create_index('ix_product_search_name_trgm', ['name_folded'], unique=False,
                              postgresql_using='gin', postgresql_ops={'name_folded': 'gin_trgm_ops'})
        batch_op.create_index('ix_product_search_listed_at', ['listed_at'], unique=False)
        batch_op.create_index('ix_product_search_price_vnd', ['price_vnd'], unique=False)

    with op.batch_alter_table('product_search_words', schema=None) as batch_op:
        batch_op.drop_index('ix_product_search_words_word')
        batch_op.drop_index('ix_product_search_words_trgm')
    op.drop_table('product_search_words')
    with op.batch_alter_table('product_search_counts', schema=None) as batch_op:
        batch_op.drop_index('ix_product_search_counts_combination')
    op.drop_table('product_search_counts')
    with op.batch_alter_table('product_search_match', schema=None) as batch_op:
        batch_op.drop_index('ix_product_search_match_terms')
        batch_op.drop_index('ix_product_search_match_price_vnd')
        batch_op.drop_index('ix_product_search_match_name_vector')
        batch_op.drop_index('ix_product_search_match_listed_at')
    op.drop_table('product_search_match')
    with op.batch_alter_table('product_search_combinations', schema=None) as batch_op:
        batch_op.drop_index('ix_product_search_combinations_values')
    op.drop_table('product_search_combinations')
