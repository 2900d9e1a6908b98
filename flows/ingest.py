"""The ingest flow: sources → a new version of the articles dataset, committed at once.

    discover → for each batch: extract → strip → normalize → validate (+ its Data Docs page)
                               → fingerprint (here, or on Dask workers, several batches at once:
                               cluster.py) → dedup → write (here, in batch order)
             → commit (one atomic swap) → Data Docs index → report
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from flows.artifacts import ProgressArtifact, publish_run_artifacts
from flows.cluster import batch_stages, prepared
from flows.inputs import Inputs
from flows.progress import Progress, publish, subscribe
from flows.report import RunReport, unaccounted
from flows.settings import DEFAULT_BATCH_SIZE, quiet_task_run_completions
from schemas.tables import ARTICLES, PIPELINE_VERSION, QUARANTINE
from tasks.data_docs import site_dir
from tasks.dedup import DEFAULT_THRESHOLD, DEFAULT_WINDOW_DAYS, DedupIndex
from tasks.fetch import FetchPolicy
from tasks.memory import release_freed_memory, rss_mib, survivors_frozen
from tasks.records import BatchState, InputRef, RunContext, former_names
from tasks.stages import data_docs_task, dedup_task, write_task
from tasks.manifest import Manifest
from tasks.store import Staging, Store, current_version, schema_is_current
from tasks.write import ARTICLES_DIR, QUARANTINE_DIR, upgrade_files, write_report



@task(name="commit", cache_policy=NO_CACHE)
def commit_task(store: Store, staging: Staging) -> str:
    return str(store.commit(staging))


def run_name() -> str:
    """`ingest-<output directory's name>-<UTC time>`: short in the UI's lists, and apart for
    runs into the same directory (the full path is the run's `out` parameter)."""
    out = str(flow_run.parameters.get("out") or "data")
    return f"ingest-{Path(out).name or out}-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}"


@flow(name="ingest", flow_run_name=run_name)
def ingest(sources: list[str] = ["seeds/"],  # noqa: B006 - never mutated; the UI shows it as the default
           out: str = "data", batch_size: int = DEFAULT_BATCH_SIZE,
           non_arabic: str = "keep", duplicate_threshold: float = DEFAULT_THRESHOLD,
           duplicate_window: int = DEFAULT_WINDOW_DAYS,
           fetch: dict | None = None, lock_wait: float = 0.0, workers: int = 1, dask: str | None = None,
           max_failed_share: float = 1.0) -> dict:
    """`sources`: files, directories, globs, WARC archives, URL lists, page/feed/sitemap URLs
    or names from sources.yaml. `non_arabic`: keep pages that are not mostly Arabic (flagged
    by `language`) or quarantine them (reason not_arabic). `duplicate_threshold`: estimated
    Jaccard similarity from which an article is marked a near-duplicate of an earlier one;
    `duplicate_window`: of one dated (published, else ingested) at most that many days apart.
    `fetch`: FetchPolicy settings (timeouts, limits, per-host rate, allow_private …).
    `lock_wait`: seconds to wait for another run writing to `out` before giving up.
    `workers`: more than 1 runs batches on a local Dask cluster of that many processes;
    `dask`: the address of an existing Dask scheduler to run them on instead.
    `max_failed_share`: a run in which at least this share of the inputs failed before
    extraction (unreadable, not fetched) is Failed, its rows written all the same (1.0: only
    when every input failed: an offline run is not green)."""
    logger = get_run_logger()
    quiet_task_run_completions()
    run = RunContext(run_id=flow_run.id or str(uuid.uuid4()), started_at=datetime.now(timezone.utc),
                     pipeline_version=PIPELINE_VERSION)
    report = RunReport(run.run_id, run.started_at, list(sources), str(out), PIPELINE_VERSION)

    # Batches run here, or on a Dask cluster, which starts with the first batch.
    with survivors_frozen(), batch_stages(workers, dask, logger.info) as stages:
        with Store(Path(out), wait=lock_wait) as store:       # one writer per DIR
            # On a cluster batches run while the sources are still walked.
            manifest = Manifest.open(current_version(Path(out)))
            inputs = Inputs(sources, Path(out), manifest, FetchPolicy.from_settings(fetch), report, batch_size,
                            streamed=stages.in_flight > 1, log=logger.info)
            data_docs = DataDocs(stages, Path(out), run.label, lambda: inputs.batch_count)
            staging = index = None
            progress = Progress(total=None)
            stop_artifact = lambda: None     # noqa: E731
            try:
                for batch in prepared(stages, inputs.batches(), run, non_arabic, str(site_dir(Path(out))),
                                       taken=data_docs.take):
                    if staging is None:      # begun with the first batch: a run with nothing new changes nothing
                        staging, index = _begin(store, run, manifest, duplicate_threshold, duplicate_window, logger)
                        stop_artifact = subscribe(ProgressArtifact(out))
                    _finish_batch(batch, run, staging, index, manifest, report, logger)
                    progress.done += len(batch.refs)
                    progress.total = inputs.new_count
                    publish(progress)
                stop_artifact()
                found = inputs.found
                assert found is not None      # set when batches() is exhausted
                if found.rejections:
                    if staging is None:
                        staging, index = _begin(store, run, manifest, duplicate_threshold, duplicate_window, logger)
                    _write_early_rejections(inputs.batch_count, found.rejections, run, staging, manifest, index,
                                            report)
                report.check()                 # before the commit: a run whose counts do not add up is not committed
                if staging is not None and index is not None:
                    report.version = Path(commit_task(store, staging)).name
            except BaseException:
                stop_artifact()
                if staging is not None:
                    store.abandon(staging)
                raise
        report.data_docs = data_docs.index_page()
    summary = report.as_dict()
    summary["report_path"] = str(write_report(summary, Path(out), run))
    publish_run_artifacts(summary, run.label)
    failed = len(inputs.found.rejections) if inputs.found is not None else 0
    if report.inputs and failed / report.inputs >= max_failed_share:
        raise TooManyFailed(f"{failed} of {report.inputs} inputs failed before extraction (share "
                            f"{failed / report.inputs:.2f} >= --max-failed-share {max_failed_share:g}); their "
                            f"quarantine rows are written, reasons in {summary['report_path']}", summary)
    return summary


class TooManyFailed(RuntimeError):
    """The run wrote what it could, but too many inputs failed before extraction: Failed."""

    def __init__(self, message: str, summary: dict):
        super().__init__(message)
        self.summary = summary


class DataDocs:
    """The run's Data Docs index. Each batch's page is rendered where it was validated; the
    index, from every batch's summary, once the last batch is taken: on a worker while this
    process writes the last batches and commits, or here once the run is committed."""

    def __init__(self, stages, out: Path, run_name: str, batch_count: Callable[[], int | None]):
        self.stages, self.out, self.run_name, self.batch_count = stages, out, run_name, batch_count
        self.summaries: list = []
        self.taken = 0
        self.handle = None

    def take(self, batch: BatchState) -> None:
        self.summaries += batch.validation_results
        self.taken += 1
        if self.taken == self.batch_count() and self.summaries:
            self.handle = self.stages.submit(data_docs_task, out_dir=str(self.out.resolve()), run_name=self.run_name,
                                             summaries=self.summaries)

    def index_page(self) -> str | None:
        return None if self.handle is None else self.stages.result(self.handle)


def _begin(store: Store, run: RunContext, manifest: Manifest, duplicate_threshold: float, duplicate_window: int,
           logger) -> tuple[Staging, DedupIndex]:
    """The run's staging version (a copy of the current one, which the manifest now
    describes) and the dedup index it carries."""
    staging = store.begin(run.label)
    manifest.rebase(staging.path)
    _upgrade_older_files(staging.path, logger)
    return staging, DedupIndex.open(staging.path, duplicate_threshold, duplicate_window)


def _upgrade_older_files(staging: Path, logger) -> None:
    if schema_is_current(staging):
        return
    upgraded = upgrade_files(staging / ARTICLES_DIR, ARTICLES) + upgrade_files(staging / QUARANTINE_DIR, QUARANTINE)
    if upgraded:
        logger.info("%d files written by an earlier khabar rewritten with the columns added since", len(upgraded))


def _write_early_rejections(batch_no, rejections, run, staging, manifest, index, report) -> None:
    """Inputs that failed before extraction (a fetch, a feed, a WARC record) get their
    quarantine rows like any batch's."""
    refs = [InputRef(r.source_uri, r.doc_id, 0) for r in rejections]
    wrote = write_task(ARTICLES.empty_table(), rejections, str(staging.path), run, batch_no, manifest, index)
    report.add_stage("write", wrote.stats)
    report.add_batch(refs, ARTICLES.empty_table(), rejections, wrote.output)


def _finish_batch(batch: BatchState, run, staging, index, manifest, report, logger) -> None:
    """The sequential end of a batch, in batch order: dedup against everything before it, write."""
    batch_no, refs = batch.batch_no, batch.refs
    deduped = dedup_task(index, batch)
    articles, duplicates = deduped.output.articles, deduped.output.duplicates
    rejections = deduped.rejections + unaccounted(refs, articles, deduped.rejections)
    for r in deduped.rejections:
        if r.reason == "batch_invalid":
            logger.warning("batch %d stopped, nothing of it written: %s", batch_no, r.detail)
            break
    wrote = write_task(articles, rejections, str(staging.path), run, batch_no, manifest, index, former_names(refs))
    written = wrote.output
    for stage, stats in deduped.stats.items():
        report.add_stage(stage, stats)
    report.add_stage("write", wrote.stats)
    report.add_batch(refs, articles, rejections, written, duplicates)
    release_freed_memory()
    logger.info("batch %d: %d inputs, %d articles (%d duplicates), %d quarantine rows; process memory %.0f MiB",
                batch_no, len(refs), written["articles"], duplicates, written["quarantine"], rss_mib() or 0)
