"""The maintenance flow: small files merged, rows and duplicate index entries unchanged."""
import shutil

import pyarrow.parquet as pq
import pytest

from flows.compact import compact
from flows.ingest import ingest
from tasks.dedup import index_files
from tasks.manifest import build
from tasks.write import dataset_files
from tests.test_crash_e2e import state
from tests.test_manifest import rows as manifest_rows

pytestmark = pytest.mark.e2e


def entries(out):
    """The duplicate index's entries, in seq order."""
    tables = [pq.read_table(p) for p in index_files(out / "current" / "index")]
    return sorted(row for t in tables for row in zip(*(t.column(c).to_pylist() for c in t.column_names)))


def test_compact_merges_small_files_of_the_data_and_of_the_index(prefect_api, seeds_copy, tmp_path):
    out = tmp_path / "data"
    pages = sorted(seeds_copy.glob("*.txt"))
    for n, page in enumerate(pages):             # one run per page: many small files
        single = tmp_path / f"in{n}"
        single.mkdir()
        shutil.copy(page, single / page.name)
        ingest(sources=[str(single)], out=str(out), batch_size=1)
    before, files_before = state(out), dataset_files(out / "articles")
    index_before = entries(out)

    result = compact(out=str(out))
    files_after = dataset_files(out / "articles")
    assert len(files_before) > len(files_after) == len({p.parent for p in files_before})
    assert result["articles"]["files_after"] == len(files_after)
    assert state(out) == before
    assert len(index_files(out / "current" / "index")) == len({p.parent for p in index_files(out / "current" / "index")})
    assert entries(out) == index_before
    # The manifest followed the rows to their new files: what a scan of the data says.
    carried = manifest_rows(out / "current")
    scanned = tmp_path / "scanned"
    shutil.copytree((out / "current").resolve(), scanned)
    build(scanned)
    assert carried == manifest_rows(scanned) and all(files for *_, files in carried)

    # The merged index still knows every article: the same story from another outlet is marked.
    copy_dir = tmp_path / "other-outlet"
    copy_dir.mkdir()
    (copy_dir / "republished.txt").write_text(pages[1].read_text(encoding="utf-8") + "\n", encoding="utf-8")
    report = ingest(sources=[str(copy_dir)], out=str(out))
    assert report["duplicates"] == report["articles"] >= 1
