"""discover: list the input documents of the sources, and tell new ones from those already
processed (same bytes: same doc_id)."""
from __future__ import annotations

import glob
import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.records import InputRef

# Files a crawler or an editor leaves beside pages; never inputs.
_IGNORED_PREFIXES = (".", "_", "~")


class SourceError(Exception):
    """A source that cannot be read at all (the run cannot start)."""


@dataclass(slots=True)
class Discovery:
    new: list[InputRef] = field(default_factory=list)
    unchanged: list[InputRef] = field(default_factory=list)

    @property
    def inputs(self) -> int:
        return len(self.new) + len(self.unchanged)


def expand_source(source: str) -> list[Path]:
    """The files a source names: a file, a directory (recursively) or a glob pattern."""
    path = Path(source)
    if path.is_file():
        return [path]
    if path.is_dir():
        files = []
        for root, dirs, names in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith(_IGNORED_PREFIXES))
            files.extend(Path(root, n) for n in sorted(names) if not n.startswith(_IGNORED_PREFIXES))
        return files
    if glob.has_magic(source):
        return [Path(p) for p in sorted(glob.glob(source, recursive=True)) if Path(p).is_file()]
    if path.exists():
        raise SourceError(f"source is neither a file nor a directory: {source}")
    raise SourceError(f"source not found: {source}")


def file_digest(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def discover(sources: list[str], known_doc_ids: set[str]) -> Discovery:
    """Every file of every source, once; those whose bytes were already processed (in an
    earlier run, or earlier in this one) are `unchanged`."""
    found = Discovery()
    seen_paths: set[Path] = set()
    seen_ids = set(known_doc_ids)
    for source in sources:
        for path in expand_source(source):
            path = path.resolve()
            if path in seen_paths:
                continue
            seen_paths.add(path)
            doc_id, size = file_digest(path)
            ref = InputRef(source_uri=str(path), doc_id=doc_id, size=size)
            if doc_id in seen_ids:
                found.unchanged.append(ref)
            else:
                seen_ids.add(doc_id)
                found.new.append(ref)
    return found


def batches(items: list, size: int) -> list[list]:
    if size < 1:
        raise ValueError("batch size must be at least 1")
    return [items[i:i + size] for i in range(0, len(items), size)]


@task(name="discover", cache_policy=NO_CACHE)
def discover_task(sources: list[str], out_dir: str) -> tuple[Discovery, float]:
    from tasks.write import known_doc_ids  # the dataset is the ledger of what was processed

    started = time.perf_counter()
    found = discover(sources, known_doc_ids(Path(out_dir)))
    return found, time.perf_counter() - started
