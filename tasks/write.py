"""write: Arrow tables → Parquet files in the run's staging version of DIR (store.py), and
the run report.

Articles are partitioned by publication month (`published_month=2024-06/`, and
`published_month=unknown/` for rows with no date): analysts filter by date first, and a
month holds enough rows for files of a useful size. Inside a file, rows are sorted by
publisher and time, so a filter on publisher skips row groups by their statistics.
Every file is written under a temporary name no reader picks up (leading dot, no .parquet
ending) and renamed into place; files are replaced, never modified (they are hard links
shared with the committed version). A changed input replaces its earlier rows.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from schemas.tables import ARTICLES, PARTITION_COLUMN, PIPELINE_VERSION, QUARANTINE, UNKNOWN_MONTH, code_commit
from tasks.dedup import entry_days
from tasks.faults import crash_point
from tasks.manifest import Manifest, batch_rows
from tasks.records import Rejection, RunContext

ARTICLES_DIR, QUARANTINE_DIR, REPORTS_DIR = "articles", "quarantine", "reports"
COMPRESSION = "zstd"


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in `path` durable (the directory entry, not only the bytes)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_table(table: pa.Table, path: Path, row_group_size: int | None = None) -> Path:
    """Written beside and renamed over `path`; the file's metadata names the khabar version and
    commit that wrote it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"khabar_version": PIPELINE_VERSION.encode(),
                                           b"khabar_commit": code_commit().encode()})
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp, compression=COMPRESSION, row_group_size=row_group_size)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)
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


def upgrade_files(dataset_dir: Path, schema: pa.Schema) -> list[Path]:
    """Files an older khabar wrote lack the columns added since: rewritten with them (null),
    in the schema's order, so every file of a dataset has one schema and a reader that takes
    the first file's schema sees every column. Returns the files rewritten."""
    upgraded = []
    for path in dataset_files(dataset_dir):
        if pq.read_schema(path).names == schema.names:
            continue
        table = pq.ParquetFile(path).read()
        for column in schema:
            if column.name not in table.column_names:
                if pa.types.is_list(column.type):       # nothing recorded then: an empty list
                    table = table.append_column(column, pa.array([[]] * table.num_rows, column.type))
                    continue
                if not column.nullable:
                    raise ValueError(f"{path}: column {column.name} is missing and may not be null")
                table = table.append_column(column, pa.nulls(table.num_rows, column.type))
        atomic_write_table(table.select(schema.names).cast(schema), path)
        upgraded.append(path)
    return upgraded


def recorded_rejections(manifest: Manifest, rejections: list[Rejection]) -> list[Rejection]:
    """Those of `rejections` the dataset already holds, word for word (same input, stage,
    reason and detail): a link still pointing out, a URL still 404. Writing them again would
    only restamp the rows, and a rerun on the same input must change nothing. Only the
    quarantine files holding rows of these inputs are read."""
    key_columns = ["source_uri", "stage", "reason", "detail"]
    recorded: set[tuple] = set()
    files = {f for fs in manifest.holding(r.source_uri for r in rejections).values() for f in fs
             if f.parent.name == QUARANTINE_DIR}
    for path in sorted(files):
        if path.is_file():
            table = pq.ParquetFile(path).read(columns=key_columns)
            recorded.update(zip(*(table.column(c).to_pylist() for c in key_columns)))
    return [r for r in rejections if (r.source_uri, r.stage, r.reason, r.detail) in recorded]


def drop_rows_of_sources(dataset_dir: Path, earlier: dict[str, list[Path] | None],
                         keep: frozenset[Path] | set[Path] = frozenset()) -> list[tuple[str, int | None]]:
    """Remove earlier rows of inputs that are written again (their content changed): `earlier`
    maps each to the files holding its rows (None: look in every file). Returns the
    (article_id, dedup day) of each article row removed; ("", None) for quarantine rows."""
    removed: list[tuple[str, int | None]] = []
    if not earlier:
        return removed
    wanted = pa.array(sorted(earlier))
    if any(files is None for files in earlier.values()):
        candidates = dataset_files(dataset_dir)
    else:
        candidates = sorted({f for files in earlier.values() for f in files or ()
                             if f.is_file() and f.is_relative_to(dataset_dir)})
    for path in candidates:
        if path in keep:
            continue
        # Most files hold none of them: the one column tells, the rest is read only on a hit.
        if not pc.any(pc.is_in(pq.ParquetFile(path).read(columns=["source_uri"]).column("source_uri"),
                                value_set=wanted)).as_py():
            continue
        table = pq.ParquetFile(path).read()
        hit = pc.is_in(table.column("source_uri"), value_set=wanted)
        gone = table.filter(hit)
        days = entry_days(gone).tolist() if "published_at" in gone.column_names else [None] * gone.num_rows
        removed += [(a or "", d) for a, d in zip(gone.column("article_id").to_pylist(), days)]
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


def published_months(articles: pa.Table) -> pa.Array:
    """The partition value of each row: YYYY-MM of `published_at`, or `unknown`."""
    months = pc.strftime(articles.column("published_at"), format="%Y-%m")
    return pc.fill_null(months, UNKNOWN_MONTH)


def write_partitioned(articles: pa.Table, dataset_dir: Path, name: str) -> list[Path]:
    """One file per month partition, rows sorted by publisher and time inside it."""
    articles = articles.cast(ARTICLES)
    months = published_months(articles)
    paths = []
    for month in sorted(set(months.to_pylist())):
        part = articles.filter(pc.equal(months, month)).sort_by(
            [("publisher", "ascending"), ("published_at", "ascending"), ("article_id", "ascending")])
        paths.append(atomic_write_table(part, dataset_dir / f"{PARTITION_COLUMN}={month}" / name))
    return paths


# A table with no rows still has this one file, carrying its schema: without any file pandas
# reads no columns and DuckDB's glob fails.
SCHEMA_FILE = "part-empty.parquet"


def keep_schema_files(version: Path) -> None:
    """Each table of a version about to be committed has at least one file (SCHEMA_FILE when
    it has no rows, in the partition of undated rows for articles); once it has rows, the
    empty file goes."""
    for table, schema, home in ((ARTICLES_DIR, ARTICLES, Path(ARTICLES_DIR) / f"{PARTITION_COLUMN}={UNKNOWN_MONTH}"),
                                (QUARANTINE_DIR, QUARANTINE, Path(QUARANTINE_DIR))):
        files = dataset_files(version / table)
        empty = [p for p in files if p.name == SCHEMA_FILE]
        if not files:
            atomic_write_table(schema.empty_table(), version / home / SCHEMA_FILE)
        elif len(files) > len(empty):
            for path in empty:
                path.unlink()


def part_name(run: RunContext, batch_no: int) -> str:
    return f"part-{run.started_at:%Y%m%dT%H%M%S}-{run.run_id[:8]}-{batch_no:05d}.parquet"


def manifest_part_name(run: RunContext, batch_no: int) -> str:
    """Sorts in the order batches were written, runs a second apart included."""
    return f"part-{run.started_at:%Y%m%dT%H%M%S%f}-{batch_no:05d}-{run.run_id[:8]}.parquet"


def write_batch(articles: pa.Table, rejections: list[Rejection], staging: Path, run: RunContext,
                batch_no: int, manifest: Manifest | None = None, former_names: dict[str, str] | None = None) -> dict:
    """Write one batch's articles and quarantine rows into the staging version; return what
    was written and the (article_id, day) of earlier rows it replaced. `manifest`: the staging
    version's, which says where earlier rows of the batch's inputs are and is told where
    the new ones went; without it, every file is looked through. `former_names`: key -> the
    name an input had before inputs had keys (a file's absolute path): its rows under that
    name are replaced too, when none are under its key."""
    name = part_name(run, batch_no)
    written = {"articles": articles.num_rows, "quarantine": len(rejections), "replaced": 0, "removed": []}
    sources = set(articles.column("source_uri").to_pylist()) | {r.source_uri for r in rejections}
    formers = {former: key for key, former in (former_names or {}).items() if key in sources and former != key}
    earlier: dict[str, list[Path] | None] = dict.fromkeys(sources | set(formers))
    retired: list[str] = []
    if manifest is not None:
        earlier = {uri: files for uri, files in manifest.holding(sources).items()}
        held = manifest.holding(former for former, key in formers.items() if key not in earlier)
        earlier.update(held)
        retired = sorted(held)
    files_of: dict[str, list[str]] = {}
    new_files: set[Path] = set()
    if articles.num_rows:
        new_files = set(write_partitioned(articles, staging / ARTICLES_DIR, name))
        for uri, month in zip(articles.column("source_uri").to_pylist(), published_months(articles).to_pylist()):
            files_of.setdefault(uri, []).append(f"{ARTICLES_DIR}/{PARTITION_COLUMN}={month}/{name}")
    crash_point("write:articles_written")
    removed = drop_rows_of_sources(staging / ARTICLES_DIR, earlier, keep=new_files)
    written["replaced"], written["removed"] = len(removed), removed
    quarantine_file = set()
    if rejections:
        quarantine_file = {atomic_write_table(rejections_table(rejections, run), staging / QUARANTINE_DIR / name)}
        for r in rejections:
            files_of.setdefault(r.source_uri, []).append(f"{QUARANTINE_DIR}/{name}")
    drop_rows_of_sources(staging / QUARANTINE_DIR, earlier, keep=quarantine_file)
    if manifest is not None:
        manifest.record(manifest_part_name(run, batch_no), batch_rows(articles, rejections, files_of, retired))
    crash_point("write:batch_done")
    return written


def write_report(report: dict, out_dir: Path, run: RunContext) -> Path:
    """Reports are not data: written beside the versions, after the commit."""
    path = out_dir / REPORTS_DIR / f"{run.label}.json"
    return atomic_write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n", path)
