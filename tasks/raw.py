"""The raw zone, DIR/raw/: every fetched page and WARC record as received, so any page can
be processed again without fetching it again.

Content-addressed (the file is named by the sha256 of its bytes: the page's doc_id) and
zstd-compressed; written under a temporary name and renamed, so a file there is always
whole. What the fetcher knows of each URL for conditional requests (ETag, Last-Modified,
the doc_id it last returned) is in DIR/raw/fetch.sqlite.
"""
from __future__ import annotations

import os
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pyarrow as pa

RAW_DIR = "raw"
STATE_DB = "fetch.sqlite"


def raw_path(raw_dir: Path, doc_id: str) -> Path:
    return raw_dir / doc_id[:2] / f"{doc_id}.zst"


def put(raw_dir: Path, doc_id: str, data: bytes) -> Path:
    """Store `data` (whose sha256 is doc_id) once; return its path."""
    path = raw_path(raw_dir, doc_id)
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with pa.output_stream(str(tmp), compression="zstd") as out:
        out.write(data)
    os.replace(tmp, path)
    return path


def get(path: str | Path) -> bytes:
    with pa.input_stream(str(path), compression="zstd") as f:
        return f.read()


@dataclass(frozen=True)
class Validators:
    """What a server said of a URL last time: sent back so it can answer 304 Not Modified."""
    etag: str | None
    last_modified: str | None
    doc_id: str
    fetched_at: datetime


class FetchState:
    """url → Validators, in SQLite (one writer at a time: the run holds the DIR lock)."""

    def __init__(self, raw_dir: Path):
        raw_dir.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(raw_dir / STATE_DB, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        self._db.execute("CREATE TABLE IF NOT EXISTS fetched (url TEXT PRIMARY KEY, etag TEXT, "
                         "last_modified TEXT, doc_id TEXT NOT NULL, fetched_at TEXT NOT NULL)")

    def get(self, url: str) -> Validators | None:
        with self._lock:
            row = self._db.execute("SELECT etag, last_modified, doc_id, fetched_at FROM fetched WHERE url = ?",
                                   (url,)).fetchone()
        if row is None:
            return None
        return Validators(row[0], row[1], row[2], datetime.fromisoformat(row[3]))

    def put(self, url: str, v: Validators) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO fetched VALUES (?, ?, ?, ?, ?)",
                             (url, v.etag, v.last_modified, v.doc_id, v.fetched_at.isoformat()))

    def close(self) -> None:
        self._db.close()
