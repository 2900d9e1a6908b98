"""The README's analyst section runs as written, on a dataset made from the seeds."""
import contextlib
import io
import os
import re
import shutil

import duckdb
import pytest

from flows.ingest import ingest
from schemas.tables import ARTICLES, QUARANTINE, markdown_table
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
ANALYSTS = README.split("## For analysts", 1)[1].split("\n## ", 1)[0]
BLOCKS = re.findall(r"```(python|sql)\n(.*?)```", ANALYSTS, flags=re.S)


def test_the_readme_shows_the_schema_as_schemas_tables_defines_it():
    columns = (ROOT / "docs" / "COLUMNS.md").read_text(encoding="utf-8")
    assert markdown_table(ARTICLES) in columns and markdown_table(QUARANTINE) in columns


@pytest.mark.e2e
def test_every_analyst_example_runs_as_written(prefect_api, seeds_copy, tmp_path):
    duplicate = seeds_copy / "republished.txt"          # the same story from another outlet
    duplicate.write_text(next(seeds_copy.glob("001_*.txt")).read_text(encoding="utf-8") + "\n", encoding="utf-8")
    ingest(sources=[str(seeds_copy)], out=str(tmp_path / "data"))
    assert len(BLOCKS) >= 6
    outputs = []
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        for language, code in BLOCKS:
            if language == "sql":
                outputs.append(duckdb.sql(code).fetchall())
            else:
                printed = io.StringIO()
                with contextlib.redirect_stdout(printed):
                    exec(compile(code, "README.md", "exec"), {})
                outputs.append(printed.getvalue())
    finally:
        os.chdir(cwd)
    assert [(11,)] in outputs                         # the count: 9 seed articles + the copy's two
    assert any("كوريا" in str(o) for o in outputs)              # the search found titles
    stories = outputs[-1]
    assert "copies" in stories and "shape: (2, 4)" in stories, stories     # both stories of the page, told twice
    shutil.rmtree(tmp_path / "data")
