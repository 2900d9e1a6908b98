"""Publication dates as Arabic news pages write them → UTC datetimes.

Handles month names of the three Arabic systems (MSA/Egyptian, Levantine/Iraqi, Maghrebi)
and English, dual forms ("أيلول/سبتمبر", "يونيو (حزيران)"), Arabic-Indic digits, day-month
order, ISO strings and ordinal English ("17th, September 2023 GMT"). Anything it cannot read
stays None rather than guessed; a date after the reference (fetch) time is refused.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

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
_DIGITS = str.maketrans({**{chr(0x0660 + i): str(i) for i in range(10)}, **{chr(0x06F0 + i): str(i) for i in range(10)}})
_MONTH_ALT = "|".join(sorted((re.escape(m.strip()) for m in MONTHS), key=len, reverse=True))
# A month, optionally followed by its twin in another system: "أيلول/سبتمبر", "يونيو (حزيران)".
_MONTH = rf"(?P<month>{_MONTH_ALT})(?:\s*(?:/|\(|-)\s*(?:{_MONTH_ALT})\s*\)?)?"
_DAY_MONTH_YEAR = re.compile(rf"(?<!\d)(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s*,?\s*(?:من\s+)?{_MONTH}\s*,?\s*(?P<year>\d{{4}})", re.IGNORECASE)
_MONTH_DAY_YEAR = re.compile(rf"{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s*,?\s*(?P<year>\d{{4}})", re.IGNORECASE)
_ISO = re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})(?:[T ](?P<h>\d{2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?(?:\.\d+)?(?P<tz>Z|[+-]\d{2}:?\d{2})?)?")
_NUMERIC_DMY = re.compile(r"(?<!\d)(?P<day>\d{1,2})[/.-](?P<month>\d{1,2})[/.-](?P<year>\d{4})(?!\d)")
_TIME = re.compile(r"(?<!\d)(?P<h>\d{1,2}):(?P<mi>\d{2})(?:\s*(?P<ampm>am|pm|ص|م)\b)?", re.IGNORECASE)


def _utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0,
         offset: timedelta = timedelta(0)) -> datetime | None:
    try:
        local = datetime(year, month, day, hour, minute, second, tzinfo=timezone(offset))
    except ValueError:
        return None
    return local.astimezone(timezone.utc)


def _offset(tz: str | None) -> timedelta:
    if not tz or tz == "Z":
        return timedelta(0)
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    return sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))


def parse_date(raw: str | None, reference: datetime | None = None) -> datetime | None:
    """The UTC datetime `raw` names, or None. `reference` (the fetch time) bounds it above."""
    if not raw:
        return None
    text = raw.translate(_DIGITS).strip()
    result = None
    m = _ISO.search(text)
    if m:
        result = _utc(int(m["year"]), int(m["month"]), int(m["day"]), int(m["h"] or 0),
                      int(m["mi"] or 0), int(m["s"] or 0), _offset(m["tz"]))
    else:
        m = _DAY_MONTH_YEAR.search(text) or _MONTH_DAY_YEAR.search(text)
        if m:
            month = MONTHS[m["month"].lower() if m["month"].isascii() else m["month"]]
            hour = minute = 0
            t = _TIME.search(text[m.end():])
            if t:
                hour, minute = int(t["h"]), int(t["mi"])
                if (t["ampm"] or "").lower() in ("pm", "م") and hour < 12:
                    hour += 12
            result = _utc(int(m["year"]), month, int(m["day"]), hour, minute)
        else:
            m = _NUMERIC_DMY.search(text)
            if m:
                result = _utc(int(m["year"]), int(m["month"]), int(m["day"]))
    if result is None or result.year < 1990:
        return None
    if reference is not None and result > reference:
        return None
    return result


WEEKDAYS = ("السبت", "الأحد", "الاحد", "الاثنين", "الإثنين", "الثلاثاء", "الأربعاء", "الاربعاء", "الخميس", "الجمعة",
            "saturday", "sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "gmt", "utc", "ص", "م",
            "am", "pm", "الساعة", "في", "توقيت", "مكة", "المكرمة", "غرينتش")
_NOT_DATE_WORD = re.compile(rf"(?:{_MONTH_ALT})|\d+(?:st|nd|rd|th)?|[^\w]+", re.IGNORECASE)


def is_date_only(text: str) -> bool:
    """True for a line that says a date and nothing else ("الثلاثاء 12 مارس 2024 - 10:30")."""
    if parse_date(text) is None:
        return False
    rest = _NOT_DATE_WORD.sub(" ", text.translate(_DIGITS)).split()
    return all(w.lower() in WEEKDAYS for w in rest)
