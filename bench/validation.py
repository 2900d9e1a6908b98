"""Prints how long Great Expectations validation takes on N article rows (default 10,000),
apart from its one-off import. Figures only, no pass/fail: machines here are noisy.

    .venv/bin/python -m bench.validation [N]
"""
from __future__ import annotations

import random
import sys
import time
from datetime import datetime, timezone

from tasks.normalize import article_row
from tasks.records import Article, RunContext, article_id_for

WORDS = ("قال وزير الخارجية إن المحادثات ستتواصل خلال الأسبوع المقبل في العاصمة بحضور وفود من عدة "
         "دول عربية وأجنبية وأكد المتحدث أن الحكومة تعمل على تحسين الخدمات وتعزيز الاقتصاد").split()


def rows(n: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    run = RunContext("bench", datetime.now(timezone.utc), "bench")
    out = []
    for i in range(n):
        paragraphs = [" ".join(rng.choices(WORDS, k=rng.randint(20, 60))) + "." for _ in range(rng.randint(3, 9))]
        title = " ".join(rng.choices(WORDS, k=rng.randint(5, 12)))
        out.append(article_row(Article(article_id=article_id_for(f"/bench/{i}", 0), doc_id=f"{i:064x}",
                                       source_uri=f"/bench/{i}.txt", position=0, title=title,
                                       paragraphs=paragraphs), run))
    return out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    batch = 500
    data = rows(n)
    started = time.perf_counter()
    import great_expectations  # noqa: F401
    imported = time.perf_counter()
    from tasks.validate import validate_rows
    validate_rows(data[:10], "bench-warmup")
    warmed = time.perf_counter()
    for i in range(0, n, batch):
        validate_rows(data[i:i + batch], f"bench-batch-{i // batch}")
    done = time.perf_counter()
    one = time.perf_counter()
    validate_rows(data, "bench-one-batch")
    whole = time.perf_counter() - one
    print(f"rows {n}")
    print(f"great_expectations import      {imported - started:7.2f} s (once per run)")
    print(f"context and suite set-up       {warmed - imported:7.2f} s (once per run)")
    print(f"validation in batches of {batch}  {done - warmed:7.2f} s  ({n / (done - warmed):,.0f} rows/s)")
    print(f"validation as one batch        {whole:7.2f} s  ({n / whole:,.0f} rows/s)")


if __name__ == "__main__":
    main()
