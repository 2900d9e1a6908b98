"""Defaults for Prefect on these machines, applied before Prefect is imported.
A user's own environment always wins (setdefault)."""
from __future__ import annotations

import os

PREFECT_DEFAULTS = {
    # A temporary local server needs 15-25 s to start here; Prefect's default of 20 s fails.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    # No telemetry: the network is closed and each failed attempt logs an ERROR line.
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    # Great Expectations' warnings reach the Prefect UI.
    "PREFECT_LOGGING_EXTRA_LOGGERS": "great_expectations",
}


def apply_prefect_defaults() -> None:
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)
