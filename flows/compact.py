"""The maintenance flow `compact`: merge each partition's small files (one per batch of every
run) into few large ones, the duplicate index's month files likewise. Rows are unchanged;
the result is committed as a new version like any run, so readers never see it half done.
Memory holds one input file at a time.

    files of each partition → one file per partition (rolled over at TARGET_ROWS)
    index files of each month → one file per month (an index of khabar ≤ 0.6: rebuilt from the rows)
"""
from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from schemas.tables import ARTICLES, PIPELINE_VERSION, QUARANTINE
from tasks.dedup import LEGACY_INDEX_FILE, compact_index, rebuild_index
from tasks.manifest import compact as compact_manifest
from tasks.records import RunContext
from tasks.store import Staging, Store, current_version
from tasks.write import COMPRESSION, dataset_files

TARGET_ROWS = 500_000       # ~1 GB of Arabic text at most per file: large enough to read fast
ROW_GROUP_ROWS = 50_000


def merge_files(files: list[Path], schema: pa.Schema, target_dir: Path, stem: str,
                moved: dict[Path, Path] | None = None) -> list[Path]:
    """Stream `files` into as few files as TARGET_ROWS allows; memory holds one input file.
    `moved` is told which file each input's rows went to."""
    written: list[Path] = []
    writer, rows, part = None, 0, 0
    try:
        for path in files:
            pa.default_memory_pool().release_unused()       # the last file's buffers, before the next
            table = pq.ParquetFile(path).read().cast(schema)
            if writer is None or rows + table.num_rows > TARGET_ROWS and rows:
                if writer is not None:
                    writer.close()
                    _publish(written[-1])
                target = target_dir / f"{stem}-{part:03d}.parquet"
                target_dir.mkdir(parents=True, exist_ok=True)
                writer = pq.ParquetWriter(target.with_name(f".{target.name}.tmp"), schema, compression=COMPRESSION)
                written.append(target)
                rows, part = 0, part + 1
            writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
            rows += table.num_rows
            if moved is not None:
                moved[path] = written[-1]
            del table
    finally:
        if writer is not None:
            writer.close()
            _publish(written[-1])
    return written


def _publish(target: Path) -> None:
    target.with_name(f".{target.name}.tmp").rename(target)


def compact_table(source: Path, target: Path, schema: pa.Schema, stem: str,
                  moved: dict[Path, Path] | None = None) -> Counter:
    """Each directory of Parquet files under `source` (a partition) becomes few files under
    `target`; `moved`: as merge_files."""
    counts: Counter[str] = Counter()
    by_dir: dict[Path, list[Path]] = {}
    for path in dataset_files(source):
        by_dir.setdefault(path.parent.relative_to(source), []).append(path)
    for relative, files in sorted(by_dir.items()):
        counts["files_before"] += len(files)
        counts["files_after"] += len(merge_files(files, schema, target / relative, stem, moved))
    return counts


@task(name="compact-tables", cache_policy=NO_CACHE)
def compact_tables_task(current: Path, staging: Staging, label: str) -> dict:
    """Both tables' partitions merged; the manifest follows the rows to their new files."""
    stats = {}
    moved: dict[Path, Path] = {}
    for table, schema in (("articles", ARTICLES), ("quarantine", QUARANTINE)):
        stats[table] = dict(compact_table(current / table, staging.table(table), schema, f"part-compact-{label}",
                                          moved))
    compact_manifest(current, staging.path, {str(old.relative_to(current)): str(new.relative_to(staging.path))
                                             for old, new in moved.items()})
    return stats


@task(name="compact-dedup-index", cache_policy=NO_CACHE)
def compact_index_task(current: Path, staging: Staging, label: str) -> int:
    """The index's files merged per month, or rebuilt from the rows when the current version
    has the one-file index of khabar ≤ 0.6; returns the number of entries."""
    if (current / "index" / LEGACY_INDEX_FILE).is_file():
        return rebuild_index(staging.path)
    return compact_index(current / "index", staging.index_dir, f"part-compact-{label}")


@flow(name="compact", flow_run_name="compact-{out}")
def compact(out: str = "data", lock_wait: float = 0.0) -> dict:
    logger = get_run_logger()
    run = RunContext(run_id=flow_run.id or str(uuid.uuid4()), started_at=datetime.now(timezone.utc),
                     pipeline_version=PIPELINE_VERSION)
    with Store(Path(out), wait=lock_wait) as store:
        current = current_version(Path(out))
        if current is None:
            logger.info("nothing to compact in %s", out)
            return {"version": None}
        staging = store.begin(run.label, carry_over=False)
        try:
            stats = compact_tables_task(current, staging, run.label)
            indexed = compact_index_task(current, staging, run.label)
            version = store.commit(staging)
        except BaseException:
            store.abandon(staging)
            raise
    logger.info("compacted into %s: %s; dedup index of %d articles", version.name,
                ", ".join(f"{table} files {c.get('files_before', 0)} -> {c.get('files_after', 0)}"
                          for table, c in stats.items()), indexed)
    return {"version": version.name, **stats, "indexed": indexed}

