"""screen.py derives cheap necessary conditions from regular expressions: a line the screen
refuses must be a line the pattern does not match, for every rule and marker khabar has."""
import re

from hypothesis import given, settings, strategies as st

from tasks.profiles import load_rulebook
from tasks.screen import screen_of
from tests.conftest import PAGES, SEEDS


def all_patterns() -> list[re.Pattern]:
    book = load_rulebook()
    patterns = [p for rule in book.line_rules for p in rule.patterns]
    for profile in book.profiles:
        patterns += list(profile.markers) + [p for rule in profile.line_rules for p in rule.patterns]
    return patterns


def real_lines() -> list[str]:
    files = list(SEEDS.glob("*.txt")) + list(PAGES.rglob("*.txt")) + list(PAGES.rglob("*.html"))
    return [" ".join(line.split()) for f in files for line in f.read_text(encoding="utf-8").splitlines()]


def test_what_a_screen_requires_for_simple_patterns():
    s = screen_of(re.compile(r"^(?:اقرأ|إقرأ)\s+أيضا:?$"))
    assert s.starts_with == ("اقرأ", "إقرأ") and "أيضا" in s.contains
    assert not s("قال إنه اقرأ أيضا") and s("اقرأ أيضا")
    copyright = screen_of(re.compile(r"(?:جميع الحقوق محفوظة|©|Copyright)"))
    assert copyright.contains_one_of == (("جميع الحقوق محفوظة", "©", "Copyright"),)
    dash = screen_of(re.compile(r"^(?:\S+\s){2,}\S+\s[-–]\s(?:رويترز|AFP)$"))
    assert not dash("جملة طويلة بلا شرطة رويترز") and dash("صورة من الحدث - رويترز")
    # What it cannot read gets no screen, and a case-blind pattern none either.
    assert screen_of(re.compile(r"^\d+$")) is None
    assert screen_of(re.compile(r"share", re.IGNORECASE)) is None
    assert screen_of(re.compile(r"^(?i:share)$")) is None


def test_no_screen_refuses_a_line_its_pattern_matches_on_real_pages():
    lines = real_lines()
    assert len(lines) > 500
    matched = 0
    for pattern in all_patterns():
        screen = screen_of(pattern)
        for line in lines:
            if pattern.search(line):
                matched += 1
                assert screen is None or screen(line), (pattern.pattern, line)
    assert matched > 100          # the rules do fire on these pages: the check has teeth


ALPHABET = "Tشاركلمقتذصأيضإ-–:«»()© |/.،0123456789 المصدرRTAFP\u00a0"


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(sorted({w for p in all_patterns() for w in re.findall(r"[\u0600-\u06ffA-Za-z©«»]+", p.pattern)}
                                       | set(ALPHABET))), max_size=12), st.sampled_from(all_patterns()))
def test_no_screen_refuses_a_line_its_pattern_matches_on_made_up_lines(pieces, pattern):
    screen = screen_of(pattern)
    for joiner in (" ", "", " - "):
        line = joiner.join(pieces)
        if pattern.search(line):
            assert screen is None or screen(line), (pattern.pattern, line)
