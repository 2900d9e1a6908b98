from datetime import datetime, timezone

import pytest

from tasks.dates import parse_date

UTC = timezone.utc


@pytest.mark.parametrize("raw,expected", [
    ("17th, September 2023 GMT", datetime(2023, 9, 17, tzinfo=UTC)),
    ("3 حزيران 2024", datetime(2024, 6, 3, tzinfo=UTC)),
    ("15 أيلول/سبتمبر 2023", datetime(2023, 9, 15, tzinfo=UTC)),
    ("3 يونيو (حزيران) 2024", datetime(2024, 6, 3, tzinfo=UTC)),
    ("الأربعاء 12 جانفي 2022 10:30", datetime(2022, 1, 12, 10, 30, tzinfo=UTC)),
    ("٠٣/٠٦/٢٠٢٤", datetime(2024, 6, 3, tzinfo=UTC)),
    ("2024-06-03T10:00:00+03:00", datetime(2024, 6, 3, 7, tzinfo=UTC)),
    ("1 كانون الثاني 2020", datetime(2020, 1, 1, tzinfo=UTC)),
    ("5 اغسطس 2021", datetime(2021, 8, 5, tzinfo=UTC)),
    ("September 5, 2021", datetime(2021, 9, 5, tzinfo=UTC)),
    ("", None), (None, None), ("اليوم الجمعة", None), ("31 فبراير 2023", None), ("1 يناير 1985", None),
])
def test_parse_date(raw, expected):
    assert parse_date(raw) == expected


def test_never_after_the_reference_time():
    reference = datetime(2024, 1, 1, tzinfo=UTC)
    assert parse_date("3 حزيران 2024", reference) is None
    assert parse_date("3 حزيران 2023", reference) == datetime(2023, 6, 3, tzinfo=UTC)
