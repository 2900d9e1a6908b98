"""Exact and near duplicates, marked across batches and outlets; distinct stories are not.

The test set: every article of the seeds (distinct stories, several on the same subject:
Lavrov's and Shoigu's visits to Pyongyang), each republished as an exact copy by another
outlet, lightly edited (words changed, punctuation), and with a paragraph added."""
import random
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from schemas.tables import ARTICLES
from tasks.dedup import DedupIndex, compact_index, dedup_batch, entry_days, fingerprints, index_files
from tasks.normalize import article_row
from tasks.records import Article, RunContext, article_id_for
from tasks.strip import strip_batch
from tasks.write import write_batch
from tests.conftest import SEEDS
from tests.test_strip import page_of

RUN = RunContext("run-1", datetime(2026, 1, 1, tzinfo=timezone.utc), "test")


def seed_articles() -> list[Article]:
    pages = [page_of(p) for p in sorted(SEEDS.glob("*.txt"))]
    return strip_batch(pages).output


def variant(article: Article, source: str, paragraphs: list[str]) -> Article:
    return Article(article_id=article_id_for(source, 0), doc_id=source,
                   source_uri=source, position=0, title=article.title, paragraphs=paragraphs)


def light_edit(paragraphs: list[str], rng: random.Random) -> list[str]:
    edited = []
    for p in paragraphs:
        words = p.split()
        if len(words) > 12:
            i = rng.randrange(len(words))
            words[i] = "كذلك"
        edited.append(" ".join(words).replace("،", ","))
    return edited


@pytest.fixture(scope="module")
def test_set():
    rng = random.Random(3)
    originals = seed_articles()
    copies, expected = [], {}
    for n, a in enumerate(originals):
        other = originals[(n + 1) % len(originals)]
        for kind, paragraphs in (("copy", a.paragraphs), ("edit", light_edit(a.paragraphs, rng)),
                                 ("added", a.paragraphs + other.paragraphs[:1])):
            v = variant(a, f"/other-outlet/{kind}/{n}.txt", paragraphs)
            copies.append(v)
            expected[v.article_id] = a.article_id
    return originals, copies, expected


def test_exact_and_near_duplicates_are_marked_across_batches_and_distinct_stories_are_not(test_set):
    originals, copies, expected = test_set
    index = DedupIndex()
    first, n_first = unpack(dedup_batch(index, table(originals)))
    assert n_first == 0 and first.column("duplicate_of").null_count == len(originals)
    second, n_second = unpack(dedup_batch(index, table(copies)))
    got = dict(zip(second.column("article_id").to_pylist(), second.column("duplicate_of").to_pylist()))
    true_positive = sum(1 for a, o in got.items() if o is not None and o == expected[a])
    precision = true_positive / max(1, sum(o is not None for o in got.values()))
    recall = true_positive / len(expected)
    assert (precision, recall) == (1.0, 1.0), {a: (o, expected[a]) for a, o in got.items() if o != expected[a]}


def unpack(result) -> tuple[pa.Table, int]:
    return result.output.articles, result.output.duplicates


def run_at(day: str) -> RunContext:
    return RunContext(f"run-{day}", datetime.fromisoformat(day).replace(tzinfo=timezone.utc), "test")


def table(articles: list[Article], run: RunContext = RUN) -> pa.Table:
    return pa.Table.from_pylist([article_row(a, run) for a in articles], schema=ARTICLES)


def ingest(version: Path, articles: list[Article], run: RunContext, name: str, **options) -> tuple[list, int]:
    """One run's batch through a fresh index of the version, its entries written; the marks."""
    index = DedupIndex.open(version, **options)
    marked, n = unpack(dedup_batch(index, table(articles, run)))
    removed = [(a, d) for a, d in zip(marked.column("article_id").to_pylist(), entry_days(marked).tolist())]
    index.write_batch(name, removed)
    return marked.column("duplicate_of").to_pylist(), n


def test_the_index_is_written_with_each_batch_and_marks_across_runs(test_set, tmp_path):
    originals, copies, expected = test_set
    assert ingest(tmp_path, originals, RUN, "part-1.parquet")[1] == 0
    later = DedupIndex.open(tmp_path)
    assert len(later) == len(originals)
    marked, n = unpack(dedup_batch(later, table(copies[:3], run_at("2026-01-02"))))
    assert n == 3 and marked.column("duplicate_of").to_pylist() == [expected[c.article_id] for c in copies[:3]]


def test_near_copies_are_found_within_the_window_and_exact_copies_at_any_distance(test_set, tmp_path):
    originals, copies, expected = test_set
    ingest(tmp_path, originals, RUN, "part-1.parquet")
    exact = [c for c in copies if "/copy/" in c.source_uri][:3]          # of stories 0-2
    edited = [c for c in copies if "/edit/" in c.source_uri][3:6]        # of stories 3-5
    # 29 days later (ingested then, no publication date): all found.
    marks, n = ingest(tmp_path, exact + edited, run_at("2026-01-30"), "part-2.parquet")
    assert n == 6 and marks == [expected[c.article_id] for c in exact + edited]
    # Half a year later: exact copies still are, near copies are outside the 30-day window ...
    rng = random.Random(9)
    late = [replace(c, article_id=c.article_id[::-1], source_uri=c.source_uri + ".late") for c in exact]
    late += [replace(c, article_id=c.article_id[::-1], source_uri=c.source_uri + ".late",
                     paragraphs=light_edit(c.paragraphs, rng)) for c in edited]    # near, not exact
    marks, n = ingest(tmp_path, late, run_at("2026-07-01"), "part-3.parquet")
    assert marks == [expected[c.article_id] for c in exact] + [None] * 3
    # ... unless the window is widened to reach them.
    again = [replace(c, article_id=c.article_id[:16] * 2, source_uri=c.source_uri + ".again",
                     paragraphs=light_edit(c.paragraphs, rng)) for c in edited]
    marks, _ = ingest(tmp_path, again, run_at("2026-07-02"), "part-4.parquet", window_days=200)
    assert marks == [expected[c.article_id] for c in edited]


def test_a_run_reads_only_the_months_its_window_reaches(test_set, tmp_path):
    originals, copies, expected = test_set
    for month in range(1, 7):                       # six months of articles
        batch = [replace(a, article_id=f"{month:02d}{a.article_id[2:]}", source_uri=f"{a.source_uri}.{month}")
                 for a in originals]
        ingest(tmp_path, batch, run_at(f"2026-{month:02d}-10"), f"part-{month}.parquet")
    index = DedupIndex.open(tmp_path)
    dedup_batch(index, table(copies[:2], run_at("2026-06-20")))
    assert sorted(index.months_held) == ["2026-05", "2026-06", "2026-07"]
    # With room for one month only, the others are read again when needed: the same marks.
    small = DedupIndex.open(tmp_path, cache_entries=1)
    wide = DedupIndex.open(tmp_path)
    probe = table(copies, run_at("2026-03-15"))
    assert dedup_batch(small, probe).output.articles.equals(dedup_batch(wide, probe).output.articles)


def test_a_changed_page_is_not_a_duplicate_of_its_own_earlier_version(test_set):
    originals, _, _ = test_set
    index = DedupIndex()
    dedup_batch(index, table(originals))
    changed = Article(**{**{f: getattr(originals[0], f) for f in originals[0].__dataclass_fields__},
                         "paragraphs": originals[0].paragraphs + ["فقرة جديدة أضيفت إلى الخبر بعد نشره."]})
    marked, n = unpack(dedup_batch(index, table([changed])))
    assert n == 0 and len(index) == len(originals) + 1       # the old entry goes when its row does


def test_a_changed_page_is_not_a_duplicate_of_its_rows_under_its_name_before_keys(test_set):
    """A dataset from before inputs had keys holds a file's rows under its absolute path; the
    file edited, written under its key, replaces them and is not their duplicate."""
    originals, _, _ = test_set
    index = DedupIndex()
    dedup_batch(index, table(originals))
    old = originals[0]
    key = "crawl/" + old.source_uri.rsplit("/", 1)[-1]
    changed = Article(**{**{f: getattr(old, f) for f in old.__dataclass_fields__}, "source_uri": key,
                         "article_id": article_id_for(key, old.position),
                         "paragraphs": old.paragraphs + ["فقرة جديدة أضيفت إلى الخبر بعد نشره."]})
    assert unpack(dedup_batch(index, table([changed])))[1] == 1          # not known as the same input
    index = DedupIndex()
    dedup_batch(index, table(originals))
    assert unpack(dedup_batch(index, table([changed]), former_names={key: old.source_uri}))[1] == 0


def test_a_changed_pages_old_entry_goes_with_its_row_without_rewriting_a_month(test_set, tmp_path):
    originals, _, _ = test_set
    ingest(tmp_path, originals, RUN, "part-1.parquet")
    month_files = {p: p.stat().st_ino for p in index_files(tmp_path / "index")}
    changed = replace(originals[0], paragraphs=originals[0].paragraphs + ["فقرة جديدة أضيفت."])
    assert ingest(tmp_path, [changed], run_at("2026-01-05"), "part-2.parquet") == ([None], 0)
    assert all(p.stat().st_ino == ino for p, ino in month_files.items())        # listed as gone instead
    assert len(DedupIndex.open(tmp_path)) == len(originals)
    # compact leaves the live entries: each article once, the changed one as it is now
    compact_index(tmp_path / "index", tmp_path / "compacted", "part-compact")
    entries = pa.concat_tables([pq.read_table(p) for p in index_files(tmp_path / "compacted")])
    assert sorted(entries.column("article_id").to_pylist()) == sorted(a.article_id for a in originals)
    assert max(entries.column("seq").to_pylist()) == len(originals)              # the changed page's new entry


def test_duplicates_point_at_the_first_seen_even_through_a_chain():
    words = [f"كلمة{i}" for i in range(200)]
    a = Article("a" * 32, "d1", "/a", 0, "عنوان الخبر الأول", [" ".join(words)])
    b = Article("b" * 32, "d2", "/b", 0, "عنوان الخبر الأول", [" ".join(words[:190] + ["زيادة"] * 10)])
    c = Article("c" * 32, "d3", "/c", 0, "عنوان الخبر الأول", [" ".join(words[:180] + ["زيادة"] * 20)])
    marked, n = unpack(dedup_batch(DedupIndex(), table([a, b, c])))
    assert marked.column("duplicate_of").to_pylist() == [None, "a" * 32, "a" * 32]


def test_the_threshold_is_a_setting():
    words = [f"كلمة{i}" for i in range(100)]
    a = Article("a" * 32, "d1", "/a", 0, "عنوان", [" ".join(words)])
    b = Article("b" * 32, "d2", "/b", 0, "عنوان", [" ".join(words[:60] + [f"أخرى{i}" for i in range(40)])])
    assert dedup_batch(DedupIndex(threshold=0.9), table([a, b])).output.duplicates == 0
    assert dedup_batch(DedupIndex(threshold=0.3), table([a, b])).output.duplicates == 1


def test_the_one_file_index_of_an_older_khabar_is_converted_and_still_marks(test_set, tmp_path):
    originals, copies, expected = test_set
    rows = table(originals)
    write_batch(rows, [], tmp_path, RUN, 0)
    (tmp_path / "index").mkdir()
    pq.write_table(pa.table({"article_id": rows.column("article_id"), "content_hash": rows.column("content_hash"),
                             "signature": [s.tobytes() for s in fingerprints(rows)],
                             "duplicate_of": pa.nulls(rows.num_rows, pa.string())}), tmp_path / "index" / "dedup.parquet")
    index = DedupIndex.open(tmp_path)
    assert len(index) == len(originals) and not (tmp_path / "index" / "dedup.parquet").exists()
    marked, n = unpack(dedup_batch(index, table(copies[:3])))
    assert n == 3 and marked.column("duplicate_of").to_pylist() == [expected[c.article_id] for c in copies[:3]]
