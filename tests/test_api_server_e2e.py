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
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Error logging to API" not in done.stderr
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
import os, sys, time
from flows.api_server import _start, free_port
server = _start(free_port())
print(server.pid, flush=True)
time.sleep(120)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False


@pytest.mark.skipif(sys.platform != "linux", reason="PR_SET_PDEATHSIG is Linux's")
def test_the_temporary_server_dies_with_a_command_killed_while_it_starts(tmp_path):
    """Item 9 of "Reliability, second round": SIGKILL a command whose server is starting; the
    server must not run on (230 MB each, forever)."""
    import signal
    import time

    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home"), "PYTHONPATH": str(ROOT)}
    command = subprocess.Popen([sys.executable, "-c", STARTER], env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    server = int(command.stdout.readline())
    assert _alive(server)
    command.send_signal(signal.SIGKILL)
    command.wait()
    deadline = time.monotonic() + 30
    while _alive(server) and time.monotonic() < deadline:
        time.sleep(0.2)
    alive = _alive(server)
    if alive:
        os.kill(server, signal.SIGKILL)
    assert not alive
