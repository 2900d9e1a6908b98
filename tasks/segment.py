"""Splits a page's labelled lines into its articles.

A page is cut into units at structural separators (a related-articles header, a teaser
byline, a source credit, a tag line, comment-section text). Each unit is then
- an article: the page's first unit with text, or a unit with a full body (a story the
  site appended by infinite scroll or under "اقرأ أيضاً");
- a related teaser (title + short summary), when it follows a related header or ends with
  a byline: it goes into the `related` column of the article before it;
- otherwise leftover text, removed and counted under rule `orphan_text`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from tasks.linerules import Line
from tasks.profiles import Profile

SEPARATORS = {"related_header", "byline", "credit", "tags"}
SEPARATOR_RULES = {"comments", "copyright", "cookies_newsletter"}
# The one separator that may stand inside a body: the story can go on after its link.
INLINE_HEADER_RULE = "read_also_header"

HEADLINE_MAX_WORDS = 30
SUBTITLE_MAX_WORDS = 30
# Shorter lines between the headline and the body are an author's name or a photo's alt
# text ("أحمد عادل", "البنك المركزي المصري"), not a subtitle.
HEADER_FRAGMENT_MAX_WORDS = 4
# Shorter lines under a related header are section links ("أخبار مصر"), not titles.
RELATED_TITLE_MIN_WORDS = 3
# An appended story needs a real body; a teaser's summary is one short paragraph.
APPENDED_MIN_PARAGRAPHS = 2
APPENDED_MIN_WORDS = 60
APPENDED_ALONE_WORDS = 120
TAG_MAX_WORDS = 4
# Short link lines left at the very end of a body (tags, section links with no header).
TRAILING_LINK_MAX_WORDS = 4

_SENTENCE_END = re.compile(r"[.!:؛…]$|\.[\"”»]$")
_DATELINE = re.compile(r"^(?P<place>[\u0621-\u064a]+(?:\s[\u0621-\u064a]+){0,2})\s*(?::|\s[-–])\s+\S")
# Words that open a sentence, not a place name, before a colon: "قال: …", "وأضاف: …".
_NOT_PLACES = re.compile(r"^(?:[وف]|قال|أكد|أضاف|أعلن|صرح|أوضح|تابع|لكن|إلا|كما|بينما|حيث|المصدر|مصدر|الخبر|عاجل)")


@dataclass(slots=True)
class Unit:
    lines: list[Line] = field(default_factory=list)
    ended_by: Line | None = None

    def texts(self) -> list[Line]:
        return [ln for ln in self.lines if ln.label == "text"]


@dataclass(slots=True)
class Draft:
    """An article as segmentation sees it (strip.py turns it into an Article record)."""
    position: int
    title: str | None
    paragraphs: list[str]
    subtitle: str | None = None
    dateline: str | None = None
    captions: list[dict] = field(default_factory=list)
    related: list[dict] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    source_credit: str | None = None
    published_raw: str | None = None
    author: str | None = None


def is_headline(text: str) -> bool:
    return len(text.split()) <= HEADLINE_MAX_WORDS and not _SENTENCE_END.search(text)


def word_count(texts: list[str]) -> int:
    return sum(len(t.split()) for t in texts)


def split_units(lines: list[Line]) -> list[Unit]:
    units, current = [], Unit()
    for line in lines:
        if line.label == "blank":
            continue
        if line.label in SEPARATORS or (line.label == "boilerplate" and line.rule in SEPARATOR_RULES):
            current.ended_by = line
            units.append(current)
            current = Unit()
        else:
            current.lines.append(line)
    units.append(current)
    return units


def _caption(line: Line) -> dict:
    # The text stays as printed, credit included; the credit is also kept on its own.
    if line.rule in ("caption_credit", "caption_dash_credit"):
        return {"text": line.text, "credit": line.value}
    return {"text": line.value or line.text, "credit": None}


def _split_tags(value: str | None) -> list[str]:
    if not value:
        return []
    parts = re.split(r"\s*[،,|؛;]\s*", value)
    return [p for p in (p.strip() for p in parts) if p]


def _dateline(paragraph: str) -> str | None:
    m = _DATELINE.match(paragraph)
    if m and not _NOT_PLACES.match(m["place"]) and len(m["place"]) <= 20:
        return m["place"]
    return None


def _is_full_story(paragraphs: list[str]) -> bool:
    words = word_count(paragraphs)
    return (len(paragraphs) >= APPENDED_MIN_PARAGRAPHS and words >= APPENDED_MIN_WORDS) or words >= APPENDED_ALONE_WORDS


def _teaser(unit: Unit, profile: Profile | None) -> dict | None:
    texts = unit.texts()
    if not texts:
        return None
    title_line = next((ln for ln in texts if is_headline(ln.text)), texts[0])
    summary = " ".join(ln.text for ln in texts if ln is not title_line) or None
    section = None
    if profile and profile.sections:
        for ln in unit.lines:
            if ln.label == "caption":
                section = next((s for s in profile.sections if ln.text.startswith(s + " ")), None)
                break
    byline = unit.ended_by.text if unit.ended_by is not None and unit.ended_by.label == "byline" else None
    for ln in unit.lines:
        if ln.label in ("text", "caption", "repeated"):
            ln.label, ln.rule = "related", "related_teaser"
    if byline:
        unit.ended_by.label, unit.ended_by.rule = "related", "related_teaser"
    return {"title": title_line.text, "summary": summary, "section": section, "byline": byline}


def _article(unit: Unit, position: int, page_title: str | None) -> Draft:
    texts = unit.texts()
    title = page_title
    if page_title:
        # The page's metadata title is the headline; its copies in the text are echoes.
        for ln in texts:
            if ln.text == page_title:
                ln.label, ln.rule = "repeated", "repeated_line"
        texts = [ln for ln in texts if ln.label == "text"]
    elif texts and is_headline(texts[0].text):
        texts[0].label = "title"
        title, texts = texts[0].text, texts[1:]
    draft = Draft(position=position, title=title, paragraphs=[])
    while len(texts) >= 2 and is_headline(texts[0].text) and len(texts[0].text.split()) <= HEADER_FRAGMENT_MAX_WORDS:
        texts[0].label, texts[0].rule = "boilerplate", "header_fragment"
        texts = texts[1:]
    if len(texts) >= 2 and is_headline(texts[0].text) and len(texts[0].text.split()) <= SUBTITLE_MAX_WORDS:
        draft.subtitle = texts[0].text
        texts[0].label = "subtitle"
        texts = texts[1:]
    while len(texts) > 1 and len(texts[-1].text.split()) <= TRAILING_LINK_MAX_WORDS and is_headline(texts[-1].text):
        texts[-1].label, texts[-1].rule = "boilerplate", "trailing_links"
        texts = texts[:-1]
    for ln in texts:
        ln.label = "body"
    draft.paragraphs = [ln.text for ln in texts]
    dateline_line = next((ln for ln in unit.lines if ln.label == "dateline"), None)
    if dateline_line is not None:
        draft.dateline = dateline_line.value
    elif draft.paragraphs:
        draft.dateline = _dateline(draft.paragraphs[0])
    seen_captions = set()
    for ln in unit.lines:
        if ln.label == "caption" and ln.text not in seen_captions:
            seen_captions.add(ln.text)
            draft.captions.append(_caption(ln))
        elif ln.label == "date" and draft.published_raw is None:
            draft.published_raw = ln.value
        elif ln.label == "author" and ln.value and draft.author is None:
            draft.author = ln.value
        elif ln.label == "related_inline" and ln.value:
            # trafilatura keeps inline "اقرأ أيضاً: …" links; the linked title is a related item.
            draft.related.append({"title": ln.value, "summary": None, "section": None, "byline": None})
    return draft


def _continue_body(unit: Unit, draft: Draft, profile: Profile | None) -> None:
    """A "read also" link inside a body: the link's title is a related item, the lines after
    it are more of the same article."""
    link, *rest = unit.texts()
    draft.related.append(_teaser(Unit([link]), profile))
    for ln in rest:
        ln.label = "body"
    draft.paragraphs.extend(ln.text for ln in rest)
    for ln in unit.lines:
        if ln.label == "caption" and all(c["text"] != ln.text for c in draft.captions):
            draft.captions.append(_caption(ln))


def _continues_body(paragraphs: list[str]) -> bool:
    return len(paragraphs) >= 2 and is_headline(paragraphs[0]) and not any(is_headline(p) for p in paragraphs[1:])


def segment(lines: list[Line], profile: Profile | None, page_title: str | None = None) -> list[Draft]:
    drafts: list[Draft] = []
    in_related = after_tags_header = False
    # The last article has not yet met its end (a credit, tags, comments, copyright …).
    article_open = after_inline_header = False
    for unit in split_units(lines):
        texts = unit.texts()
        paragraphs = [ln.text for ln in texts]
        body = paragraphs[1:] if paragraphs and is_headline(paragraphs[0]) else paragraphs
        ends_in_byline = unit.ended_by is not None and unit.ended_by.label == "byline"
        if drafts and article_open and after_inline_header and not ends_in_byline and _continues_body(paragraphs):
            _continue_body(unit, drafts[-1], profile)
        elif texts and (not drafts or (_is_full_story(body) and not ends_in_byline)):
            drafts.append(_article(unit, len(drafts), None if drafts else page_title))
            in_related, article_open = False, True
        elif drafts and texts and after_tags_header and all(len(p.split()) <= TAG_MAX_WORDS for p in paragraphs):
            # Tags listed one per line under a bare "كلمات مفتاحية" header.
            drafts[-1].tags.extend(paragraphs)
            for ln in texts:
                ln.label, ln.rule = "tags", "tags_list"
        elif drafts and texts and (in_related or ends_in_byline):
            if not ends_in_byline and all(is_headline(p) for p in paragraphs):
                # A list of linked titles under a "read also" header: one teaser per line;
                # too short a line is a section link.
                for ln in texts:
                    if len(ln.text.split()) >= RELATED_TITLE_MIN_WORDS:
                        drafts[-1].related.append(_teaser(Unit([ln]), profile))
                    else:
                        ln.label, ln.rule = "boilerplate", "section_link"
            else:
                teaser = _teaser(unit, profile)
                if teaser:
                    drafts[-1].related.append(teaser)
        else:
            for ln in unit.lines:
                if ln.label in ("text", "caption"):
                    ln.label, ln.rule = "boilerplate", "orphan_text"
        if drafts:
            for ln in unit.lines:
                ln.position = drafts[-1].position
            _attach_separator(unit.ended_by, drafts[-1])
        ended = unit.ended_by
        if ended is not None and ended.label == "related_header":
            in_related = True
        after_inline_header = ended is not None and ended.rule == INLINE_HEADER_RULE
        if ended is not None and ended.rule != INLINE_HEADER_RULE:
            article_open = False
        after_tags_header = unit.ended_by is not None and unit.ended_by.label == "tags" and not unit.ended_by.value
    return drafts


def _attach_separator(line: Line | None, draft: Draft) -> None:
    """Credits and tags belong to the article they follow."""
    if line is None:
        return
    line.position = draft.position
    if line.label == "credit" and draft.source_credit is None:
        draft.source_credit = line.value
    elif line.label == "tags":
        draft.tags.extend(_split_tags(line.value))
