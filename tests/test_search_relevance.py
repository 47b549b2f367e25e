"""Search quality over the relevance set (tests/search_relevance.py), on both engines.

Whoosh always; PostgreSQL full-text when the tests run on PostgreSQL
(MARKET_TEST_DATABASE_URL=postgresql://...). The floors are what a shopper notices: every
query finds a product she would accept in the first ten, and the first such product is
near the top (mean reciprocal rank). Quality, not time: bench/search.py prints the figures.
"""
import pytest

from tests.search_relevance import QUERIES, build_catalog, evaluate, mrr, recall_at_10

MRR_FLOOR = 0.90
RECALL_FLOOR = 0.90



def test_the_set_is_typed_the_ways_people_type():
    assert len(QUERIES) >= 60
    assert len({text for text, _language, _expected in QUERIES}) == len(QUERIES)
    assert any(language == "en" for _text, language, _expected in QUERIES)


def test_every_query_finds_what_a_shopper_wants_near_the_top(engine, staff, categories):
    outcomes = evaluate(build_catalog(staff))
    missed = [(o.query, o.language, sorted(o.expected), o.found) for o in outcomes if not o.rank]
    assert missed == []
    late = [(o.query, o.rank, o.found[:3]) for o in outcomes if o.rank > 3]
    assert mrr(outcomes) >= MRR_FLOOR, late
    assert recall_at_10(outcomes) >= RECALL_FLOOR
