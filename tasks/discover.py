"""discover: list the input documents of the sources, and tell new ones from those already
processed (the same input, by its key, with the same bytes)."""
from __future__ import annotations

import glob
import hashlib
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from collections.abc import Container, Iterable, Iterator


from tasks.records import InputRef, Rejection, input_key, input_rejection, uri_of_path
from tasks.sources import (feed_links, is_url, is_warc, named_sources, sitemap_links, starts_as_url_list, url_list,
                           warc_html_records, xml_kind)

# Files a crawler or an editor leaves beside pages; never inputs.
_IGNORED_PREFIXES = (".", "_", "~")


_LOG = logging.getLogger("khabar.discover")


class SourceError(Exception):
    """A source that cannot be read at all (the run cannot start)."""


@dataclass(slots=True)
class Discovery:
    new: list[InputRef] = field(default_factory=list)
    unchanged: list[InputRef] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)             # pages still to fetch
    rejections: list[Rejection] = field(default_factory=list)  # inputs that failed before extract

    @property
    def inputs(self) -> int:
        return len(self.new) + len(self.unchanged) + len(self.urls) + len(self.rejections)


def key_base(source: str) -> Path:
    """The directory an input's key is taken from (records.input_key)."""
    path = Path(source)
    if path.is_file():
        return path.absolute().parent
    if not path.is_dir() and glob.has_magic(source):
        path = Path(*_parts_before_wildcard(path))
    return path.absolute().parent


def expand_source(source: str) -> tuple[list[Path], Path | None]:
    """The entries a source names — a file, a directory (recursively) or a glob pattern — and
    the directory they must stay in (None for a file named on its own). Entries are listed as
    found, not resolved: symlinks, FIFOs and dangling links are judged by the walker."""
    path = Path(source)
    if path.is_file():
        return [path], None
    if path.is_dir():
        entries: list[Path] = []
        for root, dirs, names in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith(_IGNORED_PREFIXES))
            # os.walk does not enter linked directories: list them, so a link is never skipped unseen.
            entries.extend(Path(root, d) for d in dirs if Path(root, d).is_symlink())
            entries.extend(Path(root, n) for n in sorted(names) if not n.startswith(_IGNORED_PREFIXES))
        return entries, path.resolve()
    if glob.has_magic(source):
        base = Path(*_parts_before_wildcard(path))
        return [Path(p) for p in sorted(glob.glob(source, recursive=True)) if not Path(p).is_dir()], base.resolve()
    if path.exists():
        raise SourceError(f"source is neither a file nor a directory: {source}")
    raise SourceError(f"source not found: {source}")


def _parts_before_wildcard(path: Path):
    """The leading parts of a glob pattern before its first wildcard: the directory it searches."""
    for part in path.parts:
        if glob.has_magic(part):
            return
        yield part


def file_digest(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


SNIFF_BYTES = 64 * 1024
MAX_SITEMAP_DEPTH = 3


class _Walker:
    """Walks the sources once, sorting what it finds into new, unchanged, URLs to fetch and
    rejections; the same input twice (by path, URL, or key and bytes) counts once.

    `settled` counts the new pages at the start of `found.new` that stay as they are whatever
    the rest of the walk finds: page files found before the first WARC record or page given by
    URL. A URL's newest capture is known only at the end of the walk (keep_newest_captures),
    and pages behind URLs are fetched after the walk and come after every page found."""

    def __init__(self, known: Container[tuple[str, str]], raw_dir: Path | None, fetcher=None,
                 max_bytes: int = 50 * 2**20):
        self.found = Discovery()
        self.known = known                        # processed by earlier runs: (key, doc_id)
        self.seen_inputs: set[tuple[str, str]] = set()   # found by this walk
        self.seen: set[str] = set()
        self.raw_dir, self.fetcher, self.max_bytes = raw_dir, fetcher, max_bytes
        self.settled, self.settling = 0, True

    def add_ref(self, ref: InputRef, settled: bool = True) -> None:
        """`settled`: no capture found later can replace it (a page file, not a URL's capture)."""
        if (ref.source_uri, ref.doc_id) in self.seen_inputs or is_known(ref, self.known):
            self.found.unchanged.append(ref)
            return
        self.seen_inputs.add((ref.source_uri, ref.doc_id))
        self.found.new.append(ref)
        self.settling = self.settling and settled
        if self.settling:
            self.settled += 1

    def add_url(self, url: str) -> None:
        if url not in self.seen:
            self.seen.add(url)
            self.found.urls.append(url)

    def source(self, source: str) -> Iterator[None]:
        """Walks one source, pausing after each entry or URL source."""
        named = named_sources(source) if not is_url(source) and not Path(source).exists() else None
        if named:
            for s in named:
                yield from self.source(s)
        elif is_url(source):
            self.source_url(source, depth=0)
            yield
        else:
            entries, root = expand_source(source)
            if not entries and glob.has_magic(source):
                # Not an error (a drop directory is often empty), but a typo looks the same.
                _LOG.warning("%s matches no file", source)
            base = key_base(source)
            for entry in entries:
                self.entry(entry, root, input_key(entry.absolute(), base))
                yield

    def entry(self, entry: Path, root: Path | None, key: str) -> None:
        """One entry of a file source, known by `key`: a page, a WARC or a URL list, or a
        rejection that names it (a link leading out of the source directory, a dangling link,
        a FIFO or device)."""
        path = entry.resolve()
        if root is not None and not path.is_relative_to(root):
            # A drop directory others can write to must not become a way to read any file here.
            self.reject(key, "symlink_outside_source", f"{entry.name} links to {path}, outside the source {root}")
        elif not path.exists():
            self.reject(key, "unreadable", f"{entry.name} links to {path}, which does not exist")
        elif path.is_dir():
            return            # a link to a directory inside the source: walked as part of the source
        elif not path.is_file():
            self.reject(key, "not_a_regular_file", f"{entry.name} is a FIFO, socket or device, not a file")
        else:
            try:
                self.file(path, key)
            except OSError as e:
                self.reject(key, "unreadable", f"cannot read {entry.name}: {e.strerror or e}")

    def reject(self, key: str, reason: str, detail: str) -> None:
        if key not in self.seen:
            self.seen.add(key)
            self.found.rejections.append(input_rejection(key, "discover", reason, detail))

    def file(self, path: Path, key: str) -> None:
        if str(path) in self.seen:
            return
        self.seen.add(str(path))
        with open(path, "rb") as f:
            head = f.read(SNIFF_BYTES)
        if is_warc(head):
            self.warc(path, key)
            return
        listed = url_list(head if len(head) < SNIFF_BYTES else path.read_bytes()) if starts_as_url_list(head) else None
        if listed is not None:
            for url in listed.urls:
                self.add_url(url)
            for number, line, reason in listed.bad:
                self.found.rejections.append(input_rejection(
                    f"{key}#line={number}", "discover", reason,
                    f"line {number} of a URL list is not an http(s) URL: {line[:200]}"))
            return
        # A file shorter than the sniffed head is read whole already.
        doc_id, size = (hashlib.sha256(head).hexdigest(), len(head)) if len(head) < SNIFF_BYTES else file_digest(path)
        self.add_ref(InputRef(source_uri=key, doc_id=doc_id, size=size, path=uri_of_path(path)))

    def warc(self, path: Path, key: str) -> None:
        from tasks import raw

        for record in warc_html_records(path, self.max_bytes):
            origin = f"{key}#{record.offset}"
            if record.error or record.payload is None:
                # Named by its place in the archive: its URL may have a good capture elsewhere.
                self.found.rejections.append(input_rejection(origin, "discover", "warc_record_unreadable",
                                                           f"{record.url or 'a record'}: {record.error}"))
                continue
            doc_id = hashlib.sha256(record.payload).hexdigest()
            if self.raw_dir is None:
                raise SourceError(f"WARC archives need the raw zone to keep their records: {path}")
            stored = raw.put(self.raw_dir, doc_id, record.payload)
            self.add_ref(InputRef(source_uri=record.url or origin, doc_id=doc_id, size=len(record.payload),
                                  url=record.url, raw=str(stored), fetched_at=record.fetched_at, origin=origin,
                                  charset=record.charset), settled=False)

    def source_url(self, url: str, depth: int) -> None:
        """A URL given as a source: a page, or a feed or sitemap whose links are the pages."""
        from tasks import raw
        from tasks.fetch import FetchError

        if url in self.seen:
            return
        self.seen.add(url)
        if self.fetcher is None:
            raise SourceError(f"URL sources need the fetcher: {url}")
        try:
            fetched = self.fetcher.fetch_retrying(url, expect="any")
        except FetchError as e:
            self.found.rejections.append(input_rejection(url, "discover", e.reason, e.detail))
            return
        data = raw.get(fetched.raw_path)
        kind = None
        try:
            kind = xml_kind(data)
            if kind == "feed":
                for link in feed_links(data):
                    self.add_url(link)
            elif kind == "sitemap":
                pages, children = sitemap_links(data)
                for link in pages:
                    self.add_url(link)
                for child in children:
                    if depth < MAX_SITEMAP_DEPTH:
                        self.source_url(child, depth + 1)
            else:
                self.add_ref(fetched.ref(url), settled=False)
        except Exception as e:   # a broken feed, sitemap or body is one quarantined input, not a failed run
            reason = f"bad_{kind}" if kind else "unreadable_body"
            self.found.rejections.append(input_rejection(url, "discover", reason, f"{type(e).__name__}: {e}"[:300]))


class Walk:
    """A walk of the sources that can stop and go on: a run hands the first pages it finds to
    the workers while the rest is still to be walked."""

    def __init__(self, sources: list[str], known: Container[tuple[str, str]], raw_dir: Path | None = None,
                 fetcher=None):
        self._walker = _Walker(known, raw_dir, fetcher)
        self._steps = (step for source in sources for step in self._walker.source(source))
        self.ended = False

    @property
    def found(self) -> Discovery:
        return self._walker.found

    @property
    def settled(self) -> int:
        """How many of `found.new`, from the start, are final (see _Walker)."""
        return self._walker.settled

    def until(self, settled: int | None = None) -> None:
        """Walks on until `settled` new pages are final, or to the end (None, or once a page
        that is not final yet has been found)."""
        while not self.ended and (settled is None or not self._walker.settling or self.settled < settled):
            if next(self._steps, _ENDED) is _ENDED:
                self.ended = True


_ENDED = object()


def is_known(ref: InputRef, known: Container[tuple[str, str]]) -> bool:
    """Whether `known` (pairs of an input's key and doc_id) holds the input with these bytes:
    by its key, or by the absolute path that named a file before inputs had keys, so an
    upgraded dataset does not take every file for new."""
    return (ref.source_uri, ref.doc_id) in known or (ref.path is not None and (ref.path, ref.doc_id) in known)


def discover(sources: list[str], known: Container[tuple[str, str]], raw_dir: Path | None = None,
             fetcher=None) -> Discovery:
    """Every document of every source, once; an input processed before with the same bytes
    (in an earlier run, or earlier in this one) is `unchanged`, a copy of it under another key
    is not. `known`: (key, doc_id) of the inputs processed by earlier runs. Pages behind URLs
    (URL lists, feeds, sitemaps) are listed in `urls` for the fetch stage."""
    walk = Walk(sources, known, raw_dir, fetcher)
    walk.until(None)
    return walk.found


def keep_newest_captures(found: Discovery) -> None:
    """One name, one input: a URL captured twice with different bytes (twice in a crawl's WARCs,
    or in a WARC and fetched too) would write two sets of rows under one article id. The newest
    capture is kept (the later one found on a tie); each older one becomes a quarantine row
    named by its place in its archive. Page files are named by their paths, not captured:
    none is ever replaced (a run may have sent them to a batch before the walk ended)."""
    newest: dict[str, int] = {}
    captures = 0
    for i, ref in enumerate(found.new):
        if ref.raw is None:
            continue
        captures += 1
        j = newest.get(ref.source_uri)
        if j is None or _capture_time(ref) >= _capture_time(found.new[j]):
            newest[ref.source_uri] = i
    if len(newest) == captures:
        return
    kept = set(newest.values())
    superseded = {i for i, ref in enumerate(found.new) if ref.raw is not None and i not in kept}
    for i in sorted(superseded):
        ref = found.new[i]
        winner = found.new[newest[ref.source_uri]]
        found.rejections.append(Rejection(
            ref.origin or ref.source_uri, "discover", "superseded",
            f"a newer capture of {ref.source_uri} in this run replaces it "
            f"({_capture_time(winner).isoformat()} over {_capture_time(ref).isoformat()})", doc_id=ref.doc_id))
    found.new = [ref for i, ref in enumerate(found.new) if i not in superseded]


def _capture_time(ref: InputRef) -> datetime:
    return ref.fetched_at or datetime.min.replace(tzinfo=timezone.utc)


def split_fetched(refs: list[InputRef], known: Container[tuple[str, str]],
                  seen: Iterable[tuple[str, str]] = ()) -> tuple[list[InputRef], list[InputRef]]:
    """Fetched pages into (new, unchanged): a 304 or the same bytes as before at the same URL
    (processed by an earlier run, or `seen` in this one: (key, doc_id) pairs) is unchanged."""
    new: list[InputRef] = []
    unchanged: list[InputRef] = []
    seen = set(seen)
    for ref in refs:
        (unchanged if (ref.source_uri, ref.doc_id) in seen or is_known(ref, known) else new).append(ref)
        seen.add((ref.source_uri, ref.doc_id))
    return new, unchanged


def batches(items: list, size: int) -> list[list]:
    if size < 1:
        raise ValueError("batch size must be at least 1")
    return [items[i:i + size] for i in range(0, len(items), size)]
