"""The ingest flow: sources → articles dataset, batch by batch.

    discover → for each batch: extract → strip → normalize → validate → write → report
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from flows.report import RunReport, unaccounted
from schemas.tables import PIPELINE_VERSION
from tasks.discover import batches, discover_task
from tasks.extract import extract_task
from tasks.normalize import normalize_task
from tasks.records import RunContext
from tasks.strip import strip_task
from tasks.validate import data_docs_task, validate_task
from tasks.write import write_report, write_task

DEFAULT_BATCH_SIZE = 500     # big enough that Prefect's ~15 ms per task run stays noise


@flow(name="ingest", flow_run_name="ingest-{out}")
def ingest(sources: list[str] = ["seeds/"], out: str = "data", batch_size: int = DEFAULT_BATCH_SIZE,
           non_arabic: str = "keep") -> dict:
    """`non_arabic`: keep pages that are not mostly Arabic (flagged by `language`) or
    quarantine them (reason not_arabic)."""
    logger = get_run_logger()
    run = RunContext(run_id=flow_run.id or str(uuid.uuid4()), started_at=datetime.now(timezone.utc),
                     pipeline_version=PIPELINE_VERSION)
    report = RunReport(run.run_id, run.started_at, list(sources), str(out), PIPELINE_VERSION)

    found, seconds = discover_task(sources, out)
    report.inputs, report.unchanged = found.inputs, len(found.unchanged)
    report.stages["discover"].seconds += seconds
    logger.info("%d inputs: %d new, %d unchanged since an earlier run", found.inputs, len(found.new), len(found.unchanged))

    for batch_no, refs in enumerate(batches(found.new, batch_size)):
        extracted = extract_task(refs, batch_no)
        stripped = strip_task(extracted.items, batch_no)
        normalized = normalize_task(stripped.items, run, batch_no, non_arabic)
        validated = validate_task(normalized.items, run.label, batch_no)
        articles = validated.items[0]
        rejections = extracted.rejections + stripped.rejections + normalized.rejections + validated.rejections
        rejections += unaccounted(refs, articles, rejections)
        for r in validated.rejections:
            if r.reason == "batch_invalid":
                logger.warning("batch %d stopped, nothing of it written: %s", batch_no, r.detail)
                break
        written = write_task(articles, rejections, out, run, batch_no)
        for stage, result in (("extract", extracted), ("strip", stripped), ("normalize", normalized),
                              ("validate", validated), ("write", written)):
            report.add_stage(stage, result.stats)
        report.add_batch(refs, articles, rejections, written.items[0])
        logger.info("batch %d: %d inputs, %d articles, %d quarantine rows", batch_no, len(refs),
                    written.items[0]["articles"], written.items[0]["quarantine"])

    report.data_docs = data_docs_task(out, run.label)
    report.check()
    summary = report.as_dict()
    summary["report_path"] = str(write_report(summary, Path(out), run))
    return summary
