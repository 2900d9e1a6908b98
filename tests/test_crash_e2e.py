"""A run killed with SIGKILL at any point of its write leaves the dataset exactly as the last
completed run left it; the next run then gives what a clean run gives."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from flows.ingest import ingest
from tests.conftest import ROOT

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


def test_kill_at_every_point_of_the_write_then_rerun(prefect_api, seeds_copy, tmp_path):
    from prefect.settings import PREFECT_API_URL

    seeds = sorted(seeds_copy.glob("*.txt"))
    first_inputs = tmp_path / "first"
    first_inputs.mkdir()
    for page in seeds[:3]:
        shutil.copy(page, first_inputs / page.name)
    before = tmp_path / "before"
    ingest(sources=[str(first_inputs)], out=str(before))
    previous = state(before)

    # The killed run: two new pages, one changed page (its rows must be replaced), an empty file.
    second_inputs = tmp_path / "second"
    shutil.copytree(first_inputs, second_inputs)
    for page in seeds[3:]:
        shutil.copy(page, second_inputs / page.name)
    changed = second_inputs / seeds[2].name
    changed.write_text(changed.read_text(encoding="utf-8").replace("سيول:", "سيول (أ ف ب):", 1), encoding="utf-8")
    (second_inputs / "empty.txt").write_bytes(b"")

    clean = tmp_path / "clean"
    shutil.copytree(before, clean, symlinks=True)
    ingest(sources=[str(second_inputs)], out=str(clean))
    expected = state(clean)
    assert expected != previous

    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "PYTHONPATH": str(ROOT)}
    runs = {}
    for point in CRASH_POINTS:
        out = tmp_path / f"killed-{point.replace(':', '-')}"
        shutil.copytree(before, out, symlinks=True)
        runs[point] = (out, subprocess.Popen(
            [sys.executable, "-m", "flows.cli", "run", str(second_inputs), "--out", str(out)],
            env={**env, "KHABAR_CRASH_AT": point}, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
    for point, (out, proc) in runs.items():
        _, stderr = proc.communicate(timeout=600)
        assert proc.returncode == -9, (point, stderr.decode()[-2000:])
        # Before the swap the last completed run is what readers see; after it, this run is complete.
        assert state(out) == (expected if point == "commit:after_swap" else previous), point
        report = ingest(sources=[str(second_inputs)], out=str(out))
        assert state(out) == expected, point
        assert not list((out / ".versions").glob(".staging-*")), point
        assert not [p for p in (out / "current").rglob(".*")], point
        assert report["inputs"] == report["documents_with_articles"] + report["quarantined"] + report["unchanged"]


def test_rerun_changes_nothing_and_commits_no_new_version(prefect_api, seeds_copy, tmp_path):
    out = tmp_path / "data"
    first = ingest(sources=[str(seeds_copy)], out=str(out))
    snapshot = state(out)
    second = ingest(sources=[str(seeds_copy)], out=str(out))
    assert (first["version"], second["version"]) == ("v000001", None)
    assert state(out) == snapshot and os.readlink(out / "current").endswith("v000001")
