import pytest
from hypothesis import given, strategies as st

from tasks.arabic import arabic_ratio, display_form, language_of, search_form, search_form_of_display, word_count


@pytest.mark.parametrize("raw,display", [
    ("کوریا الشمالیة", "كوريا الشمالية"),            # Persian kaf and yeh
    ("العـــربية", "العربية"),                        # tatweel
    ("كلمة\u200fأخرى\u200b", "كلمةأخرى"),            # bidi mark, zero-width space
    ("  نص   مع\u00a0مسافات ", "نص مع مسافات"),
    ("ستحقَّق", "ستحقَّق"),                           # diacritics kept for display
    ("\ufefb", "لا"),                                 # presentation-form ligature folded
    ("ﷺ", "ﷺ"),                                       # but the honorific ligature kept
    ("ڪتاب", "كتاب"), ("ھذا", "هذا"), ("ہے", "هي"), ("ۓ", "ئ"), ("مدرسۀ", "مدرسة"), ("ۃ", "ة"),
    ("ې ۍ", "ي ي"), ("ە", "ه"),                        # other Persian / Urdu / Kurdish forms
    ("\u200c\u200d\u2066\u2069\u061c\u00ad\u2060نص\ufeff", "نص"),   # more invisibles
    ("أ\tب\u2003ج\u3000د\u202fه", "أ ب ج د ه"),      # every other space is a space
    ("سطر  أول \n  سطر ثان", "سطر أول\nسطر ثان"),      # lines kept, their edges trimmed
    ("„قال‟ ″نعم″", "“قال“ \"نعم\""),                  # quote look-alikes unified
    ("«قال» “نعم”", "«قال» “نعم”"),                  # the quotes Arabic text uses, kept
    ("٢٠٢٤", "٢٠٢٤"),                                 # digits kept for display
    ("", ""),
])
def test_display_form(raw, display):
    assert display_form(raw) == display


@pytest.mark.parametrize("raw,search", [
    ("أحمد إلى آمال ٱلله", "احمد الي امال الله"),
    ("مدرسة", "مدرسه"), ("مؤتمر", "موتمر"), ("رئيس", "رييس"),
    ("ستحقَّق", "ستحقق"), ("٢٠٢٤ و۱۹", "2024 و19"),
    ("«قال» ، هل؟ نعم؛", '"قال" , هل? نعم;'),
    ("مُحَمَّدٌ ٱلْعَرَبِيُّ", "محمد العربي"),            # harakat, tanween, shadda, sukun, wasla
    ("الرحمٰن", "الرحمن"),                              # dagger alef
    ("على مستشفى", "علي مستشفي"), ("ؤ ئ ء", "و ي ء"),   # alef maksura, hamza carriers; lone hamza kept
    ("۱۲۳ ٤٥٦", "123 456"), ("٥٠٪", "50%"), ("‘نعم’", "'نعم'"),
    ("کتاب ی", "كتاب ي"),                               # display mappings come first
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
    assert search_form(d) == s == search_form_of_display(d)


ARABIC_ALPHABET = st.sampled_from(
    [chr(c) for c in range(0x0600, 0x0700)] + [chr(c) for c in range(0xFB50, 0xFB60)] + [chr(c) for c in range(0xFE70, 0xFEFF)]
    + list(" \n\t\u00a0\u200c\u200f«»“”„،؛؟0123456789ـ"))


@given(st.text(ARABIC_ALPHABET, max_size=200))
def test_forms_hold_their_laws_on_arabic_heavy_text(text):
    d = display_form(text)
    assert display_form(d) == d and "ـ" not in d and "\u200f" not in d and "  " not in d
    s = search_form(text)
    assert search_form(s) == s == search_form_of_display(d)
    assert not any(c in s for c in "أإآٱىةؤئ٠١٢٣٤٥٦٧٨٩،؛؟«»")


def test_words_are_counted_in_scripts_written_without_spaces_too():
    from tasks.arabic import word_count

    assert word_count("قال الوزير إن المحادثات ستستمر") == 5
    assert word_count("東京で会議が開かれた") == 10          # each Han or kana character is a word
    assert word_count("Tokyo 東京 2024") == 4
