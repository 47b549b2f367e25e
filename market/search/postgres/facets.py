"""The facet counts (and the total) of a search, in one statement each.

With text: the matching rows of `product_search_match` grouped by combination number (one
integer), joined to their combinations and added up by value with GROUP BY GROUPING SETS
(the id lists are grouped as lists, of which there are few, and added up per id in
Python). Without text: the same GROUPING SETS over `product_search_counts`. Should the
database's `product_search_price_band` disagree with PRICE_BANDS, the facets are counted
from each matching row's own values instead (slower, still exact). Loose queries read their
facets and their page in one statement (`facets_and_page`).
"""
import logging

from sqlalchemy import text as sql
from sqlalchemy.exc import SQLAlchemyError

from market.search.backend import PRICE_BANDS
from market.search.postgres.query import ORDERS, Filters, Query, where_clause

log = logging.getLogger(__name__)


# The facets' GROUPING SETS: GROUPING(...) is a bit mask, bit set = column not grouped.
FACET_COLUMNS = ("category_ids", "program_ids", "province_code", "ocop_stars", "band", "in_stock")
GROUPING_SETS = ", ".join(f"(x.{c})" for c in FACET_COLUMNS) + ", ()"
GROUPING_MASK = f"GROUPING({', '.join(f'x.{c}' for c in FACET_COLUMNS)})"


def total_of(rows) -> int:
    return next((n for facet, _value, n in rows if facet == "total"), 0)


def facet_rows(result) -> list[tuple[str, str | None, int]]:
    """(facet, value, count) rows from a GROUPING SETS result (see GROUPING_MASK); the id
    lists are added up per id."""
    rows: list[tuple[str, str | None, int]] = []
    per_id: dict[str, dict[str, int]] = {"category": {}, "program": {}}
    full = (1 << len(FACET_COLUMNS)) - 1
    for mask, category_ids, program_ids, province, ocop, band, in_stock, n in result:
        n = int(n or 0)
        grouped = full & ~int(mask)  # the one bit of the grouped column, or none for the total
        if grouped == 0:
            rows.append(("total", "", n))
        elif grouped == 1 << 5:  # category_ids
            for i in category_ids or ():
                per_id["category"][str(i)] = per_id["category"].get(str(i), 0) + n
        elif grouped == 1 << 4:  # program_ids
            for i in program_ids or ():
                per_id["program"][str(i)] = per_id["program"].get(str(i), 0) + n
        elif grouped == 1 << 3:
            rows.append(("province", province, n))
        elif grouped == 1 << 2:
            rows.append(("ocop", None if ocop is None else str(ocop), n))
        elif grouped == 1 << 1:
            rows.append(("price", None if band is None else PRICE_BANDS[int(band)][0], n))
        elif grouped == 1:
            rows.append(("in_stock", None if in_stock is None else ("true" if in_stock else "false"), n))
    for facet, counts in per_id.items():
        rows.extend((facet, value, n) for value, n in counts.items())
    return rows


def facet_counts(rows) -> dict[str, dict[str, int]]:
    """The facets in the shape the Whoosh engine gives: values with no product left out,
    most first; price bands in their order; in_stock always has "true"."""
    grouped: dict[str, dict[str, int]] = {"category": {}, "province": {}, "program": {}, "ocop": {}, "price": {}}
    in_stock = 0
    for facet, value, n in rows:
        if facet == "in_stock":
            in_stock += n if value == "true" else 0
        elif facet in grouped and n and value is not None:
            grouped[facet][value] = grouped[facet].get(value, 0) + n
    facets = {
        name: dict(sorted(((k, n) for k, n in grouped[name].items() if n), key=lambda item: (-item[1], item[0])))
        for name in ("category", "province", "program", "ocop")
    }
    facets["price"] = {key: grouped["price"][key] for key, _low, _high in PRICE_BANDS if grouped["price"].get(key)}
    facets["in_stock"] = {"true": in_stock}
    return facets


def facets_and_page(connection, query: Query, filters: Filters, sort: str, offset: int, limit: int):
    """The facet rows and the page, from one read of the matching rows (for loose queries,
    whose every match is scored anyway): (facet rows, [(product_id, score, name, description)])."""
    score = query.score if sort == "relevance" else "0.0"
    # (in stock first: matching.py's ranking, as stock_first pages the exact queries)
    inner = ("m.in_stock DESC, score DESC, m.listed_at DESC, m.product_id DESC" if sort == "relevance"
             else ORDERS[sort].format(t="m"))
    nothing = ("NULL::integer, NULL::integer[], NULL::integer[], NULL::varchar, NULL::smallint, NULL::smallint,"
               " NULL::boolean, NULL::numeric")
    statement = sql(
        "WITH m AS MATERIALIZED (SELECT m.product_id, m.combination_id, m.listed_at, m.price_vnd, m.in_stock,"
        f" CAST({score} AS float8) AS score FROM product_search_match m WHERE {where_clause(query, filters)}),"
        " g AS (SELECT m.combination_id, count(*) AS n FROM m GROUP BY m.combination_id),"
        f" page AS (SELECT * FROM m ORDER BY {inner} LIMIT :limit OFFSET :offset)"
        f" SELECT {GROUPING_MASK}, {', '.join(f'x.{c}' for c in FACET_COLUMNS)}, sum(x.n),"
        " NULL::integer, NULL::float8, NULL::text, NULL::text, NULL::timestamptz, NULL::integer, NULL::boolean"
        " FROM (SELECT c.category_ids, c.program_ids, c.province_code, NULLIF(c.ocop_stars, 0) AS ocop_stars,"
        " c.in_stock, NULLIF(c.price_band, -1) AS band, g.n"
        " FROM g JOIN product_search_combinations c ON c.id = g.combination_id) AS x"
        f" GROUP BY GROUPING SETS ({GROUPING_SETS})"
        f" UNION ALL SELECT {nothing}, t.product_id, t.score, ps.name, ps.description, t.listed_at, t.price_vnd,"
        " t.in_stock"
        " FROM page t JOIN product_search ps ON ps.product_id = t.product_id"
    )
    result = connection.execute(statement, {**filters.params, **query.params, "limit": limit, "offset": offset})
    grouped, page = [], []
    for row in result:
        if row[8] is None:
            grouped.append(row[:8])
        else:
            page.append(row[8:])
    keys = {
        "relevance": lambda r: (not r[6], -r[1], -r[4].timestamp(), -r[0]),
        "price_asc": lambda r: (r[5], r[0]),
        "price_desc": lambda r: (-r[5], -r[0]),
        "newest": lambda r: (-r[4].timestamp(), -r[0]),
    }
    page.sort(key=keys[sort])
    return facet_rows(grouped), [r[:4] for r in page]


def match_facets(connection, query: Query, filters: Filters) -> list[tuple[str, str | None, int]]:
    """(facet, value, count) of the matching rows, and ("total", "", count): one scan."""
    bands, band_params = [], {}
    for i, (_key, low, high) in enumerate(PRICE_BANDS):
        condition = f"m.price_vnd >= :band_low{i}" + (f" AND m.price_vnd < :band_high{i}" if high is not None else "")
        bands.append(f"WHEN {condition} THEN {i}")
        band_params.update({f"band_low{i}": low, f"band_high{i}": high})
    statement = sql(
        f"SELECT {GROUPING_MASK}, {', '.join(f'x.{c}' for c in FACET_COLUMNS)}, count(*)"
        " FROM (SELECT m.category_ids, m.program_ids, m.province_code, m.ocop_stars, m.in_stock,"
        f" CASE {' '.join(bands)} END AS band FROM product_search_match m WHERE {where_clause(query, filters)}) AS x"
        f" GROUP BY GROUPING SETS ({GROUPING_SETS})"
    )
    return facet_rows(connection.execute(statement, {**filters.params, **query.params, **band_params}))


def combination_facets(connection, query: Query, filters: Filters) -> list[tuple[str, str | None, int]]:
    """The same, grouping the matching rows on their combination number (one integer),
    then adding the groups up by value."""
    statement = sql(
        f"SELECT {GROUPING_MASK}, {', '.join(f'x.{c}' for c in FACET_COLUMNS)}, sum(x.n)"
        " FROM (SELECT c.category_ids, c.program_ids, c.province_code, NULLIF(c.ocop_stars, 0) AS ocop_stars,"
        " c.in_stock, NULLIF(c.price_band, -1) AS band, g.n"
        " FROM (SELECT m.combination_id, count(*) AS n FROM product_search_match m"
        f" WHERE {where_clause(query, filters)} GROUP BY m.combination_id) AS g"
        " JOIN product_search_combinations c ON c.id = g.combination_id) AS x"
        f" GROUP BY GROUPING SETS ({GROUPING_SETS})"
    )
    return facet_rows(connection.execute(statement, {**filters.params, **query.params}))


def counted_facets(connection, filters: Filters) -> list[tuple[str, str | None, int]]:
    """The same for a browse without text, from product_search_counts."""
    where = " AND ".join(filters.counts) or "TRUE"
    statement = sql(
        f"SELECT {GROUPING_MASK}, {', '.join(f'x.{c}' for c in FACET_COLUMNS)}, sum(x.n)"
        " FROM (SELECT c.category_ids, c.program_ids, c.province_code, NULLIF(c.ocop_stars, 0) AS ocop_stars,"
        " c.in_stock, NULLIF(c.price_band, -1) AS band, c.n"
        f" FROM product_search_counts c WHERE {where}) AS x"
        f" GROUP BY GROUPING SETS ({GROUPING_SETS})"
    )
    return facet_rows(connection.execute(statement, filters.params))


def price_bands_agree(connection) -> bool:
    """Whether product_search_counts' price bands (product_search_price_band, in the
    database) are PRICE_BANDS (in the code); the backend asks once per process."""
    probes, expected = {"below": -1}, [-1]
    for i, (_key, low, high) in enumerate(PRICE_BANDS):
        probes |= {f"low{i}": low, f"high{i}": (2**31 if high is None else high) - 1}
        expected += [i, i]
    columns = ", ".join(f"product_search_price_band(:{name})" for name in probes)
    try:
        with connection.begin_nested():
            found = list(connection.execute(sql(f"SELECT {columns}"), probes).one())
    except SQLAlchemyError:
        found = None
    if found != expected:
        log.warning("product_search_price_band is missing or does not agree with PRICE_BANDS: the facets"
                    " of a browse are counted from product_search_match (slower); migrate, then reindex")
        return False
    return True
