"""Publication dates as Arabic news pages write them → UTC datetimes.

Handles month names of the three Arabic systems (MSA/Egyptian, Levantine/Iraqi, Maghrebi)
and English, dual forms ("أيلول/سبتمبر", "يونيو (حزيران)"), Arabic-Indic digits, day-month
order, ISO strings and ordinal English ("17th, September 2023 GMT"). Anything it cannot read
stays None rather than guessed; a date after the reference (fetch) time is refused.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

MONTHS = {
    # MSA / Egyptian spellings
    "يناير": 1, "فبراير": 2, "مارس": 3, "أبريل": 4, "ابريل": 4, "إبريل": 4, "مايو": 5, "يونيو": 6,
    "يونيه": 6, "يوليو": 7, "يوليه": 7, "أغسطس": 8, "اغسطس": 8, "سبتمبر": 9, "أكتوبر": 10,
    "اكتوبر": 10, "نوفمبر": 11, "ديسمبر": 12,
    # Levantine / Iraqi
    "كانون الثاني": 1, "شباط": 2, "آذار": 3, "اذار": 3, "نيسان": 4, "أيار": 5, "ايار": 5,
    "حزيران": 6, "تموز": 7, "آب": 8, "اب": 8, "أيلول": 9, "ايلول": 9, "تشرين الأول": 10,
    "تشرين الاول": 10, "تشرين الثاني": 11, "كانون الأول": 12, "كانون الاول": 12,
    # Maghrebi
    "جانفي": 1, "فيفري": 2, "أفريل": 4, "افريل": 4, "ماي": 5, "جوان": 6, "جويلية": 7,
    "جويليه": 7, "أوت": 8, "اوت": 8, "شتنبر": 9, "نونبر": 11, "دجنبر": 12,
    # English
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
}
HIJRI_MONTHS = {
    "محرم": 1, "صفر": 2, "ربيع الأول": 3, "ربيع الاول": 3, "ربيع أول": 3, "ربيع الآخر": 4, "ربيع الاخر": 4,
    "ربيع الثاني": 4, "ربيع ثاني": 4, "جمادى الأولى": 5, "جمادى الاولى": 5, "جمادى الأول": 5,
    "جمادى الآخرة": 6, "جمادى الاخرة": 6, "جمادى الثانية": 6, "جمادى الآخر": 6, "رجب": 7, "شعبان": 8,
    "رمضان": 9, "شوال": 10, "ذو القعدة": 11, "ذي القعدة": 11, "ذو الحجة": 12, "ذي الحجة": 12,
}
# Zones news pages name after a time. Fixed offsets: the Gulf and Saudi Arabia keep no DST;
# zones with DST (Cairo, Beirut…) are left out rather than guessed.
ZONES = {
    "gmt": 0, "utc": 0, "غرينتش": 0, "جرينتش": 0, "gst": 4, "الإمارات": 4, "الامارات": 4, "أبوظبي": 4,
    "ksa": 3, "ast": 3, "مكة": 3, "مكة المكرمة": 3, "السعودية": 3, "الرياض": 3, "الدوحة": 3, "الكويت": 3,
    "بغداد": 3, "msk": 3, "موسكو": 3,
}
_DIGITS = str.maketrans({**{chr(0x0660 + i): str(i) for i in range(10)}, **{chr(0x06F0 + i): str(i) for i in range(10)}})


def _alternation(words) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


_MONTH_ALT = _alternation(MONTHS)
# A month, optionally followed by its twin in another system: "أيلول/سبتمبر", "يونيو (حزيران)".
_MONTH = rf"(?P<month>{_MONTH_ALT})(?:\s*(?:/|\(|-)\s*(?:{_MONTH_ALT})\s*\)?)?"
_DAY_MONTH_YEAR = re.compile(rf"(?<!\d)(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s*,?\s*(?:من\s+)?{_MONTH}\s*,?\s*(?:عام\s+|سنة\s+)?(?P<year>\d{{4}})(?!\s*(?:هـ|ه\b|هجري))", re.IGNORECASE)
_MONTH_DAY_YEAR = re.compile(rf"{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s*,?\s*(?P<year>\d{{4}})", re.IGNORECASE)
_HIJRI = re.compile(rf"(?<!\d)(?P<day>\d{{1,2}})\s+(?:من\s+)?(?P<month>{_alternation(HIJRI_MONTHS)})\s*,?\s*(?:عام\s+|سنة\s+)?(?P<year>1[34]\d\d)(?!\d)")
_ISO = re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})(?:[T ](?P<h>\d{2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?(?:\.\d+)?(?P<tz>Z|[+-]\d{2}:?\d{2})?)?")
_NUMERIC_DMY = re.compile(r"(?<!\d)(?P<day>\d{1,2})[/.-](?P<month>\d{1,2})[/.-](?P<year>\d{4})(?!\d)")
_NUMERIC_YMD = re.compile(r"(?<!\d)(?P<year>\d{4})/(?P<month>\d{1,2})/(?P<day>\d{1,2})(?!\d)")
_TIME = re.compile(r"(?<![\d:])(?P<h>\d{1,2}):(?P<mi>\d{2})(?::\d{2})?(?:\s*(?P<ampm>am|pm|a\.m\.|p\.m\.|ص|م|صباحا|صباحاً|مساء|مساءً)(?![\w\u0600-\u06ff]))?", re.IGNORECASE)
_ZONE = re.compile(rf"(?:(?:بتوقيت|توقيت)\s+(?P<city>{_alternation(z for z in ZONES if not z.isascii())})|(?<![A-Za-z])(?P<abbr>GMT|UTC|GST|KSA|AST|MSK)(?P<offset>[+-]\d{{1,2}})?(?![A-Za-z]))", re.IGNORECASE)
_PM = ("pm", "p.m.", "م", "مساء", "مساءً")
_AM = ("am", "a.m.", "ص", "صباحا", "صباحاً")


def _local(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime | None:
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None


def _offset(tz: str | None) -> timedelta | None:
    if not tz:
        return None
    if tz == "Z":
        return timedelta(0)
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    return sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))


def _zone_offset(text: str) -> timedelta | None:
    m = _ZONE.search(text)
    if not m:
        return None
    if m["city"]:
        return timedelta(hours=ZONES[m["city"]])
    return timedelta(hours=ZONES[m["abbr"].lower()] + int(m["offset"] or 0))


def _time_after(text: str) -> tuple[int, int] | None:
    """The first time of day in `text` (24-hour), None when there is none (or it is no time)."""
    t = _TIME.search(text)
    if not t:
        return None
    hour, minute = int(t["h"]), int(t["mi"])
    ampm = (t["ampm"] or "").lower()
    if ampm in _PM and hour < 12:
        hour += 12
    elif ampm in _AM and hour == 12:
        hour = 0
    return (hour, minute) if hour < 24 and minute < 60 else None


def _hijri_to_gregorian(year: int, month: int, day: int) -> tuple[int, int, int] | None:
    from hijridate import Hijri       # imported here: only pages with Hijri dates need it

    try:
        g = Hijri(year, month, day).to_gregorian()
    except (ValueError, OverflowError):
        return None
    return g.year, g.month, g.day


@dataclass(frozen=True)
class PageDate:
    """A date as a page printed it: the wall-clock date and time, the zone the page named
    (an ISO offset, "GST", "بتوقيت مكة"; None when it named none) and how precise it is."""
    local: datetime                  # naive
    offset: timedelta | None
    precision: str                   # "date", "minute" or "second"

    def utc(self, zone: str | None = None) -> datetime:
        """The instant: in the zone the page named, else in `zone` (an IANA name, the
        publisher's), else read as UTC. A date alone is its UTC midnight, so that the
        instant's date is the date printed."""
        if self.precision == "date":
            return self.local.replace(tzinfo=timezone.utc)
        if self.offset is not None:
            return self.local.replace(tzinfo=timezone(self.offset)).astimezone(timezone.utc)
        if zone:
            return self.local.replace(tzinfo=ZoneInfo(zone)).astimezone(timezone.utc)
        return self.local.replace(tzinfo=timezone.utc)


def read_date(raw: str | None) -> PageDate | None:
    """The date `raw` names, as printed (see PageDate), or None. A Gregorian date wins over a
    Hijri one on the same line ("12 رمضان 1445 هـ الموافق 22 مارس 2024"); a time after the
    date (else before it) and a named zone are read with it. An ISO time of exactly midnight
    with no zone is a date: metadata that knows only the day fills in 00:00:00."""
    if not raw:
        return None
    text = raw.translate(_DIGITS).strip()
    m = _ISO.search(text)
    if m:
        midnight = not m["tz"] and (m["h"], m["mi"], m["s"] or "00") == ("00", "00", "00")
        precision = "date" if not m["h"] or midnight else "second" if m["s"] else "minute"
        local = _local(int(m["year"]), int(m["month"]), int(m["day"]), int(m["h"] or 0), int(m["mi"] or 0),
                       int(m["s"] or 0))
        return PageDate(local, _offset(m["tz"]), precision) if local else None
    if m := (_DAY_MONTH_YEAR.search(text) or _MONTH_DAY_YEAR.search(text)):
        month = MONTHS[m["month"].lower() if m["month"].isascii() else m["month"]]
        time = _time_after(text[m.end():]) if _TIME.search(text[m.end():]) else _time_after(text[:m.start()])
        return _printed(int(m["year"]), month, int(m["day"]), time, _zone_offset(text))
    if m := (_NUMERIC_DMY.search(text) or _NUMERIC_YMD.search(text)):
        return _printed(int(m["year"]), int(m["month"]), int(m["day"]), _time_after(text[m.end():]),
                        _zone_offset(text))
    if m := _HIJRI.search(text):
        gregorian = _hijri_to_gregorian(int(m["year"]), HIJRI_MONTHS[m["month"]], int(m["day"]))
        return _printed(*gregorian, None, None) if gregorian else None
    return None


def _printed(year: int, month: int, day: int, time: tuple[int, int] | None,
             offset: timedelta | None) -> PageDate | None:
    local = _local(year, month, day, *(time or (0, 0)))
    return PageDate(local, offset, "minute" if time else "date") if local else None


def parse_date(raw: str | None, reference: datetime | None = None, zone: str | None = None) -> datetime | None:
    """The UTC instant `raw` names (read_publication), or None."""
    found = read_publication(raw, reference, zone)
    return found[0] if found else None


def read_publication(raw: str | None, reference: datetime | None = None,
                     zone: str | None = None) -> tuple[datetime, PageDate] | None:
    """The UTC instant `raw` names and the date as printed (`zone`: the publisher's IANA time
    zone, for a time the page gives without one), or None; before 1990 or after `reference`
    (the fetch time) it is no publication date."""
    printed = read_date(raw)
    if printed is None:
        return None
    at = printed.utc(zone)
    if at.year < 1990 or (reference is not None and at > reference):
        return None
    return at, printed


WEEKDAY_NUMBERS = {"الاثنين": 0, "الإثنين": 0, "الثلاثاء": 1, "الأربعاء": 2, "الاربعاء": 2, "الخميس": 3,
                   "الجمعة": 4, "السبت": 5, "الأحد": 6, "الاحد": 6}
_TODAY_WEEKDAY = re.compile(rf"(?:اليوم|صباح اليوم|مساء اليوم|في وقت سابق اليوم)\s*[،,]?\s*(?P<day>{_alternation(WEEKDAY_NUMBERS)})")


def resolve_weekday(text: str | None, reference: datetime | None) -> datetime | None:
    """"اليوم الجمعة" in a story names the day it was written: the latest such weekday on or
    before `reference`, which must be a known fetch time (never the run's clock). None
    without a reference or a mention."""
    if not text or reference is None:
        return None
    m = _TODAY_WEEKDAY.search(text)
    if not m:
        return None
    ref = reference.astimezone(timezone.utc)
    back = (ref.weekday() - WEEKDAY_NUMBERS[m["day"]]) % 7
    day = (ref - timedelta(days=back)).date()
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)


DATE_WORDS = ("هـ", "ه", "هجري", "الموافق", "عام", "سنة", "gst", "ksa", "ast", "بتوقيت", "السبت", "الأحد", "الاحد", "الاثنين", "الإثنين", "الثلاثاء", "الأربعاء", "الاربعاء", "الخميس", "الجمعة",
            "saturday", "sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "gmt", "utc", "ص", "م",
            "am", "pm", "الساعة", "في", "توقيت", "مكة", "المكرمة", "غرينتش")
_NOT_DATE_WORD = re.compile(rf"(?:{_MONTH_ALT})|(?:{_alternation(HIJRI_MONTHS)})|\d+(?:st|nd|rd|th)?|[^\w]+", re.IGNORECASE)


def is_date_only(text: str) -> bool:
    """True for a line that says a date and nothing else ("الثلاثاء 12 مارس 2024 - 10:30")."""
    if parse_date(text) is None:
        return False
    rest = _NOT_DATE_WORD.sub(" ", text.translate(_DIGITS)).split()
    return all(w.lower() in DATE_WORDS for w in rest)
