"""How far a run is: the ingest flow reports documents done after each batch; whoever watches
subscribes (the terminal's progress bar, the Prefect progress artifact). Kept out of the flow's
parameters, which the Prefect UI shows and must be serialisable."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable


@dataclass
class Progress:
    total: int | None            # None while the sources are still being walked (flows/inputs.py)
    done: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def rate(self) -> float:
        """Documents per second so far."""
        elapsed = time.monotonic() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    @property
    def percent(self) -> float | None:
        if self.total is None:
            return None
        return 100.0 * self.done / self.total if self.total else 100.0


Listener = Callable[[Progress], None]
_listeners: list[Listener] = []


def subscribe(listener: Listener) -> Callable[[], None]:
    """Adds a listener; returns the function that removes it (calling it again does nothing:
    a run that fails after it stopped its progress stops it again on the way out)."""
    _listeners.append(listener)

    def unsubscribe() -> None:
        if listener in _listeners:
            _listeners.remove(listener)
    return unsubscribe


def publish(progress: Progress) -> None:
    for listener in list(_listeners):
        listener(progress)
