"""What a run costs as the dataset grows (issue "Scale"): a dataset of N articles is built
through the write path, then `khabar run` ingests the same new inputs into it and into an
empty dataset, and the two runs are compared.

    .venv/bin/python -m bench.growth [N] [--new 1000] [--keep DIR]

The dataset: N articles (bench/storage.articles: the seeds' word statistics), published over 24
months by five publishers, every 20th a syndicated near-copy of an earlier one by another
outlet (a few words changed), written in batches of 10,000 as runs write them (fingerprint,
dedup against everything before, write_batch into a staging version, one commit with its
dedup index). The new inputs: `--new` text dumps (bench/corpus.text_dump), 5 % of them
near-copies of old articles and 5 % edits of inputs the dataset already holds (their rows
point at the files, which now have other bytes).

Printed per run: wall time; the run process's peak RSS (the largest of its descendants is
printed too); bytes it read (rchar from /proc/PID/io, sampled until it exits: files, Parquet,
imports); the near-duplicates it marked. The difference between the two runs is what the
past costs a run."""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pyarrow as pa

from bench.corpus import Vocabulary, text_dump
from bench.storage import articles
from schemas.tables import ARTICLES
from tasks.dedup import DedupIndex, dedup_batch, fingerprint_batch
from tasks.normalize import article_row
from tasks.records import Article, RunContext, article_id_for
from tasks.store import Store
from tasks.write import SourcesWritten, write_batch

ROOT = Path(__file__).resolve().parent.parent
BATCH = 10_000
SYNDICATED_EVERY = 20
MONTHS = 24
PUBLISHERS = ["الشرق الأوسط", "إيلاف", "الجزيرة نت", "العربية", "سكاي نيوز عربية"]


def near_copy(article: Article, rng: random.Random, **changes) -> Article:
    """The article as another outlet runs it: the same text, a few words changed."""
    paragraphs = list(article.paragraphs)
    words = paragraphs[0].split()
    for _ in range(3):
        words[rng.randrange(len(words))] = "خاص"
    paragraphs[0] = " ".join(words)
    fields = {f: getattr(article, f) for f in article.__dataclass_fields__}
    return Article(**{**fields, "paragraphs": paragraphs, **changes})


def old_articles(n: int, edited: list[Path]) -> list[Article]:
    """N articles over MONTHS months; the first len(edited) are rows of the files in `edited`."""
    rng = random.Random(5)
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    step = timedelta(days=30 * MONTHS) / max(n, 1)
    out = []
    for i, a in enumerate(articles(n)):
        uri = str(edited[i]) if i < len(edited) else f"/bench/growth/{i}.txt"
        fields = {"article_id": article_id_for(uri, 0), "source_uri": uri, "doc_id": f"{i:064x}",
                  "publisher": PUBLISHERS[i % len(PUBLISHERS)], "published_raw": (start + step * i).isoformat()}
        if i and i % SYNDICATED_EVERY == 0:
            out.append(near_copy(out[rng.randrange(i)], rng, **fields))
        else:
            out.append(Article(**{**{f: getattr(a, f) for f in a.__dataclass_fields__}, **fields}))
    return out


def build_dataset(out: Path, n: int, edited: list[Path]) -> float:
    """N articles into `out` as runs of BATCH-article batches would write them; seconds taken."""
    started = time.perf_counter()
    run = RunContext("bench-growth", datetime.now(timezone.utc), "bench")
    with Store(out) as store:
        staging = store.begin(run.label)
        index = DedupIndex.load(staging.index_dir)
        written = SourcesWritten.of(staging.path)
        past = old_articles(n, edited)
        for batch_no, first in enumerate(range(0, n, BATCH)):
            rows = [article_row(a, run) for a in past[first:first + BATCH]]
            table = pa.Table.from_pylist(rows, schema=ARTICLES)
            marked = dedup_batch(index, *fingerprint_batch(table).items).items[0]
            write_batch(marked, [], staging.path, run, batch_no, written)
        index.save(staging.index_dir)
        store.commit(staging)
    return time.perf_counter() - started


def new_inputs(root: Path, count: int, old: list[Article]) -> list[Path]:
    """`count` text dumps; 5 % near-copies of old articles; returns the paths of the 5 % that
    are edits of inputs the dataset holds (written later, once the dataset points at them)."""
    root.mkdir(parents=True, exist_ok=True)
    v = Vocabulary(seed=21)
    rng = random.Random(7)
    share = max(1, count // 20)
    for i in range(count - 2 * share):
        (root / f"new-{i:05d}.txt").write_text(text_dump(v, 100_000 + i), encoding="utf-8")
    for i in range(share):
        copy = near_copy(old[rng.randrange(len(old))], rng)
        (root / f"copy-{i:05d}.txt").write_text(f"{copy.title}\n\n" + "\n\n".join(copy.paragraphs), encoding="utf-8")
    return [root / f"edit-{i:05d}.txt" for i in range(share)]


def khabar_run(inputs: Path, out: Path) -> dict:
    """`khabar run` in a process of its own: the report, wall time, peak RSS, bytes read."""
    env = {**os.environ, "PREFECT_HOME": str(out.parent / "prefect-home")}
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "flows.cli", "-q", "run", str(inputs), "--out", str(out),
                                "--json"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True)
    read, peak = 0, 0
    while process.poll() is None:
        try:
            io = dict(line.split(": ") for line in Path(f"/proc/{process.pid}/io").read_text().splitlines())
            read = int(io["rchar"])
            status = Path(f"/proc/{process.pid}/status").read_text()
            peak = max(peak, int(next(ln.split()[1] for ln in status.splitlines() if ln.startswith("VmHWM"))))
        except (OSError, StopIteration, KeyError, ValueError):
            pass
        time.sleep(0.1)
    stdout = process.stdout.read() if process.stdout else ""
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"khabar run into {out} failed (exit {process.returncode})")
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"report": json.loads(stdout), "wall": wall, "peak_mib": peak / 1024, "read_mib": read / 2**20,
            "largest_child_mib": max(children, before) / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--new", type=int, default=1000)
    parser.add_argument("--keep", type=Path, help="build here and keep it (default: a temporary directory)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        inputs = root / "new"
        edited = [inputs / f"edit-{i:05d}.txt" for i in range(max(1, args.new // 20))]
        old = old_articles(min(args.n, 2000), edited)          # what the copies are made from
        edited = new_inputs(inputs, args.new, old)
        seconds = build_dataset(root / "big", args.n, edited)
        files = sorted((root / "big" / "articles").rglob("*.parquet"))
        size = sum(f.stat().st_size for f in files) + sum(f.stat().st_size for f in (root / "big").rglob("index/*"))
        print(f"dataset: {args.n} articles in {seconds:.0f} s, {len(files)} files, {size / 2**20:.0f} MiB "
              f"(articles and dedup index)")
        rng = random.Random(3)
        for path in edited:                                      # the dataset's rows point here: edit them
            a = old[rng.randrange(len(old))]
            path.write_text(f"{a.title}\n\n" + "\n\n".join(a.paragraphs) + "\n\nتحديث: أضيفت هذه الفقرة لاحقا.",
                            encoding="utf-8")
        runs = {"empty dataset": khabar_run(inputs, root / "empty"), f"{args.n:,} articles": khabar_run(inputs, root / "big")}
    width = max(len(k) for k in runs)
    print(f"\nincremental run of {args.new} new text dumps ({len(edited)} edits of ingested inputs, "
          f"{len(edited)} near-copies of old articles), 2 cores, load {os.getloadavg()[0]:.2f}:")
    for name, r in runs.items():
        rep = r["report"]
        print(f"  into {name:<{width}}  {r['wall']:6.1f} s wall, peak RSS {r['peak_mib']:5.0f} MiB, read "
              f"{r['read_mib']:6.0f} MiB, articles {rep['articles']}, near-duplicates {rep['duplicates']}, "
              f"rows replaced {rep['replaced_rows']}")


if __name__ == "__main__":
    main()
