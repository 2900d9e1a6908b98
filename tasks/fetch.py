"""fetch: URL → bytes in the raw zone, politely and safely.

- Time limits: connect and read timeouts, and a deadline for the whole request (redirects
  included) however slowly the bytes drip; a page larger than `max_bytes` (decoded) is
  abandoned while it downloads, not after. One layer of gzip or deflate is decoded here,
  chunk by chunk with the output capped (a compression bomb stops at the limit); stacked
  or unknown encodings are refused.
- Politeness: robots.txt obeyed (Protego, as Scrapy reads it; fetched once per host per
  run), at most `per_host` requests at once to a host and `min_interval` seconds between
  them; conditional requests (If-None-Match / If-Modified-Since) so a scheduled run
  downloads only pages that changed.
- Safety: every address a host name resolves to is checked before connecting, on every
  redirect hop, and the connection goes to the address that was checked (no second DNS
  answer in between). Private, loopback, link-local, multicast and reserved addresses are
  refused unless the policy allows them (tests allow loopback).
- Failures are FetchErrors with a stable reason; `transient` ones (timeouts, connection
  errors, 5xx, 429, robots.txt unreachable) are retried (`fetch_retrying`, tenacity): after
  the server's Retry-After when it sends one, else after the policy's next delay. Pages
  and source URLs (feeds, sitemaps) alike.
"""
from __future__ import annotations

import hashlib
import ipaddress
import logging
import socket
import threading
import time
from typing import Any
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx
import tenacity

from tasks import raw
from tasks.records import InputRef
from tasks.sources import header_charset

USER_AGENT = "khabar/0.2 (Arabic news pipeline; +https://github.com/khabar-news/khabar)"
HTML_TYPES = ("text/html", "application/xhtml+xml")
XML_TYPES = ("application/xml", "text/xml", "application/rss+xml", "application/atom+xml",
             "application/x-gzip", "application/gzip", "application/octet-stream")


@dataclass(frozen=True)
class FetchPolicy:
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    # The whole request, redirects included: a server dripping a byte at a time ends here.
    total_timeout: float = 60.0
    max_bytes: int = 10 * 2**20
    per_host: int = 2
    min_interval: float = 1.0
    max_redirects: int = 5
    retries: int = 2
    retry_delays: tuple[float, ...] = (2.0, 10.0)
    # A server that asks (Retry-After) for a longer wait than this is not retried sooner, nor
    # waited for: the URL is quarantined and the next scheduled run asks again.
    max_retry_after: float = 120.0
    allow_private: bool = False
    # Private addresses allowed one by one (e.g. a test server), when allow_private is off.
    allowed_addresses: frozenset[str] = frozenset()
    obey_robots: bool = True
    user_agent: str = USER_AGENT

    @classmethod
    def from_settings(cls, settings: dict | None) -> "FetchPolicy":
        """From a flow parameter (JSON: lists where the policy keeps tuples and sets)."""
        settings = dict(settings or {})
        if "retry_delays" in settings:
            settings["retry_delays"] = tuple(settings["retry_delays"])
        if "allowed_addresses" in settings:
            settings["allowed_addresses"] = frozenset(settings["allowed_addresses"])
        return cls(**settings)


class FetchError(Exception):
    def __init__(self, reason: str, detail: str, transient: bool = False, retry_after: float | None = None):
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail, self.transient = reason, detail, transient
        self.retry_after = retry_after          # seconds, as the server's Retry-After asked


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """A Retry-After header's wait in seconds (delay-seconds or an HTTP date), None when
    absent or unreadable; a date in the past is no wait."""
    value = (value or "").strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - now).total_seconds())


@dataclass(frozen=True)
class Fetched:
    url: str                    # after redirects
    doc_id: str
    raw_path: str
    fetched_at: datetime
    content_type: str
    not_modified: bool = False  # a 304: the bytes are those of the last fetch
    charset: str | None = None  # declared by the response's Content-Type

    def ref(self, requested: str) -> InputRef:
        return InputRef(source_uri=requested, doc_id=self.doc_id, size=Path(self.raw_path).stat().st_size,
                        url=self.url, raw=self.raw_path, fetched_at=self.fetched_at, charset=self.charset)


# NAT64's well-known prefix: the last 32 bits are the IPv4 address it reaches.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def embedded_ipv4(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries and reaches: IPv4-mapped, 6to4 (2002::/16),
    Teredo (the client's address) and NAT64 forms."""
    if ip.version == 4:
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public(address: str) -> bool:
    """Whether the fetcher may connect to `address` without --allow-private: a globally
    routable address (carrier-grade NAT, documentation, benchmark and reserved ranges are not),
    and so is any IPv4 address it embeds."""
    ip = ipaddress.ip_address(address)
    inner = embedded_ipv4(ip)
    return ip.is_global and not ip.is_multicast and (inner is None or (inner.is_global and not inner.is_multicast))


@dataclass
class _Host:
    gate: threading.Semaphore
    lock: threading.Lock = field(default_factory=threading.Lock)
    last: float = 0.0


class Fetcher:
    """One per run: an HTTP client, robots.txt per host, the per-host gates."""

    def __init__(self, policy: FetchPolicy, raw_dir: Path, state: raw.FetchState | None = None):
        self.policy, self.raw_dir, self.state = policy, raw_dir, state
        self.client = httpx.Client(
            timeout=httpx.Timeout(policy.read_timeout, connect=policy.connect_timeout),
            follow_redirects=False, headers={"User-Agent": policy.user_agent, "Accept-Encoding": "gzip, deflate"},
            trust_env=False)
        self._hosts: dict[str, _Host] = {}
        self._robots: dict[str, Any] = {}         # origin → its Protego rules, None for "no rules"
        self._lock = threading.Lock()

    def close(self) -> None:
        self.client.close()
        if self.state is not None:
            self.state.close()

    # -- safety and politeness ---------------------------------------------------------
    def _address(self, host: str, port: int) -> str:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as e:
            raise FetchError("dns_error", f"cannot resolve {host}: {e.strerror or e}", transient=True) from None
        addresses = sorted({str(info[4][0]) for info in infos})
        for address in addresses:
            if not (self.policy.allow_private or is_public(address) or address in self.policy.allowed_addresses):
                raise FetchError("private_address", f"{host} resolves to {address}, a private, loopback or "
                                 "link-local address; refused (allow_private is off)")
        return addresses[0]

    def _host(self, host: str) -> _Host:
        with self._lock:
            if host not in self._hosts:
                self._hosts[host] = _Host(threading.Semaphore(self.policy.per_host))
            return self._hosts[host]

    def _wait_turn(self, gate: _Host) -> None:
        with gate.lock:
            delay = gate.last + self.policy.min_interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            gate.last = time.monotonic()

    def allowed_by_robots(self, url: str) -> bool:
        if not self.policy.obey_robots:
            return True
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            known = origin in self._robots
        if not known:
            from protego import Protego

            try:
                response = self._request(f"{origin}/robots.txt", {}, self.policy.max_bytes)
                rules = Protego.parse(response[1].decode("utf-8", "replace")) if response[0] == 200 else None
                if response[0] >= 500:
                    rules = Protego.parse("User-agent: *\nDisallow: /")   # as search engines do
            except FetchError as e:
                if e.transient:
                    # Not remembered: the fetch's retry asks for robots.txt again.
                    raise FetchError("robots_unreachable", f"robots.txt of {origin} could not be fetched "
                                     f"({e.reason}: {e.detail}); no page of the site is fetched without it",
                                     transient=True) from None
                rules = None
            with self._lock:
                self._robots[origin] = rules
        rules = self._robots[origin]
        return rules is None or rules.can_fetch(url, self.policy.user_agent)

    # -- HTTP --------------------------------------------------------------------------
    def _request(self, url: str, headers: dict, max_bytes: int) -> tuple[int, bytes, httpx.Headers, str]:
        """One request, redirects followed hop by hop (each hop checked); (status, body,
        headers, final url)."""
        seen = set()
        deadline = time.monotonic() + self.policy.total_timeout
        for _ in range(self.policy.max_redirects + 1):
            if url in seen:
                raise FetchError("redirect_loop", f"redirects come back to {url}")
            seen.add(url)
            answer = self._hop(url, headers, max_bytes, deadline)
            if isinstance(answer, str):
                url = answer
                continue
            return (*answer, url)
        raise FetchError("too_many_redirects", f"more than {self.policy.max_redirects} redirects")

    def _hop(self, url: str, headers: dict, max_bytes: int,
             deadline: float) -> tuple[int, bytes, httpx.Headers] | str:
        """One GET of one URL, its address checked first: (status, body, headers), or the
        URL it redirects to."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError("bad_url", f"not an http(s) URL: {url}")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = self._address(parts.hostname, port)
        # Connect to the checked address; the name goes in Host and in TLS SNI.
        netloc = (f"[{address}]" if ":" in address else address) + (f":{parts.port}" if parts.port else "")
        target = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
        gate = self._host(parts.hostname)
        with gate.gate:
            self._wait_turn(gate)
            try:
                request = self.client.build_request(
                    "GET", target, headers={**headers, "Host": parts.netloc},
                    extensions={"sni_hostname": parts.hostname} if parts.scheme == "https" else {})
                if time.monotonic() >= deadline:
                    raise _past_deadline(self.policy)
                response = self.client.send(request, stream=True)
                # At the deadline the connection is closed under the reader.
                watchdog = threading.Timer(max(0.0, deadline - time.monotonic()), response.close)
                watchdog.daemon = True
                watchdog.start()
                try:
                    return self._answer(response, url, max_bytes, deadline)
                finally:
                    watchdog.cancel()
                    response.close()
            except httpx.TimeoutException as e:
                raise FetchError("timeout", f"{type(e).__name__} after the policy's limits", transient=True) from None
            except (httpx.TransportError, httpx.StreamError) as e:
                if time.monotonic() >= deadline:
                    raise _past_deadline(self.policy) from None
                raise FetchError("connection_error", f"{type(e).__name__}: {e}", transient=True) from None

    def _answer(self, response: httpx.Response, url: str, max_bytes: int,
                deadline: float) -> tuple[int, bytes, httpx.Headers] | str:
        status = response.status_code
        if status in (301, 302, 303, 307, 308) and "location" in response.headers:
            return urljoin(url, response.headers["location"])
        declared = int(response.headers.get("content-length") or 0)
        if declared > max_bytes and not response.headers.get("content-encoding"):
            raise FetchError("too_large", f"{declared} bytes announced, the limit is {max_bytes}")
        body = _decoded_body(response, max_bytes, deadline)
        if time.monotonic() >= deadline:
            raise _past_deadline(self.policy)
        return status, body, response.headers

    def fetch_retrying(self, url: str, expect: str = "html") -> Fetched:
        """fetch, tried again up to policy.retries times while it fails transiently."""
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(lambda e: isinstance(e, FetchError) and e.transient),
            stop=tenacity.stop_any(tenacity.stop_after_attempt(self.policy.retries + 1),
                                   _AskedToWaitTooLong(self.policy.max_retry_after)),
            wait=self._wait, before_sleep=_log_retry, reraise=True)
        try:
            return retrying(self.fetch, url, expect)
        except FetchError as e:
            if asks_too_long(e, self.policy.max_retry_after):
                raise FetchError(e.reason, f"{e.detail}; it asks to retry after {e.retry_after:.0f} s, more than "
                                 f"the {self.policy.max_retry_after:g} s a run waits: the next run asks again",
                                 e.transient) from None
            raise

    def _wait(self, state) -> float:
        """The server's Retry-After, else the policy's delay for this retry."""
        error = state.outcome.exception()
        if getattr(error, "retry_after", None) is not None:
            return error.retry_after
        delays = self.policy.retry_delays or (0.0,)
        return delays[min(state.attempt_number, len(delays)) - 1]

    def _conditional_headers(self, known: raw.Validators | None) -> dict[str, str]:
        """If-None-Match / If-Modified-Since from the last fetch, when its bytes are still kept."""
        headers = {}
        if known is not None and raw.raw_path(self.raw_dir, known.doc_id).is_file():
            if known.etag:
                headers["If-None-Match"] = known.etag
            if known.last_modified:
                headers["If-Modified-Since"] = known.last_modified
        return headers

    def fetch(self, url: str, expect: str = "html") -> Fetched:
        """A page (expect="html": anything else is refused) or whatever a source URL holds
        (expect="any": a page, a feed or a sitemap), stored in the raw zone."""
        if not self.allowed_by_robots(url):
            raise FetchError("robots_disallowed", f"robots.txt of {urlsplit(url).netloc} disallows {url}")
        known = self.state.get(url) if self.state is not None and expect == "html" else None
        headers = self._conditional_headers(known)
        status, body, response_headers, final = self._request(url, headers, self.policy.max_bytes)
        now = datetime.now(timezone.utc)
        if status == 304 and known is not None and headers:
            return Fetched(final, known.doc_id, str(raw.raw_path(self.raw_dir, known.doc_id)), known.fetched_at,
                           "text/html", not_modified=True)
        _check_status(status, response_headers, now)
        content_type = response_headers.get("content-type", "").split(";")[0].strip().lower()
        if expect == "html" and content_type and content_type not in HTML_TYPES and not content_type.startswith("text/"):
            raise FetchError("not_html", f"content type {content_type}, not an HTML page")
        doc_id = hashlib.sha256(body).hexdigest()
        path = raw.put(self.raw_dir, doc_id, body)
        if self.state is not None and expect == "html":
            self.state.put(url, raw.Validators(response_headers.get("etag"), response_headers.get("last-modified"),
                                               doc_id, now))
        return Fetched(final, doc_id, str(path), now, content_type,
                       charset=header_charset(response_headers.get("content-type")))


def _check_status(status: int, headers: httpx.Headers, now: datetime) -> None:
    """A FetchError for anything but 200: transient for 429 and 5xx (with the server's
    Retry-After), final for the rest."""
    if status == 429 or status >= 500:
        raise FetchError(f"http_{status}", f"the server answered {status}", transient=True,
                         retry_after=retry_after_seconds(headers.get("retry-after"), now))
    if status >= 400:
        raise FetchError(f"http_{status}", f"the server answered {status}")
    if status != 200:
        raise FetchError(f"http_{status}", f"unexpected status {status}")


def _past_deadline(policy: FetchPolicy) -> FetchError:
    return FetchError("timeout", f"not done within the {policy.total_timeout:g} s deadline of a request",
                      transient=True)


# Content-Encoding values read (one layer); "identity" means none.
_ZLIB_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


def _decoded_body(response: httpx.Response, max_bytes: int, deadline: float) -> bytes:
    """The response's body, its Content-Encoding undone as it arrives, the output never
    more than max_bytes + 1 bytes however small the compressed input."""
    header = response.headers.get("content-encoding", "")
    layers = [e.strip().lower() for e in header.split(",") if e.strip() and e.strip().lower() != "identity"]
    if len(layers) > 1 or (layers and layers[0] not in _ZLIB_WBITS):
        raise FetchError("unsupported_encoding", f"Content-Encoding {header!r}: one layer of gzip or deflate is read")
    decoder = zlib.decompressobj(_ZLIB_WBITS[layers[0]]) if layers else None
    body = bytearray()
    try:
        for chunk in response.iter_raw():
            while chunk:
                if decoder is None:
                    body += chunk
                    chunk = b""
                else:
                    body += decoder.decompress(chunk, max_bytes + 1 - len(body))
                    chunk = decoder.unconsumed_tail
                if len(body) > max_bytes:
                    raise FetchError("too_large", f"more than {max_bytes} bytes" + (" decoded" if decoder else ""))
            if time.monotonic() >= deadline:
                break
        if decoder is not None:
            body += decoder.flush()
            if len(body) > max_bytes:
                raise FetchError("too_large", f"more than {max_bytes} bytes decoded")
    except zlib.error as e:
        raise FetchError("bad_encoding", f"the {layers[0]} body cannot be decoded: {e}") from None
    return bytes(body)


_LOG = logging.getLogger("khabar.fetch")


def asks_too_long(error: BaseException | None, limit: float) -> bool:
    """A failure whose server asked (Retry-After) for a longer wait than `limit` seconds."""
    wait = getattr(error, "retry_after", None)
    return wait is not None and wait > limit


class _AskedToWaitTooLong(tenacity.stop.stop_base):
    """Stops the retries when the server's Retry-After is longer than a run waits."""

    def __init__(self, limit: float):
        self.limit = limit

    def __call__(self, state) -> bool:
        error = state.outcome.exception()
        return asks_too_long(error, self.limit)


def _log_retry(state) -> None:
    error = state.outcome.exception()
    url = state.args[0]
    _LOG.warning("fetch %s: %s (%s); retry %d in %.1f s", url, error.reason, error.detail, state.attempt_number,
                 state.upcoming_sleep)
