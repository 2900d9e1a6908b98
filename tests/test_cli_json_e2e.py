"""Issue "First contact" item 8: with --json, stdout holds one JSON document and nothing else."""
import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT, SEEDS

pytestmark = pytest.mark.e2e


def test_run_json_prints_only_the_report_on_stdout(tmp_path):
    one = tmp_path / "in"
    one.mkdir()
    (one / "page.txt").write_bytes(sorted(SEEDS.glob("*.txt"))[0].read_bytes())
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home")}
    done = subprocess.run([sys.executable, "-m", "flows.cli", "run", str(one), "--out", str(tmp_path / "data"),
                           "--json"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["inputs"] == 1 and report["articles"] >= 1
    assert "report:" in done.stderr
