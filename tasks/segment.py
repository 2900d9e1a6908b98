"""Splits a page's labelled lines into its articles.

A page is cut into units at structural separators (a related-articles header, a teaser
byline, a source credit, a tag line, comment-section text). Then, in this order:
1. the main unit: on a text dump whose paragraphs the content model judged, the first unit
   with a full story of main text (else the one with the most); units before it are page
   furniture. On HTML, trafilatura's output starts with the article: its first unit with text;
2. the main article's title: the page's metadata title; on a text dump, the nearest
   headline-shaped line above the first body paragraph (choose_title), never a date, byline,
   caption or a line a rule removed; none when no line qualifies (the article is still
   written, with its title null);
3. each later unit is
   - more of the same article, after an inline "read also" link;
   - a new article when it has a full body of its own (a story the site appended by infinite
     scroll or under "اقرأ أيضاً");
   - tags listed under a bare tags header;
   - a related teaser (title + short summary), when it follows a related header or ends with
     a byline: it goes into the `related` column of the article before it;
   - otherwise leftover text, removed and counted under rule `orphan_text`.
A byline ("name (place)") separates only where it can end a teaser: after at most
TEASER_MAX_LINES short lines; elsewhere it is an ordinary line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum

from tasks.arabic import token_count
from tasks.content import title_scores
from tasks.labels import Label
from tasks.linerules import Line
from tasks.profiles import Profile

# Lines of these labels end a unit, as do those of rules with the role `separator`
# (rules.yaml, profiles.RULE_ROLES).
SEPARATORS = {Label.RELATED_HEADER, Label.BYLINE, Label.CREDIT, Label.TAGS}

HEADLINE_MAX_WORDS = 30
SUBTITLE_MAX_WORDS = 30
# Shorter lines between the headline and the body are an author's name or a photo's alt
# text ("أحمد عادل", "البنك المركزي المصري"), not a subtitle.
HEADER_FRAGMENT_MAX_WORDS = 4
# Shorter lines under a related header are section links ("أخبار مصر"), not titles.
RELATED_TITLE_MIN_WORDS = 3
# A body's first paragraph is a sentence: this many words, or a shorter line ending like one.
LEAD_MIN_WORDS = 10
# An appended story needs a real body; a teaser's summary is one short paragraph.
APPENDED_MIN_PARAGRAPHS = 2
APPENDED_MIN_WORDS = 60
APPENDED_ALONE_WORDS = 120
TAG_MAX_WORDS = 4
# Short link lines left at the very end of a body (tags, section links with no header).
TRAILING_LINK_MAX_WORDS = 4
# A teaser is a title and a short summary (and perhaps a section line) before its byline.
TEASER_MAX_LINES = 3
TEASER_MAX_WORDS = 70
# How far above the first body paragraph a headline may stand (non-blank lines), and how long
# it is: a one-word line is a section label or a site name, not a headline.
TITLE_LOOKBACK = 40
# A headline may also stand a little below the first line taken for body (a teaser or a
# standfirst the model kept above it): so many lines below are looked at too.
TITLE_LOOKAHEAD = 8
TITLE_MIN_WORDS = 3
# A page's title line names the site or section after the headline: "… | CNN", "… - اليوم السابع".
_TITLE_PARTS = re.compile(r"\s(?:\||[-–—]|::)\s")
SITE_PART_MAX_WORDS = 4
# Lines that are never a title, whatever their shape.
NOT_TITLES = {Label.DATE, Label.AUTHOR, Label.CAPTION, Label.CREDIT, Label.DATELINE, Label.TAGS,
              Label.RELATED_HEADER, Label.RELATED_INLINE, Label.RELATED}

_SENTENCE_END = re.compile(r"[.!:؛…。！？]$|\.[\"”»]$")
_DATELINE = re.compile(r"^(?P<place>[\u0621-\u064a]+(?:\s[\u0621-\u064a]+){0,2})\s*(?::|\s[-–])\s+\S")
# Words that open a sentence, not a place name, before a colon: "قال: …", "وأضاف: …".
_NOT_PLACES = re.compile(r"^(?:[وف]|قال|أكد|أضاف|أعلن|صرح|أوضح|تابع|لكن|إلا|كما|بينما|حيث|المصدر|مصدر|الخبر|عاجل)")


@dataclass(slots=True)
class Unit:
    lines: list[Line] = field(default_factory=list)
    ended_by: Line | None = None

    def texts(self) -> list[Line]:
        return [ln for ln in self.lines if ln.label == Label.TEXT]

    def main_texts(self) -> list[Line]:
        """Its text lines that are main text: all of them, unless the content model judged
        the page (text dumps)."""
        return [ln for ln in self.lines if ln.label == Label.TEXT and is_main_text(ln)]


def is_main_text(line: Line) -> bool:
    return line.main is not False


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
    return token_count(text) <= HEADLINE_MAX_WORDS and not _SENTENCE_END.search(text)


def word_count(texts: list[str]) -> int:
    return sum(token_count(t) for t in texts)


def _demote_loose_bylines(lines: list[Line]) -> None:
    """A "name (place)" line ends a teaser only after a teaser's few short lines; after a
    paragraph run it is a line like any other ("View all (23)", "Zakat (3)")."""
    run_lines = run_words = 0
    for line in lines:
        if line.label == Label.TEXT:
            run_lines += 1
            run_words += token_count(line.text)
        elif line.label == Label.BYLINE:
            if run_lines > TEASER_MAX_LINES or run_words > TEASER_MAX_WORDS:
                if is_main_text(line):
                    line.relabel(Label.TEXT, None)
                    run_lines += 1              # an ordinary line of the run it stands in
                    run_words += token_count(line.text)
                    continue
                line.relabel(Label.BOILERPLATE, "not_main_text")
            run_lines = run_words = 0
        elif line.label != Label.BLANK:
            run_lines = run_words = 0


def split_units(lines: list[Line]) -> list[Unit]:
    _demote_loose_bylines(lines)
    units, current = [], Unit()
    for line in lines:
        if line.label == Label.BLANK:
            continue
        if line.label in SEPARATORS or "separator" in line.roles:
            current.ended_by = line
            units.append(current)
            current = Unit()
        else:
            current.lines.append(line)
    units.append(current)
    return units


def _caption(line: Line) -> dict:
    # The text stays as printed, credit included; the credit is also kept on its own.
    if "value_is_credit" in line.roles:
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


def _teaser(unit: Unit, profile: Profile | None) -> dict:
    """A related article's teaser from a unit with text in it."""
    texts = unit.texts()
    title_line = next((ln for ln in texts if is_headline(ln.text)), texts[0])
    summary = " ".join(ln.text for ln in texts if ln is not title_line) or None
    section = None
    if profile and profile.sections:
        for ln in unit.lines:
            if ln.label == Label.CAPTION:
                section = next((s for s in profile.sections if ln.text.startswith(s + " ")), None)
                break
    ender = unit.ended_by if unit.ended_by is not None and unit.ended_by.label == Label.BYLINE else None
    for ln in unit.lines:
        if ln.label in (Label.TEXT, Label.CAPTION, Label.REPEATED):
            ln.relabel(Label.RELATED, "related_teaser")
    if ender is not None:
        ender.relabel(Label.RELATED, "related_teaser")
    return {"title": title_line.text, "summary": summary, "section": section,
            "byline": ender.text if ender is not None else None}


def _article(unit: Unit, position: int, page_title: str | None, title_line: Line | None = None,
             title_chosen: bool = False) -> Draft:
    """`title_line`: the main article's headline as choose_title found it (text dumps);
    `title_chosen`: choose_title ran, so no title is guessed when it found none."""
    title, texts = _headline(unit, page_title, title_line, title_chosen)
    draft = Draft(position=position, title=title, paragraphs=[])
    # Guesses by shape alone (a short line is a fragment, a subtitle, a trailing link) are
    # for text dumps; trafilatura has judged an HTML page's lines (nothing was scored).
    if any(ln.main is not None for ln in unit.lines):
        texts = _trim_by_shape(texts, draft)
    for ln in texts:
        if not is_main_text(ln):
            ln.relabel(Label.BOILERPLATE, "not_main_text")
    texts = [ln for ln in texts if ln.label == Label.TEXT]
    for ln in texts:
        ln.label = Label.BODY
    draft.paragraphs = [ln.text for ln in texts]
    _take_metadata(unit, draft)
    return draft


def _headline(unit: Unit, page_title: str | None, title_line: Line | None,
              title_chosen: bool) -> tuple[str | None, list[Line]]:
    """The article's title and its unit's text lines left for the body: copies of the title
    become `repeated`, lines above a chosen headline `not_main_text`."""
    texts = unit.texts()
    if title_line is not None:
        title_line.relabel(Label.TITLE, None)
        if any(ln is title_line for ln in unit.lines):
            # What stands above the headline in its unit is not the article's body.
            above = next(i for i, ln in enumerate(unit.lines) if ln is title_line)
            for ln in unit.lines[:above]:
                if ln.label == Label.TEXT:
                    ln.relabel(Label.BOILERPLATE, "not_main_text")
        title = headline_of(title_line.text)
        return title, _without_copies([ln for ln in texts if ln.label == Label.TEXT], title)
    if page_title:
        # The page's metadata title is the headline (without the site's name after it, as a
        # <title> has); its copies in the text are echoes.
        title = headline_of(page_title)
        _without_copies(texts, page_title)
        return title, _without_copies(texts, title)
    if texts and is_headline(texts[0].text) and not title_chosen:
        texts[0].label = Label.TITLE
        return texts[0].text, texts[1:]
    return None, texts


def headline_of(text: str) -> str:
    """The headline in a title line: its first part when what follows the separators is
    short (a site's or a section's name), else the line whole."""
    parts = _TITLE_PARTS.split(text)
    if len(parts) > 1 and token_count(parts[0]) >= TITLE_MIN_WORDS and \
            all(token_count(part) <= SITE_PART_MAX_WORDS for part in parts[1:]):
        return parts[0].strip()
    return text


def _without_copies(texts: list[Line], title: str) -> list[Line]:
    for ln in texts:
        if ln.text == title:
            ln.relabel(Label.REPEATED, "repeated_line")
    return [ln for ln in texts if ln.label == Label.TEXT]


def _trim_by_shape(texts: list[Line], draft: Draft) -> list[Line]:
    """A text dump's body lines without the short header fragments above it, its subtitle
    (into draft.subtitle) and the short links trailing it."""
    while len(texts) >= 2 and is_headline(texts[0].text) and token_count(texts[0].text) <= HEADER_FRAGMENT_MAX_WORDS:
        texts[0].relabel(Label.BOILERPLATE, "header_fragment")
        texts = texts[1:]
    # A subtitle stands above a body: never the only main text the unit has.
    if len(texts) >= 2 and is_headline(texts[0].text) and token_count(texts[0].text) <= SUBTITLE_MAX_WORDS \
            and any(is_main_text(ln) for ln in texts[1:]):
        draft.subtitle = texts[0].text
        texts[0].label = Label.SUBTITLE
        texts = texts[1:]
    while len(texts) > 1 and token_count(texts[-1].text) <= TRAILING_LINK_MAX_WORDS and is_headline(texts[-1].text):
        texts[-1].relabel(Label.BOILERPLATE, "trailing_links")
        texts = texts[:-1]
    return texts


def _take_metadata(unit: Unit, draft: Draft) -> None:
    """The dateline, captions, date, author and inline related links of an article's unit."""
    dateline_line = next((ln for ln in unit.lines if ln.label == Label.DATELINE), None)
    if dateline_line is not None:
        draft.dateline = dateline_line.value
    elif draft.paragraphs:
        draft.dateline = _dateline(draft.paragraphs[0])
    seen_captions = set()
    for ln in unit.lines:
        if ln.label == Label.CAPTION and ln.text not in seen_captions:
            seen_captions.add(ln.text)
            draft.captions.append(_caption(ln))
        elif ln.label == Label.DATE and draft.published_raw is None:
            draft.published_raw = ln.value
        elif ln.label == Label.AUTHOR and ln.value and draft.author is None:
            draft.author = ln.value
        elif ln.label == Label.RELATED_INLINE and ln.value:
            # trafilatura keeps inline "اقرأ أيضاً: …" links; the linked title is a related item.
            draft.related.append({"title": ln.value, "summary": None, "section": None, "byline": None})


def _continue_body(unit: Unit, draft: Draft, profile: Profile | None, after_link: bool = True) -> None:
    """More of the same article after a separator that can stand inside a body: after a
    "read also" link (`after_link`), the link's title is a related item and the lines after it
    are body; after a byline-shaped line or a photo credit, all of its lines are."""
    if after_link:
        link, *rest = unit.texts()
        draft.related.append(_teaser(Unit([link]), profile))
    else:
        rest = unit.texts()
    for ln in rest:
        ln.relabel(*((Label.BODY, None) if is_main_text(ln) else (Label.BOILERPLATE, "not_main_text")))
    draft.paragraphs.extend(ln.text for ln in rest if ln.label == Label.BODY)
    for ln in unit.lines:
        if ln.label == Label.CAPTION and all(c["text"] != ln.text for c in draft.captions):
            draft.captions.append(_caption(ln))


def _continue_after_box(unit: Unit, draft: Draft, profile: Profile | None) -> None:
    """The lines under a related box's header: its linked titles (the headline-shaped lines
    at the top) are related items, the rest is more of the article."""
    texts = unit.texts()
    links = 0
    while links < len(texts) - 1 and is_headline(texts[links].text):
        links += 1
    for ln in texts[:links]:
        draft.related.append(_teaser(Unit([ln]), profile))
    for ln in texts[links:]:
        ln.relabel(*((Label.BODY, None) if is_main_text(ln) else (Label.BOILERPLATE, "not_main_text")))
    draft.paragraphs.extend(ln.text for ln in texts[links:] if ln.label == Label.BODY)


def _continues_body(paragraphs: list[str]) -> bool:
    return len(paragraphs) >= 2 and is_headline(paragraphs[0]) and not any(is_headline(p) for p in paragraphs[1:])


def main_unit(units: list[Unit], judged: bool) -> int | None:
    """The unit the page's main article starts in (see the module's docstring, step 1)."""
    with_text = [i for i, u in enumerate(units) if u.texts()]
    if not with_text:
        return None
    if not judged:
        return with_text[0]
    for i in with_text:
        if _is_full_story([ln.text for ln in units[i].main_texts()]):
            return i
    main = max(with_text, key=lambda i: word_count([ln.text for ln in units[i].main_texts()]))
    return main if units[main].main_texts() else None


def headline_shaped(line: Line) -> bool:
    """A line that may be a headline: TITLE_MIN_WORDS to HEADLINE_MAX_WORDS words, no sentence end."""
    words = token_count(line.text)
    return TITLE_MIN_WORDS <= words <= HEADLINE_MAX_WORDS and not _SENTENCE_END.search(line.text)


# Below this probability no candidate is taken for the headline: the title is left null.
TITLE_MIN_PROBABILITY = 0.2
# A headline above its deck needs less: the model learnt from pages whose decks are mostly
# sentences (not candidates), so it underrates a headline with a deck under it.
DECK_HEADLINE_MIN_PROBABILITY = 0.1
# What a rule or segmentation may have made of a headline before it was chosen; any other
# label a rule gave (a date, a byline, a share marker, a caption…) rules a line out.
TITLE_ELIGIBLE = {Label.TEXT, Label.TITLE, Label.SUBTITLE, Label.REPEATED, Label.BYLINE, Label.BODY}
TITLE_ELIGIBLE_RULES = {"not_main_text", "header_fragment", "menu", "orphan_text", None}


def title_candidates(lines: list[Line], body_start: int, lead: list[str]) -> list[int]:
    """Indexes of the lines that may be the headline of the article whose body seems to start
    at lines[body_start]: headline-shaped lines from TITLE_LOOKBACK lines above it to
    TITLE_LOOKAHEAD lines below, copies of a caption excluded; that line too when more of the
    body's `lead` (body_start) follows it."""
    captions = {ln.text for ln in lines if ln.label == Label.CAPTION}
    captions |= {ln.text.removesuffix(f"({ln.value})").rstrip() for ln in lines if ln.label == Label.CAPTION and ln.value}

    def eligible(line: Line) -> bool:
        return ((line.label in TITLE_ELIGIBLE or (line.label == Label.BOILERPLATE and line.rule in TITLE_ELIGIBLE_RULES))
                and line.text not in captions and headline_shaped(line))

    above = [i for i in range(body_start - 1, -1, -1) if lines[i].label != Label.BLANK][:TITLE_LOOKBACK]
    below = [i for i in range(body_start + 1, len(lines)) if lines[i].label != Label.BLANK][:TITLE_LOOKAHEAD]
    # A long headline looks like a first sentence: it may be the line taken for the body's start.
    start = [body_start] if len(lead) > 1 else []
    return [i for i in sorted(above + start + below) if eligible(lines[i])]


def choose_title(lines: list[Line], body_start: Line, lead: list[str]) -> Line | None:
    """The candidate (title_candidates) the title model scores highest, if it scores at least
    TITLE_MIN_PROBABILITY; the line above it instead when they are a headline and its deck."""
    start = next(i for i, ln in enumerate(lines) if ln is body_start)
    candidates = title_candidates(lines, start, lead)
    if not candidates:
        return None
    scores = title_scores([ln.text for ln in lines], candidates, start, [ln.score for ln in lines], lead)
    best = max(range(len(candidates)), key=lambda k: scores[k])
    if scores[best] < TITLE_MIN_PROBABILITY:
        return None
    if best > 0 and scores[best - 1] >= DECK_HEADLINE_MIN_PROBABILITY and \
            _headline_and_deck(lines, candidates[best - 1], candidates[best]):
        best -= 1
    return lines[candidates[best]]


def _headline_and_deck(lines: list[Line], upper: int, lower: int) -> bool:
    """A headline and its deck stand one under the other, the headline first and shorter,
    nothing but blank lines between them."""
    return (token_count(lines[upper].text) < token_count(lines[lower].text)
            and all(ln.label == Label.BLANK for ln in lines[upper + 1:lower]))


def main_article(lines: list[Line]) -> tuple[list[Unit], int | None]:
    """The page's units and the index of the main one (main_unit); the units before it are
    discarded as furniture."""
    units = split_units(lines)
    judged = any(ln.main is not None for ln in lines)
    main = main_unit(units, judged)
    for unit in units[:main or 0]:
        _discard(unit, "not_main_text" if judged else "orphan_text")
    return units, main


def body_start(unit: Unit) -> tuple[Line, list[str]]:
    """Where the main unit's body seems to start, and its first paragraphs (the lead), before
    a title is chosen: short main text at the top (a headline the model kept, a menu) is not
    the body's start."""
    body = unit.main_texts()
    start = next((ln for ln in body if _prose_shaped(ln)), body[0])
    return start, [ln.text for ln in body if ln is start or _prose_shaped(ln)]


def _prose_shaped(line: Line) -> bool:
    """A sentence, not a headline, a menu item or a label."""
    words = token_count(line.text)
    return words >= LEAD_MIN_WORDS or (words >= TITLE_MIN_WORDS and bool(_SENTENCE_END.search(line.text)))


class UnitRole(Enum):
    """What a unit after the main article's first one is (segment's decision, _unit_role)."""
    CONTINUES_AFTER_LINK = "continues after an inline link"
    CONTINUES = "continues the open article"
    CONTINUES_AFTER_BOX = "continues under a related box"
    NEW_ARTICLE = "a new article"
    TAGS = "tags under a tags header"
    RELATED = "a related teaser"
    ORPHAN = "leftover text"


@dataclass(slots=True)
class SegmentState:
    """What the units so far say about the next one."""
    article_open: bool = True       # nothing has ended the last article yet
    in_related: bool = False        # a related header came, and no body has followed it
    marker_ended: bool = False      # an end marker other than a related header ended the article
    teasers: int = 0                # related teasers taken since the last article began
    after_inline_header: bool = False
    after_tags_header: bool = False

    def after(self, unit: Unit) -> None:
        """The state once `unit` is placed: what its separator says."""
        self.in_related = self.in_related or _opens_related(unit)
        self.after_inline_header = _after_inline_header(unit)
        if _ends_article(unit):
            self.article_open = False
            self.marker_ended = self.marker_ended or not _opens_related(unit)
        self.after_tags_header = _after_tags_header(unit)


def _unit_role(unit: Unit, state: SegmentState) -> UnitRole:
    """The first that holds, in this order (a decision table: tests/test_segment.py)."""
    ends_in_byline = unit.ended_by is not None and unit.ended_by.label == Label.BYLINE
    role = None if ends_in_byline else _continuation(unit, state)
    if role is not None:
        return role
    texts = unit.texts()
    if not texts:
        return UnitRole.ORPHAN
    paragraphs = [ln.text for ln in texts]
    body = [ln.text for ln in unit.main_texts() if ln is not texts[0] or not is_headline(ln.text)]
    if _is_full_story(body) and not ends_in_byline:
        return UnitRole.NEW_ARTICLE
    if state.after_tags_header and all(token_count(p) <= TAG_MAX_WORDS for p in paragraphs):
        return UnitRole.TAGS
    if state.in_related or ends_in_byline:
        return UnitRole.RELATED
    return UnitRole.ORPHAN


def _continuation(unit: Unit, state: SegmentState) -> UnitRole | None:
    """Whether a unit (that does not end in a byline) goes on with the last article."""
    if state.article_open and state.after_inline_header and _continues_body([ln.text for ln in unit.texts()]):
        return UnitRole.CONTINUES_AFTER_LINK
    if not unit.main_texts():
        return None
    if state.article_open:
        # Nothing ended the article (only a byline-shaped line or a photo credit stood
        # between): a new story needs an end to the last one first.
        return UnitRole.CONTINUES
    if state.in_related and not state.marker_ended and not state.teasers:
        # A related box inside an article ("Related", two links), the story going on under
        # it: an appended story comes after the last one ended or after teasers.
        return UnitRole.CONTINUES_AFTER_BOX
    return None


def segment(lines: list[Line], profile: Profile | None, page_title: str | None = None) -> list[Draft]:
    units, main = main_article(lines)
    if main is None:
        return []
    title_line = None
    judged = units[main].main_texts()[0].main is not None
    if judged and not page_title:
        title_line = choose_title(lines, *body_start(units[main]))
    drafts = [_article(units[main], 0, page_title, title_line, title_chosen=judged and not page_title)]
    _close_unit(units[main], drafts)
    state = SegmentState()
    state.after(units[main])
    for unit in units[main + 1:]:
        role = _unit_role(unit, state)
        if role is UnitRole.CONTINUES_AFTER_LINK:
            _continue_body(unit, drafts[-1], profile)
        elif role is UnitRole.CONTINUES:
            _continue_body(unit, drafts[-1], profile, after_link=False)
        elif role is UnitRole.CONTINUES_AFTER_BOX:
            _continue_after_box(unit, drafts[-1], profile)
            state.in_related, state.article_open = False, True
        elif role is UnitRole.NEW_ARTICLE:
            drafts.append(_article(unit, len(drafts), None))
            state.in_related, state.article_open, state.marker_ended, state.teasers = False, True, False, 0
        elif role is UnitRole.TAGS:
            drafts[-1].tags.extend(ln.text for ln in unit.texts())
            for ln in unit.texts():
                ln.relabel(Label.TAGS, "tags_list")
        elif role is UnitRole.RELATED:
            _related(unit, drafts[-1], profile, unit.ended_by is not None and unit.ended_by.label == Label.BYLINE)
            state.teasers += 1
        else:
            _discard(unit, "orphan_text")
        _close_unit(unit, drafts)
        state.after(unit)
    return drafts


def _discard(unit: Unit, rule: str) -> None:
    for ln in unit.lines:
        if ln.label in (Label.TEXT, Label.CAPTION):
            ln.relabel(Label.BOILERPLATE, rule)


def _related(unit: Unit, draft: Draft, profile: Profile | None, ends_in_byline: bool) -> None:
    paragraphs = [ln.text for ln in unit.texts()]
    if not ends_in_byline and all(is_headline(p) for p in paragraphs):
        # A list of linked titles under a "read also" header: one teaser per line;
        # too short a line is a section link.
        for ln in unit.texts():
            if token_count(ln.text) >= RELATED_TITLE_MIN_WORDS:
                draft.related.append(_teaser(Unit([ln]), profile))
            else:
                ln.relabel(Label.BOILERPLATE, "section_link")
    elif unit.texts():
        draft.related.append(_teaser(unit, profile))


def _close_unit(unit: Unit, drafts: list[Draft]) -> None:
    for ln in unit.lines:
        ln.position = drafts[-1].position
    _attach_separator(unit.ended_by, drafts[-1])


def _opens_related(unit: Unit) -> bool:
    return unit.ended_by is not None and unit.ended_by.label == Label.RELATED_HEADER


def _ends_article(unit: Unit) -> bool:
    """The last article has met its end (a credit, tags, comments, a related header …); a
    byline-shaped line, a copyright line (a photo's) and an inline "read also" link can stand
    inside a body."""
    return unit.ended_by is not None and "inside_body" not in unit.ended_by.roles


def _after_inline_header(unit: Unit) -> bool:
    return unit.ended_by is not None and "inline_header" in unit.ended_by.roles


def _after_tags_header(unit: Unit) -> bool:
    return unit.ended_by is not None and unit.ended_by.label == Label.TAGS and not unit.ended_by.value


def _attach_separator(line: Line | None, draft: Draft) -> None:
    """Credits and tags belong to the article they follow."""
    if line is None:
        return
    line.position = draft.position
    if line.label == Label.CREDIT and draft.source_credit is None:
        draft.source_credit = line.value
    elif line.label == Label.TAGS:
        draft.tags.extend(_split_tags(line.value))
