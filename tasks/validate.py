"""validate: article rows → (rows that pass, quarantine rows), with Great Expectations.

The suite is schemas/expectations.json plus what the Arrow schema implies (every column
exists, non-nullable columns have no nulls), so the two cannot drift apart. Great
Expectations takes 11-14 s to import: it is imported on first use, and one context serves
the whole process (a run), not one per batch.
"""
from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pyarrow as pa
from prefect import task
from prefect.cache_policies import NO_CACHE

from schemas.tables import ARTICLES
from tasks.memory import freeze_long_lived
from tasks.records import BatchState, Rejection, StageResult

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


def batch_limits(path: Path = SUITE_PATH) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))["meta"]["batch"]


@lru_cache(maxsize=1)
def _gx():
    """The run's one Great Expectations context (ephemeral: nothing of GX's own state is left
    on disk) with the suite and a validation definition whose results Data Docs render."""
    import great_expectations as gx
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("khabar").add_dataframe_asset("articles")
    batch_definition = asset.add_batch_definition_whole_dataframe("batch")
    suite = context.suites.add(ExpectationSuite(**suite_config()))
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name="articles", data=batch_definition, suite=suite))
    # GX's ~220 k objects live as long as the process: every full collection would walk them.
    freeze_long_lived()
    return context, definition


def _preview(value) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= VALUE_PREVIEW else text[:VALUE_PREVIEW] + "…"


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
    return None


def _rejection(row: dict, reason: str, column: str | None, value) -> Rejection:
    return Rejection(source_uri=row["source_uri"], stage="validate", reason=reason,
                     detail=f"article {row['position']} ({row['article_id']}) failed {reason}",
                     doc_id=row["doc_id"], article_id=row["article_id"], value=_preview(value))


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

    _, definition = _gx()
    result = definition.run(batch_parameters={"dataframe": table.to_pandas()}, result_format=RESULT_FORMAT,
                            run_id=gx.RunIdentifier(run_name=run_name))
    by_id = {r["article_id"]: r for r in rows}
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
        for hit in unexpected:
            article_id = hit["article_id"]
            if article_id not in failed and article_id in by_id:
                failed[article_id] = _rejection(by_id[article_id], f"{config.type}:{column}", column, hit.get(column))
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


def stored_results(run_name: str) -> list[tuple[tuple, str]]:
    """The validations this process ran under `run_name`, as (key, JSON): a batch validated in
    a Dask worker carries them along, so Data Docs show every batch. Plain values: the flow
    can pass them on without importing Great Expectations. They leave the store: a worker
    that serves run after run must not keep every result it ever made."""
    if _gx.cache_info().currsize == 0:
        return []
    store = _gx()[0].validation_results_store
    taken = []
    for key in [k for k in store.list_keys() if k.run_id.run_name == run_name]:
        taken.append((key.to_tuple(), store.serialize(store.get(key))))
        store.remove_key(key)
    return taken


def adopt_results(results: list[tuple[tuple, str]]) -> None:
    """Puts validation results made elsewhere (or here: then it changes nothing) into this
    process's context, for `build_data_docs`."""
    if results:
        from great_expectations.data_context.types.resource_identifiers import ValidationResultIdentifier

        store = _gx()[0].validation_results_store
        for key, result in results:
            store.set(ValidationResultIdentifier.from_tuple(key), store.deserialize(result))


def build_data_docs(out_dir: Path, run_name: str) -> Path | None:
    """Renders this run's validation results as Data Docs under DIR/reports/data_docs and
    returns the index page, or None when the run validated nothing (GX never imported).

    One site serves every run (its static files are 4 MB: once, not once per run); each
    run's pages stay under validations/articles/<run>-batch-N/, and the index lists the run
    that built it last."""
    if _gx.cache_info().currsize == 0:
        return None
    context, _ = _gx()
    ids = [k for k in context.validation_results_store.list_keys() if k.run_id.run_name.startswith(run_name)]
    if not ids:
        return None
    site_dir = (out_dir / "reports" / "data_docs").resolve()
    site = "khabar-" + hashlib.sha256(str(site_dir).encode()).hexdigest()[:12]
    if site not in (context.get_site_names() or []):
        context.add_data_docs_site(site, {
            "class_name": "SiteBuilder", "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(site_dir)}})
    context.build_data_docs(site_names=[site], resource_identifiers=ids)
    for key in ids:                 # rendered: the process (maybe a long-lived worker) keeps none
        context.validation_results_store.remove_key(key)
    return site_dir / "index.html"


def validate_batch(rows: list[dict], run_name: str = "adhoc") -> StageResult:
    """items: [the Arrow table of passing rows]. A batch that does not fit the schema is
    rejected whole: every input of it gets a quarantine row, none of it is written."""
    started = time.perf_counter()
    try:
        table, rejections = validate_rows(rows, run_name)
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


@task(name="validate", cache_policy=NO_CACHE, task_run_name="validate-batch-{batch.batch_no}")
def validate_task(batch: BatchState, run_name: str) -> BatchState:
    name = f"{run_name}-batch-{batch.batch_no}"
    state = batch.advance("validate", validate_batch(batch.items, name))
    state.validation_results.extend(stored_results(name))
    return state


@task(name="data-docs", cache_policy=NO_CACHE)
def data_docs_task(out_dir: str, run_name: str, validation_results: list) -> str | None:
    adopt_results(validation_results)
    index = build_data_docs(Path(out_dir), run_name)
    return str(index) if index else None
