from datetime import datetime, timezone

import pyarrow as pa
import pytest

from flows.report import AccountingError, RunReport, unaccounted
from tasks.records import InputRef, Rejection


def refs(*ids):
    return [InputRef(f"/in/{i}", i, 1) for i in ids]


def table(*doc_ids):
    return pa.table({"doc_id": list(doc_ids), "publisher": [None] * len(doc_ids), "warnings": [[]] * len(doc_ids)},
                    schema=pa.schema([("doc_id", pa.string()), ("publisher", pa.string()),
                                      ("warnings", pa.list_(pa.string()))]))


def test_an_input_without_articles_or_rejection_gets_one():
    extra = unaccounted(refs("a", "b", "c"), table("a"), [Rejection("/in/b", "extract", "empty_input", "x", doc_id="b")])
    assert [(r.doc_id, r.reason) for r in extra] == [("c", "no_output")]


def test_counts_add_up_and_break_loudly():
    report = RunReport("r", datetime.now(timezone.utc), ["s"], "o", "v")
    report.inputs, report.unchanged = 4, 1
    rejections = [Rejection("/in/c", "validate", "x", "y", doc_id="c", article_id="1"),
                  Rejection("/in/a", "validate", "x", "y", doc_id="a", article_id="2")]
    report.add_batch(refs("a", "b", "c"), table("a", "a", "b"), rejections, {"articles": 3, "quarantine": 2, "replaced": 0})
    report.check()
    d = report.as_dict()
    assert (d["documents_with_articles"], d["quarantined"], d["unchanged"]) == (2, 1, 1)
    report.inputs = 5
    with pytest.raises(AccountingError, match="do not add up"):
        report.check()


def _finished_report() -> dict:
    report = RunReport("r", datetime.now(timezone.utc), ["drop/"], "data", "v")
    report.inputs = 3
    rejections = [Rejection("/in/b", "extract", "binary_input", "the file is a PNG image | not a page", doc_id="b")]
    published = pa.table({"doc_id": ["a", "c"], "publisher": ["الجزيرة", None], "warnings": [["title_not_found"], []]})
    report.add_batch(refs("a", "b", "c"), published, rejections, {"articles": 2, "quarantine": 1, "replaced": 0})
    report.stages["strip"].removed_by_rule.update({"boilerplate:share_marker": 4})
    return report.as_dict()


def test_the_run_summary_for_the_prefect_ui_has_the_counts_per_stage_publisher_rule_and_reason():
    from flows.report import quarantined_table, summary_markdown

    d = _finished_report()
    d["data_docs"] = "/data/reports/data_docs/index.html"
    md = summary_markdown(d, "khabar run x")
    assert md.startswith("# khabar run x\n")
    assert "**3** inputs = **2** with articles + **1** quarantined + **0** unchanged" in md
    assert "| extract | 0.00 | 1 |" in md and "| strip | 0.00 | 0 |" in md
    assert "| الجزيرة | 1 |" in md and "| (unknown) | 1 |" in md
    assert "| boilerplate:share_marker | 4 |" in md and "| binary_input | 1 |" in md
    # An article kept with its title left null is counted by its warning, not quarantined.
    assert d["field_warnings"] == {"title_not_found": 1} and "| title_not_found | 1 |" in md
    assert "(file:///data/reports/data_docs/index.html)" in md
    assert quarantined_table(d) == [{"reason": "binary_input", "stage": "extract", "input": "in/b",
                                     "detail": "the file is a PNG image | not a page", "full input": "/in/b"}]


def test_failed_expectations_are_counted_with_a_few_values():
    from flows.report import FAILED_EXAMPLES, failed_expectations_table

    report = RunReport("run-1", datetime(2026, 1, 1, tzinfo=timezone.utc), ["/in"], "/out", "t")
    refs = [InputRef(f"/in/{i}", f"d{i}", 1) for i in range(6)]
    failing = [Rejection(f"/in/{i}", "validate", "expect_column_values_to_be_between:word_count", "article 0 failed",
                         doc_id=f"d{i}", value=str(i + 3)) for i in range(5)]
    failing.append(Rejection("/in/5", "validate", "malformed_list:tags", "article 0 failed", doc_id="d5", value="[1]"))
    failing.append(Rejection("/in/5", "normalize", "not_arabic", "not Arabic", doc_id="d5"))   # not validation's
    report.add_batch(refs, pa.table({"doc_id": pa.array([], pa.string()), "publisher": pa.array([], pa.string()),
                                     "warnings": pa.array([], pa.list_(pa.string()))}),
                     failing, {"articles": 0, "quarantine": 7, "replaced": 0})
    assert failed_expectations_table(report.as_dict()) == [
        {"expectation": "expect_column_values_to_be_between", "column": "word_count", "rows": 5,
         "examples": " | ".join(str(i + 3) for i in range(FAILED_EXAMPLES))},
        {"expectation": "malformed_list", "column": "tags", "rows": 1, "examples": "[1]"}]


@pytest.mark.parametrize("uri, short", [
    ("/srv/crawl/2026/11/30/aljazeera/page-000123.html", "2026/11/30/aljazeera/page-000123.html"),
    ("https://www.aljazeera.net/news/2026/11/30/a-very-long-slug-of-a-news-article-title-x",
     "…ery-long-slug-of-a-news-article-title-x"), ("page.txt", "page.txt")])
def test_an_input_is_shortened_to_its_last_segments(uri, short):
    from flows.report import short_input

    assert short_input(uri) == short and len(short) <= 40


def test_progress_goes_to_every_listener_until_it_unsubscribes():
    from flows.progress import Progress, publish, subscribe

    seen = []
    unsubscribe = subscribe(lambda p: seen.append((p.done, p.total, p.percent)))
    progress = Progress(total=4)
    progress.done = 1
    publish(progress)
    unsubscribe()
    unsubscribe()           # again (a failing run stops its progress on the way out too): nothing
    progress.done = 4
    publish(progress)
    assert seen == [(1, 4, 25.0)]


def test_a_piped_run_prints_plain_progress_lines_and_the_summary_lines():
    import io

    from flows.progress import Progress, publish
    from flows.terminal import print_summary, progress_display

    stream = io.StringIO()
    with progress_display(stream):
        publish(Progress(total=10, done=5))
    assert stream.getvalue().startswith("progress: 5/10 documents (50 %), ")
    stream = io.StringIO()
    with progress_display(stream):      # batches run while the sources are still walked: no total yet
        publish(Progress(total=None, done=1000))
    assert stream.getvalue().startswith("progress: 1000 documents (sources still being listed), ")
    out = io.StringIO()
    print_summary(_finished_report(), out)
    assert out.getvalue().startswith("inputs 3 = with articles 2 + quarantined 1 + unchanged 0\n")
