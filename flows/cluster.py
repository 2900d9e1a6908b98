"""Where a batch's independent stages run (extract → strip → normalize → validate →
fingerprint): here, one batch after the other, or on a Dask cluster through prefect-dask,
several batches at once. Dedup and write stay in the flow, in batch order, so the dataset
does not depend on which worker finished first.

    khabar run --workers N            a local cluster of N worker processes
    khabar run --dask tcp://HOST:PORT an existing cluster (workers need khabar installed and
                                      the sources and DIR at the same paths: shared storage)
"""
from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import partial

from prefect import task
from prefect.cache_policies import NO_CACHE

from flows.settings import quiet_task_run_completions
from tasks.memory import release_freed_memory
from tasks.records import BatchState, RunContext
from tasks.stages import extract_task, fingerprint_task, normalize_task, strip_task, validate_task

# A local cluster (`--workers N`): one thread per worker process, because the stages are
# CPU-bound Python and threads would share one core; no dashboard, because it needs bokeh and
# a scheduled run has no one watching it.
LOCAL_CLUSTER = {"threads_per_worker": 1, "processes": True, "dashboard_address": None}
# Local workers: not daemons, so each can start the child that extracts HTML pages and is
# killed past the page limit (tasks/isolated.py); no statistical profiler, for a dashboard
# that is not there; glibc's own malloc thresholds (the nanny's MALLOC_TRIM_THRESHOLD_ makes
# every large block an mmap, which costs more time than the memory it gives back is worth);
# Dask's periodic checks slowed, as they take a core's share even while idle, while a
# blocked loop is still reported and a worker filling its memory still pauses within a
# second (docs/PITFALLS.md, bench/RESULTS.md).
LOCAL_CLUSTER_CONFIG = {"distributed.worker.daemon": False,
                        "distributed.worker.profile.enabled": False,
                        "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
                        "distributed.admin.tick.interval": "1s",
                        "distributed.worker.memory.monitor-interval": "1s",
                        "distributed.admin.system-monitor.interval": "2s"}

# Dask's own INFO lines (scheduler and worker start, connections) would bury the run's;
# prefect-dask's announce a dashboard at :8787 that does not exist (none is started) and the
# cluster, which the run's own "Dask: N workers at ADDRESS" line names.
DASK_LOGGERS = ("distributed", "distributed.scheduler", "distributed.nanny", "distributed.core",
                "distributed.worker", "distributed.http.proxy", "prefect.task_runner.dask")


class LocalStages:
    """Runs each stage at once, in this process (and in the main thread, where the per-page
    time limit uses an alarm signal)."""
    in_flight = 1

    def submit(self, task, **parameters):
        # Run when its result is taken: by then a Dask future would have run too, and the
        # flow's order stays the same with or without a cluster.
        return partial(task, **parameters)

    def result(self, handle):
        return handle() if isinstance(handle, partial) else handle

    def done(self, handle) -> bool:
        return not isinstance(handle, partial)       # a batch runs when taken

    def wait_any(self, handles) -> bool:
        return False                  # nothing runs meanwhile: the caller takes what it needs

    def submit_batch(self, **parameters):
        # The stages as task runs of the flow itself: a parent task run per batch would only
        # add Prefect's per-run cost here (and the flow gives memory back after each batch).
        return prepare_stages(**parameters)


class DaskStages:
    """Submits the stages as Prefect task runs to a Dask cluster; a batch's stages follow each
    other on the worker holding its data."""

    def __init__(self, runner, address: str | None, workers: int, log: Callable[[str], None]):
        self.runner, self.address, self.workers, self.log = runner, address, workers, log
        self.started = False
        # One batch queued per worker beyond the one it runs: workers never wait for the flow,
        # and no more than this many batches are in memory at once.
        self.in_flight = 2 * max(1, workers)

    def submit(self, task, **parameters):
        if not self.started:         # the cluster starts with the first task: a run with nothing new starts none
            self.started = True
            client = self.runner.client
            if self.address:
                self.workers = max(1, len(client.scheduler_info(n_workers=-1).get("workers", {})))
                self.in_flight = 2 * self.workers
            self.log(f"Dask: {self.workers} workers at {client.scheduler.address}")
        return self.runner.submit(task, parameters=parameters)

    def result(self, future) -> BatchState:
        return future.result()

    def done(self, future) -> bool:
        return future.wrapped_future.done()

    def wait_any(self, futures) -> bool:
        """Returns once one of `futures` is done (True: it waited)."""
        from distributed import wait

        with self.runner.client.as_current():        # prefect-dask's client is not Dask's default
            wait([f.wrapped_future for f in futures], return_when="FIRST_COMPLETED")
        return True

    def submit_batch(self, **parameters):
        return self.submit(prepare_task, **parameters)

    def stop_children(self) -> None:
        """A local cluster's workers stop their HTML extraction child before the cluster
        closes: a worker with a live child outlasts Dask's close and is killed after seconds.
        An existing cluster's workers keep theirs for the next run."""
        if self.started and not self.address:
            from tasks.isolated import stop_children

            self.runner.client.run(stop_children)


def prepare_stages(batch: BatchState, run: RunContext, non_arabic: str, docs_site: str) -> BatchState:
    """A batch's independent stages, each its own task run; `docs_site`: where validation
    renders the batch's Data Docs page."""
    batch = extract_task(batch)
    batch = strip_task(batch)
    batch = normalize_task(batch, run=run, non_arabic=non_arabic)
    batch = validate_task(batch, run_name=run.label, docs_site=docs_site)
    return fingerprint_task(batch)


@task(name="prepare", cache_policy=NO_CACHE, task_run_name="prepare-batch-{batch.batch_no}")
def prepare_task(batch: BatchState, run: RunContext, non_arabic: str, docs_site: str) -> BatchState:
    """The stages of a batch on a Dask worker, nested in this task run. One Dask task per
    batch, not one per stage: every Dask task sets up Prefect's context anew on the worker
    (settings rebuilt from the environment and TOML files, new API clients; ~50-80 ms), nested
    task runs reuse it."""
    quiet_task_run_completions()
    prepared = prepare_stages(batch, run, non_arabic, docs_site)
    release_freed_memory()       # what the batch's pages and trees took goes back before the next one
    return prepared


def prepare(stages, batch: BatchState, run: RunContext, non_arabic: str, docs_site: str):
    """Submits one batch's independent stages; a handle for `stages.result`."""
    return stages.submit_batch(batch=batch, run=run, non_arabic=non_arabic, docs_site=docs_site)


def prepared(stages, batches: Iterable[BatchState], run: RunContext, non_arabic: str, docs_site: str,
             taken: Callable[[BatchState], None] = lambda batch: None) -> Iterator[BatchState]:
    """Each batch after its independent stages, in the order given, with at most
    `stages.in_flight` batches submitted and not yet taken. `taken` sees each batch when it is
    taken from the stages, which may be before the batches ahead of it once there is nothing
    left to submit: a batch is then taken as soon as it is done, even while the flow waits for
    an earlier one, so what waits for all of them (the Data Docs index) starts as soon as the
    last is done, not after the flow's dedup and write of the batches ahead of it."""
    pending: deque = deque()
    for batch in batches:
        pending.append(prepare(stages, batch, run, non_arabic, docs_site))
        if len(pending) >= stages.in_flight:
            yield _take(stages, pending.popleft(), taken)
    out = list(pending)
    pending.clear()
    done: dict[int, BatchState] = {}
    for n, handle in enumerate(out):
        while n not in done:
            for later in range(n, len(out)):
                if later not in done and stages.done(out[later]):
                    done[later] = _take(stages, out[later], taken)
            if n not in done and not stages.wait_any([out[i] for i in range(n, len(out)) if i not in done]):
                done[n] = _take(stages, handle, taken)
        yield done.pop(n)


def _take(stages, handle, taken: Callable[[BatchState], None]) -> BatchState:
    batch = stages.result(handle)
    taken(batch)
    return batch


@contextmanager
def batch_stages(workers: int = 1, address: str | None = None, log: Callable[[str], None] = print):
    """LocalStages for one worker and no address; else DaskStages on a local cluster of
    `workers` processes, or on the cluster at `address`."""
    if workers <= 1 and not address:
        yield LocalStages()
        return
    import dask
    from prefect_dask import DaskTaskRunner

    for name in DASK_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    if address:
        runner = DaskTaskRunner(address=address)
    else:
        runner = DaskTaskRunner(cluster_kwargs={"n_workers": workers, **LOCAL_CLUSTER})
    # The workers take the config the cluster starts with (with the first batch, in this block).
    with dask.config.set(LOCAL_CLUSTER_CONFIG), runner:
        stages = DaskStages(runner, address, max(1, workers), log)
        try:
            yield stages
        finally:
            stages.stop_children()
