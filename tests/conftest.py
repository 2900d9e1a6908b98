from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from flows.settings import apply_prefect_defaults

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
PAGES = Path(__file__).resolve().parent / "pages"

# Tests never touch the user's ~/.prefect.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="khabar-prefect-home-"))
apply_prefect_defaults()


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
