"""Issue "First contact" item 5: a run in which every input failed before extraction is not
green: Failed in Prefect, exit 3, its quarantine rows written; `--max-failed-share` lowers
the bar."""
import os
import subprocess
import sys

import pyarrow.dataset as ds
import pytest

from tests.conftest import ROOT, SEEDS

pytestmark = pytest.mark.e2e


def khabar(args, tmp_path):
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home")}
    return subprocess.run([sys.executable, "-m", "flows.cli", "run", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def test_a_run_whose_inputs_all_failed_exits_3_and_a_share_can_be_set(tmp_path):
    dead = tmp_path / "dead"
    dead.mkdir()
    for name in ("a.txt", "b.txt"):
        (dead / name).symlink_to(tmp_path / "gone" / name)        # dangling: unreadable before extraction
    done = khabar([str(dead), "--out", str(tmp_path / "d1")], tmp_path)
    assert done.returncode == 3, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1].startswith("khabar: error: 2 of 2 inputs failed before extraction")
    rows = ds.dataset(tmp_path / "d1" / "quarantine", format="parquet").to_table().column("reason").to_pylist()
    assert len(rows) == 2 and set(rows) == {"symlink_outside_source"}
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    (mixed / "good.txt").write_bytes(sorted(SEEDS.glob("*.txt"))[0].read_bytes())
    (mixed / "bad.txt").symlink_to(tmp_path / "gone" / "bad.txt")
    done = khabar([str(mixed), "--out", str(tmp_path / "d2"), "--max-failed-share", "0.5"], tmp_path)
    assert done.returncode == 3 and "1 of 2 inputs failed" in done.stderr.splitlines()[-1]
