"""Batches on Dask (flows/cluster.py) give the dataset a single process gives: on a local cluster
of two workers (`--workers 2`) and on a cluster started apart, as a user's would be (`--dask`)."""
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from bench.corpus import build
from flows.ingest import ingest
from flows.api_server import free_port
from flows.cluster import batch_stages
from tests.conftest import ROOT, SEEDS, flow_run_task_names, wait_for

pytestmark = pytest.mark.e2e

# Columns that name the run, not the content.
RUN_COLUMNS = ["run_id", "ingested_at", "quarantined_at"]
BATCH = 8


def corpus(root: Path) -> Path:
    """Several batches of generated pages, copies of some of them under other names (marked
    duplicates: the answer depends on the order batches are deduplicated in), the seeds, and
    inputs that end in quarantine."""
    html, text = build(root / "gen", 24)
    inputs = root / "inputs"
    shutil.copytree(SEEDS, inputs)
    for page in sorted(html.iterdir()) + sorted(text.iterdir()):
        shutil.copy(page, inputs / page.name.replace(".", "-" + page.parent.name + "."))
    for n, page in enumerate(sorted(text.iterdir())[:6]):      # the same story, one sentence added
        story = page.read_text(encoding="utf-8").replace("اقرأ أيضا", "وأضاف المتحدث أن العمل مستمر.\nاقرأ أيضا")
        (inputs / f"zz-copy-{n}.txt").write_text(story, encoding="utf-8")
    (inputs / "empty.txt").write_bytes(b"")
    (inputs / "image.html").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    return inputs


def dataset(out: Path, name: str) -> list[dict]:
    table = ds.dataset(out / name, format="parquet", partitioning="hive").to_table()
    table = table.drop_columns([c for c in RUN_COLUMNS if c in table.column_names])
    key = "article_id" if name == "articles" else "source_uri"
    return sorted(table.to_pylist(), key=lambda row: (row[key], str(row)))


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def single_process(prefect_api, tmp_path_factory):
    """The corpus and what one process (no Dask) made of it: the reference for both tests."""
    root = tmp_path_factory.mktemp("cluster")
    inputs = corpus(root)
    report = ingest(sources=[str(inputs)], out=str(root / "single"), batch_size=BATCH)
    assert report["inputs"] == 5 + 48 + 6 + 2 and report["duplicates"] >= 6 and report["quarantined"] == 2
    return inputs, root / "single", report


def test_two_dask_workers_write_the_dataset_one_process_writes(single_process, tmp_path):
    inputs, single_out, single = single_process
    on_dask = ingest(sources=[str(inputs)], out=str(tmp_path / "dask"), batch_size=BATCH, workers=2)

    for key in ("inputs", "articles", "quarantined", "duplicates", "documents_with_articles", "quarantine_reasons"):
        assert on_dask[key] == single[key], key
    assert dataset(tmp_path / "dask", "articles") == dataset(single_out, "articles")
    assert dataset(tmp_path / "dask", "quarantine") == dataset(single_out, "quarantine")
    # Every batch's stages ran as task runs of the flow, and its Data Docs list every batch.
    batches = -(-on_dask["inputs"] // BATCH)
    names = flow_run_task_names(on_dask["run_id"])
    for stage in ("extract", "strip", "normalize", "validate", "fingerprint", "dedup", "write"):
        assert {f"{stage}-batch-{n}" for n in range(batches)} <= names, stage
    docs = Path(on_dask["data_docs"]).read_text(encoding="utf-8")
    assert all(f"-batch-{n}" in docs for n in range(batches))


def test_khabar_runs_on_an_existing_dask_cluster_record_every_task_run(single_process, tmp_path):
    """Issue "First contact" item 2: consecutive runs on one long-lived cluster each record
    all their task runs (workers report to the API they were first given: a run with a
    temporary server is refused, see below)."""
    from prefect.settings import PREFECT_API_URL

    inputs, single_out, _ = single_process
    port = free_port()
    bin_dir = Path(sys.executable).parent
    scheduler = subprocess.Popen([bin_dir / "dask", "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                  "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worker = None
    try:
        wait_for("the Dask scheduler", lambda: listening(port), 60, every=0.3)
        worker = subprocess.Popen([bin_dir / "dask", "worker", f"tcp://127.0.0.1:{port}", "--nworkers", "2",
                                   "--nthreads", "1", "--no-dashboard"], cwd=ROOT,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}
        for run in ("first", "second"):
            out = tmp_path / run
            done = subprocess.run([sys.executable, "-m", "flows.cli", "run", str(inputs), "--out", str(out),
                                   "--batch-size", str(BATCH), "--dask", f"tcp://127.0.0.1:{port}", "--json"],
                                  cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
            assert done.returncode == 0, done.stderr[-3000:]
            assert "Dask: 2 workers at tcp://127.0.0.1:" in done.stderr
            assert "dashboard" not in done.stdout + done.stderr        # none runs: no line may point at one
            assert dataset(out, "articles") == dataset(single_out, "articles")
            assert dataset(out, "quarantine") == dataset(single_out, "quarantine")
            report = json.loads(done.stdout)
            names = flow_run_task_names(report["run_id"])
            for batch in range(-(-report["inputs"] // BATCH)):
                assert {f"{stage}-batch-{batch}" for stage in ("extract", "strip", "normalize", "validate",
                                                               "fingerprint", "dedup", "write")} <= names, (run, batch)
    finally:
        for process in (worker, scheduler):
            if process:
                process.terminate()
                process.wait(30)


def test_a_dask_address_nothing_answers_at_is_refused_in_one_line(tmp_path):
    port = free_port()
    env = {**os.environ, "PREFECT_API_URL": "http://127.0.0.1:9/api"}        # checked before it is used
    done = subprocess.run([sys.executable, "-m", "flows.cli", "run", str(SEEDS), "--out", str(tmp_path / "data"),
                           "--dask", f"tcp://127.0.0.1:{port}"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2
    assert done.stderr.startswith(f"khabar: error: --dask tcp://127.0.0.1:{port}: no Dask scheduler answers there")
    assert "Traceback" not in done.stderr and not (tmp_path / "data" / "articles").exists()


def test_dask_with_a_temporary_prefect_server_is_refused_in_one_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    done = subprocess.run([sys.executable, "-m", "flows.cli", "run", str(SEEDS), "--out", str(tmp_path / "data"),
                           "--dask", "tcp://127.0.0.1:9"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert done.stderr.startswith("khabar: error: --dask needs PREFECT_API_URL")


def _child_pid() -> int:
    from tasks.isolated import call_isolated

    return call_isolated(os.getpid, (), 60)


def test_local_cluster_workers_keep_glibcs_own_malloc_thresholds_and_can_start_children(caplog):
    """Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_ set, which pins glibc's mmap
    threshold: large blocks are then mapped and unmapped each time (HTML pages ran 14 % slower).
    A local cluster khabar starts leaves it unset, and keeps Dask's other worker settings. Its
    workers are not daemons, so each starts the child that extracts HTML within its limit, and
    stops it when the cluster closes (a worker with a live child outlasted the close and was
    killed by its nanny)."""
    import logging

    from tasks.isolated import can_isolate

    with caplog.at_level(logging.WARNING, logger="distributed.nanny"):
        with batch_stages(workers=2, log=lambda line: None) as stages:
            stages.started = True                                   # as after its first batch
            environ = stages.runner.client.run(lambda: {**{k: os.environ.get(k) for k in ("MALLOC_TRIM_THRESHOLD_",
                                                                                           "OMP_NUM_THREADS")},
                                                        "children": can_isolate()})
            children = stages.runner.client.run(_child_pid)
    assert len(set(children.values())) == 2
    assert not [r for r in caplog.records if "still alive" in r.getMessage()], caplog.text
    assert len(environ) == 2
    assert all(env == {"MALLOC_TRIM_THRESHOLD_": None, "OMP_NUM_THREADS": "1", "children": True}
               for env in environ.values()), environ
