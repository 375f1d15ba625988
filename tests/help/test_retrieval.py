"""The retrieval set (tests/help/retrieval_set.py) over the repository's articles (content/help): at least 90 % of
the queries find their article in the top 3, on the database under test. Quality only; the bench times it."""

from __future__ import annotations

from pathlib import Path

from bench.help_search import load_queries, quality
from recovery.help.content import CONTENT_DIR, import_content, read_content

RETRIEVAL_SET = Path(__file__).parent / "retrieval_set.py"


def test_every_expected_article_exists_and_the_set_is_balanced():
    queries = load_queries(RETRIEVAL_SET)
    slugs = {file.slug for file in read_content(CONTENT_DIR)[1]}
    assert {expected for _, _, expected in queries} <= slugs
    languages = [lang for _, lang, _ in queries]
    assert len(queries) >= 60 and languages.count("zh") == languages.count("en")


def test_top_3_hit_rate_is_at_least_90_percent(services):
    queries = load_queries(RETRIEVAL_SET)
    with services() as ctx:
        import_content(ctx, CONTENT_DIR)
        measured = quality(ctx.session, queries)
    assert measured["hit_rate"] >= 0.90, "\n".join(measured["misses"])
    print(f"retrieval: top-3 hit rate {measured['hit_rate']:.3f}, MRR {measured['mrr']:.3f}")
