"""What a run leaves in the Prefect UI besides its logs: the run summary (markdown), the
quarantined inputs (table), a link to the run's Data Docs and a progress bar updated per batch.
Thin wrappers: the content is built by flows/report.py, without Prefect."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from prefect.artifacts import (create_link_artifact, create_markdown_artifact, create_progress_artifact,
                               create_table_artifact, update_progress_artifact)

from flows.progress import Progress
from flows.report import failed_expectations_table, quarantined_table, summary_markdown

# Artifact keys group a dataset's runs in the UI's Artifacts page (lowercase, digits, dashes).
SUMMARY_KEY, QUARANTINE_KEY, DATA_DOCS_KEY, PROGRESS_KEY, EXPECTATIONS_KEY = (
    "khabar-run-summary", "khabar-quarantined-inputs", "khabar-data-docs", "khabar-progress",
    "khabar-failed-expectations")


class ProgressArtifact:
    """The run's progress artifact: 0 % when the batches start, then after every batch once the
    number of new documents is known (the sources may still be walked while batches run)."""

    def __init__(self, out: str):
        # Called from sync code: Prefect's sync/async wrapper returns the UUID itself.
        self.id: Any = create_progress_artifact(0.0, key=artifact_key(PROGRESS_KEY, out),
                                                description="new documents processed")

    def __call__(self, progress: Progress) -> None:
        if progress.percent is not None:
            update_progress_artifact(self.id, round(progress.percent, 1))


def artifact_key(key: str, out: str) -> str:
    """A key per output directory, so the Artifacts page keeps each dataset's runs apart (keys
    are lowercase letters, digits and dashes)."""
    name = re.sub(r"[^a-z0-9]+", "-", Path(out).resolve().name.lower()).strip("-") or "data"
    return f"{key}-{name}"


def publish_run_artifacts(report: dict, run_label: str) -> None:
    out = report.get("out") or "data"
    create_markdown_artifact(summary_markdown(report, f"khabar run {run_label}"), key=artifact_key(SUMMARY_KEY, out),
                             description="counts per stage, per publisher, per rule and per quarantine reason")
    _table_or_line(quarantined_table(report), artifact_key(QUARANTINE_KEY, out),
                   "inputs that left no article, with why (first 50)", "No input of this run was quarantined.")
    _table_or_line(failed_expectations_table(report), artifact_key(EXPECTATIONS_KEY, out),
                   "rows validation quarantined, by failed expectation (Data Docs: `khabar docs`)",
                   "Every article row of this run passed validation.")
    if report.get("data_docs"):
        create_link_artifact(Path(report["data_docs"]).resolve().as_uri(), link_text="Great Expectations Data Docs",
                             key=artifact_key(DATA_DOCS_KEY, out), description="this run's validation results")


def _table_or_line(rows: list[dict], key: str, description: str, when_empty: str) -> None:
    """A table artifact, or a line saying there is nothing to list (never a made-up row)."""
    if rows:
        create_table_artifact(rows, key=key, description=description)
    else:
        create_markdown_artifact(when_empty, key=key, description=description)
