"""The benchmark's corpus: N HTML pages and N text dumps, deterministic, no two the same,
from the seeds' Arabic vocabulary.

The HTML pages are built like real Arabic news article pages, because extraction cost grows
with the page, not with the article: a head with the usual meta tags, JSON-LD, stylesheets,
inline critical CSS and ad/analytics scripts; a site chrome that is the same on every page
of an outlet (a mega-menu, a footer of section links), as on a real site; and around the
article the parts that change per page (a breaking-news ticker, share buttons, inline
"اقرأ أيضا" boxes, ad slots, tags, related-article cards, "most read" and "latest" lists,
a comment policy). Pages come out at ~45-60 KB; real article pages are 100-300 KB, often
half of it inline JSON and CSS. The text dumps are what a scraper's text export of such a
page looks like (the seeds' form).
"""
from __future__ import annotations

import random
from collections import Counter
from functools import lru_cache
from pathlib import Path

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

MONTHS = ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"]
OUTLETS = [("سكاي نيوز عربية", "skynewsarabia.example"), ("الجزيرة نت", "aljazeera.example"),
           ("العربية", "alarabiya.example"), ("الشرق الأوسط", "aawsat.example")]
NAV = ["الرئيسية", "أخبار", "سياسة", "اقتصاد", "رياضة", "ثقافة", "تكنولوجيا"]
SECTIONS = ["الخليج", "العالم العربي", "العالم", "اقتصاد", "رياضة", "منوعات", "صحة", "علوم وتكنولوجيا",
            "ثقافة وفن", "رأي", "فيديو", "صور"]
SHARE = ["فيسبوك", "تويتر", "واتساب", "تيليغرام", "لينكد إن", "نسخ الرابط"]
COMMENT_POLICY = ("التعليقات المنشورة تعبر عن آراء أصحابها ولا تعبر بالضرورة عن رأي الموقع. "
                  "يرجى الالتزام بآداب الحوار وعدم الإساءة.")


class Vocabulary:
    def __init__(self, seed: int):
        counts = Counter(w for p in sorted(SEEDS.glob("*.txt")) for w in p.read_text(encoding="utf-8").split()
                         if any("\u0621" <= c <= "\u064a" for c in w))
        self.words, self.weights = zip(*sorted(counts.items()))
        self.rng = random.Random(seed)

    def sentence(self, low: int, high: int) -> str:
        return " ".join(self.rng.choices(self.words, self.weights, k=self.rng.randint(low, high)))


def _head_assets(host: str) -> str:
    styles = "".join(f"<link rel='stylesheet' href='https://static.{host}/css/{name}.min.css?v=4.{i}'>"
                     for i, name in enumerate(("base", "grid", "header", "article", "cards", "footer", "fonts")))
    # Inline critical CSS, as the outlets ship it (rules over the page's classes).
    css = "".join(f".c{i}{{margin:{i % 7}px {i % 5}px;padding:{i % 3}px;font-size:{12 + i % 9}px;"
                  f"color:#{(i * 2654435761) % 0xFFFFFF:06x}}}" for i in range(260))
    ads = "".join(f"googletag.defineSlot('/2154/{host}/article/slot{i}',[[300,250],[728,90]],'ad-{i}')"
                  f".addService(googletag.pubads());" for i in range(10))
    return (f"{styles}<style>{css}</style>"
            "<script async src='https://www.googletagmanager.com/gtag/js?id=G-XXXX'></script>"
            "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}"
            "gtag('js',new Date());gtag('config','G-XXXX');</script>"
            f"<script>var googletag=googletag||{{cmd:[]}};googletag.cmd.push(function(){{{ads}"
            "googletag.enableServices();});</script>")


@lru_cache(maxsize=None)
def _site_chrome(outlet_no: int) -> tuple[str, str, str]:
    """An outlet's head assets, header (mega-menu) and footer: the same on all its pages."""
    outlet, host = OUTLETS[outlet_no]
    v = Vocabulary(seed=1000 + outlet_no)
    menu = "".join(
        f"<li class='menu-item has-sub'><a href='https://{host}/{i}'>{section}</a><ul class='sub-menu'>"
        + "".join(f"<li><a href='https://{host}/{i}/{j}'>{v.sentence(1, 3)}</a></li>" for j in range(14))
        + "</ul></li>" for i, section in enumerate(SECTIONS))
    header = (f"<div class='top-bar'><span class='today'>{v.sentence(2, 3)}</span><ul class='social'>"
              + "".join(f"<li><a href='https://social.example/{s}' aria-label='{s}'><svg viewBox='0 0 24 24'>"
                        f"<path d='M12 2C6.5 2 2 6.5 2 12s4.5 10 10 10 10-4.5 10-10S17.5 2 12 2z'/></svg></a></li>"
                        for s in SHARE[:4])
              + f"</ul></div><header class='site-header'><a class='logo' href='https://{host}/'>"
              f"<img src='https://static.{host}/logo.svg' alt='{outlet}'></a><nav class='main-nav'>"
              f"<ul class='menu'>{''.join(f'<li><a href=/{i}>{w}</a></li>' for i, w in enumerate(NAV))}{menu}</ul>"
              "</nav><form class='search' action='/search'><input name='q' placeholder='ابحث'>"
              "<button type='submit'>بحث</button></form></header>"
              f"<div class='offcanvas' aria-hidden='true'><nav class='mobile-nav'><ul>{menu}</ul></nav></div>")
    footer = ("<footer class='site-footer'><div class='footer-cols'>"
              + "".join(f"<div class='col'><h4>{section}</h4><ul>"
                        + "".join(f"<li><a href='https://{host}/{i}/f{j}'>{v.sentence(1, 3)}</a></li>" for j in range(8))
                        + "</ul></div>" for i, section in enumerate(SECTIONS))
              + f"</div><div class='apps'><a href='https://apps.example/ios'>حمل التطبيق</a>"
              f"<a href='https://apps.example/android'>جوجل بلاي</a></div>"
              f"<p class='copyright'>جميع الحقوق محفوظة © 2024 {outlet}</p></footer>"
              "<script src='https://static.example/js/vendor.min.js' defer></script>"
              "<script src='https://static.example/js/article.min.js' defer></script>"
              "<script>(function(){var s=document.createElement('script');s.src='https://cdn.example/comments.js';"
              "document.body.appendChild(s);})();</script>")
    return _head_assets(host), header, footer


def _card(v: Vocabulary, host: str, n: int, i: int, kind: str) -> str:
    """A teaser card as news sites mark them up (picture with sources, category, title, time)."""
    img = f"https://img.{host}/{n % 997}/{kind}-{i}"
    return (f"<div class='card card-{kind}'><a class='card-link' href='https://{host}/news/{n}-{kind}-{i}'>"
            f"<div class='card-media'><picture><source media='(min-width:768px)' srcset='{img}-w640.webp'>"
            f"<source srcset='{img}-w320.webp'><img loading='lazy' src='{img}.jpg' alt=''></picture>"
            f"<span class='icon-play'><svg viewBox='0 0 24 24'><path d='M8 5v14l11-7z'/></svg></span></div>"
            f"<div class='card-body'><span class='cat'>{SECTIONS[(n + i) % len(SECTIONS)]}</span>"
            f"<h3 class='card-title'>{v.sentence(5, 10)}</h3><time class='ago'>{1 + i} ساعة</time></div></a></div>")


def html_page(v: Vocabulary, n: int) -> str:
    rng = v.rng
    outlet_no = n % len(OUTLETS)
    outlet, host = OUTLETS[outlet_no]
    head_assets, header, footer = _site_chrome(outlet_no)
    title = f"{v.sentence(6, 11)} {n}"
    published = f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}T08:{n % 60:02d}:00+03:00"
    paragraphs = [f"<p>{v.sentence(25, 60)}.</p>" for _ in range(rng.randint(4, 9))]
    for k in range(2, len(paragraphs), 3):        # ad slots and "read also" boxes between paragraphs
        paragraphs.insert(k, f"<div class='ad-slot' id='ad-{k}'><script>googletag.cmd.push(function()"
                             f"{{googletag.display('ad-{k}');}});</script></div>"
                             f"<div class='read-also'><span>اقرأ أيضا</span><a href='https://{host}/news/{n}-r{k}'>"
                             f"{v.sentence(5, 9)}</a></div>")
    body = "".join(paragraphs)
    caption = f"{v.sentence(4, 8)} (أرشيفية)"
    byline = v.sentence(2, 3)
    layout = n % 3
    share = "<div class='share'>" + "".join(f"<a class='share-{i}' href='#'>{s}</a>" for i, s in enumerate(SHARE)) + "</div>"
    figure = f"<figure><img src='https://img.{host}/{n}.jpg' alt='{caption}'><figcaption>{caption}</figcaption></figure>"
    if layout == 0:
        main = (f"<article><h1>{title}</h1>{share}{figure}{body}"
                f"<p>اقرأ أيضا: {v.sentence(5, 9)}</p></article>")
    elif layout == 1:
        main = (f"<main><div class='story'><h1 class='headline'>{title}</h1><div class='byline'>كتب- {byline}</div>"
                f"{share}{figure}<div class='story-body'>{body}</div></div></main>")
    else:
        main = (f"<div id='content'><h2>{title}</h2><span class='date'>{1 + n % 28} {MONTHS[n % 12]} 2024</span>"
                f"{figure}{body}</div>")
    tags = "<div class='tags'>الوسوم: " + " ".join(f"<a href='/tag/{n}-{i}'>{v.sentence(1, 2)}</a>" for i in range(6)) + "</div>"
    ticker = ("<div class='breaking'><span>عاجل</span><ul>"
              + "".join(f"<li><a href='https://{host}/news/{n}-b{i}'>{v.sentence(6, 12)}</a></li>" for i in range(8))
              + "</ul></div>")
    related = ("<section class='related'><h3>مقالات ذات صلة</h3>"
               + "".join(_card(v, host, n, i, "related") for i in range(12)) + "</section>")
    sidebar = ("<aside class='sidebar'><div class='most-read'><h3>الأكثر قراءة</h3><ol>"
               + "".join(f"<li><a href='https://{host}/news/{n}-m{i}'>{v.sentence(5, 10)}</a></li>" for i in range(10))
               + "</ol></div><div class='latest'><h3>آخر الأخبار</h3>"
               + "".join(_card(v, host, n, i, "latest") for i in range(10))
               + "</div><div class='newsletter'><h3>النشرة البريدية</h3><form><input type='email' placeholder='بريدك الإلكتروني'>"
               "<button>اشترك</button></form></div></aside>")
    more = (f"<section class='more'><h3>المزيد من {SECTIONS[n % len(SECTIONS)]}</h3>"
            + "".join(_card(v, host, n, i, "more") for i in range(12))
            + "</section><section class='videos'><h3>فيديو</h3>"
            + "".join(_card(v, host, n, i, "video") for i in range(8)) + "</section>")
    comments = f"<section class='comments'><h3>التعليقات</h3><p class='policy'>{COMMENT_POLICY}</p></section>"
    json_ld = ('<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",'
               f'"headline":"{title}","datePublished":"{published}","dateModified":"{published}",'
               f'"image":["https://img.{host}/{n}.jpg"],"author":{{"@type":"Person","name":"{byline}"}},'
               f'"publisher":{{"@type":"Organization","name":"{outlet}","logo":{{"@type":"ImageObject",'
               f'"url":"https://static.{host}/logo.svg"}}}},"mainEntityOfPage":"https://{host}/news/{n}"}}</script>')
    return (f"<!DOCTYPE html><html lang='ar' dir='rtl'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>{title} | {outlet}</title>"
            f"<meta name='description' content='{v.sentence(12, 20)}'>"
            f"<meta property='og:site_name' content='{outlet}'><meta property='og:url' content='https://{host}/news/{n}'>"
            f"<meta property='og:type' content='article'><meta property='og:title' content='{title}'>"
            f"<meta property='og:image' content='https://img.{host}/{n}.jpg'><meta name='twitter:card' content='summary_large_image'>"
            f"<meta property='article:published_time' content='{published}'>"
            f"<link rel='canonical' href='https://{host}/news/{n}'>{head_assets}{json_ld}</head>"
            f"<body class='article-page'>{header}{ticker}<nav class='breadcrumb'><a href='/'>الرئيسية</a> › "
            f"<a href='/{n % len(SECTIONS)}'>{SECTIONS[n % len(SECTIONS)]}</a></nav><div class='layout'>"
            f"{main}{tags}{related}{comments}{sidebar}</div>{more}{footer}</body></html>")


def text_dump(v: Vocabulary, n: int) -> str:
    rng = v.rng
    outlet, _ = OUTLETS[n % len(OUTLETS)]
    lines = list(NAV[: rng.randint(3, 7)])
    lines += [f"{v.sentence(6, 11)} {n}", f"{1 + n % 28} {MONTHS[n % 12]} 2024", f"{v.sentence(4, 8)} (أرشيفية)", "TT"]
    lines += [f"{v.sentence(25, 60)}." for _ in range(rng.randint(3, 8))]
    lines += ["اقرأ أيضا", *(v.sentence(5, 9) for _ in range(3))]
    lines += [f"المصدر: {outlet}", f"الوسوم: {v.sentence(3, 5)}", f"جميع الحقوق محفوظة © 2024 {outlet}"]
    return "\n".join(lines) + "\n"


def build(root: Path, n: int, seed: int = 9) -> tuple[Path, Path]:
    html, text = root / "html", root / "text"
    html.mkdir(parents=True)
    text.mkdir(parents=True)
    v = Vocabulary(seed)
    for i in range(n):
        (html / f"{i:06d}.html").write_text(html_page(v, i), encoding="utf-8")
        (text / f"{i:06d}.txt").write_text(text_dump(v, i), encoding="utf-8")
    return html, text
