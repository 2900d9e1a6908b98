"""What an HTML page's markup says about what kind of page it is: one article, or a listing or
section page (teaser after teaser, no long body). A text dump has lost this; HTML still has it:
the share of the page's words inside links, the longest run of paragraphs outside links,
repeated teaser cards (sibling elements of one class, each a short headline link), what the
page declares itself to be (Open Graph `og:type`, schema.org types in JSON-LD) and the shape of
its canonical URL (an article's slug is a phrase; a section's path is a word).

A gradient-boosted model (LightGBM, schemas/models/listing_html.txt, trained by
`python -m bench.train_content` on the dev set's HTML pages) turns that into a probability.
The features are read from the parsed tree before trafilatura changes it, and never change it.
"""
from __future__ import annotations

import math
import re
from urllib.parse import urlsplit

import numpy as np
from lxml.html import HtmlElement

from tasks.content import MODELS_DIR, _model

HTML_LISTING_MODEL_FILE = MODELS_DIR / "listing_html.txt"
# As for text dumps: a lost article costs more than a listing kept.
HTML_LISTING_THRESHOLD = 0.8

HTML_LAYOUT_FEATURE_NAMES = (
    "og_article", "og_website", "og_missing", "ld_article", "ld_collection",
    "link_word_share", "log_words", "log_headings", "log_linked_headings", "linked_heading_share",
    "log_long_paragraphs", "log_longest_paragraph", "log_longest_run", "log_article_elements",
    "log_time_elements", "has_url", "url_depth", "slug_words", "url_has_id", "url_is_home",
    "paragraph_word_share", "log_cards", "log_largest_card_group", "card_word_share", "run_minus_cards",
    "main_log_words", "main_word_share", "main_log_longest_paragraph", "main_long_paragraphs",
)
# How each feature may move the probability of a listing (+1 up, -1 down, 0 either way):
# what is known of listings holds the model to it where its few training pages are silent.
HTML_LAYOUT_MONOTONE = {
    "og_article": -1, "og_website": 1, "ld_article": -1, "ld_collection": 1, "link_word_share": 1,
    "log_linked_headings": 1, "linked_heading_share": 1, "log_long_paragraphs": -1, "log_longest_paragraph": -1,
    "log_longest_run": -1, "slug_words": -1, "url_has_id": -1, "url_is_home": 1, "log_cards": 1,
    "log_largest_card_group": 1, "card_word_share": 1, "run_minus_cards": -1, "main_log_words": -1,
    "main_log_longest_paragraph": -1, "main_long_paragraphs": -1,
}
# schema.org types of one piece of writing, and of a page that lists things.
_LD_ARTICLE = re.compile(r'"@type"\s*:\s*\[?\s*"(?:\w*Article|BlogPosting|LiveBlogPosting|Report|Review|Recipe|HowTo)"')
_LD_COLLECTION = re.compile(r'"@type"\s*:\s*\[?\s*"(?:CollectionPage|ItemList|SearchResultsPage|OfferCatalog|Product)"')
_NOT_TEXT = ("script", "style", "noscript", "template")
# A paragraph this long outside a link is prose, not a teaser's summary.
LONG_PARAGRAPH_WORDS = 30
# Teaser cards: at least this many siblings of one tag and class, most of them a headline link
# of this many words with at most CARD_MAX_WORDS words in all.
CARD_MIN_GROUP = 4
CARD_LINK_WORDS = (3, 25)
CARD_MAX_WORDS = 120
CARD_MIN_SHARE = 0.6
# Container tags a run of paragraphs may contain without ending.
_IN_RUN = frozenset({"figure", "blockquote", "ul", "ol", "h2", "h3", "h4", "div"})


def _words(text: str) -> int:
    return len(text.split())


def _visible_words(element: HtmlElement) -> int:
    """Words of the element's text, without scripts and styles."""
    hidden = sum(_words(e.text_content()) for e in element.iter(*_NOT_TEXT)
                 if not any(a.tag in _NOT_TEXT for a in e.iterancestors()))
    return _words(element.text_content()) - hidden


def _url_features(url: str | None) -> tuple[float, ...]:
    """has a URL, path depth, words of its last segment (an article's slug is a phrase), a
    number of 4+ digits in the path (an article id), the site's home page."""
    if not url:
        return 0.0, 0.0, 0.0, 0.0, 0.0
    parts = [p for p in urlsplit(url).path.split("/") if p]
    last = re.sub(r"\.[a-z]{2,5}$", "", parts[-1]) if parts else ""
    slug_words = len([w for w in re.split(r"[-_+]", last) if w])
    has_id = bool(re.search(r"\d{4,}", "/".join(parts)))
    return 1.0, float(len(parts)), float(slug_words), float(has_id), float(not parts)


def _cards(body: HtmlElement) -> tuple[int, int, int]:
    """Teaser cards: (cards, the largest group's size, the groups' words)."""
    cards = largest = words = 0
    for parent in body.iter():
        children = [c for c in parent if isinstance(c.tag, str)]
        if len(children) < CARD_MIN_GROUP:
            continue
        groups: dict[tuple[str, str], list[HtmlElement]] = {}
        for child in children:
            groups.setdefault((child.tag, child.get("class", "")), []).append(child)
        for group in groups.values():
            if len(group) < CARD_MIN_GROUP:
                continue
            teasers = 0
            for child in group:
                link = child if child.tag == "a" else child.find(".//a")
                if link is None:
                    continue
                lo, hi = CARD_LINK_WORDS
                if lo <= _words(link.text_content()) <= hi and _words(child.text_content()) <= CARD_MAX_WORDS:
                    teasers += 1
            if teasers >= CARD_MIN_GROUP and teasers >= CARD_MIN_SHARE * len(group):
                cards += teasers
                largest = max(largest, teasers)
                words += sum(_words(c.text_content()) for c in group)
    return cards, largest, words


def _longest_run(paragraphs: list[HtmlElement]) -> int:
    """Words of the longest run of sibling paragraphs (figures, quotes, lists and
    subheadings between them do not end a run)."""
    best = 0
    for parent in {p.getparent() for p in paragraphs if p.getparent() is not None}:
        run = 0
        for child in parent:
            if child.tag == "p":
                run += _words(child.text_content())
                best = max(best, run)
            elif child.tag not in _IN_RUN:
                run = 0
    return best


def layout_features(tree: HtmlElement, url: str | None = None) -> tuple[float, ...]:
    """One row of HTML_LAYOUT_FEATURE_NAMES for a parsed page (read only). `url`: the page's
    address when its markup names none (canonical link, og:url)."""
    og = tree.xpath('//meta[@property="og:type"]/@content')
    og_type = og[0].strip().lower() if og else ""
    declared = tree.xpath('//link[@rel="canonical"]/@href') or tree.xpath('//meta[@property="og:url"]/@content')
    ld = " ".join(tree.xpath('//script[@type="application/ld+json"]/text()'))
    body = tree.find("body")
    body = tree if body is None else body
    total = max(_visible_words(body), 1)
    link_words = sum(_words(a.text_content()) for a in body.iter("a"))
    headings = list(body.iter("h1", "h2", "h3", "h4", "h5", "h6"))
    linked = sum(1 for h in headings if h.find(".//a") is not None
                 or (h.getparent() is not None and h.getparent().tag == "a"))
    paragraphs = list(body.iter("p"))
    outside_links = [_words(p.text_content()) for p in paragraphs
                     if not any(a.tag == "a" for a in p.iterancestors())]
    run = _longest_run(paragraphs)
    cards, largest, card_words = _cards(body)
    return (
        float(og_type == "article"), float(og_type == "website"), float(not og_type),
        float(bool(_LD_ARTICLE.search(ld))), float(bool(_LD_COLLECTION.search(ld))),
        link_words / total, math.log1p(total), math.log1p(len(headings)), math.log1p(linked),
        linked / (len(headings) or 1),
        math.log1p(sum(1 for w in outside_links if w >= LONG_PARAGRAPH_WORDS)),
        math.log1p(max(outside_links, default=0)), math.log1p(run),
        math.log1p(sum(1 for _ in body.iter("article"))), math.log1p(sum(1 for _ in body.iter("time"))),
        *_url_features(declared[0].strip() if declared else url),
        sum(outside_links) / total, math.log1p(cards), math.log1p(largest), card_words / total,
        math.log1p(run) - math.log1p(cards),
    )


def main_text_features(layout: tuple[float, ...], main_text: str) -> tuple[float, ...]:
    """The layout with what trafilatura found as the main text added: its words, their share
    of the page's words, its longest paragraph and its paragraphs of prose length."""
    paragraphs = [_words(p) for p in main_text.split("\n")]
    words = sum(paragraphs)
    page_words = math.expm1(layout[HTML_LAYOUT_FEATURE_NAMES.index("log_words")])
    return (*layout, math.log1p(words), words / max(page_words, 1.0), math.log1p(max(paragraphs, default=0)),
            math.log1p(sum(1 for w in paragraphs if w >= LONG_PARAGRAPH_WORDS)))


def html_listing_probability(layout: tuple[float, ...]) -> float:
    """The probability that an HTML page is a listing or section page (layout_features)."""
    row = np.array([layout], dtype=np.float32)
    return float(_model(HTML_LISTING_MODEL_FILE).predict(row, num_threads=1)[0])

