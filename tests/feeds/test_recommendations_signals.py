"""The recommender learns from the community's signals: each signal changes the ranking,
nothing after the evaluation's cutoff is used, and the similarities and metrics agree with
figures worked out by hand."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from community.models import (
    EventRegistration,
    Interaction,
    Post,
    PurchaseSuggestion,
    SuggestionSupport,
)
from community.models.posts import ContentStatus
from feeds.models import ItemNeighbour
from feeds.recommendations import recommend_for
from feeds.recommendations.engine import member_profile, score_member
from feeds.recommendations.evaluation import interest_popularity, metrics
from feeds.recommendations.signals import SIGNALS, Signal, signal_rows
from feeds.recommendations.similarity import store, train, train_on
from feeds.recommendations.snapshot import Snapshot, compute_snapshot
from tests.cms.library_factories import make_event, make_item
from tests.conftest import make_community, make_user

pytestmark = pytest.mark.django_db

LIKE = Interaction.Kind.LIKE


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def ago(days: float):
    return timezone.now() - timedelta(days=days)


def dated(row, when):
    """Set an auto_now_add date (the models stamp now on create)."""
    type(row).objects.filter(pk=row.pk).update(created_at=when)
    return row


def interact(member, item, days_ago=5.0):
    return Interaction.objects.create(member=member, item=item, kind=LIKE, created_at=ago(days_ago))


def post_about(author, item, *, community, event=None, when=None):
    post = Post.objects.create(
        community=community,
        author=author,
        body="À lire !",
        catalogue_item=item,
        event=event,
        status=ContentStatus.PUBLISHED,
    )
    return dated(post, when or ago(5))


def support(member, item, *, supported=None, matched=None):
    suggestion = PurchaseSuggestion.objects.create(
        title=item.title,
        item=item,
        status=PurchaseSuggestion.Status.AVAILABLE,
        status_changed_at=matched or ago(3),
    )
    return dated(
        SuggestionSupport.objects.create(suggestion=suggestion, user=member), supported or ago(6)
    )


def register(member, event, when=None):
    return dated(
        EventRegistration.objects.create(
            event=event, user=member, status=EventRegistration.Status.CONFIRMED
        ),
        when or ago(4),
    )


# --- metrics and similarity, by hand -----------------------------------------------------


def test_metrics_match_the_figures_worked_out_by_hand():
    suggested = {1: [10, 11, 12, 13, 14], 2: [10, 20, 21, 22]}  # member 1: the 5th is beyond k
    truth = {1: {11, 13, 99}, 2: {30}}
    members_per_item = {10: 3, 11: 1}  # 7 members interacted before the cutoff

    result = metrics(
        suggested, truth, catalogue_size=14, k=4, item_members=members_per_item, members_total=7
    )

    # Member 1: 2 hits of 4 suggested, of 3 held-out items; member 2: none.
    assert result["precision"] == pytest.approx((2 / 4 + 0) / 2)  # 0.25
    assert result["recall"] == pytest.approx((2 / 3 + 0) / 2)  # 0.333…
    assert result["hit_rate"] == pytest.approx(0.5)
    # 7 distinct items suggested (14 is beyond k) out of 14.
    assert result["coverage"] == pytest.approx(0.5)
    # −log2((n + 1) / 8): item 10 → 1 bit, item 11 → 2 bits, never seen → 3 bits.
    assert result["novelty"] == pytest.approx((1 + 2 + 3 + 3 + 1 + 3 + 3 + 3) / 8)  # 2.375


def test_interest_popularity_baseline_worked_out_by_hand():
    snapshot = Snapshot(
        counts={1: 5, 2: 9, 3: 7, 4: 20},
        by_interest={10: [2, 1], 11: [3], 12: [4]},
        ranked=[4, 2, 3, 1],
        max_count=20,
    )
    # Follows 10 and 11, knows 2: their interests' items by popularity, then the network's.
    assert interest_popularity(snapshot, {10, 11}, {2}, 3) == [3, 1, 4]
    assert interest_popularity(snapshot, {10, 11}, {2}, 1) == [3]
    assert interest_popularity(snapshot, set(), {4}, 2) == [2, 3]


def test_item_similarity_is_the_shrunk_cosine_worked_out_by_hand():
    when = ago(1)
    rows = [
        Signal(1, 100, 1.0, when, "interactions"),
        Signal(1, 200, 1.0, when, "supports"),
        Signal(1, 200, 0.6, when, "registrations"),  # the strongest signal of a cell counts
        Signal(2, 100, 1.0, when, "interactions"),
        Signal(2, 200, 1.0, when, "posts"),
        Signal(2, 300, 1.0, when, "interactions"),
        Signal(3, 300, 1.0, when, "interactions"),
    ]

    model = train_on(rows, min_shared=1)

    # 100 and 200: the same two members → cosine 1, shrunk by 2 / (2 + 2) = 0.5.
    # 100 and 300: one shared member of two each → cosine 0.5, shrunk by 1 / 3.
    assert model.neighbours[100] == [(200, pytest.approx(0.5), 2), (300, pytest.approx(1 / 6), 1)]
    # Ties are broken by item id.
    assert [n for n, _s, _c in model.neighbours[300]] == [100, 200]
    assert model.pairs([100]) == [(100, 200, pytest.approx(0.5)), (100, 300, pytest.approx(1 / 6))]
    # By default, pairs that a single member shares are left out.
    assert train_on(rows).neighbours == {
        100: [(200, pytest.approx(0.5), 2)],
        200: [(100, pytest.approx(0.5), 2)],
    }


# --- each signal changes the ranking -----------------------------------------------------


@pytest.fixture
def scene(taxonomy, branches):
    """Four readers took both `seed` and `target`; six others took `popular` alone. A member
    with no history gets `popular` first; one who signalled `seed` gets `target`."""
    seed = make_item("Dune")
    target = make_item("Hypérion")
    popular = make_item("Le Best-seller")
    for n in range(4):
        reader = make_user(f"lecteur{n}@example.org")
        interact(reader, seed, days_ago=20 + n)
        interact(reader, target, days_ago=19 + n)
    for n in range(6):
        interact(make_user(f"autre{n}@example.org"), popular, days_ago=15 + n)
    community = make_community("Club SF", interests=[taxonomy["sf"]])
    event = make_event("Club de lecture", branch=branches["alcazar"], start=ago(-10))
    return {
        "seed": seed,
        "target": target,
        "popular": popular,
        "community": community,
        "event": event,
    }


SIGNAL_SETUPS = {
    "interactions": lambda member, s: interact(member, s["seed"], days_ago=2),
    "supports": lambda member, s: support(member, s["seed"]),
    "posts": lambda member, s: post_about(member, s["seed"], community=s["community"]),
    "registrations": lambda member, s: (
        post_about(make_user(), s["seed"], community=s["community"], event=s["event"], when=ago(8)),
        register(member, s["event"]),
    ),
}


def ranking(member, signals):
    profile = member_profile(member, signals=signals)
    model = train(signals=signals)
    return score_member(profile, compute_snapshot(), 5, neighbours=model)


@pytest.mark.parametrize("signal", SIGNALS)
def test_each_signal_changes_the_ranking(scene, member, signal):
    SIGNAL_SETUPS[signal](member, scene)
    others = tuple(s for s in SIGNALS if s != signal)

    with_signal = ranking(member, SIGNALS)
    without_signal = ranking(member, others)

    assert with_signal[0].item_id == scene["target"].pk
    assert with_signal[0].because.kind == "item" and with_signal[0].because.ref == scene["seed"].pk
    assert with_signal[0].parts["collaborative"] > 0
    assert scene["seed"].pk not in [s.item_id for s in with_signal]  # the member knows it
    assert without_signal[0].item_id == scene["popular"].pk
    assert [s.item_id for s in with_signal] != [s.item_id for s in without_signal]
    assert all(s.parts["collaborative"] == 0 for s in without_signal)


def test_serving_reads_the_stored_similarities_learned_from_posts(taxonomy, member):
    """The link between the two items exists only in posts: the live co-occurrence of
    interactions cannot see it, the trained and stored model can."""
    community = make_community("Club SF", interests=[taxonomy["sf"]])
    seed, target = make_item("Dune"), make_item("Hypérion")
    for n in range(3):
        reader = make_user(f"lecteur{n}@example.org")
        post_about(reader, seed, community=community, when=ago(10 + n))
        post_about(reader, target, community=community, when=ago(9 + n))
    interact(member, seed, days_ago=1)
    assert target not in [s.item for s in recommend_for(member)]

    call_command("train_recommendations", verbosity=0)

    assert ItemNeighbour.objects.filter(item=seed, neighbour=target).exists()
    first = recommend_for(member)[0]
    assert first.item == target
    assert first.reason == "Les lecteurs qui ont aimé « Dune » ont aussi aimé ceci"


def test_withdrawn_items_are_not_stored(member):
    seed, gone = make_item("Dune"), make_item("Retiré")
    for n in range(2):
        reader = make_user(f"lecteur{n}@example.org")
        interact(reader, seed)
        interact(reader, gone)
    type(gone).objects.filter(pk=gone.pk).update(withdrawn=True)

    written = store(train())

    assert written == 0 and not ItemNeighbour.objects.exists()


# --- no leakage --------------------------------------------------------------------------


def test_nothing_after_the_cutoff_is_used(scene, member):
    cutoff = ago(10)
    seed, target = scene["seed"], scene["target"]
    # Before the cutoff: one of each.
    interact(member, seed, days_ago=12)
    support(member, target, supported=ago(14), matched=ago(11))
    post_about(member, seed, community=scene["community"], when=ago(13))
    post_about(
        make_user(), target, community=scene["community"], event=scene["event"], when=ago(16)
    )
    register(member, scene["event"], when=ago(15))
    before = sorted((r.source, r.item_id) for r in signal_rows(members=[member.pk], before=cutoff))
    later = make_user("plus-tard@example.org")
    # After it, or known only after it: none of these may count.
    interact(later, seed, days_ago=2)
    support(later, seed, supported=ago(2))
    support(member, scene["popular"], supported=ago(12), matched=ago(5))  # matched after
    post_about(later, seed, community=scene["community"], when=ago(1))
    other_event = make_event("Rencontre", branch=scene["event"].branch, start=ago(-3))
    register(member, other_event, when=ago(12))
    post_about(
        make_user(),
        scene["popular"],
        community=scene["community"],
        event=other_event,
        when=ago(11.5),
    )  # featured after the registration

    assert (
        sorted((r.source, r.item_id) for r in signal_rows(members=[member.pk], before=cutoff))
        == before
    )
    assert before == [
        ("interactions", seed.pk),
        ("posts", seed.pk),
        ("registrations", target.pk),
        ("supports", target.pk),
    ]
    assert not list(signal_rows(members=[later.pk], before=cutoff))
    # The model trained at the cutoff is the same with or without what came later.
    trained = train(before=cutoff).neighbours
    Interaction.objects.filter(created_at__gte=cutoff).delete()
    Post.objects.filter(created_at__gte=cutoff).delete()
    SuggestionSupport.objects.filter(user=later).delete()
    PurchaseSuggestion.objects.filter(status_changed_at__gte=cutoff).delete()
    assert train(before=cutoff).neighbours == trained
    assert member_profile(member, before=cutoff).seen == {seed.pk, target.pk}


def test_spread_discounts_each_place_an_interest_already_took():
    from feeds.recommendations.engine import Because, Scored, spread_across_interests

    def scored(item_id, score):
        return Scored(item_id, score, Because("interest"))

    results = [scored(1, 1.0), scored(2, 0.9), scored(3, 0.8), scored(4, 0.3), scored(5, 0.3)]
    content = {1: (1.0, 10), 2: (0.9, 10), 3: (0.8, 10), 4: (0.3, 11), 5: (0.3, 11)}

    # 1.0, then 0.9 × 0.6 = 0.54 > 0.3, then 0.8 × 0.36 = 0.288 < 0.3, then 0.288 > 0.18.
    order = [s.item_id for s in spread_across_interests(results, content, decay=0.6)]
    assert order == [1, 2, 4, 3, 5]
    # Strict turns.
    assert [s.item_id for s in spread_across_interests(results, content, decay=0)] == [
        1,
        4,
        2,
        5,
        3,
    ]
    assert [s.item_id for s in spread_across_interests(results, content, limit=2)] == [1, 2]
