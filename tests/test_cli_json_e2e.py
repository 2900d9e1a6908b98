"""Issue "First contact" item 8: with --json, stdout holds one JSON document and nothing else."""
import json
import re
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
    # Issue "First contact" item 13: the run is named after the output directory and the time;
    # no "View at" link to a temporary server without a UI, no GX temporary-directory line.
    assert re.search(r"Flow run 'ingest-data-\d{8}T\d{6}Z'", done.stderr), done.stderr[-2000:]
    assert "View at " not in done.stderr and "Created temporary directory" not in done.stderr
