"""strip: Page → Articles. Labels every line (linerules), picks the publisher profile
(profiles), cuts the page into its articles (segment), and keeps for every removed line
the id of the rule that removed it."""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

from prefect import task

from tasks.linerules import Line, label_lines
from tasks.profiles import Profile, RuleBook, load_rulebook, match_profile
from tasks.records import Article, Page, Rejection, StageResult, article_id_for
from tasks.segment import segment

# Labels whose lines leave the body: counted per rule in the run report.
KEPT_LABELS = {"title", "subtitle", "body", "blank"}


@dataclass(slots=True)
class StrippedPage:
    articles: list[Article]
    lines: list[Line]
    profile: Profile | None

    def removed_by_rule(self) -> Counter:
        return Counter(line.tag for line in self.lines if line.label not in KEPT_LABELS)


def strip_page(page: Page, book: RuleBook | None = None) -> StrippedPage:
    book = book or load_rulebook()
    profile = match_profile(book, page.lines, url=page.url, sitename=page.sitename)
    lines = label_lines(page.lines, book, profile)
    drafts = segment(lines, profile, page_title=page.title)
    publisher = (profile.publisher if profile else None) or page.sitename
    articles = []
    for d in drafts:
        articles.append(Article(
            article_id=article_id_for(page.source_key, d.position), doc_id=page.doc_id,
            source_uri=page.source_uri, position=d.position, title=d.title or "", paragraphs=d.paragraphs,
            url=page.url, fetched_at=page.fetched_at, subtitle=d.subtitle, dateline=d.dateline,
            publisher=publisher, published_raw=d.published_raw or (page.published if d.position == 0 else None),
            captions=d.captions, related=d.related, tags=d.tags or (page.tags if d.position == 0 else []),
            source_credit=d.source_credit,
        ))
    return StrippedPage(articles, lines, profile)


def explain(page: Page, book: RuleBook | None = None) -> str:
    """A page's lines with their labels, rule ids and article positions, for a person."""
    stripped = strip_page(page, book)
    out = [f"# {page.source_uri}",
           f"# profile: {stripped.profile.key if stripped.profile else 'none (generic rules only)'}",
           f"# articles: {len(stripped.articles)}"]
    for line in stripped.lines:
        if line.label == "blank":
            continue
        pos = "-" if line.position is None else str(line.position)
        out.append(f"{line.line_no:>5}  {pos:>2}  {line.tag:<28}  {line.text}")
    return "\n".join(out)


def strip_batch(pages: list[Page], book: RuleBook | None = None) -> StageResult:
    started = time.perf_counter()
    book = book or load_rulebook()
    result = StageResult(items=[])
    for page in pages:
        try:
            stripped = strip_page(page, book)
        except Exception as e:  # one page's bad luck must not stop the run
            result.rejections.append(Rejection(page.source_uri, "strip", "strip_failed",
                                               f"{type(e).__name__}: {e}"[:300], doc_id=page.doc_id))
            continue
        result.stats.removed_by_rule.update(stripped.removed_by_rule())
        if not stripped.articles:
            result.rejections.append(Rejection(page.source_uri, "strip", "no_article",
                                               "no article text left after removing boilerplate", doc_id=page.doc_id))
        result.items.extend(stripped.articles)
    result.stats.seconds = time.perf_counter() - started
    return result


@task(name="strip", task_run_name="strip-batch-{batch_no}")
def strip_task(pages: list[Page], batch_no: int = 0) -> StageResult:
    return strip_batch(pages)
