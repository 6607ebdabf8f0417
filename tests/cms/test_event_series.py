"""One event series, one entry, wherever events are listed: the feed's rule (next session)
in search results, the partner questionnaire's suggestions, a branch's "Prochainement" and
the weekly digest."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cms.event_series import one_per_series
from community.outreach.actions import suggestions_for
from feeds import digest
from search import indexing
from search.backends import get_backend
from tests.cms.library_factories import make_branch_page, make_event
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def workshop(taxonomy, branches):
    """Five sessions of one manga workshop at Aubagne, one other event there."""
    start = timezone.now() + timedelta(days=2)
    sessions = [
        make_event(
            "Atelier dessin manga",
            branch=branches["aubagne"],
            interests=[taxonomy["sf"]],
            start=start + timedelta(days=7 * n),
        )
        for n in (3, 0, 4, 1, 2)  # published out of order
    ]
    other = make_event(
        "Club de lecture science-fiction",
        branch=branches["aubagne"],
        interests=[taxonomy["sf"]],
        start=start + timedelta(days=10),
    )
    sessions.sort(key=lambda e: e.start)
    return {"sessions": sessions, "other": other}


def test_one_per_series_keeps_the_first_of_each_in_the_lists_order():
    rows = [("a", 1), ("b", 2), ("a", 3), (None, 4), (None, 5), ("b", 6), ("c", 7)]
    kept = one_per_series(rows, key=lambda r: r[0])
    assert [r[1] for r in kept] == [1, 2, 4, 5, 7]
    assert [r[1] for r in one_per_series(rows, 2, key=lambda r: r[0])] == [1, 2]


def test_branch_page_lists_a_series_once_with_its_next_session(client, branches, workshop):
    page = make_branch_page(branches["aubagne"])
    upcoming = client.get(page.url).context["upcoming_events"]
    assert upcoming == [workshop["sessions"][0], workshop["other"]]


def test_questionnaire_suggests_a_series_once_and_the_chosen_interest_first(
    taxonomy, branches, workshop
):
    make_event(  # sooner, but only of the chosen interest's family (its parent)
        "Soirée de l’imaginaire",
        branch=branches["aubagne"],
        interests=[taxonomy["imaginaire"]],
        start=timezone.now() + timedelta(days=1),
    )
    found = suggestions_for(branches["aubagne"], [taxonomy["sf"]], limit=3)
    titles = [s.title for s in found if s.kind == "event"]
    assert titles == [
        "Atelier dessin manga",
        "Club de lecture science-fiction",
        "Soirée de l’imaginaire",
    ]


def test_search_answers_a_series_once(workshop):
    indexing.rebuild()
    results = get_backend().search("atelier dessin manga")
    events = [h for h in results.hits if h.kind == "event"]
    assert len(events) == 1 and events[0].object_id in {e.pk for e in workshop["sessions"]}
    assert results.total == len(results.hits)


def test_digest_lists_a_series_once_its_next_session(taxonomy, branches, workshop):
    reader = make_user(
        "lecteur@example.org",
        home_branch=branches["aubagne"],
        latitude=43.2925,
        longitude=5.5693,
    )
    reader.interests.add(taxonomy["sf"])
    entries = [e for e in digest.digest_entries(reader) if e.kind == "event"]
    titles = [e.title for e in entries]
    assert titles.count("Atelier dessin manga") == 1
    manga = next(e for e in entries if e.title == "Atelier dessin manga")
    assert manga.start == workshop["sessions"][0].start
