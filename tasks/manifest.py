"""Which inputs a dataset version holds rows of, looked up by key, so that a run asks about its
own inputs instead of scanning the dataset (issue "Scale"):

    index/inputs/<batch file>.parquet    a row per input the batch wrote: source_uri, doc_id,
        their 16-byte keys, `processed` (the input counts as done: it has article rows, or a
        quarantine row whose reason does not ask for another try) and `files` (where its rows
        are, relative to the version)

An input written again (its bytes changed) is listed again by the part of the batch that
wrote it, and the newest row is the input's: earlier parts are never rewritten. A run reads
the keys and flags (~33 bytes per input); the rest of a row only for the inputs it writes
again. A version without it (khabar ≤ 0.6) gets one from its data, once.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tasks.keys import key_array, keys_column, keys_of
from tasks.records import RETRIED_REASONS

INPUTS_DIR = "inputs"
BUILT_PART_PREFIX = "part-00000000T000000-all"     # sorts before every batch's part
BUILT_PART_ROWS = 100_000
SCHEMA = pa.schema([
    pa.field("source_uri", pa.string(), nullable=False), ("source_key", pa.binary(16)), ("doc_id", pa.string()),
    ("doc_key", pa.binary(16)), ("processed", pa.bool_()), ("files", pa.list_(pa.string())),
])


def inputs_dir(version: Path) -> Path:
    return version / "index" / INPUTS_DIR


def _parts(version: Path) -> list[Path]:
    base = inputs_dir(version)
    return sorted(p for p in base.glob("*.parquet") if not p.name.startswith(".")) if base.is_dir() else []


class Manifest:
    """The inputs of one version, and of the staging version that a run makes of it (`rebase`).
    An input written again is listed again, in the part of the batch that wrote it: the
    newest part's row is the input's (parts are named by run time and batch), and earlier
    rows are never rewritten; compact leaves one row per input."""

    def __init__(self, version: Path):
        self.version = version
        # ~30 bytes per input, this run's included
        self._parts: list[str] = []                    # part file names, oldest first
        self._source_keys = np.empty(0, "S16")         # sorted, each key once
        self._source_part = np.empty(0, np.int32)      # the newest part listing it
        self._source_doc = np.empty(0, "S16")          # its doc_key there if processed, else b""

    @classmethod
    def open(cls, version: Path | None) -> "Manifest":
        """The manifest of `version` (None: no version yet, an empty one)."""
        manifest = cls(version or Path("."))
        if version is None:
            return manifest
        if not _parts(version) and _has_rows(version):
            build(version)
        sources, parts, docs = [], [], []
        for number, path in enumerate(_parts(version)):
            table = pq.ParquetFile(path).read(columns=["source_key", "doc_key", "processed"])
            manifest._parts.append(path.name)
            sources.append(keys_column(table.column("source_key")))
            parts.append(np.full(table.num_rows, number, np.int32))
            done = table.column("processed").to_numpy(zero_copy_only=False).astype(bool)
            docs.append(np.where(done, keys_column(table.column("doc_key")), np.bytes_(b"")))
            del table
        if sources:
            keys, part, doc = np.concatenate(sources), np.concatenate(parts), np.concatenate(docs)
            del sources, parts, docs
            order = np.lexsort((part, keys))               # by key, then part: a key's newest row last
            keys, part, doc = keys[order], part[order], doc[order]
            newest = np.append(keys[1:] != keys[:-1], True)
            manifest._source_keys, manifest._source_part = keys[newest], part[newest]
            manifest._source_doc = doc[newest]
        return manifest

    def processed_inputs(self) -> "ProcessedInputs":
        """`(key, doc_id) in manifest.processed_inputs()`: whether the input of that key was
        processed with these bytes."""
        return ProcessedInputs(self)

    def rebase(self, version: Path) -> None:
        """Reads and writes go to `version` from now on: a staging copy of the one opened."""
        self.version = version

    def __len__(self) -> int:
        return len(self._source_keys)

    # -- questions --------------------------------------------------------------------------
    def is_processed(self, source_uri: str, doc_id: str) -> bool:
        """Whether the input named `source_uri` (its key) was processed with these bytes (see
        module docstring)."""
        source, doc = keys_of([source_uri, doc_id])
        at = int(np.searchsorted(self._source_keys, source))
        return at < len(self._source_keys) and self._source_keys[at] == source and self._source_doc[at] == doc

    def holding(self, source_uris: Iterable[str]) -> dict[str, list[Path]]:
        """The inputs among `source_uris` the version has rows of, each with the files holding
        them (from its newest row)."""
        wanted = sorted(set(source_uris))
        found: dict[str, list[Path]] = {}
        by_part: dict[str, list[str]] = {}
        for uri, key in zip(wanted, keys_of(wanted)):
            at = int(np.searchsorted(self._source_keys, key))
            if at < len(self._source_keys) and self._source_keys[at] == key:
                by_part.setdefault(self._parts[self._source_part[at]], []).append(uri)
        for name, uris in sorted(by_part.items()):
            table = pq.read_table(inputs_dir(self.version) / name, columns=["source_uri", "files"],
                                  filters=[("source_uri", "in", uris)])
            for uri, files in zip(table.column("source_uri").to_pylist(), table.column("files").to_pylist()):
                found[uri] = [self.version / f for f in files]
        return found

    # -- changes ----------------------------------------------------------------------------
    def record(self, name: str, rows: pa.Table) -> None:
        """A batch's inputs (rows of source_uri, doc_id, processed, files) as part `name`,
        which is newer than every part before it."""
        from tasks.write import atomic_write_table

        if not rows.num_rows:
            return
        source_keys = keys_of(rows.column("source_uri").to_pylist())
        doc_keys = keys_of(rows.column("doc_id").to_pylist())
        table = pa.table({
            "source_uri": rows.column("source_uri"), "source_key": key_array(source_keys),
            "doc_id": rows.column("doc_id"), "doc_key": key_array(doc_keys), "processed": rows.column("processed"),
            "files": rows.column("files"),
        }, schema=SCHEMA)
        atomic_write_table(table, inputs_dir(self.version) / name)
        self._parts.append(name)
        number = np.int32(len(self._parts) - 1)
        order = np.argsort(source_keys, kind="stable")
        keys = source_keys[order]
        at = np.searchsorted(self._source_keys, keys)
        listed = (at < len(self._source_keys)) & (self._source_keys[np.minimum(at, len(self._source_keys) - 1)] == keys) \
            if len(self._source_keys) else np.zeros(len(keys), bool)
        done = rows.column("processed").to_numpy(zero_copy_only=False).astype(bool)
        docs = np.where(done, doc_keys, np.bytes_(b""))[order]
        self._source_part[at[listed]] = number          # written again: this part is its row now
        self._source_doc[at[listed]] = docs[listed]
        self._source_keys = np.insert(self._source_keys, at[~listed], keys[~listed])
        self._source_part = np.insert(self._source_part, at[~listed], number)
        self._source_doc = np.insert(self._source_doc, at[~listed], docs[~listed])


class ProcessedInputs:
    """The (key, doc_id) pairs a manifest counts as processed, as a container."""
    __slots__ = ("manifest",)

    def __init__(self, manifest: Manifest):
        self.manifest = manifest

    def __contains__(self, pair: object) -> bool:
        return isinstance(pair, tuple) and len(pair) == 2 and self.manifest.is_processed(*pair)


def batch_rows(articles: pa.Table, rejections, files_of: dict[str, list[str]],
               retired: Iterable[str] = ()) -> pa.Table:
    """The manifest rows of a batch: one per input with rows in it. `files_of`: source_uri →
    files (relative to the version) its rows went to. `retired`: names whose rows the batch
    replaced under another name (a file's absolute path, its key before inputs had keys),
    each listed as holding nothing any more."""
    doc_ids: dict[str, str | None] = {}
    processed: dict[str, bool] = {}
    for uri, doc_id in zip(articles.column("source_uri").to_pylist(), articles.column("doc_id").to_pylist()):
        doc_ids[uri] = doc_id
        processed[uri] = True
    for r in rejections:
        doc_ids[r.source_uri] = doc_ids.get(r.source_uri) or r.doc_id
        processed[r.source_uri] = processed.get(r.source_uri, False) or r.reason not in RETRIED_REASONS
    for name in retired:
        if name not in doc_ids:
            doc_ids[name], processed[name] = "", False
    uris = sorted(doc_ids)
    return pa.table({"source_uri": uris, "doc_id": [doc_ids[u] for u in uris],
                     "processed": [processed[u] for u in uris], "files": [sorted(set(files_of.get(u, []))) for u in uris]})


def compact(source: Path, target: Path, moved: dict[str, str]) -> int:
    """The manifest of `source` into `target`, each input once (its newest row) and its files
    renamed by `moved` (relative path before → after compaction), one part at a time.
    Returns the inputs."""
    from tasks.write import atomic_write_table

    manifest = Manifest.open(source)
    kept = 0
    for number, name in enumerate(manifest._parts):
        table = pq.read_table(inputs_dir(source) / name)
        keys = keys_column(table.column("source_key"))
        at = np.minimum(np.searchsorted(manifest._source_keys, keys), max(len(manifest._source_keys) - 1, 0))
        table = table.filter(pa.array(manifest._source_part[at] == number))
        if not table.num_rows:
            continue
        # a file compact did not carry over held none of the rows any more
        files = [list(dict.fromkeys(moved[f] for f in fs if f in moved)) for fs in table.column("files").to_pylist()]
        table = table.set_column(table.schema.get_field_index("files"), SCHEMA.field("files"),
                                 pa.array(files, pa.list_(pa.string())))
        atomic_write_table(table, inputs_dir(target) / name)
        kept += table.num_rows
    return kept


def _has_rows(version: Path) -> bool:
    from tasks.write import SCHEMA_FILE, dataset_files

    return any(p.name != SCHEMA_FILE for t in ("articles", "quarantine") for p in dataset_files(version / t))


def build(version: Path) -> int:
    """The manifest of a version from its data (one column scan): for a version written before
    it existed, and after compact or repair moved rows between files. Written in parts of
    BUILT_PART_ROWS inputs (an edit reads one). Returns the inputs."""
    import shutil

    from tasks.write import atomic_write_table, dataset_files

    shutil.rmtree(inputs_dir(version), ignore_errors=True)
    pieces: list[pa.Table] = []
    names: list[str] = []
    for table_name in ("articles", "quarantine"):
        for path in dataset_files(version / table_name):
            columns = ["source_uri", "doc_id"] + (["reason"] if table_name == "quarantine" else [])
            t = pq.ParquetFile(path).read(columns=columns)
            if table_name == "quarantine":
                done = pc.invert(pc.is_in(t.column("reason"), value_set=pa.array(sorted(RETRIED_REASONS))))
            else:
                done = pa.array(np.ones(t.num_rows, bool))
            pieces.append(pa.table({"source_uri": t.column("source_uri"), "doc_id": t.column("doc_id"),
                                    "processed": done, "file": np.full(t.num_rows, len(names), np.int32)}))
            names.append(str(path.relative_to(version)))
    if not pieces:
        return 0
    grouped = pa.concat_tables(pieces).group_by("source_uri").aggregate(
        [("doc_id", "max"), ("processed", "any"), ("file", "distinct")]).sort_by("source_uri")
    del pieces
    numbers = grouped.column("file_distinct").combine_chunks()
    offsets = pc.subtract(numbers.offsets, numbers.offsets[0])
    files = pa.ListArray.from_arrays(offsets, pc.take(pa.array(names), pc.list_flatten(numbers)))
    for part, start in enumerate(range(0, grouped.num_rows, BUILT_PART_ROWS)):
        rows = grouped.slice(start, BUILT_PART_ROWS)
        table = pa.table({
            "source_uri": rows.column("source_uri"),
            "source_key": key_array(keys_of(rows.column("source_uri").to_pylist())),
            "doc_id": rows.column("doc_id_max"),
            "doc_key": key_array(keys_of(rows.column("doc_id_max").to_pylist())),
            "processed": rows.column("processed_any"), "files": files.slice(start, BUILT_PART_ROWS),
        }, schema=SCHEMA)
        atomic_write_table(table, inputs_dir(version) / f"{BUILT_PART_PREFIX}-{part:05d}.parquet")
    return grouped.num_rows
