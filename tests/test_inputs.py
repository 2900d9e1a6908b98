"""flows/inputs.py: a run's inputs as numbered batches, the first ones handed out while the
sources are still walked (on a cluster). Discover runs as Prefect task runs: a real API."""
from datetime import datetime, timezone

import pytest

from flows.inputs import Inputs
from flows.report import RunReport
from tasks.fetch import FetchPolicy
from tasks.manifest import Manifest

pytestmark = pytest.mark.e2e


def _inputs(source, out, streamed):
    report = RunReport("run", datetime.now(timezone.utc), [str(source)], str(out), "test")
    return Inputs([str(source)], out, Manifest.open(None), FetchPolicy.from_settings(None), report, batch_size=2,
                  streamed=streamed, log=lambda *args: None)


def _ids(batches):
    return [(b.batch_no, [r.source_uri.rsplit("/", 1)[-1] for r in b.refs]) for b in batches]


def test_batches_go_out_as_the_walk_finds_them_and_stay_the_same(tmp_path, prefect_api):
    source = tmp_path / "in"
    source.mkdir()
    for n in range(7):
        (source / f"{n}.txt").write_text(f"page {n}")
    (source / "again.txt").write_text("page 3")          # the same bytes as 3.txt: an input of its own

    streamed = _inputs(source, tmp_path / "out", streamed=True)
    batches = streamed.batches()
    first = [next(batches) for _ in range(3)]
    assert streamed.found is None and streamed.batch_count is None    # the walk goes on after each batch
    rest = list(batches)                 # the last one, not full, once the walk has ended
    assert streamed.found is not None and streamed.batch_count == 4 and streamed.new_count == 8

    whole = _inputs(source, tmp_path / "out", streamed=False)
    assert _ids(first + rest) == _ids(whole.batches()) == [
        (0, ["0.txt", "1.txt"]), (1, ["2.txt", "3.txt"]), (2, ["4.txt", "5.txt"]), (3, ["6.txt", "again.txt"])]
    for inputs in (streamed, whole):
        assert (inputs.report.inputs, inputs.report.unchanged) == (8, 0)
