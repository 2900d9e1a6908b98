"""Trains the models of tasks/content.py (paragraphs, titles, listing dumps) on the dev set's
text dumps, and the listing model of tasks/html_layout.py on its HTML pages.

    python -m bench.train_content [--devset ../shared/devset] [--out schemas/models/content.txt]

The dev set's article pages are split by domain (sha256 of the domain, even → train, odd →
held out), so no outlet is on both sides. Each page's browser dump and hard-wrapped dump are
re-joined into paragraphs (tasks/paragraphs.py); a paragraph is labelled main text when most
of its word trigrams (words as the dev set's scorer reads them) occur in the gold text. The
model is trained on the train half only, and its paragraph accuracy on the held-out half is
printed; page-level figures come from running khabar and ../shared/devset/score.py on the
held-out pages (`--held-out-list FILE` writes their ids).

Deterministic: one thread, fixed seeds, LightGBM's deterministic mode."""
from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np

from tasks.content import (FEATURE_NAMES, LISTING_FEATURE_NAMES, LISTING_MODEL_FILE, LISTING_THRESHOLD, MODEL_FILE,
                           TITLE_FEATURE_NAMES, TITLE_MODEL_FILE, _model, features, title_features)
from tasks.extract import ExtractError, decode, extract, html_page, text_lines
from tasks.html_layout import HTML_LAYOUT_FEATURE_NAMES, HTML_LAYOUT_MONOTONE, HTML_LISTING_MODEL_FILE, HTML_LISTING_THRESHOLD
from tasks.records import InputRef, sha256_hex
from tasks.profiles import load_rulebook
from tasks.segment import TITLE_MIN_PROBABILITY, body_start, main_article, title_candidates
from tasks.strip import labelled_lines, listing_row, page_profile, strip_page
from tasks.language import identify, stopwords
from tasks.paragraphs import rejoin

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("dump.txt", "dump_wrapped.txt")
# Share of a paragraph's trigrams found in the gold text from which it is main text.
LABEL_MIN_SHARE = 0.5
PARAMS = {
    "objective": "binary", "learning_rate": 0.05, "num_leaves": 31, "min_data_in_leaf": 40,
    "feature_fraction": 0.9, "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 1.0,
    "seed": 7, "deterministic": True, "force_row_wise": True, "num_threads": 1, "verbose": -1,
}
ROUNDS = 300
TITLE_PARAMS = {**PARAMS, "num_leaves": 15, "min_data_in_leaf": 20}
TITLE_ROUNDS = 200
# Few listing pages to learn from: shallow trees.
LISTING_PARAMS = {**PARAMS, "num_leaves": 4, "min_data_in_leaf": 10}
LISTING_ROUNDS = 150
# The HTML listing model: monotone constraints hold it to what is known, so it may split finer.
HTML_LISTING_PARAMS = {"num_leaves": 8, "min_data_in_leaf": 5}


def _scorer(devset: Path):
    spec = importlib.util.spec_from_file_location("devset_score", devset / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def is_held_out(domain: str) -> bool:
    return hashlib.sha256(domain.encode()).digest()[0] % 2 == 1


def _ngrams(tokens: list[str], n: int) -> set[tuple]:
    return {tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)}


def labels(paragraphs: list[str], gold: str, words) -> list[int]:
    gold_tokens = words(gold)
    grams = {n: _ngrams(gold_tokens, n) for n in (1, 2, 3)}
    out = []
    for text in paragraphs:
        tokens = words(text)
        n = min(3, len(tokens))
        if n == 0:
            out.append(0)
            continue
        own = [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
        share = sum(1 for g in own if g in grams[n]) / len(own)
        out.append(1 if share >= LABEL_MIN_SHARE else 0)
    return out


def page_rows(path: Path, gold: str, words) -> tuple[np.ndarray, list[int], list[str]]:
    lines = text_lines(path.read_text(encoding="utf-8"))
    texts = [p.text for p in rejoin(lines) if p.text]
    lang, _ = identify(" ".join(t for t in texts if len(t.split()) >= 8) or " ".join(texts))
    return features(texts, stopwords(lang)), labels(texts, gold, words), texts


def sample_weights(x: np.ndarray) -> np.ndarray:
    """Pages are scored by words: a long paragraph weighs more than a one-word menu item."""
    return 1.0 + np.sqrt(np.expm1(x[:, FEATURE_NAMES.index("log_words")]))


def load(devset: Path):
    scorer = _scorer(devset)
    train_x, train_y, test_x, test_y, held_out, test_pages = [], [], [], [], [], []
    for page in sorted((devset / "pages").iterdir()):
        gold = json.loads((page / "gold.json").read_text(encoding="utf-8"))
        if gold["page_type"] != "article":
            continue
        test = is_held_out(gold["domain"])
        if test:
            held_out.append(page.name)
        for kind in KINDS:
            x, y, texts = page_rows(page / kind, gold["text"], scorer.words)
            (test_x if test else train_x).append(x)
            (test_y if test else train_y).extend(y)
            if test:
                test_pages.append((kind, x, texts, scorer.load_gold_one(gold)))
    return (np.vstack(train_x), np.array(train_y), np.vstack(test_x), np.array(test_y), held_out, test_pages,
            scorer)


def page_f1(booster, test_pages, scorer, threshold: float = 0.5) -> dict[str, tuple[float, float]]:
    """Mean and 10th percentile of the word F1 of each held-out page's kept paragraphs."""
    f1s: dict[str, list[float]] = {}
    for kind, x, texts, gold in test_pages:
        keep = booster.predict(x, num_threads=1) >= threshold if len(texts) else []
        body = "\n\n".join(t for t, k in zip(texts, keep) if k)
        f1s.setdefault(kind, []).append(scorer.prf(body, gold)[2])
    return {k: (float(np.mean(v)), float(np.percentile(v, 10))) for k, v in f1s.items()}


def title_rows(path: Path, gold_title: str | None, words):
    """The title candidates of a page as khabar's strip stage sees them, and their labels."""
    data = path.read_bytes()
    page = extract(InputRef(str(path), sha256_hex(data), len(data)), data)
    book = load_rulebook()
    lines = labelled_lines(page, book, page_profile(page, book))
    units, main = main_article(lines)
    if main is None:
        return None
    first, lead = body_start(units[main])
    start = next(i for i, ln in enumerate(lines) if ln is first)
    candidates = title_candidates(lines, start, lead)
    if not candidates:
        return None
    x = title_features([ln.text for ln in lines], candidates, start, [ln.score for ln in lines], lead)
    gold_words = words(gold_title) if gold_title else None
    y = [1 if gold_words and words(lines[i].text) == gold_words else 0 for i in candidates]
    return x, y


def train_titles(devset: Path, scorer, out: Path) -> None:
    import lightgbm

    _model.cache_clear()            # strip scores paragraphs with the model just written
    train_x, train_y, tests = [], [], []
    for page in sorted((devset / "pages").iterdir()):
        gold = json.loads((page / "gold.json").read_text(encoding="utf-8"))
        if gold["page_type"] != "article" or not gold.get("title"):
            continue
        for kind in KINDS:
            rows = title_rows(page / kind, gold["title"], scorer.words)
            if is_held_out(gold["domain"]):
                tests.append((kind, rows))
            elif rows is not None:
                train_x.append(rows[0])
                train_y.extend(rows[1])
    x, y = np.vstack(train_x), np.array(train_y)
    booster = lightgbm.train(TITLE_PARAMS, lightgbm.Dataset(x, y, feature_name=list(TITLE_FEATURE_NAMES)),
                             num_boost_round=TITLE_ROUNDS)
    for kind in KINDS:
        pages = [rows for k, rows in tests if k == kind]
        right = 0
        for rows in pages:
            if rows is None:
                continue
            p = booster.predict(rows[0], num_threads=1)
            best = int(np.argmax(p))
            right += int(p[best] >= TITLE_MIN_PROBABILITY and rows[1][best] == 1)
        reachable = sum(1 for rows in pages if rows is not None and any(rows[1]))
        print(f"held-out titles, {kind}: {right}/{len(pages)} right ({reachable} pages had the title among "
              f"the candidates); candidates in training {len(y)}, {int(y.sum())} titles", file=sys.stderr)
    booster.save_model(str(out))


def train_listing(devset: Path, out: Path) -> None:
    """The page-level listing model: article pages against listing and collection pages."""
    import lightgbm

    _model.cache_clear()
    book = load_rulebook()
    data = {False: ([], []), True: ([], [])}
    for page_dir in sorted((devset / "pages").iterdir()):
        gold = json.loads((page_dir / "gold.json").read_text(encoding="utf-8"))
        for kind in KINDS:
            raw = (page_dir / kind).read_bytes()
            page = extract(InputRef(str(page_dir / kind), sha256_hex(raw), len(raw)), raw)
            stripped = strip_page(page, book, detect_listing=False)
            if not stripped.articles:
                continue
            xs, ys = data[is_held_out(gold["domain"])]
            xs.append(listing_row(stripped.lines))
            ys.append(0 if gold["page_type"] == "article" else 1)
    x, y = np.vstack(data[False][0]), np.array(data[False][1])
    booster = lightgbm.train(LISTING_PARAMS, lightgbm.Dataset(x, y, feature_name=list(LISTING_FEATURE_NAMES)),
                             num_boost_round=LISTING_ROUNDS)
    _report_listing(booster, np.vstack(data[True][0]), np.array(data[True][1]), LISTING_THRESHOLD, "dumps", y)
    booster.save_model(str(out))


def train_html_listing(devset: Path, out: Path) -> None:
    """The listing model of HTML pages, on what their markup says (tasks/html_layout)."""
    import gzip

    import lightgbm

    data = {False: ([], []), True: ([], [])}
    for page_dir in sorted((devset / "pages").iterdir()):
        gold = json.loads((page_dir / "gold.json").read_text(encoding="utf-8"))
        raw = gzip.decompress((page_dir / "page.html.gz").read_bytes())
        try:
            page = html_page(InputRef(str(page_dir / "page.html"), sha256_hex(raw), len(raw)), *decode(raw),
                             read_layout=True)
        except ExtractError:
            continue
        xs, ys = data[is_held_out(gold["domain"])]
        xs.append(page.layout)
        ys.append(0 if gold["page_type"] == "article" else 1)
    x, y = np.array(data[False][0], dtype=np.float32), np.array(data[False][1])
    params = {**LISTING_PARAMS, **HTML_LISTING_PARAMS,
              "monotone_constraints": [HTML_LAYOUT_MONOTONE.get(n, 0) for n in HTML_LAYOUT_FEATURE_NAMES]}
    booster = lightgbm.train(params, lightgbm.Dataset(x, y, feature_name=list(HTML_LAYOUT_FEATURE_NAMES)),
                             num_boost_round=LISTING_ROUNDS)
    _report_listing(booster, np.array(data[True][0], dtype=np.float32), np.array(data[True][1]),
                    HTML_LISTING_THRESHOLD, "HTML pages", y)
    booster.save_model(str(out))


def _report_listing(booster, tx: np.ndarray, ty: np.ndarray, chosen: float, what: str, y: np.ndarray) -> None:
    probability = booster.predict(tx, num_threads=1)
    for threshold in (0.3, 0.5, 0.7, 0.8, 0.9):
        flagged = probability >= threshold
        print(f"  threshold {threshold}: listing {int((flagged & (ty == 1)).sum())}/{int(ty.sum())}, "
              f"article {int((flagged & (ty == 0)).sum())}/{int((ty == 0).sum())}", file=sys.stderr)
    flagged = probability >= chosen
    print(f"held-out listing {what} flagged {int((flagged & (ty == 1)).sum())}/{int(ty.sum())}, "
          f"article {what} flagged {int((flagged & (ty == 0)).sum())}/{int((ty == 0).sum())} "
          f"(training: {int(y.sum())} listing, {int((y == 0).sum())} article {what})", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devset", type=Path, default=ROOT.parent / "shared" / "devset")
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    parser.add_argument("--held-out-list", type=Path, help="write the held-out page ids here, one a line")
    args = parser.parse_args()
    import lightgbm

    train_x, train_y, test_x, test_y, held_out, test_pages, scorer = load(args.devset)
    print(f"paragraphs: train {len(train_y)} ({train_y.mean():.2f} main text), "
          f"held out {len(test_y)} ({test_y.mean():.2f}); held-out pages {len(held_out)}", file=sys.stderr)
    booster = lightgbm.train(PARAMS, lightgbm.Dataset(train_x, train_y, weight=sample_weights(train_x),
                                                     feature_name=list(FEATURE_NAMES)),
                             num_boost_round=ROUNDS)
    predicted = booster.predict(test_x, num_threads=1) >= 0.5
    accuracy = float((predicted == test_y.astype(bool)).mean())
    print(f"held-out paragraph accuracy {accuracy:.4f} (all main text: {test_y.mean():.4f})", file=sys.stderr)
    for kind, (mean, p10) in page_f1(booster, test_pages, scorer).items():
        print(f"held-out pages, {kind}: body F1 mean {mean:.4f} p10 {p10:.4f} (no title, one article)", file=sys.stderr)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    booster.save_model(str(args.out))
    train_titles(args.devset, scorer, args.out.parent / TITLE_MODEL_FILE.name)
    train_listing(args.devset, args.out.parent / LISTING_MODEL_FILE.name)
    train_html_listing(args.devset, args.out.parent / HTML_LISTING_MODEL_FILE.name)
    if args.held_out_list:
        args.held_out_list.write_text("\n".join(held_out) + "\n", encoding="utf-8")
    gain = booster.feature_importance("gain")
    for name, g in sorted(zip(FEATURE_NAMES, gain), key=lambda x: -x[1])[:12]:
        print(f"  {name:<26} {g / gain.sum():.3f}", file=sys.stderr)


if __name__ == "__main__":
    main()
