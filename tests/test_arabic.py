import pytest
from hypothesis import given, strategies as st

from tasks.arabic import arabic_ratio, display_form, language_of, search_form, word_count


@pytest.mark.parametrize("raw,display", [
    ("کوریا الشمالیة", "كوريا الشمالية"),            # Persian kaf and yeh
    ("العـــربية", "العربية"),                        # tatweel
    ("كلمة\u200fأخرى\u200b", "كلمةأخرى"),            # bidi mark, zero-width space
    ("  نص   مع\u00a0مسافات ", "نص مع مسافات"),
    ("ستحقَّق", "ستحقَّق"),                           # diacritics kept for display
    ("\ufefb", "لا"),                                 # presentation-form ligature folded
    ("ﷺ", "ﷺ"),                                       # but the honorific ligature kept
])
def test_display_form(raw, display):
    assert display_form(raw) == display


@pytest.mark.parametrize("raw,search", [
    ("أحمد إلى آمال ٱلله", "احمد الي امال الله"),
    ("مدرسة", "مدرسه"), ("مؤتمر", "موتمر"), ("رئيس", "رييس"),
    ("ستحقَّق", "ستحقق"), ("٢٠٢٤ و۱۹", "2024 و19"),
    ("«قال» ، هل؟ نعم؛", '"قال" , هل? نعم;'),
])
def test_search_form(raw, search):
    assert search_form(raw) == search


def test_language_and_ratio_by_script():
    assert language_of("هذا نص عربي خالص") == "ar" and arabic_ratio("نص") == 1.0
    assert language_of("This is an English sentence") == "en"
    assert language_of("12345 !!!") == "und"


def test_word_count_keeps_diacritics_inside_words():
    assert word_count("ستحقَّق الأهداف، في 2024.") == 4


@given(st.text())
def test_forms_are_idempotent_and_never_raise(text):
    d = display_form(text)
    assert display_form(d) == d
    s = search_form(text)
    assert search_form(s) == s
    assert search_form(d) == s
