"""Reading the index: a search (facets, page of hits, highlights) and the as-you-type names.

A search runs in a savepoint that is rolled back (it only reads), with the planner told not
to scan `product_search_match` row by row when an index can answer (query.plan_for_text)
and no JIT; the rollback undoes those settings.
"""
import logging
from collections.abc import Callable

from sqlalchemy import text as sql
from sqlalchemy.exc import SQLAlchemyError

from market.extensions import db
from market.search.backend import Hit, SearchRequest, SearchResult
from market.search.matching import (
    FEW_HITS,
    FUZZY_MIN_LENGTH,
    MAX_PER_PAGE,
    bounded_int,
    distinct_names,
    has_no_words,
    is_loose,
    may_be_prefix,
    query_text,
    query_words,
    typing_last_word,
)
from market.search.postgres.facets import (
    combination_facets,
    counted_facets,
    facet_counts,
    facets_and_page,
    match_facets,
    total_of,
)
from market.search.postgres.query import (
    RANK_WEIGHTS,
    Filters,
    Impossible,
    Query,
    page_rows,
    plan_for_text,
    sort_of,
    where_clause,
)
from market.search.postgres.spelling import did_you_mean, typo_alternatives
from market.search.postgres.text import lexeme, tsquery_all
from market.search.words import highlighted

log = logging.getLogger(__name__)


def search(request: SearchRequest, price_bands_agree: Callable[[object], bool]) -> SearchResult:
    """The page of hits, with the facets, the total and "did you mean" (see backend.py);
    `price_bands_agree(connection)`: whether product_search_counts can be used."""
    page = bounded_int(request.page, 1, 1, 10**9)
    per_page = bounded_int(request.per_page, 24, 1, MAX_PER_PAGE)
    words = query_words(request.text)
    empty = SearchResult(hits=[], total=0, page=page, per_page=per_page, facets={})
    if has_no_words(request.text):
        return empty
    try:
        filters = Filters(request)
    except Impossible:
        return SearchResult(hits=[], total=0, page=page, per_page=per_page, facets=facet_counts([]))
    try:
        savepoint = db.session.begin_nested()
        try:
            connection = db.session.connection()
            if words:
                plan_for_text(connection)
            bands_agree = price_bands_agree(connection)
            return _search(connection, request, words, filters, page, per_page, bands_agree)
        finally:
            savepoint.rollback()  # it only read: this also undoes its planner and pg_trgm settings
    except SQLAlchemyError:
        log.exception("search failed for %r", request)
        return empty


def _search(connection, request: SearchRequest, words: list[str], filters: Filters, page: int, per_page: int,
            bands_agree: bool) -> SearchResult:
    query = Query(words)
    if not bands_agree:  # count each matching row's values
        count_facets = match_facets
    elif words:
        count_facets = combination_facets
    else:
        count_facets = lambda connection, query, filters: counted_facets(connection, filters)  # noqa: E731
    rows = count_facets(connection, query, filters)
    sort, offset = sort_of(request, words), (page - 1) * per_page
    found = None  # the page, when already read with the facets
    if words and total_of(rows) < FEW_HITS and is_loose(words):
        alternatives = typo_alternatives(connection, words)
        if alternatives or may_be_prefix(words[-1]):
            loose = Query(words, alternatives)
            if count_facets == combination_facets:
                loose_rows, loose_page = facets_and_page(connection, loose, filters, sort, offset, per_page)
            else:
                loose_rows, loose_page = count_facets(connection, loose, filters), None
            if total_of(loose_rows) > total_of(rows):
                query, rows, found = loose, loose_rows, loose_page
    total = total_of(rows)
    facets = facet_counts(rows)
    suggestion = did_you_mean(connection, words, filters) if words and total < FEW_HITS else None

    hits: list[Hit] = []
    if offset < total:
        if found is None:
            in_stock = facets.get("in_stock", {}).get("true", 0)
            found = stock_first(connection, query, filters, sort, offset, per_page, in_stock, total)
        typed, highlight = tuple(words), request.highlight
        for product_id, score_value, name, description in found:
            hits.append(Hit(
                product_id=int(product_id),
                score=float(score_value or 0.0),
                name=highlighted(name, typed, query.loose, window=False) if highlight else None,
                description=highlighted(description, typed, query.loose, window=True) if words and highlight else None,
            ))
    return SearchResult(hits=hits, total=total, page=page, per_page=per_page, facets=facets,
                        suggestion=suggestion)


def stock_first(connection, query: Query, filters: Filters, sort: str, offset: int, limit: int,
                in_stock: int, total: int) -> list:
    """`page_of_hits`, with a relevance sort ranking the `in_stock` products in stock (of
    the matches) before those sold out (matching.py: ranking)."""
    if sort != "relevance" or in_stock in (0, total):
        return page_of_hits(connection, query, filters, sort, offset, limit)
    rows = []
    if offset < in_stock:
        rows = page_of_hits(connection, query, filters.narrowed("m.in_stock"), sort, offset, limit)
    if len(rows) < limit:
        rows += page_of_hits(connection, query, filters.narrowed("NOT m.in_stock"), sort,
                             max(0, offset - in_stock), limit - len(rows))
    return rows


def page_of_hits(connection, query: Query, filters: Filters, sort: str, offset: int, limit: int) -> list:
    """(product_id, score, name, description) of the page."""
    where = where_clause(query, filters)
    params = {**filters.params, **query.params}
    if sort != "relevance":
        return page_rows(connection, f"SELECT m.product_id, m.listed_at, m.price_vnd, 0.0 AS score"
                                      f" FROM product_search_match m WHERE {where}", sort, offset, limit, params)
    if query.loose:
        return page_rows(connection, f"SELECT m.product_id, m.listed_at, m.price_vnd, {query.score} AS score"
                                      f" FROM product_search_match m WHERE {where}", sort, offset, limit, params)
    # Every word in the name first (ranked from the narrow rows), then the others.
    in_name = " AND ".join([query.in_name, *filters.match])  # (the name's words are in `terms` too)
    rows = page_rows(connection, f"SELECT m.product_id, m.listed_at, m.price_vnd, {query.name_score} AS score"
                                  f" FROM product_search_match m WHERE {in_name}", sort, offset, limit, params)
    if len(rows) == limit:
        return rows
    if rows or offset == 0:
        named = offset + len(rows)
    else:
        named = connection.execute(sql(f"SELECT count(*) FROM product_search_match m WHERE {in_name}"),
                                   params).scalar()
    return rows + page_rows(
        connection,
        f"SELECT m.product_id, m.listed_at, m.price_vnd, {query.other_score} AS score"
        f" FROM product_search_match m JOIN product_search ps ON ps.product_id = m.product_id"
        f" WHERE {where} AND NOT ({query.in_name})",
        sort, max(0, offset - named), limit - len(rows), params)


def suggest(text: str, limit: int = 8) -> list[str]:
    """Product names for the as-you-type box: every word in the name, the last one as a
    prefix while it is being typed; names starting with the typed words first. When
    nothing matches, names whose words are similar to the typed ones (pg_trgm over the
    name words) are offered."""
    raw = query_text(text)
    words = query_words(raw)
    limit = bounded_int(limit, 8, 0, MAX_PER_PAGE)
    if not words or limit <= 0:
        return []
    typing = typing_last_word(raw)
    typed = " ".join(words)
    try:
        savepoint = db.session.begin_nested()
        try:
            connection = db.session.connection()
            plan_for_text(connection)
            params = {"q": tsquery_all(words, prefix_last=typing), "typed": typed,
                      "n": max(limit * 5, 50)}
            rows = connection.execute(sql(
                "SELECT ps.name FROM (SELECT m.product_id, starts_with(m.name_folded, :typed) AS starts,"
                f" ts_rank_cd('{RANK_WEIGHTS}', m.name_vector, CAST(:q AS tsquery), 32) AS rank,"
                " length(m.name_folded) AS length FROM product_search_match m"
                " WHERE m.name_vector @@ CAST(:q AS tsquery)"
                " ORDER BY starts DESC, rank DESC, length, m.product_id LIMIT :n) AS t"
                " JOIN product_search ps ON ps.product_id = t.product_id"
                " ORDER BY t.starts DESC, t.rank DESC, t.length, t.product_id"
            ), params).scalars().all()
            if not rows and len(typed) >= FUZZY_MIN_LENGTH:
                alternatives = typo_alternatives(connection, words)
                if alternatives:
                    parts = []
                    for i, word in enumerate(words):
                        options = [lexeme(word), *(lexeme(w) for w, _s in alternatives.get(i, []))]
                        if i == len(words) - 1 and typing:
                            options.append(lexeme(word, prefix=True))
                        parts.append("(" + " | ".join(options) + ")")
                    params["q"] = " & ".join(parts)
                    rows = connection.execute(sql(
                        "SELECT ps.name FROM (SELECT m.product_id, length(m.name_folded) AS length"
                        " FROM product_search_match m WHERE m.name_vector @@ CAST(:q AS tsquery)"
                        " ORDER BY length, m.product_id LIMIT :n) AS t"
                        " JOIN product_search ps ON ps.product_id = t.product_id"
                        " ORDER BY t.length, t.product_id"
                    ), params).scalars().all()
        finally:
            savepoint.rollback()
    except SQLAlchemyError:
        log.exception("suggest failed for %r", raw)
        return []
    return distinct_names(rows, limit)
