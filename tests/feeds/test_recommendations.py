"""The collection recommender: content-based, collaborative, branch popularity, cold start."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from cms.models import HoldingStatus
from community.models import FollowedInterest, Interaction
from feeds.recommendations import recommend_for
from tests.cms.library_factories import make_item
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

LIKE = Interaction.Kind.LIKE


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def follow(user, *interests):
    for interest in interests:
        FollowedInterest.objects.create(user=user, interest=interest)


def interact(member, item, kind=LIKE, days_ago=1):
    return Interaction.objects.create(
        member=member, item=item, kind=kind, created_at=timezone.now() - timedelta(days=days_ago)
    )


def tagged(title, *interests, holdings=()):
    item = make_item(title, holdings=holdings)
    item.interests.set(interests)
    item.save()  # ParentalManyToManyField: written on save
    return item


def test_cold_start_member_gets_items_of_the_interests_they_follow(taxonomy, member):
    dune = tagged("Dune", taxonomy["sf"])
    tagged("La Cuisine provençale", taxonomy["cuisine"])
    follow(member, taxonomy["sf"])

    suggestions = recommend_for(member)

    assert [s.item for s in suggestions] == [dune]
    assert suggestions[0].reason == "Parce que vous suivez Science-fiction"
    assert 0 < suggestions[0].score <= 1


def test_reasons_are_in_the_sites_language_where_no_language_is_active(taxonomy, member):
    # The task worker and management commands build feeds with no language active: the
    # stored reasons must still be French, like the rest of the card.
    tagged("Dune", taxonomy["sf"])
    follow(member, taxonomy["sf"])

    with translation.override(None):
        suggestions = recommend_for(member)
    with translation.override("en"):
        assert recommend_for(member)[0].reason == suggestions[0].reason

    assert suggestions[0].reason == "Parce que vous suivez Science-fiction"


def test_taxonomy_family_counts_and_direct_interest_comes_first(taxonomy, member):
    # Following "Imaginaire" reaches its children; a child-tagged item says which was followed.
    fantasy = tagged("Le Seigneur des anneaux", taxonomy["fantasy"])
    imaginaire = tagged("Anthologie de l'imaginaire", taxonomy["imaginaire"])
    follow(member, taxonomy["imaginaire"])

    suggestions = recommend_for(member)

    assert [s.item for s in suggestions] == [imaginaire, fantasy]
    assert {s.reason for s in suggestions} == {"Parce que vous suivez Imaginaire"}
    assert suggestions[0].score > suggestions[1].score


def test_item_co_liked_with_the_members_items_is_suggested_with_its_reason(taxonomy, member):
    dune = tagged("Dune", taxonomy["sf"])
    hyperion = tagged("Hypérion", taxonomy["sf"])
    tagged("Fondation", taxonomy["sf"])
    cuisine = tagged("Recettes de Provence", taxonomy["cuisine"])
    # Three other readers liked Dune and the cookbook; the member liked Dune.
    for n in range(3):
        other = make_user(f"lecteur{n}@example.org")
        interact(other, dune, days_ago=10 + n)
        interact(other, cuisine, days_ago=9 + n)
    interact(make_user("autre@example.org"), hyperion)
    interact(member, dune)

    suggestions = recommend_for(member)

    first = suggestions[0]
    assert first.item == cuisine
    assert first.reason == "Les lecteurs qui ont aimé « Dune » ont aussi aimé ceci"
    assert first.signals["collaborative"] > 0
    assert dune not in [s.item for s in suggestions]  # already interacted with


def test_already_interacted_and_excluded_items_are_never_suggested(taxonomy, member):
    read = tagged("Dune", taxonomy["sf"])
    skipped = tagged("Hypérion", taxonomy["sf"])
    fresh = tagged("Fondation", taxonomy["sf"])
    follow(member, taxonomy["sf"])
    interact(member, read, kind=Interaction.Kind.RESERVATION_CLICK)

    suggestions = recommend_for(member, exclude_ids=[skipped.pk])

    assert [s.item for s in suggestions] == [fresh]


def test_popular_at_the_home_branch_without_interests(taxonomy, branches):
    member = make_user("nouveau@example.org", home_branch=branches["aubagne"])
    here = tagged("Le Petit Prince", holdings=[(branches["aubagne"], HoldingStatus.AVAILABLE)])
    elsewhere = tagged("Les Misérables", holdings=[(branches["arles"], HoldingStatus.AVAILABLE)])
    for n in range(4):
        reader = make_user(f"lecteur{n}@example.org")
        interact(reader, elsewhere)
        if n < 2:
            interact(reader, here)

    suggestions = recommend_for(member)

    assert [s.item for s in suggestions] == [here]
    assert suggestions[0].reason == "Populaire à la Médiathèque Marcel Pagnol"


def test_without_home_branch_popularity_in_the_network(member):
    popular = make_item("Le Petit Prince")
    interact(make_user("lecteur@example.org"), popular)

    suggestions = recommend_for(member)

    assert [(s.item, s.reason) for s in suggestions] == [
        (popular, "Populaire dans les médiathèques du réseau")
    ]


def test_withdrawn_items_are_not_suggested(taxonomy, member):
    tagged("Dune", taxonomy["sf"])
    gone = tagged("Hypérion", taxonomy["sf"])
    gone.withdrawn = True
    gone.save()
    follow(member, taxonomy["sf"])

    assert [s.item.title for s in recommend_for(member)] == ["Dune"]


def test_query_count_does_not_grow_with_the_limit(taxonomy, member):
    follow(member, taxonomy["sf"], taxonomy["manga"])
    items = [tagged(f"Roman {n}", taxonomy["sf"]) for n in range(30)]
    for n in range(5):
        reader = make_user(f"lecteur{n}@example.org")
        for item in items[n : n + 10]:
            interact(reader, item)
    interact(member, items[0])

    def count(limit):
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            result = recommend_for(member, limit=limit)
        return len(ctx.captured_queries), result

    few, small = count(3)
    many, large = count(25)
    assert len(small) == 3 and len(large) == 25
    # The member's interests, their four signals, the stored neighbours, the long tail, the
    # snapshot's key, the items shown…: a fixed number.
    assert few == many <= 15


def test_suggestions_take_turns_across_the_members_interests(taxonomy, member):
    # Six science-fiction items score as well as the cookbooks and come first by id: without
    # the spread, the member would get six science-fiction titles and no cooking at all.
    sf = [tagged(f"Roman SF {n}", taxonomy["sf"]) for n in range(6)]
    cooking = [tagged(f"Cuisine {n}", taxonomy["cuisine"]) for n in range(3)]
    follow(member, taxonomy["sf"], taxonomy["cuisine"])

    suggestions = recommend_for(member, limit=6)

    kinds = ["sf" if s.item in sf else "cuisine" for s in suggestions]
    assert kinds == ["sf", "cuisine"] * 3
    assert {s.item for s in suggestions} >= set(cooking)


def test_the_interests_a_member_uses_take_more_places(taxonomy, member):
    # Both interests followed alike; the member's history is in science fiction.
    sf = [tagged(f"Roman SF {n}", taxonomy["sf"]) for n in range(4)]
    cooking = [tagged(f"Cuisine {n}", taxonomy["cuisine"]) for n in range(4)]
    follow(member, taxonomy["sf"], taxonomy["cuisine"])
    newcomer = make_user("nouvelle@example.org")
    follow(newcomer, taxonomy["sf"], taxonomy["cuisine"])
    interact(member, tagged("Dune", taxonomy["sf"]))

    used = ["cuisine" if s.item in cooking else "sf" for s in recommend_for(member, limit=6)]
    alike = ["cuisine" if s.item in cooking else "sf" for s in recommend_for(newcomer, limit=6)]

    assert used[:2] == ["sf", "sf"] and used.count("sf") > used.count("cuisine") > 0
    # Without a history the two interests weigh the same and take turns (Dune, popular,
    # first).
    assert alike == ["sf", "cuisine"] * 3
    assert {s.item for s in recommend_for(member, limit=8)} == set(sf) | set(cooking)
