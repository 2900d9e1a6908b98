"""The manifest: which inputs a version holds rows of and where, kept batch by batch, equal to
what the data says, and what lets a changed input's rows be replaced without a scan."""
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from schemas.tables import ARTICLES
from tasks.manifest import Manifest, build, inputs_dir
from tasks.records import Rejection, RunContext
from tasks.write import dataset_files, write_batch
from tests.test_write import row

RUN = RunContext("0123456789abcdef", datetime(2026, 1, 1, tzinfo=timezone.utc), "test")
LATER = RunContext("fedcba9876543210", datetime(2026, 1, 2, tzinfo=timezone.utc), "test")


def dated(source, doc, month, pos=0):
    r = row(source, doc, pos)
    r["published_at"] = datetime(2025, month, 1, tzinfo=timezone.utc)
    return r


def batches(out: Path, manifest: Manifest | None) -> None:
    """Three batches over two runs: inputs spread over months, quarantined, changed, retried."""
    write_batch(pa.Table.from_pylist([dated("/a", "a1", 1), dated("/a", "a1", 2, 1), dated("/b", "b1", 1)],
                                     schema=ARTICLES),
                [Rejection("/x", "extract", "empty_input", "empty", doc_id="x1")], out, RUN, 0, manifest)
    write_batch(pa.Table.from_pylist([dated("/c", "c1", 3)], schema=ARTICLES),
                [Rejection("/y", "extract", "changed_while_reading", "changed", doc_id="y1"),
                 Rejection("/c", "normalize", "bad_date", "no date", doc_id="c1", article_id="c1")], out, RUN, 1, manifest)
    if manifest is not None:
        manifest = Manifest.open(out)                        # the next run's
    write_batch(pa.Table.from_pylist([dated("/a", "a2", 4)], schema=ARTICLES), [], out, LATER, 0, manifest)


def rows(version: Path) -> list[tuple]:
    """Each input's row: the one of the newest part listing it, its files sorted."""
    newest = {}
    for path in sorted(inputs_dir(version).glob("*.parquet")):
        t = pq.read_table(path)
        for entry in zip(t.column("source_uri").to_pylist(), t.column("doc_id").to_pylist(),
                       t.column("processed").to_pylist(), t.column("files").to_pylist()):
            newest[entry[0]] = (*entry[:3], sorted(entry[3]))      # the order of files says nothing
    return sorted(newest.values())


def test_the_manifest_kept_batch_by_batch_is_what_the_data_says(tmp_path):
    batches(tmp_path / "kept", Manifest.open(tmp_path / "kept"))
    kept = rows(tmp_path / "kept")
    assert [r[0] for r in kept] == ["/a", "/b", "/c", "/x", "/y"]
    assert kept[0] == ("/a", "a2", True, ["articles/published_month=2025-04/" + Path(dataset_files(
        tmp_path / "kept" / "articles")[-1]).name])
    assert [r[2] for r in kept] == [True, True, True, True, False]          # /y asks for another try
    assert kept[2][3] == sorted(["articles/published_month=2025-03/part-20260101T000000-01234567-00001.parquet",
                                 "quarantine/part-20260101T000000-01234567-00001.parquet"])
    # A dataset written before manifests existed gets the same one from its data.
    batches(tmp_path / "old", None)
    assert not inputs_dir(tmp_path / "old").exists()
    manifest = Manifest.open(tmp_path / "old")
    assert rows(tmp_path / "old") == kept and len(manifest) == 5
    pairs = [("/a", "a1"), ("/a", "a2"), ("/b", "b1"), ("/c", "c1"), ("/x", "x1"), ("/y", "y1"), ("/b", "a2")]
    assert [p for p in pairs if p in manifest.processed_inputs()] == [("/a", "a2"), ("/b", "b1"), ("/c", "c1"), ("/x", "x1")]
    assert build(tmp_path / "kept") == 5 and rows(tmp_path / "kept") == kept
    assert len(list(inputs_dir(tmp_path / "kept").glob("*.parquet"))) == 1        # one row per input again


def test_a_changed_input_touches_only_the_files_holding_its_rows(tmp_path, monkeypatch):
    import tasks.write

    out = tmp_path / "out"
    manifest = Manifest.open(out)
    for n, month in enumerate(range(1, 7)):                      # six batches, six months
        write_batch(pa.Table.from_pylist([dated(f"/{n}/{i}", f"d{n}{i}", month) for i in range(5)], schema=ARTICLES),
                    [], out, RUN, n, manifest)
    holding = {p for p in dataset_files(out / "articles") if "2025-03" in str(p)}
    before = {p: p.stat().st_ino for p in dataset_files(out / "articles") + sorted(inputs_dir(out).glob("*.parquet"))}
    opened = []
    real = tasks.write.pq.ParquetFile
    monkeypatch.setattr(tasks.write.pq, "ParquetFile", lambda path, *a, **k: opened.append(Path(path)) or real(path, *a, **k))
    written = write_batch(pa.Table.from_pylist([dated("/2/0", "changed", 8)], schema=ARTICLES), [], out, LATER, 0,
                          Manifest.open(out))
    assert written["replaced"] == 1
    assert set(opened) & set(dataset_files(out / "articles")) == holding     # the one data file of /2/0 is read
    changed = {p for p, ino in before.items() if not p.exists() or p.stat().st_ino != ino}
    assert changed == holding                                      # and only it is rewritten, no manifest part


def test_a_file_named_by_its_absolute_path_before_keys_is_replaced_under_its_key(tmp_path):
    """Item 12 of "First contact": a dataset written before inputs had keys names a file by
    its absolute path. Edited, the file is written under its key and its rows under the old
    name go; the old name no longer counts as processed, so nothing is written twice."""
    out = tmp_path / "data"
    write_batch(pa.Table.from_pylist([dated("/crawl/a.txt", "a1", 1), dated("/crawl/b.txt", "b1", 1)], schema=ARTICLES),
                [], out, RUN, 0)
    manifest = Manifest.open(out)
    written = write_batch(pa.Table.from_pylist([dated("crawl/a.txt", "a2", 2)], schema=ARTICLES), [], out, LATER, 0,
                          manifest, former_names={"crawl/a.txt": "/crawl/a.txt", "crawl/c.txt": "/crawl/c.txt"})
    assert written["replaced"] == 1
    import pyarrow.dataset as ds

    sources = ds.dataset(out / "articles", partitioning="hive").to_table().column("source_uri").to_pylist()
    assert sorted(sources) == ["/crawl/b.txt", "crawl/a.txt"]
    processed = Manifest.open(out).processed_inputs()
    assert [p for p in [("crawl/a.txt", "a2"), ("/crawl/a.txt", "a1"), ("/crawl/b.txt", "b1")] if p in processed] == [
        ("crawl/a.txt", "a2"), ("/crawl/b.txt", "b1")]
    assert rows(out)[0] == ("/crawl/a.txt", "", False, [])
