"""tasks/isolated.py: a call in a child process that is killed past its time limit, and that
survives the child dying."""
import os
import time

import pytest

from tasks.isolated import ChildDied, TimeLimitExceeded, call_isolated


def test_a_call_returns_its_value_and_raises_its_exception():
    assert call_isolated(divmod, (17, 5), 10) == (3, 2)
    with pytest.raises(ZeroDivisionError):
        call_isolated(divmod, (1, 0), 10)


def test_a_call_past_its_limit_is_stopped_and_the_next_call_gets_a_new_child():
    started = time.perf_counter()
    with pytest.raises(TimeLimitExceeded, match="over 0.5 s"):
        call_isolated(time.sleep, (60,), 0.5)
    assert time.perf_counter() - started < 30
    assert call_isolated(os.getpid, (), 30) != os.getpid()


def test_a_child_that_dies_costs_that_call_only():
    first = call_isolated(os.getpid, (), 30)
    with pytest.raises(ChildDied):
        call_isolated(os._exit, (3,), 30)
    second = call_isolated(os.getpid, (), 30)
    assert second not in (first, os.getpid())
