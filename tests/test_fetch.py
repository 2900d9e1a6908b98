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
    finally:
        fetcher.close()
