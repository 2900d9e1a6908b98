"""What a source holds, by content, not by name: a page, a WARC archive, a list of URLs, an
RSS/Atom feed or a sitemap (index, plain or news). Pure parsing; fetching is fetch.py's.

Named sources for deployments are listed in sources.yaml at the project's root:

    sources:
      seeds: [seeds/]
      wire: [https://example.com/rss.xml, https://example.com/sitemap-news.xml]
"""
from __future__ import annotations

import gzip
import io
import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import yaml

SOURCES_FILE = Path(__file__).resolve().parent.parent / "sources.yaml"
MAX_XML_BYTES = 50 * 2**20          # a sitemap is at most 50 MB uncompressed (sitemaps.org)
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def is_url(text: str) -> bool:
    return bool(_URL.match(text.strip()))


class SourcesFileError(ValueError):
    """sources.yaml cannot be read, or says something that cannot be followed (one line)."""


def _entries(path: Path) -> dict[str, list[str]]:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise SourcesFileError(f"{path}: cannot be read: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise SourcesFileError(f"{path}: is not UTF-8 text") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise SourcesFileError(f"{path}: is not valid YAML{where}: {getattr(e, 'problem', None) or e}") from None
    if doc is None:
        return {}
    entries = doc.get("sources") if isinstance(doc, dict) else None
    if not isinstance(doc, dict) or not isinstance(entries, (dict, type(None))):
        raise SourcesFileError(f"{path}: expected `sources:` mapping names to lists of paths, URLs or names")
    out = {}
    for name, value in (entries or {}).items():
        # One source written without brackets is what it says, not a list of its characters.
        value = [value] if isinstance(value, str) else value
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise SourcesFileError(f"{path}: entry {name!r} must be a list of paths, URLs or names")
        out[str(name)] = value
    return out


def named_sources(name: str, path: Path | None = None) -> list[str] | None:
    """The paths and URLs a name stands for in sources.yaml, names inside it expanded, or None
    if it names none; a relative path is the file's (resolved against its directory, not the
    shell's). SourcesFileError when the file cannot be read or its names form a cycle."""
    path = path or SOURCES_FILE
    if not path.is_file():
        return None
    entries = _entries(path)
    base = path.resolve().parent

    def is_name(source: str) -> bool:
        return source in entries and not is_url(source) and not (base / source).exists()

    def located(source: str) -> str:
        return source if is_url(source) else str(base / os.path.expanduser(source))

    def expand(current: str, trail: list[str]) -> list[str]:
        out = []
        for source in entries[current]:
            if not is_name(source):
                out.append(located(source))
            elif source in trail:
                raise SourcesFileError(f"{path}: entry {current!r} leads back to {source!r} "
                                       f"({' -> '.join([*trail, source])})")
            else:
                out.extend(expand(source, [*trail, source]))
        return out

    return (expand(name, [name]) or None) if name in entries else None


# -- URL lists ---------------------------------------------------------------------------
# A line that is a URI of any scheme ("https://…", "ftp://…", "javascript:…").
_URI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$")


@dataclass(frozen=True)
class UrlList:
    urls: list[str]                            # the http(s) URLs, in order
    bad: list[tuple[int, str, str]]            # (line number, line, reason) of the other lines


def starts_as_url_list(head: bytes) -> bool:
    """Whether a file's first non-comment line is a URI, or the head holds none (undecided):
    every page of a crawl passes here, and this is all most of them cost (the last line of a
    cut head is left out)."""
    lines = head[:4096].decode("utf-8", "ignore").splitlines()
    lines = lines if len(head) <= 4096 else lines[:-1]
    first = next((ln.strip() for ln in lines if ln.strip() and not ln.strip().startswith("#")), None)
    return first is None or bool(_URI.match(first))


def url_list(data: bytes) -> UrlList | None:
    """A text file most of whose lines are URIs (blank lines and # comments aside), whatever
    its size: its http(s) URLs, and each other line with its reason (`unsupported_scheme`,
    `not_a_url`) to be quarantined on its own; else None (it is a page)."""
    if not starts_as_url_list(data):
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    entries = [(n, ln.strip()) for n, ln in enumerate(text.splitlines(), start=1)
               if ln.strip() and not ln.strip().startswith("#")]
    if sum(1 for _, ln in entries if _URI.match(ln)) * 2 <= len(entries):
        return None
    urls, bad = [], []
    for n, line in entries:
        if is_url(line):
            urls.append(line)
        else:
            bad.append((n, line, "unsupported_scheme" if _URI.match(line) else "not_a_url"))
    return UrlList(urls, bad)


# -- feeds and sitemaps ------------------------------------------------------------------
def _xml_bytes(data: bytes) -> bytes:
    if data[:2] == b"\x1f\x8b":
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as f:
            data = f.read(MAX_XML_BYTES + 1)
        if len(data) > MAX_XML_BYTES:
            raise ValueError("sitemap larger than 50 MB uncompressed")
    return data


def xml_kind(data: bytes) -> str | None:
    """'feed', 'sitemap' or None, from the document's root element."""
    head = _xml_bytes(data[: 2**20] if data[:2] != b"\x1f\x8b" else data)[:4096].lower()
    if b"<urlset" in head or b"<sitemapindex" in head:
        return "sitemap"
    if b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head:
        return "feed"
    return None


def feed_links(data: bytes) -> list[str]:
    import feedparser

    parsed = feedparser.parse(data)
    links = []
    for entry in parsed.entries:
        link = entry.get("link")
        if link and is_url(link) and link not in links:
            links.append(link)
    return links


def sitemap_links(data: bytes) -> tuple[list[str], list[str]]:
    """(page URLs, child sitemap URLs). The XML parser resolves no entities and reads no
    network: a hostile sitemap cannot expand or fetch anything."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)
    root = etree.fromstring(_xml_bytes(data), parser)
    if root is None:
        return [], []
    pages: list[str] = []
    children: list[str] = []
    for loc in root.iter("{*}loc"):
        parent = etree.QName(loc.getparent()).localname if loc.getparent() is not None else ""
        url = (loc.text or "").strip()
        if not is_url(url):
            continue
        (children if parent == "sitemap" else pages).append(url)
    return pages, children


# -- WARC --------------------------------------------------------------------------------
def is_warc(head: bytes) -> bool:
    if head.startswith(b"WARC/"):
        return True
    if head[:2] == b"\x1f\x8b":
        try:
            return gzip.GzipFile(fileobj=io.BytesIO(head)).read(5) == b"WARC/"
        except (OSError, EOFError):
            return False
    return False


@dataclass(frozen=True)
class WarcRecord:
    url: str | None
    fetched_at: datetime | None
    payload: bytes | None      # None when the record could not be read
    offset: int
    error: str | None = None
    charset: str | None = None  # from the captured response's Content-Type


_CHARSET_PARAM = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def header_charset(content_type: str | None) -> str | None:
    """The charset of an HTTP Content-Type header ("text/html; charset=windows-1256")."""
    m = _CHARSET_PARAM.search(content_type or "")
    return m.group(1).lower() if m else None


def warc_html_records(path: Path, max_bytes: int) -> Iterator[WarcRecord]:
    """HTML response records of a WARC, one at a time (memory holds one record). A record
    that cannot be read (a bad or lying Content-Length, a cut gzip member) is yielded with its
    error and the byte range skipped, and reading goes on at the next record (the next gzip
    member, or the next line starting "WARC/1." in a plain archive): every record that can be
    read is read. Bytes after the last whole record are a truncated one."""
    from warcio.archiveiterator import ArchiveIterator

    size = path.stat().st_size
    with open(path, "rb") as f:
        compressed = f.read(2) == b"\x1f\x8b"
        start: int | None = 0
        while start is not None:
            f.seek(start)
            records = ArchiveIterator(f)
            offset = end = start    # where the current record starts; where the last whole one ended
            resume = None
            try:
                while True:
                    record = next(records)
                    if not record.rec_type:
                        # What warcio makes of a cut gzip member: a record with no type.
                        raise ValueError("a gzip member is cut short")
                    html = record.rec_type == "response" and record.http_headers is not None and (
                        (record.http_headers.get_header("Content-Type") or "").split(";")[0].strip().lower()
                        in ("", "text/html", "application/xhtml+xml"))
                    payload = _read_up_to(record.content_stream(), max_bytes + 1) if html else b""
                    # Only after reading: these read the record to its end.
                    offset = records.get_record_offset()      # warcio counts from the file start
                    end = max(end, offset + records.get_record_length())
                    if not compressed and (record.length or 0) > size - offset:
                        # A plain archive has no member to stop a lying length: it swallowed what follows.
                        resume = _next_warc_record(f, offset + 1, compressed)
                        yield WarcRecord(None, None, None, offset, f"the record at offset {offset} declares "
                                         f"Content-Length {record.length}, more than the {size - offset} bytes left; "
                                         f"{_skipped(offset, resume, size)}")
                        break
                    if not html:
                        continue
                    uri = record.rec_headers.get_header("WARC-Target-URI")
                    if len(payload) > max_bytes:
                        yield WarcRecord(uri, None, None, offset, f"record larger than {max_bytes} bytes")
                        continue
                    yield WarcRecord(uri, _warc_date(record.rec_headers.get_header("WARC-Date")), payload, offset,
                                     charset=header_charset(record.http_headers.get_header("Content-Type")))
            except StopIteration:
                # warcio ends quietly at a cut record: bytes left after the last whole record
                # are a truncated one, and it is an input that must not vanish.
                if size - end > 4:
                    yield WarcRecord(None, None, None, end, f"the archive ends with {size - end} bytes that are not "
                                     "a whole record (truncated)")
            except Exception as e:  # warcio raises several kinds on a bad record
                # A negative length can make warcio's offsets run backwards: never before `start`.
                bad = max(start, end)
                resume = _next_warc_record(f, bad + 1, compressed)
                yield WarcRecord(None, None, None, bad, f"unreadable record at offset {bad}: "
                                 f"{type(e).__name__}: {e}"[:200] + f"; {_skipped(bad, resume, size)}")
            # Each restart is further on in the file: the loop ends.
            start = resume if resume is not None and resume > start else None


def _skipped(offset: int, resume: int | None, size: int) -> str:
    if resume is None:
        return f"bytes {offset}-{size} skipped, no record after them"
    return f"bytes {offset}-{resume} skipped, reading went on at the next record"


# How far ahead a resynchronisation looks at once.
_SCAN_CHUNK = 1 << 20


def _next_warc_record(f, position: int, compressed: bool) -> int | None:
    """Where the next record after `position` starts: a gzip member that opens with "WARC/",
    or in a plain archive a line that starts "WARC/1."."""
    import zlib

    marker = b"\x1f\x8b\x08" if compressed else b"\nWARC/1."
    while True:
        f.seek(max(0, position - 1))
        chunk = f.read(_SCAN_CHUNK + len(marker))
        if len(chunk) < len(marker):
            return None
        found = chunk.find(marker)
        while found >= 0:
            candidate = max(0, position - 1) + found + (0 if compressed else 1)
            if candidate >= position:
                if not compressed:
                    return candidate
                f.seek(candidate)
                try:
                    if zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(f.read(4096), 5) == b"WARC/":
                        return candidate
                except zlib.error:
                    pass
            found = chunk.find(marker, found + 1)
        if len(chunk) < _SCAN_CHUNK + len(marker):
            return None
        position = max(0, position - 1) + _SCAN_CHUNK


def _read_up_to(stream, limit: int) -> bytes:
    """warcio's readers may return less than asked: read until the end or the limit."""
    chunks, total = [], 0
    while total < limit:
        chunk = stream.read(min(1 << 16, limit - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def _warc_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)
    except ValueError:
        return None
