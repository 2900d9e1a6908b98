"""The Prefect API a `khabar` command talks to: the user's own (PREFECT_API_URL set, in the
environment or the Prefect profile), else a temporary server for the command, stopped when it
ends.

The temporary server is Prefect's own (`SubprocessASGIServer`, what Prefect starts by itself
when no API is set), started by a keeper process (`python -m flows.api_server`) rather than
in the command's process: the keeper imports Prefect's server stack, which the run never
uses, and stops the server when its stdin closes, i.e. when the command ends however it
ends, killed with -9 included. The server's own log (its services' errors as it is stopped,
say) is kept out of the command's stderr, whose last line is khabar's."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

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
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def prefect_api():
    """Yields the API URL the command's flows report to."""
    from prefect.settings import (PREFECT_API_SSL_CERT_FILE, PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
                                  PREFECT_UI_URL, temporary_settings)

    if PREFECT_API_URL.value():
        yield PREFECT_API_URL.value()
        return
    keeper = Keeper()
    try:
        url = keeper.started_url()
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
        keeper.stop()


class Keeper:
    """The keeper process, in a session of its own: a Ctrl-C meant for the run does not stop
    the server before the run has sent its last states; the run's end does. Its and the
    server's stderr go to a temporary file (`log`)."""

    def __init__(self) -> None:
        from prefect.settings import get_current_settings

        env = {**os.environ, **get_current_settings().to_environment_variables(exclude_unset=True),
               **RECORDER_BATCHING}
        self.log = tempfile.TemporaryFile(prefix="khabar-api-server-")
        self.process = subprocess.Popen([sys.executable, "-m", "flows.api_server"], env=env, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=self.log, text=True, start_new_session=True)

    def started_url(self) -> str:
        """The keeper's one line: the server's URL, or why it did not start (its time limit is
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, counted from the keeper's start)."""
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        try:
            answer = json.loads(line)
        except ValueError:
            status = self.process.wait()
            raise ServerDidNotStart(f"the temporary Prefect server's keeper exited with status {status}"
                                    f"{self._last_logged()}") from None
        if "url" not in answer:
            raise ServerDidNotStart(f"the temporary Prefect server did not start: {answer.get('error')}"
                                    f"{self._last_logged()}")
        return answer["url"]

    def stop(self) -> None:
        """Closing the keeper's stdin stops the server (Prefect's stop: terminate, then kill)."""
        assert self.process.stdin is not None
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.log.close()

    def _last_logged(self) -> str:
        self.log.seek(0)
        lines = [line.strip() for line in self.log.read().decode("utf-8", "replace").splitlines() if line.strip()]
        return f"; it logged: {lines[-1][:300]}" if lines else ""


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


def keep() -> int:
    """The keeper: starts Prefect's temporary server, prints its URL as one JSON line, and
    stops it when stdin closes."""
    started = time.monotonic()
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS

    server = SubprocessASGIServer()

    def stop_when_the_command_ends() -> None:
        sys.stdin.read()
        server.stop()
        os._exit(0)

    threading.Thread(target=stop_when_the_command_ends, daemon=True).start()
    timeout = PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value()
    try:
        server.start(timeout=max(1, round(timeout - (time.monotonic() - started))))
    except Exception as e:            # Prefect's message names what failed; one line of it
        server.stop()
        reason = " ".join(str(e).split())[:300] or type(e).__name__
        print(json.dumps({"error": f"{reason} (PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS={timeout:g})"}),
              flush=True)
        return 1
    print(json.dumps({"url": server.api_url}), flush=True)
    threading.Event().wait()
    return 0


if __name__ == "__main__":
    from flows.settings import apply_prefect_defaults

    apply_prefect_defaults()
    sys.exit(keep())
