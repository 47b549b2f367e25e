"""Typos: the name words a query word may stand for (loose matching) and "did you mean".

pg_trgm gathers candidates among the distinct name words (`product_search_words`, through
its trigram index); market.search.matching decides which of them count, as for every engine.
"""
from sqlalchemy import text as sql

from market.search.matching import (
    WORD_RE,
    corrected_queries,
    correction_max_edits,
    corrections,
    is_typo_of,
    max_edits,
    with_accents,
)
from market.search.postgres.query import Filters, Query, set_similarity, where_clause
from market.search.postgres.text import lexeme

# pg_trgm word similarity from which a name word is looked at as a typo of a typed word: low
# enough to hold every word within matching.max_edits (two edits in a word of seven letters
# can leave only 2 of its 8 trigrams, a similarity of 1/8), which then decides.
TYPO_CANDIDATE_SIMILARITY = 0.1
CANDIDATE_SIMILARITY = 0.2  # to gather "did you mean" candidates
MAX_ALTERNATIVES = 8  # typo alternatives of one word (the most similar name words)
FREQUENCY_CAP = 1000  # "did you mean" counts a candidate's names up to this (a tie-break)


def typo_alternatives(connection, words: list[str]) -> dict[int, list[tuple[str, float]]]:
    """For each word that may have typos (matching.max_edits), the name words that are
    typos of it (matching.is_typo_of), the most similar first: candidates gathered by
    pg_trgm among the distinct name words, loosely enough (TYPO_CANDIDATE_SIMILARITY)
    to hold every word within the allowed edits, then checked by the rule."""
    wanted = [(i, w) for i, w in enumerate(words) if max_edits(w)]
    if not wanted:
        return {}
    set_similarity(connection, TYPO_CANDIDATE_SIMILARITY)
    values = ", ".join(f"(CAST(:a_i{n} AS integer), CAST(:a_w{n} AS text), CAST(:a_e{n} AS integer))"
                       for n in range(len(wanted)))
    params = {}
    for n, (i, w) in enumerate(wanted):
        params |= {f"a_i{n}": i, f"a_w{n}": w, f"a_e{n}": max_edits(w)}
    rows = connection.execute(sql(
        "SELECT DISTINCT q.i, q.w, x.word, word_similarity(q.w, x.word) AS s"
        f" FROM (VALUES {values}) AS q(i, w, e) JOIN product_search_words x ON q.w <% x.word"
        " WHERE x.word <> q.w AND left(x.word, 1) = left(q.w, 1)"
        " AND length(x.word) BETWEEN length(q.w) - q.e AND length(q.w) + q.e"
        " ORDER BY q.i, s DESC, x.word"
    ), params).all()
    alternatives: dict[int, list[tuple[str, float]]] = {}
    for i, typed, word, similarity in rows:
        kept = alternatives.setdefault(int(i), [])
        if len(kept) < MAX_ALTERNATIVES and WORD_RE.fullmatch(word) and is_typo_of(word, typed):
            kept.append((word, float(similarity)))
    return {i: kept for i, kept in alternatives.items() if kept}


def did_you_mean(connection, words: list[str], filters: Filters) -> str | None:
    """A whole corrected query when some words are in no product and close name words
    are, provided the corrected query finds something (matching.corrected_queries).
    Words are folded, except that they take the accents of the best matching product
    name where it has them."""
    known = known_words(connection, words)
    options = [[(0, word)] if word in known else (close_words(connection, word) or [(0, word)])
               for word in words]
    for corrected in corrected_queries(words, options):
        query = Query(corrected)
        names = connection.execute(
            sql("SELECT ps.name FROM (SELECT m.product_id, m.listed_at FROM product_search_match m"
                f" WHERE {where_clause(query, filters)}"
                f" ORDER BY {query.in_name} DESC, m.listed_at DESC, m.product_id DESC LIMIT 3) AS t"
                " JOIN product_search ps ON ps.product_id = t.product_id"
                " ORDER BY t.listed_at DESC, t.product_id DESC"),
            {**filters.params, **query.params},
        ).scalars().all()
        if names:
            return with_accents(corrected, names)
    return None


def known_words(connection, words: list[str]) -> set[str]:
    """The words that some product has (in any of its texts)."""
    values = ", ".join(f"(:k_word{i}, CAST(:k_query{i} AS tsquery))" for i in range(len(words)))
    params = {f"k_word{i}": w for i, w in enumerate(words)} | {f"k_query{i}": lexeme(w) for i, w in enumerate(words)}
    statement = sql(
        f"SELECT v.word FROM (VALUES {values}) AS v(word, query)"
        " WHERE EXISTS (SELECT 1 FROM product_search_match m WHERE m.terms @@ v.query)"
    )
    return set(connection.execute(statement, params).scalars())


def close_words(connection, word: str) -> list[tuple[int, str]]:
    """Close words of the product names (matching.corrections): candidates by pg_trgm
    among the name words, with how many names have each (up to FREQUENCY_CAP)."""
    allowed = correction_max_edits(word)
    if not allowed:
        return []
    set_similarity(connection, CANDIDATE_SIMILARITY)
    rows = connection.execute(
        sql(
            "SELECT DISTINCT x.word, similarity(x.word, :word) AS s FROM product_search_words x"
            " WHERE :word <% x.word AND left(x.word, 1) = left(:word, 1) AND x.word <> :word"
            " AND length(x.word) BETWEEN :shortest AND :longest"
            " ORDER BY s DESC, x.word LIMIT 100"
        ),
        {"word": word, "shortest": len(word) - allowed, "longest": len(word) + allowed},
    ).scalars().all()
    close = [candidate for _distance, candidate in corrections(
        word, ((candidate, 0) for candidate in rows if WORD_RE.fullmatch(candidate)), limit=len(rows))]
    if not close:
        return []
    values = ", ".join(f"(:c_word{i}, CAST(:c_query{i} AS tsquery))" for i in range(len(close)))
    params = ({f"c_word{i}": w for i, w in enumerate(close)}
              | {f"c_query{i}": lexeme(w) for i, w in enumerate(close)} | {"cap": FREQUENCY_CAP})
    frequency = connection.execute(sql(
        f"SELECT v.word, (SELECT count(*) FROM (SELECT 1 FROM product_search_match m"
        f" WHERE m.name_vector @@ v.query LIMIT :cap) AS f) FROM (VALUES {values}) AS v(word, query)"
    ), params).all()
    return corrections(word, frequency)
