"""flows/cluster.py without a cluster: the order in which batches are submitted, taken and
handed on."""
from flows.cluster import prepared
from tasks.records import BatchState


class RecordingStages:
    """Stages that run nothing: a batch is 'done' when submitted, and each call is recorded."""

    def __init__(self, in_flight: int):
        self.in_flight = in_flight
        self.events: list[tuple[str, int]] = []

    def submit_batch(self, batch, run, non_arabic):
        self.events.append(("submit", batch.batch_no))
        return batch

    def result(self, handle):
        return handle


def test_batches_come_back_in_order_with_at_most_in_flight_out():
    stages = RecordingStages(in_flight=3)
    batches = [BatchState.start(n, []) for n in range(5)]
    handed_on = []
    for batch in prepared(stages, batches, run=None, non_arabic="keep",
                          taken=lambda b: stages.events.append(("taken", b.batch_no))):
        stages.events.append(("handed on", batch.batch_no))
        handed_on.append(batch.batch_no)
    assert handed_on == [0, 1, 2, 3, 4]
    # Steady state: two out beyond the one being handed on. Once nothing is left to submit,
    # every batch still out is taken before the first of them is handed on, so what waits for
    # the last batch (Data Docs) starts before the flow's dedup and write of the others.
    assert stages.events == [
        ("submit", 0), ("submit", 1), ("submit", 2), ("taken", 0), ("handed on", 0),
        ("submit", 3), ("taken", 1), ("handed on", 1),
        ("submit", 4), ("taken", 2), ("handed on", 2),
        ("taken", 3), ("taken", 4), ("handed on", 3), ("handed on", 4)]
