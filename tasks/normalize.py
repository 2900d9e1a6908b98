"""normalize: Article → a row of the `articles` table (schemas/tables.py): display and
search forms, parsed dates, language, counts and the content hash."""
from __future__ import annotations

import re


from tasks.arabic import display_form, script_of, search_form_of_display, word_count
from tasks.language import UNDETERMINED, identify
from tasks.dates import read_publication, resolve_weekday
from tasks.records import Article, Rejection, RunContext, StageResult, timed, sha256_hex


def _opt(text: str | None) -> str | None:
    text = display_form(text) if text else ""
    return text or None


def published(article: Article, paragraphs: list[str], reference) -> dict:
    """The row's publication columns: the page's own date (in the zone it names, else its
    publisher profile's, else read as UTC, flagged); failing that, "اليوم الجمعة" in the lead
    resolved against the fetch time — only a real fetch time: a file's run date says nothing
    of when it was written."""
    found = read_publication(article.published_raw, reference, article.time_zone)
    if found is not None:
        at, printed = found
        return {"published_at": at, "published_date": printed.local.date(), "published_precision": printed.precision,
                "zone_unknown": printed.precision != "date" and printed.offset is None and not article.time_zone}
    day = resolve_weekday(paragraphs[0] if paragraphs else None, article.fetched_at)
    return {"published_at": day, "published_date": day.date() if day else None,
            "published_precision": "date" if day else None, "zone_unknown": False}


# What a title must be; a title that is not is left null with a warning (the article stays).
# Two characters: a one-word headline ("غزة") is a title, a stray mark is not.
TITLE_MIN_CHARS = 2
TITLE_MAX_CHARS = 300
_MARKUP = re.compile(r"</?[a-zA-Z][^>]*>|&(?:nbsp|amp|quot|lt|gt|#\d+);")
# Tags and entities in a body: an extraction that let markup through, or an article about HTML.
_BODY_MARKUP = re.compile(r"</?(?:p|div|span|a|br|script|style|img|iframe|li|ul|h[1-6]|figure|figcaption|table)\b[^>]*>"
                          r"|&(?:nbsp|amp|quot|lt|gt|#\d+);")


def checked_title(title: str | None) -> tuple[str | None, str | None]:
    """(the title, or None; the warning code when it was dropped, never found, or holds markup)."""
    text = display_form(title) if title else ""
    if not text:
        return None, "title_not_found"
    if len(text) < TITLE_MIN_CHARS:
        return None, "title_too_short"
    if len(text) > TITLE_MAX_CHARS:
        return None, "title_too_long"
    if _MARKUP.search(text):
        # As a body's markup: kept as printed (a headline about HTML), flagged.
        return text, "title_markup"
    return text, None


def language_of_text(text: str) -> tuple[str, float]:
    """(language code, Arabic share of the letters). Mostly Arabic script is not yet Arabic:
    Persian, Urdu, Pashto, Sindhi, Uyghur and Kurdish are written in it too, so the identifier
    (tasks/language.py) names the language; the share is kept as it was."""
    if not text.strip():
        return UNDETERMINED, 0.0
    return identify(text)[0], script_of(text)[1]


def article_row(article: Article, run: RunContext) -> dict:
    title, title_warning = checked_title(article.title)
    paragraphs = [p for p in (display_form(p) for p in article.paragraphs) if p]
    body = "\n\n".join(paragraphs)
    title_search, body_search = search_form_of_display(title or ""), search_form_of_display(body)
    # Never a date after the page was fetched (or, for files, after this run started).
    reference = article.fetched_at or run.started_at
    # As printed: the display form folds letters other languages tell apart (ی → ي).
    language, ratio = language_of_text("\n\n".join(article.paragraphs) or article.title or "")
    when = published(article, paragraphs, reference)
    return {
        "article_id": article.article_id,
        "doc_id": article.doc_id,
        "source_uri": article.source_uri,
        "url": article.url,
        "fetched_at": article.fetched_at,
        "position": article.position,
        "publisher": _opt(article.publisher),
        "title": title,
        "subtitle": _opt(article.subtitle),
        "dateline": _opt(article.dateline),
        "author": _opt(article.author),
        "description": _opt(article.description),
        "published_at": when["published_at"],
        "published_date": when["published_date"],
        "published_precision": when["published_precision"],
        "body": body,
        "title_search": title_search,
        "body_search": body_search,
        "captions": [{"text": display_form(c["text"]), "credit": _opt(c.get("credit"))} for c in article.captions],
        "related": [{k: (display_form(v) if k == "title" else _opt(v)) for k, v in r.items()} for r in article.related],
        "tags": [t for t in (display_form(t) for t in article.tags) if t],
        "source_credit": _opt(article.source_credit),
        "language": language,
        "arabic_ratio": round(ratio, 4),
        "word_count": word_count(body),
        "content_hash": sha256_hex(f"{title_search}\n{body_search}".encode()),
        "warnings": [w for w in (title_warning, "body_markup" if _BODY_MARKUP.search(body) else None,
                                 "encoding_repaired" if article.encoding_repaired else None,
                                 "published_zone_unknown" if when["zone_unknown"] else None) if w],
        "duplicate_of": None,
        "ingested_at": run.started_at,
        "run_id": run.run_id,
        "pipeline_version": run.pipeline_version,
    }


# What to do with an article whose body is not mostly Arabic: keep it (its `language` and
# `arabic_ratio` say what it is) or quarantine it with reason `not_arabic`.
NON_ARABIC_POLICIES = ("keep", "quarantine")


@timed
def normalize_batch(articles: list[Article], run: RunContext, non_arabic: str = "keep") -> StageResult[list[dict]]:
    if non_arabic not in NON_ARABIC_POLICIES:
        raise ValueError(f"non_arabic must be one of {NON_ARABIC_POLICIES}, not {non_arabic!r}")
    result: StageResult[list[dict]] = StageResult(output=[])
    for article in articles:
        with result.rejecting("normalize", "normalize_failed", article.source_uri, doc_id=article.doc_id,
                              article_id=article.article_id):
            row = article_row(article, run)
            if non_arabic == "quarantine" and row["language"] != "ar":
                result.rejections.append(Rejection(
                    article.source_uri, "normalize", "not_arabic",
                    f"article {article.position} is not mostly Arabic (language {row['language']}, "
                    f"Arabic share {row['arabic_ratio']:.2f}); run with non_arabic=keep to keep such pages",
                    doc_id=article.doc_id, article_id=article.article_id, value=(row["title"] or row["body"])[:200]))
            else:
                result.output.append(row)
    return result
