from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
PAGES = Path(__file__).resolve().parent / "pages"

# Tests never touch the user's ~/.prefect.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="khabar-prefect-home-"))
import flows  # noqa: E402,F401  (the Prefect defaults, applied as for every entry point)


def _loopback_only(connect):
    """Tests may send traffic to 127.0.0.0/8 and ::1 only: a connection anywhere else fails
    the test that tries it (in this process; the subprocesses tests start fetch from the same
    servers)."""
    def guarded(sock, address, *args):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0]
            try:
                loopback = ipaddress.ip_address(host.split("%")[0]).is_loopback
            except ValueError:
                loopback = host == "localhost"
            if not loopback:
                raise AssertionError(f"a test tried to connect to {address}: tests stay on 127.0.0.0/8 and ::1")
        return connect(sock, address, *args)
    return guarded


socket.socket.connect = _loopback_only(socket.socket.connect)
socket.socket.connect_ex = _loopback_only(socket.socket.connect_ex)


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    """A private copy of seeds/ a test may change."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture(scope="session")
def prefect_api():
    """A real Prefect API (a temporary server with its own SQLite database) for the session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def news_server():
    """A real HTTP server on 127.0.0.1 (tests/newsserver.py), fresh for each test."""
    from tests.newsserver import start

    server = start()
    yield server
    server.shutdown()
    server.server_close()


# What the tests let the fetcher do: reach the loopback test server, without waiting.
TEST_FETCH = {"allowed_addresses": ["127.0.0.1"], "min_interval": 0.0, "read_timeout": 1.0,
              "connect_timeout": 1.0, "max_bytes": 2**20, "retry_delays": [0.1, 0.2]}


def prefect_api_post(path: str, body: dict, api: str | None = None) -> list[dict] | dict:
    """POST to a Prefect REST API: `api`, else the one the tests run against. A 503 is the
    server's "retry" (SQLite busy under load), and Prefect's own clients retry it: so does this."""
    import time

    import httpx
    from prefect.settings import PREFECT_API_URL

    for delay in (0.5, 1, 2, 4, 8, 0):
        response = httpx.post((api or PREFECT_API_URL.value()).rstrip("/") + path, json=body, timeout=30)
        if response.status_code != 503 or not delay:
            break
        time.sleep(delay)
    response.raise_for_status()
    return response.json()


def wait_for(what: str, check, timeout: float, every: float = 0.5):
    """`check()`'s first true value, asked every `every` seconds; fails after `timeout`."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def flow_run_artifacts(flow_run_id: str, api: str | None = None) -> dict[str, dict]:
    """The artifacts a flow run left, by key, read back through the Prefect API."""
    found = prefect_api_post("/artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [flow_run_id]}}, "limit": 50},
                             api)
    return {a["key"]: a for a in found}


def flow_run_task_names(flow_run_id: str, api: str | None = None) -> set[str]:
    runs = prefect_api_post("/task_runs/filter", {"flow_runs": {"id": {"any_": [flow_run_id]}}, "limit": 200}, api)
    return {r["name"] for r in runs}
