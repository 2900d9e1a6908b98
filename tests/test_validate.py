"""Real Great Expectations validation (its import takes ~13 s, once per session)."""
from datetime import datetime, timezone

import pytest

from schemas.tables import ARTICLES
from tasks.records import Article, RunContext
from tasks.normalize import article_row
from tasks.validate import suite_config, validate_batch

RUN = RunContext("run-1", datetime(2026, 1, 1, tzinfo=timezone.utc), "test")
BODY = ["وقال المتحدث باسم الوزارة إن المحادثات ستتواصل خلال الأسبوع المقبل في العاصمة، بحضور وفود من عدة دول عربية وأجنبية."] * 2


def article(n, title="عنوان خبر عن المحادثات", paragraphs=BODY):
    return Article(article_id=f"{n:032x}", doc_id=f"doc{n}", source_uri=f"/in/{n}.txt", position=0,
                   title=title, paragraphs=list(paragraphs))


def test_suite_is_derived_from_the_arrow_schema():
    config = suite_config()
    not_null = {e["kwargs"]["column"] for e in config["expectations"] if e["type"] == "expect_column_values_to_not_be_null"}
    assert not_null == {f.name for f in ARTICLES if not f.nullable}
    column_set = next(e for e in config["expectations"] if e["type"] == "expect_table_columns_to_match_set")
    assert column_set["kwargs"]["column_set"] == ARTICLES.names


def test_planted_defects_are_quarantined_and_good_rows_pass():
    rows = [article_row(a, RUN) for a in [
        article(1),
        article(2, title="قصير"),                                  # title too short
        article(3, paragraphs=["نص قصير جدا."]),                   # too few words
        article(4, paragraphs=BODY + ["<p>فقرة فيها وسم</p>"]),     # markup left in the body
        article(5, title="This is an English headline here", paragraphs=["Only English words in this body " * 5]),
    ]]
    result = validate_batch(rows)
    (table,) = result.items
    assert table.column("article_id").to_pylist() == [f"{1:032x}", f"{5:032x}"]
    reasons = {r.article_id[-1]: r.reason for r in result.rejections}
    assert reasons == {"2": "expect_column_value_lengths_to_be_between:title",
                       "3": "expect_column_values_to_be_between:word_count",
                       "4": "expect_column_values_to_not_match_regex:body"}
    assert all(r.stage == "validate" and r.value for r in result.rejections)


def test_rows_that_do_not_fit_the_schema_stop_the_batch():
    rows = [article_row(article(1), RUN), article_row(article(2), RUN)]
    rows[1]["position"] = "not a number"
    result = validate_batch(rows)
    assert result.items[0].num_rows == 0
    assert {r.reason for r in result.rejections} == {"batch_invalid"}
    assert {r.doc_id for r in result.rejections} == {"doc1", "doc2"}
