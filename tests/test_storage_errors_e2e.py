"""Item 13 of "Reliability, second round": a full disk or a read-only dataset directory met
in the middle of a run is one line naming the cause and the directory, exit 2, and the
dataset's previous version is what a reader still sees."""
import os
import subprocess
import sys

import pyarrow.dataset as ds
import pytest

from tests.conftest import ROOT, SEEDS

pytestmark = pytest.mark.e2e


def khabar(args, env):
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=600)


def rows(out):
    return sorted(ds.dataset(out / "articles", partitioning="hive").to_table(columns=["article_id"])
                  .column("article_id").to_pylist())


@pytest.mark.parametrize("fault, says", [("ENOSPC", "No space left on device"), ("EROFS", "Read-only file system")])
def test_a_full_or_read_only_disk_mid_run_is_one_line_and_keeps_the_last_version(tmp_path, fault, says):
    out = tmp_path / "data"
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home")}
    first = tmp_path / "first"
    first.mkdir()
    (first / "one.txt").write_bytes(sorted(SEEDS.glob("*.txt"))[0].read_bytes())
    assert khabar(["run", str(first), "--out", str(out)], env).returncode == 0
    before = rows(out)
    failed = khabar(["run", str(SEEDS), "--out", str(out)], {**env, "KHABAR_FAIL_AT": f"write:articles_written:{fault}"})
    assert failed.returncode == 2, failed.stderr[-3000:]
    assert "Traceback" not in failed.stderr
    last = failed.stderr.splitlines()[-1]
    assert last.startswith("khabar: error: ") and says in last and str(out) in last
    assert rows(out) == before
    # The disk fixed, the next run writes everything and nothing is left of the failed one:
    # the seeds' 9 articles beside the first run's copy of one of them (its own input).
    assert khabar(["run", str(SEEDS), "--out", str(out)], env).returncode == 0
    assert len(rows(out)) == 9 + len(before) and set(before) <= set(rows(out))
