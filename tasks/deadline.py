"""A wall-clock limit on one page's work. Python cannot kill a thread, so the limit interrupts
the page's own Python code: in the main thread (a local run) with an alarm signal, in any
other thread (a Dask worker runs tasks in its executor threads) by raising PageTimeout in
that thread from a timer. Either way the exception is raised at the next Python instruction:
a long call into C (lxml parsing one huge document) finishes first, which the page-size
limit bounds."""
from __future__ import annotations

import ctypes
import itertools
import math
import signal
import threading
import time
from contextlib import contextmanager


class PageTimeout(BaseException):
    """Raised inside the page's work when its time is up. A BaseException, so that a library's
    `except Exception` (trafilatura has several) cannot swallow it."""


def _in_main_thread() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def time_limit(seconds: float):
    if seconds <= 0:
        yield
    elif _in_main_thread():
        with _alarm(seconds):
            yield
    else:
        with _thread_timer(seconds):
            yield


@contextmanager
def _alarm(seconds: float):
    def on_alarm(signum, frame):
        raise PageTimeout(f"over {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _set_async_exc(thread_id: int, exc_type) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id),
                                               ctypes.py_object(exc_type) if exc_type else None)


class _Watchdog:
    """One daemon thread for the whole process that raises PageTimeout in each thread whose
    deadline passed: a timer thread per page would cost ~0.7 ms a page."""

    def __init__(self):
        self._cond = threading.Condition()
        self._deadlines: dict[int, tuple[float, int]] = {}       # thread id → (deadline, token)
        self._tokens = itertools.count()
        self._thread: threading.Thread | None = None
        self._wakes_at = math.inf

    def arm(self, thread_id: int, seconds: float) -> int:
        with self._cond:
            token = next(self._tokens)
            deadline = time.monotonic() + seconds
            self._deadlines[thread_id] = (deadline, token)
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="khabar-page-deadlines", daemon=True)
                self._thread.start()
            # Woken only when it would sleep past this deadline: not once per page (each wake
            # takes the GIL from the page's work).
            if deadline < self._wakes_at:
                self._cond.notify()
            return token

    def disarm(self, thread_id: int, token: int) -> None:
        with self._cond:
            if self._deadlines.get(thread_id, (0.0, -1))[1] == token:
                del self._deadlines[thread_id]
            # An exception set just as the work ended must not go off later, elsewhere.
            _set_async_exc(thread_id, None)

    def _watch(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                for thread_id, (deadline, _) in list(self._deadlines.items()):
                    if deadline <= now:
                        del self._deadlines[thread_id]
                        _set_async_exc(thread_id, PageTimeout)
                self._wakes_at = min((d for d, _ in self._deadlines.values()), default=math.inf)
                self._cond.wait(None if self._wakes_at == math.inf else max(0.0, self._wakes_at - now))


_WATCHDOG = _Watchdog()


@contextmanager
def _thread_timer(seconds: float):
    target = threading.get_ident()
    token = _WATCHDOG.arm(target, seconds)
    try:
        yield
    finally:
        _WATCHDOG.disarm(target, token)
