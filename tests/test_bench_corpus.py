"""The benchmark's corpus (bench/corpus.py) is what the issue asks: deterministic, no two pages
the same, real page structure that khabar turns into one article each."""
import hashlib

from bench.corpus import build
from tasks.records import InputRef
from tasks.strip import strip_batch
from tasks.extract import extract_batch


def test_the_corpus_is_deterministic_distinct_and_gives_one_article_per_page(tmp_path):
    html, text = build(tmp_path / "a", 30)
    again, _ = build(tmp_path / "b", 30)
    pages = sorted(html.iterdir()) + sorted(text.iterdir())
    digests = [hashlib.sha256(p.read_bytes()).hexdigest() for p in pages]
    assert len(set(digests)) == 60
    assert [p.read_bytes() for p in sorted(again.iterdir())] == [p.read_bytes() for p in sorted(html.iterdir())]
    refs = [InputRef(str(p), d, p.stat().st_size) for p, d in zip(pages, digests)]
    extracted = extract_batch(refs)
    assert not extracted.rejections
    stripped = strip_batch(extracted.output)
    assert len(stripped.output) == 60 and not stripped.rejections
    assert all("جميع الحقوق" not in "\n".join(a.paragraphs) and "TT" not in a.paragraphs for a in stripped.output)
