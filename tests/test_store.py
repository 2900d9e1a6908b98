"""The dataset directory as versions: readers see a run's rows all at once or not at all."""
import os

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from tasks.store import Store, StoreLocked, current_version


def rows(path):
    if not path.exists():
        return []
    return sorted(ds.dataset(path, format="parquet").to_table().column("x").to_pylist())


def stage_file(staging, name, values):
    pq.write_table(pa.table({"x": values}), staging.table("articles") / name)


def commit_one(store, label, values):
    staging = store.begin(label)
    stage_file(staging, f"{label}.parquet", values)
    return store.commit(staging)


def test_readers_see_nothing_of_a_run_until_it_commits(tmp_path):
    with Store(tmp_path) as store:
        staging = store.begin("run1")
        stage_file(staging, "a.parquet", [1, 2])
        assert rows(tmp_path / "articles") == []
        store.commit(staging)
    assert rows(tmp_path / "articles") == [1, 2]
    assert (tmp_path / "articles").is_symlink() and current_version(tmp_path).name == "v000001"


def test_the_next_version_carries_the_files_over_as_hard_links_and_never_changes_them(tmp_path):
    with Store(tmp_path) as store:
        first = store.begin("run1")
        stage_file(first, "a.parquet", [1, 2])
        v1 = store.commit(first)
        second = store.begin("run2")
        carried = second.table("articles") / "a.parquet"
        assert os.stat(carried).st_ino == os.stat(v1 / "articles" / "a.parquet").st_ino
        # A run replaces a file (new inode), it never writes into the shared one.
        tmp = carried.with_name(".a.parquet.tmp")
        pq.write_table(pa.table({"x": [9]}), tmp)
        os.replace(tmp, carried)
        assert rows(tmp_path / "articles") == [1, 2]
        store.commit(second)
    assert rows(tmp_path / "articles") == [9]


def test_what_a_crashed_run_left_is_swept_by_the_next(tmp_path):
    with Store(tmp_path) as store:
        commit_one(store, "run1", [1])
        crashed = store.begin("crashed")
        stage_file(crashed, "b.parquet", [2])
    # As if the process died before commit: the staging directory is still there.
    assert crashed.path.exists() and rows(tmp_path / "articles") == [1]
    with Store(tmp_path):
        assert not crashed.path.exists()
    assert rows(tmp_path / "articles") == [1]


def test_a_version_renamed_but_never_made_current_is_swept(tmp_path):
    with Store(tmp_path) as store:
        commit_one(store, "run1", [1])
    orphan = tmp_path / ".versions" / "v000002"
    (orphan / "articles").mkdir(parents=True)
    with Store(tmp_path) as store:
        assert not orphan.exists()
        staging = store.begin("run2")
        assert store.commit(staging).name == "v000002"


def test_only_the_last_two_versions_are_kept(tmp_path):
    with Store(tmp_path) as store:
        for n in range(4):
            commit_one(store, f"run{n}", [n])
    assert sorted(p.name for p in (tmp_path / ".versions").iterdir()) == ["v000003", "v000004"]
    assert rows(tmp_path / "articles") == [0, 1, 2, 3]


def test_a_second_writer_is_refused_with_the_holders_pid(tmp_path):
    with Store(tmp_path):
        with pytest.raises(StoreLocked, match=f"pid {os.getpid()}"):
            Store(tmp_path).open()
    Store(tmp_path).open().close()          # free again once the first one is done


def test_a_waiting_writer_gets_the_lock_when_the_first_finishes_or_gives_up_at_its_deadline(tmp_path):
    import threading
    import time

    first = Store(tmp_path).open()
    with pytest.raises(StoreLocked, match=r"waited 0.3 s"):
        Store(tmp_path, wait=0.3).open()
    threading.Timer(0.5, first.close).start()
    started = time.monotonic()
    with Store(tmp_path, wait=10):
        assert 0.4 < time.monotonic() - started < 5


def test_a_flat_directory_of_khabar_0_1_becomes_version_zero(tmp_path):
    (tmp_path / "articles").mkdir()
    pq.write_table(pa.table({"x": [5]}), tmp_path / "articles" / "part-old.parquet")
    with Store(tmp_path):
        pass
    assert (tmp_path / "articles").is_symlink() and rows(tmp_path / "articles") == [5]


def test_a_missing_current_link_deletes_nothing_and_is_refused_with_the_way_back(tmp_path):
    with Store(tmp_path) as store:
        commit_one(store, "run1", [1])
        commit_one(store, "run2", [2])
    os.unlink(tmp_path / "current")
    from tasks.store import StoreDamaged

    with pytest.raises(StoreDamaged, match="ln -s .versions/v000002"):
        Store(tmp_path).open()
    assert sorted(p.name for p in (tmp_path / ".versions").iterdir()) == ["v000001", "v000002"]
    os.symlink(".versions/v000002", tmp_path / "current")         # what the message says to do
    with Store(tmp_path):                                          # the lock was released
        pass
    assert rows(tmp_path / "articles") == [1, 2]


def test_the_cli_refuses_a_dir_without_current_in_one_line(tmp_path, capsys):
    from flows.cli import main

    with Store(tmp_path / "data") as store:
        commit_one(store, "run1", [1])
    os.unlink(tmp_path / "data" / "current")
    for command in (["run", str(tmp_path / "nothing-here.txt")], ["compact"]):
        (tmp_path / "nothing-here.txt").write_text("نص")
        assert main(command + ["--out", str(tmp_path / "data")]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "current is missing" in err[0]
    assert (tmp_path / "data" / ".versions" / "v000001").is_dir()


def test_a_table_without_rows_still_has_a_file_with_its_schema(tmp_path):
    """Issue "First contact" item 10: pandas, DuckDB and Polars read an empty table's columns;
    the empty file goes once the table has rows."""
    import duckdb
    import pandas as pd
    import polars as pl

    from schemas.tables import ARTICLES, QUARANTINE

    with Store(tmp_path) as store:
        store.commit(store.begin("empty"))
    for table, schema in (("articles", ARTICLES), ("quarantine", QUARANTINE)):
        assert list(pd.read_parquet(tmp_path / table).columns)[:len(schema.names)] == schema.names
        glob = str(tmp_path / table / "**" / "*.parquet")
        assert duckdb.sql(f"select count(*) from read_parquet('{glob}')").fetchall() == [(0,)]
        assert pl.read_parquet(glob).columns[:len(schema.names)] == schema.names
    with Store(tmp_path) as store:
        commit_one(store, "run1", [1, 2])
    assert rows(tmp_path / "articles") == [1, 2]
    assert not list((tmp_path / "articles").rglob("part-empty.parquet"))


def test_a_reader_that_resolved_the_link_reads_through_the_next_commit(tmp_path):
    """Item 4 of "Reliability, second round", the documented reader pattern: resolve
    DIR/articles once; the files listed stay readable after the next commit, even one that
    replaces every file (a compact), and go when the version is pruned two commits later."""
    with Store(tmp_path) as store:
        commit_one(store, "run1", [1, 2])
    resolved = ds.dataset((tmp_path / "articles").resolve(), format="parquet")
    with Store(tmp_path) as store:
        staging = store.begin("compact", carry_over=False)      # every file replaced
        stage_file(staging, "merged.parquet", [1, 2, 3])
        store.commit(staging)
    assert sorted(resolved.to_table().column("x").to_pylist()) == [1, 2]
    assert rows(tmp_path / "articles") == [1, 2, 3]
    with Store(tmp_path) as store:
        commit_one(store, "run3", [4])
    with pytest.raises(OSError):                                 # two commits on: pruned
        resolved.to_table()
