"""Item 12 of "Reliability, second round": one unreadable Parquet file in the current version
is one line naming it, exit 2, for `run` and `compact` alike; `khabar repair` sets it aside
(kept, never deleted) and the next run of the same sources writes its rows again."""
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from flows.cli import main
from flows.ingest import ingest
from tests.conftest import SEEDS

pytestmark = pytest.mark.e2e


def article_ids(out: Path) -> list[str]:
    table = ds.dataset(out / "articles", format="parquet", partitioning="hive").to_table(columns=["article_id"])
    return sorted(table.column("article_id").to_pylist())


def test_a_truncated_file_is_refused_in_one_line_then_repaired_and_rewritten(tmp_path, capsys):
    out = tmp_path / "data"
    ingest(sources=[str(SEEDS)], out=str(out), batch_size=2)       # several files: one is cut
    before = article_ids(out)
    files = sorted((out / "current" / "articles").resolve().rglob("*.parquet"))
    assert len(files) > 1
    cut = files[0]
    cut.write_bytes(cut.read_bytes()[:100])                           # what a full disk or a bad copy leaves
    for argv in (["run", str(SEEDS), "--out", str(out)], ["compact", "--out", str(out)]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and cut.name in err and "khabar repair" in err
    assert main(["repair", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert cut.name in printed
    set_aside = sorted((out / "damaged").rglob(cut.name), key=lambda p: p.stat().st_size)
    assert set_aside and set_aside[0].stat().st_size == 100              # kept as found, with its siblings
    left = article_ids(out)
    assert 0 < len(left) < len(before) and set(left) < set(before)
    assert main(["repair", "--out", str(out)]) == 0                     # nothing more to do
    assert "nothing to repair" in capsys.readouterr().out
    ingest(sources=[str(SEEDS)], out=str(out), batch_size=2)
    assert article_ids(out) == before
