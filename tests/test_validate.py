"""Real Great Expectations validation (its import takes ~13 s, once per session)."""
from datetime import datetime, timezone

import pytest

from tasks.records import Article, RunContext
from tasks.normalize import article_row
from tasks.validate import validate_batch

pytestmark = pytest.mark.gx

RUN = RunContext("run-1", datetime(2026, 1, 1, tzinfo=timezone.utc), "test")
BODY = ["وقال المتحدث باسم الوزارة إن المحادثات ستتواصل خلال الأسبوع المقبل في العاصمة، بحضور وفود من عدة دول عربية وأجنبية."] * 2


def article(n, title="عنوان خبر عن المحادثات", paragraphs=BODY):
    return Article(article_id=f"{n:032x}", doc_id=f"doc{n}", source_uri=f"/in/{n}.txt", position=0,
                   title=title, paragraphs=list(paragraphs))


def planted(n, **fields):
    row = article_row(article(n), RUN)
    row.update(fields)
    return row


UTC = timezone.utc
# One row per defect, with the reason it must be quarantined for.
DEFECTS = [
    (dict(title="ق"), "expect_column_value_lengths_to_be_between:title"),
    (dict(title="عنوان " * 80), "expect_column_value_lengths_to_be_between:title"),
    (dict(word_count=3, body="نص قصير جدا."), "expect_column_values_to_be_between:word_count"),
    (dict(language="not a code"), "expect_column_values_to_match_regex:language"),
    (dict(title=None, warnings=[]), "malformed_list:warnings"),
    (dict(arabic_ratio=0.1), "expect_column_values_to_be_between:arabic_ratio"),
    (dict(body=BODY[0] + "\n\nTT\n\n" + BODY[1]), "expect_column_values_to_not_match_regex_list:body"),
    (dict(body=BODY[0] + "\n\nمقالات ذات صلة"), "expect_column_values_to_not_match_regex_list:body"),
    (dict(body=BODY[0] + "\n\nجميع الحقوق محفوظة 2024"), "expect_column_values_to_not_match_regex_list:body"),
    (dict(published_at=datetime(1985, 5, 1, tzinfo=UTC)), "expect_column_values_to_be_between:published_at"),
    (dict(published_at=datetime(2026, 6, 1, tzinfo=UTC)), "expect_column_pair_values_a_to_be_greater_than_b:published_at"),
    (dict(fetched_at=datetime(2024, 1, 1, tzinfo=UTC), published_at=datetime(2024, 3, 1, tzinfo=UTC)),
     "expect_column_pair_values_a_to_be_greater_than_b:published_at"),
    (dict(content_hash="not-a-hash"), "expect_column_values_to_match_regex:content_hash"),
    (dict(captions=[{"text": " ", "credit": "أ.ب"}]), "malformed_list:captions"),
    (dict(related=[{"title": "", "summary": None, "section": None, "byline": None}]), "malformed_list:related"),
    (dict(tags=["روسيا", ""]), "malformed_list:tags"),
]


def test_markup_in_a_body_is_a_warning_and_the_article_is_kept():
    row = article_row(article(1, paragraphs=BODY + ["مثال: الوسم <p> يبدأ فقرة و&amp; رمز."]), RUN)
    assert row["warnings"] == ["body_markup"]
    result = validate_batch([row])
    assert result.rejections == [] and result.output.num_rows == 1


@pytest.mark.parametrize("title, warning", [("عنوان <b>الخبر</b> هنا", "title_markup"), ("غزة", None)])
def test_a_title_normalize_keeps_passes_the_suite(title, warning):
    """The suite's title bounds are normalize's: a short headline or one quoting markup is
    kept (flagged), never the reason an article is quarantined."""
    row = article_row(article(2, title=title), RUN)
    assert row["title"] == title and row["warnings"] == ([warning] if warning else [])
    result = validate_batch([row])
    assert result.rejections == [] and result.output.num_rows == 1


def test_planted_defects_are_quarantined_with_their_reason_and_value_and_good_rows_pass():
    good = [planted(1000 + i, published_at=datetime(2024, 1, 1, tzinfo=UTC)) for i in range(len(DEFECTS))]
    # The arabic_ratio floor holds for rows labelled Arabic only (the suite's row condition).
    good.append(planted(999, published_at=datetime(2024, 1, 1, tzinfo=UTC), language="fa", arabic_ratio=0.1))
    bad = [planted(n, **fields) for n, (fields, _) in enumerate(DEFECTS, start=1)]
    result = validate_batch(good + bad)
    table = result.output
    assert sorted(table.column("article_id").to_pylist()) == sorted(r["article_id"] for r in good)
    got = {r.article_id: r.reason for r in result.rejections}
    assert got == {row["article_id"]: reason for row, (_, reason) in zip(bad, DEFECTS)}
    assert all(r.stage == "validate" and r.value and r.source_uri.startswith("/in/") for r in result.rejections)
    title_value = next(r.value for r in result.rejections if r.article_id == bad[0]["article_id"])
    assert title_value == "ق"


def test_a_duplicated_article_id_quarantines_both_copies():
    rows = [planted(1), planted(2)] + [planted(3) for _ in range(2)]
    result = validate_batch(rows)
    assert result.output.num_rows == 2
    assert [r.reason for r in result.rejections] == ["expect_column_values_to_be_unique:article_id"]


def test_a_batch_where_most_rows_fail_is_stopped_whole():
    rows = [planted(n) for n in range(4)] + [planted(n, title="ق") for n in range(10, 18)]
    result = validate_batch(rows)
    assert result.output.num_rows == 0
    assert {r.reason for r in result.rejections} == {"batch_invalid"}
    assert len(result.rejections) == len({r["doc_id"] for r in rows})
    assert "8 of 12 rows failed" in result.rejections[0].detail


def test_rows_that_do_not_fit_the_schema_stop_the_batch():
    rows = [article_row(article(1), RUN), article_row(article(2), RUN)]
    rows[1]["position"] = "not a number"
    result = validate_batch(rows)
    assert result.output.num_rows == 0
    assert {r.reason for r in result.rejections} == {"batch_invalid"}
    assert {r.doc_id for r in result.rejections} == {"doc1", "doc2"}
