"""Dates as Arabic news pages write them. Each row: the raw string, the UTC datetime it names
(or None when it must stay unknown)."""
from datetime import datetime, timezone

import pytest

from tasks.dates import is_date_only, parse_date, resolve_weekday

UTC = timezone.utc


def d(*args):
    return datetime(*args, tzinfo=UTC)


DATES = [
    # MSA / Egyptian month names
    ("5 يناير 2024", d(2024, 1, 5)), ("12 فبراير 2023", d(2023, 2, 12)), ("1 مارس 2022", d(2022, 3, 1)),
    ("20 أبريل 2021", d(2021, 4, 20)), ("20 ابريل 2021", d(2021, 4, 20)), ("20 إبريل 2021", d(2021, 4, 20)),
    ("14 مايو 2024", d(2024, 5, 14)), ("3 يونيو 2024", d(2024, 6, 3)), ("3 يونيه 2024", d(2024, 6, 3)),
    ("9 يوليو 2020", d(2020, 7, 9)), ("9 يوليه 2020", d(2020, 7, 9)), ("5 أغسطس 2021", d(2021, 8, 5)),
    ("5 اغسطس 2021", d(2021, 8, 5)), ("30 سبتمبر 2019", d(2019, 9, 30)), ("1 أكتوبر 2018", d(2018, 10, 1)),
    ("1 اكتوبر 2018", d(2018, 10, 1)), ("11 نوفمبر 2017", d(2017, 11, 11)), ("25 ديسمبر 2016", d(2016, 12, 25)),
    # Levantine / Iraqi
    ("1 كانون الثاني 2020", d(2020, 1, 1)), ("14 شباط 2020", d(2020, 2, 14)), ("8 آذار 2021", d(2021, 3, 8)),
    ("8 اذار 2021", d(2021, 3, 8)), ("2 نيسان 2022", d(2022, 4, 2)), ("1 أيار 2023", d(2023, 5, 1)),
    ("3 حزيران 2024", d(2024, 6, 3)), ("17 تموز 2019", d(2019, 7, 17)), ("4 آب 2020", d(2020, 8, 4)),
    ("15 أيلول 2023", d(2023, 9, 15)), ("6 تشرين الأول 2023", d(2023, 10, 6)),
    ("6 تشرين الاول 2023", d(2023, 10, 6)), ("9 تشرين الثاني 2022", d(2022, 11, 9)),
    ("31 كانون الأول 2021", d(2021, 12, 31)),
    # Maghrebi
    ("الأربعاء 12 جانفي 2022 10:30", d(2022, 1, 12, 10, 30)), ("3 فيفري 2023", d(2023, 2, 3)),
    ("7 أفريل 2024", d(2024, 4, 7)), ("1 ماي 2024", d(2024, 5, 1)), ("21 جوان 2023", d(2023, 6, 21)),
    ("5 جويلية 2022", d(2022, 7, 5)), ("20 أوت 2021", d(2021, 8, 20)), ("10 شتنبر 2020", d(2020, 9, 10)),
    # Dual forms
    ("15 أيلول/سبتمبر 2023", d(2023, 9, 15)), ("3 يونيو (حزيران) 2024", d(2024, 6, 3)),
    ("في 10 أكتوبر (تشرين الأول) المقبل 2023", None),
    ("22 آذار - مارس 2024", d(2024, 3, 22)),
    # Arabic-Indic and Persian digits, numeric day-month order
    ("٠٣/٠٦/٢٠٢٤", d(2024, 6, 3)), ("۱۵ مارس ۲۰۲۴", d(2024, 3, 15)), ("3/6/2024", d(2024, 6, 3)),
    ("18-4-2024 | 21:05", d(2024, 4, 18, 21, 5)), ("14.05.2024 | 12:43 GMT", d(2024, 5, 14, 12, 43)),
    ("2024/06/03", d(2024, 6, 3)),
    # Times, am/pm and named zones
    ("03:15 م الإثنين 15 أبريل 2024", d(2024, 4, 15, 15, 15)),
    ("نشر في: 14 مايو ,2024: 10:25 ص GST", d(2024, 5, 14, 6, 25)),
    ("الثلاثاء 12 مارس 2024 - 12:10 ص", d(2024, 3, 12, 0, 10)),
    ("12:30 الثلاثاء 4 يونيو 2024", d(2024, 6, 4, 12, 30)),
    ("الخميس 7 مارس 2024 الساعة 09:00 بتوقيت مكة المكرمة", d(2024, 3, 7, 6)),
    ("1 يناير 2024 23:30 KSA", d(2024, 1, 1, 20, 30)),
    # ISO and English
    ("2024-06-03T10:00:00+03:00", d(2024, 6, 3, 7)), ("2024-06-03", d(2024, 6, 3)),
    ("2023-12-31T23:00:00Z", d(2023, 12, 31, 23)), ("17th, September 2023 GMT", d(2023, 9, 17)),
    ("September 5, 2021", d(2021, 9, 5)), ("5 Sept 2021", d(2021, 9, 5)), ("1st March 2020", d(2020, 3, 1)),
    # Hijri, converted (Umm al-Qura); the Gregorian date wins when both are given
    ("12 رمضان 1445 هـ", d(2024, 3, 22)), ("1 شوال 1444هـ", d(2023, 4, 21)),
    ("10 ذو الحجة 1445", d(2024, 6, 16)), ("1 محرم 1446 هـ", d(2024, 7, 7)),
    ("15 ربيع الأول 1445 هـ", d(2023, 9, 30)), ("الجمعة 12 رمضان 1445 هـ الموافق 22 مارس 2024 م", d(2024, 3, 22)),
    # Unknown must stay unknown
    ("", None), (None, None), ("اليوم الجمعة", None), ("31 فبراير 2023", None), ("1 يناير 1985", None),
    ("منذ ساعتين", None), ("الشهر المقبل", None), ("في أكتوبر المقبل", None), ("2024", None),
    ("12 صفر", None), ("32/13/2024", None), ("قبل 5 ساعات", None), ("عام 1445", None),
]


@pytest.mark.parametrize("raw,expected", DATES, ids=[str(r) for r, _ in DATES])
def test_parse_date(raw, expected):
    assert parse_date(raw) == expected


def test_the_table_is_large_and_keeps_nulls():
    assert len(DATES) >= 60 and sum(1 for _, e in DATES if e is None) >= 10


def test_never_after_the_reference_time():
    reference = d(2024, 1, 1)
    assert parse_date("3 حزيران 2024", reference) is None
    assert parse_date("3 حزيران 2023", reference) == d(2023, 6, 3)
    assert parse_date("12 رمضان 1445 هـ", reference) is None


@pytest.mark.parametrize("text,reference,expected", [
    ("دعا الوزير، اليوم الجمعة، إلى تعزيز العلاقات", d(2024, 12, 20, 9), d(2024, 12, 20)),   # a Friday
    ("دعا الوزير، اليوم الجمعة، إلى تعزيز العلاقات", d(2024, 12, 22, 9), d(2024, 12, 20)),   # fetched on Sunday
    ("أعلن الجيش صباح اليوم الثلاثاء أن قواته", d(2024, 5, 14, 23), d(2024, 5, 14)),
    ("دعا الوزير، اليوم الجمعة، إلى تعزيز العلاقات", None, None),                         # no known reference
    ("دعا الوزير يوم الجمعة الماضي إلى تعزيز العلاقات", d(2024, 12, 20), None),             # not "today"
])
def test_weekday_mentions_need_a_known_reference(text, reference, expected):
    assert resolve_weekday(text, reference) == expected


@pytest.mark.parametrize("line,expected", [
    ("الثلاثاء 12 مارس 2024 - 10:30", True), ("12 رمضان 1445 هـ", True), ("14.05.2024 | 12:43 GMT", True),
    ("وقع الانفجار في 12 مارس 2024 قرب المطار", False), ("3 حزيران", False),
])
def test_a_line_that_is_only_a_date(line, expected):
    assert is_date_only(line) is expected
