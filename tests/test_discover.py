import os
from pathlib import Path

import pytest

from tasks.discover import SourceError, batches, discover, expand_source
from tests.conftest import SEEDS


def test_directory_glob_and_file_sources(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.txt").write_text("x")
    (tmp_path / "a" / ".hidden.txt").write_text("x")
    (tmp_path / "b.html").write_text("y")
    entries, root = expand_source(str(tmp_path))
    assert [p.name for p in entries] == ["b.html", "one.txt"] and root == tmp_path.resolve()
    entries, root = expand_source(str(tmp_path / "*" / "*.txt"))
    assert [p.name for p in entries] == ["one.txt"] and root == tmp_path.resolve()
    entries, root = expand_source(str(tmp_path / "b.html"))
    assert [p.name for p in entries] == ["b.html"] and root is None


def test_missing_source_is_a_clear_error(tmp_path):
    with pytest.raises(SourceError, match="source not found"):
        expand_source(str(tmp_path / "nope"))


def test_known_and_repeated_bytes_are_unchanged(tmp_path):
    (tmp_path / "one.txt").write_text("same")
    (tmp_path / "two.txt").write_text("same")
    (tmp_path / "three.txt").write_text("other")
    found = discover([str(tmp_path)], known_doc_ids=set())
    assert found.inputs == 3 and len(found.new) == 2 and len(found.unchanged) == 1
    again = discover([str(tmp_path)], known_doc_ids={r.doc_id for r in found.new})
    assert len(again.new) == 0 and len(again.unchanged) == 3


def test_same_file_named_twice_counts_once():
    found = discover([str(SEEDS), str(SEEDS / "*.txt")], set())
    assert found.inputs == 5


def test_batches():
    assert batches(list(range(5)), 2) == [[0, 1], [2, 3], [4]]
    with pytest.raises(ValueError):
        batches([1], 0)


def test_links_out_of_the_source_dangling_links_and_fifos_are_rejected_by_name(tmp_path):
    source, outside = tmp_path / "in", tmp_path / "out"
    (source / "sub").mkdir(parents=True)
    outside.mkdir()
    (outside / "secret.txt").write_text("سر")
    (source / "page.txt").write_text("صفحة")
    (source / "sub" / "inside-link.txt").symlink_to(source / "page.txt")    # same page: counted once
    (source / "loop").symlink_to(source, target_is_directory=True)          # walked already
    (source / "escape.txt").symlink_to(outside / "secret.txt")
    (source / "escape-dir").symlink_to(outside, target_is_directory=True)
    (source / "dangling.txt").symlink_to(source / "gone.txt")
    os.mkfifo(source / "pipe.txt")
    found = discover([str(source)], set())
    assert [Path(r.source_uri).name for r in found.new] == ["page.txt"]
    reasons = {Path(r.source_uri).name: r.reason for r in found.rejections}
    assert reasons == {"escape.txt": "symlink_outside_source", "escape-dir": "symlink_outside_source",
                       "dangling.txt": "unreadable", "pipe.txt": "not_a_regular_file"}
    assert all(r.stage == "discover" and r.doc_id for r in found.rejections)
    assert found.inputs == 5
    # The same links through a glob: the pattern's directory is the boundary.
    found = discover([str(source / "*.txt")], set())
    assert {Path(r.source_uri).name: r.reason for r in found.rejections} == {
        "escape.txt": "symlink_outside_source", "dangling.txt": "unreadable", "pipe.txt": "not_a_regular_file"}
    # A file named on its own is the user's explicit choice: followed.
    assert len(discover([str(source / "escape.txt")], set()).new) == 1
