from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds

from schemas.tables import ARTICLES, QUARANTINE
from tasks.records import Rejection, RunContext
from tasks.manifest import Manifest
from tasks.write import dataset_files, recorded_rejections, upgrade_files, write_batch

RUN = RunContext("0123456789abcdef", datetime(2026, 1, 1, tzinfo=timezone.utc), "test")


def row(source, doc, pos=0, title="عنوان"):
    r = {f.name: None for f in ARTICLES}
    r.update(article_id=f"{doc}{pos}".ljust(32, "0"), doc_id=doc, source_uri=source, position=pos, title=title,
             body="نص", title_search=title, body_search="نص", captions=[], related=[], tags=[], arabic_ratio=1.0,
             word_count=1, content_hash="h", ingested_at=RUN.started_at, run_id=RUN.run_id, pipeline_version="t",
             warnings=[])
    return r


def test_batch_is_written_atomically_and_readable(tmp_path):
    written = write_batch(pa.Table.from_pylist([row("/a", "a1"), row("/b", "b1")], schema=ARTICLES),
                          [Rejection("/c", "extract", "empty_input", "empty", doc_id="c1")], tmp_path, RUN, 0)
    assert written == {"articles": 2, "quarantine": 1, "replaced": 0, "removed": []}
    assert not list(tmp_path.rglob(".*"))                     # no temporary files left
    articles = ds.dataset(tmp_path / "articles", format="parquet", partitioning="hive").to_table()
    assert articles.drop_columns(["published_month"]).schema.equals(ARTICLES, check_metadata=False)
    quarantine = ds.dataset(tmp_path / "quarantine", format="parquet").to_table()
    assert quarantine.schema.equals(QUARANTINE, check_metadata=False)
    processed = Manifest.open(tmp_path).processed_inputs()
    assert [p for p in [("/a", "a1"), ("/b", "b1"), ("/c", "c1"), ("/d", "d1"), ("/b", "a1")] if p in processed] == [
        ("/a", "a1"), ("/b", "b1"), ("/c", "c1")]


def test_rejections_already_recorded_word_for_word_are_found(tmp_path):
    gone = Rejection("http://a.example/x", "fetch", "http_404", "the server answered 404", doc_id="url:1")
    write_batch(ARTICLES.empty_table(), [gone], tmp_path, RUN, 0)
    again = Rejection("http://a.example/x", "fetch", "http_404", "the server answered 404", doc_id="url:1")
    now_500 = Rejection("http://a.example/x", "fetch", "http_500", "the server answered 500", doc_id="url:1")
    other = Rejection("http://a.example/y", "fetch", "http_404", "the server answered 404", doc_id="url:2")
    assert recorded_rejections(Manifest.open(tmp_path), [again, now_500, other]) == [again]
    assert recorded_rejections(Manifest.open(tmp_path / "nothing-yet"), [again]) == []


def test_a_changed_input_replaces_its_rows(tmp_path):
    write_batch(pa.Table.from_pylist([row("/a", "a1", 0), row("/a", "a1", 1), row("/b", "b1")], schema=ARTICLES), [], tmp_path, RUN, 0)
    later = RunContext("fedcba9876543210", datetime(2026, 1, 2, tzinfo=timezone.utc), "test")
    written = write_batch(pa.Table.from_pylist([row("/a", "a2", 0, "جديد")], schema=ARTICLES), [], tmp_path, later, 0)
    assert written["replaced"] == 2 and sorted(a for a, _ in written["removed"]) == sorted(
        [row("/a", "a1", 0)["article_id"], row("/a", "a1", 1)["article_id"]])
    rows = ds.dataset(tmp_path / "articles", format="parquet").to_table().to_pylist()
    assert sorted((r["source_uri"], r["doc_id"]) for r in rows) == [("/a", "a2"), ("/b", "b1")]
    assert len(dataset_files(tmp_path / "articles")) == 2


def test_articles_are_partitioned_by_month_sorted_by_publisher_and_undated_rows_go_to_unknown(tmp_path):
    rows = [row("/a", "a1"), row("/b", "b1"), row("/c", "c1")]
    rows[0].update(published_at=datetime(2024, 6, 3, 10, tzinfo=timezone.utc), publisher="إيلاف")
    rows[1].update(published_at=datetime(2024, 6, 1, tzinfo=timezone.utc), publisher="الشرق الأوسط")
    write_batch(pa.Table.from_pylist(rows, schema=ARTICLES), [], tmp_path, RUN, 0)
    months = sorted(p.parent.name for p in dataset_files(tmp_path / "articles"))
    assert months == ["published_month=2024-06", "published_month=unknown"]
    june = ds.dataset(tmp_path / "articles" / "published_month=2024-06", format="parquet").to_table()
    assert june.column("publisher").to_pylist() == ["إيلاف", "الشرق الأوسط"]


def test_files_of_an_older_schema_are_upgraded_with_the_new_columns_null(tmp_path):
    import pyarrow.parquet as pq

    write_batch(pa.Table.from_pylist([row("/a", "a1"), row("/b", "b1")], schema=ARTICLES), [], tmp_path, RUN, 0)
    older = pa.schema([f for f in ARTICLES if f.name not in ("author", "description")])
    [path] = dataset_files(tmp_path / "articles")
    pq.write_table(pq.read_table(path, schema=older), path)          # as khabar 0.2 wrote it
    assert upgrade_files(tmp_path / "articles", ARTICLES) == [path]
    table = pq.ParquetFile(path).read()
    assert table.schema.names == ARTICLES.names
    assert table.column("author").to_pylist() == [None, None] and sorted(table.column("doc_id").to_pylist()) == ["a1", "b1"]
    assert upgrade_files(tmp_path / "articles", ARTICLES) == []      # once is enough


def test_with_the_manifest_a_changed_input_still_replaces_its_rows(tmp_path):
    write_batch(pa.Table.from_pylist([row("/a", "a1", 0), row("/a", "a1", 1), row("/b", "b1")], schema=ARTICLES), [],
                tmp_path, RUN, 0, Manifest.open(tmp_path))
    written_before = Manifest.open(tmp_path)                 # what a later run loads when it begins
    assert sorted(written_before.holding({"/a", "/b", "/c"})) == ["/a", "/b"]
    later = RunContext("fedcba9876543210", datetime(2026, 1, 2, tzinfo=timezone.utc), "test")
    written = write_batch(pa.Table.from_pylist([row("/a", "a2", 0, "جديد")], schema=ARTICLES), [], tmp_path, later, 0,
                          written_before)
    assert written["replaced"] == 2
    # Within a run too: a batch's inputs are known written once it is.
    written = write_batch(pa.Table.from_pylist([row("/a", "a3", 0)], schema=ARTICLES), [], tmp_path, later, 1, written_before)
    assert written["replaced"] == 1
    rows = ds.dataset(tmp_path / "articles", format="parquet").to_table().to_pylist()
    assert sorted((r["source_uri"], r["doc_id"]) for r in rows) == [("/a", "a3"), ("/b", "b1")]


def test_a_batch_of_new_inputs_reads_no_file_written_before_it(tmp_path, monkeypatch):
    import tasks.write

    sources_written = Manifest.open(tmp_path)
    write_batch(pa.Table.from_pylist([row("/a", "a1"), row("/b", "b1")], schema=ARTICLES),
                [Rejection("/x", "extract", "empty_input", "empty", doc_id="x1")], tmp_path, RUN, 0, sources_written)
    earlier = set(dataset_files(tmp_path / "articles") + dataset_files(tmp_path / "quarantine"))
    opened = []
    real = tasks.write.pq.ParquetFile
    monkeypatch.setattr(tasks.write.pq, "ParquetFile", lambda path, *a, **k: opened.append(Path(path)) or real(path, *a, **k))
    written = write_batch(pa.Table.from_pylist([row("/c", "c1")], schema=ARTICLES),
                          [Rejection("/y", "extract", "empty_input", "empty", doc_id="y1")], tmp_path, RUN, 1, sources_written)
    assert written["replaced"] == 0 and not earlier & set(opened)
    # Without the manifest, every earlier file is looked through.
    write_batch(pa.Table.from_pylist([row("/d", "d1")], schema=ARTICLES), [], tmp_path, RUN, 2)
    assert earlier <= set(opened)


def test_rows_and_files_name_the_package_version_and_the_commit(tmp_path):
    """Issue "First contact" item 11: one version source (the package's metadata), and the
    git commit of the code in every file written."""
    import subprocess
    from importlib.metadata import version

    import pyarrow as pa
    import pyarrow.parquet as pq

    from schemas.tables import PIPELINE_VERSION, code_commit
    from tasks.write import atomic_write_table

    assert PIPELINE_VERSION == version("khabar")
    root = Path(__file__).resolve().parent.parent
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True).stdout.strip()
    assert code_commit().removesuffix("-dirty") == (head or "unknown")
    path = atomic_write_table(pa.table({"x": [1]}), tmp_path / "a.parquet")
    metadata = pq.read_schema(path).metadata
    assert metadata[b"khabar_version"].decode() == PIPELINE_VERSION
    assert metadata[b"khabar_commit"].decode() == code_commit()
