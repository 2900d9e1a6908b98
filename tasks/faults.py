"""Crash points for the crash-safety tests: `KHABAR_CRASH_AT=<name>` makes the process kill
itself with SIGKILL when it reaches the point of that name (no cleanup, no atexit: what a
power cut or the OOM killer does). Unset, a crash point costs one dict lookup."""
from __future__ import annotations

import os
import signal


def crash_point(name: str) -> None:
    if os.environ.get("KHABAR_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
