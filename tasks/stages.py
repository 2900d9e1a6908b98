"""The pipeline's Prefect tasks: each a thin call of a stage's own function (tasks/<stage>.py,
which import no Prefect), so that the Prefect UI shows one task run per stage and batch while
the computation runs and is tested without an API."""
from __future__ import annotations

import time
from pathlib import Path

import pyarrow as pa
from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.data_docs import render_index, render_pages, site_dir
from tasks.dedup import DedupIndex, Deduped, Fingerprinted, dedup_batch, fingerprint_batch
from tasks.discover import Walk
from tasks.extract import extract_batch
from tasks.fetch import Fetched, Fetcher, FetchError
from tasks.normalize import normalize_batch
from tasks.records import (Article, BatchState, InputRef, Page, Rejection, RunContext, StageResult, StageStats,
                           former_names, input_rejection)
from tasks.strip import strip_batch
from tasks.validate import validate_batch
from tasks.manifest import Manifest
from tasks.write import part_name, write_batch


@task(name="discover", cache_policy=NO_CACHE)
def discover_task(walk: Walk, settled: int | None = None) -> float:
    """Walks on (Walk.until); returns the seconds it took."""
    started = time.perf_counter()
    walk.until(settled)
    return time.perf_counter() - started


@task(name="fetch", cache_policy=NO_CACHE, task_run_name="fetch-{url}")
def fetch_page_task(fetcher: Fetcher, url: str) -> Fetched:
    return fetcher.fetch_retrying(url)


def fetch_pages(fetcher: Fetcher, urls: list[str]) -> tuple[list[InputRef], list[Rejection]]:
    """Every URL fetched as its own Prefect task (retried when transient, fetch_retrying),
    concurrently within the per-host limits; a URL that fails gets a quarantine row."""
    futures = [(url, fetch_page_task.submit(fetcher, url)) for url in urls]
    refs, rejections = [], []
    for url, future in futures:
        future.wait()
        state = future.state
        if state.is_completed():
            refs.append(future.result().ref(url))
            continue
        error = state.result(raise_on_failure=False)
        if isinstance(error, FetchError):
            rejections.append(input_rejection(url, "fetch", error.reason, error.detail))
        else:
            rejections.append(input_rejection(url, "fetch", "fetch_failed", f"{type(error).__name__}: {error}"[:300]))
    return refs, rejections


@task(name="extract", cache_policy=NO_CACHE, task_run_name="extract-batch-{batch.batch_no}")
def extract_task(batch: BatchState[list[InputRef]]) -> BatchState[list[Page]]:
    return batch.advance("extract", extract_batch(batch.output))


@task(name="strip", cache_policy=NO_CACHE, task_run_name="strip-batch-{batch.batch_no}")
def strip_task(batch: BatchState[list[Page]]) -> BatchState[list[Article]]:
    return batch.advance("strip", strip_batch(batch.output))


@task(name="normalize", cache_policy=NO_CACHE, task_run_name="normalize-batch-{batch.batch_no}")
def normalize_task(batch: BatchState[list[Article]], run: RunContext,
                   non_arabic: str = "keep") -> BatchState[list[dict]]:
    return batch.advance("normalize", normalize_batch(batch.output, run, non_arabic))


@task(name="validate", cache_policy=NO_CACHE, task_run_name="validate-batch-{batch.batch_no}")
def validate_task(batch: BatchState[list[dict]], run_name: str, docs_site: str) -> BatchState[pa.Table]:
    """Validates the batch and renders its Data Docs page into `docs_site`; the batch carries
    the result's summary on, for the index."""
    started = time.perf_counter()
    name = f"{run_name}-batch-{batch.batch_no}"
    state = batch.advance("validate", validate_batch(batch.output, name))
    state.validation_results.extend(render_pages(Path(docs_site), name))
    state.stats["validate"].seconds = time.perf_counter() - started
    return state


@task(name="fingerprint", cache_policy=NO_CACHE, task_run_name="fingerprint-batch-{batch.batch_no}")
def fingerprint_task(batch: BatchState[pa.Table]) -> BatchState[Fingerprinted]:
    return batch.advance("fingerprint", fingerprint_batch(batch.output))


@task(name="dedup", cache_policy=NO_CACHE, task_run_name="dedup-batch-{batch.batch_no}")
def dedup_task(index: DedupIndex, batch: BatchState[Fingerprinted]) -> BatchState[Deduped]:
    return batch.advance("dedup", dedup_batch(index, batch.output, former_names(batch.refs)))


@task(name="write", cache_policy=NO_CACHE, task_run_name="write-batch-{batch_no}")
def write_task(articles: pa.Table, rejections: list[Rejection], staging: str, run: RunContext,
               batch_no: int = 0, manifest: Manifest | None = None,
               index: DedupIndex | None = None, former_names: dict[str, str] | None = None) -> StageResult[dict]:
    """The batch's rows, and its articles' entries in the duplicate index (`index`)."""
    started = time.perf_counter()
    written = write_batch(articles, rejections, Path(staging), run, batch_no, manifest, former_names)
    if index is not None:
        index.write_batch(part_name(run, batch_no), [(a, d) for a, d in written["removed"] if d is not None])
    return StageResult(output=written, stats=StageStats(seconds=time.perf_counter() - started))


@task(name="data-docs", cache_policy=NO_CACHE)
def data_docs_task(out_dir: str, run_name: str, summaries: list) -> str | None:
    index = render_index(site_dir(Path(out_dir)), run_name, summaries)
    return str(index) if index else None
