"""What a run processes, as numbered batches: the sources walked, pages behind URLs fetched,
every input sorted into new, unchanged or failed before extraction (tasks/discover.py,
tasks/fetch.py).

When batches run on a cluster, each goes to the workers as soon as the walk has found it: a
discover task run per batch, so the walk goes on between the flow's dedup and write of the
batches already done. One task run for everything after the first few batches held the next
batch back for the rest of the walk: a worker idled 0.5 s in some 10,000-file runs, and on a
million files the cluster would wait for most of a minute. Inputs whose newness is known only
at the end of the walk (a URL's newest WARC capture, fetched pages) wait for it. In one process
there is nothing to overlap with, and the whole walk is one task run. The batches are the same
either way, `batches(found.new, size)` of the whole walk, so the dataset does not depend on it."""
from __future__ import annotations

import time
from collections.abc import Callable, Container, Iterator
from pathlib import Path

from prefect.utilities.annotations import quote

from flows.report import RunReport
from schemas.tables import ARTICLES
from tasks.discover import Discovery, Walk, batches, keep_newest_captures, split_fetched
from tasks.fetch import Fetcher, FetchPolicy
from tasks.raw import RAW_DIR, FetchState
from tasks.records import BatchState, InputRef
from tasks.stages import discover_task, fetch_pages
from tasks.manifest import Manifest
from tasks.write import recorded_rejections

NOTHING_WRITTEN = {"articles": 0, "quarantine": 0, "replaced": 0}


class Inputs:
    """The run's inputs. Iterate `batches()` once; when it is exhausted, `found` holds every
    input not in a batch (unchanged, failed), and the run report has the input counts.
    `streamed`: batches go out as the walk finds them (else once it has ended)."""

    def __init__(self, sources: list[str], out: Path, manifest: Manifest, policy: FetchPolicy, report: RunReport,
                 batch_size: int, streamed: bool, log: Callable[..., None]):
        if batch_size < 1:
            raise ValueError("batch size must be at least 1")
        self.sources, self.out, self.policy, self.report, self.log = list(sources), out, policy, report, log
        self.manifest = manifest
        self.batch_size, self.streamed = batch_size, streamed
        self.found: Discovery | None = None      # set when the walk and the fetching are done
        self.batch_count: int | None = None      # known then too

    @property
    def new_count(self) -> int | None:
        """New inputs in all (None while the walk goes on)."""
        return None if self.found is None else len(self.found.new)

    def batches(self) -> Iterator[BatchState]:
        known = self.manifest.processed_inputs()
        fetcher = Fetcher(self.policy, self.out / RAW_DIR, FetchState(self.out / RAW_DIR))
        walk = Walk(self.sources, known, self.out / RAW_DIR, fetcher)
        sent = 0
        try:
            while self.streamed:
                self._walk(walk, settled=sent + self.batch_size)
                if walk.settled < sent + self.batch_size:
                    break                            # the walk ended, or what comes next waits for its end
                yield BatchState.start(sent // self.batch_size, walk.found.new[sent:sent + self.batch_size])
                sent += self.batch_size
            self._walk(walk, settled=None)
            found = walk.found
            if found.urls:
                self._fetch(found, known, fetcher)
        finally:
            fetcher.close()
        keep_newest_captures(found)          # keeps every settled page (see tasks/discover.py)
        self._count(found)
        rest = batches(found.new[sent:], self.batch_size)
        self.found, self.batch_count = found, sent // self.batch_size + len(rest)
        for batch_no, refs in enumerate(rest, sent // self.batch_size):
            yield BatchState.start(batch_no, refs)

    def _walk(self, walk: Walk, settled: int | None) -> None:
        # quote: the walk goes to the task as it is, not looked through for futures.
        # quote() is Prefect's own way to pass an argument as it is; its stubs do not know it.
        self.report.stages["discover"].seconds += discover_task(quote(walk), settled)  # type: ignore[call-overload]

    def _fetch(self, found: Discovery, known: Container[tuple[str, str]], fetcher: Fetcher) -> None:
        """URL pages, each fetched into the raw zone (its own task, with retries), then sorted
        into new and unchanged like files."""
        started = time.perf_counter()
        refs, rejections = fetch_pages(fetcher, found.urls)
        new, unchanged = split_fetched(refs, known, {(r.source_uri, r.doc_id) for r in found.new + found.unchanged})
        found.new += new
        found.unchanged += unchanged
        found.rejections += rejections
        found.urls = []
        self.report.stages["fetch"].seconds += time.perf_counter() - started

    def _count(self, found: Discovery) -> None:
        self.report.inputs, self.report.unchanged = found.inputs, len(found.unchanged)
        self.log("%d input%s: %d new, %d unchanged since an earlier run, %d failed before extraction",
                 found.inputs, "" if found.inputs == 1 else "s", len(found.new), len(found.unchanged),
                 len(found.rejections))
        # Inputs failing exactly as they did in an earlier run are quarantined again in the
        # report, but their rows are already in the dataset: they are not rewritten.
        recorded = recorded_rejections(self.manifest, found.rejections)
        if recorded:
            self.report.add_batch([InputRef(r.source_uri, r.doc_id or "", 0) for r in recorded], ARTICLES.empty_table(),
                                  recorded, NOTHING_WRITTEN)
            again = {id(r) for r in recorded}
            found.rejections = [r for r in found.rejections if id(r) not in again]
