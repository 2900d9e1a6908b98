"""Defaults for Prefect on these machines, applied before Prefect is imported.
A user's own environment always wins (setdefault)."""
from __future__ import annotations

import logging
import os

# Documents per batch (one task run per stage): validation has a fixed cost per batch, so
# batches are large; memory bounds them (bench/RESULTS.md).
DEFAULT_BATCH_SIZE = 1000

PREFECT_DEFAULTS = {
    # A temporary local server needs 15-25 s to start here; Prefect's default of 20 s fails.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    # No telemetry: the network is closed and each failed attempt logs an ERROR line.
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    # Great Expectations' warnings and khabar's own (a fetch retried) reach the Prefect UI.
    "PREFECT_LOGGING_EXTRA_LOGGERS": "great_expectations,khabar",
    # Outside a flow run (a unit test, `khabar repair`) those lines stay local, without a warning.
    "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
}


def apply_prefect_defaults() -> None:
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)


def quiet_task_run_completions() -> None:
    """Task runs log warnings and errors only, in every process that runs khabar's tasks (the
    flow's and each Dask worker's). At INFO a khabar task run logs only "Finished in state
    Completed()" (its tasks use no Prefect retries or hooks): nine lines per batch, each sent to
    the API, stored and printed, while the UI shows every task run's state anyway."""
    logging.getLogger("prefect.task_runs").setLevel(logging.WARNING)
