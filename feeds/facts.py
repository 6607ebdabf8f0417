"""Loading what ranking needs (`feeds.ranking` facts) from the database, in bulk.

A fixed number of queries per kind of content and per batch of members, whatever their
number: the fan-out and the rebuilds both go through here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.db.models import Count, Prefetch, Q, QuerySet

from cms.kinds import FeedKind
from cms.models import AnnouncementPage, Branch, EventPage, Interest, RecommendationPage
from community.models import Follow, FollowedInterest, Membership, Post, User
from community.models.events import EventRegistration
from feeds.models import FeedFeedback
from feeds.ranking import (
    BranchFact,
    ContentFacts,
    InterestFact,
    MemberFacts,
)

MEMBER_BATCH = 2000
_INTERESTS = Prefetch("interests", queryset=Interest.objects.only("pk", "name", "parent_id"))
_BRANCH_FIELDS = ("pk", "name", "latitude", "longitude")


def _interests(obj) -> tuple[InterestFact, ...]:
    return tuple(InterestFact(i.pk, i.name, i.parent_id) for i in obj.interests.all())


def _branch(branch: Branch | None) -> tuple[BranchFact, ...]:
    if branch is None:
        return ()
    return (BranchFact(branch.pk, branch.name, branch.latitude, branch.longitude),)


def _branches(obj) -> tuple[BranchFact, ...]:
    return tuple(BranchFact(b.pk, b.name, b.latitude, b.longitude) for b in obj.branches.all())


def _related(
    model, field_name: str, pks: list[int], target_fields: tuple[str, ...], order=("pk",)
) -> dict:
    """{page pk: [tuple of `target_fields` of each related row]} for a many-to-many field,
    in one query on its through table (no page or interest instances are built)."""
    out: dict[int, list[tuple]] = defaultdict(list)
    if not pks:
        return out
    field = model._meta.get_field(field_name)
    source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
    rows = field.remote_field.through.objects.filter(**{f"{source}_id__in": pks})
    for source_id, *values in rows.order_by(*(f"{target}__{o}" for o in order)).values_list(
        f"{source}_id", *(f"{target}__{name}" for name in target_fields)
    ):
        out[source_id].append(tuple(values))
    return out


def _interest_facts(model, pks: list[int]) -> dict[int, tuple[InterestFact, ...]]:
    related = _related(
        model, "interests", pks, ("pk", "name", "parent_id"), order=("position", "name")
    )
    return {pk: tuple(InterestFact(*row) for row in rows) for pk, rows in related.items()}


def _branch_fact(pk, name, lat, lon) -> tuple[BranchFact, ...]:
    return () if pk is None else (BranchFact(pk, name, lat, lon),)


def announcements(queryset=None) -> list[ContentFacts]:
    pages = AnnouncementPage.objects.live().public() if queryset is None else queryset
    rows = list(pages.values_list("pk", "title", "first_published_at"))
    pks = [row[0] for row in rows]
    interests = _interest_facts(AnnouncementPage, pks)
    branches = _related(AnnouncementPage, "branches", pks, _BRANCH_FIELDS)
    return [
        ContentFacts(
            FeedKind.ANNOUNCEMENT,
            pk,
            title=title,
            interests=interests.get(pk, ()),
            branches=tuple(BranchFact(*b) for b in branches.get(pk, ())),
            published_at=published,
        )
        for pk, title, published in rows
    ]


def events(queryset=None) -> list[ContentFacts]:
    pages = EventPage.objects.live().public() if queryset is None else queryset
    confirmed = Q(registrations__status=EventRegistration.Status.CONFIRMED)
    rows = list(
        pages.annotate(registered=Count("registrations", filter=confirmed)).values_list(
            "pk",
            "title",
            "first_published_at",
            "start",
            "end",
            "registered",
            "series_key",
            *(f"branch__{name}" for name in _BRANCH_FIELDS),
        )
    )
    interests = _interest_facts(EventPage, [row[0] for row in rows])
    return [
        ContentFacts(
            FeedKind.EVENT,
            pk,
            title=title,
            interests=interests.get(pk, ()),
            branches=_branch_fact(*branch),
            published_at=published,
            start=start,
            end=end,
            engagement=registered,
            series_key=series_key,
        )
        for pk, title, published, start, end, registered, series_key, *branch in rows
    ]


def recommendations(queryset=None) -> list[ContentFacts]:
    pages = RecommendationPage.objects.live().public() if queryset is None else queryset
    rows = list(
        pages.values_list(
            "pk", "title", "first_published_at", *(f"branch__{name}" for name in _BRANCH_FIELDS)
        )
    )
    interests = _interest_facts(RecommendationPage, [row[0] for row in rows])
    return [
        ContentFacts(
            FeedKind.RECOMMENDATION,
            pk,
            title=title,
            interests=interests.get(pk, ()),
            branches=_branch_fact(*branch),
            published_at=published,
        )
        for pk, title, published, *branch in rows
    ]


def posts(queryset=None) -> list[ContentFacts]:
    rows = Post.objects.published() if queryset is None else queryset
    rows = (
        rows.with_counts()
        .select_related("author", "community")
        .prefetch_related(
            Prefetch(
                "community__interests", queryset=Interest.objects.only("pk", "name", "parent_id")
            ),
            Prefetch("community__branches", queryset=Branch.objects.only(*_BRANCH_FIELDS)),
        )
    )
    return [
        ContentFacts(
            FeedKind.POST,
            post.pk,
            title=post.community.title,
            interests=_interests(post.community),
            branches=_branches(post.community),
            published_at=post.published_at or post.created_at,
            community_id=post.community_id,
            community_title=post.community.title,
            author_id=post.author_id,
            author_name=post.author.public_name,
            engagement=post.like_count + post.interested_count + post.comment_count,
        )
        for post in rows
    ]


LOADERS = {
    FeedKind.ANNOUNCEMENT: (announcements, AnnouncementPage),
    FeedKind.EVENT: (events, EventPage),
    FeedKind.RECOMMENDATION: (recommendations, RecommendationPage),
    FeedKind.POST: (posts, Post),
}


def content(kind: str, pk: int) -> ContentFacts | None:
    """Facts of one published piece of content (None if it is not live / published)."""
    loader, model = LOADERS[kind]
    if kind == FeedKind.POST:
        queryset = Post.objects.published().filter(pk=pk)
    else:
        queryset = model.objects.live().public().filter(pk=pk)
    found = loader(queryset)
    return found[0] if found else None


# --- members -------------------------------------------------------------------------------


def members(
    ids: Iterable[int] = (),
    *,
    among: QuerySet | None = None,
    interest_ids: Iterable[int] | None = None,
    community_ids: Iterable[int] | None = None,
    author_ids: Iterable[int] | None = None,
    content_key: tuple[str, int] | None = None,
) -> dict[int, MemberFacts]:
    """MemberFacts for these members: `ids`, or every member of the `among` queryset (one
    subquery per table, however many they are: the fan-out's audience). The optional
    restrictions load only the rows that matter for one piece of content (fan-out);
    without them everything is loaded (rebuild)."""
    interest_ids = None if interest_ids is None else list(interest_ids)
    community_ids = None if community_ids is None else list(community_ids)
    author_ids = None if author_ids is None else list(author_ids)
    restrictions = (interest_ids, community_ids, author_ids, content_key)
    if among is not None:
        return _members_in(among.values("pk"), *restrictions)
    ids = list(dict.fromkeys(ids))
    out: dict[int, MemberFacts] = {}
    for start in range(0, len(ids), MEMBER_BATCH):
        out.update(_members_in(ids[start : start + MEMBER_BATCH], *restrictions))
    return out


def _members_in(
    chunk, interest_ids, community_ids, author_ids, content_key
) -> dict[int, MemberFacts]:
    """`chunk`: a list of member ids or a subquery of them."""
    followed: dict[int, dict[int, InterestFact]] = defaultdict(dict)
    rows = FollowedInterest.objects.filter(user_id__in=chunk)
    if interest_ids is not None:
        rows = rows.filter(interest_id__in=interest_ids)
    names: dict[int, InterestFact] = {}
    for user_id, interest_id, name, parent_id in rows.values_list(
        "user_id", "interest_id", "interest__name", "interest__parent_id"
    ):
        fact = names.get(interest_id)
        if fact is None:
            fact = names[interest_id] = InterestFact(interest_id, name, parent_id)
        followed[user_id][interest_id] = fact
    communities: dict[int, set[int]] = defaultdict(set)
    if community_ids is None or community_ids:
        rows = Membership.objects.filter(user_id__in=chunk)
        if community_ids is not None:
            rows = rows.filter(community_id__in=community_ids)
        for user_id, community_id in rows.values_list("user_id", "community_id"):
            communities[user_id].add(community_id)
    authors: dict[int, set[int]] = defaultdict(set)
    if author_ids is None or author_ids:
        rows = Follow.objects.filter(follower_id__in=chunk)
        if author_ids is not None:
            rows = rows.filter(followed_id__in=author_ids)
        for user_id, followed_id in rows.values_list("follower_id", "followed_id"):
            authors[user_id].add(followed_id)
    dismissed: dict[int, set] = defaultdict(set)
    dismissed_interests: dict[int, set] = defaultdict(set)
    dismissed_communities: dict[int, set] = defaultdict(set)
    dismissed_series: dict[int, set] = defaultdict(set)
    rows = FeedFeedback.objects.filter(member_id__in=chunk)
    if content_key is not None:
        kind, pk = content_key
        relevant = Q(kind=kind, object_id=pk)
        if interest_ids:
            relevant |= Q(kind=kind, interest_id__in=interest_ids)
        if community_ids:
            relevant |= Q(community_id__in=community_ids)
        if kind == FeedKind.EVENT:  # another session of a dismissed series
            relevant |= Q(kind=kind) & ~Q(series_key="")
        rows = rows.filter(relevant)
    for member_id, kind, object_id, interest_id, community_id, series_key in rows.values_list(
        "member_id", "kind", "object_id", "interest_id", "community_id", "series_key"
    ):
        dismissed[member_id].add((kind, object_id))
        if series_key:
            dismissed_series[member_id].add(series_key)
        if interest_id is not None:
            dismissed_interests[member_id].add((kind, interest_id))
        if community_id is not None:
            dismissed_communities[member_id].add(community_id)
    empty: frozenset = frozenset()
    out: dict[int, MemberFacts] = {}
    for pk, lat, lon, home_id, home_lat, home_lon in User.objects.filter(pk__in=chunk).values_list(
        "pk",
        "latitude",
        "longitude",
        "home_branch_id",
        "home_branch__latitude",
        "home_branch__longitude",
    ):
        if lat is None or lon is None:
            lat, lon = home_lat, home_lon
        out[pk] = MemberFacts(
            id=pk,
            followed=followed.get(pk, {}),
            lat=lat,
            lon=lon,
            home_branch_id=home_id,
            communities=frozenset(communities[pk]) if pk in communities else empty,
            followed_authors=frozenset(authors[pk]) if pk in authors else empty,
            dismissed=frozenset(dismissed[pk]) if pk in dismissed else empty,
            dismissed_interests=(
                frozenset(dismissed_interests[pk]) if pk in dismissed_interests else empty
            ),
            dismissed_communities=(
                frozenset(dismissed_communities[pk]) if pk in dismissed_communities else empty
            ),
            dismissed_series=(frozenset(dismissed_series[pk]) if pk in dismissed_series else empty),
        )
    return out


def visitor(lat: float, lon: float) -> MemberFacts:
    """Someone without an account, located at a commune (the public sample)."""
    return MemberFacts(id=0, lat=lat, lon=lon)


def at(now: datetime | None) -> datetime:
    from django.utils import timezone

    return now or timezone.now()
