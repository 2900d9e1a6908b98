"""`make run` on a loaded machine: the temporary Prefect server may take longer than Prefect's
own 20 s startup timeout. khabar's default (flows/settings.py) must reach Prefect in the real
CLI, whatever the CLI imports first."""
import os
import subprocess
import sys

import pytest

from flows.settings import PREFECT_DEFAULTS
from tests.conftest import ROOT, SEEDS

pytestmark = pytest.mark.e2e

# Imported by every Python process started with this folder on PYTHONPATH: the temporary
# server's process (the only one whose command line names uvicorn) waits before it starts.
SLOW_SERVER = """
import os, sys, time
if any("uvicorn" in arg for arg in sys.orig_argv):
    time.sleep(float(os.environ["KHABAR_TEST_SERVER_DELAY"]))
"""


def test_the_cli_waits_for_a_server_slower_than_prefects_default(tmp_path):
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(SLOW_SERVER)
    # Nothing of khabar's defaults in the environment: the CLI must apply them itself.
    env = {k: v for k, v in os.environ.items() if k not in PREFECT_DEFAULTS and k != "PREFECT_API_URL"}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), PYTHONPATH=f"{hook}{os.pathsep}{ROOT}",
               KHABAR_TEST_SERVER_DELAY="25")
    done = subprocess.run([sys.executable, "-m", "flows.cli", "run", str(SEEDS), "--out", str(tmp_path / "data")],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    import pyarrow.dataset as ds

    assert ds.dataset(tmp_path / "data" / "articles", partitioning="hive").count_rows() == 9


def test_defaults_reach_prefect_whatever_is_imported_first(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in PREFECT_DEFAULTS}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), PYTHONPATH=str(ROOT))
    for first in ("tasks.discover", "flows.ingest", "flows.cli"):
        code = (f"import {first}\n"
                "from prefect.settings import get_current_settings as s\n"
                "print(s().server.ephemeral.startup_timeout_seconds, s().logging.extra_loggers)")
        done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stdout.split()[0] == "120", (first, done.stdout)
        assert "great_expectations" in done.stdout, (first, done.stdout)


BROKEN_SERVER = """
import sys
if any("uvicorn" in arg for arg in sys.orig_argv):
    sys.exit("the server's database is unreachable")
"""


def test_a_server_that_does_not_start_is_one_line_with_the_servers_last_words(tmp_path):
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(BROKEN_SERVER)
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), PYTHONPATH=f"{hook}{os.pathsep}{ROOT}",
               PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="5")
    done = subprocess.run([sys.executable, "-m", "flows.cli", "run", str(SEEDS), "--out", str(tmp_path / "data")],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 2, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("khabar: error: the temporary Prefect server did not start")
    assert "; it logged: " in last and last.endswith("the server's database is unreachable"), last
