"""What a quarantine row and the failed-expectations artifact show of a failing value
(tasks/validate.preview): where the expectation's pattern matched, not a body's first lines."""
import re

from tasks.validate import VALUE_PREVIEW, preview

SENTENCE = "وقال الوزير في مؤتمر صحفي عقده اليوم إن العلاقات بين البلدين تشهد تطورا كبيرا. "
NOTICE = "جميع الحقوق محفوظة"
PATTERNS = ["(?m)^(?:TT|شارك|مشاركة|طباعة)$", "جميع الحقوق محفوظة|كل الحقوق محفوظة"]


def test_a_long_value_is_shown_from_where_the_pattern_matched():
    body = SENTENCE * 20 + NOTICE + " لأصحابها. " + SENTENCE * 20
    shown = preview(body, PATTERNS)
    assert NOTICE in shown and shown.startswith("…") and shown.endswith("…")
    assert len(shown) == VALUE_PREVIEW + 2
    # Some context before the match, and the match inside what the run's artifact shows of
    # an example (its first 60 characters).
    assert 10 <= shown.index(NOTICE) and shown.index(NOTICE) + len(NOTICE) <= 60


def test_without_a_match_or_a_pattern_the_start_is_shown_and_short_values_whole():
    body = SENTENCE * 20
    assert preview(body, PATTERNS) == preview(body) == body[:VALUE_PREVIEW] + "…"
    assert preview(SENTENCE, PATTERNS) == SENTENCE and preview(None) is None
    near_the_start = NOTICE + " " + body
    assert preview(near_the_start, PATTERNS) == near_the_start[:VALUE_PREVIEW] + "…"
    assert re.search(PATTERNS[1], preview(near_the_start, PATTERNS))
