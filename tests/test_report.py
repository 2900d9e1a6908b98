from datetime import datetime, timezone

import pyarrow as pa
import pytest

from flows.report import AccountingError, RunReport, unaccounted
from tasks.records import InputRef, Rejection


def refs(*ids):
    return [InputRef(f"/in/{i}", i, 1) for i in ids]


def table(*doc_ids):
    return pa.table({"doc_id": list(doc_ids), "publisher": [None] * len(doc_ids)},
                    schema=pa.schema([("doc_id", pa.string()), ("publisher", pa.string())]))


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
