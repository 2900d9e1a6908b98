"""The run's memory between batches: what it holds now (for the batch log line) and giving
back what a finished batch freed. glibc keeps freed blocks in its arenas for reuse; a batch's
pages, trees and frames leave holes that the next batch's differently sized objects do not
fit, so without a trim the resident size creeps up batch after batch on a long run."""
from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_mib() -> float | None:
    """Resident set size now, in MiB (Linux; None elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * _PAGE / 2**20
    except (OSError, ValueError, IndexError):
        return None


def _malloc_trim():
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None                     # not glibc (musl, macOS): nothing to trim


_TRIM = _malloc_trim()


def release_freed_memory() -> None:
    gc.collect()
    if _TRIM is not None:
        _TRIM(0)
