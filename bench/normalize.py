"""Prints the speed of the display and search forms on Arabic text, in MB/s of UTF-8 input on
one core. Figures only, no pass/fail (the target is ≥ 50 MB/s for the search form).

    .venv/bin/python -m bench.normalize
"""
from __future__ import annotations

import time
from pathlib import Path

from tasks.arabic import display_form, search_form, search_form_of_display

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def corpus(megabytes: float = 20) -> list[str]:
    """Seed text repeated into paragraphs, ~`megabytes` of UTF-8 in all."""
    paragraphs = [p for path in sorted(SEEDS.glob("*.txt"))
                  for p in path.read_text(encoding="utf-8").split("\n") if p.strip()]
    size = sum(len(p.encode()) for p in paragraphs)
    return paragraphs * max(1, int(megabytes * 1e6 / size))


def speed(fn, texts: list[str], repeat: int = 3) -> float:
    megabytes = sum(len(t.encode()) for t in texts) / 1e6
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for t in texts:
            fn(t)
        best = min(best, time.perf_counter() - started)
    return megabytes / best


def main() -> None:
    texts = corpus()
    print(f"text: {sum(len(t.encode()) for t in texts) / 1e6:.1f} MB of Arabic paragraphs (seeds, repeated)")
    print(f"display form  {speed(display_form, texts):7.1f} MB/s per core")
    print(f"search form   {speed(search_form, texts):7.1f} MB/s per core (from raw text: display form included)")
    joined = ["\n".join(texts[i:i + 50]) for i in range(0, len(texts), 50)]
    print(f"search form   {speed(search_form, joined):7.1f} MB/s per core on whole bodies (50 paragraphs each)")
    displayed = [display_form(t) for t in joined]
    print(f"search form   {speed(search_form_of_display, displayed):7.1f} MB/s per core on bodies in display form"
          " (what normalize does)")


if __name__ == "__main__":
    main()
