"""validate: article rows → (rows that pass, quarantine rows), with Great Expectations.

The suite is schemas/expectations.json plus what the Arrow schema implies (every column
exists, non-nullable columns have no nulls), so the two cannot drift apart. Great
Expectations takes 11-14 s to import: it is imported on first use, and one context serves
the whole process (a run), not one per batch.
"""
from __future__ import annotations

import json
import logging
import time
from functools import lru_cache
from pathlib import Path

import pyarrow as pa
from prefect import task

from schemas.tables import ARTICLES
from tasks.records import Rejection, StageResult

SUITE_PATH = Path(__file__).resolve().parent.parent / "schemas" / "expectations.json"
RESULT_FORMAT = {"result_format": "COMPLETE", "unexpected_index_column_names": ["article_id"],
                 "return_unexpected_index_query": False}
VALUE_PREVIEW = 200


class BatchInvalid(Exception):
    """The batch as a whole is wrong (schema mismatch): nothing of it may be written."""


def suite_config(schema: pa.Schema = ARTICLES, path: Path = SUITE_PATH) -> dict:
    config = json.loads(path.read_text(encoding="utf-8"))
    derived = [{"type": "expect_table_columns_to_match_set",
                "kwargs": {"column_set": schema.names, "exact_match": True}}]
    derived += [{"type": "expect_column_values_to_not_be_null", "kwargs": {"column": f.name}}
                for f in schema if not f.nullable]
    config["expectations"] = derived + config["expectations"]
    return config


@lru_cache(maxsize=1)
def _gx_batch_definition_and_suite():
    import great_expectations as gx
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("khabar").add_dataframe_asset("articles")
    batch_definition = asset.add_batch_definition_whole_dataframe("batch")
    suite = context.suites.add(ExpectationSuite(**suite_config()))
    return batch_definition, suite


def _preview(value) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= VALUE_PREVIEW else text[:VALUE_PREVIEW] + "…"


def validate_rows(rows: list[dict]) -> tuple[pa.Table, list[Rejection]]:
    """Rows that pass every row-level expectation, as an Arrow table of the articles schema,
    and one Rejection per failing row (the first expectation it failed)."""
    if not rows:
        return ARTICLES.empty_table(), []
    try:
        table = pa.Table.from_pylist(rows, schema=ARTICLES)
    except (pa.ArrowInvalid, pa.ArrowTypeError, KeyError) as e:
        raise BatchInvalid(f"rows do not fit the articles schema: {e}") from e
    batch_definition, suite = _gx_batch_definition_and_suite()
    frame = table.to_pandas()
    result = batch_definition.get_batch(batch_parameters={"dataframe": frame}).validate(suite, result_format=RESULT_FORMAT)
    by_id = {r["article_id"]: r for r in rows}
    failed: dict[str, Rejection] = {}
    for r in result.results:
        if r.success:
            continue
        config = r.expectation_config
        column = config.kwargs.get("column")
        if r.exception_info and r.exception_info.get("raised_exception"):
            raise BatchInvalid(f"expectation {config.type} could not run: {r.exception_info.get('exception_message')}")
        unexpected = r.result.get("unexpected_index_list")
        if not unexpected:
            # A table-level expectation failed (e.g. the column set): the batch is wrong.
            raise BatchInvalid(f"{config.type} failed: {json.dumps(r.result, default=str)[:300]}")
        for hit in unexpected:
            article_id = hit["article_id"]
            if article_id in failed or article_id not in by_id:
                continue
            row = by_id[article_id]
            failed[article_id] = Rejection(
                source_uri=row["source_uri"], stage="validate", reason=f"{config.type}:{column}",
                detail=f"article {row['position']} failed {config.type} on {column}",
                doc_id=row["doc_id"], article_id=article_id, value=_preview(hit.get(column)))
    if failed:
        keep = pa.array([r["article_id"] not in failed for r in rows])
        table = table.filter(keep)
    return table, list(failed.values())


def validate_batch(rows: list[dict]) -> StageResult:
    """items: [the Arrow table of passing rows]. A batch that does not fit the schema is
    rejected whole: every input of it gets a quarantine row, none of it is written."""
    started = time.perf_counter()
    try:
        table, rejections = validate_rows(rows)
    except BatchInvalid as e:
        table = ARTICLES.empty_table()
        seen = {}
        for row in rows:
            seen.setdefault(row.get("doc_id"), row)
        rejections = [Rejection(r.get("source_uri", "?"), "validate", "batch_invalid", str(e)[:300],
                                doc_id=doc_id) for doc_id, r in seen.items()]
    result = StageResult(items=[table], rejections=rejections)
    result.stats.seconds = time.perf_counter() - started
    return result


@task(name="validate", task_run_name="validate-batch-{batch_no}")
def validate_task(rows: list[dict], batch_no: int = 0) -> StageResult:
    return validate_batch(rows)
