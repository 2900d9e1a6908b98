"""The expectation suite and the process's one Great Expectations context, which validation
(validate.py) and Data Docs (data_docs.py) share.

The suite is schemas/expectations.json plus what the Arrow schema implies (every column
exists, non-nullable columns have no nulls) and the title bounds normalize applies, so
none of them can drift apart. Great
Expectations takes 11-14 s to import: it is imported on first use, and one context serves
the whole process (a run, or a Dask worker's runs), not one per batch.
"""
from __future__ import annotations

import json
import logging
from functools import lru_cache
from pathlib import Path

import pyarrow as pa

from schemas.tables import ARTICLES
from tasks.memory import freeze_long_lived

SUITE_PATH = Path(__file__).resolve().parent.parent / "schemas" / "expectations.json"


def suite_config(schema: pa.Schema = ARTICLES, path: Path = SUITE_PATH) -> dict:
    config = json.loads(path.read_text(encoding="utf-8"))
    derived = [{"type": "expect_table_columns_to_match_set",
                "kwargs": {"column_set": schema.names, "exact_match": True}}]
    derived += [{"type": "expect_column_values_to_not_be_null", "kwargs": {"column": f.name}}
                for f in schema if not f.nullable]
    if "title" in schema.names:
        # The bounds normalize keeps a title within (it nulls one outside them, with a warning).
        from tasks.normalize import TITLE_MAX_CHARS, TITLE_MIN_CHARS

        derived.append({"type": "expect_column_value_lengths_to_be_between",
                        "kwargs": {"column": "title", "min_value": TITLE_MIN_CHARS, "max_value": TITLE_MAX_CHARS}})
    config["expectations"] = derived + config["expectations"]
    return config


def batch_limits(path: Path = SUITE_PATH) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))["meta"]["batch"]


@lru_cache(maxsize=1)
def gx_context():
    """The process's one Great Expectations context (ephemeral: nothing of GX's own state is
    left on disk) with the suite and a validation definition whose results Data Docs render."""
    import great_expectations as gx
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.data_context.types.base import ProgressBarsConfig

    # GX gives some module loggers a level of their own: its "Created temporary directory …
    # for ephemeral docs site" line would reach every run's log.
    for name in ("great_expectations", "great_expectations.data_context.types.base"):
        logging.getLogger(name).setLevel(logging.WARNING)
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


def gx_loaded() -> bool:
    """Whether this process has validated anything (imported GX) yet."""
    return gx_context.cache_info().currsize > 0
