"""What the markup of an HTML page says about its kind (tasks/html_layout), on the HTML pages
written for the tests."""
import math

from lxml import etree
from trafilatura import bare_extraction, load_html

from tasks.html_layout import HTML_LAYOUT_FEATURE_NAMES, layout_features
from tests.conftest import PAGES


def features(name: str, url: str | None = None) -> dict[str, float]:
    tree = load_html((PAGES / "html" / name).read_text(encoding="utf-8"))
    return dict(zip(HTML_LAYOUT_FEATURE_NAMES, layout_features(tree, url)))


def test_reading_the_layout_leaves_the_tree_as_trafilatura_would_have_it():
    """The layout is read from the tree trafilatura then extracts from: reading it must change
    nothing, or extraction would depend on it."""
    for name in ("skynews_article.html", "section_front.html"):
        text = (PAGES / "html" / name).read_text(encoding="utf-8")
        tree = load_html(text)
        before = etree.tostring(tree)
        layout_features(tree)
        assert etree.tostring(tree) == before
        assert bare_extraction(tree, with_metadata=True).text == bare_extraction(text, with_metadata=True).text


def test_teaser_links_and_a_section_url_against_an_article_with_a_slug():
    front, article = features("section_front.html"), features("skynews_article.html")
    # Ten headline links outside paragraphs (the cards' titles; "المزيد" is too short for
    # one), against the article's two related links; a run of prose only in the article.
    assert round(math.expm1(front["log_teaser_links"])) == 10
    assert round(math.expm1(article["log_teaser_links"])) == 2
    assert front["linked_heading_share"] > 0.9 and article["linked_heading_share"] == 0
    assert round(math.expm1(front["log_long_paragraphs"])) == 0 and round(math.expm1(article["log_long_paragraphs"])) == 1
    assert math.expm1(article["log_longest_run"]) > 100 > math.expm1(front["log_longest_run"])
    assert front["slug_words"] == 1 and front["og_website"] == 1 and front["url_has_id"] == 0
    assert article["slug_words"] == 2 and article["url_has_id"] == 1


def test_the_markups_own_address_wins_over_the_one_given():
    """canonical / og:url name the page; the fetched URL (a redirect, a query) only when
    the markup names none."""
    assert features("skynews_article.html", "https://example.test/")["url_is_home"] == 0
    tree = load_html("<html><head><title>t</title></head><body><p>a b c</p><p>d</p></body></html>")
    row = dict(zip(HTML_LAYOUT_FEATURE_NAMES, layout_features(tree, "https://example.test/")))
    assert row["has_url"] == 1 and row["url_is_home"] == 1


def test_a_tree_that_is_only_a_fragment_still_has_a_layout():
    """No <body>, a root that is itself a heading (built, so it has no parent at all) or a
    fragment: every feature is read from what there is, nothing raises."""
    import lxml.html
    from lxml.html import builder

    trees = [builder.H1("Headline of a story here"), lxml.html.fromstring("<p>one two three</p>"),
             lxml.html.fromstring("<div></div>")]
    for tree in trees:
        row = layout_features(tree)
        assert len(row) == HTML_LAYOUT_FEATURE_NAMES.index("main_log_words")
        assert all(math.isfinite(x) for x in row)


def test_a_page_that_declares_itself_an_article_is_not_read_for_a_listing():
    """JSON-LD that says NewsArticle (and no collection) spares the layout: the page's listing
    score is 0 and explain says why; a section front is still read; a page that declares a
    collection as well is read too."""
    from tasks.extract import extract
    from tasks.html_layout import declares_article
    from tasks.records import InputRef
    from tasks.strip import explain, listing_score, strip_page

    def page(html: str, name: str):
        data = html.encode()
        return extract(InputRef(f"/{name}.html", "a" * 64, len(data)), data)

    front = (PAGES / "html" / "section_front.html").read_text(encoding="utf-8")
    article_ld = '<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle"}</script>'
    both_ld = '<script type="application/ld+json">[{"@type":"NewsArticle"},{"@type":"CollectionPage"}]</script>'
    declared = front.replace("</head>", article_ld + "</head>")
    assert declares_article(declared) and not declares_article(front)
    assert not declares_article(front.replace("</head>", both_ld + "</head>"))
    as_declared = page(declared, "declared")
    assert as_declared.layout is None and page(front, "front").layout is not None
    assert listing_score(as_declared, strip_page(as_declared).lines) == 0.0
    assert "its JSON-LD declares it an article" in explain(as_declared)
