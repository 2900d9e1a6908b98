"""The dataset directory as versions that change all at once, so plain readers (pyarrow,
pandas, DuckDB, Polars) only ever see the state a completed run left.

    DIR/articles    -> current/articles      (fixed relative symlinks: what readers open)
    DIR/quarantine  -> current/quarantine
    DIR/current     -> .versions/v000042      (swapped by one rename per run)
    DIR/.versions/v000042/{articles,quarantine,index}/…
    DIR/.versions/v000042/index/files.parquet  (every file of the version and its size)
    DIR/.versions/.staging-<run>/…            (the run being written; never read as data)
    DIR/.lock                                 (one writer at a time)

A run stages its new version: every file of the current version hard-linked (no copying),
then its batches add files and replace (never modify) files whose rows they change. Commit
renames the staging directory to the next version and swaps `current` with an atomic
rename. A crash before that swap leaves `current` as it was; leftovers are swept by the
next run. The previous version is kept one run longer for readers still reading it.

The file list written at commit lets a run check the version it starts from with one stat
per file (a cut or truncated file has another size), and skip the schema upgrade when the
version was written with the columns of this khabar, instead of reading every file's footer.
"""
from __future__ import annotations

import errno
import fcntl
import os
import time
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from tasks.faults import crash_point
from tasks.write import fsync_dir as _fsync_dir, keep_schema_files

VERSIONS, CURRENT, LOCK = ".versions", "current", ".lock"
TABLES = ("articles", "quarantine")
INDEX = "index"
FILE_LIST = "files.parquet"
_VERSION = re.compile(r"^v(\d{6,})$")
KEEP_VERSIONS = 2          # the current one and the one before it


class StoreLocked(RuntimeError):
    """Another run is writing to the same DIR."""


class StoreDamaged(RuntimeError):
    """DIR holds versions but no `current` link, or a file of the current version cannot be
    read: nothing may be deleted or written until a person says (README: Troubleshooting)."""


def damaged_files(version: Path, read_all: bool = False) -> list[tuple[Path, str]]:
    """The Parquet files of a version that cannot be read, and why: each file's footer (what
    a cut or truncated file loses; cheap enough for every open), or with `read_all` every
    page of data too (one file in memory at a time)."""
    import pyarrow.parquet as pq

    damaged = []
    for path in sorted(version.rglob("*.parquet")):
        try:
            if read_all:
                pq.ParquetFile(path).read()
            else:
                pq.read_metadata(path)
        except Exception as e:  # pyarrow raises several kinds on a bad file
            damaged.append((path, f"{type(e).__name__}: {e}"[:200]))
    return damaged


def _list_files(version: Path) -> None:
    """Every file of the version with its size, and the schema it was written with."""
    import pyarrow as pa

    from schemas.tables import schema_fingerprint
    from tasks.write import atomic_write_table

    files = sorted(p for p in version.rglob("*.parquet") if not p.name.startswith(".") and p.name != FILE_LIST)
    table = pa.table({"path": [str(p.relative_to(version)) for p in files],
                      "size": pa.array([p.stat().st_size for p in files], pa.int64())})
    table = table.replace_schema_metadata({b"khabar_schema": schema_fingerprint().encode()})
    atomic_write_table(table, version / INDEX / FILE_LIST)


def listed_files(version: Path) -> tuple[dict[str, int], str] | None:
    """The version's file list (relative path → size) and schema fingerprint; None when it
    has none (written by khabar ≤ 0.6) or it cannot be read."""
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(version / INDEX / FILE_LIST)
    except (OSError, ValueError):       # missing, or damaged: the footers are read instead
        return None
    schema = (table.schema.metadata or {}).get(b"khabar_schema", b"").decode()
    return dict(zip(table.column("path").to_pylist(), table.column("size").to_pylist())), schema


def schema_is_current(version: Path) -> bool:
    """Whether every file of the version has this khabar's columns (its file list says so)."""
    from schemas.tables import schema_fingerprint

    listed = listed_files(version)
    return listed is not None and listed[1] == schema_fingerprint()


def _versions(root: Path) -> list[tuple[int, Path]]:
    base = root / VERSIONS
    if not base.is_dir():
        return []
    found = [(int(m[1]), p) for p in base.iterdir() if (m := _VERSION.match(p.name))]
    return sorted(found)


def current_version(root: Path) -> Path | None:
    """The committed version readers see, or None before the first commit."""
    link = root / CURRENT
    return (root / VERSIONS / os.readlink(link).split("/")[-1]) if link.is_symlink() else None


def table_dir(root: Path, table: str) -> Path:
    """Where readers find a table now (through the symlinks)."""
    return root / table


def _link_tree(src: Path, dst: Path) -> None:
    """dst becomes a copy of src made of hard links: same files, no bytes copied."""
    for dirpath, _, filenames in os.walk(src):
        target = dst / Path(dirpath).relative_to(src)
        target.mkdir(parents=True, exist_ok=True)
        for name in filenames:
            if not name.startswith("."):
                os.link(Path(dirpath) / name, target / name)


def _ensure_reader_links(root: Path) -> None:
    for table in TABLES:
        link = root / table
        if link.is_symlink():
            continue
        if link.exists():
            raise RuntimeError(f"{link} is a real directory: move it away (khabar keeps tables as versions)")
        os.symlink(f"{CURRENT}/{table}", link)


@dataclass
class Staging:
    """A version being written by one run."""
    root: Path
    path: Path

    def table(self, table: str) -> Path:
        return self.path / table

    @property
    def index_dir(self) -> Path:
        return self.path / INDEX


class Store:
    """One writer's handle on DIR: holds the lock from open() to close()."""

    def __init__(self, root: Path, wait: float = 0.0):
        """`wait`: seconds to wait for another writer to finish before refusing (0: refuse at
        once, for a person at a terminal; scheduled runs that may meet another deployment's run
        on the same DIR wait)."""
        self.root = Path(root)
        self.wait = wait
        self._lock_fd: int | None = None

    def open(self, check: bool = True) -> "Store":
        """Takes the lock and sweeps what crashed runs left; `check`: refuse (StoreDamaged) a
        current version with a file that cannot be read (off for `khabar repair`)."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as e:
                if e.errno not in (errno.EAGAIN, errno.EACCES):
                    os.close(fd)
                    raise
                if time.monotonic() < deadline:
                    time.sleep(min(1.0, max(0.05, deadline - time.monotonic())))
                    continue
                holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
                os.close(fd)
                waited = f" (waited {self.wait:g} s)" if self.wait else ""
                raise StoreLocked(f"another khabar run is writing to {self.root} (pid {holder}){waited}; "
                                  "wait for it to finish") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._lock_fd = fd
        try:
            self._migrate_flat_layout()
            self._sweep()
            if check:
                self._check_current()
        except BaseException:
            self.close()
            raise
        return self

    def _check_current(self) -> None:
        current = current_version(self.root)
        if current is None:
            return
        listed = listed_files(current)
        if listed is None:
            damaged = damaged_files(current)
        else:
            damaged = []
            for relative, size in sorted(listed[0].items()):
                path = current / relative
                found = path.stat().st_size if path.exists() else None
                if found != size:
                    damaged.append((path, f"{found} bytes where {size} were written" if found is not None
                                    else "missing"))
        if damaged:
            path, reason = damaged[0]
            more = f" and {len(damaged) - 1} more" if len(damaged) > 1 else ""
            raise StoreDamaged(f"dataset file {path} cannot be read ({reason}){more}; nothing was changed. "
                               f"`khabar repair --out {self.root}` sets damaged files aside so that the next "
                               "run of their sources writes their rows again")

    def _migrate_flat_layout(self) -> None:
        """DIR written by khabar 0.1 (real articles/ and quarantine/ directories) becomes version 0."""
        real = [t for t in TABLES if (self.root / t).is_dir() and not (self.root / t).is_symlink()]
        if not real or current_version(self.root) is not None:
            return
        first = self.root / VERSIONS / "v000000"
        first.mkdir(parents=True, exist_ok=True)
        for table in real:
            os.rename(self.root / table, first / table)
        os.symlink(f"{VERSIONS}/{first.name}", self.root / CURRENT)
        _ensure_reader_links(self.root)

    def close(self) -> None:
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> "Store":
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    def _sweep(self) -> None:
        """Remove what crashed runs left: staging directories and versions newer than current."""
        base = self.root / VERSIONS
        if not base.is_dir():
            return
        current = current_version(self.root)
        versions = _versions(self.root)
        if current is None and versions:
            # Without `current` every version looks uncommitted: deleting them would delete
            # the dataset. The newest is complete (a version exists only after its rename).
            newest = versions[-1][1]
            raise StoreDamaged(f"{self.root / CURRENT} is missing but {len(versions)} dataset version(s) are "
                               f"there, the newest {newest.name}; nothing was changed. To restore it: "
                               f"ln -s {VERSIONS}/{newest.name} {self.root / CURRENT}")
        for path in base.iterdir():
            if path.name.startswith(".staging-"):
                shutil.rmtree(path, ignore_errors=True)
        matched = _VERSION.match(current.name) if current is not None else None
        for number, path in versions:
            if matched is not None and number > int(matched[1]):
                shutil.rmtree(path, ignore_errors=True)

    def begin(self, run_label: str, carry_over: bool = True) -> Staging:
        """A staging version: a hard-linked copy of the current one (or empty for a rebuild)."""
        assert self._lock_fd is not None, "open() the store first"
        path = self.root / VERSIONS / f".staging-{run_label}"
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        current = current_version(self.root)
        if carry_over and current is not None:
            _link_tree(current, path)
        for table in TABLES:
            (path / table).mkdir(exist_ok=True)
        return Staging(self.root, path)

    def commit(self, staging: Staging) -> Path:
        """Make the staged version the current one, in one atomic rename."""
        keep_schema_files(staging.path)
        _list_files(staging.path)
        versions = _versions(self.root)
        number = versions[-1][0] + 1 if versions else 1
        for dirpath, _, _ in os.walk(staging.path):
            _fsync_dir(Path(dirpath))
        crash_point("commit:before_rename")
        final = self.root / VERSIONS / f"v{number:06d}"
        os.rename(staging.path, final)
        _fsync_dir(final.parent)
        crash_point("commit:before_swap")
        tmp_link = self.root / f".{CURRENT}.tmp"
        if tmp_link.is_symlink():
            tmp_link.unlink()
        os.symlink(f"{VERSIONS}/{final.name}", tmp_link)
        os.replace(tmp_link, self.root / CURRENT)
        _fsync_dir(self.root)
        crash_point("commit:after_swap")
        _ensure_reader_links(self.root)
        self._prune()
        return final

    def abandon(self, staging: Staging) -> None:
        shutil.rmtree(staging.path, ignore_errors=True)

    def _prune(self) -> None:
        for _, path in _versions(self.root)[:-KEEP_VERSIONS]:
            shutil.rmtree(path, ignore_errors=True)
