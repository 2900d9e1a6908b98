"""Work that may not end, run in a child process that can be stopped (pebble's ProcessPool):
a call over its time limit is stopped wherever its time goes, inside libxml2 too, where no
signal or exception reaches, by killing the child, which the pool replaces; a call that kills
the child (a crash, its memory exhausted) costs that call only. One child per process, started
on first use and kept for the process's life; what it allocates (libxml2's trees) stays out
of the run's own heap."""
from __future__ import annotations

import atexit
import logging
import multiprocessing
import threading
from concurrent.futures import TimeoutError as FutureTimeout

_LOG = logging.getLogger("khabar.isolated")


class TimeLimitExceeded(Exception):
    """The call ran past its time limit; the child that ran it was killed."""


class ChildDied(Exception):
    """The child process died during the call (a crash, or killed from outside)."""


_pool = None
_lock = threading.Lock()
_warned = False


def _child_pool():
    global _pool
    with _lock:
        if _pool is None or not _pool.active:
            from pebble import ProcessPool

            # Spawned, not forked: a fork of a process running Prefect's and Dask's threads can
            # inherit a lock one of them held and hang.
            _pool = ProcessPool(max_workers=1, initializer=_warm, context=multiprocessing.get_context("spawn"))
        return _pool


def stop_children() -> None:
    """Stops this process's child, if it has one (at exit; the next call starts another)."""
    global _pool
    with _lock:
        if _pool is not None:
            _pool.stop()
            _pool.join()
            _pool = None


atexit.register(stop_children)


def _warm() -> None:
    """The child's imports, before its first call's time starts."""
    import tasks.extract  # noqa: F401
    import trafilatura  # noqa: F401


def can_isolate() -> bool:
    """multiprocessing refuses children to a daemonic process (a Dask worker started with
    distributed.worker.daemon on, its default)."""
    return not multiprocessing.current_process().daemon


def call_isolated(function, args: tuple, seconds: float):
    """function(*args) in the child, stopped after `seconds` (TimeLimitExceeded); what it
    raises is raised here. In a process that cannot have children it runs here, without
    the limit, and says so once."""
    global _warned
    if not can_isolate():
        if not _warned:
            _warned = True
            _LOG.warning("this process is a daemon (a Dask worker with distributed.worker.daemon on) and "
                         "cannot start a child: pages are extracted without their time limit")
        return function(*args)
    from pebble import ProcessExpired

    future = _child_pool().schedule(function, args=args, timeout=seconds)
    try:
        return future.result()
    except FutureTimeout:
        raise TimeLimitExceeded(f"over {seconds:g} s") from None
    except ProcessExpired as e:
        raise ChildDied(f"exit code {e.exitcode}") from None
