"""Public samples of the feed: what is on near a place (visitors), a community's feed."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from cms.kinds import FeedKind
from cms.models import AnnouncementPage, EventPage, Interest, RecommendationPage
from community.actions.social import blocked_ids
from community.models import Post
from feeds import facts as load
from feeds import ranking
from feeds.feed.build import score_entries
from feeds.feed.cards import FeedCard, hydrate
from feeds.sessions import EventSessions, later_sessions


def nearby_sample(
    lat: float, lon: float, *, limit: int = 12, now: datetime | None = None
) -> list[FeedCard]:
    """What is on near a place, for a visitor without an account: upcoming events,
    announcements and curated lists of the nearest branches (and network-wide news),
    ranked by proximity and freshness, diversified."""
    from cms.branches import nearest_branches

    now = now or timezone.now()
    ranked = nearest_branches(lat, lon)
    near = [bd.branch.pk for bd in ranked[:3] if bd.is_near] or [bd.branch.pk for bd in ranked[:1]]
    visitor = load.visitor(lat, lon)
    contents = load.events(
        EventPage.objects.live()
        .public()
        .filter(branch_id__in=near, end__gte=now)
        .order_by("start")[:30]
    )
    contents += load.announcements(
        AnnouncementPage.objects.live()
        .public()
        .filter(Q(branches__in=near) | Q(branches__isnull=True))
        .distinct()
        .order_by("-first_published_at")[:20]
    )
    contents += load.recommendations(
        RecommendationPage.objects.live()
        .public()
        .filter(Q(branch_id__in=near) | Q(branch__isnull=True))
        .order_by("-first_published_at")[:10]
    )
    entries = score_entries(visitor, contents, now, audience=False)
    return _diversified_cards(entries, limit, now)


def community_sample(
    community, *, limit: int = 8, now: datetime | None = None, request=None
) -> list[FeedCard]:
    """A community's feed: library content for its interests (taxonomy-aware) and its
    branches, and its own recent posts, ranked by relevance and freshness, diversified."""
    now = now or timezone.now()
    interests = list(community.interests.all())
    branch_list = list(community.branches.all())
    pseudo = ranking.MemberFacts(
        id=0,
        followed={i.pk: ranking.InterestFact(i.pk, i.name, i.parent_id) for i in interests},
        communities=frozenset([community.pk]),
    )
    if branch_list:
        pseudo.lat = sum(b.latitude for b in branch_list) / len(branch_list)
        pseudo.lon = sum(b.longitude for b in branch_list) / len(branch_list)
    family = list(Interest.objects.with_family(interests).values_list("pk", flat=True))
    contents = load.events(
        EventPage.objects.live()
        .public()
        .filter(interests__in=family, end__gte=now)
        .distinct()
        .order_by("start")[:30]
    )
    contents += load.announcements(
        AnnouncementPage.objects.live()
        .public()
        .filter(interests__in=family)
        .distinct()
        .order_by("-first_published_at")[:20]
    )
    contents += load.recommendations(
        RecommendationPage.objects.live()
        .public()
        .filter(interests__in=family)
        .distinct()
        .order_by("-first_published_at")[:10]
    )
    viewer = getattr(request, "user", None)
    if viewer is not None and viewer.is_authenticated:
        # What this viewer may see: no posts of anyone in a block with them.
        posts = Post.objects.published().filter(community=community)
        hidden = blocked_ids(viewer)
        if hidden:
            posts = posts.exclude(author_id__in=hidden)
    else:
        posts = Post.objects.published().filter(community=community)
    contents += load.posts(posts.order_by("-created_at")[:10])
    entries = score_entries(pseudo, contents, now)
    return _diversified_cards(entries, limit, now, request=request)


def _diversified_cards(entries, limit: int, now: datetime, request=None) -> list[FeedCard]:
    # one card per event series: its next session (the others are listed on it)
    sessions = EventSessions(
        (e.object_id for e in entries if e.kind == FeedKind.EVENT), now, request
    )
    held = later_sessions(entries, sessions, {e.key for e in entries}, lambda keys: set())
    entries = [e for e in entries if e.key not in held]
    cards = hydrate(entries, request, now=now, sessions=sessions)
    live = [cards[e.key] for e in entries if e.key in cards]
    picked, _rest = ranking.diversify(
        live, limit, kind=lambda c: c.kind, community=lambda c: c.community_id
    )
    return picked
