"""End-to-end throughput (issue "Performance"): builds a deterministic corpus of N HTML pages and
N text dumps (default 10,000 each) from the seeds' Arabic vocabulary in several page templates,
no two pages identical, then prints in one table:

- trafilatura `bare_extraction(with_metadata=True)` alone on the HTML pages (docs/s);
- khabar end to end on the same pages (docs/s) and the ratio of the two;
- khabar end to end on the text dumps (docs/s, per core);
- the same two runs on a local Dask cluster of 2 workers (`--workers 2`), and the speed-up;
- seconds per stage, Prefect's share (run time not spent in any stage), peak RSS.

    .venv/bin/python -m bench.pipeline [N [WORKERS]]

Figures, not tests: the machine's load moves them (the load average is printed with them)."""
from __future__ import annotations

import os
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

MONTHS = ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"]
OUTLETS = [("سكاي نيوز عربية", "skynewsarabia.example"), ("الجزيرة نت", "aljazeera.example"),
           ("العربية", "alarabiya.example"), ("الشرق الأوسط", "aawsat.example")]
NAV = ["الرئيسية", "أخبار", "سياسة", "اقتصاد", "رياضة", "ثقافة", "تكنولوجيا"]


class Vocabulary:
    def __init__(self, seed: int):
        counts = Counter(w for p in SEEDS.glob("*.txt") for w in p.read_text(encoding="utf-8").split()
                         if any("\u0621" <= c <= "\u064a" for c in w))
        self.words, self.weights = zip(*counts.items())
        self.rng = random.Random(seed)

    def sentence(self, low: int, high: int) -> str:
        return " ".join(self.rng.choices(self.words, self.weights, k=self.rng.randint(low, high)))


def html_page(v: Vocabulary, n: int) -> str:
    rng = v.rng
    outlet, host = OUTLETS[n % len(OUTLETS)]
    title = f"{v.sentence(6, 11)} {n}"
    paragraphs = [f"{v.sentence(25, 60)}." for _ in range(rng.randint(4, 9))]
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    related = "".join(f"<li><a href='/news/{n}-{i}'>{v.sentence(5, 9)}</a></li>" for i in range(4))
    layout = n % 3
    if layout == 0:
        main = f"<article><h1>{title}</h1><figure><img src='/i/{n}.jpg'><figcaption>{v.sentence(4, 8)} (أرشيفية)</figcaption></figure>{body}<p>اقرأ أيضا: {v.sentence(5, 9)}</p></article>"
    elif layout == 1:
        main = f"<main><div class='story'><h1 class='headline'>{title}</h1><div class='byline'>كتب- {v.sentence(2, 3)}</div><div class='story-body'>{body}</div></div></main>"
    else:
        main = f"<div id='content'><h2>{title}</h2><span class='date'>{1 + n % 28} {MONTHS[n % 12]} 2024</span>{body}<div class='tags'>الوسوم: {v.sentence(3, 5)}</div></div>"
    return (f"<!DOCTYPE html><html lang='ar' dir='rtl'><head><meta charset='utf-8'><title>{title} | {outlet}</title>"
            f"<meta property='og:site_name' content='{outlet}'><meta property='og:url' content='https://{host}/news/{n}'>"
            f"<meta property='article:published_time' content='2024-{1 + n % 12:02d}-{1 + n % 28:02d}T08:00:00+03:00'>"
            f"</head><body><header><nav>{''.join(f'<a href=/{i}>{w}</a> ' for i, w in enumerate(NAV))}</nav></header>"
            f"{main}<aside><h3>مقالات ذات صلة</h3><ul>{related}</ul></aside>"
            f"<footer>جميع الحقوق محفوظة © 2024 {outlet}</footer></body></html>")


def text_dump(v: Vocabulary, n: int) -> str:
    rng = v.rng
    outlet, _ = OUTLETS[n % len(OUTLETS)]
    lines = list(NAV[: rng.randint(3, 7)])
    lines += [f"{v.sentence(6, 11)} {n}", f"{1 + n % 28} {MONTHS[n % 12]} 2024", f"{v.sentence(4, 8)} (أرشيفية)", "TT"]
    lines += [f"{v.sentence(25, 60)}." for _ in range(rng.randint(3, 8))]
    lines += ["اقرأ أيضا", *(v.sentence(5, 9) for _ in range(3))]
    lines += [f"المصدر: {outlet}", f"الوسوم: {v.sentence(3, 5)}", f"جميع الحقوق محفوظة © 2024 {outlet}"]
    return "\n".join(lines) + "\n"


def build(root: Path, n: int) -> tuple[Path, Path]:
    html, text = root / "html", root / "text"
    html.mkdir(parents=True)
    text.mkdir(parents=True)
    v = Vocabulary(seed=9)
    for i in range(n):
        (html / f"{i:06d}.html").write_text(html_page(v, i), encoding="utf-8")
        (text / f"{i:06d}.txt").write_text(text_dump(v, i), encoding="utf-8")
    return html, text


def trafilatura_alone(pages: list[Path]) -> float:
    from trafilatura import bare_extraction

    started = time.perf_counter()
    for page in pages:
        bare_extraction(page.read_text(encoding="utf-8"), with_metadata=True)
    return len(pages) / (time.perf_counter() - started)


def khabar(source: Path, out: Path, workers: int = 1) -> dict:
    from flows.api_server import prefect_api
    from flows.ingest import ingest

    with prefect_api():
        started = time.perf_counter()
        report = ingest(sources=[str(source)], out=str(out), workers=workers)
        report["wall"] = time.perf_counter() - started
    return report


def prefect_share(run: dict) -> str:
    """Run time not spent inside a stage (in one process; with workers, stages overlap)."""
    rest = run["wall"] - sum(run["stage_seconds"].values())
    return f"Prefect and the rest {rest:.1f} s ({100 * rest / run['wall']:.0f} %)"


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        html, text = build(Path(tmp), n)
        print(f"corpus: {n} HTML pages + {n} text dumps, built in {time.perf_counter() - started:.0f} s")
        alone = trafilatura_alone(sorted(html.iterdir()))
        runs = {(kind, w): khabar(source, Path(tmp) / f"out-{kind}-{w}", w)
                for w in (1, workers) for kind, source in (("HTML", html), ("text", text))}
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load = os.getloadavg()
    rate = {key: n / run["wall"] for key, run in runs.items()}
    rows = [("trafilatura alone, HTML", f"{alone:.0f} docs/s", "one process")]
    for (kind, w), run in runs.items():
        where = "one process" if w == 1 else f"{w} Dask workers"
        rows.append((f"khabar end to end, {kind}, {where}", f"{rate[kind, w]:.0f} docs/s",
                     f"{run['articles']} articles, {run['wall']:.0f} s" + (f"; {prefect_share(run)}" if w == 1 else "")))
    for w in (1, workers):
        rows.append((f"HTML: khabar / trafilatura, {'one process' if w == 1 else f'{w} workers'}",
                     f"{rate['HTML', w] / alone:.2f}", "target ≥ 0.90"))
    for w in (1, workers):
        rows.append((f"text dumps per core, {'one process' if w == 1 else f'{w} workers'}",
                     f"{rate['text', w] / w:.0f} docs/s", "target ≥ 300"))
    for kind in ("HTML", "text"):
        rows.append((f"{workers} workers / one process, {kind}", f"{rate[kind, workers] / rate[kind, 1]:.2f} ×",
                     "target ≥ 1.7"))
    rows.append(("peak RSS of the run process", f"{peak:.0f} MiB", "target < 1 GB"))
    width = max(len(r[0]) for r in rows)
    print(f"\nmachine: {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    for label, value, note in rows:
        print(f"{label:<{width}}  {value:>14}  {note}")
    for (kind, w), run in runs.items():
        print(f"stage seconds, {kind}, {w} worker{'s' if w > 1 else ''}: "
              + ", ".join(f"{k} {v:.1f}" for k, v in run["stage_seconds"].items()))


if __name__ == "__main__":
    main()
