"""Prints the dataset's size on disk per 1,000 articles, after compaction.

Articles are made from the seeds' vocabulary, words drawn by their frequency in the seeds
(no two alike): text with the word statistics of Arabic news but no phrase repeated across
articles, so zstd finds less to share than in a real corpus (an upper estimate).

    .venv/bin/python -m bench.storage [N]
"""
from __future__ import annotations

import random
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pyarrow as pa

from flows.compact import compact_table
from schemas.tables import ARTICLES
from tasks.normalize import article_row
from tasks.records import Article, RunContext, article_id_for
from tasks.write import dataset_files, write_partitioned

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
PUBLISHERS = ["الشرق الأوسط", "إيلاف", "الجزيرة نت", "العربية", None]


def articles(n: int, seed: int = 11) -> list[Article]:
    return list(iter_articles(n, seed))


def iter_articles(n: int, seed: int = 11) -> Iterator[Article]:
    """`articles`, one at a time (a million do not fit in memory as objects)."""
    counts = Counter(w for p in SEEDS.glob("*.txt") for w in p.read_text(encoding="utf-8").split())
    words, weights = zip(*counts.items())
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    for i in range(n):
        paragraphs = [" ".join(rng.choices(words, weights, k=rng.randint(25, 70))) + "."
                      for _ in range(rng.randint(4, 10))]
        yield Article(article_id=article_id_for(f"/bench/{i}", 0), doc_id=f"{i:064x}", source_uri=f"/bench/{i}.txt",
                      position=0, title=" ".join(rng.choices(words, weights, k=rng.randint(6, 12))),
                      paragraphs=paragraphs, publisher=rng.choice(PUBLISHERS),
                      published_raw=(start + timedelta(hours=7 * i)).isoformat(),
                      captions=[{"text": " ".join(rng.choices(words, weights, k=12)) + " (أ.ب)", "credit": "أ.ب"}],
                      tags=list(rng.choices(words, weights, k=3)))


def size(files: list[Path]) -> int:
    return sum(p.stat().st_size for p in files)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    run = RunContext("bench-storage", datetime.now(timezone.utc), "bench")
    rows = [article_row(a, run) for a in articles(n)]
    text_bytes = sum(len(r["title"].encode()) + len(r["body"].encode()) for r in rows)
    with tempfile.TemporaryDirectory() as tmp:
        small, merged = Path(tmp) / "small", Path(tmp) / "merged"
        for i in range(0, n, 100):              # batches of 100, as a run of small batches leaves them
            table = pa.Table.from_pylist(rows[i:i + 100], schema=ARTICLES)
            write_partitioned(table, small, f"part-{i:06d}.parquet")
        compact_table(small, merged, ARTICLES, "part-compact")
        before, after = dataset_files(small), dataset_files(merged)
        print(f"articles {n}, title+body text {text_bytes / n / 1024:.1f} KiB per article (UTF-8)")
        print(f"before compaction: {len(before)} files, {size(before) / n * 1000 / 2**20:.2f} MiB per 1,000 articles")
        print(f"after compaction:  {len(after)} files, {size(after) / n * 1000 / 2**20:.2f} MiB per 1,000 articles"
              f" (display and search forms both stored; zstd)")


if __name__ == "__main__":
    main()
