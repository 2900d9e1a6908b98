"""Behaviour of the strip stage on the seed pages and on pages written for one behaviour each."""
from pathlib import Path

import pytest

from tasks.extract import extract
from tasks.records import InputRef
from tasks.strip import explain, strip_batch, strip_page
from tests.conftest import PAGES, SEEDS


def page_of(path: Path):
    data = path.read_bytes()
    return extract(InputRef(str(path), "d" * 64, len(data)), data)


def seed(prefix: str) -> Path:
    return next(SEEDS.glob(f"{prefix}_*.txt"))


def test_repeated_headline_and_captions_collapse_and_related_block_is_not_an_article():
    stripped = strip_page(page_of(seed("000")))
    first, second = stripped.articles
    assert first.title == "موسكو ترغب بتعزيز علاقاتها مع بيونغ يانغ"
    assert first.position == 0 and second.position == 1
    assert second.title.startswith("الصين تنتقد المساعدات الأميركية")
    assert len(first.paragraphs) == 9 and len(second.paragraphs) == 7
    assert len(first.captions) == 2 and all(c["credit"] in ("أ.ب", "د.ب.أ") for c in first.captions)
    assert [r["title"] for r in first.related][:2] == ["إعادة تشغيل مطار قازان في روسيا عقب هجوم أوكراني",
                                                      "روسيا تشيع جثمان الجنرال كيريلوف في جنازة عسكرية"]
    assert first.related[0]["byline"] == "«الشرق الأوسط» (موسكو)"
    assert first.related[1]["section"] == "أوروبا"
    assert first.publisher == "الشرق الأوسط"
    body = "\n".join(first.paragraphs + second.paragraphs)
    assert "TT" not in body.split("\n") and "مقالات ذات صلة" not in body and "(أ.ب)" not in body


def test_read_also_appended_story_becomes_second_article_with_credit_tags_and_date():
    first, second = strip_page(page_of(seed("001"))).articles
    assert first.source_credit == "صدى البلد"
    assert first.published_raw == "17th, September 2023 GMT"
    assert first.tags and "کوریا الشمالیة" in first.tags[0]
    assert second.title.startswith("مصدر عسكري أوكراني") and len(second.paragraphs) == 8
    assert second.source_credit is None and second.published_raw is None


def test_elaph_layout_subtitle_dateline_share_counters_and_comments():
    stripped = strip_page(page_of(seed("002")))
    (article,) = stripped.articles
    assert article.subtitle.startswith("لافروف: العلاقات")
    assert article.dateline == "سيول"
    assert article.publisher == "إيلاف"
    assert "مخاوف غربية" in article.paragraphs          # a subheading stays in the body
    assert not any(p in ("27", "26") or "التعليقات" in p for p in article.paragraphs)
    removed = stripped.removed_by_rule()
    assert removed["boilerplate:lone_number"] == 3 and removed["boilerplate:comments"] >= 3


def test_generic_rules_without_a_profile():
    stripped = strip_page(page_of(PAGES / "generic_menu_comments.txt"))
    assert stripped.profile is None
    (article,) = stripped.articles
    assert article.title == "البرلمان يقر قانون الموازنة العامة للعام المقبل بعد جلسة طويلة"
    assert article.published_raw == "12 مارس 2024"
    assert article.dateline == "الرباط"
    assert len(article.paragraphs) == 4
    assert article.related == [{"title": "الحكومة تعلن خطة جديدة لدعم المقاولات الصغيرة", "summary": None,
                                "section": None, "byline": None}]
    removed = stripped.removed_by_rule()
    # The menu: الرئيسية by its rule, the section links by the content model.
    assert removed["boilerplate:ui_text"] == 1 and removed["boilerplate:not_main_text"] == 5
    assert removed["boilerplate:share_marker"] == 3
    assert removed["boilerplate:copyright"] == 1


def test_explain_names_every_removed_line_with_its_rule():
    text = explain(page_of(seed("003")))
    assert "boilerplate:share_marker" in text and "related_header" in text and "repeated:repeated_line" in text
    assert "profile: asharq_al_awsat.v1" in text


def test_a_page_of_only_boilerplate_is_rejected_not_dropped(tmp_path):
    path = tmp_path / "only.txt"
    path.write_text("شارك\nفيسبوك\n27\nجميع الحقوق محفوظة © 2024\n", encoding="utf-8")
    result = strip_batch([page_of(path)])
    assert result.output == []
    assert [r.reason for r in result.rejections] == ["no_article"]


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.name)
def test_no_seed_body_keeps_known_boilerplate(path):
    for article in strip_page(page_of(path)).articles:
        for paragraph in article.paragraphs:
            assert paragraph not in ("TT", "مقالات ذات صلة", "إقرأ أيضاً:")
            assert not paragraph.startswith(("كلمات دلالية", "المصدر:", "«الشرق الأوسط» ("))


def _site_page(n: int, url: str):
    from tasks.records import Page
    lines = [f"عنوان الخبر رقم {n} عن الانتخابات البلدية", "",
             f"قالت اللجنة العليا للانتخابات إن نسبة المشاركة في الجولة رقم {n} بلغت مستوى قياسيا هذا العام.", "",
             "النسخة الكاملة من العدد متاحة للمشتركين",
             f"وأضافت اللجنة أن النتائج الأولية للجولة {n} ستعلن خلال يومين بعد انتهاء عمليات الفرز في كل الدوائر."]
    return Page(doc_id=f"{n:064x}", source_uri=f"/crawl/{n}.txt", lines=lines, content_type="text",
                encoding="utf-8", url=url)


def test_lines_recurring_across_a_sites_pages_are_removed():
    pages = [_site_page(n, f"https://www.example-news.com/a/{n}") for n in range(4)]
    result = strip_batch(pages)
    assert len(result.output) == 4
    assert all("النسخة الكاملة من العدد متاحة للمشتركين" not in a.paragraphs for a in result.output)
    assert all(len(a.paragraphs) == 2 for a in result.output)
    assert result.stats.removed_by_rule["boilerplate:site_recurring"] == 4


def test_recurring_rule_needs_enough_pages_of_the_same_site():
    pages = [_site_page(n, f"https://site{n}.example/a") for n in range(4)]      # four different sites
    assert all("النسخة الكاملة من العدد متاحة للمشتركين" in a.paragraphs for a in strip_batch(pages).output)


def test_a_batch_of_copies_of_one_story_does_not_erase_it():
    """Five fetches of one story (one sentence edited between them) share their headline and
    most paragraphs: they count as one story, not as five pages repeating site furniture."""
    import dataclasses

    page = _site_page(1, "https://www.example-news.com/a/1")
    third = "وأشارت اللجنة إلى أن مراقبين دوليين تابعوا سير العملية الانتخابية في معظم المحافظات دون تسجيل خروقات كبيرة."
    copies = [dataclasses.replace(page, doc_id=f"{n:064x}", lines=[*page.lines[:2], page.lines[2] + f" ({n})",
                                                                    *page.lines[3:], third]) for n in range(5)]
    result = strip_batch(copies)
    assert [a.title for a in result.output] == [page.lines[0]] * 5
    assert all(len(a.paragraphs) == 3 for a in result.output)
    # The subscriber notice still recurs on the site's other, different stories.
    others = [_site_page(n, f"https://www.example-news.com/a/{n}") for n in range(2, 6)]
    result = strip_batch(copies + others)
    assert all("النسخة الكاملة من العدد متاحة للمشتركين" not in a.paragraphs for a in result.output)
    assert result.stats.removed_by_rule["boilerplate:site_recurring"] == 9


OUTLETS = sorted((PAGES / "outlets").glob("*.txt"))


@pytest.mark.parametrize("path", OUTLETS, ids=lambda p: p.stem)
def test_outlet_layouts_with_generic_rules_only(path):
    """Pages in the layouts of outlets that have no profile: the generic rules alone must
    find each article, its captions, related titles, date and dateline, and leave no furniture."""
    import dataclasses
    import json

    from tasks.dates import parse_date
    from tasks.profiles import load_rulebook

    expected = json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))
    book = dataclasses.replace(load_rulebook(), profiles=())
    articles = strip_page(page_of(path), book).articles
    assert len(articles) == len(expected["articles"])
    for article, want in zip(articles, expected["articles"]):
        assert article.title == want["title"]
        assert len(article.paragraphs) == want["paragraphs"], article.paragraphs
        assert len(article.captions) == want["captions"]
        assert [r["title"] for r in article.related] == want["related"]
        published = parse_date(article.published_raw)
        assert (published.date().isoformat() if published else None) == want["published"]
        assert article.dateline == want["dateline"]
        assert article.source_credit == want["source_credit"]
        if "subtitle" in want:
            assert article.subtitle == want["subtitle"]
        if "tags" in want:
            assert article.tags == want["tags"]
        assert article.author == want.get("author")
        body = "\n".join(article.paragraphs)
        for phrase in expected["not_in_body"]:
            assert phrase not in body and phrase != article.title


def test_teaser_byline_with_two_places_is_a_byline_not_an_author_line():
    first, _ = strip_page(page_of(seed("003"))).articles
    assert "«الشرق الأوسط» (كييف - موسكو)" in [r["byline"] for r in first.related]
    assert len(first.related) == 5


FIXTURE_PAGES = sorted(SEEDS.glob("*.txt")) + OUTLETS


def test_every_profile_has_a_fixture_page_that_it_matches_and_names_the_publisher():
    from tasks.profiles import load_rulebook

    book = load_rulebook()
    matched = {}
    for path in FIXTURE_PAGES:
        page = page_of(path)
        stripped = strip_page(page, book)
        if stripped.profile is not None:
            matched.setdefault(stripped.profile.key, []).append(path.name)
            assert {a.publisher for a in stripped.articles} == {stripped.profile.publisher}
    assert sorted(matched) == sorted(p.key for p in book.profiles), "profiles without a fixture page"


@pytest.mark.parametrize("path", OUTLETS, ids=lambda p: p.stem)
def test_an_outlet_page_matches_its_own_profile_and_no_other(path):
    """Outlet fixtures are named by profile id; a marker must not claim another outlet's page."""
    assert strip_page(page_of(path)).profile.id == path.stem


def test_an_html_pages_title_loses_the_section_and_site_names_after_its_headline(tmp_path):
    """A <title> is often "headline | section | site"; trafilatura cuts the last part only: the
    article's title is the headline."""
    headline = "ارتفاع صادرات مصر من الغاز المسال إلى أوروبا"
    body = "".join(f"<p>قالت وزارة البترول إن صادرات الغاز ارتفعت في الربع الثالث، وهذه الفقرة رقم {i} من الخبر.</p>"
                   for i in range(5))
    html = (f"<html><head><title>{headline} | اقتصاد | اليوم السابع</title></head><body>"
            f"<nav><a href='/'>الرئيسية</a></nav><article>{body}</article></body></html>")
    path = tmp_path / "page.html"
    path.write_text(html, encoding="utf-8")
    (article,) = strip_page(page_of(path)).articles
    assert article.title == headline
    assert len(article.paragraphs) == 5


def test_html_page_gets_the_same_arabic_rules_after_trafilatura():
    """trafilatura keeps an inline "اقرأ أيضا" paragraph and the comment-policy sentence; the
    Arabic rules take both out of the body, the first into `related`."""
    stripped = strip_page(page_of(PAGES / "html" / "skynews_article.html"))
    (article,) = stripped.articles
    assert article.title == "ارتفاع صادرات الإمارات غير النفطية إلى مستوى قياسي"
    assert len(article.paragraphs) == 4
    assert [r["title"] for r in article.related] == ["الإمارات والهند توقعان اتفاقية لتعزيز التبادل التجاري"]
    body = "\n".join(article.paragraphs)
    assert "اقرأ أيضا" not in body and "لا تعبر عن رأي" not in body and "الرئيسية" not in body
    assert article.publisher == "سكاي نيوز عربية"
    assert article.published_raw and article.published_raw.startswith("2024-07-02")
    assert stripped.removed_by_rule()["boilerplate:comments"] == 1
    # What the page's metadata says of its author and summary is kept with the article.
    assert article.author == "مريم الخطيب"
    assert article.description == "بلغت صادرات الإمارات غير النفطية مستوى قياسيا في النصف الأول من العام."


def test_a_section_front_is_not_an_article_and_keeps_its_teaser_titles():
    """Many headline + one-line summary teasers and no long body: no article row, one
    quarantine row `not_an_article` whose value holds the teaser titles."""
    result = strip_batch([page_of(PAGES / "section_front.txt")])
    assert result.output == []
    (rejection,) = result.rejections
    assert rejection.reason == "not_an_article"
    assert "البنك المركزي يبقي أسعار الفائدة دون تغيير للمرة الثالثة" in rejection.value
    assert "مجلس المنافسة يفتح تحقيقا في سوق الأدوية" in rejection.value


def test_an_html_section_front_is_not_an_article_by_its_markup_and_an_html_article_is():
    """Teaser cards (a headline link and a one-line summary each), a one-word section URL, no
    paragraph of prose: the markup says listing, whatever trafilatura extracted from it. The
    article page of the same layout family stays an article."""
    result = strip_batch([page_of(PAGES / "html" / "section_front.html"), page_of(PAGES / "html" / "skynews_article.html")])
    (article,) = result.output
    assert article.source_uri.endswith("skynews_article.html")
    (rejection,) = result.rejections
    assert rejection.reason == "not_an_article" and rejection.source_uri.endswith("section_front.html")
    assert "البنك المركزي يبقي أسعار الفائدة دون تغيير للمرة الثالثة" in rejection.value
    def listing_note(name: str) -> str:
        return next(ln for ln in explain(page_of(PAGES / "html" / name)).splitlines() if ln.startswith("# listing page:"))

    listing, article_note = listing_note("section_front.html"), listing_note("skynews_article.html")
    assert listing.startswith("# listing page: yes, probability") and "by its markup" in listing
    assert article_note.startswith("# listing page: no, probability")


def test_a_short_news_brief_is_an_article_not_a_listing():
    path = PAGES / "section_front.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    brief = "\n".join(lines[7:9]) + "\n"          # one teaser's title and summary, alone on a page
    from tasks.records import InputRef as Ref
    page = extract(Ref("/brief.txt", "b" * 64, len(brief.encode())), brief.encode())
    (article,) = strip_page(page).articles
    assert article.paragraphs == [lines[8]]


def test_a_page_whose_only_title_candidate_is_the_site_name_is_written_with_a_null_title():
    """The site's name is the only short line above the body: it is no headline (one word),
    so the article is written with no title and a warning, never quarantined for it."""
    from datetime import datetime, timezone

    from tasks.normalize import normalize_batch
    from tasks.records import RunContext

    body = [line for line in seed("001").read_text(encoding="utf-8").splitlines()[2:11]]
    text = "\n".join(["CNN", ""] + body) + "\n"
    page = extract(InputRef("/site-name.txt", "e" * 64, len(text.encode())), text.encode())
    (article,) = strip_page(page).articles
    assert article.title is None and len(article.paragraphs) == len(body)
    run = RunContext("r", datetime(2026, 1, 1, tzinfo=timezone.utc), "t")
    (row,) = normalize_batch([article], run).output
    assert row["title"] is None and row["warnings"] == ["title_not_found"] and row["language"] == "ar"


def test_a_long_headline_right_above_the_body_is_the_title_not_its_first_paragraph():
    """A headline of a sentence's length (no final stop) between the menu and the body looks
    like the body's first paragraph; it is still the title, and not in the body."""
    body = seed("001").read_text(encoding="utf-8").splitlines()[2:11]
    headline = "الزعيم الكوري الشمالي كيم جونج أون يواصل زيارته إلى روسيا ويتفقد القاذفات الاستراتيجية الروسية"
    text = "\n".join(["الرئيسية", "أخبار", "سياسة", "اقتصاد", "رياضة", "", headline, ""] + body) + "\n"
    (article,) = strip_page(_text_page(text, "/long-headline.txt")).articles
    assert article.title == headline
    assert article.paragraphs == body


def test_of_a_headline_and_its_deck_the_upper_shorter_line_is_the_headline():
    from tasks.labels import Label
    from tasks.linerules import Line
    from tasks.segment import _headline_and_deck

    headline, deck, blank = "تركيا تفتتح أكبر مطار في شرق البلاد", "المطار الجديد يستوعب 10 ملايين مسافر سنويا ويخدم ولايات شرق الأناضول", ""
    lines = [Line(n, t, Label.TEXT if t else Label.BLANK) for n, t in enumerate((headline, blank, deck, "بقلم محمد"), 1)]
    assert _headline_and_deck(lines, 0, 2)
    assert not _headline_and_deck([lines[2], lines[1], lines[0]], 0, 2)    # a longer line above: a kicker, not a headline
    assert not _headline_and_deck(lines, 0, 3)                             # a line between them


def test_a_subtitle_is_never_the_only_main_text_of_an_article():
    """A headline-shaped first line is the subtitle only when main text follows it: else it
    is the body, and the article keeps it."""
    from tasks.labels import Label
    from tasks.linerules import Line
    from tasks.segment import Draft, _trim_by_shape

    first = "إذا كنت تبحث عن مساعدة في مشكلة قانونية فأدخل عنوانك في خانة البحث أدناه"
    texts = [Line(1, first, Label.TEXT, main=True), Line(2, "ابحث بالعنوان", Label.TEXT, main=False)]
    draft = Draft(position=0, title=None, paragraphs=[])
    assert _trim_by_shape(list(texts), draft)[0] is texts[0] and draft.subtitle is None
    texts.append(Line(3, "وتقدم المؤسسة تمويلا لمنظمات المساعدة القانونية في كل الولايات منذ عام 1974.", Label.TEXT,
                      main=True))
    assert _trim_by_shape(list(texts), draft)[0] is texts[1] and draft.subtitle == first


def test_a_title_line_loses_the_site_and_section_names_after_its_headline():
    from tasks.segment import headline_of

    headline = "الرئيس يستقبل وزير الخارجية الفرنسي في القاهرة"
    assert headline_of(f"{headline} - اليوم السابع") == headline
    assert headline_of(f"{headline} | سياسة | CNN بالعربية") == headline
    assert headline_of(headline) == headline
    # What follows the dash is a clause of the headline, not a name: the line stays whole.
    whole = f"{headline} – وزير الخارجية يؤكد أن المحادثات تناولت ملفات المنطقة كلها"
    assert headline_of(whole) == whole
    # Too little before the separator to be a headline.
    assert headline_of("عاجل - الرئيس يستقبل الوزير") == "عاجل - الرئيس يستقبل الوزير"


def test_on_html_the_lines_trafilatura_kept_are_not_judged_by_shape_again():
    """A list of short items inside an HTML article (menu-shaped, no punctuation) and a short
    first paragraph: trafilatura kept them as the article, and no generic shape rule removes
    them (on a text dump such lines are the content model's to judge)."""
    items = ["الطماطم والبصل", "زيت الزيتون", "الخبز الأسمر", "التمور والحليب"]
    body = ("<p>نشرت وزارة الصحة اليوم قائمة الأغذية التي تنصح بها خلال شهر رمضان، وقالت في بيان إن "
            "التوازن بين الوجبات يحفظ صحة الصائمين ويقيهم من الإرهاق خلال ساعات النهار الطويلة.</p>"
            "<p>ومن أبرز ما في القائمة:</p><ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"
            "<p>وأضافت الوزارة أن شرب الماء بكميات كافية بين الإفطار والسحور يبقى أهم نصيحة للصائمين، "
            "خصوصا مع ارتفاع درجات الحرارة في معظم مناطق البلاد خلال هذا الأسبوع.</p>")
    html = (f"<html><head><title>الصحة تنشر قائمة أغذية رمضان</title></head><body><article>"
            f"<h1>الصحة تنشر قائمة أغذية رمضان</h1>{body}</article></body></html>").encode()
    page = extract(InputRef("/ramadan.html", "f" * 64, len(html)), html)
    (article,) = strip_page(page).articles
    assert all(f"- {item}" in article.paragraphs for item in items), article.paragraphs   # trafilatura marks list items
    assert "ومن أبرز ما في القائمة:" in article.paragraphs


def _text_page(text: str, name: str = "/page.txt"):
    data = text.encode()
    return extract(InputRef(name, "c" * 64, len(data)), data)


MENU = [f"{word} {n}" for n in range(1, 40) for word in ("Services",)]


def test_an_article_whose_only_paragraph_drowns_in_menus_is_still_written():
    """The model finds no main text on a page of menus with one paragraph of prose: the
    likeliest paragraph is kept, so the page is an article row, not no_article."""
    paragraph = ("The municipal health team reported this morning that two of the five cars of the "
                 "home care unit had been broken into overnight, their batteries taken and their "
                 "windows damaged; a police report was filed and the patients booked for the morning "
                 "are being called to new appointments later this week.")
    menus = "\n".join(MENU)
    result = strip_batch([_text_page(f"{menus}\n\nCars broken into at the home care unit\n\n{paragraph}\n\n{menus}\n")])
    assert result.rejections == []
    (article,) = result.output
    assert article.paragraphs == [paragraph]


def test_a_japanese_article_keeps_its_body():
    """Words of a script written without spaces are its characters: a Japanese paragraph is
    prose, not one long "word" the model takes for a menu item."""
    body = ["先日、不正に改造した携帯電話を販売したとして、商標法違反の疑いで男性が逮捕されたというニュースがありました。",
            "報道によると、販売されたのは機能制限を解除した端末で、公式の店にない非公式のアプリを利用できるようになるとのことです。",
            "専門家は、こうした端末は安全性の更新を受けられず、個人情報が漏れるおそれがあると注意を呼びかけています。"]
    page = _text_page("\n".join(["ホーム", "ニュース", "スポーツ", "", "改造端末の販売で男性を逮捕", "", *body, "", "会社概要", "お問い合わせ"]))
    (article,) = strip_page(page).articles
    assert article.paragraphs == body


def test_a_paragraph_that_mentions_a_notice_is_prose_not_the_notice():
    """Copyright, cookie and comment notices are matched anywhere in a line; a paragraph long
    enough to be prose keeps its place in the body whatever notice it mentions."""
    paragraph = ("أقر البرلمان تعديلات على قانون حماية البيانات تلزم المواقع الإخبارية بنشر سياسة الخصوصية "
                 "بلغة واضحة، وبإبلاغ القراء قبل جمع ملفات تعريف الارتباط، وقال رئيس اللجنة إن جميع الحقوق "
                 "محفوظة للمستخدمين في الاطلاع على بياناتهم وتصحيحها وحذفها متى شاؤوا، وإن الهيئة ستراقب "
                 "التطبيق خلال الأشهر الستة المقبلة قبل فرض الغرامات على المخالفين من الناشرين والمعلنين.")
    notice = "جميع الحقوق محفوظة © 2024"
    page = _text_page(f"البرلمان يقر تعديلات قانون حماية البيانات\n\n{paragraph}\n\n{notice}\n")
    lines = {ln.text: ln for ln in strip_page(page).lines}
    assert lines[paragraph].label == "body"
    assert lines[notice].rule == "copyright"
