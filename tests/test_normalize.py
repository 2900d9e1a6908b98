"""normalize: Article → row, and the policy for pages that are not mostly Arabic."""
from datetime import datetime, timezone

import pytest

from tasks.normalize import article_row, normalize_batch
from tasks.records import Article, RunContext

RUN = RunContext("run-1", datetime(2026, 1, 1, tzinfo=timezone.utc), "test")
ARABIC = Article(article_id="a" * 32, doc_id="d1", source_uri="/in/ar.txt", position=0,
                 title="وزير الخارجية يزور بيونغ يانغ",
                 paragraphs=["قال وزير الخارجية الروسي إنه سيزور كوريا الشمالية الشهر المقبل."],
                 published_raw="17 أيلول/سبتمبر 2023")
ENGLISH = Article(article_id="b" * 32, doc_id="d2", source_uri="/in/en.txt", position=0,
                  title="Minister to visit Pyongyang",
                  paragraphs=["The Russian foreign minister said he would visit North Korea next month."])


def test_row_has_display_and_search_forms_date_and_language():
    row = article_row(ARABIC, RUN)
    assert row["language"] == "ar" and row["arabic_ratio"] > 0.9
    assert row["published_at"] == datetime(2023, 9, 17, tzinfo=timezone.utc)
    assert row["title_search"] == "وزير الخارجيه يزور بيونغ يانغ"
    assert row["fetched_at"] is None and row["ingested_at"] == RUN.started_at


def test_non_arabic_page_is_kept_flagged_by_default():
    result = normalize_batch([ARABIC, ENGLISH], RUN)
    assert [r["language"] for r in result.output] == ["ar", "en"] and not result.rejections


def test_non_arabic_page_is_quarantined_with_its_reason_when_asked():
    result = normalize_batch([ARABIC, ENGLISH], RUN, non_arabic="quarantine")
    assert [r["doc_id"] for r in result.output] == ["d1"]
    (rejection,) = result.rejections
    assert (rejection.source_uri, rejection.reason, rejection.value) == ("/in/en.txt", "not_arabic", ENGLISH.title)
    assert "language en" in rejection.detail


def test_unknown_policy_is_refused():
    with pytest.raises(ValueError, match="non_arabic"):
        normalize_batch([ARABIC], RUN, non_arabic="drop")


@pytest.mark.parametrize("title, kept, warning", [
    ("غزة", "غزة", None),                                  # a one-word headline is a title
    ("30 Years of <br> Tags", "30 Years of <br> Tags", "title_markup"),   # about HTML: kept, flagged
    ("-", None, "title_too_short"),
])
def test_a_short_title_or_one_quoting_markup_is_kept_and_flagged(title, kept, warning):
    from tasks.normalize import checked_title

    assert checked_title(title) == (kept, warning)
