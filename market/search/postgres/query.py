"""A search request as SQL on `product_search_match m`: the filters, the text part (exact
or loose), the orders, and the planner settings a text query runs with.
"""
import re

from sqlalchemy import text as sql

from market.search.backend import PRICE_BANDS, SORTS, SearchRequest
from market.search.matching import may_be_prefix
from market.search.postgres.text import lexeme, tsquery_all, tsquery_phrase, unencodable

RANK_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"  # ts_rank_cd weights of D, C, B, A
STARTS_BONUS = 0.5  # the name starts with the query's words
PHRASE_BONUS = 0.25  # the name holds the query's words side by side, in order
EXACT_BONUS = 1.0  # the name is the query's words, no more: before every other name
PREFIX_SCORE = 0.5  # a loose match of the last word as the prefix of a name word


class Impossible(Exception):
    """A filter value no product can have (malformed): the answer is empty."""


def _filter_int(value) -> int:
    if isinstance(value, bool):
        raise Impossible
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,18}\s*", value):
        number = int(value)
    else:
        raise Impossible
    if not -(2**31) <= number < 2**31:
        raise Impossible
    return number


def _filter_text(value) -> str:
    value = str(value)
    if "\x00" in value or unencodable(value) or len(value) > 100:
        raise Impossible
    return value


class Filters:
    """The request's filters as SQL conditions, on `product_search_match m` (`match`) and on
    `product_search_counts c` (`counts`), with their parameters; raises Impossible."""

    def __init__(self, request: SearchRequest):
        self.match: list[str] = []
        self.counts: list[str] = []
        self.params: dict = {}
        if request.category_id is not None and request.category_id != "":
            self._add("CAST(:f_category AS integer) = ANY({}.category_ids)", "f_category",
                      _filter_int(request.category_id))
        if request.province_code is not None and request.province_code != "":
            self._add("{}.province_code = :f_province", "f_province", _filter_text(request.province_code))
        if request.program_id is not None and request.program_id != "":
            self._add("CAST(:f_program AS integer) = ANY({}.program_ids)", "f_program", _filter_int(request.program_id))
        if request.ocop_stars is not None and request.ocop_stars != "":
            stars = _filter_int(request.ocop_stars)
            if stars == 0:  # the index keeps no stars as NULL (counts: 0): nobody has 0 stars
                raise Impossible
            self._add("{}.ocop_stars = :f_ocop", "f_ocop", stars)
        for position, (key, low, high) in enumerate(PRICE_BANDS):
            if isinstance(request.price_band, str) and request.price_band == key:  # an unknown band is ignored
                self.match.append("m.price_vnd >= :f_price_low")
                self.params["f_price_low"] = low
                if high is not None:
                    self.match.append("m.price_vnd < :f_price_high")
                    self.params["f_price_high"] = high
                self.counts.append("c.price_band = :f_price_band")
                self.params["f_price_band"] = position
        if request.in_stock_only:
            self.match.append("m.in_stock")
            self.counts.append("c.in_stock")

    def narrowed(self, condition: str) -> "Filters":
        """These filters and one more condition on `product_search_match m`."""
        narrowed = object.__new__(Filters)
        narrowed.match, narrowed.counts, narrowed.params = [*self.match, condition], self.counts, self.params
        return narrowed

    def _add(self, condition: str, name: str, value) -> None:
        self.match.append(condition.format("m"))
        self.counts.append(condition.format("c"))
        self.params[name] = value


class Query:
    """The text part of a query on `product_search_match m`: which rows match (`where`), and
    the SQL to rank them, with their parameters."""

    def __init__(self, words: list[str], alternatives: dict[int, list[tuple[str, float]]] | None = None):
        self.words = words
        self.loose = alternatives is not None
        self.params: dict = {}
        if not words:
            self.where = "TRUE"
            return
        if not self.loose:
            self.params["t_all"] = tsquery_all(words)
            query = "CAST(:t_all AS tsquery)"
            self.where = f"m.terms @@ {query}"
            self.in_name = f"m.name_vector @@ {query}"
            self.params["t_start"] = " ".join(words) + " "
            self.params["t_exact"] = " ".join(words)
            name_score = (f"1.0 + CASE WHEN starts_with(m.name_folded || ' ', :t_start) THEN {STARTS_BONUS} ELSE 0.0 END"
                          f" + CASE WHEN m.name_folded = :t_exact THEN {EXACT_BONUS} ELSE 0.0 END")
            if len(words) > 1:
                self.params["t_phrase"] = tsquery_phrase(words)
                name_score += (f" + CASE WHEN m.name_vector @@ CAST(:t_phrase AS tsquery)"
                               f" THEN {PHRASE_BONUS} ELSE 0.0 END")
            self.name_score = f"({name_score})"
            self.other_score = f"ts_rank_cd('{RANK_WEIGHTS}', ps.search_vector, {query}, 32)"
            return
        conditions, scores = [], []
        last = len(words) - 1
        for i, word in enumerate(words):
            self.params[f"t_word{i}"] = lexeme(word)
            name_parts = [lexeme(w) for w, _similarity in alternatives.get(i, [])]
            cases = [f"WHEN m.name_vector @@ CAST(:t_word{i} AS tsquery) THEN 1.0"]
            for j, (alternative, similarity) in enumerate(alternatives.get(i, [])):
                self.params[f"t_alt{i}_{j}"] = lexeme(alternative)
                cases.append(f"WHEN m.name_vector @@ CAST(:t_alt{i}_{j} AS tsquery) THEN {float(similarity):.4f}")
            if i == last and may_be_prefix(word):
                name_parts.append(lexeme(word, prefix=True))
                self.params["t_prefix"] = lexeme(word, prefix=True)
                cases.append(f"WHEN m.name_vector @@ CAST(:t_prefix AS tsquery) THEN {PREFIX_SCORE}")
            condition = f"m.terms @@ CAST(:t_word{i} AS tsquery)"
            if name_parts:
                self.params[f"t_name{i}"] = " | ".join(name_parts)
                condition = f"({condition} OR m.name_vector @@ CAST(:t_name{i} AS tsquery))"
            conditions.append(condition)
            scores.append(f"CASE {' '.join(cases)} ELSE 0.0 END")
        self.where = " AND ".join(conditions)
        self.score = f"(({' + '.join(scores)}) / {len(words)}.0)"


def sort_of(request: SearchRequest, words: list[str]) -> str:
    sort = request.sort if isinstance(request.sort, str) and request.sort in SORTS else "relevance"
    return "newest" if sort == "relevance" and not words else sort


ORDERS = {  # on the page query's row source `t` (product_id, listed_at, price_vnd, score)
    "price_asc": "{t}.price_vnd ASC, {t}.product_id ASC",
    "price_desc": "{t}.price_vnd DESC, {t}.product_id DESC",
    "newest": "{t}.listed_at DESC, {t}.product_id DESC",
    "relevance": "{t}.score DESC, {t}.listed_at DESC, {t}.product_id DESC",
}


def where_clause(query: Query, filters: Filters) -> str:
    return " AND ".join([query.where, *filters.match])


def page_rows(connection, source: str, sort: str, offset: int, limit: int, params: dict) -> list:
    """A page of `source` (rows of product_id, listed_at, price_vnd and score from
    `product_search_match m`) in `sort`'s order, with the texts of just those rows."""
    inner = "score DESC, m.listed_at DESC, m.product_id DESC" if sort == "relevance" else ORDERS[sort].format(t="m")
    statement = sql(
        f"SELECT t.product_id, t.score, ps.name, ps.description FROM ({source}"
        f" ORDER BY {inner} LIMIT :limit OFFSET :offset) AS t"
        f" JOIN product_search ps ON ps.product_id = t.product_id ORDER BY {ORDERS[sort].format(t='t')}"
    )
    return connection.execute(statement, {**params, "limit": limit, "offset": offset}).all()


PLAN_SETTINGS = {"enable_seqscan": "off", "jit": "off"}


def plan_for_text(connection) -> None:
    """Planner settings for the text queries, until the search's savepoint is rolled back.

    Matching a tsvector costs about a microsecond a row, which the planner does not know:
    for a word in a fifth of the catalog it would read every row and test each one rather
    than take the GIN index's exact list of matches, several times slower (bench/README.md).
    Every text query has an index to take. And no JIT compilation: it costs more than the
    few milliseconds a search runs."""
    params = {}
    for i, (name, value) in enumerate(PLAN_SETTINGS.items()):
        params |= {f"name{i}": name, f"value{i}": value}
    connection.execute(sql("SELECT " + ", ".join(f"set_config(:name{i}, :value{i}, true)"
                                                 for i in range(len(PLAN_SETTINGS)))), params)


def set_similarity(connection, threshold: float) -> None:
    """The pg_trgm word-similarity threshold of `<%` for the rest of the transaction."""
    connection.execute(sql("SELECT set_config('pg_trgm.word_similarity_threshold', :t, true)"),
                       {"t": str(threshold)})


def require_postgres(connection) -> None:
    if connection.dialect.name != "postgresql":
        raise RuntimeError("SEARCH_BACKEND=postgres needs a PostgreSQL database (DATABASE_URL)")
