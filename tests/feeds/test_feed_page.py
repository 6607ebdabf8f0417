"""The member's feed at /fil/: rendering, reasons, "not interested", cursor pagination
(stable under concurrent inserts, without JavaScript), empty states, query count."""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cms.models import (
    AnnouncementPage,
    EventIndexPage,
    EventPage,
    NewsIndexPage,
    RecommendationIndexPage,
    RecommendationPage,
)
from community.models import Post
from feeds import ranking
from feeds.fanout import fan_out_content
from feeds.feed.build import build_feed, member_signature
from feeds.feed.cursor import Cursor
from feeds.feed.reading import read_feed
from feeds.models import FeedFeedback, FeedState
from feeds.store import StoredEntry
from tests.cms.library_factories import make_announcement, make_event, make_item
from tests.community.life_helpers import join
from tests.conftest import make_community
from tests.feeds import feed_fixtures
from tests.feeds.feed_fixtures import make_member

pytestmark = pytest.mark.django_db
sf_member = feed_fixtures.sf_member  # shared fixture
store = feed_fixtures.store  # shared fixture
FEED = "/fil/"


def quick_announcement(title, interests, days_ago=0.0):
    """A live announcement without the revision machinery (fast, for volume)."""
    page = AnnouncementPage(title=title, intro=f"À propos de {title}.", live=True)
    NewsIndexPage.objects.get().add_child(instance=page)
    page.interests.set(interests)
    page.save()
    when = timezone.now() - timedelta(days=days_ago)
    AnnouncementPage.objects.filter(pk=page.pk).update(
        first_published_at=when, last_published_at=when
    )
    return page


def quick_event(title, branch, interests, days=5.0):
    start = timezone.now() + timedelta(days=days)
    page = EventPage(
        title=title,
        start=start,
        end=start + timedelta(hours=2),
        branch=branch,
        description="<p>Venez.</p>",
        live=True,
    )
    EventIndexPage.objects.get().add_child(instance=page)
    page.interests.set(interests)
    page.save()
    return page


@pytest.fixture
def busy_feed(taxonomy, branches, store, sf_member, monkeypatch):
    """A member whose feed holds every kind: 45 announcements, 30 events, 10 posts, 10 items."""
    for n in range(45):
        quick_announcement(f"Annonce SF {n}", [taxonomy["sf"]], days_ago=n / 4)
    for n in range(30):
        branch = branches["aubagne"] if n % 2 else branches["alcazar"]
        quick_event(f"Animation SF {n}", branch, [taxonomy["sf"]], days=1 + n / 2)
    club = make_community("Club SF", interests=[taxonomy["sf"]], branches=[branches["aubagne"]])
    author = make_member()
    join(author, club)
    join(sf_member, club)
    for n in range(10):
        Post.objects.create(
            community=club,
            author=author,
            body=f"Message {n} sur la SF",
            published_at=timezone.now(),
        )
    items = [make_item(f"Roman SF {n}", authors="Auteur, Un") for n in range(10)]
    suggestions = [
        SimpleNamespace(item=item, score=0.9 - n / 20, reason="Parce que vous aimez Dune")
        for n, item in enumerate(items)
    ]
    import feeds.recommendations

    monkeypatch.setattr(
        feeds.recommendations, "recommend_for", lambda member, limit=10: suggestions[:limit]
    )
    build_feed(sf_member)
    return sf_member


def entry_keys(html: str) -> list[str]:
    return re.findall(r'data-feed-entry="([a-z]+:\d+)"', html)


def next_link(html: str) -> str | None:
    match = re.search(r'href="(/fil/\?avant=[^"]+)"', html)
    return match.group(1).replace("&amp;", "&") if match else None


def max_run(values):
    best = run = 0
    previous = object()
    for value in values:
        run = run + 1 if value == previous and value is not None else 1
        previous = value
        best = max(best, run)
    return best


def assert_diverse(keys):
    """No more than two consecutive entries of a kind, except at the very end once every
    other kind has run out (then there is nothing else to show)."""
    kinds = [k.split(":")[0] for k in keys]
    for i in range(2, len(kinds)):
        if kinds[i] == kinds[i - 1] == kinds[i - 2]:
            assert set(kinds[i:]) == {kinds[i]}, f"three {kinds[i]} in a row at {i}: {kinds}"
            break


def test_login_required(client):
    response = client.get(FEED)
    assert response.status_code == 302 and "/comptes/login/" in response["Location"]


def test_the_feed_shows_ranked_entries_with_their_reasons(
    client, taxonomy, branches, store, sf_member
):
    near = make_event("Club SF à Aubagne", branch=branches["aubagne"], interests=[taxonomy["sf"]])
    far = make_event("Club SF à l'Alcazar", branch=branches["alcazar"], interests=[taxonomy["sf"]])
    past = make_event(
        "Club SF passé",
        branch=branches["aubagne"],
        interests=[taxonomy["sf"]],
        start=timezone.now() - timedelta(days=2),
    )
    make_announcement("Atelier cuisine", interests=[taxonomy["cuisine"]])
    client.force_login(sf_member)
    response = client.get(FEED)
    html = response.content.decode()
    assert response.status_code == 200
    keys = entry_keys(html)
    assert keys.index(f"event:{near.pk}") < keys.index(f"event:{far.pk}")
    assert f"event:{past.pk}" not in keys
    assert "Atelier cuisine" not in html
    assert (
        "Parce que vous suivez Science-fiction · Médiathèque Marcel Pagnol, votre médiathèque"
        in html
    )
    assert re.search(
        r"Parce que vous suivez Science-fiction · Bibliothèque de l&#x27;Alcazar, 1\d km", html
    )
    assert 'aria-live="polite"' in html and "Mon fil" in html


def test_a_past_event_disappears_from_a_stored_feed(client, taxonomy, branches, store, sf_member):
    event = make_event("Bientôt fini", branch=branches["aubagne"], interests=[taxonomy["sf"]])
    fan_out_content("event", event.pk)
    client.force_login(sf_member)
    build_feed(sf_member)
    assert f"event:{event.pk}" in entry_keys(client.get(FEED).content.decode())
    EventPage.objects.filter(pk=event.pk).update(
        start=timezone.now() - timedelta(hours=3), end=timezone.now() - timedelta(hours=1)
    )
    assert f"event:{event.pk}" not in entry_keys(client.get(FEED).content.decode())
    assert store.get_many(sf_member.pk, [f"event:{event.pk}"]) == []  # dropped from the store too


def test_empty_state_without_interests_links_to_the_interest_picker(client, store):
    newcomer = make_member()
    client.force_login(newcomer)
    html = client.get(FEED).content.decode()
    assert "Dites-nous ce que vous aimez" in html
    assert reverse("community:onboarding") in html


def test_empty_state_with_interests_but_nothing_near(client, store, sf_member):
    client.force_login(sf_member)
    html = client.get(FEED).content.decode()
    assert "Rien pour l’instant" in html


def test_not_interested_without_javascript_hides_the_entry_for_good_and_sinks_similar_ones(
    client, taxonomy, branches, store, sf_member
):
    follow_fantasy = taxonomy["fantasy"]
    from tests.feeds.feed_fixtures import follow

    follow(sf_member, follow_fantasy)
    sf_event = make_event("Club SF", branch=branches["aubagne"], interests=[taxonomy["sf"]])
    other_sf = make_event("Autre club SF", branch=branches["aubagne"], interests=[taxonomy["sf"]])
    fantasy = make_announcement("Soirée fantasy", interests=[follow_fantasy])
    old_fantasy = make_announcement(
        "Vieille fantasy",
        interests=[follow_fantasy],
        published_at=timezone.now() - timedelta(days=6),
    )
    client.force_login(sf_member)
    before = entry_keys(client.get(FEED).content.decode())
    assert before.index(f"event:{other_sf.pk}") < before.index(f"announcement:{old_fantasy.pk}")
    response = client.post(
        reverse("feeds:not_interested"), {"kind": "event", "object_id": sf_event.pk, "next": FEED}
    )
    assert response.status_code == 302 and response["Location"] == FEED
    assert FeedFeedback.objects.filter(
        member=sf_member, kind="event", object_id=sf_event.pk
    ).exists()
    html = client.get(FEED).content.decode()
    after = entry_keys(html)
    assert f"event:{sf_event.pk}" not in after  # gone, not merely lower
    assert after.index(f"event:{other_sf.pk}") > after.index(
        f"announcement:{old_fantasy.pk}"
    )  # similar sank
    assert after.index(f"announcement:{fantasy.pk}") < after.index(f"event:{other_sf.pk}")
    # the confirmation, with an "Undo" that works as a plain form
    assert "Masqué" in html and ">Annuler</button>" in html
    assert reverse("feeds:undo_not_interested") in html
    # reloads and rebuilds never bring it back; the confirmation shows once
    build_feed(sf_member)
    again = client.get(FEED).content.decode()
    assert f"event:{sf_event.pk}" not in entry_keys(again)
    assert "Masqué" not in again


def test_undo_brings_the_entry_back(client, taxonomy, branches, store, sf_member):
    event = make_event("Club SF", branch=branches["aubagne"], interests=[taxonomy["sf"]])
    client.force_login(sf_member)
    client.get(FEED)
    client.post(reverse("feeds:not_interested"), {"kind": "event", "object_id": event.pk})
    assert f"event:{event.pk}" not in entry_keys(client.get(FEED).content.decode())
    undo = reverse("feeds:undo_not_interested")
    response = client.post(undo, {"kind": "event", "object_id": event.pk, "next": FEED})
    assert response.status_code == 302 and response["Location"] == FEED
    assert not FeedFeedback.objects.filter(member=sf_member).exists()
    assert f"event:{event.pk}" in entry_keys(client.get(FEED).content.decode())
    missing = client.post(
        undo, {"kind": "event", "object_id": event.pk}, HTTP_ACCEPT="application/json"
    )
    assert missing.status_code == 404
    assert client.post(undo, {"kind": "event", "object_id": "x"}).status_code == 400


def test_not_interested_as_json_and_bad_input(client, taxonomy, branches, store, sf_member):
    event = make_event("Club SF", branch=branches["aubagne"], interests=[taxonomy["sf"]])
    client.force_login(sf_member)
    client.get(FEED)
    url = reverse("feeds:not_interested")
    ok = client.post(url, {"kind": "event", "object_id": event.pk}, HTTP_ACCEPT="application/json")
    assert ok.status_code == 200 and ok.json()["ok"] is True
    assert "Annuler" in ok.json()["confirmation"]
    assert f'name="object_id" value="{event.pk}"' in ok.json()["confirmation"]
    missing = client.post(
        url, {"kind": "event", "object_id": 999999}, HTTP_ACCEPT="application/json"
    )
    assert missing.status_code == 404
    assert client.post(url, {"kind": "nope", "object_id": "x"}).status_code == 400
    assert client.get(url).status_code == 405


def test_not_interested_persists_through_rebuilds_and_fan_outs(
    taxonomy, branches, store, sf_member
):
    event = make_event("Club SF", branch=branches["aubagne"], interests=[taxonomy["sf"]])
    other = make_event("Autre club", branch=branches["aubagne"], interests=[taxonomy["sf"]])
    build_feed(sf_member)
    from feeds.feed.dismissals import mark_not_interested

    assert mark_not_interested(sf_member, "event", event.pk)
    build_feed(sf_member)
    fan_out_content("event", event.pk)
    ranked = [e.key for e in store.page(sf_member.pk, before=None, limit=10)]
    assert ranked == [f"event:{other.pk}"]


def test_not_interested_in_a_session_hides_the_whole_series(taxonomy, branches, store, sf_member):
    start = timezone.now() + timedelta(days=2)
    first = make_event(
        "Club manga", branch=branches["aubagne"], interests=[taxonomy["sf"]], start=start
    )
    second = make_event(
        "Club manga",
        branch=branches["aubagne"],
        interests=[taxonomy["sf"]],
        start=start + timedelta(days=14),
    )
    build_feed(sf_member)
    from feeds.feed.dismissals import mark_not_interested

    assert mark_not_interested(sf_member, "event", first.pk)
    assert store.get_many(sf_member.pk, [f"event:{second.pk}"]) == []
    # a session published afterwards, fanned out and rebuilt: still hidden
    third = make_event(
        "Club manga",
        branch=branches["aubagne"],
        interests=[taxonomy["sf"]],
        start=start + timedelta(days=28),
    )
    fan_out_content("event", third.pk)
    build_feed(sf_member)
    keys = {e.key for e in store.page(sf_member.pk, before=None, limit=50)}
    assert not keys & {f"event:{first.pk}", f"event:{second.pk}", f"event:{third.pk}"}


def test_invalid_cursor_is_a_400_with_a_reason(client, sf_member):
    client.force_login(sf_member)
    response = client.get(FEED, {"avant": "pas-un-curseur"})
    assert response.status_code == 400
    assert "plus valable" in response.content.decode()


def test_pagination_without_javascript_covers_everything_once(client, settings, busy_feed, store):
    settings.FEED_PAGE_SIZE = 10
    client.force_login(busy_feed)
    seen, url, pages = [], FEED, 0
    while url and pages < 20:
        html = client.get(url).content.decode()
        keys = entry_keys(html)
        assert len(keys) <= 10
        seen += keys
        url, pages = next_link(html), pages + 1
        # only the last page says the feed ends, with somewhere to go next
        assert ("Vous êtes à jour" in html) == (url is None)
    assert "/agenda/" in html and "/coups-de-coeur/" in html and "/communautes/" in html
    stored = {e.key for e in store.page(busy_feed.pk, before=None, limit=1000)}
    assert len(seen) == len(set(seen)), "no duplicates"
    assert set(seen) == stored, "no gaps"
    assert_diverse(seen)
    fragment = client.get(FEED + "?fragment=1").content.decode()
    assert "<html" not in fragment and entry_keys(fragment)


def test_pagination_is_stable_under_concurrent_inserts(taxonomy, busy_feed, store):
    original = {e.key for e in store.page(busy_feed.pk, before=None, limit=1000)}
    first = read_feed(busy_feed, size=15)
    # Meanwhile, new content lands at the top of the feed (and some re-scoring happens).
    for n in range(5):
        page = make_announcement(f"Toute nouvelle annonce {n}", interests=[taxonomy["sf"]])
        fan_out_content("announcement", page.pk)
    new = {e.key for e in store.page(busy_feed.pk, before=None, limit=1000)} - original
    assert len(new) == 5
    seen = [c.key for c in first.cards]
    cursor = first.next_cursor
    while cursor:
        page = read_feed(busy_feed, cursor=Cursor.decode(cursor), size=15)
        seen += [c.key for c in page.cards]
        cursor = page.next_cursor
    assert len(seen) == len(set(seen)), "no duplicates"
    assert original <= set(seen), "no gaps"
    assert set(seen) - original <= new  # new entries ranked below the cursor show up in turn
    assert not (new & {c.key for c in first.cards})


@pytest.fixture
def mixed_feed(taxonomy, branches, store, sf_member):
    """25 entries of each of the five kinds, interleaved by score, written straight to the
    store (the feed is marked fresh, so opening it does not rebuild it)."""
    club = make_community("Club SF", interests=[taxonomy["sf"]], branches=[branches["aubagne"]])
    author = make_member()
    join(author, club)
    join(sf_member, club)
    objects = {
        "announcement": [quick_announcement(f"Annonce {n}", [taxonomy["sf"]]) for n in range(25)],
        "event": [
            quick_event(f"Animation {n}", branches["aubagne"], [taxonomy["sf"]]) for n in range(25)
        ],
        "recommendation": [
            quick_recommendation(f"Sélection {n}", [taxonomy["sf"]]) for n in range(25)
        ],
        "catalogue": [make_item(f"Roman {n}") for n in range(25)],
        "post": [
            Post.objects.create(
                community=club, author=author, body=f"Message {n}", published_at=timezone.now()
            )
            for n in range(25)
        ],
    }
    rows, score = [], 500.0
    for n in range(25):
        for kind, objs in objects.items():
            rows.append((sf_member.pk, StoredEntry(kind, objs[n].pk, score, f"Raison {kind} {n}")))
            score -= 0.5
    store.add_many(rows)
    FeedState.objects.create(
        member=sf_member,
        built_at=timezone.now(),
        last_seen=timezone.now(),
        signature=member_signature(sf_member),
    )
    return sf_member


def quick_recommendation(title, interests):
    page = RecommendationPage(title=title, intro="Nos choix.", items=[], live=True)
    RecommendationIndexPage.objects.get().add_child(instance=page)
    page.interests.set(interests)
    page.save()
    return page


@pytest.mark.parametrize("size", [10, 40])
def test_query_count_does_not_grow_with_page_size(client, settings, mixed_feed, size, request):
    busy_feed = mixed_feed
    client.force_login(busy_feed)
    client.get(FEED)  # warm: session, site root paths
    settings.FEED_PAGE_SIZE = size
    with CaptureQueriesContext(connection) as queries:
        response = client.get(FEED)
    html = response.content.decode()
    assert len(entry_keys(html)) == size
    assert {k.split(":")[0] for k in entry_keys(html)} == {
        "announcement",
        "event",
        "recommendation",
        "catalogue",
        "post",
    }
    counts = request.config.cache_counts = getattr(request.config, "cache_counts", {})
    counts[size] = len(queries)
    print(f"feed page: {len(queries)} queries at page size {size}")
    assert len(queries) <= 25, [q["sql"][:120] for q in queries.captured_queries]
    if len(counts) == 2:
        assert counts[10] == counts[40], counts


def test_all_kinds_render(client, settings, busy_feed):
    settings.FEED_PAGE_SIZE = 40
    client.force_login(busy_feed)
    html = client.get(FEED).content.decode()
    kinds = {k.split(":")[0] for k in entry_keys(html)}
    assert {"announcement", "event", "post", "catalogue"} <= kinds
    assert "Roman SF" in html and "Club SF" in html
    assert_diverse(entry_keys(html))


def test_ranking_constants_are_sane():
    assert ranking.SIMILAR_PENALTY > 0


def test_post_excerpts_in_the_feed_keep_the_text(client, taxonomy, branches, store, sf_member):
    club = make_community("Club SF", interests=[taxonomy["sf"]], branches=[branches["aubagne"]])
    author = make_member()
    join(author, club)
    join(sf_member, club)
    Post.objects.create(
        community=club,
        author=author,
        body="Essai <script>alert(1)</script> et **gras** & R&D",
        published_at=timezone.now(),
    )
    client.force_login(sf_member)
    html = client.get(FEED).content.decode()
    # escaped once, nothing stripped: the text as typed, Markdown as the post shows it
    assert "<p>Essai &lt;script&gt;alert(1)&lt;/script&gt; et gras &amp; R&amp;D</p>" in html
    assert "<script>alert" not in html
