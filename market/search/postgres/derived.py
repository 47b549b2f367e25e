"""The tables the triggers of migration 0008 derive from `product_search`, as SQL.

`product_search_match` (narrow rows that queries match, count and sort),
`product_search_combinations` (the combinations of facet values, numbered),
`product_search_counts` (products per combination) and `product_search_words` (the words of
the names). The triggers keep them; a rebuild recomputes them the same way (a repair,
should they ever drift), and a test checks that the migration's SQL is this SQL.
"""
from sqlalchemy import text as sql

# What the triggers of migration 0008 compute; the rebuild recomputes it the same way.
COMBINATION = ("category_ids", "program_ids", "province_code", "ocop_stars", "in_stock", "price_band")
MATCH_COLUMNS = ("listed_at", "price_vnd", "combination_id", "ocop_stars", "in_stock", "province_code",
                 "category_ids", "program_ids", "name_folded", "name_vector", "terms")
MATCH_FROM_SEARCH = ("s.listed_at", "s.price_vnd", "c.id", "s.ocop_stars", "s.in_stock", "s.province_code",
                     "s.category_ids", "s.program_ids", "s.name_folded", "ts_filter(s.search_vector, '{a}')",
                     "strip(s.search_vector)")


def combination_of(alias: str) -> tuple[str, ...]:
    """A product_search or product_search_match row's combination of facet values, as
    product_search_combinations and product_search_counts keep it."""
    return (f"{alias}.category_ids", f"{alias}.program_ids", f"{alias}.province_code",
            f"coalesce({alias}.ocop_stars, 0)::smallint", f"{alias}.in_stock",
            f"product_search_price_band({alias}.price_vnd)")


def recompute_derived(connection) -> None:
    """Make the tables the triggers derive from product_search exactly what they should be
    (the triggers keep them so; a rebuild also repairs them): the match rows that differ,
    then the counts and the name words recounted (one statement each: one snapshot)."""
    for statement in to_match("product_search"):
        connection.execute(sql(statement))
    connection.execute(sql(
        "DELETE FROM product_search_match m WHERE NOT EXISTS"
        " (SELECT 1 FROM product_search ps WHERE ps.product_id = m.product_id)"))
    dims = ", ".join(COMBINATION)
    connection.execute(sql(
        "WITH gone AS (DELETE FROM product_search_counts RETURNING 1)"
        f" INSERT INTO product_search_counts ({dims}, n)"
        f" SELECT {', '.join(combination_of('m'))}, count(*) FROM product_search_match m GROUP BY 1, 2, 3, 4, 5, 6"
        " ORDER BY 1, 2, 3, 4, 5, 6"))
    connection.execute(sql(
        "WITH gone AS (DELETE FROM product_search_words RETURNING 1)"
        " INSERT INTO product_search_words (word)"
        " SELECT DISTINCT unnest(tsvector_to_array(name_vector)) FROM product_search_match ORDER BY 1"))


def to_match(rows: str) -> list[str]:
    """The statements with which the triggers (migration 0008) upsert the match rows of the
    product_search rows `rows` (aliased s): the combinations not numbered yet numbered
    first (without a unique constraint, which would make two transactions meeting the same
    new combination wait for each other; a combination's lowest number is the one used),
    then the rows that differ."""
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
