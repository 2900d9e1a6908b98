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


def test_an_input_is_unchanged_by_its_key_and_bytes_and_a_copy_elsewhere_is_new(tmp_path):
    """Item 12 of "First contact": an input is known by its key (its path from the source's
    directory) with its bytes; the same bytes under another key are another input (dedup
    marks the copy), and a moved directory keeps every key."""
    source = tmp_path / "crawl"
    source.mkdir()
    (source / "one.txt").write_text("same")
    (source / "two.txt").write_text("same")
    (source / "three.txt").write_text("other")
    found = discover([str(source)], known=set())
    assert found.inputs == 3 and len(found.new) == 3 and not found.unchanged
    assert sorted(r.source_uri for r in found.new) == ["crawl/one.txt", "crawl/three.txt", "crawl/two.txt"]
    assert {r.path for r in found.new} == {str((source / n).resolve()) for n in ("one.txt", "two.txt", "three.txt")}
    known = {(r.source_uri, r.doc_id) for r in found.new}
    again = discover([str(source)], known=known)
    assert len(again.new) == 0 and len(again.unchanged) == 3
    moved = tmp_path / "elsewhere" / "crawl"
    moved.parent.mkdir()
    source.rename(moved)
    (moved / "two.txt").write_text("edited")
    after_move = discover([str(moved)], known=known)
    assert [r.source_uri for r in after_move.new] == ["crawl/two.txt"] and len(after_move.unchanged) == 2


def test_a_file_known_by_its_absolute_path_before_keys_is_unchanged(tmp_path):
    """A dataset written before inputs had keys knows files by their absolute paths."""
    (tmp_path / "one.txt").write_text("same")
    first = discover([str(tmp_path)], known=set()).new[0]
    found = discover([str(tmp_path)], known={(str((tmp_path / "one.txt").resolve()), first.doc_id)})
    assert not found.new and len(found.unchanged) == 1


def test_keys_by_kind_of_source(tmp_path, monkeypatch):
    """A directory's files and a glob's start with the directory's name; a file named alone is
    its name; relative and absolute ways of naming a source give the same keys."""
    (tmp_path / "drop" / "sub").mkdir(parents=True)
    (tmp_path / "drop" / "sub" / "a.txt").write_text("a")
    (tmp_path / "drop" / "b.txt").write_text("b")
    monkeypatch.chdir(tmp_path)
    for source in ("drop", "drop/", str(tmp_path / "drop"), "./drop"):
        assert sorted(r.source_uri for r in discover([source], set()).new) == ["drop/b.txt", "drop/sub/a.txt"]
    assert [r.source_uri for r in discover(["drop/*.txt"], set()).new] == ["drop/b.txt"]
    assert [r.source_uri for r in discover(["drop/**/*.txt"], set()).new] == ["drop/b.txt", "drop/sub/a.txt"]
    assert [r.source_uri for r in discover(["drop/sub/a.txt"], set()).new] == ["a.txt"]


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


def test_a_walk_stops_once_enough_pages_are_final_and_goes_on_later(tmp_path):
    from tasks.discover import Walk

    for n in range(5):
        (tmp_path / f"{n}.txt").write_text(f"page {n}")
    walk = Walk([str(tmp_path)], set())
    walk.until(2)
    assert (walk.settled, len(walk.found.new), walk.ended) == (2, 2, False)
    walk.until(4)
    assert (walk.settled, len(walk.found.new), walk.ended) == (4, 4, False)
    walk.until(None)
    assert walk.ended and walk.settled == 5
    assert walk.found.new == discover([str(tmp_path)], set()).new


def test_pages_after_a_capture_are_final_only_at_the_end_of_the_walk(tmp_path):
    """A WARC record may be replaced by a newer capture found later, so from the first one on
    nothing is final before the walk ends: what was handed out stays the start of found.new."""
    from tasks.discover import Walk
    from tests.test_sources import BASE, article, write_warc

    (tmp_path / "a.txt").write_text("page a")
    write_warc(tmp_path / "b.warc.gz", [(f"{BASE}/b", article("خبر من الأرشيف").encode(), "text/html")])
    (tmp_path / "c.txt").write_text("page c")
    walk = Walk([str(tmp_path)], set(), tmp_path / "raw")
    walk.until(2)
    assert walk.ended and walk.settled == 1
    assert [r.source_uri.rsplit("/", 1)[-1] for r in walk.found.new] == ["a.txt", "b", "c.txt"]


def test_a_page_file_is_never_replaced_by_a_capture_of_the_same_name():
    from datetime import datetime, timezone

    from tasks.discover import Discovery, keep_newest_captures
    from tasks.records import InputRef

    page = InputRef(source_uri="/in/crawl.warc.gz#0", doc_id="a", size=1)
    capture = InputRef(source_uri="/in/crawl.warc.gz#0", doc_id="b", size=1, raw="/raw/b",
                       fetched_at=datetime(2024, 6, 3, tzinfo=timezone.utc), origin="/in/crawl.warc.gz#0")
    found = Discovery(new=[page, capture])
    keep_newest_captures(found)
    assert found.new == [page, capture] and found.rejections == []


def test_a_corrupt_child_sitemap_is_one_row_and_its_siblings_are_still_read(tmp_path, news_server):
    """A gzip body that does not decompress raised outside the parser's guard: the whole index
    became one bad_sitemap row (or the run ended) and the good sibling was never fetched."""
    from tasks.fetch import Fetcher, FetchPolicy
    from tasks.raw import FetchState
    from tests.conftest import TEST_FETCH

    fetcher = Fetcher(FetchPolicy.from_settings(TEST_FETCH), tmp_path / "raw", FetchState(tmp_path / "raw"))
    found = discover([f"{news_server.base}/mixed_index.xml"], set(), tmp_path / "raw", fetcher)
    assert [(r.source_uri.rsplit("/", 1)[-1], r.reason) for r in found.rejections] == [("broken.xml.gz", "unreadable_body")]
    assert [url.rsplit("/", 1)[-1] for url in found.urls] == ["utf8.html"]          # the good sibling's page


def test_a_glob_that_matches_nothing_warns_and_the_run_goes_on(tmp_path, caplog):
    """Issue "First contact" item 13: an empty match is no error (a drop directory is often
    empty), but it is said, since a typo looks the same."""
    import logging

    (tmp_path / "page.txt").write_text("عنوان\n\nنص", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="khabar.discover"):
        found = discover([str(tmp_path / "*.htm"), str(tmp_path / "*.txt")], set())
    assert [r.getMessage() for r in caplog.records] == [f"{tmp_path / '*.htm'} matches no file"]
    assert [Path(r.source_uri).name for r in found.new] == ["page.txt"]
