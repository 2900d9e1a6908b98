"""Fuzzing strip and normalize with hypothesis: arbitrary Unicode and random line structures
(news sentences, boilerplate, captions, dates, numbers, noise). Nothing may raise, no text
may be invented, and every line must be accounted for."""
from datetime import datetime, timezone

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tasks.linerules import clean
from tasks.normalize import article_row
from tasks.records import Page, RunContext
from tasks.strip import KEPT_LABELS, strip_page

pytestmark = pytest.mark.long

RUN = RunContext("fuzz", datetime(2026, 1, 1, tzinfo=timezone.utc), "fuzz")
SENTENCES = [
    "وقال المتحدث باسم الوزارة إن المحادثات ستتواصل خلال الأسبوع المقبل في العاصمة.",
    "أعلنت الحكومة، اليوم الثلاثاء، خطة جديدة لدعم السكن لفائدة الأسر محدودة الدخل.",
    "الرئيس يستقبل وفدا رفيع المستوى",
    "وزير الخارجية الروسي سيرغي لافروف (إ.ب.أ)",
    "«الشرق الأوسط» (موسكو)",
    "مقالات ذات صلة", "اقرأ أيضاً:", "المصدر: وكالات", "كلمات دلالية: روسيا، كوريا",
    "جميع الحقوق محفوظة © 2024", "أضف تعليقك", "TT", "27", "3 حزيران 2024", "نشر في: 14 مايو 2024",
    "الرئيسية", "سياسة", "اقتصاد", "أبوظبي - سكاي نيوز عربية", "كتب- أحمد مسعد:", "",
]
LINES = st.one_of(st.sampled_from(SENTENCES), st.text(max_size=80),
                  st.text(alphabet=st.characters(min_codepoint=0x0600, max_codepoint=0x06FF), max_size=120))


def check(lines: list[str]) -> None:
    page = Page(doc_id="d" * 64, source_uri="/fuzz/page.txt", lines=lines, content_type="text", encoding="utf-8")
    stripped = strip_page(page)
    # Every input line is labelled once, and each non-blank line is kept or removed by a rule.
    assert len(stripped.lines) == len(lines)
    kept = sum(1 for ln in stripped.lines if ln.label in KEPT_LABELS and ln.label != "blank")
    removed = sum(stripped.removed_by_rule().values())
    assert kept + removed == sum(1 for ln in stripped.lines if ln.label != "blank")
    assert all(ln.label not in ("boilerplate", "repeated") or ln.rule for ln in stripped.lines)
    # No text invented: titles, subtitles and paragraphs are input lines as cleaned.
    inputs = {clean(line) for line in lines}
    for article in stripped.articles:
        assert {p for p in article.paragraphs} <= inputs
        assert article.title is None or article.title in inputs
        assert article.subtitle is None or article.subtitle in inputs
        row = article_row(article, RUN)
        assert row["word_count"] >= 0 and len(row["content_hash"]) == 64 and 0.0 <= row["arabic_ratio"] <= 1.0


@settings(max_examples=10_000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(LINES, max_size=40))
def test_strip_and_normalize_hold_their_invariants_on_random_pages(lines):
    check(lines)


@settings(max_examples=2_000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(max_size=3000))
def test_arbitrary_unicode_split_into_lines(text):
    check(text.split("\n"))
