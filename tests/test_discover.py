import pytest

from tasks.discover import SourceError, batches, discover, expand_source
from tests.conftest import SEEDS


def test_directory_glob_and_file_sources(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.txt").write_text("x")
    (tmp_path / "a" / ".hidden.txt").write_text("x")
    (tmp_path / "b.html").write_text("y")
    assert [p.name for p in expand_source(str(tmp_path))] == ["b.html", "one.txt"]
    assert [p.name for p in expand_source(str(tmp_path / "*.html"))] == ["b.html"]
    assert [p.name for p in expand_source(str(tmp_path / "b.html"))] == ["b.html"]


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
