"""tasks/memory.py: a function run in a thread of its own (its own malloc arena) behaves as if
called here: same context, its value returned, its exception raised."""
import contextvars
import threading

import pytest

from tasks.memory import in_own_arena

RUN = contextvars.ContextVar("RUN", default=None)


def _where(offset):
    return threading.get_ident(), RUN.get(), offset + 1


def test_runs_in_another_thread_with_the_callers_context_and_returns_its_value():
    RUN.set("run-7")
    thread, seen, value = in_own_arena(_where, 41)
    assert thread != threading.get_ident() and seen == "run-7" and value == 42


def test_what_it_raises_is_raised_to_the_caller():
    def broken():
        raise ValueError("page 3 is not HTML")

    with pytest.raises(ValueError, match="page 3 is not HTML"):
        in_own_arena(broken)
