"""`khabar` commands without a PREFECT_API_URL start a temporary Prefect server in a child
process: flows run against it, the command's own process never imports Prefect's server stack,
and the server is gone when the command ends."""
import json
import os
import socket
import sqlite3
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.e2e

SCRIPT = """
import json, os, sys
from flows.api_server import prefect_api
with prefect_api() as url:
    from prefect import flow, get_client, task

    @task
    def double(x):
        return 2 * x

    @flow
    def tiny():
        return double(21)

    from prefect.settings import PREFECT_API_SSL_CERT_FILE

    state = tiny(return_state=True)
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(state.state_details.flow_run_id)
    cert_file = PREFECT_API_SSL_CERT_FILE.value()
    print(json.dumps({"url": url, "result": state.result(), "runs": [run.state.type.value],
                      "server_imported": "prefect.server.api.server" in sys.modules,
                      "cert_file": cert_file, "certificates": open(cert_file).read().count("BEGIN CERTIFICATE")}))
"""


def test_a_temporary_server_in_its_own_process(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    # The server logs every service's start and each batch it records at this level.
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), PYTHONPATH=str(ROOT), PREFECT_SERVER_LOGGING_LEVEL="DEBUG")
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Error logging to API" not in done.stderr
    # The server's log is its own: a command's stderr is the command's (its last line, an
    # error's, is khabar's), not the server's services stopping.
    assert "prefect.server" not in done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["result"] == 42 and out["runs"] == ["COMPLETED"]
    assert out["url"].startswith("http://127.0.0.1:") and out["server_imported"] is False
    # Its clients loaded one certificate, not certifi's bundle (an http API uses none); the
    # file went with the server.
    assert out["certificates"] == 1 and not os.path.exists(out["cert_file"])
    port = int(out["url"].split(":")[2].split("/")[0])
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0           # the server stopped with the command
    # The server records task runs in batches (RECORDER_BATCHING): what was still queued when
    # the command ended was written as it stopped, so the run's history is whole.
    with sqlite3.connect(tmp_path / "prefect-home" / "prefect.db") as db:
        runs = db.execute("select name, state_type from task_run").fetchall()
    assert [(name.rsplit("-", 1)[0], state) for name, state in runs] == [("double", "COMPLETED")]


STARTER = """
import sys, time
from flows.api_server import prefect_api
with prefect_api() as url:
    print(url, flush=True)
    time.sleep(120)
"""


def _processes_with(marker: str) -> list[int]:
    """The processes whose environment holds `marker` (this test's PREFECT_HOME)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                environ = f.read()
            with open(f"/proc/{entry}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker.encode() in environ and state not in ("Z", "X"):
            found.append(int(entry))
    return found


@pytest.mark.skipif(sys.platform != "linux", reason="reads the processes' environments in /proc")
@pytest.mark.parametrize("when", ["starting", "running"])
def test_the_temporary_server_dies_with_a_command_killed_with_minus_9(tmp_path, when):
    """Item 9 of "Reliability, second round": SIGKILL a command whose server is starting or
    running; neither the server nor its keeper may run on (230 MB each, forever)."""
    import signal
    import time

    home = str(tmp_path / "prefect-home")
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(PREFECT_HOME=home, PYTHONPATH=str(ROOT))
    command = subprocess.Popen([sys.executable, "-c", STARTER], env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    if when == "running":
        assert command.stdout.readline().startswith("http://127.0.0.1:")
    else:
        deadline = time.monotonic() + 60       # the server process exists, not yet answering
        while len(_processes_with(home)) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    assert len(_processes_with(home)) >= 3         # the command, the keeper, the server
    command.send_signal(signal.SIGKILL)
    command.wait()
    deadline = time.monotonic() + 30
    while _processes_with(home) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = _processes_with(home)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left
