"""Arabic text forms: the display form kept in `title`/`body`, and the search form kept in
`*_search` and hashed into `content_hash`. Every mapping is listed here, once.

Display form — what a reader should see, with nothing of meaning lost:
  * Unicode NFC (not NFKC: NFKC would expand ligatures such as ﷺ into a phrase and turn
    Arabic presentation forms into letters; we fold presentation forms explicitly instead)
  * tatweel (ـ) removed; zero-width and bidi control characters removed
  * Persian/Urdu letter forms mapped to Arabic: ک→ك ی→ي ې→ي ۍ→ي ہ→ه ە→ه ۀ→ة ۃ→ة
  * whitespace runs folded to one space; diacritics kept
Search form — what matching and counting should compare:
  * the display form, then diacritics (harakat, tanween, shadda, sukun, dagger alef) removed
  * alef variants أ إ آ ٱ → ا; ى → ي; ة → ه; hamza carriers ؤ → و, ئ → ي; lone ء kept
  * Arabic-Indic (٠-٩) and Persian (۰-۹) digits → ASCII 0-9
  * punctuation unified: ، → ,  ؛ → ;  ؟ → ?  « » “ ” „ → "  ‘ ’ → '
"""
from __future__ import annotations

import re
import unicodedata

_INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff\u00ad\u061c"

DISPLAY_MAP = {
    "ـ": None, **{c: None for c in _INVISIBLE},
    "ک": "ك", "ی": "ي", "ې": "ي", "ۍ": "ي", "ہ": "ه", "ە": "ه", "ۀ": "ة", "ۃ": "ة",
}
SEARCH_MAP = {
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي",
    **{chr(0x0660 + i): str(i) for i in range(10)}, **{chr(0x06F0 + i): str(i) for i in range(10)},
    "،": ",", "؛": ";", "؟": "?", "«": '"', "»": '"', "“": '"', "”": '"', "„": '"', "‘": "'", "’": "'",
}
DIACRITICS = "".join(chr(c) for c in [*range(0x0610, 0x061B), *range(0x064B, 0x0660), 0x0670, *range(0x06D6, 0x06DD), *range(0x06DF, 0x06E5), 0x06E7, 0x06E8, *range(0x06EA, 0x06EE)])

_DISPLAY_TABLE = str.maketrans(DISPLAY_MAP)
_SEARCH_TABLE = str.maketrans({**SEARCH_MAP, **{c: None for c in DIACRITICS}})
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_PRESENTATION_FORMS = re.compile(r"[\ufb50-\ufdff\ufe70-\ufeff]")
_ARABIC_LETTER = re.compile(r"[\u0621-\u064a\u0671-\u06d3\u06fa-\u06ff]")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")
_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"[\w\u0610-\u061a\u064b-\u065f\u0670]+(?:[-'’][\w]+)*")


def _fold_presentation(m: re.Match) -> str:
    # Presentation forms (ﻻ, ﺍ…) are glyph variants from old encoders: NFKC maps them to
    # letters. ﷺ and friends (U+FDF0-FDFF) are kept: they carry meaning as written.
    c = m.group()
    if "\ufdf0" <= c <= "\ufdff":
        return c
    return unicodedata.normalize("NFKC", c)


def display_form(text: str) -> str:
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    text = _PRESENTATION_FORMS.sub(_fold_presentation, text)
    text = text.translate(_DISPLAY_TABLE)
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(lines).strip()


def search_form(text: str) -> str:
    return display_form(text).translate(_SEARCH_TABLE)


def arabic_ratio(text: str) -> float:
    letters = len(_LETTER.findall(text))
    return len(_ARABIC_LETTER.findall(text)) / letters if letters else 0.0


def language_of(text: str) -> str:
    """By script: decides Arabic news pages without a model. `und` when the script is mixed."""
    letters = len(_LETTER.findall(text))
    if not letters:
        return "und"
    if len(_ARABIC_LETTER.findall(text)) / letters >= 0.6:
        return "ar"
    if len(_LATIN_LETTER.findall(text)) / letters >= 0.8:
        return "en"
    return "und"


def word_count(text: str) -> int:
    """Words as runs of letters and digits, with diacritics and inner hyphens kept inside."""
    return len(_WORD.findall(text))
