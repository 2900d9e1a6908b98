"""Ingests a WARC of N synthetic Arabic HTML pages (default 10,000) in this process and
prints time and peak memory (RSS). Figures only; the target is a peak under 500 MB.

    .venv/bin/python -m bench.warc [N]
"""
from __future__ import annotations

import random
import resource
import sys
import tempfile
import time
from collections import Counter
from io import BytesIO
from pathlib import Path

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def page(rng: random.Random, words, weights, n: int) -> bytes:
    title = " ".join(rng.choices(words, weights, k=rng.randint(6, 11)))
    paragraphs = "".join(f"<p>{' '.join(rng.choices(words, weights, k=rng.randint(25, 60)))}.</p>"
                         for _ in range(rng.randint(4, 9)))
    return (f"<!DOCTYPE html><html lang='ar'><head><meta charset='utf-8'><title>{title}</title>"
            f"<meta property='article:published_time' content='2024-{1 + n % 12:02d}-{1 + n % 28:02d}T08:00:00+03:00'>"
            f"</head><body><nav><a href='/'>الرئيسية</a> <a href='/world'>العالم</a></nav><article><h1>{title}</h1>"
            f"{paragraphs}<p>اقرأ أيضا: {title}</p></article><footer>جميع الحقوق محفوظة</footer></body></html>").encode()


def build_warc(path: Path, n: int, seed: int = 5) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    counts = Counter(w for p in SEEDS.glob("*.txt") for w in p.read_text(encoding="utf-8").split())
    words, weights = zip(*counts.items())
    rng = random.Random(seed)
    with open(path, "wb") as f:
        writer = WARCWriter(f, gzip=True)
        for i in range(n):
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(f"https://bench.example/news/{i}", "response",
                                                          payload=BytesIO(page(rng, words, weights, i)),
                                                          http_headers=headers))


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        warc = Path(tmp) / "bench.warc.gz"
        started = time.perf_counter()
        build_warc(warc, n)
        print(f"WARC of {n} HTML records: {warc.stat().st_size / 2**20:.1f} MiB, built in {time.perf_counter() - started:.0f} s")
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        from flows.api_server import prefect_api
        from flows.ingest import ingest

        started = time.perf_counter()
        with prefect_api():           # as `khabar run` does: a temporary server in its own process
            report = ingest(sources=[str(warc)], out=str(Path(tmp) / "data"))
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"ingested: {report['articles']} articles, {report['quarantined']} quarantined, {seconds:.0f} s "
              f"({n / seconds:.0f} docs/s)")
        print("stage seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in report["stage_seconds"].items()))
        print(f"peak RSS of this process: {peak:.0f} MiB (before the run: {before:.0f} MiB)")


if __name__ == "__main__":
    main()
