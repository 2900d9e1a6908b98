"""What a run costs as the dataset grows (issue "Scale"): a dataset of N articles is built
through the write path, then `khabar run` ingests the same new inputs into it and into an
empty dataset, and the two runs are compared; then `khabar compact` merges the big one.

    .venv/bin/python -m bench.growth [N] [--new 1000] [--keep DIR] [--no-compact]

The dataset: N articles (bench/storage: the seeds' word statistics), published over the 24
months up to yesterday by five publishers, every 20th a syndicated near-copy of one of the
last 2,000 articles by another outlet (a few words changed), written in batches of 10,000 as
runs write them (fingerprint, dedup, write_batch with the manifest, the batch's dedup index
files, one commit). The new inputs: `--new` text dumps (bench/corpus.text_dump, dated today
as a run's new articles are), 5 % of them
near-copies of articles of the last days of the dataset (inside the duplicate window) and 5 %
edits of inputs the dataset already holds (their rows point at the files, which now have
other bytes).

Printed per run: wall time; the run process's peak RSS; bytes it read (rchar from
/proc/PID/io, sampled until it exits: files, Parquet, imports — the difference between the
two runs is what the past costs); the near-duplicates it marked. For compact: wall time and
peak RSS.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pyarrow as pa

from bench.corpus import MONTHS as MONTH_NAMES, Vocabulary, text_dump
from bench.storage import iter_articles
from schemas.tables import ARTICLES
from tasks.dedup import DedupIndex, dedup_batch, fingerprint_batch
from tasks.normalize import article_row
from tasks.records import Article, RunContext, article_id_for
from tasks.store import Store
from tasks.manifest import Manifest
from tasks.write import part_name, write_batch

ROOT = Path(__file__).resolve().parent.parent
BATCH = 10_000
SYNDICATED_EVERY = 20
RECENT = 2000
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


def old_articles(n: int, edited: list[Path], end: datetime) -> Iterator[Article]:
    """N articles over the MONTHS months before `end`; the first len(edited) are rows of the
    files in `edited`."""
    rng = random.Random(5)
    start = end - timedelta(days=30 * MONTHS)
    step = (end - start) / max(n, 1)
    recent: deque[Article] = deque(maxlen=RECENT)
    for i, a in enumerate(iter_articles(n)):
        uri = str(edited[i]) if i < len(edited) else f"/bench/growth/{i}.txt"
        fields = {"article_id": article_id_for(uri, 0), "source_uri": uri, "doc_id": f"{i:064x}",
                  "publisher": PUBLISHERS[i % len(PUBLISHERS)], "published_raw": (start + step * i).isoformat()}
        if i and i % SYNDICATED_EVERY == 0:
            article = near_copy(recent[rng.randrange(len(recent))], rng, **fields)
        else:
            article = Article(**{**{f: getattr(a, f) for f in a.__dataclass_fields__}, **fields})
        recent.append(article)
        yield article


def build_dataset(out: Path, n: int, edited: list[Path], end: datetime) -> tuple[float, list[Article], list[Article]]:
    """N articles into `out` as runs of BATCH-article batches would write them: seconds
    taken, the first len(edited) articles and the last RECENT."""
    started = time.perf_counter()
    run = RunContext("bench-growth", datetime.now(timezone.utc), "bench")
    first: list[Article] = []
    recent: deque[Article] = deque(maxlen=RECENT)
    with Store(out) as store:
        staging = store.begin(run.label)
        index = DedupIndex.open(staging.path)
        manifest = Manifest.open(staging.path)
        past = old_articles(n, edited, end)
        for batch_no in range(0, (n + BATCH - 1) // BATCH):
            batch = list(itertools.islice(past, BATCH))
            first += batch[:len(edited) - len(first)]
            recent.extend(batch)
            table = pa.Table.from_pylist([article_row(a, run) for a in batch], schema=ARTICLES)
            marked = dedup_batch(index, fingerprint_batch(table).output).output.articles
            write_batch(marked, [], staging.path, run, batch_no, manifest)
            index.write_batch(part_name(run, batch_no))
        store.commit(staging)
    return time.perf_counter() - started, first, list(recent)


def new_inputs(root: Path, count: int, recent: list[Article], first: list[Article], edited: list[Path]) -> None:
    """`count` text dumps: 5 % near-copies of articles of the last 14 days, 5 % edits of the inputs in
    `edited` (which the dataset holds as `first`), the rest new."""
    root.mkdir(parents=True, exist_ok=True)
    v = Vocabulary(seed=21)
    rng = random.Random(7)
    share = len(edited)
    today = datetime.now(timezone.utc)
    for i in range(count - 2 * share):
        n = 100_000 + i            # a run's new articles are today's: the dump's date line says so
        dump = text_dump(v, n).replace(f"{1 + n % 28} {MONTH_NAMES[n % 12]} 2024",
                                       f"{today.day} {MONTH_NAMES[today.month - 1]} {today.year}", 1)
        (root / f"new-{i:05d}.txt").write_text(dump, encoding="utf-8")
    cutoff = (datetime.now(timezone.utc) - timedelta(days=14)).isoformat()
    days = [a for a in recent if a.published_raw and a.published_raw >= cutoff] or recent[-100:]
    for i in range(share):
        copy = near_copy(days[rng.randrange(len(days))], rng)
        (root / f"copy-{i:05d}.txt").write_text(f"{copy.title}\n\n" + "\n\n".join(copy.paragraphs), encoding="utf-8")
    for path, a in zip(edited, first):
        path.write_text(f"{a.title}\n\n" + "\n\n".join(a.paragraphs) + "\n\nتحديث: أضيفت هذه الفقرة لاحقا.",
                        encoding="utf-8")


def measured(argv: list[str], out: Path) -> dict:
    """`khabar ARGV` in a process of its own: its stdout, wall time, peak RSS, bytes read."""
    env = {**os.environ, "PREFECT_HOME": str(out.parent / "prefect-home")}
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "flows.cli", "-q", *argv], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
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
    if process.returncode != 0:
        raise SystemExit(f"khabar {' '.join(argv)} failed (exit {process.returncode})")
    return {"stdout": stdout, "wall": time.perf_counter() - started, "peak_mib": peak / 1024, "read_mib": read / 2**20}


def khabar_run(inputs: Path, out: Path) -> dict:
    result = measured(["run", str(inputs), "--out", str(out), "--json"], out)
    return {**result, "report": json.loads(result["stdout"])}


def dataset_bytes(out: Path) -> int:
    return sum(p.stat().st_size for p in (out / "current").resolve().rglob("*.parquet"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--new", type=int, default=1000)
    parser.add_argument("--keep", type=Path, help="build here and keep it; a dataset built there before is "
                        "reused, each measurement on a hard-linked copy (default: a temporary directory)")
    parser.add_argument("--no-compact", action="store_true", help="do not time `khabar compact` at the end")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        inputs = root / "new"
        edited = [inputs / f"edit-{i:05d}.txt" for i in range(max(1, args.new // 20))]
        built, note = root / "built", root / "built.json"
        if note.is_file() and json.loads(note.read_text())["n"] == args.n:
            end = datetime.fromisoformat(json.loads(note.read_text())["end"])
            first, recent = [], deque(maxlen=RECENT)
            for article in old_articles(args.n, edited, end):
                first += [article] if len(first) < len(edited) else []
                recent.append(article)
            recent = list(recent)
            seconds = json.loads(note.read_text())["seconds"]
        else:
            shutil.rmtree(built, ignore_errors=True)
            end = datetime.now(timezone.utc) - timedelta(days=1)
            seconds, first, recent = build_dataset(built, args.n, edited, end)
            note.write_text(json.dumps({"n": args.n, "end": end.isoformat(), "seconds": seconds}))
        for path in (inputs, root / "empty", root / "big"):
            shutil.rmtree(path, ignore_errors=True)
        subprocess.run(["cp", "-al", str(built), str(root / "big")], check=True)   # files are replaced, never changed
        new_inputs(inputs, args.new, recent, first, edited)
        size = dataset_bytes(root / "big")
        files = len(list((root / "big" / "current").resolve().rglob("*.parquet")))
        print(f"dataset: {args.n} articles (built in {seconds:.0f} s), {files} files, {size / 2**20:.0f} MiB "
              f"(articles, quarantine, dedup index, manifest)", flush=True)
        runs = {"empty dataset": khabar_run(inputs, root / "empty"), f"{args.n:,} articles": khabar_run(inputs, root / "big")}
        compacted = None if args.no_compact else measured(["compact", "--out", str(root / "big")], root / "big")
    width = max(len(k) for k in runs)
    print(f"\nincremental run of {args.new} new text dumps ({len(edited)} edits of ingested inputs, "
          f"{len(edited)} near-copies of recent articles), {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}:")
    for name, r in runs.items():
        rep = r["report"]
        print(f"  into {name:<{width}}  {r['wall']:6.1f} s wall, peak RSS {r['peak_mib']:5.0f} MiB, read "
              f"{r['read_mib']:6.0f} MiB, articles {rep['articles']}, near-duplicates {rep['duplicates']}, "
              f"rows replaced {rep['replaced_rows']}")
    empty, big = runs.values()
    extra = big["read_mib"] - empty["read_mib"]
    print(f"  past's cost: wall ×{big['wall'] / empty['wall']:.2f}, read {extra:.0f} MiB more = "
          f"{100 * extra * 2**20 / size:.1f} % of the dataset")
    if compacted is not None:
        print(f"compact: {compacted['wall']:.0f} s wall, peak RSS {compacted['peak_mib']:.0f} MiB; "
              f"{compacted['stdout'].strip()}")


if __name__ == "__main__":
    main()
