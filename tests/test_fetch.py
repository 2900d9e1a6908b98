"""The fetcher against a real HTTP server on 127.0.0.1 (no Prefect: retries are tested end
to end in test_sources_e2e.py)."""
import pytest

from tasks import raw
from tasks.fetch import Fetcher, FetchError, FetchPolicy
from tests.conftest import TEST_FETCH


@pytest.fixture
def fetcher(tmp_path):
    f = Fetcher(FetchPolicy.from_settings(TEST_FETCH), tmp_path / "raw", raw.FetchState(tmp_path / "raw"))
    yield f
    f.close()


def reason(fetcher, url, **kw):
    with pytest.raises(FetchError) as e:
        fetcher.fetch(url, **kw)
    return e.value.reason, e.value.transient


def test_a_page_lands_in_the_raw_zone_and_a_second_fetch_is_conditional(fetcher, news_server):
    url = news_server.base + "/articles/utf8.html"
    first = fetcher.fetch(url)
    assert raw.get(first.raw_path).decode().startswith("<!DOCTYPE html>") and not first.not_modified
    second = fetcher.fetch(url)
    assert second.not_modified and second.doc_id == first.doc_id
    assert news_server.conditional_hits["/articles/utf8.html"] == 1
    # The response's charset travels with the page to extraction.
    legacy = fetcher.fetch(news_server.base + "/articles/cp1256.html")
    assert (first.charset, legacy.charset, legacy.ref("x").charset) == ("utf-8", "windows-1256", "windows-1256")


def test_every_failure_has_its_reason(fetcher, news_server):
    base = news_server.base
    assert reason(fetcher, base + "/private/secret.html") == ("robots_disallowed", False)
    assert reason(fetcher, base + "/missing.html") == ("http_404", False)
    assert reason(fetcher, base + "/flaky.html") == ("http_503", True)
    assert reason(fetcher, base + "/slow.html") == ("timeout", True)
    assert reason(fetcher, base + "/loop1") == ("redirect_loop", False)
    assert reason(fetcher, base + "/big.html") == ("too_large", False)
    assert reason(fetcher, base + "/image.png") == ("not_html", False)
    assert reason(fetcher, "ftp://example.com/x") == ("bad_url", False)


def test_private_and_loopback_addresses_are_refused_by_default_also_after_a_redirect(tmp_path, news_server):
    strict = Fetcher(FetchPolicy(min_interval=0, obey_robots=False), tmp_path / "raw")
    assert reason(strict, news_server.base + "/articles/utf8.html")[0] == "private_address"
    assert reason(strict, news_server.base.replace("127.0.0.1", "localhost") + "/articles/utf8.html")[0] == "private_address"
    # 127.0.0.1 allowed, the redirect's 127.0.0.2 is not: refused before connecting.
    only_server = Fetcher(FetchPolicy.from_settings({**TEST_FETCH, "obey_robots": False}), tmp_path / "raw2")
    assert reason(only_server, news_server.base + "/to-other-loopback")[0] == "private_address"
    assert "/articles/utf8.html" not in news_server.hits


def test_per_host_interval_is_kept(tmp_path, news_server):
    import time

    polite = Fetcher(FetchPolicy.from_settings({**TEST_FETCH, "min_interval": 0.3, "obey_robots": False}), tmp_path / "raw")
    started = time.monotonic()
    for _ in range(3):
        polite.fetch(news_server.base + "/articles/utf8.html")
    assert time.monotonic() - started >= 0.6


@pytest.mark.parametrize("address, public", [
    ("93.184.216.34", True), ("2606:2800:220:1:248:1893:25c8:1946", True), ("8.8.8.8", True),
    ("127.0.0.1", False), ("10.0.0.1", False), ("192.168.1.1", False), ("172.16.0.1", False),
    ("169.254.169.254", False), ("100.64.0.1", False), ("100.100.100.200", False),    # carrier-grade NAT
    ("0.0.0.0", False), ("224.0.0.1", False), ("192.0.2.1", False), ("198.18.0.1", False),
    ("::1", False), ("fe80::1", False), ("fc00::1", False), ("ff02::1", False),
    ("::ffff:127.0.0.1", False), ("::ffff:93.184.216.34", True),                     # IPv4-mapped
    ("2002:7f00:1::", False), ("2002:5db8:d822::1", True),                            # 6to4
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", False),                                  # Teredo → 127.0.0.1
    ("64:ff9b::7f00:1", False), ("64:ff9b::a9fe:a9fe", False),                        # NAT64
])
def test_only_global_addresses_are_public_embedded_ipv4_included(address, public):
    """A pure decision over a table of addresses: nothing connects to any of them."""
    from tasks.fetch import is_public

    assert is_public(address) is public


def test_stacked_content_encoding_bombs_are_refused(fetcher, news_server):
    """Item 6 of "Reliability, second round": one layer of gzip is decoded with its output
    capped as it is produced; a bomb stops at the page limit, stacked or unknown encodings
    are refused."""
    import resource

    from tests.newsserver import bomb

    bomb()                          # built before the request: the server then answers at once
    base = news_server.base
    assert b"\xd8\xae\xd8\xa8\xd8\xb1" in raw.get(fetcher.fetch(base + "/gzip.html").raw_path)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert reason(fetcher, base + "/bomb.html") == ("too_large", False)
    # Decoded in one piece, the bomb would grow the process by its whole decoded size.
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200 * 1024
    assert reason(fetcher, base + "/gzip-gzip.html") == ("unsupported_encoding", False)
    assert reason(fetcher, base + "/br.html") == ("unsupported_encoding", False)


def test_a_request_has_a_total_deadline_however_slowly_the_bytes_come(tmp_path, news_server):
    """Item 7: a server that sends a byte every 0.3 s never trips the 1 s read timeout; the
    whole request still ends at its deadline, as a (transient) timeout."""
    import time

    policy = FetchPolicy.from_settings({**TEST_FETCH, "total_timeout": 2.0})
    fetcher = Fetcher(policy, tmp_path / "raw")
    try:
        started = time.monotonic()
        assert reason(fetcher, news_server.base + "/drip.html") == ("timeout", True)
        assert time.monotonic() - started < 4
    finally:
        fetcher.close()


def test_a_site_that_cannot_be_reached_is_unreachable_not_disallowed(tmp_path):
    """Item 18 of "Reliability, second round" and "First contact" item 5: when robots.txt
    cannot be fetched (nothing listens), the page is `robots_unreachable`, transient (the
    retry asks again), not `robots_disallowed`."""
    import socket

    with socket.socket() as s:              # a port on 127.0.0.1 that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    fetcher = Fetcher(FetchPolicy.from_settings(TEST_FETCH), tmp_path / "raw")
    try:
        assert reason(fetcher, f"http://127.0.0.1:{port}/news/1.html") == ("robots_unreachable", True)
        assert f"http://127.0.0.1:{port}" not in fetcher._robots     # asked again on the retry
        with pytest.raises(FetchError) as retried:
            fetcher.fetch_retrying(f"http://127.0.0.1:{port}/news/1.html")
        assert retried.value.reason == "robots_unreachable"
    finally:
        fetcher.close()


@pytest.mark.parametrize("value, seconds", [
    ("120", 120.0), (" 0 ", 0.0), ("Wed, 30 Nov 2026 17:00:30 GMT", 30.0), ("Wed, 30 Nov 2026 16:59:00 GMT", 0.0),
    ("soon", None), ("-5", None), ("", None), (None, None)])
def test_retry_after_is_read_as_seconds_or_an_http_date(value, seconds):
    from datetime import datetime, timezone

    from tasks.fetch import retry_after_seconds

    assert retry_after_seconds(value, datetime(2026, 11, 30, 17, 0, tzinfo=timezone.utc)) == seconds


def test_a_retry_waits_as_long_as_the_server_asks(fetcher, news_server):
    """Item 18 of "Reliability, second round": a 503 with Retry-After (seconds or an HTTP date)
    is tried again no sooner than asked, not after the policy's 0.1 s."""
    for path, asked in (("/busy.html", 1.0), ("/busy-date.html", 1.0)):
        fetched = fetcher.fetch_retrying(news_server.base + path)
        assert raw.get(fetched.raw_path).decode().startswith("<!DOCTYPE html>")
        first, second = news_server.hit_times[path]
        assert second - first >= asked


def test_a_server_asking_for_a_longer_wait_than_a_run_gives_is_left_for_the_next_run(fetcher, news_server):
    """Item 18: Retry-After: 3600 is neither waited for nor disobeyed: one request, then the
    URL's quarantine reason says when the server wants to be asked again."""
    with pytest.raises(FetchError) as caught:
        fetcher.fetch_retrying(news_server.base + "/busy-long.html")
    assert caught.value.reason == "http_429" and "retry after 3600 s" in caught.value.detail
    assert news_server.hits["/busy-long.html"] == 1


def test_transient_failures_are_retried_with_the_policys_delays(fetcher, news_server, caplog):
    """Item 18: without Retry-After, the policy's retries (2, at 0.1 and 0.2 s here); each
    retry is a warning line naming the URL (it reaches the Prefect UI as the task run's log)."""
    import logging

    with caplog.at_level(logging.WARNING, logger="khabar.fetch"):
        fetched = fetcher.fetch_retrying(news_server.base + "/flaky.html")
    assert not fetched.not_modified and news_server.hits["/flaky.html"] == 3
    assert [r.getMessage().split(";")[1] for r in caplog.records] == [" retry 1 in 0.1 s", " retry 2 in 0.2 s"]
    assert all("/flaky.html: http_503" in r.getMessage() for r in caplog.records)
    with pytest.raises(FetchError):                                 # a 404 is not retried
        fetcher.fetch_retrying(news_server.base + "/missing.html")
    assert news_server.hits["/missing.html"] == 1


def test_a_source_url_is_retried_like_a_page(tmp_path, news_server):
    """Item 18: a feed that answers 503 once is read on the retry, its pages found."""
    from tasks.discover import discover

    fetcher = Fetcher(FetchPolicy.from_settings(TEST_FETCH), tmp_path / "raw", raw.FetchState(tmp_path / "raw"))
    try:
        found = discover([news_server.base + "/flaky-feed.xml"], set(), tmp_path / "raw", fetcher)
    finally:
        fetcher.close()
    assert news_server.hits["/flaky-feed.xml"] == 2 and found.rejections == []
    assert found.urls == [news_server.base + "/articles/utf8.html"]
