"""Arabic text forms: the display form kept in `title`/`body`, and the search form kept in
`*_search` and hashed into `content_hash`. Every mapping is listed here, once.

Display form — what a reader should see, with nothing of meaning lost:
  * Unicode NFC (not NFKC: NFKC would expand ligatures such as ﷺ into a phrase and turn
    Arabic presentation forms into letters; we fold presentation forms explicitly instead)
  * presentation forms (ﻻ ﺍ ﯼ …) folded to letters, except the U+FDF0-FDFF ligatures (ﷺ ﷲ)
  * tatweel (ـ) removed; zero-width, soft hyphen and bidi control characters removed
  * Persian/Urdu/Kurdish letter forms mapped to Arabic: ک ڪ→ك  ی ې ۍ ے→ي  ہ ە ھ→ه  ۀ ۃ→ة  ۓ→ئ
  * quote look-alikes unified („ ‟ 〝→“, 〞→”, ″→", ′ ʼ→'); « » “ ” kept as written
  * every whitespace character a space, runs folded to one, line edges trimmed; lines kept
  * diacritics and Arabic-Indic digits kept
Search form — what matching and counting should compare:
  * the display form, then diacritics (harakat, tanween, shadda, sukun, dagger alef) removed
  * alef variants أ إ آ ٱ → ا; ى → ي; ة → ه; hamza carriers ؤ → و, ئ → ي; lone ء kept
  * Arabic-Indic (٠-٩) and Persian (۰-۹) digits → ASCII 0-9
  * punctuation unified: ، → ,  ؛ → ;  ؟ → ?  ٪ → %  « » “ ” → "  ‘ ’ → '
"""
from __future__ import annotations

import re
import unicodedata

_INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff\u00ad\u061c\u2060"
# Whitespace other than the plain space: each becomes one space, then runs of spaces fold.
_OTHER_SPACES = "\t\r\f\v\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"

DISPLAY_MAP = {
    "ـ": "", **{c: "" for c in _INVISIBLE}, **{c: " " for c in _OTHER_SPACES},
    # Persian / Urdu letter forms → Arabic
    "ک": "ك", "ڪ": "ك", "ی": "ي", "ې": "ي", "ۍ": "ي", "ے": "ي", "ہ": "ه", "ە": "ه", "ھ": "ه",
    "ۀ": "ة", "ۃ": "ة", "ۓ": "ئ",
    # quote look-alikes → the quotes Arabic text uses («» and “” are kept as written)
    "„": "“", "‟": "“", "″": '"', "〝": "“", "〞": "”", "′": "'", "ʼ": "'",
}
SEARCH_LETTERS = {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"}
SEARCH_DIGITS = {**{chr(0x0660 + i): str(i) for i in range(10)}, **{chr(0x06F0 + i): str(i) for i in range(10)}}
SEARCH_PUNCTUATION = {"،": ",", "؛": ";", "؟": "?", "٪": "%", "«": '"', "»": '"', "“": '"', "”": '"',
                      "‘": "'", "’": "'"}
SEARCH_MAP = {**SEARCH_LETTERS, **SEARCH_DIGITS, **SEARCH_PUNCTUATION}
DIACRITICS = "".join(chr(c) for c in [*range(0x0610, 0x061B), *range(0x064B, 0x0660), 0x0670, *range(0x06D6, 0x06DD), *range(0x06DF, 0x06E5), 0x06E7, 0x06E8, *range(0x06EA, 0x06EE)])

# Speed (bench/normalize.py): str.translate runs ~12 MB/s on Arabic text, a chain of
# str.replace guarded by `in` runs hundreds of MB/s, and a regex character class scans at
# ~280 MB/s. So each step first looks for work with one fast scan and does it only if found.
_DISPLAY_CHARS = re.compile("[" + re.escape("".join(DISPLAY_MAP)) + "\ufb50-\ufdef\ufe70-\ufefe]")
_SPACE_RUN = re.compile(" {2,}")
_DIACRITIC_OR_DIGIT = re.compile("[" + DIACRITICS + "\u0660-\u0669\u06f0-\u06f9]")
_PUNCTUATION_ORDER = tuple(SEARCH_PUNCTUATION.items())
_LETTER_ORDER = tuple(SEARCH_LETTERS.items())
# Arabic-script letters, and only letters (the lookahead): a sign such as ۽ is in the
# block but is not a letter, and the ratio must stay within 0..1 (found by fuzzing).
_ARABIC_LETTER = re.compile(r"(?=[^\W\d_])[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff]")
_LATIN_LETTER = re.compile(r"(?=[^\W\d_])[A-Za-z\u00c0-\u024f]")
_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"[\w\u0610-\u061a\u064b-\u065f\u0670]+(?:[-'’][\w]+)*")


def _display_char(m: re.Match) -> str:
    c = m.group()
    mapped = DISPLAY_MAP.get(c)
    if mapped is not None:
        return mapped
    # Presentation forms (ﻻ, ﺍ…) are glyph variants from old encoders: NFKC maps them to
    # letters. ﷺ and friends (U+FDF0-FDFF) are kept, not matched: they carry meaning as written.
    # Their NFKC can be a letter mapped above (ﯼ → ی → ي) or hold a tatweel (U+FE71 → ـً).
    return "".join(DISPLAY_MAP.get(x, x) for x in unicodedata.normalize("NFKC", c))


def display_form(text: str) -> str:
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    if _DISPLAY_CHARS.search(text):
        # Folded presentation forms can put marks out of canonical order: NFC again.
        text = unicodedata.normalize("NFC", _DISPLAY_CHARS.sub(_display_char, text))
    return _fold_spaces(text)


def _fold_spaces(text: str) -> str:
    """Runs of spaces → one; no space at a line's edges or the text's."""
    if "  " in text:
        text = _SPACE_RUN.sub(" ", text)
    if " \n" in text:
        text = text.replace(" \n", "\n")
    if "\n " in text:
        text = text.replace("\n ", "\n")
    return text.strip()


def _replace_all(text: str, pairs) -> str:
    for old, new in pairs:
        if old in text:
            text = text.replace(old, new)
    return text


def search_form(text: str) -> str:
    return search_form_of_display(display_form(text))


def search_form_of_display(text: str) -> str:
    """The search form of a text already in display form (normalize has the display form of
    every body at hand: folding it again would double the cost)."""
    if _DIACRITIC_OR_DIGIT.search(text):
        # One pass drops the marks and maps the digits (both sparse: a callback per hit is
        # cheaper than a scan per step); a mark alone between spaces leaves two behind it.
        text = _fold_spaces(_DIACRITIC_OR_DIGIT.sub(_search_char, text))
    text = _replace_all(text, _LETTER_ORDER)
    return _replace_all(text, _PUNCTUATION_ORDER)


def _search_char(m: re.Match) -> str:
    return SEARCH_DIGITS.get(m.group(), "")


def script_of(text: str) -> tuple[str, float]:
    """(language, Arabic share of the letters), counting the letters once. The language is
    told by script, which decides Arabic news pages without a model: `und` when mixed."""
    letters = len(_LETTER.findall(text))
    if not letters:
        return "und", 0.0
    ratio = len(_ARABIC_LETTER.findall(text)) / letters
    if ratio >= 0.6:
        return "ar", ratio
    if len(_LATIN_LETTER.findall(text)) / letters >= 0.8:
        return "en", ratio
    return "und", ratio


def arabic_ratio(text: str) -> float:
    return script_of(text)[1]


def language_of(text: str) -> str:
    return script_of(text)[0]


# Scripts written without spaces between words (Han, kana, Thai…): each character counts as a
# word, as the dev set's scorer counts them; otherwise a Japanese article is "two words".
_UNSPACED = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def word_count(text: str) -> int:
    """Words as runs of letters and digits, with diacritics and inner hyphens kept inside;
    in scripts written without spaces, characters."""
    unspaced = len(_UNSPACED.findall(text))
    if not unspaced:
        return len(_WORD.findall(text))
    return unspaced + len(_WORD.findall(_UNSPACED.sub(" ", text)))


def token_count(text: str) -> int:
    """Whitespace-separated tokens, as layout rules count a line's length; in scripts written
    without spaces, word_count's characters."""
    return word_count(text) if _UNSPACED.search(text) else len(text.split())
