"""Language identification: Arabic-script languages that are not Arabic are never labelled
Arabic, on passages written for it (tests/data/languages.yaml) and on real pages."""
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

from tasks.language import identify, stopwords
from tasks.normalize import normalize_batch
from tasks.records import Article, RunContext

PASSAGES = yaml.safe_load((Path(__file__).parent / "data" / "languages.yaml").read_text(encoding="utf-8"))
RUN = RunContext("r", datetime(2026, 1, 1, tzinfo=timezone.utc), "t")


def cases():
    for language, parts in PASSAGES.items():
        for kind, texts in parts.items():
            for n, text in enumerate(texts):
                yield pytest.param(language, text, id=f"{language}-{kind}-{n}")


@pytest.mark.parametrize("language, text", list(cases()))
def test_arabic_is_arabic_and_no_other_language_is(language, text):
    found, _ = identify(text)
    assert (found == "ar") == (language == "ar"), found


def test_most_passages_get_their_own_code():
    results = [identify(text)[0] == language for language, parts in PASSAGES.items()
               for texts in parts.values() for text in texts]
    assert sum(results) >= 0.85 * len(results)


def test_every_seed_page_is_arabic():
    from tests.conftest import SEEDS
    from tasks.extract import extract
    from tasks.records import InputRef
    from tasks.strip import strip_page

    for path in sorted(SEEDS.glob("*.txt")):
        data = path.read_bytes()
        articles = strip_page(extract(InputRef(str(path), "d" * 64, len(data)), data)).articles
        rows = normalize_batch(articles, RUN).output
        assert rows and all(row["language"] == "ar" for row in rows), path.name


@pytest.mark.parametrize("language", ["fa", "ur"])
def test_persian_and_urdu_pages_are_quarantined_as_not_arabic_with_their_code(language):
    parts = PASSAGES[language]
    article = Article(article_id="a" * 32, doc_id="d" * 64, source_uri=f"/{language}.txt", position=0,
                      title=parts["short"][0], paragraphs=parts["long"])
    kept = normalize_batch([article], RUN, non_arabic="keep")
    assert kept.output[0]["language"] == language and kept.output[0]["arabic_ratio"] > 0.9
    quarantined = normalize_batch([article], RUN, non_arabic="quarantine")
    assert quarantined.output == []
    (rejection,) = quarantined.rejections
    assert rejection.reason == "not_arabic" and f"language {language}" in rejection.detail


def test_stopwords_come_from_jusText_for_the_code_and_are_empty_without_a_list():
    assert "في" in stopwords("ar") and "the" in stopwords("en")
    assert stopwords("ckb") == frozenset()
