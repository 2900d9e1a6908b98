"""End-to-end throughput (issue "Performance"): builds a deterministic corpus of N HTML pages and
N text dumps (default 10,000 each; bench/corpus.py: realistic article pages of ~95 KB, no two
the same), then prints in one table:

- trafilatura `bare_extraction(with_metadata=True)` alone on the HTML pages (docs/s);
- khabar end to end on the same pages (docs/s) and the ratio of the two;
- khabar end to end on the text dumps (docs/s, per core);
- the same two runs on a local Dask cluster of WORKERS processes, and the speed-up;
- seconds per stage, Prefect's share (run time not spent in any stage), peak RSS;
- what a cold start costs apart: the first run of a process (importing Great Expectations
  alone takes ~7 s) and starting the cluster and its workers' imports.

Throughput is measured warm, as a scheduled deployment or a long-lived cluster runs: each
process (this one, each Dask worker) has made one small run before the timed ones. The cold
costs are per process, not per document, and are printed on their own line. A text run is
short (10-16 s): its figures are the median of 3 runs.

    .venv/bin/python -m bench.pipeline [N [WORKERS [KINDS]]]     KINDS: HTML,text (the default) or one

Figures, not tests: the machine's load moves them (the load average is printed with them)."""
from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from bench.corpus import build
from tasks.isolated import stop_children

WARM_UP_DOCS = 40     # of each kind: enough for every stage to have run once


def trafilatura_alone(pages: list[Path]) -> float:
    from trafilatura import bare_extraction

    started = time.perf_counter()
    for page in pages:
        bare_extraction(page.read_text(encoding="utf-8"), with_metadata=True)
    return len(pages) / (time.perf_counter() - started)


def khabar(sources: list[Path], out: Path, dask: str | None = None) -> dict:
    from flows.ingest import ingest

    started = time.perf_counter()
    report = ingest(sources=[str(s) for s in sources], out=str(out), dask=dask)
    report["wall"] = time.perf_counter() - started
    return report


# A text run takes 10-16 s, and this machine's noise moves single runs by ±0.4 s (more than a
# tenth of the 2-worker speed-up): its figures are the median of 3 runs, each into a new DIR.
# An HTML run takes minutes: one.
REPEATS = {"HTML": 1, "text": 3}


def median_run(kind: str, source: Path, out: Path, dask: str | None = None) -> dict:
    done = sorted((khabar([source], out.with_name(f"{out.name}-{n}"), dask=dask) for n in range(REPEATS[kind])),
                  key=lambda run: run["wall"])
    return done[len(done) // 2]


def prefect_share(run: dict) -> str:
    """Run time not spent inside a stage (in one process; with workers, stages overlap)."""
    rest = run["wall"] - sum(run["stage_seconds"].values())
    return f"Prefect and the rest {rest:.1f} s ({100 * rest / run['wall']:.0f} %)"


@contextmanager
def local_cluster(workers: int):
    """The cluster `khabar run --workers N` starts (flows/cluster.py), kept for several runs."""
    import dask
    from distributed import LocalCluster

    from flows.cluster import LOCAL_CLUSTER, LOCAL_CLUSTER_CONFIG

    with dask.config.set(LOCAL_CLUSTER_CONFIG), LocalCluster(n_workers=workers, **LOCAL_CLUSTER) as cluster:
        yield cluster


def main() -> None:
    from flows.api_server import prefect_api

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    kinds = sys.argv[3].split(",") if len(sys.argv) > 3 else ["HTML", "text"]
    with tempfile.TemporaryDirectory() as tmp, prefect_api():
        root = Path(tmp)
        started = time.perf_counter()
        html, text = build(root / "corpus", n)
        warm_up = build(root / "warm-up", WARM_UP_DOCS, seed=10)
        print(f"corpus: {n} HTML pages + {n} text dumps, built in {time.perf_counter() - started:.0f} s")
        sources = {kind: source for kind, source in (("HTML", html), ("text", text)) if kind in kinds}
        alone = trafilatura_alone(sorted(html.iterdir())) if "HTML" in kinds else None

        cold = {1: khabar(warm_up, root / "warm-up-1")["wall"]}
        runs = {(kind, 1): median_run(kind, source, root / f"out-{kind}-1") for kind, source in sources.items()}
        started = time.perf_counter()
        if workers > 1:
            with local_cluster(workers) as cluster:
                khabar(warm_up, root / f"warm-up-{workers}", dask=cluster.scheduler_address)
                cold[workers] = time.perf_counter() - started
                for kind, source in sources.items():
                    runs[kind, workers] = median_run(kind, source, root / f"out-{kind}-{workers}",
                                                     cluster.scheduler_address)
    stop_children()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    load = os.getloadavg()
    rate = {key: n / run["wall"] for key, run in runs.items()}
    rows = [("trafilatura alone, HTML", f"{alone:.0f} docs/s", "one process")] if alone else []
    for (kind, w), run in runs.items():
        where = "one process" if w == 1 else f"{w} Dask workers"
        rows.append((f"khabar end to end, {kind}, {where}", f"{rate[kind, w]:.0f} docs/s",
                     f"{run['articles']} articles, {run['wall']:.0f} s" + (f"; {prefect_share(run)}" if w == 1 else "")
                     + (f" (median of {REPEATS[kind]} runs)" if REPEATS[kind] > 1 else "")))
    measured = sorted({w for _, w in runs})
    for w in measured if alone else ():
        rows.append((f"HTML: khabar / trafilatura, {'one process' if w == 1 else f'{w} workers'}",
                     f"{rate['HTML', w] / alone:.2f}", "target ≥ 0.90"))
    for w in measured if "text" in sources else ():
        rows.append((f"text dumps per core, {'one process' if w == 1 else f'{w} workers'}",
                     f"{rate['text', w] / w:.0f} docs/s", "target ≥ 300"))
    for kind in sources if workers > 1 else ():
        rows.append((f"{workers} workers / one process, {kind}", f"{rate[kind, workers] / rate[kind, 1]:.2f} ×",
                     "target ≥ 1.7"))
    rows.append(("peak RSS of the run process", f"{peak:.0f} MiB", "target < 1 GB"))
    rows.append(("peak RSS of a child process", f"{peak_child:.0f} MiB",
                 "the HTML extraction child, the Prefect server, a Dask worker: the largest"))
    rows.append(("cold start, one process", f"{cold[1]:.1f} s",
                 f"first run of the process ({2 * WARM_UP_DOCS} documents), imports included"))
    if workers > 1:
        rows.append((f"cold start, {workers} workers", f"{cold[workers]:.1f} s",
                     f"cluster start + first run ({2 * WARM_UP_DOCS} documents), the workers' imports included"))
    width = max(len(r[0]) for r in rows)
    print(f"\nmachine: {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    for label, value, note in rows:
        print(f"{label:<{width}}  {value:>14}  {note}")
    for (kind, w), run in runs.items():
        print(f"stage seconds, {kind}, {w} worker{'s' if w > 1 else ''}: "
              + ", ".join(f"{k} {v:.1f}" for k, v in run["stage_seconds"].items()))


if __name__ == "__main__":
    main()
