"""The Prefect API a `khabar` command talks to: the user's own (PREFECT_API_URL set, in the
environment or the Prefect profile), else a temporary server started for the command in a
child process on 127.0.0.1 and stopped when it ends.

Prefect's own "temporary server" does the same, but starting it imports Prefect's whole server
stack (FastAPI, SQLAlchemy, asyncpg, …) into the run's process: ~100 MB that the run never uses
(measured: a trivial flow grows the process from 82 to 181 MB). Starting the same server
process ourselves keeps the run's memory for pages."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import httpx


# Task-run rows from the clients' events in batches, not one transaction per event (Prefect's
# default), as the server shares the cores with the workers; rows reach the UI at most a
# second late, and the rest is flushed when the server stops (docs/PITFALLS.md).
RECORDER_BATCHING = {"PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": "100",
                     "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL": "1"}


# Prefect loads a whole certificate bundle into a new TLS context for every API client, even
# for a plain http:// API, and each Dask task creates clients. The temporary server speaks
# http on 127.0.0.1, so its clients load a file of one certificate instead; only for it: a
# user's own API may be https, and workers on other machines would not have the file.
ONE_CERTIFICATE = "one-certificate.pem"


class ServerDidNotStart(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def prefect_api():
    """Yields the API URL the command's flows report to."""
    from prefect.settings import (PREFECT_API_SSL_CERT_FILE, PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
                                  PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, PREFECT_UI_URL,
                                  temporary_settings)

    if PREFECT_API_URL.value():
        yield PREFECT_API_URL.value()
        return
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    server = _start(port)
    try:
        _wait_healthy(server, url, PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value())
        # No flow-run heartbeats: they let a long-lived server mark a run whose process died
        # as crashed, but this server dies with the process. Each run's end waits for the
        # heartbeat thread's current one-second sleep.
        # No UI URL either: this server has no UI, so no "View at …" link to a page that is not there.
        settings = {PREFECT_API_URL: url, PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None, PREFECT_UI_URL: ""}
        with tempfile.TemporaryDirectory(prefix="khabar-api-") as tmp, \
                temporary_settings({**settings, **_light_tls(Path(tmp), PREFECT_API_SSL_CERT_FILE)}):
            try:
                yield url
            finally:
                _drain_queued()
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _light_tls(directory: Path, cert_file_setting) -> dict:
    """The setting that points clients of the temporary server at one certificate
    (ONE_CERTIFICATE), in place of certifi's bundle or SSL_CERT_FILE's (Prefect's default):
    nothing of it is used over http."""
    import certifi

    bundle = Path(certifi.where()).read_text(encoding="utf-8")
    end = "-----END CERTIFICATE-----"
    first = bundle[bundle.index("-----BEGIN CERTIFICATE-----"):bundle.index(end) + len(end)]
    path = directory / ONE_CERTIFICATE
    path.write_text(first + "\n", encoding="utf-8")
    return {cert_file_setting: str(path)}


def _drain_queued() -> None:
    """Sends the logs and events still queued before the server goes (as Prefect's test harness
    does), or their workers fail at exit with 'Error logging to API'."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        try:
            worker.drain_all(timeout=10)
        except RuntimeError:
            pass                      # never started


def _start(port: int) -> subprocess.Popen:
    import prefect
    from prefect.settings import get_current_settings

    # The command line and settings Prefect's SubprocessASGIServer uses (prefect 3.8): the API
    # without the UI and without the scheduler and other services a long-lived server runs.
    env = {**os.environ, **get_current_settings().to_environment_variables(exclude_unset=True),
           "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1",
           **RECORDER_BATCHING}
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--app-dir", str(prefect.__module_path__.parent), "--factory",
         "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "error", "--lifespan", "on"],
        env=env, stdin=subprocess.DEVNULL, preexec_fn=_dies_with(os.getpid()) if sys.platform == "linux" else None)


def _dies_with(parent: int):
    """In the server's process before it runs: the kernel sends it SIGTERM when the thread
    that started it ends, so a `khabar` killed with -9 leaves no server behind."""
    def arm() -> None:
        import ctypes
        import signal

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
        if os.getppid() != parent:        # the parent died before the line above took effect
            os._exit(1)
    return arm


def _wait_healthy(server: subprocess.Popen, url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise ServerDidNotStart(f"the temporary Prefect server exited with status {server.returncode}")
            try:
                if client.get(f"{url}/health").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
    raise ServerDidNotStart(f"the temporary Prefect server did not answer within {timeout:g} s "
                            "(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS)")
