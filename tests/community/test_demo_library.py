"""`load_demo` with the library content: catalogue, branch pages, events, news, curated lists."""

import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import Revision

from cms.models import (
    AnnouncementPage,
    Branch,
    BranchPage,
    CatalogueItem,
    EventPage,
    Holding,
    RecommendationPage,
)
from community.demo.library import CATALOGUE_FILES, _occurrences, load_events
from community.demo.library_data import EVENT_SERIES

pytestmark = pytest.mark.django_db


def _load() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_full_demo_loads_the_library_content_and_a_second_run_changes_nothing():
    output = _load()
    assert "catalogue items" in output
    items = CatalogueItem.objects.count()
    assert items >= 1500
    assert len(CATALOGUE_FILES) >= 2
    # every item has 1–3 copies at real branches of the network
    assert not CatalogueItem.objects.filter(holdings__isnull=True).exists()
    assert Holding.objects.count() >= items
    assert set(Holding.objects.values_list("branch__code", flat=True)) <= set(
        Branch.objects.values_list("code", flat=True)
    )
    # interests come from the CSV
    assert CatalogueItem.objects.filter(interests__slug="science-fiction").count() >= 50
    upcoming = EventPage.objects.live().filter(start__gte=timezone.now())
    assert upcoming.count() >= 40
    assert (
        upcoming.filter(start__lte=timezone.now() + timedelta(days=61)).count() == upcoming.count()
    )
    assert AnnouncementPage.objects.live().count() == 20
    assert RecommendationPage.objects.live().count() == 10
    assert BranchPage.objects.live().count() == Branch.objects.count()
    assert all(len(page.items) >= 1 for page in RecommendationPage.objects.all())

    before = {
        "items": sorted(CatalogueItem.objects.values_list("pk", "source_hash")),
        "holdings": Holding.objects.count(),
        "revisions": Revision.objects.count(),
        "events": sorted(EventPage.objects.values_list("pk", flat=True)),
    }
    second = _load()
    assert "catalogue items" in second
    after = {
        "items": sorted(CatalogueItem.objects.values_list("pk", "source_hash")),
        "holdings": Holding.objects.count(),
        "revisions": Revision.objects.count(),
        "events": sorted(EventPage.objects.values_list("pk", flat=True)),
    }
    assert after == before


def test_event_series_cover_the_next_two_months():
    today = date(2026, 11, 25)
    total = sum(len(_occurrences(series, today)) for series in EVENT_SERIES)
    assert total >= 40
    for series in EVENT_SERIES:
        for day in _occurrences(series, today):
            assert today < day <= today + timedelta(days=60)
            assert day.weekday() == series["weekday"]


def test_a_later_run_tops_the_agenda_up_without_moving_events():
    call_command("load_demo", "--no-library", stdout=io.StringIO())
    from community.demo.library import load_branch_pages, load_services

    load_services()
    load_branch_pages()
    load_events(today=date(2026, 11, 25))
    first = set(EventPage.objects.values_list("slug", "start"))
    load_events(today=date(2026, 12, 25))
    second = set(EventPage.objects.values_list("slug", "start"))
    assert first < second  # new dates added, existing events untouched
