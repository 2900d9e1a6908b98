"""What a source holds: URL lists, feeds, sitemaps (gzip too), WARC archives — by content."""
import gzip
from io import BytesIO

import pytest

from tasks.discover import discover, keep_newest_captures
from tasks.sources import feed_links, is_warc, sitemap_links, url_list, warc_html_records, xml_kind
from tests.newsserver import article, rss, urlset

BASE = "http://news.example"


def write_warc(path, pages, truncate_at=None):
    """A WARC.gz with HTML responses, an image response and a request record."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buffer = BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    starts = []                             # where each response record begins
    for url, html, content_type, *date in pages:
        starts.append(buffer.tell())
        headers = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
        warc_headers = {"WARC-Date": date[0]} if date else None
        writer.write_record(writer.create_warc_record(url, "response", payload=BytesIO(html), http_headers=headers,
                                                      warc_headers_dict=warc_headers))
        writer.write_record(writer.create_warc_record(url, "request", payload=BytesIO(b"GET / HTTP/1.1\r\n\r\n")))
    data = buffer.getvalue()
    path.write_bytes(data[:truncate_at] if truncate_at else data)
    return starts


def test_url_lists_feeds_and_sitemaps_are_told_apart_by_content():
    def urls(data):
        listed = url_list(data)
        return listed.urls if listed is not None else None

    assert urls(b"# wire\nhttps://a.example/1\n\nhttp://b.example/2\n") == ["https://a.example/1", "http://b.example/2"]
    assert urls("خبر\nhttps://a.example/1".encode()) is None
    # Decided on the first line when it is not a URL, but a long comment header, a URL cut at
    # the end of the sniffed head and a last non-URL line are judged on the whole file.
    header = b"# " + b"x" * 5000 + b"\n"
    assert urls(header + b"https://a.example/1\n") == ["https://a.example/1"]
    assert urls(b"\n" * 4092 + b"https://a.example/1\n") == ["https://a.example/1"]     # head ends "http"
    assert urls(b"\r\n# wire\rhttps://a.example/1\r") == ["https://a.example/1"]
    # A page that starts with its own URL is a page: most of its lines are text.
    assert urls(("https://a.example/1\n" + "خبر عاجل من العاصمة\n" * 3).encode()) is None
    assert xml_kind(rss(BASE, ["/a"])) == "feed" and xml_kind(urlset(BASE, ["/a"])) == "sitemap"
    assert xml_kind(gzip.compress(urlset(BASE, ["/a"]))) == "sitemap"
    assert feed_links(rss(BASE, ["/a", "/b", "/a"])) == [f"{BASE}/a", f"{BASE}/b"]
    assert sitemap_links(gzip.compress(urlset(BASE, ["/x", "/y"]))) == ([f"{BASE}/x", f"{BASE}/y"], [])
    index = b"<sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'><sitemap><loc>http://n.example/s1.xml</loc></sitemap></sitemapindex>"
    assert sitemap_links(index) == ([], ["http://n.example/s1.xml"])


def test_a_sitemap_with_entity_expansion_expands_nothing():
    bomb = (b"<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'><!ENTITY lol2 '&lol;&lol;&lol;&lol;'>"
            b"<!ENTITY ext SYSTEM 'file:///etc/passwd'>]>"
            b"<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'><url><loc>http://a.example/&lol2;&ext;</loc></url></urlset>")
    pages, _ = sitemap_links(bomb)
    assert all("lollol" not in p and "root:" not in p for p in pages)


def test_warc_html_responses_are_streamed_with_url_and_date(tmp_path):
    warc = tmp_path / "crawl.warc.gz"
    write_warc(warc, [(f"{BASE}/1", article("خبر أول").encode(), "text/html; charset=utf-8"),
                      (f"{BASE}/logo.png", b"\x89PNG", "image/png"),
                      (f"{BASE}/2", article("خبر ثان").encode(), "text/html")])
    assert is_warc(warc.read_bytes()[:100])
    records = list(warc_html_records(warc, 2**20))
    assert [r.url for r in records] == [f"{BASE}/1", f"{BASE}/2"]
    assert all(r.payload.startswith(b"<!DOCTYPE html>") and r.fetched_at is not None and not r.error for r in records)
    assert [r.charset for r in records] == ["utf-8", None]          # from each response's Content-Type


def test_a_truncated_warc_gives_its_good_records_and_one_quarantined(tmp_path):
    warc = tmp_path / "cut.warc.gz"
    pages = [(f"{BASE}/{n}", article(f"خبر {n}").encode(), "text/html") for n in range(3)]
    starts = write_warc(warc, pages)
    write_warc(warc, pages, truncate_at=starts[2] + 200)      # cut inside the third response
    found = discover([str(warc)], set(), tmp_path / "raw")
    assert len(found.new) == 2 and [r.url for r in found.new] == [f"{BASE}/0", f"{BASE}/1"]
    assert [r.reason for r in found.rejections] == ["warc_record_unreadable"]
    assert found.inputs == 3


def test_discovery_sorts_files_warcs_and_url_lists(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "page.html").write_text(article("خبر"), encoding="utf-8")
    (tmp_path / "in" / "urls.txt").write_text(f"{BASE}/a\n{BASE}/b\n{BASE}/a\n", encoding="utf-8")
    write_warc(tmp_path / "in" / "crawl.warc.gz", [(f"{BASE}/w", article("خبر من الأرشيف").encode(), "text/html")])
    found = discover([str(tmp_path / "in")], set(), tmp_path / "raw")
    assert found.urls == [f"{BASE}/a", f"{BASE}/b"]
    assert sorted(r.url or "file" for r in found.new) == ["file", f"{BASE}/w"]
    warc_ref = next(r for r in found.new if r.url)
    assert warc_ref.raw and warc_ref.source_uri == f"{BASE}/w" and warc_ref.fetched_at is not None


def test_a_file_is_identified_by_the_hash_of_all_its_bytes_small_or_large(tmp_path):
    import hashlib

    from tasks.discover import SNIFF_BYTES

    small, exact, large = tmp_path / "small.txt", tmp_path / "exact.txt", tmp_path / "large.html"
    small.write_text(article("خبر"), encoding="utf-8")
    exact.write_bytes(b"x" * SNIFF_BYTES)
    large.write_text(article("خبر طويل") * 40, encoding="utf-8")
    assert large.stat().st_size > SNIFF_BYTES
    found = discover([str(small), str(exact), str(large)], set())
    assert {(r.doc_id, r.size) for r in found.new} == {
        (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_size) for p in (small, exact, large)}


def test_named_sources_come_from_sources_yaml(tmp_path):
    from tasks.sources import SOURCES_FILE, named_sources

    assert named_sources("seeds") == [str(SOURCES_FILE.parent / "seeds")] and SOURCES_FILE.name == "sources.yaml"
    assert named_sources("no-such-name") is None
    custom = tmp_path / "sources.yaml"
    custom.write_text("sources:\n  wire: [https://a.example/rss.xml, drops/]\n", encoding="utf-8")
    # Relative paths are the file's, whatever the current directory.
    assert named_sources("wire", custom) == ["https://a.example/rss.xml", str(tmp_path / "drops")]


def test_a_url_captured_twice_keeps_its_newest_capture_and_quarantines_the_other(tmp_path):
    warc = tmp_path / "recrawl.warc.gz"
    starts = write_warc(warc, [(f"{BASE}/live", article("خبر عاجل").encode(), "text/html", "2024-06-03T10:00:00Z"),
                               (f"{BASE}/live", article("خبر عاجل محدث").encode(), "text/html", "2024-06-03T12:00:00Z"),
                               (f"{BASE}/live", article("خبر عاجل أول").encode(), "text/html", "2024-06-03T08:00:00Z"),
                               (f"{BASE}/other", article("خبر آخر").encode(), "text/html")])
    found = discover([str(warc)], set(), tmp_path / "raw")
    keep_newest_captures(found)
    assert [(r.source_uri, r.fetched_at.hour) for r in found.new if r.source_uri.endswith("/live")] == [(f"{BASE}/live", 12)]
    assert len(found.new) == 2 and found.inputs == 4
    assert sorted(r.source_uri for r in found.rejections) == [f"{warc.name}#{starts[0]}", f"{warc.name}#{starts[2]}"]
    assert {r.reason for r in found.rejections} == {"superseded"}
    assert "2024-06-03T12:00:00+00:00 over 2024-06-03T08:00:00+00:00" in found.rejections[1].detail


@pytest.mark.parametrize("text, says", [
    ("sources:\n  wire: [a, b\n", "is not valid YAML at line"),
    ("- seeds/\n- drops/\n", "expected `sources:` mapping"),
    ("sources: [seeds/]\n", "expected `sources:` mapping"),
    ("sources:\n  wire: {a: 1}\n", "entry 'wire' must be a list"),
    ("sources:\n  a: [b]\n  b: [a]\n", "entry 'b' leads back to 'a' (a -> b -> a)"),
])
def test_sources_yaml_problems_are_one_line_naming_the_file_and_entry(tmp_path, text, says):
    """Item 14 of "Reliability, second round": a broken sources.yaml is one clear line."""
    from tasks.sources import SourcesFileError, named_sources

    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SourcesFileError) as raised:
        named_sources("a" if "leads back" in says else "wire", path)
    message = str(raised.value)
    assert message.startswith(f"{path}: ") and says in message and "\n" not in message


def test_a_named_source_written_as_one_string_and_names_inside_names_expand(tmp_path):
    from tasks.sources import named_sources

    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  wire: https://a.example/rss.xml\n  all: [wire, drops/]\n", encoding="utf-8")
    assert named_sources("wire", path) == ["https://a.example/rss.xml"]
    assert named_sources("all", path) == ["https://a.example/rss.xml", str(tmp_path / "drops")]


def test_khabar_run_on_a_broken_sources_yaml_exits_2_with_one_line(tmp_path, monkeypatch, capsys):
    import tasks.sources
    from flows.cli import main

    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  loop: [other]\n  other: [loop]\n", encoding="utf-8")
    monkeypatch.setattr(tasks.sources, "SOURCES_FILE", path)
    monkeypatch.chdir(tmp_path)
    assert main(["run", "loop", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "leads back to 'loop'" in err and str(path) in err


def test_a_named_source_runs_from_any_directory_and_a_missing_one_is_one_line(tmp_path, monkeypatch, capsys):
    """Issue "First contact" item 4: `cd /tmp && khabar run NAME` finds NAME's paths beside
    sources.yaml; a named path that does not exist is one line, exit 2."""
    import tasks.sources
    from flows.cli import main

    (tmp_path / "project" / "pages").mkdir(parents=True)
    path = tmp_path / "project" / "sources.yaml"
    path.write_text("sources:\n  here: [pages/]\n  gone: [missing/]\n", encoding="utf-8")
    monkeypatch.setattr(tasks.sources, "SOURCES_FILE", path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert tasks.sources.named_sources("here") == [str(tmp_path / "project" / "pages")]
    assert main(["run", "gone", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "missing" in err


def _warc_with_a_lying_length(gzipped: bool, length: bytes) -> bytes:
    """Three HTML responses; the second declares `length` as its Content-Length."""
    import re

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    members = []
    for i in range(3):
        buffer = BytesIO()
        writer = WARCWriter(buffer, gzip=False)
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(f"{BASE}/{i}", "response", http_headers=headers,
                                                      payload=BytesIO(article(f"خبر رقم {i}").encode())))
        data = buffer.getvalue()
        if i == 1:
            data = re.sub(rb"\r\nContent-Length: \d+\r\n", b"\r\nContent-Length: " + length + b"\r\n", data, count=1)
        members.append(gzip.compress(data) if gzipped else data)
    return b"".join(members)


@pytest.mark.parametrize("gzipped", [False, True])
@pytest.mark.parametrize("length", [b"1000000000000000", b"-5", b"abc"])
def test_a_record_with_a_bad_length_does_not_swallow_the_records_after_it(tmp_path, gzipped, length):
    """Item 3 of "Reliability, second round": the reader resynchronises on the next record;
    the bad one is a row naming the bytes skipped."""
    warc = tmp_path / ("bad.warc.gz" if gzipped else "bad.warc")
    warc.write_bytes(_warc_with_a_lying_length(gzipped, length))
    records = list(warc_html_records(warc, 2**20))
    good = [r.url for r in records if r.payload is not None]
    assert f"{BASE}/0" in good and f"{BASE}/2" in good
    assert any(r.error and "skipped" in r.error for r in records) or good == [f"{BASE}/{i}" for i in range(3)]
    found = discover([str(warc)], set(), tmp_path / "raw")
    assert {r.url for r in found.new} >= {f"{BASE}/0", f"{BASE}/2"}


def test_a_garbled_warc_is_read_to_its_end_whatever_its_bytes(tmp_path):
    """Resynchronising always moves forward: 60 archives with bytes overwritten at random
    places (fixed seed) each end, and every record's row names a place in the file."""
    import random
    import threading

    rng = random.Random(7)
    clean = _warc_with_a_lying_length(True, b"10") + _warc_with_a_lying_length(False, b"abc")
    results = []

    def read_all():
        for n in range(60):
            data = bytearray(clean)
            for _ in range(rng.randint(1, 6)):
                at = rng.randrange(len(data))
                data[at:at + 8] = bytes(rng.randrange(256) for _ in range(8))
            path = tmp_path / f"g{n}.warc"
            path.write_bytes(bytes(data))
            results.append([r.offset for r in warc_html_records(path, 2**20)])

    reader = threading.Thread(target=read_all, daemon=True)
    reader.start()
    reader.join(timeout=60)
    assert not reader.is_alive() and len(results) == 60
    assert all(0 <= offset <= len(clean) for offsets in results for offset in offsets)


def test_a_url_list_of_any_size_keeps_every_url_and_quarantines_each_bad_line(tmp_path):
    """Items 16 and 17 of "Reliability, second round": a list over 64 KB, or with a file://,
    javascript: or ftp:// line, is still a list; every URL is kept (no cap); each bad line
    is its own quarantine row."""
    many = [f"https://news.example/{i}" for i in range(120_000)]
    lines = many[:3] + ["file:///etc/passwd", "javascript:alert(1)", "ftp://news.example/x"] + many[3:]
    path = tmp_path / "urls.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert path.stat().st_size > 64 * 1024
    listed = url_list(path.read_bytes())
    assert listed.urls == many
    assert [(n, reason) for n, _, reason in listed.bad] == [(4, "unsupported_scheme"), (5, "unsupported_scheme"),
                                                             (6, "unsupported_scheme")]
    found = discover([str(path)], set())
    assert len(found.urls) == 120_000
    assert sorted((r.reason, r.source_uri.rsplit("#", 1)[1]) for r in found.rejections) == [
        ("unsupported_scheme", "line=4"), ("unsupported_scheme", "line=5"), ("unsupported_scheme", "line=6")]
