"""A real HTTP server on 127.0.0.1 serving Arabic news pages, a feed, sitemaps, robots.txt
and every failure a fetcher meets. Started by the `news_server` fixture (conftest.py)."""
from __future__ import annotations

import functools
import gzip
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BODY = ("أعلنت وزارة الصحة، اليوم الثلاثاء، عن خطة وطنية جديدة لتطوير المستشفيات الحكومية في جميع المحافظات، "
        "تشمل تحديث الأجهزة الطبية وتدريب الكوادر على أحدث أساليب العلاج.")


def article(title: str, charset: str = "utf-8", extra: str = "") -> str:
    paragraphs = "".join(f"<p>{BODY} ({n})</p>" for n in range(1, 5))
    return (f"<!DOCTYPE html><html lang='ar' dir='rtl'><head><meta charset='{charset}'><title>{title}</title>"
            f"<meta property='og:title' content='{title}'>"
            f"<meta property='article:published_time' content='2024-05-14T09:00:00+03:00'></head>"
            f"<body><nav><a href='/'>الرئيسية</a></nav><article><h1>{title}</h1>{paragraphs}{extra}</article>"
            f"<footer>جميع الحقوق محفوظة</footer></body></html>")


PAGES = {
    "/articles/utf8.html": article("الصحة تعلن خطة لتطوير المستشفيات الحكومية").encode("utf-8"),
    "/articles/cp1256.html": article("وزير التعليم يفتتح مدارس جديدة في الجنوب", "windows-1256").encode("cp1256"),
    "/articles/iso8859-6.html": article("افتتاح معرض الكتاب في العاصمة", "iso-8859-6").encode("iso8859_6"),
    "/private/secret.html": article("صفحة لا يسمح بجلبها").encode(),
}
LAST_MODIFIED = formatdate(time.time() - 3600, usegmt=True)


def rss(base: str, paths: list[str]) -> bytes:
    items = "".join(f"<item><title>خبر</title><link>{base}{p}</link></item>" for p in paths)
    return (f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>أخبار</title>"
            f"{items}</channel></rss>").encode()


def urlset(base: str, paths: list[str]) -> bytes:
    urls = "".join(f"<url><loc>{base}{p}</loc><news:news><news:title>خبر</news:title></news:news></url>" for p in paths)
    return ("<?xml version='1.0' encoding='UTF-8'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9' "
            f"xmlns:news='http://www.google.com/schemas/sitemap-news/0.9'>{urls}</urlset>").encode()


@functools.cache
def bomb() -> bytes:
    compressor = gzip.zlib.compressobj(9, gzip.zlib.DEFLATED, 16 + gzip.zlib.MAX_WBITS)
    zeros = bytes(2**20)
    return b"".join([*(compressor.compress(zeros) for _ in range(1024)), compressor.flush()])


class NewsServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server_address[1]}"
        self.hits: dict[str, int] = {}
        self.conditional_hits: dict[str, int] = {}
        self.hit_times: dict[str, list[float]] = {}        # time.monotonic() of each request
        self.lock = threading.Lock()

    def count(self, path: str, conditional: bool) -> int:
        with self.lock:
            self.hits[path] = self.hits.get(path, 0) + 1
            self.hit_times.setdefault(path, []).append(time.monotonic())
            if conditional:
                self.conditional_hits[path] = self.conditional_hits.get(path, 0) + 1
            return self.hits[path]


class Handler(BaseHTTPRequestHandler):
    server: NewsServer

    def log_message(self, *args):      # quiet
        pass

    def send(self, status: int, body: bytes = b"", content_type: str = "text/html; charset=utf-8", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if body:
            self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?")[0]
        etag_sent = self.headers.get("If-None-Match")
        n = self.server.count(path, bool(etag_sent or self.headers.get("If-Modified-Since")))
        base = self.server.base
        if path == "/robots.txt":
            return self.send(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
        if path in PAGES:
            etag = f'"{hash(PAGES[path]) & 0xffffffff:x}"'
            if etag_sent == etag:
                return self.send(304, headers=[("ETag", etag)])
            charset = "windows-1256" if "cp1256" in path else "iso-8859-6" if "8859" in path else "utf-8"
            return self.send(200, PAGES[path], f"text/html; charset={charset}",
                             [("ETag", etag), ("Last-Modified", LAST_MODIFIED)])
        if path == "/feed.xml":
            return self.send(200, rss(base, ["/articles/utf8.html", "/articles/cp1256.html", "/flaky.html",
                                             "/private/secret.html", "/missing.html"]), "application/rss+xml")
        if path == "/good-feed.xml":
            return self.send(200, rss(base, ["/articles/utf8.html", "/articles/cp1256.html",
                                             "/articles/iso8859-6.html"]), "application/rss+xml")
        if path == "/sitemap_index.xml":
            index = (f"<?xml version='1.0'?><sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
                     f"<sitemap><loc>{base}/sitemap-news.xml</loc></sitemap></sitemapindex>").encode()
            return self.send(200, index, "application/xml")
        if path == "/mixed_index.xml":      # one child is a corrupt gzip, the other is good
            index = (f"<?xml version='1.0'?><sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
                     f"<sitemap><loc>{base}/broken.xml.gz</loc></sitemap>"
                     f"<sitemap><loc>{base}/good-sitemap.xml</loc></sitemap></sitemapindex>").encode()
            return self.send(200, index, "application/xml")
        if path == "/broken.xml.gz":
            return self.send(200, b"\x1f\x8b\x08\x00" + bytes(range(256)), "application/x-gzip")
        if path == "/good-sitemap.xml":
            return self.send(200, urlset(base, ["/articles/utf8.html"]), "application/xml")
        if path == "/sitemap-news.xml":
            return self.send(200, urlset(base, ["/articles/iso8859-6.html", "/articles/utf8.html", "/slow.html",
                                                "/loop1", "/big.html", "/image.png"]), "application/xml")
        if path == "/flaky-feed.xml":      # a source URL that fails once, then works
            if n == 1:
                return self.send(503, b"busy")
            return self.send(200, rss(base, ["/articles/utf8.html"]), "application/rss+xml")
        if path in ("/busy.html", "/busy-date.html") and n == 1:     # asks for a wait, then works
            wait = ("1" if path == "/busy.html"
                    else formatdate(time.time() + 2, usegmt=True))
            return self.send(503, b"busy", headers=[("Retry-After", wait)])
        if path in ("/busy.html", "/busy-date.html"):
            return self.send(200, article("خبر جلب بعد المهلة التي طلبها الخادم").encode())
        if path == "/busy-long.html":      # asks for an hour
            return self.send(429, b"slow down", headers=[("Retry-After", "3600")])
        if path == "/flaky.html":          # fails twice, then works
            if n <= 2:
                return self.send(503, b"busy")
            return self.send(200, article("خبر نجح جلبه في المحاولة الثالثة").encode())
        if path == "/slow.html":
            time.sleep(3)
            return self.send(200, article("بطيء").encode())
        if path == "/loop1":
            return self.send(302, headers=[("Location", "/loop2")])
        if path == "/loop2":
            return self.send(302, headers=[("Location", "/loop1")])
        if path == "/to-other-loopback":
            port = self.server.server_address[1]
            return self.send(302, headers=[("Location", f"http://127.0.0.2:{port}/articles/utf8.html")])
        if path == "/big.html":
            return self.send(200, b"<html><body>" + b"<p>" + "كلمة ".encode() * 400_000 + b"</p></body></html>")
        if path in ("/bomb.html", "/gzip-gzip.html", "/gzip.html", "/br.html"):
            page = article("خبر مضغوط").encode()
            if path == "/bomb.html":       # 1 GB of zeros in one gzip layer: a few hundred kB sent
                body, encoding = bomb(), "gzip"
            elif path == "/gzip-gzip.html":
                body, encoding = gzip.compress(gzip.compress(page)), "gzip, gzip"
            elif path == "/br.html":
                body, encoding = page, "br"
            else:
                body, encoding = gzip.compress(page), "gzip"
            return self.send(200, body, headers=[("Content-Encoding", encoding)])
        if path == "/drip.html":           # each byte within the read timeout: only a total deadline ends it
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            try:
                for _ in range(1000):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.3)
            except OSError:
                pass                       # the client gave up, as it should
            return None
        if path == "/image.png":
            return self.send(200, b"\x89PNG\r\n\x1a\n" + bytes(100), "image/png")
        return self.send(404, b"not found")


def start() -> NewsServer:
    server = NewsServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
