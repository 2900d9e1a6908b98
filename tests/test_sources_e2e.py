"""Feeds, sitemaps and URL lists through the whole flow, against a real server on 127.0.0.1:
pages become articles, every failure a quarantine row naming its URL, transient ones retried,
and a second run fetches only what changed."""
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from flows.ingest import ingest
from tests.conftest import TEST_FETCH

pytestmark = pytest.mark.e2e


def test_feed_sitemap_and_url_list_end_to_end(prefect_api, news_server, tmp_path):
    base = news_server.base
    urls = tmp_path / "urls.txt"
    urls.write_text(f"# more pages\n{base}/articles/utf8.html\n{base}/missing.html\n", encoding="utf-8")
    out = tmp_path / "data"
    sources = [f"{base}/feed.xml", f"{base}/sitemap_index.xml", str(urls)]
    report = ingest(sources=sources, out=str(out), fetch=TEST_FETCH)

    articles = ds.dataset(out / "articles", format="parquet").to_table().to_pylist()
    titles = {Path(a["url"]).name: a["title"] for a in articles}
    assert titles == {"utf8.html": "الصحة تعلن خطة لتطوير المستشفيات الحكومية",
                      "cp1256.html": "وزير التعليم يفتتح مدارس جديدة في الجنوب",      # windows-1256 decoded
                      "iso8859-6.html": "افتتاح معرض الكتاب في العاصمة",              # ISO-8859-6 decoded
                      "flaky.html": "خبر نجح جلبه في المحاولة الثالثة"}
    assert news_server.hits["/flaky.html"] == 3                                         # two retries
    assert all(a["fetched_at"] is not None and a["published_at"] is not None for a in articles)
    quarantine = {Path(q["source_uri"]).name: q["reason"]
                  for q in ds.dataset(out / "quarantine", format="parquet").to_table().to_pylist()}
    assert quarantine == {"secret.html": "robots_disallowed", "missing.html": "http_404", "slow.html": "timeout",
                          "loop1": "redirect_loop", "big.html": "too_large", "image.png": "not_html"}
    assert report["inputs"] == 10 == report["documents_with_articles"] + report["quarantined"] + report["unchanged"]
    assert (out / "raw").is_dir() and len(list((out / "raw").rglob("*.zst"))) >= 6

    # Scheduled again: pages answer 304 Not Modified and nothing is written.
    again = ingest(sources=sources, out=str(out), fetch=TEST_FETCH)
    assert again["unchanged"] == 4 and again["articles"] == 0
    assert news_server.conditional_hits["/articles/utf8.html"] >= 1


def test_a_warc_archive_end_to_end(prefect_api, tmp_path):
    from tests.newsserver import article
    from tests.test_sources import write_warc

    pages = [(f"http://news.example/{n}", article(f"خبر رقم {n} من الأرشيف").encode(), "text/html") for n in range(3)]
    starts = write_warc(tmp_path / "crawl.warc.gz", pages)
    write_warc(tmp_path / "cut.warc.gz", pages, truncate_at=starts[1] + 100)
    out = tmp_path / "data"
    report = ingest(sources=[str(tmp_path / "crawl.warc.gz"), str(tmp_path / "cut.warc.gz")], out=str(out))
    rows = ds.dataset(out / "articles", format="parquet").to_table().to_pylist()
    assert sorted(r["url"] for r in rows) == [p[0] for p in pages]                 # the cut copy's first is unchanged
    assert all(r["fetched_at"] is not None for r in rows)
    assert report["quarantine_reasons"] == {"warc_record_unreadable": 1}
    assert report["inputs"] == 5 and report["unchanged"] == 1


def test_khabar_run_on_a_feed_url_twice(prefect_api, news_server, tmp_path):
    import os
    import subprocess
    import sys

    from prefect.settings import PREFECT_API_URL

    from tests.conftest import ROOT

    feed, out = f"{news_server.base}/good-feed.xml", tmp_path / "data"
    command = [sys.executable, "-m", "flows.cli", "run", feed, "--out", str(out), "--allow-private", "--host-interval", "0"]
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "PYTHONPATH": str(ROOT)}
    first = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr[-2000:]
    rows = ds.dataset(out / "articles", format="parquet").to_table().to_pylist()
    assert sorted(Path(r["url"]).name for r in rows) == ["cp1256.html", "iso8859-6.html", "utf8.html"]
    assert all(r["title"] and len(r["body"].split()) > 40 and r["published_at"] is not None for r in rows)
    plain_hits = sum(news_server.hits.get(p, 0) for p in news_server.hits if p.startswith("/articles/"))

    second = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stderr[-2000:]
    assert "unchanged 3" in second.stdout and "dataset unchanged" in second.stdout
    assert ds.dataset(out / "articles", format="parquet").to_table().num_rows == 3
    # The second run only asked "changed since?" and got 304s: no page was sent again.
    assert sum(news_server.conditional_hits.get(p, 0) for p in news_server.conditional_hits if p.startswith("/articles/")) == 3
    assert sum(news_server.hits.get(p, 0) for p in news_server.hits if p.startswith("/articles/")) == plain_hits + 3
