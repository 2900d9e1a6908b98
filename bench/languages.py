"""Accuracy and speed of the language identifier (tasks/language.py) on the labelled passages
of tests/data/languages.yaml: per language and length, the share given their own code and the
share labelled Arabic, then the time per identification.

    python -m bench.languages"""
from __future__ import annotations

import time
from pathlib import Path

import yaml

from tasks.language import identify

PASSAGES = Path(__file__).resolve().parent.parent / "tests" / "data" / "languages.yaml"
REPEATS = 200


def main() -> None:
    passages = yaml.safe_load(PASSAGES.read_text(encoding="utf-8"))
    print(f"{'language':<9}{'length':<7}{'own code':>9}{'as ar':>7}  codes given")
    texts = []
    for language, parts in passages.items():
        for kind, items in parts.items():
            codes = [identify(t)[0] for t in items]
            texts += items
            print(f"{language:<9}{kind:<7}{sum(c == language for c in codes):>6}/{len(codes)}"
                  f"{sum(c == 'ar' for c in codes):>5}/{len(codes)}  {' '.join(codes)}")
    started = time.perf_counter()
    for _ in range(REPEATS):
        for t in texts:
            identify(t)
    per_call = (time.perf_counter() - started) / (REPEATS * len(texts))
    print(f"{per_call * 1e6:.0f} µs per identification ({len(texts)} passages × {REPEATS})")


if __name__ == "__main__":
    main()
