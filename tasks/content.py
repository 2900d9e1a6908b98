"""The generic judge of a text dump's paragraphs: is this paragraph part of the page's main
text? It knows no outlet, no phrase and no language beyond a stopword list.

Each paragraph is described by what jusText looks at (length, stopword density, punctuation,
link-like separators), by its neighbours' description (jusText's context smoothing), by where
it stands relative to the page's densest run of prose, and by whether the page repeats it. A
gradient-boosted model (LightGBM, schemas/models/content.txt, trained by
`python -m bench.train_content` on the dev set) turns that into a probability.

The publisher rules (schemas/rules.yaml, profiles) stay the precise layer on top: a line a rule
names keeps the rule's label, whatever the model says.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

import numpy as np

from tasks.arabic import token_count, word_count

MODELS_DIR = Path(__file__).resolve().parent.parent / "schemas" / "models"
MODEL_FILE = MODELS_DIR / "content.txt"
TITLE_MODEL_FILE = MODELS_DIR / "title.txt"
LISTING_MODEL_FILE = MODELS_DIR / "listing.txt"
# A page the listing model scores at least this is a listing or section page, not an article:
# high, as a lost article costs more than a listing kept.
LISTING_THRESHOLD = 0.8
# A paragraph the model scores at least this is main text.
CONTENT_THRESHOLD = 0.5

_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?؟…。！？][\"'”’»)\]]*$")
_SENTENCE_MARK = re.compile(r"[.!?؟…。！？](?:\s|$)")
_COMMA = re.compile(r"[,،、，;؛]")
_SEPARATORS = re.compile(r"[|•»›·/\\>→▸►◄«‹]|\s[-–—]\s")
_LINKISH = re.compile(r"https?://|www\.|@\w|\.(?:com|org|net)\b|©")
_ITEM = re.compile(r"^[•□☆◦▪■*·○●\-–—]")
_DIGIT = re.compile(r"\d")

# A paragraph counts as prose for the page-level span when it has this many words and this
# stopword density (jusText's "good" paragraph, loosened for languages without a list).
PROSE_MIN_WORDS = 12
PROSE_MIN_STOPWORDS = 0.2
# How much a short or non-prose paragraph costs the densest span.
SPAN_PENALTY_WORDS = 6

FEATURE_NAMES = (
    "log_words", "log_chars", "stopword_density", "ends_sentence", "sentence_marks_per_word",
    "commas_per_word", "digit_share", "symbol_share", "separators_per_word", "links", "list_item",
    "repeated_on_page", "relative_index", "words_before_share",
    "prev_log_words", "prev_stopwords", "prev_ends_sentence", "prev2_log_words",
    "next_log_words", "next_stopwords", "next_ends_sentence", "next2_log_words",
    "window3_prose_share", "window10_prose_share", "window3_stopwords",
    "in_main_span", "blocks_from_span", "words_from_span_log", "span_words_share",
    "page_log_words", "page_blocks_log", "page_prose_share", "has_stoplist",
)


def _own(text: str, stop: frozenset[str]) -> tuple:
    words = _WORD.findall(text)
    n = word_count(text)
    chars = len(text)
    stops = sum(1 for w in words if w.casefold() in stop) / n if n and stop else 0.0
    letters = sum(map(str.isalnum, text))
    return (math.log1p(n), math.log1p(chars), stops, 1.0 if _SENTENCE_END.search(text) else 0.0,
            len(_SENTENCE_MARK.findall(text)) / (n or 1), len(_COMMA.findall(text)) / (n or 1),
            len(_DIGIT.findall(text)) / (chars or 1), 1 - letters / (chars or 1) if chars else 0.0,
            len(_SEPARATORS.findall(text)) / (n or 1), 1.0 if _LINKISH.search(text) else 0.0,
            1.0 if _ITEM.match(text) else 0.0, n)


def _main_span(words: list[int], prose: list[bool]) -> tuple[int, int]:
    """The run of paragraphs with the most prose words, short and non-prose paragraphs
    counting against it (the maximum-sum segment of Finn et al.'s body text extraction)."""
    best = (0, -1, 0.0)
    start, total = 0, 0.0
    for i, (n, good) in enumerate(zip(words, prose)):
        gain = n if good else -max(SPAN_PENALTY_WORDS, n / 2)
        if total <= 0:
            start, total = i, 0.0
        total += gain
        if total > best[2]:
            best = (start, i, total)
    return best[0], best[1]


def features(texts: list[str], stop: frozenset[str]) -> np.ndarray:
    """One row of FEATURE_NAMES per non-empty paragraph of a page (`texts`, in page order)."""
    n = len(texts)
    if not n:
        return np.zeros((0, len(FEATURE_NAMES)), dtype=np.float32)
    own = np.array([_own(t, stop) for t in texts], dtype=np.float64)
    words = own[:, -1]
    stops = own[:, 2]
    prose = (words >= PROSE_MIN_WORDS) & ((stops >= PROSE_MIN_STOPWORDS) | (not stop))
    total_words = words.sum() or 1.0
    counts: dict[str, int] = {}
    for t in texts:
        counts[t] = counts.get(t, 0) + 1
    first, last = _main_span(words.tolist(), prose.tolist())
    index = np.arange(n)
    words_cum = np.concatenate([[0.0], np.cumsum(words)])
    prose_cum = np.concatenate([[0.0], np.cumsum(prose)])
    stops_cum = np.concatenate([[0.0], np.cumsum(stops)])

    def window(cum: np.ndarray, k: int) -> np.ndarray:
        lo, hi = np.maximum(0, index - k), np.minimum(n, index + k + 1)
        return (cum[hi] - cum[lo]) / (hi - lo)

    def shifted(column: np.ndarray, by: int) -> np.ndarray:
        out = np.full(n, -1.0)
        if by > 0:
            out[by:] = column[:-by] if by < n else out[by:]
        else:
            out[:by] = column[-by:] if -by < n else out[:by]
        return out

    if last < first:
        in_span = np.zeros(n)
        distance = np.full(n, float(n))
        distance_words = np.full(n, total_words)
        span_words = 0.0
    else:
        in_span = ((index >= first) & (index <= last)).astype(float)
        distance = np.where(index < first, first - index, np.where(index > last, index - last, 0))
        distance_words = np.where(index < first, words_cum[first] - words_cum[index + 1],
                                  np.where(index > last, words_cum[index] - words_cum[last + 1], 0.0))
        span_words = words_cum[last + 1] - words_cum[first]
    columns = [own[:, k] for k in range(11)] + [
        np.array([1.0 if counts[t] > 1 else 0.0 for t in texts]), index / n, words_cum[:-1] / total_words,
        shifted(own[:, 0], 1), shifted(stops, 1), shifted(own[:, 3], 1), shifted(own[:, 0], 2),
        shifted(own[:, 0], -1), shifted(stops, -1), shifted(own[:, 3], -1), shifted(own[:, 0], -2),
        window(prose_cum, 3), window(prose_cum, 10), window(stops_cum, 3),
        in_span, np.log1p(distance), np.log1p(distance_words), np.full(n, span_words / total_words),
        np.full(n, math.log1p(total_words)), np.full(n, math.log1p(n)), np.full(n, prose_cum[-1] / n),
        np.full(n, 1.0 if stop else 0.0),
    ]
    return np.column_stack(columns).astype(np.float32)


@lru_cache(maxsize=3)
def _model(path: Path):
    import lightgbm

    return lightgbm.Booster(model_file=str(path))


def predict_content(rows: np.ndarray) -> np.ndarray:
    """The probability that each paragraph (a row of `features`) is main text: the rows of
    many pages at once cost one call."""
    if not len(rows):
        return np.zeros(0)
    return _model(MODEL_FILE).predict(rows, num_threads=1)


TITLE_FEATURE_NAMES = (
    "log_words", "log_chars", "ends_sentence", "has_colon", "separators_per_word", "digit_share",
    "symbol_share", "content_score", "lines_above_body", "rank_from_body", "rank_from_top", "candidates",
    "repeated_on_page", "lead_overlap", "longest_candidate", "words_vs_longest", "relative_index",
    "first_line_of_page", "blank_before", "blank_after", "prev_log_words", "next_log_words", "prev_score",
    "next_score", "overlap_vs_best", "stopword_density", "body_overlap",
)
# The body's first paragraphs, whose words a headline announces.
LEAD_PARAGRAPHS = 3
# The body's paragraphs whose words a headline shares more loosely (body_overlap).
BODY_PARAGRAPHS = 12


def _words(text: str) -> list[str]:
    return [w.casefold() for w in _WORD.findall(text)]


def title_features(texts: list[str], candidates: list[int], body_start: int, scores: list[float | None],
                   lead: list[str], stop: frozenset[str] = frozenset()) -> np.ndarray:
    """One row of TITLE_FEATURE_NAMES per candidate headline. `texts`: the page's lines ("" for
    a blank one); `candidates`, `body_start`: indexes into it; `scores`: content scores;
    `lead`: the body's first paragraphs, from the line at body_start on."""
    # The line taken for the body's start may be the headline itself: its words are
    # compared with the paragraphs after it, as no line is its own announcement.
    lead_words = {own: set(_words(" ".join(lead[own:own + LEAD_PARAGRAPHS]))) for own in (0, 1)}
    body_words = {own: set(_words(" ".join(lead[own:own + BODY_PARAGRAPHS]))) for own in (0, 1)}
    counts: dict[str, int] = {}
    for t in texts:
        if t:
            counts[t] = counts.get(t, 0) + 1
    first_line = next((i for i, t in enumerate(texts) if t), 0)
    lengths = [token_count(texts[i]) for i in candidates]
    longest = max(lengths, default=1)
    overlaps = [_overlap(texts[i], lead_words[i == body_start]) for i in candidates]
    best_overlap = max(overlaps, default=0.0) or 1.0
    rows = np.zeros((len(candidates), len(TITLE_FEATURE_NAMES)), dtype=np.float32)
    for rank, (i, n) in enumerate(zip(candidates, lengths)):
        text = texts[i]
        own = _own(text, stop)
        rows[rank] = (
            own[0], own[1], own[3], float(":" in text), own[8], own[6], own[7],
            _score(scores, i), _lines_to_body(texts, i, body_start),
            len(candidates) - 1 - rank, rank, len(candidates), float(counts.get(text, 0) > 1),
            overlaps[rank], float(n == longest), n / longest, i / len(texts), float(i == first_line),
            *_neighbours(texts, scores, i), overlaps[rank] / best_overlap, own[2],
            _overlap(text, body_words[i == body_start]),
        )
    return rows


def _overlap(text: str, words: set[str]) -> float:
    """The share of the line's words found in `words`."""
    own = _words(text)
    return sum(1 for w in own if w in words) / (len(own) or 1)


def _lines_to_body(texts: list[str], i: int, body_start: int) -> int:
    """Non-blank lines from line i down to the body's start (negative below it)."""
    if i < body_start:
        return sum(1 for t in texts[i + 1:body_start] if t)
    return -sum(1 for t in texts[body_start:i] if t)


def _neighbours(texts: list[str], scores: list[float | None], i: int) -> tuple[float, ...]:
    """Whether line i has a blank line before and after it; the words (log) and content
    scores of the nearest non-blank lines above and below (-1 when there is none)."""
    prev = next((j for j in range(i - 1, -1, -1) if texts[j]), None)
    nxt = next((j for j in range(i + 1, len(texts)) if texts[j]), None)
    return (float(i == 0 or not texts[i - 1]), float(i + 1 >= len(texts) or not texts[i + 1]),
            _log_words(texts, prev), _log_words(texts, nxt), _score(scores, prev), _score(scores, nxt))


def _log_words(texts: list[str], i: int | None) -> float:
    return -1.0 if i is None else math.log1p(token_count(texts[i]))


def _score(scores: list[float | None], i: int | None) -> float:
    score = None if i is None else scores[i]
    return -1.0 if score is None else score


def title_scores(texts: list[str], candidates: list[int], body_start: int, scores: list[float | None],
                 lead: list[str], stop: frozenset[str] = frozenset()) -> list[float]:
    """The probability that each candidate is the article's headline (title_features)."""
    if not candidates:
        return []
    rows = title_features(texts, candidates, body_start, scores, lead, stop)
    return [float(p) for p in _model(TITLE_MODEL_FILE).predict(rows, num_threads=1)]


LISTING_FEATURE_NAMES = (
    "interior_repeat_share", "log_interior_repeats", "log_interior_max_repeat", "interior_date_share",
    "log_interior_dates", "interior_not_main_share", "interior_headline_share", "log_interior_headlines",
    "log_interior_lines", "log_longest_main_run", "longest_run_share", "main_runs", "main_word_share",
    "log_max_short_repeat", "repeated_short_lines", "price_line_share", "log_price_lines", "teaser_share",
    "log_teasers", "long_paragraphs", "log_page_words", "main_line_share", "mean_score",
)
# A paragraph this long is a story's, seldom a teaser's summary.
LONG_PARAGRAPH_WORDS = 40
# A teaser's summary: longer than a headline, shorter than a story's paragraph.
TEASER_SUMMARY_WORDS = (8, 40)
# Lines this short that recur on a page are calls to action ("Read more") or labels.
SHORT_LINE_WORDS = 6
INTERIOR_REPEAT_WORDS = 12
# Metadata lines whose recurrence between main paragraphs marks teasers (dates, bylines), as
# Line.tag names them.
TEASER_METADATA_TAGS = frozenset({"date", "author", "byline", "boilerplate:relative_date"})
# Lines a rule named as an article's own furniture (its related links, captions, tags) say
# nothing of teasers: left out, as blank lines are.
ARTICLE_FURNITURE_TAGS = frozenset({"related", "related_header", "related_inline", "caption", "credit", "tags"})
_PRICE = re.compile(r"[$€£¥₹]\s?\d|\d\s?[$€£¥₹]")
PRICE_LINE_WORDS = 8


def _headline_like(text: str) -> bool:
    n = token_count(text)
    return 3 <= n <= 30 and not _SENTENCE_END.search(text)


def listing_features(texts: list[str], tags: list[str], mains: list[bool],
                     scores: list[float | None]) -> np.ndarray:
    """One row of LISTING_FEATURE_NAMES for a page's segmented lines: their texts, tags (Line.tag),
    whether each is main text kept in a body, and content scores. A listing is
    teaser after teaser: a headline, a short summary, a date or a recurring "read more"
    between the paragraphs the content model kept, and no long run of main text; a
    shop's category page adds prices."""
    keep = [i for i, (t, tag) in enumerate(zip(texts, tags)) if t and tag not in ARTICLE_FURNITURE_TAGS]
    texts = [texts[i] for i in keep]
    tags = [tags[i] for i in keep]
    main = [mains[i] for i in keep]
    score = [s if s is not None else 0.0 for s in (scores[i] for i in keep)]
    n = len(texts) or 1
    words = [token_count(t) for t in texts]
    total = sum(words) or 1
    counts = Counter(texts)
    row = (
        *_interior_features(texts, tags, main, words, counts), *_main_runs(words, main, total),
        *_teaser_features(texts, words, counts, n), sum(1 for w in words if w >= LONG_PARAGRAPH_WORDS),
        math.log1p(total), sum(main) / n, sum(score) / n,
    )
    return np.array([row], dtype=np.float32)


def _interior_features(texts: list[str], tags: list[str], main: list[bool], words: list[int],
                       counts: Counter) -> tuple[float, ...]:
    """What stands between the first and the last main paragraph: recurring short lines,
    teaser metadata (dates, bylines), lines not kept, headlines heading a kept paragraph."""
    kept = [i for i, m in enumerate(main) if m]
    interior = range(kept[0], kept[-1] + 1) if kept else range(0)
    span = len(interior) or 1
    short = [i for i in interior if words[i] <= INTERIOR_REPEAT_WORDS]
    repeats = sum(1 for i in short if counts[texts[i]] >= 2)
    max_repeat = max((counts[texts[i]] for i in short), default=0)
    dates = sum(1 for i in interior if tags[i] in TEASER_METADATA_TAGS)
    not_main = sum(1 for i in interior if not main[i])
    headed = sum(1 for i in interior if not main[i] and _headline_like(texts[i])
                 and i + 1 < len(texts) and i + 1 in interior and main[i + 1])
    return (repeats / span, math.log1p(repeats), math.log1p(max_repeat), dates / span, math.log1p(dates),
            not_main / span, headed / span, math.log1p(headed), math.log1p(len(interior)))


def _main_runs(words: list[int], main: list[bool], total: int) -> tuple[float, ...]:
    """The runs of consecutive main paragraphs: the longest (log words, share of the main
    words), how many, and the main words' share of the page."""
    main_words = sum(w for w, m in zip(words, main) if m)
    runs, run = [], 0
    for w, m in zip(words, main):
        if m:
            run += w
        elif run:
            runs.append(run)
            run = 0
    runs = [*runs, run] if run else runs or [0]
    return math.log1p(max(runs)), max(runs) / (main_words or 1), len(runs), main_words / total


def _teaser_features(texts: list[str], words: list[int], counts: Counter, n: int) -> tuple[float, ...]:
    """Calls to action that recur ("Read more"), prices, and headline + summary pairs."""
    short_counts = [c for t, c in counts.items() if token_count(t) <= SHORT_LINE_WORDS]
    prices = sum(1 for t, w in zip(texts, words) if w <= PRICE_LINE_WORDS and _PRICE.search(t))
    lo, hi = TEASER_SUMMARY_WORDS
    teasers = sum(1 for i in range(len(texts) - 1) if _headline_like(texts[i]) and lo <= words[i + 1] < hi)
    return (math.log1p(max(short_counts, default=0)), sum(1 for c in short_counts if c >= 3), prices / n,
            math.log1p(prices), teasers / n, math.log1p(teasers))


def listing_probability(row: np.ndarray) -> float:
    """The probability that a page is a listing or section page (listing_features)."""
    return float(_model(LISTING_MODEL_FILE).predict(row, num_threads=1)[0])
