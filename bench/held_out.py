"""The dev-set scorer's summary restricted to the held-out half of the by-domain split the
models were trained with (bench/train_content.is_held_out): what khabar does on outlets its
models never saw.

    python ../shared/devset/score.py ARTICLES --kind KIND --json > scores.json
    python -m bench.held_out scores.json [--devset ../shared/devset]"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from bench.train_content import ROOT, is_held_out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scores", type=Path)
    parser.add_argument("--devset", type=Path, default=ROOT.parent / "shared" / "devset")
    args = parser.parse_args()
    scores = json.loads(args.scores.read_text(encoding="utf-8"))
    gold = {p.name: json.loads((p / "gold.json").read_text(encoding="utf-8"))
            for p in (args.devset / "pages").iterdir()}
    pages = [p for p in scores["pages"] if is_held_out(gold[p["id"]]["domain"])]
    nonarticle = [p for p in scores["nonarticle"] if is_held_out(gold[p["id"]]["domain"])]
    f1 = sorted(p["f1"] for p in pages)
    p10 = f1[0] + 0.0 if len(f1) < 2 else _percentile(f1, 0.1)
    titled = [p for p in pages if gold[p["id"]].get("title")]
    print(f"held-out half ({args.scores.name}): pages={len(pages)} pages_with_rows={sum(p['rows'] > 0 for p in pages)} "
          f"mean_F1={sum(f1) / len(f1):.4f} median_F1={f1[len(f1) // 2]:.4f} p10_F1={p10:.4f} "
          f"titles_exact={sum(bool(p.get('title_exact')) for p in titled)}/{len(titled)} "
          f"nonarticle_with_rows={sum(p['rows'] > 0 for p in nonarticle)}/{len(nonarticle)}")


def _percentile(xs: list[float], q: float) -> float:
    """As the dev set's scorer computes it (linear between the two nearest ranks)."""
    k = (len(xs) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


if __name__ == "__main__":
    main()
