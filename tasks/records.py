"""The records that travel between stages (docs/ARCHITECTURE.md: InputRef → Page → Article → row).

Plain dataclasses, so every stage's pure functions can be called and tested without Prefect.
"""
from __future__ import annotations

import functools
import hashlib
import os
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def uri_of_path(path) -> str:
    """A file's name as khabar records it (source_uri): the path itself; when its bytes are not
    UTF-8 (a Linux name may hold any), each such byte as \\xNN, which Parquet can store and
    path_of_uri turns back into the file's real name."""
    text = str(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(text).decode("utf-8", "backslashreplace")
    return text


_ESCAPED_BYTE = re.compile(r"\\x([89a-f][0-9a-f])")


def input_key(path, base) -> str:
    """A file's key (see article_id_for): its path from `base`, with `/` between parts. `base`
    holds the source the file was found under: the parent of a directory named on the command
    line or of the one a glob searches (so the key starts with that directory's name), a file
    named alone's own directory. Both absolute, not resolved (a link is known by its name)."""
    from pathlib import PurePosixPath

    return uri_of_path(PurePosixPath(*path.relative_to(base).parts))


def former_names(refs) -> dict[str, str]:
    """Key → the name each file input had before inputs had keys (its absolute path): a
    dataset from then holds its rows under that name."""
    return {ref.source_uri: ref.path for ref in refs if ref.path and ref.path != ref.source_uri}


def path_of_uri(uri: str):
    """The file a source_uri names (uri_of_path undone)."""
    from pathlib import Path

    path = Path(uri)
    if "\\x" in uri and not path.exists():
        # Python names an undecodable byte B by the surrogate U+DC00 + B (surrogateescape).
        return Path(_ESCAPED_BYTE.sub(lambda m: chr(0xDC00 + int(m[1], 16)), uri))
    return path


def article_id_for(source_uri: str, position: int) -> str:
    """Deterministic, so reruns and retries produce the same rows (and a changed page
    produces the same ids, which lets the writer replace its rows). Keyed on the input's key
    (input_key: its URL, or its path from its source's directory, so a moved crawl keeps its
    ids), which the writer replaces rows by — not on the URL a page claims: two saved files
    naming one canonical URL are two inputs, and must not write one id twice."""
    return hashlib.sha256(f"{source_uri}\x1f{position}".encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class RunContext:
    """What every row of one run shares."""
    run_id: str
    started_at: datetime          # tz-aware UTC
    pipeline_version: str

    @property
    def label(self) -> str:
        """Names the run's report and Data Docs pages: sortable by time, unique by run id."""
        return f"{self.started_at:%Y%m%dT%H%M%SZ}-{self.run_id[:8]}"


@dataclass(frozen=True, slots=True)
class InputRef:
    """One input document found by discover: small enough to pass between tasks."""
    source_uri: str               # the input's key (input_key): the URL asked for, or the file's path from its source's directory
    doc_id: str                   # sha256 of its bytes
    size: int
    url: str | None = None        # the page's URL (after redirects; WARC-Target-URI)
    raw: str | None = None        # where its bytes are when not at source_uri: the raw zone
    fetched_at: datetime | None = None
    origin: str | None = None     # where in a container it was, when source_uri is its URL: "FILE.warc.gz#OFFSET"
    charset: str | None = None    # the charset its HTTP response declared (Content-Type), if any
    path: str | None = None       # a file's absolute path (uri_of_path), where its bytes are read


@dataclass(slots=True)
class Page:
    """A decoded document as a sequence of text lines (a text dump's lines, or the
    paragraphs trafilatura found in an HTML page), with what its metadata says."""
    doc_id: str
    source_uri: str
    lines: list[str]
    content_type: str             # "text" or "html"
    encoding: str
    url: str | None = None
    fetched_at: datetime | None = None
    title: str | None = None      # from HTML metadata
    published: str | None = None  # raw date string from metadata
    sitename: str | None = None
    tags: list[str] = field(default_factory=list)
    author: str | None = None         # from HTML metadata
    description: str | None = None    # the page's own summary (meta description)
    # The input line each of `lines` starts at, when they are not the input's own lines (a
    # hard-wrapped dump's re-joined paragraphs); None: line i is input line i + 1.
    line_numbers: list[int] | None = None
    # An HTML page's markup read for its kind (tasks/html_layout.layout_features); None for text
    # and for an HTML page that declares itself an article.
    layout: tuple[float, ...] | None = None
    # How an HTML page's text was found (tasks/extract.html_page's cascade), for `explain`.
    extraction: str | None = None


@dataclass(slots=True)
class Article:
    """One article cut out of a page, before normalization (text still as on the page)."""
    article_id: str
    doc_id: str
    source_uri: str
    position: int
    title: str | None             # None: no line qualified as its headline
    paragraphs: list[str]
    url: str | None = None
    fetched_at: datetime | None = None
    subtitle: str | None = None
    dateline: str | None = None
    publisher: str | None = None
    published_raw: str | None = None
    captions: list[dict] = field(default_factory=list)   # {"text", "credit"}
    related: list[dict] = field(default_factory=list)    # {"title", "summary", "section", "byline"}
    tags: list[str] = field(default_factory=list)
    source_credit: str | None = None
    author: str | None = None
    description: str | None = None
    encoding_repaired: bool = False     # its page's text was mojibake, repaired (tasks/extract.decode)
    time_zone: str | None = None        # its publisher profile's, for times printed without one


# A quarantine reason that does not make its input "already processed": its bytes changed
# while the run read them, so what was judged is not what the file holds.
CHANGED_WHILE_READ = "changed_while_reading"
RETRIED_REASONS = frozenset({CHANGED_WHILE_READ})


@dataclass(frozen=True, slots=True)
class Rejection:
    """An input or a row that could not become an article, and why (a quarantine row)."""
    source_uri: str
    stage: str
    reason: str                   # stable code
    detail: str                   # one line a person can act on
    doc_id: str | None = None
    article_id: str | None = None
    value: str | None = None


def input_rejection(source_uri: str, stage: str, reason: str, detail: str) -> Rejection:
    """An input that never became bytes (a URL that failed, a file that cannot be read) has no
    doc_id of its own: one derived from its name keeps the run's accounting (one doc_id per
    input) without ever matching a page's."""
    return Rejection(source_uri, stage, reason, detail,
                     doc_id="url:" + hashlib.sha256(source_uri.encode()).hexdigest()[:60])


@dataclass(slots=True)
class StageStats:
    """Counters a stage keeps for the run report (merged across batches)."""
    seconds: float = 0.0
    removed_by_rule: Counter = field(default_factory=Counter)

    def merge(self, other: "StageStats") -> None:
        self.seconds += other.seconds
        self.removed_by_rule.update(other.removed_by_rule)


Out = TypeVar("Out")


@dataclass(slots=True)
class StageResult(Generic[Out]):
    """What a stage returns for one batch: its output (the next stage's input), what it
    rejected, its counters."""
    output: Out
    rejections: list[Rejection] = field(default_factory=list)
    stats: StageStats = field(default_factory=StageStats)

    @contextmanager
    def rejecting(self, stage: str, reason: str, source_uri: str, doc_id: str | None = None,
                  article_id: str | None = None) -> Iterator[None]:
        """One item's work: an exception in it becomes that item's quarantine row (`reason`,
        the exception as detail) and the batch goes on; one page's bad luck never stops a run."""
        try:
            yield
        except Exception as e:
            self.rejections.append(Rejection(source_uri, stage, reason, f"{type(e).__name__}: {e}"[:300],
                                             doc_id=doc_id, article_id=article_id))


def timed(stage: Callable[P, StageResult[Out]]) -> Callable[P, StageResult[Out]]:
    """A stage function whose result records the seconds it took."""
    @functools.wraps(stage)
    def run(*args: P.args, **kwargs: P.kwargs) -> StageResult[Out]:
        started = time.perf_counter()
        result = stage(*args, **kwargs)
        result.stats.seconds += time.perf_counter() - started
        return result
    return run


class BatchState(Generic[Out]):
    """One batch on its way through the stages: the last stage's output, and every stage's
    rejections and counters so far. Carried forward from task to task, so the stages can run
    anywhere (a Dask worker) and the flow fetches one object per batch, not every stage's
    intermediate pages.

    A plain class, not a dataclass, on purpose: Prefect walks a task's arguments through every
    list, dict and dataclass looking for futures, and walking a batch of 1,000 pages line by
    line cost ~0.6 s per task run. An object of no collection type is passed as it is."""
    __slots__ = ("batch_no", "refs", "output", "rejections", "stats", "validation_results")

    def __init__(self, batch_no: int, refs: list[InputRef], output: Out, rejections: list[Rejection] | None = None,
                 stats: dict[str, StageStats] | None = None, validation_results: list | None = None):
        self.batch_no = batch_no
        self.refs = refs
        self.output = output
        self.rejections = rejections or []
        self.stats = stats or {}
        self.validation_results = validation_results or []    # summaries (key, JSON) for the Data Docs index

    def __reduce__(self):            # pickled for Dask with its slots
        return (BatchState, (self.batch_no, self.refs, self.output, self.rejections, self.stats,
                             self.validation_results))

    @classmethod
    def start(cls, batch_no: int, refs: list[InputRef]) -> "BatchState[list[InputRef]]":
        return BatchState(batch_no, refs, refs)

    def advance(self, stage: str, result: StageResult[T]) -> "BatchState[T]":
        return BatchState(self.batch_no, self.refs, result.output, self.rejections + result.rejections,
                          {**self.stats, stage: result.stats}, self.validation_results)
