"""A wall-clock limit on one page's work. Python cannot stop a thread from outside, so the limit
is an alarm signal: it holds in the main thread, where the ingest flow runs its tasks. Elsewhere
(a Dask worker thread) the page runs unlimited, and the size limit alone bounds it."""
from __future__ import annotations

import signal
import threading
from contextlib import contextmanager


class PageTimeout(BaseException):
    """Raised inside the page's work when its time is up. A BaseException, so that a library's
    `except Exception` (trafilatura has several) cannot swallow it."""


def can_limit() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def time_limit(seconds: float):
    if seconds <= 0 or not can_limit():
        yield
        return

    def on_alarm(signum, frame):
        raise PageTimeout(f"over {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
