"""Data Docs from real Great Expectations validations: a page per batch where it was
validated, an index from the batches' summaries, and every run's pages kept."""
import json
import re
from datetime import datetime, timezone

import pytest

from tasks.data_docs import render_index, render_pages
from tasks.expectations import gx_context
from tasks.normalize import article_row
from tasks.records import Article, RunContext
from tasks.validate import validate_batch

pytestmark = pytest.mark.gx

RUN = RunContext("run-1", datetime(2026, 1, 1, tzinfo=timezone.utc), "test")
BODY = ["وقال المتحدث باسم الوزارة إن المحادثات ستتواصل خلال الأسبوع المقبل في العاصمة، بحضور وفود من عدة دول عربية وأجنبية."] * 2


def rows(count: int, bad: int = 0) -> list[dict]:
    out = []
    for n in range(count):
        body = ["نص قصير جدا."] if n < bad else list(BODY)        # too few words: fails word_count
        out.append(article_row(Article(article_id=f"{n:032x}", doc_id=f"doc{n}", source_uri=f"/in/{n}.txt", position=0,
                                       title="عنوان خبر عن المحادثات", paragraphs=body), RUN))
    return out


def validated_run(site, run_name: str, batches: list[list[dict]]) -> list:
    """What the flow collects: each batch validated and its page rendered, here."""
    summaries = []
    for n, batch in enumerate(batches):
        validate_batch(batch, f"{run_name}-batch-{n}")
        summaries += render_pages(site, f"{run_name}-batch-{n}")
    return summaries


def pages(site, run_name: str) -> list:
    return sorted((site / "validations" / "articles").glob(f"{run_name}-batch-*/*/*.html"))


def index_runs(site) -> set[str]:
    return set(re.findall(r"(run[AB])-batch-\d", (site / "index.html").read_text(encoding="utf-8")))


def test_each_batch_gets_its_page_and_the_index_lists_the_run_from_summaries(tmp_path):
    site = tmp_path / "data_docs"
    summaries = validated_run(site, "runA", [rows(3), rows(4, bad=1)])

    assert len(pages(site, "runA")) == 2
    # The page shows the full result: the failed expectation and the value that failed it.
    failing_page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", pages(site, "runA")[1].read_text(encoding="utf-8")))
    assert "Unsuccessful Expectations 1 " in failing_page and "1 unexpected" in failing_page and "word_count" in failing_page
    # A summary is the result without its per-expectation details, which only the page shows.
    assert [json.loads(s)["success"] for _, s in summaries] == [True, False]
    assert all(json.loads(s)["results"] == [] for _, s in summaries)
    assert all(json.loads(s)["statistics"]["evaluated_expectations"] > 0 for _, s in summaries)
    # The results left this process's store: a worker keeps none of them.
    store = gx_context()[0].validation_results_store
    assert not [k for k in store.list_keys() if k.run_id.run_name.startswith("runA")]

    assert render_index(site, "runA", summaries) == site / "index.html"
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "runA-batch-0" in index and "runA-batch-1" in index
    assert (site / "expectations" / "articles.html").is_file() and (site / "static").is_dir()
    assert not [k for k in store.list_keys() if k.run_id.run_name.startswith("runA")]


def test_a_later_run_keeps_the_pages_of_earlier_runs_and_its_index_lists_itself(tmp_path):
    site = tmp_path / "data_docs"
    render_index(site, "runA", validated_run(site, "runA", [rows(3)]))
    render_index(site, "runB", validated_run(site, "runB", [rows(3), rows(3)]))

    assert len(pages(site, "runA")) == 1 and len(pages(site, "runB")) == 2
    assert index_runs(site) == {"runB"}


def test_nothing_validated_renders_nothing(tmp_path):
    assert render_pages(tmp_path, "runC-batch-0") == []
    assert render_index(tmp_path, "runC", []) is None
    assert not (tmp_path / "index.html").exists()
