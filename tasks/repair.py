"""`khabar repair`: a dataset whose current version holds a file that cannot be read (cut by
a full disk, a bad copy, a failing drive) is made readable again without losing track of a
row. The damaged files are set aside, never deleted: they go to DIR/damaged/<time>/ with
their path inside the version, and so do their siblings, the files of the same name in the
other partitions and in quarantine/ (written by the same batch, or by the same compaction):
an input's rows may be spread over several months' partitions, and while any of them is
left the input counts as processed. With all of them aside, the inputs of that batch are no
longer known, so the next run of the same sources (fetched pages come from DIR/raw/) writes
their rows again. The duplicate index is rebuilt from the rows left. The result is a new
version, committed like a run's."""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from tasks.dedup import rebuild_index
from tasks.manifest import build as build_manifest
from tasks.store import TABLES, Store, damaged_files

DAMAGED_DIR = "damaged"


@dataclass(frozen=True)
class Repaired:
    version: Path | None            # None: nothing was damaged, nothing was changed
    set_aside: list[tuple[Path, str]]   # (where a file went, why: unreadable, or a sibling of one)


def repair(root: Path) -> Repaired:
    store = Store(root).open(check=False)
    try:
        label = "repair-" + datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
        staging = store.begin(label)
        try:
            damaged = damaged_files(staging.path, read_all=True)
            if not damaged:
                store.abandon(staging)
                return Repaired(None, [])
            aside = root / DAMAGED_DIR / label
            reasons = dict(damaged)
            names = {path.name: path for path, _ in damaged}
            for table in TABLES:
                for path in sorted(staging.table(table).rglob("*.parquet")):
                    if path.name in names and path not in reasons:
                        reasons[path] = f"written with {names[path.name].relative_to(staging.path)}, which cannot be read"
            moved = []
            for path, reason in sorted(reasons.items()):
                target = aside / path.relative_to(staging.path)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.rename(path, target)      # a hard link of the version's file: its bytes stay as found
                moved.append((target, reason))
            rebuild_index(staging.path)
            build_manifest(staging.path)             # the inputs of what went aside are no longer known
            return Repaired(store.commit(staging), moved)
        except BaseException:
            store.abandon(staging)
            raise
    finally:
        store.close()
