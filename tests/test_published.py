"""Issue "First contact" item 9: publication times in the publisher's zone, and what the page
gave of them (published_precision, published_date)."""
from datetime import date, datetime, timezone

import pytest

from tasks.dates import read_date
from tasks.normalize import article_row
from tasks.records import Article, RunContext

RUN = RunContext("r", datetime(2026, 1, 1, tzinfo=timezone.utc), "t")
BODY = ["وقال الوزير في مؤتمر صحفي عقده اليوم إن العلاقات بين البلدين تشهد تطورا كبيرا في مختلف المجالات."] * 3


def row(printed: str | None, zone: str | None = None) -> dict:
    article = Article("a" * 32, "d" * 64, "/x/page.txt", 0, "عنوان الخبر", BODY, published_raw=printed,
                      time_zone=zone)
    return article_row(article, RUN)


@pytest.mark.parametrize("printed, zone, at, day, precision, flagged", [
    # Hespress prints Moroccan time: UTC+1 in January, 10:30 there is 09:30 UTC; UTC+0 in
    # Ramadan (March 2024), which the zone database knows and a fixed offset would not.
    ("الثلاثاء 9 يناير 2024 - 10:30", "Africa/Casablanca", "2024-01-09T09:30:00+00:00", "2024-01-09", "minute", False),
    ("الثلاثاء 12 مارس 2024 - 10:30", "Africa/Casablanca", "2024-03-12T10:30:00+00:00", "2024-03-12", "minute", False),
    # Cairo in summer (UTC+3): a local time just after midnight is the day before in UTC,
    # while the date as printed stays the page's.
    ("1 يوليو 2024 00:30", "Africa/Cairo", "2024-06-30T21:30:00+00:00", "2024-07-01", "minute", False),
    # A zone the page names wins over the publisher's.
    ("12 مارس 2024 10:30 بتوقيت مكة", "Africa/Casablanca", "2024-03-12T07:30:00+00:00", "2024-03-12", "minute", False),
    ("2024-03-12T10:30:15+03:00", None, "2024-03-12T07:30:15+00:00", "2024-03-12", "second", False),
    # No zone anywhere: read as UTC, and said so.
    ("12 مارس 2024 10:30", None, "2024-03-12T10:30:00+00:00", "2024-03-12", "minute", True),
    # A date alone is a date, whatever the publisher's zone (its UTC midnight, never the day before).
    ("12 مارس 2024", "Africa/Cairo", "2024-03-12T00:00:00+00:00", "2024-03-12", "date", False),
    ("2024-03-12T00:00:00", None, "2024-03-12T00:00:00+00:00", "2024-03-12", "date", False),
    (None, "Africa/Cairo", None, None, None, False),
])
def test_a_publication_time_is_read_in_the_right_zone_with_its_precision(printed, zone, at, day, precision, flagged):
    r = row(printed, zone)
    assert (r["published_at"].isoformat() if r["published_at"] else None) == at
    assert (r["published_date"].isoformat() if r["published_date"] else None) == day
    assert r["published_precision"] == precision
    assert ("published_zone_unknown" in r["warnings"]) is flagged


def test_a_printed_date_keeps_its_wall_clock_and_the_zone_it_named():
    printed = read_date("الخميس 4 يوليو 2024 الساعة 9:15 مساءً GMT+3")
    assert printed.local == datetime(2024, 7, 4, 21, 15) and printed.precision == "minute"
    assert printed.utc().isoformat() == "2024-07-04T18:15:00+00:00"
    assert printed.local.date() == date(2024, 7, 4)


def test_every_profile_time_zone_is_a_real_zone_and_a_bad_one_is_refused(tmp_path):
    from zoneinfo import ZoneInfo

    from tasks.profiles import RulesError, load_profile, load_rulebook

    zones = {p.id: p.time_zone for p in load_rulebook().profiles if p.time_zone}
    assert zones["hespress"] == "Africa/Casablanca" and all(ZoneInfo(z) for z in zones.values())
    bad = tmp_path / "bad.v1.yaml"
    bad.write_text("id: bad\nversion: 1\ntime_zone: Cairo/Egypt\n", encoding="utf-8")
    with pytest.raises(RulesError, match="bad.v1.yaml: time_zone 'Cairo/Egypt' is not an IANA time zone"):
        load_profile(bad)
