"""Exact and near duplicates, marked across batches and outlets; distinct stories are not.

The test set: every article of the seeds (distinct stories, several on the same subject:
Lavrov's and Shoigu's visits to Pyongyang), each republished as an exact copy by another
outlet, lightly edited (words changed, punctuation), and with a paragraph added."""
import random
from datetime import datetime, timezone

import pyarrow as pa
import pytest

from schemas.tables import ARTICLES
from tasks.dedup import DedupIndex, dedup_batch
from tasks.normalize import article_row
from tasks.records import Article, RunContext, article_id_for
from tasks.strip import strip_batch
from tests.conftest import SEEDS
from tests.test_strip import page_of

RUN = RunContext("run-1", datetime(2026, 1, 1, tzinfo=timezone.utc), "test")


def seed_articles() -> list[Article]:
    pages = [page_of(p) for p in sorted(SEEDS.glob("*.txt"))]
    return strip_batch(pages).items


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


def table(articles: list[Article]) -> pa.Table:
    return pa.Table.from_pylist([article_row(a, RUN) for a in articles], schema=ARTICLES)


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
    first, n_first = dedup_batch(index, table(originals)).items
    assert n_first == 0 and first.column("duplicate_of").null_count == len(originals)
    second, n_second = dedup_batch(index, table(copies)).items
    got = dict(zip(second.column("article_id").to_pylist(), second.column("duplicate_of").to_pylist()))
    true_positive = sum(1 for a, o in got.items() if o is not None and o == expected[a])
    precision = true_positive / max(1, sum(o is not None for o in got.values()))
    recall = true_positive / len(expected)
    assert (precision, recall) == (1.0, 1.0), {a: (o, expected[a]) for a, o in got.items() if o != expected[a]}


def test_the_index_survives_a_save_and_load_and_marks_across_runs(test_set, tmp_path):
    originals, copies, expected = test_set
    index = DedupIndex()
    dedup_batch(index, table(originals))
    index.save(tmp_path)
    later = DedupIndex.load(tmp_path)
    assert len(later) == len(originals)
    marked, n = dedup_batch(later, table(copies[:3])).items
    assert n == 3 and marked.column("duplicate_of").to_pylist() == [expected[c.article_id] for c in copies[:3]]


def test_a_changed_page_is_not_a_duplicate_of_its_own_earlier_version(test_set):
    originals, _, _ = test_set
    index = DedupIndex()
    dedup_batch(index, table(originals))
    changed = Article(**{**{f: getattr(originals[0], f) for f in originals[0].__dataclass_fields__},
                         "paragraphs": originals[0].paragraphs + ["فقرة جديدة أضيفت إلى الخبر بعد نشره."]})
    marked, n = dedup_batch(index, table([changed])).items
    assert n == 0 and len(index) == len(originals)


def test_duplicates_point_at_the_first_seen_even_through_a_chain():
    words = [f"كلمة{i}" for i in range(200)]
    a = Article("a" * 32, "d1", "/a", 0, "عنوان الخبر الأول", [" ".join(words)])
    b = Article("b" * 32, "d2", "/b", 0, "عنوان الخبر الأول", [" ".join(words[:190] + ["زيادة"] * 10)])
    c = Article("c" * 32, "d3", "/c", 0, "عنوان الخبر الأول", [" ".join(words[:180] + ["زيادة"] * 20)])
    marked, n = dedup_batch(DedupIndex(), table([a, b, c])).items
    assert marked.column("duplicate_of").to_pylist() == [None, "a" * 32, "a" * 32]


def test_the_threshold_is_a_setting():
    words = [f"كلمة{i}" for i in range(100)]
    a = Article("a" * 32, "d1", "/a", 0, "عنوان", [" ".join(words)])
    b = Article("b" * 32, "d2", "/b", 0, "عنوان", [" ".join(words[:60] + [f"أخرى{i}" for i in range(40)])])
    assert dedup_batch(DedupIndex(threshold=0.9), table([a, b])).items[1] == 0
    assert dedup_batch(DedupIndex(threshold=0.3), table([a, b])).items[1] == 1
