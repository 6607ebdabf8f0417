"""The generated benchmark dataset: deterministic, marked as generated, valid page tree."""

from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command
from wagtail.models import Page

from cms.models import AnnouncementPage, CatalogueItem, EventPage
from community.models import (
    EventRegistration,
    FollowedInterest,
    Interaction,
    Post,
    PurchaseSuggestion,
    SuggestionSupport,
)
from feeds.dataset import (
    DatasetExists,
    DatasetSize,
    delete_generated,
    generate_dataset,
    generated_members,
)

pytestmark = pytest.mark.django_db

SMALL = DatasetSize(members=60, items=300, events=12, announcements=15, interactions=1200, seed=7)
ANCHOR = datetime(2026, 11, 1, tzinfo=UTC)


def first_rows() -> dict:
    members = list(
        generated_members()
        .order_by("username")
        .values_list("username", "email", "commune_name", "home_branch__code")[:5]
    )
    follows = list(
        FollowedInterest.objects.filter(user__in=generated_members())
        .order_by("user__username", "interest__slug")
        .values_list("user__username", "interest__slug")[:12]
    )
    interactions = list(
        Interaction.objects.order_by(
            "created_at", "member__username", "item__record_id"
        ).values_list("member__username", "item__record_id", "kind", "created_at")[:10]
    )
    events = list(
        EventPage.objects.order_by("slug").values_list("slug", "title", "start", "branch__code")[:3]
    )
    return {"members": members, "follows": follows, "interactions": interactions, "events": events}


def test_generation_is_deterministic_marked_and_refuses_to_run_twice():
    summary = generate_dataset(SMALL, anchor=ANCHOR)
    counts = summary["counts"]
    assert {k: counts[k] for k in list(counts)[:6]} == {
        "members": 60,
        "followed_interests": FollowedInterest.objects.count(),
        "items": 300,
        "events": 12,
        "announcements": 15,
        "interactions": 1200,
    }
    assert counts["suggestion_supports"] == SuggestionSupport.objects.count() > 0
    assert counts["posts"] == Post.objects.count() > 0
    assert counts["registrations"] == EventRegistration.objects.count() > 0
    # 3 to 10 interests each, every generated row marked as generated.
    per_member = [m.followed_interests.count() for m in generated_members()]
    assert min(per_member) >= 3 and max(per_member) <= 10
    assert generated_members().count() == 60
    assert all(
        e.endswith("@generated.invalid")
        for e in generated_members().values_list("email", flat=True)
    )
    assert CatalogueItem.objects.filter(record_id__startswith="GEN").count() == 300
    assert Interaction.objects.count() == 1200
    assert all(slug.startswith("gen-") for slug in EventPage.objects.values_list("slug", flat=True))
    rows = first_rows()

    with pytest.raises(DatasetExists):
        generate_dataset(SMALL, anchor=ANCHOR)

    delete_generated()
    assert not generated_members().exists() and not EventPage.objects.exists()
    assert not Interaction.objects.exists()
    assert not PurchaseSuggestion.objects.exists() and not Post.objects.exists()

    generate_dataset(SMALL, anchor=ANCHOR)
    assert first_rows() == rows


def test_interactions_are_skewed_and_spread_over_months():
    generate_dataset(SMALL, anchor=ANCHOR)
    from django.db.models import Count, Max, Min

    per_item = sorted(
        Interaction.objects.values("item").annotate(n=Count("pk")).values_list("n", flat=True),
        reverse=True,
    )
    top_tenth = sum(per_item[: max(1, len(per_item) // 10)])
    assert top_tenth > 0.3 * sum(per_item)  # popular items take a large share
    span = Interaction.objects.aggregate(first=Min("created_at"), last=Max("created_at"))
    assert (span["last"] - span["first"]).days >= 150
    assert span["last"] <= ANCHOR


def test_generated_pages_form_a_valid_tree_and_render(client):
    generate_dataset(SMALL, anchor=ANCHOR)
    assert Page.find_problems() == ([], [], [], [], [])
    event = EventPage.objects.order_by("slug").first()
    announcement = AnnouncementPage.objects.order_by("slug").first()
    # 12 events and 20 club meetings (community signals)
    assert event.interests.exists() and event.get_parent().numchild == 32
    for page in (event, announcement):
        response = client.get(page.url)
        assert response.status_code == 200
        assert page.title in response.content.decode()


def test_command_refuses_clearly_then_replaces_with_delete(capsys):
    args = ["--members", "20", "--items", "50", "--events", "2", "--announcements", "2"]
    args += ["--interactions", "100"]
    call_command("generate_dataset", *args)
    with pytest.raises(CommandError, match="--delete"):
        call_command("generate_dataset", *args)
    call_command("generate_dataset", *args, "--delete")
    assert generated_members().count() == 20
    assert Interaction.objects.count() == 100


def test_community_signals_follow_the_members_tastes_and_stay_in_the_past():
    generate_dataset(SMALL, anchor=ANCHOR)
    from cms.models import Interest

    parents = dict(Interest.objects.values_list("pk", "parent_id"))

    def family(user_id) -> set[int]:
        followed = set(
            FollowedInterest.objects.filter(user_id=user_id).values_list("interest_id", flat=True)
        )
        return followed | {pk for pk, parent in parents.items() if parent in followed}

    def interests_of(item_id) -> set[int]:
        return set(CatalogueItem.objects.get(pk=item_id).interests.values_list("pk", flat=True))

    # Members support and post about items of the interests they follow (or their children).
    for user_id, item_id in SuggestionSupport.objects.filter(
        suggestion__item__isnull=False
    ).values_list("user_id", "suggestion__item_id")[:40]:
        assert interests_of(item_id) & family(user_id)
    for user_id, item_id in Post.objects.filter(event__isnull=True).values_list(
        "author_id", "catalogue_item_id"
    )[:40]:
        assert interests_of(item_id) & family(user_id)
    # They register for club meetings announced with items of their interests, after the
    # announcement.
    for registration in EventRegistration.objects.all()[:40]:
        featured = Post.objects.filter(event_id=registration.event_id)
        assert featured.exists()
        assert all(p.created_at <= registration.created_at for p in featured)
        assert any(
            interests_of(p.catalogue_item_id) & family(registration.user_id) for p in featured
        )
    # Suggestions are bought after they were made; nothing happens after the anchor.
    for suggestion in PurchaseSuggestion.objects.all():
        assert suggestion.created_at < suggestion.status_changed_at <= ANCHOR
        assert (suggestion.item_id is not None) == (suggestion.status == "available")
    for model in (SuggestionSupport, Post, EventRegistration):
        assert not model.objects.filter(created_at__gt=ANCHOR).exists()


def test_top_share_and_favourite_weights_worked_out_by_hand():
    from feeds.dataset import _favourite_weights, top_share

    assert top_share([1, 10, 3, 1, 5]) == 0.5  # the top fifth (1 of 5) makes 10 of 20
    assert top_share([]) == 0.0

    class Unshuffled:
        def shuffle(self, values):
            pass

    # Followed a, b, d in that order (1, 1/2, 1/3); c is a's child: a's weight is shared by
    # its four tastes (two of a, two of c).
    a, b, c, d = 1, 2, 3, 4
    taste = [(a, 0), (a, 1), (b, 0), (b, 2), (c, 0), (c, 1), (d, 5), (d, 6)]
    weights = _favourite_weights(Unshuffled(), [a, b, d], {a: [c]}, taste)
    assert weights == pytest.approx([1 / 4, 1 / 4, 1 / 4, 1 / 4, 1 / 4, 1 / 4, 1 / 6, 1 / 6])


def test_taste_models_classic_and_shared():
    from django.db.models import Count

    def shares():
        per_item = Interaction.objects.values("item").annotate(n=Count("pk"))
        return sorted(per_item.values_list("n", flat=True), reverse=True)

    size = DatasetSize(members=150, items=600, events=0, announcements=0, interactions=2000, seed=5)
    classic = generate_dataset(DatasetSize(**{**size.__dict__, "taste": "classic"}), anchor=ANCHOR)
    classic_items = shares()
    delete_generated()
    shared = generate_dataset(size, anchor=ANCHOR)

    assert classic["taste"] == "classic" and shared["taste"] == "shared"
    # Shared tastes concentrate use on fewer items (the summary's figure is the table's).
    assert shared["top_20_percent_share"]["items"] > classic["top_20_percent_share"]["items"]
    assert len(shares()) < len(classic_items)
    top = classic_items[: round(len(classic_items) * 0.2)]
    assert classic["top_20_percent_share"]["items"] == round(sum(top) / 2000, 3)


def test_command_generates_for_a_given_anchor_day_and_refuses_a_bad_one():
    args = ["--members", "20", "--items", "50", "--events", "2", "--announcements", "2"]
    args += ["--interactions", "100"]
    with pytest.raises(CommandError, match="AAAA-MM-JJ"):
        call_command("generate_dataset", *args, "--anchor", "1er novembre")
    assert not generated_members().exists()
    call_command("generate_dataset", *args, "--anchor", "2026-11-01")
    made = Interaction.objects.values_list("created_at", flat=True)
    assert max(made) < ANCHOR and min(made) > datetime(2026, 1, 1, tzinfo=UTC)
    first = sorted(Interaction.objects.values_list("member__username", "item__record_id"))
    call_command("generate_dataset", *args, "--anchor", "2026-11-01", "--delete")
    assert sorted(Interaction.objects.values_list("member__username", "item__record_id")) == first
