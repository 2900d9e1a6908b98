"""The ingest flow end to end, against a real Prefect API, on seeds/ and broken inputs."""
import json
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.dataset as ds
import pytest

from flows.ingest import ingest
from schemas.tables import ARTICLES
from tests.conftest import flow_run_artifacts, flow_run_task_names

pytestmark = pytest.mark.e2e


def articles(out: Path):
    return ds.dataset(out / "articles", format="parquet", partitioning="hive").to_table()


def test_seeds_to_parquet_rerun_and_changed_page(prefect_api, seeds_copy, tmp_path):
    out = tmp_path / "data"
    first = ingest(sources=[str(seeds_copy)], out=str(out))
    assert (first["inputs"], first["documents_with_articles"], first["quarantined"], first["unchanged"]) == (5, 5, 0, 0)
    table = articles(out)
    assert table.num_rows == first["articles"] == 9
    assert table.drop_columns(["published_month"]).schema.equals(ARTICLES, check_metadata=False)
    # Partitioned by publication month; the seeds' one dated article is the only one not `unknown`.
    assert sorted(set(table.column("published_month").to_pylist())) == ["2023-09", "unknown"]
    assert (out / "articles").is_symlink() and (out / "current").is_symlink()
    assert set(table.column("run_id").to_pylist()) == {first["run_id"]}
    report = json.loads(Path(first["report_path"]).read_text())
    assert report["inputs"] == report["documents_with_articles"] + report["quarantined"] + report["unchanged"]
    assert set(report["stage_seconds"]) == {"discover", "fetch", "extract", "strip", "normalize", "validate", "fingerprint", "dedup", "write"}
    assert report["lines_removed_by_rule"]["boilerplate:share_marker"] >= 4
    # The run's Data Docs: an index that lists this run's validation pages, which exist.
    index = Path(report["data_docs"])
    assert index == (out / "reports" / "data_docs" / "index.html").resolve() and index.is_file()
    run_label = Path(first["report_path"]).stem
    assert f"{run_label}-batch-0" in index.read_text(encoding="utf-8")
    assert list((index.parent / "validations" / "articles").glob(f"{run_label}-batch-0/*/*.html"))
    # Readers analysts use see the same rows.
    assert len(pd.read_parquet(out / "articles")) == 9
    assert duckdb.sql(f"select count(*) from read_parquet('{out}/articles/**/*.parquet')").fetchall() == [(9,)]

    # What the Prefect UI shows of the run: tasks named by stage and batch, and four artifacts.
    assert {"discover", "extract-batch-0", "strip-batch-0", "normalize-batch-0", "validate-batch-0", "dedup-batch-0",
            "write-batch-0"} <= {name.rsplit("-", 1)[0] if name.startswith(("discover", "commit", "data-docs")) else name
                                 for name in flow_run_task_names(first["run_id"])}
    artifacts = flow_run_artifacts(first["run_id"])
    # Keys end in the output directory's name, so the Artifacts page keeps datasets apart; a
    # run with nothing quarantined says so in a line, not with an empty or made-up table row.
    assert {key: a["type"] for key, a in artifacts.items()} == {
        "khabar-run-summary-data": "markdown", "khabar-quarantined-inputs-data": "markdown",
        "khabar-failed-expectations-data": "markdown", "khabar-data-docs-data": "markdown",
        "khabar-progress-data": "progress"}
    assert artifacts["khabar-failed-expectations-data"]["data"] == "Every article row of this run passed validation."
    summary = artifacts["khabar-run-summary-data"]["data"]
    assert "**5** inputs = **5** with articles" in summary
    assert "| الشرق الأوسط | 6 |" in summary and "boilerplate:share_marker" in summary
    assert artifacts["khabar-quarantined-inputs-data"]["data"] == "No input of this run was quarantined."
    assert artifacts["khabar-progress-data"]["data"] == 100.0
    docs = artifacts["khabar-data-docs-data"]["data"]
    assert "file://" in docs and "data_docs/index.html" in docs

    second = ingest(sources=[str(seeds_copy)], out=str(out))
    assert (second["inputs"], second["unchanged"], second["articles"]) == (5, 5, 0)
    assert sorted(articles(out).column("article_id").to_pylist()) == sorted(table.column("article_id").to_pylist())

    page = next(seeds_copy.glob("002_*.txt"))
    page.write_text(page.read_text(encoding="utf-8").replace("سيول:", "سيول (أ ف ب):", 1), encoding="utf-8")
    third = ingest(sources=[str(seeds_copy)], out=str(out))
    assert (third["unchanged"], third["documents_with_articles"], third["replaced_rows"]) == (4, 1, 1)
    after = articles(out)
    assert after.num_rows == 9
    assert sorted(after.column("article_id").to_pylist()) == sorted(table.column("article_id").to_pylist())


def test_a_moved_crawl_keeps_its_ids_and_a_copy_under_another_name_is_its_own_input(prefect_api, seeds_copy,
                                                                                      tmp_path):
    """Item 12 of "First contact": inputs are known by their keys (a file's path from the
    directory holding its source), not by absolute paths or bytes alone."""
    out = tmp_path / "data"
    first = ingest(sources=[str(seeds_copy)], out=str(out))
    ids = sorted(articles(out).column("article_id").to_pylist())
    assert all(uri.startswith("seeds/") for uri in articles(out).column("source_uri").to_pylist())
    moved = tmp_path / "archive" / "seeds"
    moved.parent.mkdir()
    seeds_copy.rename(moved)
    assert ingest(sources=[str(moved)], out=str(out))["unchanged"] == first["inputs"]
    page = next(moved.glob("002_*.txt"))
    page.write_text(page.read_text(encoding="utf-8").replace("سيول:", "سيول (أ ف ب):", 1), encoding="utf-8")
    edited = ingest(sources=[str(moved)], out=str(out))
    assert (edited["unchanged"], edited["documents_with_articles"], edited["replaced_rows"]) == (4, 1, 1)
    assert sorted(articles(out).column("article_id").to_pylist()) == ids          # replaced, not added
    # The same bytes under another name: an input of its own, its article marked a duplicate.
    copy = moved / "copy-of-002.txt"
    copy.write_bytes(page.read_bytes())
    copied = ingest(sources=[str(moved)], out=str(out))
    assert (copied["unchanged"], copied["documents_with_articles"]) == (5, 1)
    rows = {(r["source_uri"], r["position"]): r for r in articles(out).to_pylist()}
    of_page = sorted(pos for uri, pos in rows if uri == f"seeds/{page.name}")
    assert of_page and sorted(pos for uri, pos in rows if uri == "seeds/copy-of-002.txt") == of_page
    assert all(rows[("seeds/copy-of-002.txt", pos)]["duplicate_of"] == rows[(f"seeds/{page.name}", pos)]["article_id"]
               for pos in of_page)
    assert len(rows) == len(ids) + len(of_page)


def test_broken_inputs_are_quarantined_by_name_and_counts_add_up(prefect_api, seeds_copy, tmp_path):
    (seeds_copy / "empty.txt").write_bytes(b"")
    (seeds_copy / "image.html").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    (seeds_copy / "truncated.html").write_bytes(b"<html><head><title>x</title></head><body><div><p>")
    (seeds_copy / "english.txt").write_text(
        "Minister to visit Pyongyang next month\n\n" + "The Russian foreign minister said he would visit "
        "North Korea next month, after the summit between the two leaders in the Russian Far East. " * 3,
        encoding="utf-8")
    out = tmp_path / "data"
    report = ingest(sources=[str(seeds_copy)], out=str(out), non_arabic="quarantine")
    assert report["inputs"] == 9
    assert (report["documents_with_articles"], report["quarantined"]) == (5, 4)
    quarantine = ds.dataset(out / "quarantine", format="parquet").to_table().to_pylist()
    by_name = {Path(r["source_uri"]).name: r["reason"] for r in quarantine}
    assert by_name == {"empty.txt": "empty_input", "image.html": "binary_input", "truncated.html": "no_main_text",
                       "english.txt": "not_arabic"}
    listed = {Path(q["source_uri"]).name: q["reason"] for q in report["quarantined_inputs"]}
    assert listed == by_name
    import json as json_module
    table = json_module.loads(flow_run_artifacts(report["run_id"])["khabar-quarantined-inputs-data"]["data"])
    assert {Path(row["full input"]).name: row["reason"] for row in table} == by_name
    assert [list(row) for row in table][0] == ["reason", "stage", "input", "detail", "full input"]
    assert all(row["full input"] not in row["detail"] and row["input"].endswith(Path(row["full input"]).name)
               for row in table)
