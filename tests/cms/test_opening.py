"""“Ouvert maintenant”: open or closed at a moment, until or from when, in the site's zone."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from cms.models import BranchPage
from cms.opening import opening_status

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
NBSP = "\u00a0"


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def page(hours=(), closures=()) -> BranchPage:
    """An unsaved branch page: hours = [(iso weekday, "10:00", "18:00")]."""
    return BranchPage(
        title="Méjanes",
        hours=[
            {"type": "slot", "value": {"day": str(day), "opens": opens, "closes": closes}}
            for day, opens, closes in hours
        ],
        closures=[
            {
                "type": "closure",
                "value": {"start": start.isoformat(), "end": end.isoformat(), "reason": why},
            }
            for start, end, why in closures
        ],
    )


# Tuesday to Saturday 10 h – 12 h 30 and 14 h – 18 h; Saturday 10 h – 17 h.
WEEK = (
    [(day, "10:00", "12:30") for day in range(2, 6)]
    + [(day, "14:00", "18:00") for day in range(2, 6)]
    + [(6, "10:00", "17:00")]
)


@pytest.fixture(autouse=True)
def _french():
    with translation.override("fr"), timezone.override(PARIS):
        yield


def label(p, moment) -> str:
    return opening_status(p, moment).label.replace(NBSP, " ")


def test_no_hours_means_no_status():
    assert opening_status(page(), paris(2026, 12, 8, 11)) is None


def test_open_says_when_it_closes():
    # Tuesday 8 December 2026, 11 h.
    status = opening_status(page(WEEK), paris(2026, 12, 8, 11))
    assert status.is_open
    assert status.closes_at == paris(2026, 12, 8, 12, 30)
    assert label(page(WEEK), paris(2026, 12, 8, 11)) == "Ouvert · ferme à 12 h 30"


def test_lunch_break_opens_again_today():
    assert label(page(WEEK), paris(2026, 12, 8, 13)) == "Fermé · ouvre à 14 h"


def test_closing_time_is_excluded_and_opening_time_included():
    assert not opening_status(page(WEEK), paris(2026, 12, 8, 18)).is_open
    assert opening_status(page(WEEK), paris(2026, 12, 8, 10)).is_open


def test_evening_opens_tomorrow():
    assert label(page(WEEK), paris(2026, 12, 8, 19)) == "Fermé · ouvre demain à 10 h"


def test_just_after_midnight_opens_today():
    assert label(page(WEEK), paris(2026, 12, 9, 0, 5)) == "Fermé · ouvre à 10 h"


def test_sunday_opens_on_tuesday_by_weekday_name():
    # Saturday 12 December 18 h → Tuesday 15.
    assert label(page(WEEK), paris(2026, 12, 12, 18)) == "Fermé · ouvre mardi à 10 h"


def test_consecutive_slots_are_one_opening():
    p = page([(2, "10:00", "12:00"), (2, "12:00", "18:00")])
    assert label(p, paris(2026, 12, 8, 11)) == "Ouvert · ferme à 18 h"


def test_slot_running_past_midnight():
    # Friday 22 h – 1 h (a night of reading): open at 0 h 30 on Saturday, closes at 1 h.
    p = page([(5, "22:00", "01:00")])
    status = opening_status(p, paris(2026, 12, 12, 0, 30))
    assert status.is_open
    assert status.closes_at == paris(2026, 12, 12, 1, 0)
    assert label(p, paris(2026, 12, 11, 23)) == "Ouvert · ferme demain à 1 h"


def test_closing_at_midnight_is_said_as_today():
    p = page([(5, "20:00", "00:00")])
    assert label(p, paris(2026, 12, 11, 21)) == "Ouvert · ferme à 0 h"


def test_exceptional_closure_today_and_next_opening_after_it():
    closed = [(date(2026, 12, 8), date(2026, 12, 10), "Inventaire")]
    p = page(WEEK, closed)
    assert not opening_status(p, paris(2026, 12, 8, 11)).is_open
    # Reopens Friday 11 December.
    assert label(p, paris(2026, 12, 8, 11)) == "Fermé · ouvre vendredi à 10 h"


def test_closure_of_a_single_day_without_end():
    p = page(WEEK, [(date(2026, 12, 8), date(2026, 12, 8), "Formation")])
    assert label(p, paris(2026, 12, 8, 11)) == "Fermé · ouvre demain à 10 h"


def test_long_closure_gives_the_date():
    p = page(WEEK, [(date(2026, 12, 8), date(2026, 12, 31), "Travaux")])
    assert label(p, paris(2026, 12, 8, 11)) == "Fermé · ouvre le 1er janvier à 10 h"


def test_closed_with_no_opening_in_sight():
    p = page(WEEK, [(date(2026, 12, 1), date(2027, 6, 30), "Travaux")])
    status = opening_status(p, paris(2026, 12, 8, 11))
    assert not status.is_open and status.opens_at is None
    assert status.label == "Fermé"


def test_spring_forward_night_slot_is_one_hour_shorter():
    # Sunday 28 March 2027 clocks go from 2 h to 3 h; a Saturday slot 22 h – 4 h.
    p = page([(6, "22:00", "04:00")])
    status = opening_status(p, paris(2027, 3, 28, 3, 30))
    assert status.is_open
    assert status.closes_at == paris(2027, 3, 28, 4, 0)
    utc = ZoneInfo("UTC")
    opened = paris(2027, 3, 27, 22, 0).astimezone(utc)
    assert (status.closes_at.astimezone(utc) - opened).total_seconds() == 5 * 3600


def test_autumn_dst_morning_uses_local_hours():
    # Sunday 31 October 2027 clocks go back; Monday 1 November at 9 h 59 local (8 h 59 UTC).
    p = page([(1, "10:00", "12:00")])
    moment = datetime(2027, 11, 1, 8, 59, tzinfo=ZoneInfo("UTC"))
    assert label(p, moment) == "Fermé · ouvre à 10 h"
    assert opening_status(p, datetime(2027, 11, 1, 9, 0, tzinfo=ZoneInfo("UTC"))).is_open


def test_computed_in_the_current_time_zone():
    # 11 h UTC is 12 h in Paris (open until 12 h 30) but 6 h in New York (closed).
    moment = datetime(2026, 12, 8, 11, 0, tzinfo=ZoneInfo("UTC"))
    assert opening_status(page(WEEK), moment).is_open
    with timezone.override(ZoneInfo("America/New_York")):
        assert not opening_status(page(WEEK), moment).is_open
