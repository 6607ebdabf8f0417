"""“Ouvert maintenant”: whether a médiathèque is open at a moment, until when, or when it opens.

Computed from a BranchPage's weekly hours (OpeningHoursBlock) and exceptional closures
(ClosureBlock) in the site's time zone (``timezone.get_current_timezone()``). Pure: no query,
the page's StreamFields are already loaded with it.

    status = opening_status(page, timezone.now())
    status.label   →  “Ouvert · ferme à 18 h”, “Fermé · ouvre demain à 10 h”

A slot whose closing time is not after its opening time (22 h → 1 h, or → 0 h) ends the next
day. Consecutive slots (10 h–12 h, 12 h–18 h) count as one opening. Local times are turned into
instants with the zone's rules, so a day when clocks change is 23 or 25 hours long.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cms.dates import format_date

NBSP = "\u00a0"
# How far ahead the next opening is looked for (a long closure can hide every slot).
HORIZON_DAYS = 62


@dataclass(frozen=True)
class OpeningStatus:
    is_open: bool
    closes_at: datetime | None = None  # local time, when open
    opens_at: datetime | None = None  # local time, when closed and an opening is known
    now: datetime | None = None  # local time the status was computed for

    @property
    def label(self) -> str:
        """“Ouvert · ferme à 18 h”, “Fermé · ouvre demain à 10 h”, “Fermé”."""
        if self.is_open:
            at = short_clock(self.closes_at)
            days = (self.closes_at.date() - self.now.date()).days
            # Closing at midnight (a 0 h end) is said as today's end.
            if days <= 0 or (days == 1 and self.closes_at.time() == time(0, 0)):
                return _("Open · closes at %(time)s") % {"time": at}
            if days == 1:
                return _("Open · closes tomorrow at %(time)s") % {"time": at}
            return _("Open · closes on %(date)s at %(time)s") % {
                "date": format_date(self.closes_at.date(), year=False),
                "time": at,
            }
        if self.opens_at is None:
            return _("Closed")
        at = short_clock(self.opens_at)
        days = (self.opens_at.date() - self.now.date()).days
        if days <= 0:
            return _("Closed · opens at %(time)s") % {"time": at}
        if days == 1:
            return _("Closed · opens tomorrow at %(time)s") % {"time": at}
        if days < 7:
            return _("Closed · opens %(weekday)s at %(time)s") % {
                "weekday": date_format(self.opens_at.date(), "l"),
                "time": at,
            }
        return _("Closed · opens on %(date)s at %(time)s") % {
            "date": format_date(self.opens_at.date(), year=False),
            "time": at,
        }


def short_clock(moment: datetime | time) -> str:
    """“18 h”, “18 h 30” in French; “18:00” otherwise."""
    value = moment.time() if isinstance(moment, datetime) else moment
    if not (get_language() or "fr").lower().startswith("fr"):
        return f"{value.hour:02d}:{value.minute:02d}"
    if value.minute:
        return f"{value.hour}{NBSP}h{NBSP}{value.minute:02d}"
    return f"{value.hour}{NBSP}h"


def _closed_days(page) -> list[tuple[date, date]]:
    spans = []
    for block in page.closures:
        start, end = block.value["start"], block.value["end"]
        if start is not None:
            spans.append((start, max(end or start, start)))
    return spans


def _weekly_slots(page) -> dict[int, list[tuple[time, time]]]:
    slots: dict[int, list[tuple[time, time]]] = {}
    for block in page.hours:
        opens, closes = block.value["opens"], block.value["closes"]
        if opens is None or closes is None or not block.value["day"]:
            continue
        slots.setdefault(int(block.value["day"]), []).append((opens, closes))
    return slots


def _local(day: date, moment: time, zone) -> datetime:
    return timezone.make_aware(datetime.combine(day, moment), zone)


def _intervals(page, first: date, last: date, zone) -> list[tuple[datetime, datetime]]:
    """The openings starting between ``first`` and ``last`` (local dates), in UTC, merged."""
    slots = _weekly_slots(page)
    if not slots:
        return []
    closed = _closed_days(page)
    found = []
    day = first
    while day <= last:
        if not any(start <= day <= end for start, end in closed):
            for opens, closes in slots.get(day.isoweekday(), []):
                end_day = day if closes > opens else day + timedelta(days=1)
                found.append(
                    (
                        _local(day, opens, zone).astimezone(UTC),
                        _local(end_day, closes, zone).astimezone(UTC),
                    )
                )
        day += timedelta(days=1)
    found.sort()
    merged: list[list[datetime]] = []
    for start, end in found:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def opening_status(page, moment: datetime) -> OpeningStatus | None:
    """Open or closed at ``moment`` (aware), and until / from when; None without any hours."""
    zone = timezone.get_current_timezone()
    local = timezone.localtime(moment, zone)
    if not _weekly_slots(page):
        return None
    today = local.date()
    instant = moment.astimezone(UTC)
    # From yesterday: a slot opened yesterday evening may still run after midnight.
    for start, end in _intervals(
        page, today - timedelta(days=1), today + timedelta(days=HORIZON_DAYS), zone
    ):
        if start <= instant < end:
            return OpeningStatus(True, closes_at=end.astimezone(zone), now=local)
        if start > instant:
            return OpeningStatus(False, opens_at=start.astimezone(zone), now=local)
    return OpeningStatus(False, now=local)


def branch_opening(branch, moment: datetime) -> OpeningStatus | None:
    """The status of a Branch through its live public page (loaded with it:
    ``select_related("page")``); None when it has no live page or no hours."""
    from django.core.exceptions import ObjectDoesNotExist

    try:
        page = branch.page
    except ObjectDoesNotExist:
        return None
    if page is None or not page.live:
        return None
    return opening_status(page, moment)
