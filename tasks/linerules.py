"""Labels every line of a page by what it is, one line at a time (plus a look back for
repeats). Segmentation (segment.py) then turns the labelled lines into articles.

Labels given here: blank, text, caption, byline, date, credit, tags, related_header,
related_inline, boilerplate, repeated. Every label but blank and text carries the id of the
rule that gave it, so "why is this line gone?" always has an answer.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from tasks.dates import is_date_only
from tasks.labels import Label
from tasks.profiles import Profile, RuleBook

# Icon names a scraper picks up from <i class="play-circle">: Latin kebab-case after Arabic text.
_UI_SUFFIX = re.compile(r"(?<=[\u0600-\u06ff)\]»])\s*(?:[a-z]+-[a-z]+(?:-[a-z]+)*)$")
_ENDS_IN_PARENS = re.compile(r"^(?P<text>.*?)\s*\((?P<paren>[^()]{1,40})\)$")
# "name (place)": a name and a place are words, never digits, code or arithmetic ("2023 (14)",
# "cost = 0.01 (default)").
_NAME_WORD = r"[^\W\d_][^\s()«»\d=:;_<>{}\[\]]*"
_BYLINE = re.compile(rf"^(?P<who>«[^»\d]{{2,40}}»|{_NAME_WORD}(?:\s{_NAME_WORD}){{0,3}})\s*"
                     r"\((?P<where>[^()\d=:;_<>{}\[\]]{1,40})\)$")
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_SENTENCE_END = re.compile(r"[.!?؟،,:؛»\"”)]$")
REPEAT_WINDOW = 12          # non-blank lines looked back for a repeated line
BARE_DATE_MAX_WORDS = 7


NO_ROLES: frozenset[str] = frozenset()


@dataclass(slots=True)
class Line:
    line_no: int            # 1-based, as in the input
    text: str               # whitespace folded
    label: Label
    rule: str | None = None
    value: str | None = None    # what the line says: a date, a credit, a caption's credit …
    position: int | None = None  # the article it ended up in (set by segmentation)
    score: float | None = None   # the content model's probability that it is main text (text dumps)
    main: bool | None = None     # whether the model's judgement made it main text; None: not judged
    roles: frozenset[str] = NO_ROLES      # its rule's roles in segmentation (profiles.RULE_ROLES)

    def relabel(self, label: Label, rule: str | None) -> None:
        """A later step's judgement replaces the rule's: its roles go with it."""
        self.label, self.rule, self.roles = label, rule, NO_ROLES

    @property
    def tag(self) -> str:
        """The label as `explain` and the run report show it, e.g. boilerplate:share_marker."""
        return f"{self.label}:{self.rule}" if self.label in (Label.BOILERPLATE, Label.REPEATED) and self.rule else self.label


def clean(raw: str) -> str:
    # str.split() splits on exactly what \s matches: the same as _SPACE, three times faster.
    text = " ".join(raw.split())
    if "a" <= text[-1:] <= "z" and _ARABIC.search(text):
        text = _UI_SUFFIX.sub("", text).rstrip()
    return text


# The roles of the rules written here rather than in rules.yaml.
_CREDIT_VALUE = frozenset({"value_is_credit"})
_INSIDE_BODY = frozenset({"inside_body"})     # a name over a place can be a teaser's or a quote's


def label_line(text: str, book: RuleBook,
               profile: Profile | None) -> tuple[Label, str | None, str | None, frozenset[str]]:
    """(label, rule id, value, rule roles) of one cleaned, non-blank line, with no context."""
    rules = (profile.line_rules if profile else ()) + book.line_rules
    for rule in rules:
        m = rule.match(text)
        if m:
            value = m.groupdict().get("value")
            return rule.label, rule.id, value.strip() if value else None, rule.roles
    if len(text.split()) <= BARE_DATE_MAX_WORDS and is_date_only(text):
        # A line that is only a date ("3/6/2024", "الثلاثاء 12 مارس 2024 - 10:30").
        return Label.DATE, "bare_date", text, NO_ROLES
    m = _ENDS_IN_PARENS.match(text)
    if m and m["paren"].strip() not in book.title_tags:
        if book.caption_credit.match(m["paren"]) and len(m["text"].split()) >= 2:
            return Label.CAPTION, "caption_credit", m["paren"].strip(), _CREDIT_VALUE
        b = _BYLINE.match(text)
        if b and len(text.split()) <= 7:
            return Label.BYLINE, "byline", text, _INSIDE_BODY
    return Label.TEXT, None, None, NO_ROLES


def label_lines(raw_lines: list[str], book: RuleBook, profile: Profile | None,
                site_recurring: frozenset[str] = frozenset(), cleaned: list[str] | None = None,
                extracted: bool = False) -> list[Line]:
    """`site_recurring`: lines found on many pages of the same site in this run (menus,
    footers, promos a rule does not know); such a line is boilerplate wherever it stands.
    `cleaned`: the lines already through `clean`, when the caller has them. `extracted`: the
    lines are what trafilatura kept of an HTML page, so the guesses by shape alone (menus,
    repeated text lines) are its job and not repeated here; repeated captions still are."""
    lines: list[Line] = []
    recent: list[str] = []          # the last REPEAT_WINDOW non-blank texts
    for no, text in enumerate(cleaned if cleaned is not None else map(clean, raw_lines), start=1):
        if not text:
            lines.append(Line(no, "", Label.BLANK))
            continue
        label, rule, value, roles = label_line(text, book, profile)
        if label == Label.TEXT and text in site_recurring:
            label, rule = Label.BOILERPLATE, "site_recurring"
        elif label in ((Label.CAPTION,) if extracted else (Label.TEXT, Label.CAPTION)) and text in recent:
            # A crawler's dump repeats the headline and photo captions (gallery + inline copy).
            label, rule, roles = Label.REPEATED, "repeated_line", NO_ROLES
        lines.append(Line(no, text, label, rule, value, roles=roles))
        recent.append(text)
        if len(recent) > REPEAT_WINDOW:
            recent.pop(0)
    return lines if extracted else mark_menus(lines)


MENU_MAX_WORDS = 4
MENU_MIN_RUN = 4
BANNER_MAX_WORDS = 6


def mark_menus(lines: list[Line]) -> list[Line]:
    """Runs of short text lines with no sentence punctuation are navigation menus; a short
    line just before such a run (the site's name over its menu) goes with it."""
    run: list[Line] = []
    before: Line | None = None        # the text line just before the current run
    # A list right under a tags or related header belongs to that header, not to a menu.
    under_header = False

    def short(line: Line, max_words: int) -> bool:
        return len(line.text.split()) <= max_words and not _SENTENCE_END.search(line.text)

    def flush():
        if len(run) >= MENU_MIN_RUN and not under_header:
            banner = [before] if before is not None and short(before, BANNER_MAX_WORDS) else []
            for line in banner + run:
                line.relabel(Label.BOILERPLATE, "menu")
        run.clear()

    for line in lines:
        if line.label == Label.TEXT and short(line, MENU_MAX_WORDS):
            run.append(line)
        elif line.label not in (Label.BLANK, Label.BOILERPLATE):
            flush()
            before = line if line.label == Label.TEXT else None
            under_header = line.label in (Label.TAGS, Label.RELATED_HEADER) and not line.value
    flush()
    return lines
