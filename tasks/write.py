"""write: Arrow tables → Parquet files of DIR/articles and DIR/quarantine, and the run report.

Every file is written under a temporary name that no reader picks up (a leading dot, no
.parquet ending) and renamed into place, so a crash never leaves half a file in a dataset.
A changed input replaces its earlier rows (same source_uri) instead of adding to them.
"""
from __future__ import annotations

import json
import os
import time
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from prefect import task

from schemas.tables import ARTICLES, QUARANTINE
from tasks.records import Rejection, RunContext, StageResult, StageStats

ARTICLES_DIR, QUARANTINE_DIR, REPORTS_DIR = "articles", "quarantine", "reports"
COMPRESSION = "zstd"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_table(table: pa.Table, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp, compression=COMPRESSION)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)
    return path


def atomic_write_text(text: str, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def dataset_files(dataset_dir: Path) -> list[Path]:
    if not dataset_dir.is_dir():
        return []
    return sorted(p for p in dataset_dir.rglob("*.parquet") if not p.name.startswith((".", "_")))


def read_column(dataset_dir: Path, column: str) -> set[str]:
    values: set[str] = set()
    for path in dataset_files(dataset_dir):
        values.update(v for v in pq.read_table(path, columns=[column]).column(column).to_pylist() if v)
    return values


def known_doc_ids(out_dir: Path) -> set[str]:
    """Every input already processed: it left article rows or quarantine rows."""
    return read_column(out_dir / ARTICLES_DIR, "doc_id") | read_column(out_dir / QUARANTINE_DIR, "doc_id")


def drop_rows_of_sources(dataset_dir: Path, source_uris: set[str], keep_file: Path | None = None) -> int:
    """Remove earlier rows of inputs that are written again (their content changed)."""
    removed = 0
    if not source_uris:
        return 0
    wanted = pa.array(sorted(source_uris))
    for path in dataset_files(dataset_dir):
        if path == keep_file:
            continue
        table = pq.read_table(path)
        hit = pc.is_in(table.column("source_uri"), value_set=wanted)
        n = pc.sum(hit).as_py() or 0
        if not n:
            continue
        removed += n
        rest = table.filter(pc.invert(hit))
        if rest.num_rows:
            atomic_write_table(rest, path)
        else:
            path.unlink()
    return removed


def rejections_table(rejections: list[Rejection], run: RunContext) -> pa.Table:
    rows = [{"source_uri": r.source_uri, "doc_id": r.doc_id, "article_id": r.article_id, "stage": r.stage,
             "reason": r.reason, "detail": r.detail, "value": r.value, "quarantined_at": run.started_at,
             "run_id": run.run_id, "pipeline_version": run.pipeline_version} for r in rejections]
    return pa.Table.from_pylist(rows, schema=QUARANTINE)


def write_batch(articles: pa.Table, rejections: list[Rejection], out_dir: Path, run: RunContext,
                batch_no: int) -> dict:
    """Write one batch's articles and quarantine rows; return what was written."""
    name = f"part-{run.started_at:%Y%m%dT%H%M%S}-{run.run_id[:8]}-{batch_no:05d}.parquet"
    written = {"articles": 0, "quarantine": 0, "replaced": 0}
    sources = set(articles.column("source_uri").to_pylist()) | {r.source_uri for r in rejections}
    if articles.num_rows:
        path = atomic_write_table(articles.cast(ARTICLES), out_dir / ARTICLES_DIR / name)
        written["articles"] = articles.num_rows
        written["replaced"] += drop_rows_of_sources(out_dir / ARTICLES_DIR, sources, keep_file=path)
    else:
        written["replaced"] += drop_rows_of_sources(out_dir / ARTICLES_DIR, sources)
    if rejections:
        path = atomic_write_table(rejections_table(rejections, run), out_dir / QUARANTINE_DIR / name)
        written["quarantine"] = len(rejections)
        drop_rows_of_sources(out_dir / QUARANTINE_DIR, sources, keep_file=path)
    else:
        drop_rows_of_sources(out_dir / QUARANTINE_DIR, sources)
    return written


def write_report(report: dict, out_dir: Path, run: RunContext) -> Path:
    path = out_dir / REPORTS_DIR / f"{run.label}.json"
    return atomic_write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n", path)


@task(name="write", task_run_name="write-batch-{batch_no}")
def write_task(articles: pa.Table, rejections: list[Rejection], out_dir: str, run: RunContext,
               batch_no: int = 0) -> StageResult:
    started = time.perf_counter()
    written = write_batch(articles, rejections, Path(out_dir), run, batch_no)
    return StageResult(items=[written], stats=StageStats(seconds=time.perf_counter() - started))
