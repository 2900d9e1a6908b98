"""strip: Page → Articles. Labels every line (linerules), picks the publisher profile
(profiles), cuts the page into its articles (segment), and keeps for every removed line
the id of the rule that removed it."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlparse

import numpy as np

from tasks.arabic import token_count
from tasks.content import (CONTENT_THRESHOLD, LISTING_THRESHOLD, features, listing_features, listing_probability,
                           predict_content)
from tasks.extract import REPAIRED
from tasks.html_layout import HTML_LISTING_THRESHOLD, html_listing_probability
from tasks.language import identify, stopwords
from tasks.labels import Label
from tasks.linerules import Line, clean, label_lines
from tasks.profiles import Profile, RuleBook, load_rulebook, match_profile
from tasks.records import Article, Page, Rejection, StageResult, timed, article_id_for
from tasks.segment import Draft, headline_shaped, segment

# Labels whose lines leave the body: counted per rule in the run report.
KEPT_LABELS = {Label.TITLE, Label.SUBTITLE, Label.BODY, Label.BLANK}


@dataclass(slots=True)
class StrippedPage:
    articles: list[Article]
    lines: list[Line]
    profile: Profile | None
    # A listing or section page: its teaser titles (no article is written for it).
    listing: list[str] | None = None
    # What listing_score said (None: not asked, as the page had no article to lose).
    listing_score: float | None = None

    def removed_by_rule(self) -> Counter:
        return Counter(line.tag for line in self.lines if line.label not in KEPT_LABELS)


# A line on at least this share of a site's pages in a batch (and on 3 pages or more) is
# site furniture, as web-corpus pipelines find it (C4 and Gopher count repeated lines likewise).
RECURRING_MIN_PAGES = 3
RECURRING_MIN_SHARE = 0.5
# Longer lines are story text: the same story fetched three times must not erase itself.
RECURRING_MAX_WORDS = 25
# Lines this long are sentences of a story: pages sharing most of them are copies of one story.
STORY_LINE_MIN_WORDS = 10


def site_key(page: Page, profile: Profile | None) -> str | None:
    """Which site a page belongs to, for per-site line counts: its host, else its profile."""
    if page.url:
        host = urlparse(page.url).hostname
        if host:
            return host.lower().removeprefix("www.")
    if page.sitename:
        return page.sitename
    return profile.key if profile else None


def page_profile(page: Page, book: RuleBook) -> Profile | None:
    return match_profile(book, page.lines, url=page.url, sitename=page.sitename)


def recurring_lines(pages: list[Page], book: RuleBook, profiles: list[Profile | None] | None = None,
                    cleaned: list[list[str]] | None = None) -> dict[str, frozenset[str]]:
    """Per site, the lines that recur on many of its pages in this batch. `cleaned`: each
    page's lines through `clean`, when the caller has them."""
    profiles = profiles if profiles is not None else [page_profile(p, book) for p in pages]
    cleaned = cleaned if cleaned is not None else [[clean(line) for line in page.lines] for page in pages]
    pages_by_site: dict[str, list[list[str]]] = {}
    for page, profile, texts in zip(pages, profiles, cleaned):
        key = site_key(page, profile)
        if key:
            pages_by_site.setdefault(key, []).append(texts)
    result = {}
    for key, site_pages in pages_by_site.items():
        if len(site_pages) < RECURRING_MIN_PAGES:
            continue
        line_sets = [set(texts) - {""} for texts in site_pages]
        counts = Counter(line for lines in line_sets for line in lines)
        threshold = max(RECURRING_MIN_PAGES, RECURRING_MIN_SHARE * len(site_pages))
        candidates = [line for line, n in counts.items() if n >= threshold and len(line.split()) <= RECURRING_MAX_WORDS]
        if candidates:
            copies = _copies(site_pages)
            candidates = [line for line in candidates if _stories_with(line, line_sets, copies) >= threshold]
        result[key] = frozenset(candidates)
    return result


def _copies(pages: list[list[str]]) -> list[set[int]]:
    """For each page, the pages that tell the same story: they share more than half of the
    shorter one's sentences (lines of STORY_LINE_MIN_WORDS words or more) — a page fetched
    twice, a copy, an edit. Pairwise, never transitive: one sentence of furniture every page
    carries must not make the whole site one story."""
    sentences = [{c for c in texts if c.count(" ") + 1 >= STORY_LINE_MIN_WORDS} for texts in pages]
    pages_with: dict[str, list[int]] = {}
    for i, own in enumerate(sentences):
        for sentence in own:
            pages_with.setdefault(sentence, []).append(i)
    copies: list[set[int]] = [set() for _ in pages]
    for i, own in enumerate(sentences):
        shared = Counter(j for sentence in own for j in pages_with[sentence] if j != i)
        copies[i] = {j for j, n in shared.items() if 2 * n > min(len(own), len(sentences[j]))}
    return copies


def _stories_with(line: str, line_sets: list[set[str]], copies: list[set[int]]) -> int:
    """How many pages carry the line, a page not counted when a copy of it already was."""
    counted: set[int] = set()
    for i, lines in enumerate(line_sets):
        if line in lines and not copies[i] & counted:
            counted.add(i)
    return len(counted)


# Labels the rules give by a line's shape alone ("short lines in a row are a menu"): on a text
# dump the content model judges such lines instead.
GUESSED_RULES = {"menu"}
# See extend_main_text.
NEAR_MAIN_THRESHOLD = 0.3
NEAR_MAIN_MIN_WORDS = 10
# See keep_likeliest_paragraph: a paragraph, not a menu's longest line.
FALLBACK_MIN_WORDS = 25
# Paragraphs this long say which language a page is in; shorter ones are menus and names.
LANGUAGE_SAMPLE_MIN_WORDS = 8


def judge_main_text(lines: list[Line]) -> None:
    """Text dumps: the content model scores every paragraph. Segmentation keeps in a body only
    the text lines scored as main text (the others: rule `not_main_text`); a rule's label stands
    whatever the score: the rules are the precise layer."""
    judged, rows = content_rows(lines)
    apply_scores(judged, predict_content(rows))


def content_rows(lines: list[Line]) -> tuple[list[Line], np.ndarray]:
    """The lines the content model judges (every non-blank one) and their feature rows, the
    stopwords those count being the page's language's."""
    judged = [line for line in lines if line.label != Label.BLANK]
    prose = " ".join(ln.text for ln in judged if ln.text.count(" ") + 1 >= LANGUAGE_SAMPLE_MIN_WORDS)
    language, _ = identify(prose or " ".join(ln.text for ln in judged))
    return judged, features([ln.text for ln in judged], stopwords(language))


def apply_scores(judged: list[Line], scores) -> None:
    for line, score in zip(judged, scores):
        line.score = float(score)
        line.main = bool(score >= CONTENT_THRESHOLD)
        if line.rule in GUESSED_RULES:
            line.relabel(Label.TEXT, None)
    keep_likeliest_paragraph(judged)
    extend_main_text(judged)


def keep_likeliest_paragraph(judged: list[Line]) -> None:
    """A page where the model finds no main text keeps its likeliest paragraph of prose: an
    article's only paragraph can drown in a page of menus; a page with no prose at all stays
    without an article."""
    if any(line.main for line in judged):
        return
    prose = [line for line in judged if line.label == Label.TEXT and token_count(line.text) >= FALLBACK_MIN_WORDS]
    if prose:
        max(prose, key=lambda line: line.score or 0.0).main = True


def extend_main_text(judged: list[Line]) -> None:
    """Hysteresis, as jusText's context step: a sentence the model found nearly main text
    (score ≥ NEAR_MAIN_THRESHOLD) next to main text is main text too; a paragraph at the edge
    of an article is where the model is least sure."""
    changed = True
    while changed:
        changed = False
        for i, line in enumerate(judged):
            if line.main or (line.score or 0.0) < NEAR_MAIN_THRESHOLD or not _sentence_like(line.text):
                continue
            if (i > 0 and judged[i - 1].main) or (i + 1 < len(judged) and judged[i + 1].main):
                line.main = changed = True


def _sentence_like(text: str) -> bool:
    return len(text.split()) >= NEAR_MAIN_MIN_WORDS

_UNMATCHED = object()


def labelled_lines(page: Page, book: RuleBook, profile: Profile | None,
                   recurring: dict[str, frozenset[str]] | None = None, cleaned: list[str] | None = None,
                   judge: bool = True) -> list[Line]:
    """The page's lines labelled by the rules and, on a text dump, scored by the content model
    (unless `judge` is off: strip_batch scores a batch's pages in one call): what segmentation
    starts from."""
    key = site_key(page, profile)
    site_lines = (recurring or {}).get(key, frozenset()) if key else frozenset()
    lines = label_lines(page.lines, book, profile, site_lines, cleaned, extracted=page.content_type == "html")
    if page.line_numbers is not None:
        for line in lines:
            line.line_no = page.line_numbers[line.line_no - 1]
    if judge and page.content_type == "text":
        judge_main_text(lines)
    return lines


def strip_page(page: Page, book: RuleBook | None = None,
               recurring: dict[str, frozenset[str]] | None = None, profile=_UNMATCHED,
               cleaned: list[str] | None = None, detect_listing: bool = True,
               lines: list[Line] | None = None) -> StrippedPage:
    """`profile`: the page's profile when the caller already matched it (None: no profile);
    `cleaned`: its lines through `clean`, when the caller has them; `detect_listing`: whether
    a page that looks like a listing page yields no article (listing_score); `lines`: the
    page's labelled_lines, when the caller made them."""
    book = book or load_rulebook()
    if profile is _UNMATCHED:
        profile = page_profile(page, book)
    if lines is None:
        lines = labelled_lines(page, book, profile, recurring, cleaned)
    # An article with a title and no body is no article: its page ends as no_article.
    drafts = [d for d in segment(lines, profile, page_title=page.title) if any(p.strip() for p in d.paragraphs)]
    score = listing_score(page, lines) if detect_listing and drafts else None
    if score is not None and score >= listing_threshold(page):
        titles = _teaser_titles(lines)
        return StrippedPage([], _as_listing(lines), profile, listing=titles, listing_score=score)
    publisher = (profile.publisher if profile else None) or page.sitename
    zone = profile.time_zone if profile else None
    return StrippedPage([article_of(d, page, publisher, zone) for d in drafts], lines, profile, listing_score=score)


def article_of(draft: Draft, page: Page, publisher: str | None, time_zone: str | None = None) -> Article:
    """A segmented article as a record; the page's own metadata (date, tags, author,
    description) goes to its first article, unless the article has its own."""
    first = draft.position == 0
    return Article(
        article_id=article_id_for(page.source_uri, draft.position), doc_id=page.doc_id,
        source_uri=page.source_uri, position=draft.position, title=draft.title or None, paragraphs=draft.paragraphs,
        url=page.url, fetched_at=page.fetched_at, subtitle=draft.subtitle, dateline=draft.dateline,
        publisher=publisher, published_raw=draft.published_raw or (page.published if first else None),
        captions=draft.captions, related=draft.related, tags=draft.tags or (page.tags if first else []),
        source_credit=draft.source_credit, author=draft.author or (page.author if first else None),
        description=page.description if first else None, encoding_repaired=page.encoding.endswith(REPAIRED),
        time_zone=time_zone,
    )


def listing_row(lines: list[Line]) -> np.ndarray:
    """The page-level description the listing model reads (tasks/content.listing_features)."""
    return listing_features([ln.text for ln in lines], [ln.tag for ln in lines],
                            [bool(ln.main) and ln.label == Label.BODY for ln in lines],
                            [ln.score for ln in lines])


def listing_score(page: Page, lines: list[Line]) -> float:
    """The probability that the page is a listing or section page (many teasers, no long
    body): an HTML page's by its markup (tasks/html_layout; one that declares itself an
    article was not read for it), a text dump's by its lines; a text dump with fewer than
    LISTING_MIN_TEASERS headline-shaped lines is never one (a news brief)."""
    if page.content_type == "html":
        return 0.0 if page.layout is None else html_listing_probability(page.layout)
    if sum(1 for ln in lines if headline_shaped(ln)) < LISTING_MIN_TEASERS:
        return 0.0
    return listing_probability(listing_row(lines))


def listing_threshold(page: Page) -> float:
    """From this listing_score on, the page is a listing: the model's own threshold."""
    return HTML_LISTING_THRESHOLD if page.content_type == "html" else LISTING_THRESHOLD


LISTING_MIN_TEASERS = 6
# Teaser titles kept in a listing page's quarantine row (its `value`).
LISTING_TITLES_KEPT = 30


def _teaser_titles(lines: list[Line]) -> list[str]:
    """Headline-shaped lines no rule named: the listing's teaser titles."""
    return [ln.text for ln in lines
            if (ln.label in (Label.TITLE, Label.SUBTITLE, Label.BODY, Label.TEXT, Label.RELATED) or ln.rule == "not_main_text")
            and headline_shaped(ln)][:LISTING_TITLES_KEPT]


def _as_listing(lines: list[Line]) -> list[Line]:
    for line in lines:
        line.position = None
        if line.label in (Label.TITLE, Label.SUBTITLE, Label.BODY):
            line.relabel(Label.BOILERPLATE, "listing_page")
    return lines


def _listing_note(stripped: StrippedPage, page: Page) -> str:
    if stripped.listing_score is None:
        return "not asked (no article to lose)"
    threshold = listing_threshold(page)
    verdict = "yes" if stripped.listing is not None else "no"
    if page.content_type == "html" and page.layout is None:
        return "no: its JSON-LD declares it an article"
    return (f"{verdict}, probability {stripped.listing_score:.2f} by its "
            f"{'markup' if page.content_type == 'html' else 'lines'} (a listing from {threshold})")


def explain(page: Page, book: RuleBook | None = None) -> str:
    """A page's lines with their labels, rule ids and article positions, for a person."""
    stripped = strip_page(page, book)
    out = [f"# {page.source_uri}",
           *([f"# extraction: {page.extraction}"] if page.extraction else []),
           f"# profile: {stripped.profile.key if stripped.profile else 'none (generic rules only)'}",
           f"# articles: {len(stripped.articles)}",
           f"# listing page: {_listing_note(stripped, page)}"]
    for line in stripped.lines:
        if line.label == Label.BLANK:
            continue
        pos = "-" if line.position is None else str(line.position)
        score = "    " if line.score is None else f"{line.score:.2f}"
        out.append(f"{line.line_no:>5}  {pos:>2}  {score}  {line.tag:<28}  {line.text}")
    return "\n".join(out)


@timed
def strip_batch(pages: list[Page], book: RuleBook | None = None) -> StageResult[list[Article]]:
    book = book or load_rulebook()
    # Each page's profile is matched once and serves both the site counts and the strip.
    profiles = [page_profile(page, book) for page in pages]
    cleaned = [[clean(line) for line in page.lines] for page in pages]     # once, for both uses
    recurring = recurring_lines(pages, book, profiles, cleaned)
    result: StageResult[list[Article]] = StageResult(output=[])
    labelled: list[list[Line] | Exception] = []
    to_score: list[tuple[list[Line], np.ndarray]] = []
    for page, profile, texts in zip(pages, profiles, cleaned):
        try:
            lines = labelled_lines(page, book, profile, recurring, texts, judge=False)
            if page.content_type == "text":
                to_score.append(content_rows(lines))
            labelled.append(lines)
        except Exception as e:  # one page's bad luck must not stop the run
            labelled.append(e)
    # The batch's paragraphs scored in one call: a call per page costs more than its rows.
    scores = predict_content(np.vstack([rows for _, rows in to_score])) if to_score else np.zeros(0)
    start = 0
    for judged, rows in to_score:
        apply_scores(judged, scores[start:start + len(rows)])
        start += len(rows)
    for page, profile, page_lines in zip(pages, profiles, labelled):
        with result.rejecting("strip", "strip_failed", page.source_uri, doc_id=page.doc_id):
            if isinstance(page_lines, Exception):
                raise page_lines
            stripped = strip_page(page, book, recurring, profile, lines=page_lines)
            result.stats.removed_by_rule.update(stripped.removed_by_rule())
            if stripped.listing is not None:
                result.rejections.append(Rejection(
                    page.source_uri, "strip", "not_an_article",
                    "a listing or section page (many teasers, no article body): no article row is written",
                    doc_id=page.doc_id, value=" | ".join(stripped.listing)[:2000]))
            elif not stripped.articles:
                result.rejections.append(Rejection(page.source_uri, "strip", "no_article",
                                                   "no article text left after removing boilerplate",
                                                   doc_id=page.doc_id))
            result.output.extend(stripped.articles)
    return result
