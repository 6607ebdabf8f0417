"""Dates and times as the site writes them, in one place.

French typography: “samedi 12 décembre 2026, 14 h 30 – 16 h 00”, “1er” for the first day of a
month. The spaces inside a time (“14 h 30”) and between a day and its month are no-break
spaces, so a narrow column never shows “14 h” on one line and “30” on the next. Other
languages get Django's date names and “14:30”. Everything is seen from Europe/Paris.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.utils import dateformat
from django.utils.translation import get_language

PARIS = ZoneInfo("Europe/Paris")
NBSP = "\u00a0"


def _is_french() -> bool:
    return (get_language() or "fr").lower().startswith("fr")


def to_paris(value: datetime) -> datetime:
    """An aware datetime seen from Europe/Paris (naive ones are taken as Paris time)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=PARIS)
    return value.astimezone(PARIS)


def _as_date(value: date | datetime) -> date:
    return to_paris(value).date() if isinstance(value, datetime) else value


def format_date(value: date | datetime, *, weekday: bool = False, year: bool = True) -> str:
    """“12 décembre 2026”, or “samedi 12 décembre 2026” with the weekday; “1er” in French."""
    day = _as_date(value)
    if _is_french():
        text = "{}{}{}".format(
            "1er" if day.day == 1 else day.day, NBSP, dateformat.format(day, "F")
        )
        if year:
            text = f"{text} {day.year}"
    else:
        text = dateformat.format(day, "j F Y" if year else "j F")
    if weekday:
        text = "{} {}".format(dateformat.format(day, "l"), text)
    return text


def format_time(value: time | datetime) -> str:
    """“14 h 30” in French (no-break spaces), “14:30” otherwise."""
    if isinstance(value, datetime):
        value = to_paris(value).time()
    if _is_french():
        return f"{value.hour}{NBSP}h{NBSP}{value.minute:02d}"
    return f"{value.hour:02d}:{value.minute:02d}"


def format_datetime(value: datetime, *, weekday: bool = True, year: bool = True) -> str:
    """“samedi 12 décembre 2026, 14 h 30”."""
    return f"{format_date(value, weekday=weekday, year=year)}, {format_time(value)}"


def format_range(start: datetime, end: datetime | None = None) -> str:
    """“samedi 12 décembre 2026, 14 h 30 – 16 h 00” (the end day is repeated if it differs)."""
    start = to_paris(start)
    text = format_datetime(start)
    if end is None:
        return text
    end = to_paris(end)
    if end.date() == start.date():
        return f"{text} – {format_time(end)}"
    return f"{text} – {format_datetime(end)}"
