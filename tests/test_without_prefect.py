"""The computation imports no Prefect (issue "One clear stage contract"): every module of
tasks/ but tasks/stages.py, the thin Prefect tasks, loads and runs with Prefect made
unimportable, and the stages run from a plain Python loop."""
import subprocess
import sys

from tests.conftest import ROOT, SEEDS

PLAIN_LOOP = """
import importlib, sys
from datetime import datetime, timezone
from pathlib import Path


class NoPrefect:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("prefect", "prefect_dask"):
            raise ImportError(f"{name} is not importable in this test")


sys.meta_path.insert(0, NoPrefect())
modules = sorted(p.stem for p in Path("tasks").glob("*.py") if p.stem not in ("__init__", "stages"))
for name in modules:
    importlib.import_module(f"tasks.{name}")

from tasks.discover import discover
from tasks.extract import extract_batch
from tasks.normalize import normalize_batch
from tasks.records import RunContext
from tasks.strip import strip_batch

found = discover([sys.argv[1]], set())
pages = extract_batch(found.new)
articles = strip_batch(pages.output)
rows = normalize_batch(articles.output, RunContext("plain", datetime.now(timezone.utc), "t"))
print(len(modules), len(found.new), len(rows.output), len(pages.rejections + articles.rejections + rows.rejections))
"""


def test_the_stages_run_from_a_plain_loop_with_prefect_unimportable():
    done = subprocess.run([sys.executable, "-c", PLAIN_LOOP, str(SEEDS)], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    modules, inputs, articles, rejected = map(int, done.stdout.split())
    assert modules >= 20 and inputs == 5 and articles == 9 and rejected == 0
