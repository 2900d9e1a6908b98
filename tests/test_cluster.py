"""flows/cluster.py without a cluster: the order in which batches are submitted, taken and
handed on."""
from flows.cluster import prepared
from tasks.records import BatchState


class RecordingStages:
    """Stages that run nothing. A batch is done when it is in `finished`, or once it is waited
    for (taking a batch not done yet records a wait). `completes`: the order in which batches
    finish while the flow waits for any of them (wait_any); empty, the flow cannot wait for
    any and takes the batch it needs. Each call is recorded."""

    def __init__(self, in_flight: int, finished: set[int] = frozenset(), completes: list[int] = ()):
        self.in_flight = in_flight
        self.finished = set(finished)
        self.completes = list(completes)
        self.events: list[tuple[str, int]] = []

    def submit_batch(self, batch, run, non_arabic, docs_site):
        self.events.append(("submit", batch.batch_no))
        return batch

    def done(self, handle) -> bool:
        return handle.batch_no in self.finished

    def wait_any(self, handles) -> bool:
        if not self.completes:
            return False
        finishing = self.completes.pop(0)
        assert finishing in {h.batch_no for h in handles}
        self.finished.add(finishing)
        self.events.append(("finished", finishing))
        return True

    def result(self, handle):
        if handle.batch_no not in self.finished:
            self.events.append(("waited", handle.batch_no))
            self.finished.add(handle.batch_no)
        return handle


def run(stages, count: int) -> list[int]:
    handed_on = []
    for batch in prepared(stages, [BatchState.start(n, []) for n in range(count)], run=None, non_arabic="keep",
                          docs_site="", taken=lambda b: stages.events.append(("taken", b.batch_no))):
        stages.events.append(("handed on", batch.batch_no))
        handed_on.append(batch.batch_no)
    return handed_on


STEADY = [("submit", 0), ("submit", 1), ("submit", 2), ("waited", 0), ("taken", 0), ("handed on", 0),
          ("submit", 3), ("waited", 1), ("taken", 1), ("handed on", 1),
          ("submit", 4), ("waited", 2), ("taken", 2), ("handed on", 2)]


def test_batches_come_back_in_order_with_at_most_in_flight_out():
    stages = RecordingStages(in_flight=3)
    assert run(stages, 5) == [0, 1, 2, 3, 4]
    # Two out beyond the one being handed on; each taken when the flow gets to it.
    assert stages.events == STEADY + [("waited", 3), ("taken", 3), ("handed on", 3),
                                      ("waited", 4), ("taken", 4), ("handed on", 4)]


def test_once_nothing_is_left_to_submit_a_batch_done_early_is_taken_before_those_ahead_of_it():
    # The last batch finished first: it is taken (what waits for every batch, the Data Docs
    # index, can start) before the flow waits for batch 3 and dedups and writes it, and it is
    # still handed on last.
    stages = RecordingStages(in_flight=3, finished={4})
    assert run(stages, 5) == [0, 1, 2, 3, 4]
    assert stages.events == STEADY + [("taken", 4), ("waited", 3), ("taken", 3), ("handed on", 3),
                                      ("handed on", 4)]


def test_a_batch_finishing_while_the_flow_waits_for_an_earlier_one_is_taken_at_once():
    # The flow waits for batch 3; batch 4 finishes first and is taken then, before batch 3.
    stages = RecordingStages(in_flight=3, completes=[4, 3])
    assert run(stages, 5) == [0, 1, 2, 3, 4]
    assert stages.events == STEADY + [("finished", 4), ("taken", 4), ("finished", 3), ("taken", 3),
                                      ("handed on", 3), ("handed on", 4)]
