"""A run killed with SIGKILL at any point of its write leaves the dataset exactly as the last
completed run left it; the next run then gives what a clean run gives."""
import os
import shutil
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from flows.ingest import ingest
from tests.conftest import PAGES, ROOT

pytestmark = pytest.mark.e2e

# Every crash point of the write path (tasks/faults.py), in the order a run meets them.
CRASH_POINTS = ["write:articles_written", "write:batch_done", "commit:before_rename",
                "commit:before_swap", "commit:after_swap"]


def state(out: Path) -> tuple:
    """What a reader sees: article and quarantine rows (no partial files, no duplicates)."""
    def rows(table, columns):
        path = out / table
        if not path.exists():
            return []
        return sorted(tuple(r[c] for c in columns) for r in ds.dataset(path, format="parquet").to_table().to_pylist())

    articles = rows("articles", ["article_id", "content_hash", "duplicate_of", "source_uri", "title"])
    assert len({a[0] for a in articles}) == len(articles), "duplicate article rows"
    return articles, rows("quarantine", ["source_uri", "reason"])


def run_all(jobs: list[dict], env: dict) -> dict:
    """Runs `khabar run` jobs ({"name", "out", "inputs", "env", "kill_after"}) as forks of two
    zygotes (tests/zygote.py) side by side; a job with `kill_after` seconds is SIGKILLed then.
    Returns {name: exit code}."""
    import signal
    import threading
    import time

    from tests.zygote import Zygote

    exits, queues = {}, [jobs[0::2], jobs[1::2]]

    def work(queue):
        zygote = Zygote(env, ROOT)
        try:
            for job in queue:
                argv = ["run", str(job["inputs"]), "--out", str(job["out"]), "--batch-size", str(job.get("batch_size", 500))]
                pid = zygote.start(argv, job["out"].parent / f"{job['name']}.log", job.get("env"))
                started = time.monotonic()
                if job.get("kill_after") is not None:
                    time.sleep(max(0.0, job["kill_after"] - (time.monotonic() - started)))
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass                        # it finished first: fine, and checked like the rest
                exits[job["name"]] = (zygote.wait(), time.monotonic() - started)
        finally:
            zygote.close()

    threads = [threading.Thread(target=work, args=(q,)) for q in queues if q]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return exits


def two_runs_inputs(seeds_copy: Path, tmp_path: Path, pages: list[Path], first_count: int) -> tuple[Path, Path]:
    """The inputs of a first run, and of a second run that adds pages, changes one page of the
    first (its rows must be replaced) and adds an empty file (a quarantine row)."""
    first_inputs, second_inputs = tmp_path / "first", tmp_path / "second"
    first_inputs.mkdir()
    for page in pages[:first_count]:
        shutil.copy(page, first_inputs / page.name)
    shutil.copytree(first_inputs, second_inputs)
    for page in pages[first_count:]:
        shutil.copy(page, second_inputs / page.name)
    changed = second_inputs / pages[first_count - 1].name
    text = changed.read_text(encoding="utf-8")
    changed.write_text(text.replace("\n", "\n(تحديث)\n", 1), encoding="utf-8")
    (second_inputs / "empty.txt").write_bytes(b"")
    return first_inputs, second_inputs


def rerun_all(jobs: list[dict], inputs: Path) -> None:
    """Reruns each job's DIR to completion (in one batch: batch size changes no row)."""
    exits = run_all([{**job, "name": f"{job['name']}-rerun", "env": {}, "kill_after": None, "batch_size": 500}
                     for job in jobs], prefect_env())
    for job in jobs:
        assert exits[f"{job['name']}-rerun"][0] == 0, (job["out"].parent / f"{job['name']}-rerun.log").read_text()[-2000:]


def last_report(out: Path) -> dict:
    import json

    return json.loads(max((out / "reports").glob("*.json"), key=lambda p: p.stat().st_mtime_ns).read_text())


def check_recovered(out: Path, expected: tuple, report: dict, what) -> None:
    assert state(out) == expected, what
    assert not list((out / ".versions").glob(".staging-*")), what
    assert not [p for p in (out / "current").rglob(".*")], what
    assert report["inputs"] == report["documents_with_articles"] + report["quarantined"] + report["unchanged"], what


def prefect_env() -> dict:
    from prefect.settings import PREFECT_API_URL

    return {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "PYTHONPATH": str(ROOT)}


def test_kill_at_every_point_of_the_write_then_rerun(prefect_api, seeds_copy, tmp_path):
    seeds = sorted(seeds_copy.glob("*.txt"))
    first_inputs, second_inputs = two_runs_inputs(seeds_copy, tmp_path, seeds, 3)
    before = tmp_path / "before"
    ingest(sources=[str(first_inputs)], out=str(before))
    previous = state(before)
    clean = tmp_path / "clean"
    shutil.copytree(before, clean, symlinks=True)
    ingest(sources=[str(second_inputs)], out=str(clean))
    expected = state(clean)
    assert expected != previous

    jobs = []
    for point in CRASH_POINTS:
        out = tmp_path / f"killed-{point.replace(':', '-')}"
        shutil.copytree(before, out, symlinks=True)
        jobs.append({"name": point, "out": out, "inputs": second_inputs, "env": {"KHABAR_CRASH_AT": point}})
    exits = run_all(jobs, prefect_env())
    for job in jobs:
        point, out = job["name"], job["out"]
        assert exits[point][0] == -9, (point, (out.parent / f"{point}.log").read_text()[-2000:])
        # Before the swap the last completed run is what readers see; after it, this run is complete.
        assert state(out) == (expected if point == "commit:after_swap" else previous), point
    rerun_all(jobs, second_inputs)
    for job in jobs:
        check_recovered(job["out"], expected, last_report(job["out"]), job["name"])


KILLS = 20


def test_kill_at_random_moments_then_rerun(prefect_api, seeds_copy, tmp_path):
    """SIGKILL at 20 moments drawn at random over a whole run (discover, extract, validation,
    writes, commit): readers see either the last completed run or this one, never a mix;
    the rerun then gives exactly what an uninterrupted run gives."""
    import random

    pages = sorted(seeds_copy.glob("*.txt")) + sorted((PAGES / "outlets").glob("*.txt")) + [PAGES / "html" / "skynews_article.html"]
    first_inputs, second_inputs = two_runs_inputs(seeds_copy, tmp_path, pages, 6)
    before = tmp_path / "before"
    ingest(sources=[str(first_inputs)], out=str(before), batch_size=3)
    previous = state(before)

    def job(name, kill_after=None):
        out = tmp_path / name
        shutil.copytree(before, out, symlinks=True)
        return {"name": name, "out": out, "inputs": second_inputs, "batch_size": 3, "kill_after": kill_after}

    # Two uninterrupted runs side by side (as the killed ones will run) give the expected dataset
    # and the length of a run to draw the moments from.
    uninterrupted = [job("uninterrupted-a"), job("uninterrupted-b")]
    exits = run_all(uninterrupted, prefect_env())
    assert [exits[j["name"]][0] for j in uninterrupted] == [0, 0], (tmp_path / "uninterrupted-a.log").read_text()[-2000:]
    expected, run_seconds = state(uninterrupted[0]["out"]), max(exits[j["name"]][1] for j in uninterrupted)
    assert state(uninterrupted[1]["out"]) == expected != previous

    # Moments drawn over the run; a run that finished before its moment counts as no kill, and
    # more are drawn (over the shortest run seen) until KILLS runs were really killed.
    rng = random.Random(20261123)
    jobs, outcomes, killed = [], [], 0
    # Bounded, so runs that always end before their moment cannot loop forever; enough rounds
    # that runs shorter than measured (a loaded machine's first runs) still reach KILLS.
    for round_no in range(8):
        batch = [job(f"kill-{round_no}-{n:02d}", round(rng.uniform(0.3, run_seconds), 2)) for n in range(KILLS - killed)]
        exits = run_all(batch, prefect_env())
        for j in batch:
            name, out = j["name"], j["out"]
            seen = state(out)
            assert seen in (previous, expected), (name, j["kill_after"])       # all or nothing
            outcomes.append((j["kill_after"], exits[name][0], "committed" if seen == expected else "not committed"))
            killed += exits[name][0] == -9
        jobs += batch
        # Runs that ended before their moment show the runs are shorter now than measured.
        run_seconds = min([run_seconds] + [exits[j["name"]][1] for j in batch if exits[j["name"]][0] == 0])
        if killed >= KILLS:
            break
    rerun_all(jobs, second_inputs)
    for j in jobs:
        check_recovered(j["out"], expected, last_report(j["out"]), j["name"])
    print(f"run {run_seconds:.1f} s; kills (moment, exit, dataset after the kill):", *outcomes, sep="\n  ")
    assert killed >= KILLS and {"committed", "not committed"} <= {o[2] for o in outcomes}, outcomes


def test_rerun_changes_nothing_and_commits_no_new_version(prefect_api, seeds_copy, tmp_path):
    out = tmp_path / "data"
    first = ingest(sources=[str(seeds_copy)], out=str(out))
    snapshot = state(out)
    second = ingest(sources=[str(seeds_copy)], out=str(out))
    assert (first["version"], second["version"]) == ("v000001", None)
    assert state(out) == snapshot and os.readlink(out / "current").endswith("v000001")
