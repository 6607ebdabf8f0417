"""An event published as one page per session (a club every other Saturday): the feed shows
one card for the series, its next session, listing the sessions after it; the later sessions
stay in the stored feed and come up when the ones before them are over."""

import importlib
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from cms.models import EventPage
from cms.models.library_pages import event_series_key
from feeds.feed.build import build_feed
from feeds.feed.samples import community_sample
from tests.cms.library_factories import make_event
from tests.conftest import make_community
from tests.feeds import feed_fixtures
from tests.feeds.test_feed_page import FEED, entry_keys, next_link

fill_series_keys = importlib.import_module("cms.migrations.0006_event_series_key").fill_series_keys
pytestmark = pytest.mark.django_db
sf_member = feed_fixtures.sf_member  # shared fixture
store = feed_fixtures.store  # shared fixture


def sessions(title, branch, interests, count, first_in_days=2, every_days=14):
    start = timezone.now() + timedelta(days=first_in_days)
    return [
        make_event(
            title,
            branch=branch,
            interests=interests,
            start=start + timedelta(days=every_days * n),
        )
        for n in range(count)
    ]


def card_of(html: str, key: str) -> str:
    match = re.search(rf'data-feed-entry="{key}">(.*?)</li>', html, re.S)
    assert match, f"no card {key}"
    return match.group(1)


@pytest.fixture
def club(taxonomy, branches):
    return sessions("Club de lecture SF", branches["aubagne"], [taxonomy["sf"]], 5)


def test_one_card_per_series_with_its_next_sessions(
    client, taxonomy, branches, store, sf_member, club
):
    other = make_event(
        "Rencontre d'autrice", branch=branches["aubagne"], interests=[taxonomy["sf"]]
    )
    build_feed(sf_member)
    client.force_login(sf_member)

    html = client.get(FEED).content.decode()
    keys = entry_keys(html)

    assert f"event:{club[0].pk}" in keys and f"event:{other.pk}" in keys
    assert not {f"event:{s.pk}" for s in club[1:]} & set(keys)
    card = card_of(html, f"event:{club[0].pk}")
    assert "Prochaines séances" in card
    links = re.findall(r'<a href="([^"]+)"><time datetime="([^"]+)"', card)
    assert [url for url, _when in links] == [s.url for s in club[1:4]]
    assert "et 1 autre" in card
    assert "Prochaines séances" not in card_of(html, f"event:{other.pk}")
    # held back, not dropped: the later sessions are still in the stored feed
    stored = store.get_many(sf_member.pk, [f"event:{s.pk}" for s in club])
    assert len(stored) == 5


def test_later_sessions_never_appear_on_later_pages(
    client, settings, taxonomy, branches, store, sf_member, club
):
    for n in range(12):
        make_event(f"Animation {n}", branch=branches["alcazar"], interests=[taxonomy["sf"]])
    build_feed(sf_member)
    settings.FEED_PAGE_SIZE = 3
    client.force_login(sf_member)
    seen, url = [], FEED
    for _page in range(20):
        html = client.get(url).content.decode()
        seen += entry_keys(html)
        url = next_link(html)
        if not url:
            break
    assert len(seen) == len(set(seen)) == 13
    assert [k for k in seen if k.startswith("event:") and int(k[6:]) in {s.pk for s in club}] == [
        f"event:{club[0].pk}"
    ]


def test_when_a_session_is_over_the_next_one_takes_its_place(
    client, taxonomy, branches, store, sf_member, club
):
    build_feed(sf_member)
    client.force_login(sf_member)
    assert f"event:{club[0].pk}" in entry_keys(client.get(FEED).content.decode())

    now = timezone.now()
    EventPage.objects.filter(pk=club[0].pk).update(
        start=now - timedelta(hours=3), end=now - timedelta(hours=1)
    )
    html = client.get(FEED).content.decode()  # no rebuild in between

    keys = [k for k in entry_keys(html) if k.startswith("event:")]
    assert keys == [f"event:{club[1].pk}"]
    card = card_of(html, f"event:{club[1].pk}")
    assert re.findall(r'<a href="([^"]+)"><time', card) == [s.url for s in club[2:5]]
    assert "autre" not in card


def test_same_title_at_another_branch_is_another_series(
    client, taxonomy, branches, store, sf_member, club
):
    elsewhere = make_event(
        "Club de lecture SF", branch=branches["alcazar"], interests=[taxonomy["sf"]]
    )
    build_feed(sf_member)
    client.force_login(sf_member)

    keys = entry_keys(client.get(FEED).content.decode())

    assert f"event:{club[0].pk}" in keys and f"event:{elsewhere.pk}" in keys


def test_a_later_session_shows_when_the_next_one_is_not_in_the_feed(
    client, taxonomy, branches, store, sf_member, club
):
    build_feed(sf_member)
    store.remove_content("event", club[0].pk, members=[sf_member.pk])
    client.force_login(sf_member)

    keys = [k for k in entry_keys(client.get(FEED).content.decode()) if k.startswith("event:")]

    assert keys == [f"event:{club[1].pk}"]


def test_community_feed_shows_one_card_per_series(taxonomy, branches, club):
    community = make_community("SF", interests=[taxonomy["sf"]], branches=[branches["aubagne"]])

    cards = [c for c in community_sample(community) if c.kind == "event"]

    assert [c.object_id for c in cards] == [club[0].pk]
    assert [when for when, _url in cards[0].other_sessions] == [s.start for s in club[1:4]]
    assert cards[0].more_sessions == 1


def test_the_series_key_follows_the_title_and_the_branch(taxonomy, branches, club):
    event = club[0]
    assert (
        event.series_key
        == club[1].series_key
        == event_series_key("  club DE lecture   sf", branches["aubagne"].pk)
    )
    event.title = "Club de lecture imaginaire"
    event.save_revision().publish()
    event.refresh_from_db()
    assert event.series_key == event_series_key("Club de lecture imaginaire", event.branch_id)

    event.branch = branches["alcazar"]
    event.save(update_fields=["branch"])
    assert EventPage.objects.get(pk=event.pk).series_key == event_series_key(
        "Club de lecture imaginaire", branches["alcazar"].pk
    )


def test_the_migration_gives_existing_events_their_series_key(club):
    from django.apps import apps

    EventPage.objects.update(series_key="")

    fill_series_keys(apps, None)

    keys = set(EventPage.objects.values_list("series_key", flat=True))
    assert keys == {event_series_key("Club de lecture SF", club[0].branch_id)}


def feed_queries(client, member, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    build_feed(member)
    client.force_login(member)
    client.get(FEED)  # first visit: feed state, caches
    with CaptureQueriesContext(connection) as queries:
        html = client.get(FEED).content.decode()
    return len(queries), entry_keys(html)


def test_held_back_sessions_still_fill_the_page_in_a_bounded_number_of_queries(
    client, settings, taxonomy, branches, store, sf_member
):
    # Ten daily clubs starting a day apart: most of the soonest entries are later sessions,
    # held back. The page still shows ten clubs, one card each, reading the store on in a
    # few growing reads (not hydrating and re-picking again and again).
    settings.FEED_PAGE_SIZE = 10
    singles = [
        make_event(f"Rencontre {n}", branch=branches["aubagne"], interests=[taxonomy["sf"]])
        for n in range(10)
    ]
    single_count, keys = feed_queries(client, sf_member, settings)
    assert len(keys) == 10
    for event in singles:
        event.unpublish()
    clubs = [
        sessions(f"Club {n}", branches["aubagne"], [taxonomy["sf"]], 6, 1 + n, every_days=1)
        for n in range(10)
    ]

    series_count, keys = feed_queries(client, sf_member, settings)

    assert sorted(keys) == sorted(f"event:{club[0].pk}" for club in clubs)
    print(f"queries: {single_count} for single events, {series_count} with held sessions")
    # Only these ten entries are not held: the store is read on until it has no more (10,
    # then 20 and 40 entries, growing), each read with the series of the events it brings.
    assert series_count <= single_count + 6


def test_a_feed_of_one_long_series_shows_its_next_session_and_no_empty_page(
    client, settings, taxonomy, branches, store, sf_member
):
    settings.FEED_PAGE_SIZE = 5
    daily = sessions(
        "Permanence numérique", branches["aubagne"], [taxonomy["sf"]], 60, every_days=1
    )
    build_feed(sf_member)
    client.force_login(sf_member)

    html = client.get(FEED).content.decode()

    assert entry_keys(html) == [f"event:{daily[0].pk}"]
    assert next_link(html) is None  # nothing else: no page of nothing behind a link


def test_not_interested_in_a_session_hides_the_whole_series(
    client, settings, taxonomy, branches, store, sf_member, club
):
    settings.FEED_PAGE_SIZE = 3
    others = [
        make_event(f"Animation {n}", branch=branches["aubagne"], interests=[taxonomy["sf"]])
        for n in range(8)
    ]
    build_feed(sf_member)
    client.force_login(sf_member)
    response = client.post(
        "/fil/pas-interesse/",
        {"kind": "event", "object_id": club[0].pk},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200
    seen, url = [], FEED
    while url:
        html = client.get(url).content.decode()
        seen += entry_keys(html)
        url = next_link(html)
    # neither the session dismissed nor the later ones come up, on any page
    assert not {f"event:{s.pk}" for s in club} & set(seen)
    assert {f"event:{e.pk}" for e in others} <= set(seen)


def test_card_urls_are_wagtails_without_a_site_lookup_and_full_for_another_site(
    rf, taxonomy, branches, club, django_assert_num_queries
):
    """One site: the local URL `get_url(request)` gives, without its lookup of the request's
    site. Two sites: `get_url(request)` itself, a full URL for the other site's page."""
    from wagtail.models import Page, Site

    from feeds.sessions import EventSessions

    request = rf.get(FEED)
    pages = [EventPage.objects.get(pk=event.pk) for event in club]
    expected = [page.get_url(rf.get(FEED)) for page in pages]
    sessions = EventSessions((), timezone.now(), request)
    Site.get_site_root_paths()  # in the cache, as on a site that has served a page
    with django_assert_num_queries(0):
        assert [sessions.page_url(page.pk, page.url_path) for page in pages] == expected
    assert all(url.startswith("/") for url in expected)

    # the club's pages move to a second site of their own
    other_root = Page.get_first_root_node().add_child(
        instance=Page(title="Autre réseau", slug="autre-reseau")
    )
    Site.objects.create(hostname="autre.example", port=443, root_page=other_root)
    for page in pages:
        page.move(other_root, pos="last-child")
    pages = [EventPage.objects.get(pk=page.pk) for page in pages]
    sessions = EventSessions((), timezone.now(), rf.get(FEED))
    urls = [sessions.page_url(page.pk, page.url_path) for page in pages]
    assert urls == [page.get_url(rf.get(FEED)) for page in pages]
    assert all(url.startswith("https://autre.example/") for url in urls), urls
