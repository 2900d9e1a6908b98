"""What an HTML page's markup says about what kind of page it is: one article, or a listing or
section page (teaser after teaser, no long body). A text dump has lost this; HTML still has it:
the share of the page's text inside links, the paragraphs outside links (how many are long,
the longest run of them), what the page declares itself to be (Open Graph `og:type`,
schema.org types in JSON-LD), the shape of its canonical URL (an article's slug is a phrase;
a section's path is a word), and what trafilatura found in it.

A gradient-boosted model (LightGBM, schemas/models/listing_html.txt, trained by
`python -m bench.train_content` on the dev set's HTML pages) turns that into a probability.
The features are read from the tree trafilatura extracts from, which neither changes; only
what libxml2 walks in C is read page-wide, as a Python loop over a page's links would cost a
noticeable share of trafilatura's own time.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from urllib.parse import urlsplit

import numpy as np
from lxml import etree
from lxml.html import HtmlElement

from tasks.content import MODELS_DIR, _model

HTML_LISTING_MODEL_FILE = MODELS_DIR / "listing_html.txt"
# As for text dumps: a lost article costs more than a listing kept.
HTML_LISTING_THRESHOLD = 0.8

HTML_LAYOUT_FEATURE_NAMES = (
    "og_article", "og_website", "og_missing", "ld_article", "ld_collection",
    "link_text_share", "log_chars", "log_long_paragraphs", "log_longest_paragraph", "log_longest_run",
    "paragraph_text_share", "has_url", "url_depth", "slug_words", "url_has_id", "url_is_home",
    "log_headings", "linked_heading_share", "log_links", "log_article_elements", "log_time_elements",
    "log_teaser_links", "teaser_link_share", "run_minus_teasers",
    "main_log_words", "main_text_share", "main_log_longest_paragraph", "main_long_paragraphs",
)
# How each feature may move the probability of a listing (+1 up, -1 down, 0 either way):
# what is known of listings holds the model to it where its few training pages are silent.
HTML_LAYOUT_MONOTONE = {
    "og_article": -1, "og_website": 1, "ld_article": -1, "ld_collection": 1, "link_text_share": 1,
    "log_long_paragraphs": -1, "log_longest_paragraph": -1, "log_longest_run": -1, "slug_words": -1,
    "url_has_id": -1, "url_is_home": 1, "linked_heading_share": 1, "log_teaser_links": 1,
    "teaser_link_share": 1, "run_minus_teasers": -1, "main_log_words": -1, "main_log_longest_paragraph": -1,
    "main_long_paragraphs": -1,
}
# schema.org types of one piece of writing, and of a page that lists things.
_LD_ARTICLE = re.compile(r'"@type"\s*:\s*\[?\s*"(?:\w*Article|BlogPosting|LiveBlogPosting|Report|Review|Recipe|HowTo)"')
_LD_COLLECTION = re.compile(r'"@type"\s*:\s*\[?\s*"(?:CollectionPage|ItemList|SearchResultsPage|OfferCatalog|Product)"')
_LD_SCRIPT = re.compile(r"<script[^>]*application/ld\+json[^>]*>(.*?)</script>", re.S | re.I)
_OG_TYPE = etree.XPath('//meta[@property="og:type"]/@content')
_DECLARED_URL = etree.XPath('//link[@rel="canonical"]/@href | //meta[@property="og:url"]/@content')
_LD_JSON = etree.XPath('//script[@type="application/ld+json"]/text()')
_HIDDEN_TEXT = etree.XPath(".//script//text() | .//style//text() | .//noscript//text() | .//template//text()",
                           smart_strings=False)
_LINK_TEXT = etree.XPath(".//a//text()", smart_strings=False)
_PARAGRAPHS = etree.XPath(".//p[not(ancestor::a)]")
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_LINK_COUNT = etree.XPath("count(.//a)")
# Links outside paragraphs as long as a headline (in characters: a word's length varies by
# language less than a headline's count of them does).
_TEASER_COUNT = etree.XPath("count(.//a[not(ancestor::p)][string-length(.) >= 15][string-length(.) <= 200])")
# A paragraph this long outside a link is prose, not a teaser's summary.
LONG_PARAGRAPH_WORDS = 30
# Container tags a run of paragraphs may contain without ending.
_IN_RUN = frozenset({"figure", "blockquote", "ul", "ol", "h2", "h3", "h4", "div"})


def _words(text: str) -> int:
    return len(text.split())


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


def _longest_run(paragraph_words: dict[HtmlElement, int]) -> int:
    """Words of the longest run of sibling paragraphs (figures, quotes, lists and
    subheadings between them do not end a run)."""
    best = 0
    for parent in {p.getparent() for p in paragraph_words if p.getparent() is not None}:
        run = 0
        for child in parent:
            if child.tag == "p":
                run += paragraph_words.get(child, 0)
                best = max(best, run)
            elif child.tag not in _IN_RUN:
                run = 0
    return best


def declares_article(html: str) -> bool:
    """Whether the page's JSON-LD says it is one piece of writing (schema.org Article and its
    kin) and no collection: such a page is not read for listing features, as the model,
    held to what a declaration means (HTML_LAYOUT_MONOTONE), never took one for a listing."""
    ld = " ".join(_LD_SCRIPT.findall(html))
    return bool(_LD_ARTICLE.search(ld)) and not _LD_COLLECTION.search(ld)


def layout_features(tree: HtmlElement, url: str | None = None) -> tuple[float, ...]:
    """The first 24 of HTML_LAYOUT_FEATURE_NAMES for a parsed page (read only; main_text_features
    adds the rest). `url`: the page's address when its markup names none (canonical, og:url)."""
    og = _OG_TYPE(tree)
    og_type = og[0].strip().lower() if og else ""
    declared = _DECLARED_URL(tree)
    ld = " ".join(_LD_JSON(tree))
    body = tree.find("body")
    body = tree if body is None else body
    chars = max(len(body.text_content()) - sum(map(len, _HIDDEN_TEXT(body))), 1)
    link_chars = sum(map(len, _LINK_TEXT(body)))
    paragraphs = {p: p.text_content() for p in _PARAGRAPHS(body)}
    words = {p: _words(text) for p, text in paragraphs.items()}
    markers = Counter(e.tag for e in body.iter(*_HEADINGS, "article", "time"))
    links, teasers = _LINK_COUNT(body), _TEASER_COUNT(body)
    run = _longest_run(words)
    headings = sum(markers[h] for h in _HEADINGS)
    linked = sum(1 for h in body.iter(*_HEADINGS) if h.find(".//a") is not None
                 or (h.getparent() is not None and h.getparent().tag == "a"))
    return (
        float(og_type == "article"), float(og_type == "website"), float(not og_type),
        float(bool(_LD_ARTICLE.search(ld))), float(bool(_LD_COLLECTION.search(ld))),
        link_chars / chars, math.log1p(chars),
        math.log1p(sum(1 for n in words.values() if n >= LONG_PARAGRAPH_WORDS)),
        math.log1p(max(words.values(), default=0)), math.log1p(run),
        sum(map(len, paragraphs.values())) / chars,
        *_url_features(declared[0].strip() if declared else url),
        math.log1p(headings), linked / (headings or 1), math.log1p(links),
        math.log1p(markers["article"]), math.log1p(markers["time"]),
        math.log1p(teasers), teasers / max(links, 1), math.log1p(run) - math.log1p(teasers),
    )


def main_text_features(layout: tuple[float, ...], main_text: str) -> tuple[float, ...]:
    """The layout with what trafilatura found as the main text added: its words, its share of
    the page's text, its longest paragraph and its paragraphs of prose length."""
    paragraphs = [_words(p) for p in main_text.split("\n")]
    page_chars = math.expm1(layout[HTML_LAYOUT_FEATURE_NAMES.index("log_chars")])
    return (*layout, math.log1p(sum(paragraphs)), len(main_text) / max(page_chars, 1.0),
            math.log1p(max(paragraphs, default=0)), math.log1p(sum(1 for w in paragraphs if w >= LONG_PARAGRAPH_WORDS)))


def html_listing_probability(layout: tuple[float, ...]) -> float:
    """The probability that an HTML page is a listing or section page (layout_features)."""
    row = np.array([layout], dtype=np.float32)
    return float(_model(HTML_LISTING_MODEL_FILE).predict(row, num_threads=1)[0])

