"""validate: article rows → (rows that pass, quarantine rows), with Great Expectations (the
suite and the context: expectations.py), and each batch's Data Docs page (data_docs.py)."""
from __future__ import annotations

import json
import re
from collections import Counter

import pyarrow as pa

from schemas.tables import ARTICLES
from tasks.expectations import batch_limits, gx_context
from tasks.records import Rejection, StageResult, timed

RESULT_FORMAT = {"result_format": "COMPLETE", "unexpected_index_column_names": ["article_id"],
                 "return_unexpected_index_query": False}
VALUE_PREVIEW = 200
# Characters shown before a pattern's match: some context, and the match itself inside the
# first 60 characters the run's artifact shows of an example (flows/report.py).
MATCH_LEAD = 20


class BatchInvalid(Exception):
    """The batch as a whole is wrong (schema mismatch): nothing of it may be written."""


def preview(value, patterns: list[str] | tuple[str, ...] = ()) -> str | None:
    """At most VALUE_PREVIEW characters of a failing value: from the first place one of
    `patterns` (the expectation's regexes) matches, when one does, so the quarantine row and
    the artifact show what failed and not a long body's first lines."""
    if value is None:
        return None
    text = str(value)
    if len(text) <= VALUE_PREVIEW:
        return text
    found = [m.start() for m in (re.search(p, text) for p in patterns) if m]
    start = max(0, min(found) - MATCH_LEAD) if found else 0
    end = start + VALUE_PREVIEW
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def list_defects(row: dict) -> tuple[str, str] | None:
    """(column, value) of the first malformed item of a list column, else None. Arrow checks
    the lists' types; this checks what a type cannot say (no empty caption or related title)."""
    for caption in row.get("captions") or []:
        if not (caption.get("text") or "").strip():
            return "captions", json.dumps(caption, ensure_ascii=False)
    for item in row.get("related") or []:
        if not (item.get("title") or "").strip():
            return "related", json.dumps(item, ensure_ascii=False)
    for tag in row.get("tags") or []:
        if not (tag or "").strip():
            return "tags", repr(tag)
    if row.get("title") is None and not any((w or "").startswith("title_") for w in row.get("warnings") or []):
        return "warnings", "title is null and no warning says why"
    return None


def _rejection(row: dict, reason: str, column: str | None, value, patterns: list[str] | tuple[str, ...] = ()) -> Rejection:
    return Rejection(source_uri=row["source_uri"], stage="validate", reason=reason,
                     detail=f"article {row['position']} ({row['article_id']}) failed {reason}",
                     doc_id=row["doc_id"], article_id=row["article_id"], value=preview(value, patterns))


def validate_rows(rows: list[dict], run_name: str = "adhoc") -> tuple[pa.Table, list[Rejection]]:
    """Rows that pass every row-level expectation, as an Arrow table of the articles schema,
    and one Rejection per failing row (the first expectation it failed). Raises BatchInvalid
    when the batch as a whole is wrong. `run_name` names the result in Data Docs."""
    if not rows:
        return ARTICLES.empty_table(), []
    try:
        table = pa.Table.from_pylist(rows, schema=ARTICLES)
    except (pa.ArrowInvalid, pa.ArrowTypeError, KeyError, TypeError) as e:
        raise BatchInvalid(f"rows do not fit the articles schema: {e}") from e
    import great_expectations as gx

    _, definition = gx_context()
    result = definition.run(batch_parameters={"dataframe": table.to_pandas()}, result_format=RESULT_FORMAT,
                            run_id=gx.RunIdentifier(run_name=run_name))
    failed = _failed_rows(result, {r["article_id"]: r for r in rows})
    for row in rows:
        defect = row["article_id"] not in failed and list_defects(row)
        if defect:
            failed[row["article_id"]] = _rejection(row, f"malformed_list:{defect[0]}", defect[0], defect[1])
    limits = batch_limits()
    if len(rows) >= limits["min_rows_for_share"] and len(failed) > limits["max_failing_share"] * len(rows):
        reasons = Counter(r.reason for r in failed.values()).most_common(3)
        raise BatchInvalid(f"{len(failed)} of {len(rows)} rows failed validation (more than "
                           f"{limits['max_failing_share']:.0%}); most often: {reasons}")
    if failed:
        table = table.filter(pa.array([r["article_id"] not in failed for r in rows]))
    return table, list(failed.values())


def _failed_rows(result, by_id: dict[str, dict]) -> dict[str, Rejection]:
    """Each failing row's first failed expectation, from a GX validation result; BatchInvalid
    when an expectation could not run or failed for the table as a whole."""
    failed: dict[str, Rejection] = {}
    for r in result.results:
        if r.success:
            continue
        config = r.expectation_config
        if r.exception_info and r.exception_info.get("raised_exception"):
            raise BatchInvalid(f"expectation {config.type} could not run: {r.exception_info.get('exception_message')}")
        unexpected = r.result.get("unexpected_index_list")
        if not unexpected:
            # A table-level expectation failed (e.g. the column set): the batch is wrong.
            raise BatchInvalid(f"{config.type} failed: {json.dumps(r.result, default=str)[:300]}")
        column = config.kwargs.get("column") or config.kwargs.get("column_B")
        patterns = config.kwargs.get("regex_list") or [config.kwargs[k] for k in ("regex",) if k in config.kwargs]
        for hit in unexpected:
            article_id = hit["article_id"]
            if article_id not in failed and article_id in by_id:
                failed[article_id] = _rejection(by_id[article_id], f"{config.type}:{column}", column, hit.get(column),
                                                patterns)
    return failed


@timed
def validate_batch(rows: list[dict], run_name: str = "adhoc") -> StageResult[pa.Table]:
    """The Arrow table of passing rows. A batch that does not fit the schema is rejected
    whole: every input of it gets a quarantine row, none of it is written."""
    try:
        table, rejections = validate_rows(rows, run_name)
    except BatchInvalid as e:
        table = ARTICLES.empty_table()
        seen: dict[str | None, dict] = {}
        for row in rows:
            seen.setdefault(row.get("doc_id"), row)
        rejections = [Rejection(r.get("source_uri", "?"), "validate", "batch_invalid", str(e)[:300],
                                doc_id=doc_id) for doc_id, r in seen.items()]
    return StageResult(output=table, rejections=rejections)
