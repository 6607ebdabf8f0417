"""Fan-out on write: publish, edit, unpublish and delete pages, publish and withdraw posts;
inactive members are skipped and rebuilt on their next visit; the cap holds."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from community.actions import moderation
from community.models import Membership
from feeds.fanout import fan_out_content
from feeds.feed.build import build_feed
from feeds.models import FeedEntry, FeedState
from tests.cms.library_factories import (
    make_announcement,
    make_event,
    make_item,
    make_recommendation,
)
from tests.community.life_helpers import join, make_post
from tests.conftest import make_community
from tests.feeds import feed_fixtures
from tests.feeds.feed_fixtures import make_member

pytestmark = pytest.mark.django_db
sf_member = feed_fixtures.sf_member  # shared fixture
store = feed_fixtures.store  # shared fixture


def keys(store, member):
    return [e.key for e in store.page(member.pk, before=None, limit=1000)]


def test_publishing_an_announcement_reaches_followers_on_commit(
    django_capture_on_commit_callbacks, taxonomy, branches, store, sf_member
):
    parent_fan = make_member(interests=[taxonomy["imaginaire"]], home=branches["alcazar"])
    cook = make_member(interests=[taxonomy["cuisine"]], home=branches["aubagne"])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        page = make_announcement("Rencontre avec Alain Damasio", interests=[taxonomy["sf"]])
    assert callbacks, "the fan-out starts on commit"
    assert keys(store, sf_member) == [f"announcement:{page.pk}"]
    assert keys(store, parent_fan) == [f"announcement:{page.pk}"]  # taxonomy: parent followed
    assert keys(store, cook) == []
    entry = store.page(sf_member.pk, before=None, limit=1)[0]
    assert entry.reason == "Parce que vous suivez Science-fiction"


def test_nothing_is_fanned_out_before_the_commit(
    django_capture_on_commit_callbacks, taxonomy, store, sf_member
):
    with django_capture_on_commit_callbacks(execute=False):
        make_announcement("Brouillon publié puis annulé", interests=[taxonomy["sf"]])
    assert keys(store, sf_member) == []


def test_an_event_reaches_members_near_its_branch_only(
    django_capture_on_commit_callbacks, taxonomy, branches, store, sf_member
):
    arles_fan = make_member(interests=[taxonomy["sf"]], lat=43.6766, lon=4.6278)
    with django_capture_on_commit_callbacks(execute=True):
        event = make_event("Club SF", branch=branches["aubagne"], interests=[taxonomy["sf"]])
    assert keys(store, sf_member) == [f"event:{event.pk}"]
    assert keys(store, arles_fan) == []  # 80 km away
    assert (
        "Médiathèque Marcel Pagnol, votre médiathèque"
        in store.page(sf_member.pk, before=None, limit=1)[0].reason
    )


def test_editing_rescores_and_retargets(
    django_capture_on_commit_callbacks, taxonomy, store, sf_member
):
    cook = make_member(interests=[taxonomy["cuisine"]])
    with django_capture_on_commit_callbacks(execute=True):
        page = make_announcement("Atelier", interests=[taxonomy["sf"]])
    assert keys(store, sf_member) == [f"announcement:{page.pk}"] and keys(store, cook) == []
    with django_capture_on_commit_callbacks(execute=True):
        page.interests.set([taxonomy["cuisine"]])
        page.title = "Atelier cuisine"
        page.save_revision().publish()
    assert keys(store, sf_member) == []
    assert keys(store, cook) == [f"announcement:{page.pk}"]


def test_unpublishing_and_deleting_remove_the_entries(
    django_capture_on_commit_callbacks, taxonomy, branches, store, sf_member
):
    with django_capture_on_commit_callbacks(execute=True):
        page = make_announcement("Soirée SF", interests=[taxonomy["sf"]])
        event = make_event("Club SF", branch=branches["aubagne"], interests=[taxonomy["sf"]])
    assert len(keys(store, sf_member)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        page.unpublish()
    assert keys(store, sf_member) == [f"event:{event.pk}"]
    with django_capture_on_commit_callbacks(execute=True):
        event.delete()
    assert keys(store, sf_member) == []


def test_recommendations_fan_out(
    django_capture_on_commit_callbacks, taxonomy, branches, store, sf_member
):
    item = make_item("Dune")
    with django_capture_on_commit_callbacks(execute=True):
        page = make_recommendation(
            "Nos SF préférées", items=[(item, "Culte")], interests=[taxonomy["sf"]]
        )
    assert keys(store, sf_member) == [f"recommendation:{page.pk}"]


def test_posts_reach_community_members_and_leave_when_hidden(
    django_capture_on_commit_callbacks, taxonomy, branches, store, sf_member
):
    club = make_community("Club SF", interests=[taxonomy["sf"]], branches=[branches["aubagne"]])
    author = make_member()
    join(author, club)
    join(sf_member, club)
    with django_capture_on_commit_callbacks(execute=True):
        post = make_post(author, club, "Qui a lu Les Furtifs ?")
    assert keys(store, sf_member) == [f"post:{post.pk}"]
    assert keys(store, author) == []  # not in one's own feed
    assert store.page(sf_member.pk, before=None, limit=1)[0].reason.startswith(
        "Dans votre communauté Club SF"
    )
    moderator = make_member()
    join(moderator, club, Membership.Role.MODERATOR)
    with django_capture_on_commit_callbacks(execute=True):
        moderation.moderate_content(moderator, post, moderation.Action.HIDE, "Hors sujet")
    assert keys(store, sf_member) == []


def test_inactive_members_are_skipped_then_rebuilt_on_their_next_visit(
    client, django_capture_on_commit_callbacks, taxonomy, store, sf_member
):
    sleeper = make_member("dort@example.org", interests=[taxonomy["sf"]])
    long_ago = timezone.now() - timedelta(days=45)
    type(sleeper).objects.filter(pk=sleeper.pk).update(last_login=long_ago, date_joined=long_ago)
    with django_capture_on_commit_callbacks(execute=True):
        page = make_announcement("Nouveauté SF", interests=[taxonomy["sf"]])
    assert keys(store, sf_member) == [f"announcement:{page.pk}"]
    assert keys(store, sleeper) == []
    client.force_login(sleeper)
    response = client.get(reverse("feeds:feed"))
    assert response.status_code == 200
    assert keys(store, sleeper) == [f"announcement:{page.pk}"]
    assert "Nouveauté SF" in response.content.decode()
    assert FeedState.objects.get(member=sleeper).last_seen is not None


def test_fan_out_returns_the_number_of_members_written(taxonomy, store, sf_member):
    make_member(interests=[taxonomy["imaginaire"]])
    make_member(interests=[taxonomy["cuisine"]])
    page = make_announcement("Pour deux", interests=[taxonomy["sf"]])
    assert fan_out_content("announcement", page.pk) == 2
    page.unpublish()
    assert fan_out_content("announcement", page.pk) == 0
    assert keys(store, sf_member) == []


def test_the_feed_is_capped_per_member_and_rebuild_restores_it(
    settings, taxonomy, store, sf_member
):
    settings.FEED_MAX_ENTRIES = 5
    from feeds.store import get_store

    capped = get_store()
    capped.clear()
    pages = [make_announcement(f"Annonce {n}", interests=[taxonomy["sf"]]) for n in range(8)]
    for page in pages:
        fan_out_content("announcement", page.pk)
    assert capped.count(sf_member.pk) == 5
    capped.clear(sf_member.pk)
    assert capped.count(sf_member.pk) == 0
    assert build_feed(sf_member) == 5
    assert capped.count(sf_member.pk) == 5
    kept = {e.object_id for e in capped.page(sf_member.pk, before=None, limit=10)}
    assert kept == {p.pk for p in pages[-5:]}  # the freshest stay


def test_rebuild_command(taxonomy, store, sf_member, capsys):
    from django.core.management import call_command

    page = make_announcement("À reconstruire", interests=[taxonomy["sf"]])
    other = make_member(interests=[taxonomy["sf"]])
    call_command("rebuild_feeds", "--member", str(sf_member.pk))
    assert keys(store, sf_member) == [f"announcement:{page.pk}"]
    assert keys(store, other) == []
    call_command("rebuild_feeds")
    assert keys(store, other) == [f"announcement:{page.pk}"]
    out = capsys.readouterr().out
    assert "1/1" in out and "entries" in out


def test_database_rows_are_unique_per_member_and_content(taxonomy, sf_member, store):
    page = make_announcement("Une fois", interests=[taxonomy["sf"]])
    fan_out_content("announcement", page.pk)
    fan_out_content("announcement", page.pk)
    if store.name == "database":
        assert FeedEntry.objects.filter(member=sf_member).count() == 1
    assert keys(store, sf_member) == [f"announcement:{page.pk}"]
