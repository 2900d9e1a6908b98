"""Segmentation's decision for each unit after the main article's first one (tasks/segment.py,
_unit_role), as a table: what the units before it left (SegmentState) and what the unit holds
→ what it is. Whole pages through segmentation are tested in test_strip.py and the outlet tests."""
import pytest

from tasks.linerules import Line
from tasks.segment import SegmentState, Unit, UnitRole, _unit_role

HEADLINE = "وزير الخارجية يزور العاصمة الروسية الأسبوع المقبل"
SENTENCE = ("وقال الوزير في مؤتمر صحفي عقده اليوم إن العلاقات بين البلدين تشهد تطورا كبيرا في "
            "مختلف المجالات السياسية والاقتصادية والثقافية منذ سنوات.")
STORY = [HEADLINE] + [SENTENCE] * 4          # a full story of its own (over 60 words, 2+ paragraphs)
TEASER = [HEADLINE, "ملخص قصير للخبر في سطر واحد."]
TAGS = ["روسيا", "كوريا الشمالية", "الأمم المتحدة"]


def unit(texts: list[str], main: bool | None = None, ended_by: str | None = None) -> Unit:
    """A unit of text lines (`main`: the content model's judgement, None when not judged),
    ended by a separator line of that label (`byline`, `related_header`, `tags`…)."""
    lines = [Line(i + 1, t, "text", main=main) for i, t in enumerate(texts)]
    end = Line(len(texts) + 1, "—", ended_by) if ended_by else None
    return Unit(lines, end)


OPEN = SegmentState()
ENDED = SegmentState(article_open=False, marker_ended=True)
UNDER_RELATED = SegmentState(article_open=False, in_related=True)
AFTER_TEASER = SegmentState(article_open=False, in_related=True, teasers=1)
AFTER_INLINE_LINK = SegmentState(after_inline_header=True)
AFTER_TAGS_HEADER = SegmentState(article_open=False, marker_ended=True, after_tags_header=True)


@pytest.mark.parametrize("state, texts, main, ended_by, role", [
    # The open article goes on: after an inline "read also" link (a linked title, then body) …
    (AFTER_INLINE_LINK, [HEADLINE, SENTENCE], None, None, UnitRole.CONTINUES_AFTER_LINK),
    # … or with whatever main text comes before anything ended it.
    (OPEN, [SENTENCE], None, None, UnitRole.CONTINUES),
    (OPEN, [SENTENCE], False, None, UnitRole.ORPHAN),            # the model said: not main text
    # A unit ending in a byline is a teaser even while the article is open.
    (OPEN, TEASER, None, "byline", UnitRole.RELATED),
    # Under a related header, no teaser taken yet: a box inside the article, the story goes on.
    (UNDER_RELATED, [SENTENCE], None, None, UnitRole.CONTINUES_AFTER_BOX),
    # After a teaser, the same text is one more teaser; a full story is an appended article.
    (AFTER_TEASER, TEASER, None, None, UnitRole.RELATED),
    (AFTER_TEASER, STORY, None, None, UnitRole.NEW_ARTICLE),
    (ENDED, STORY, None, None, UnitRole.NEW_ARTICLE),
    # After an end marker, short text that is no story and no teaser is left over.
    (ENDED, TEASER, None, None, UnitRole.ORPHAN),
    # Short lines under a bare tags header are tags; long ones are not.
    (AFTER_TAGS_HEADER, TAGS, None, None, UnitRole.TAGS),
    (AFTER_TAGS_HEADER, [SENTENCE], None, None, UnitRole.ORPHAN),
    (ENDED, [], None, None, UnitRole.ORPHAN),                    # no text at all
])
def test_each_unit_gets_the_first_role_that_holds(state, texts, main, ended_by, role):
    assert _unit_role(unit(texts, main, ended_by), state) is role


def test_the_state_after_a_unit_follows_its_separator():
    state = SegmentState()
    state.after(unit([SENTENCE], ended_by="related_header"))
    assert (state.article_open, state.in_related, state.marker_ended) == (False, True, False)
    state.after(unit(TEASER))                              # no separator: nothing changes
    assert (state.article_open, state.in_related) == (False, True)
    ended = SegmentState()
    tag_line = Line(9, "الوسوم: روسيا", "tags", value="روسيا")
    ended.after(Unit([Line(1, SENTENCE, "text")], tag_line))        # tags with their values: an end
    assert (ended.article_open, ended.marker_ended, ended.after_tags_header) == (False, True, False)
    bare = SegmentState()
    bare.after(Unit([Line(1, SENTENCE, "text")], Line(9, "كلمات مفتاحية", "tags")))
    assert bare.after_tags_header
