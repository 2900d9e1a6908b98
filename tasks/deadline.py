"""A wall-clock limit on one page's work. Python cannot kill a thread, so the limit interrupts
the page's own Python code: in the main thread (a local run) with an alarm signal, in any
other thread (a Dask worker runs tasks in its executor threads) by raising PageTimeout in
that thread from a timer. Either way the exception is raised at the next Python instruction:
a long call into C (lxml parsing one huge document) finishes first, which the page-size
limit bounds."""
from __future__ import annotations

import ctypes
import signal
import threading
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


@contextmanager
def _thread_timer(seconds: float):
    target = threading.get_ident()
    lock = threading.Lock()
    finished = False

    def expire():
        with lock:
            if not finished:
                _set_async_exc(target, PageTimeout)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with lock:
            finished = True
            timer.cancel()
            # An exception set just as the work ended must not go off later, elsewhere.
            _set_async_exc(target, None)
