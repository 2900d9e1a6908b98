"""Crash points for the crash-safety tests: `KHABAR_CRASH_AT=<name>` makes the process kill
itself with SIGKILL when it reaches the point of that name (no cleanup, no atexit: what a
power cut or the OOM killer does); `KHABAR_FAIL_AT=<name>:<errno>` makes the write there fail
as the disk would (`write:articles_written:ENOSPC` a full disk, `...:EROFS` a read-only one).
Unset, a crash point costs two dict lookups."""
from __future__ import annotations

import errno
import os
import signal


def crash_point(name: str) -> None:
    if os.environ.get("KHABAR_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
    point, _, code = os.environ.get("KHABAR_FAIL_AT", "").rpartition(":")
    if point == name:
        number = getattr(errno, code)
        raise OSError(number, os.strerror(number))
