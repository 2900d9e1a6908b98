"""Issue 10: a drop directory full of broken and hostile inputs (tests/badinputs.py). Every input
ends as articles or as a quarantine row with its reason, the run finishes, the counts add up, no
file outside the source directory is read, and a second run changes nothing."""
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from flows.ingest import ingest
from tests.badinputs import build

pytestmark = pytest.mark.e2e


def outcomes(out: Path, inputs: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for table, outcome in (("articles", lambda r: "articles"), ("quarantine", lambda r: r["reason"])):
        for row in ds.dataset(out / table, format="parquet", partitioning="hive").to_table().to_pylist():
            name = str(Path(row["source_uri"]).relative_to(inputs.name))      # keys start with the directory
            found.setdefault(name, set()).add(outcome(row))
    return found


def test_every_hostile_input_becomes_articles_or_a_reasoned_quarantine_row(prefect_api, tmp_path):
    inputs, outside, out = tmp_path / "drop", tmp_path / "elsewhere", tmp_path / "data"
    expected = build(inputs, outside)
    report = ingest(sources=[str(inputs)], out=str(out))

    assert {name: {outcome} for name, outcome in expected.items()} == outcomes(out, inputs)
    assert report["inputs"] == len(expected) == report["documents_with_articles"] + report["quarantined"]
    quarantine = ds.dataset(out / "quarantine", format="parquet").to_table().to_pylist()
    assert all(row["detail"] and row["stage"] for row in quarantine)
    # The file behind the escaping links was never read: its text is nowhere in the dataset.
    articles = ds.dataset(out / "articles", format="parquet", partitioning="hive").to_table()
    assert not any("(14)" in body for body in articles.column("body").to_pylist())
    english = [r for r in articles.to_pylist() if r["source_uri"].endswith("english.txt")]
    assert [r["language"] for r in english] == ["en"]

    again = ingest(sources=[str(inputs)], out=str(out))
    assert again["version"] is None
    assert again["inputs"] == len(expected)
