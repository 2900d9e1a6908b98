"""What a run leaves in the Prefect UI besides its logs: the run summary (markdown), the
quarantined inputs (table), a link to the run's Data Docs and a progress bar updated per batch.
Thin wrappers: the content is built by flows/report.py, without Prefect."""
from __future__ import annotations

from pathlib import Path

from prefect.artifacts import (create_link_artifact, create_markdown_artifact, create_progress_artifact,
                               create_table_artifact, update_progress_artifact)

from flows.progress import Progress
from flows.report import quarantined_table, summary_markdown

# Artifact keys group a dataset's runs in the UI's Artifacts page (lowercase, digits, dashes).
SUMMARY_KEY, QUARANTINE_KEY, DATA_DOCS_KEY, PROGRESS_KEY = (
    "khabar-run-summary", "khabar-quarantined-inputs", "khabar-data-docs", "khabar-progress")


class ProgressArtifact:
    """The run's progress artifact: 0 % when the batches start, then after every batch once the
    number of new documents is known (the sources may still be walked while batches run)."""

    def __init__(self):
        self.id = create_progress_artifact(0.0, key=PROGRESS_KEY, description="new documents processed")

    def __call__(self, progress: Progress) -> None:
        if progress.percent is not None:
            update_progress_artifact(self.id, round(progress.percent, 1))


def publish_run_artifacts(report: dict, run_label: str) -> None:
    create_markdown_artifact(summary_markdown(report, f"khabar run {run_label}"), key=SUMMARY_KEY,
                             description="counts per stage, per publisher, per rule and per quarantine reason")
    create_table_artifact(quarantined_table(report) or [{"input": "(none)", "reason": "", "detail": ""}],
                          key=QUARANTINE_KEY, description="inputs that left no article, with why (first 50)")
    if report.get("data_docs"):
        create_link_artifact(Path(report["data_docs"]).resolve().as_uri(), link_text="Great Expectations Data Docs",
                             key=DATA_DOCS_KEY, description="this run's validation results")
