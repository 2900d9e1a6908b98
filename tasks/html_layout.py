"""What an HTML page's markup says about what kind of page it is: one article, or a listing or
section page (teaser after teaser, no long body). A text dump has lost this; HTML still has it:
the share of the page's words inside links, the longest run of paragraphs outside links,
headline-length links outside paragraphs (teasers) and the repeated sibling cards holding them, what the
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
    "paragraph_word_share", "log_teaser_links", "log_cards", "log_largest_card_group", "run_minus_cards",
    "main_log_words", "main_word_share", "main_log_longest_paragraph", "main_long_paragraphs",
)
# How each feature may move the probability of a listing (+1 up, -1 down, 0 either way):
# what is known of listings holds the model to it where its few training pages are silent.
HTML_LAYOUT_MONOTONE = {
    "og_article": -1, "og_website": 1, "ld_article": -1, "ld_collection": 1, "link_word_share": 1,
    "log_linked_headings": 1, "linked_heading_share": 1, "log_long_paragraphs": -1, "log_longest_paragraph": -1,
    "log_longest_run": -1, "slug_words": -1, "url_has_id": -1, "url_is_home": 1, "log_teaser_links": 1,
    "log_cards": 1, "log_largest_card_group": 1, "run_minus_cards": -1, "main_log_words": -1,
    "main_log_longest_paragraph": -1, "main_long_paragraphs": -1,
}
# schema.org types of one piece of writing, and of a page that lists things.
_LD_ARTICLE = re.compile(r'"@type"\s*:\s*\[?\s*"(?:\w*Article|BlogPosting|LiveBlogPosting|Report|Review|Recipe|HowTo)"')
_LD_COLLECTION = re.compile(r'"@type"\s*:\s*\[?\s*"(?:CollectionPage|ItemList|SearchResultsPage|OfferCatalog|Product)"')
_NOT_TEXT = ("script", "style", "noscript", "template")
# A paragraph this long outside a link is prose, not a teaser's summary.
LONG_PARAGRAPH_WORDS = 30
# A link of this many words is a headline's, not a menu item's or a sentence's.
TEASER_LINK_WORDS = (3, 25)
# Teaser cards: at least CARD_MIN_GROUP siblings of one tag and class, each holding a teaser
# link, at most CARD_MAX_DEPTH levels above it.
CARD_MIN_GROUP = 4
CARD_MAX_DEPTH = 4
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


def _cards(teasers: list[HtmlElement]) -> tuple[int, int]:
    """(teaser links in a card, the largest group of cards): a card is one of CARD_MIN_GROUP
    or more siblings of one tag and class, each holding a teaser link."""
    members: dict[tuple[HtmlElement, str, str], set[HtmlElement]] = {}
    paths = []
    for link in teasers:
        path, node = [], link
        for _ in range(CARD_MAX_DEPTH):
            parent = node.getparent()
            if parent is None:
                break
            key = (parent, node.tag, node.get("class", ""))
            members.setdefault(key, set()).add(node)
            path.append(key)
            node = parent
        paths.append(path)
    sizes = {key: len(nodes) for key, nodes in members.items()}
    in_cards = sum(1 for path in paths if any(sizes[key] >= CARD_MIN_GROUP for key in path))
    return in_cards, max((n for n in sizes.values() if n >= CARD_MIN_GROUP), default=0)


def _longest_run(paragraph_words: dict[HtmlElement, int]) -> int:
    """Words of the longest run of sibling paragraphs (figures, quotes, lists and
    subheadings between them do not end a run)."""
    best = 0
    for parent in {p.getparent() for p in paragraph_words if p.getparent() is not None}:
        run = 0
        for child in parent:
            if child.tag == "p":
                run += paragraph_words[child]
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
    in_paragraphs = set(body.xpath(".//p//a"))
    link_words = 0
    teasers = []
    lo, hi = TEASER_LINK_WORDS
    for link in body.iter("a"):
        n = _words(link.text_content())
        link_words += n
        # A link that reads like a headline and stands outside any paragraph: a teaser.
        if lo <= n <= hi and link not in in_paragraphs:
            teasers.append(link)
    cards, largest = _cards(teasers)
    headings = list(body.iter("h1", "h2", "h3", "h4", "h5", "h6"))
    linked = sum(1 for h in headings if h.find(".//a") is not None
                 or (h.getparent() is not None and h.getparent().tag == "a"))
    paragraph_words = {p: _words(p.text_content()) for p in body.iter("p")}
    in_links = set(body.xpath(".//a//p"))
    outside_links = [n for p, n in paragraph_words.items() if p not in in_links]
    run = _longest_run(paragraph_words)
    return (
        float(og_type == "article"), float(og_type == "website"), float(not og_type),
        float(bool(_LD_ARTICLE.search(ld))), float(bool(_LD_COLLECTION.search(ld))),
        link_words / total, math.log1p(total), math.log1p(len(headings)), math.log1p(linked),
        linked / (len(headings) or 1),
        math.log1p(sum(1 for w in outside_links if w >= LONG_PARAGRAPH_WORDS)),
        math.log1p(max(outside_links, default=0)), math.log1p(run),
        math.log1p(sum(1 for _ in body.iter("article"))), math.log1p(sum(1 for _ in body.iter("time"))),
        *_url_features(declared[0].strip() if declared else url),
        sum(outside_links) / total, math.log1p(len(teasers)), math.log1p(cards), math.log1p(largest),
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

