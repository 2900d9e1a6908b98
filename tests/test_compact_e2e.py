"""The maintenance flow: small files merged, rows unchanged, duplicate index rebuilt."""
import shutil

import pyarrow.parquet as pq
import pytest

from flows.compact import compact
from flows.ingest import ingest
from tasks.dedup import INDEX_FILE
from tasks.write import dataset_files
from tests.test_crash_e2e import state

pytestmark = pytest.mark.e2e


def test_compact_merges_small_files_keeps_rows_and_rebuilds_the_index(prefect_api, seeds_copy, tmp_path):
    out = tmp_path / "data"
    pages = sorted(seeds_copy.glob("*.txt"))
    for n, page in enumerate(pages):             # one run per page: many small files
        single = tmp_path / f"in{n}"
        single.mkdir()
        shutil.copy(page, single / page.name)
        ingest(sources=[str(single)], out=str(out), batch_size=1)
    before, files_before = state(out), dataset_files(out / "articles")
    index_before = pq.read_table(out / "current" / "index" / INDEX_FILE)

    result = compact(out=str(out))
    files_after = dataset_files(out / "articles")
    assert len(files_before) > len(files_after) == len({p.parent for p in files_before})
    assert result["articles"]["files_after"] == len(files_after)
    assert state(out) == before
    index_after = pq.read_table(out / "current" / "index" / INDEX_FILE)
    assert sorted(index_after.column("article_id").to_pylist()) == sorted(index_before.column("article_id").to_pylist())

    # The rebuilt index still knows every article: the same story from another outlet is marked.
    copy_dir = tmp_path / "other-outlet"
    copy_dir.mkdir()
    (copy_dir / "republished.txt").write_text(pages[1].read_text(encoding="utf-8") + "\n", encoding="utf-8")
    report = ingest(sources=[str(copy_dir)], out=str(out))
    assert report["duplicates"] == report["articles"] >= 1
