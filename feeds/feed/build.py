"""Rebuilding a member's feed from scratch.

`build_feed(member)` scores everything currently relevant to the member (announcements,
upcoming events, curated lists, posts of their communities and of people they follow,
catalogue suggestions from `feeds.recommendations`) and replaces their stored feed; it
records the signature of what the feed was built from (`member_signature`), which
`feeds.feed.freshness` compares to decide when to rebuild.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.db.models import Q, Value
from django.utils import timezone

from cms.kinds import FeedKind
from cms.models import AnnouncementPage, EventPage, Interest, RecommendationPage
from community.models import Block, Membership, Post
from feeds import facts as load
from feeds import ranking
from feeds.models import FeedState
from feeds.store import StoredEntry, get_store

logger = logging.getLogger(__name__)

ANNOUNCEMENT_DAYS = 120
RECOMMENDATION_DAYS = 365
POST_DAYS = 90
CANDIDATES_PER_KIND = 300
SUGGESTIONS = 10


def _suggestions(member) -> list[ranking.ContentFacts]:
    from feeds.recommendations import recommend_for

    try:
        suggestions = recommend_for(member, limit=SUGGESTIONS)
    except Exception:  # a failing recommender must not break the feed
        logger.exception("Suggestions failed for member %s", member.pk)
        return []
    now = timezone.now()
    # The recommender spreads its suggestions across the member's interests; the relevance
    # given to ranking never rises along that order, so the feed keeps the spread.
    facts, ceiling = [], 1.0
    for s in suggestions:
        # strictly lower each time (a millionth): equal scores would fall back on store order
        ceiling = max(0.0, min(ceiling - 1e-6, float(s.score)))
        facts.append(
            ranking.ContentFacts(
                FeedKind.ITEM,
                s.item.pk,
                title=s.item.title,
                published_at=now,
                reason=s.reason,
                base=ceiling,
            )
        )
    return facts


def candidates_for(member, facts: ranking.MemberFacts, now: datetime) -> list[ranking.ContentFacts]:
    """Everything that may belong in this member's feed now (before scoring)."""
    family = list(Interest.objects.with_family(facts.followed).values_list("pk", flat=True))
    targeted = Q(interests__in=family) | Q(interests__isnull=True)
    found: list[ranking.ContentFacts] = []
    found += load.announcements(
        AnnouncementPage.objects.live()
        .public()
        .filter(targeted, first_published_at__gte=now - timedelta(days=ANNOUNCEMENT_DAYS))
        .distinct()
        .order_by("-first_published_at")[:CANDIDATES_PER_KIND]
    )
    found += load.events(
        EventPage.objects.live()
        .public()
        .filter(targeted, end__gte=now)
        .distinct()
        .order_by("start")[:CANDIDATES_PER_KIND]
    )
    found += load.recommendations(
        RecommendationPage.objects.live()
        .public()
        .filter(targeted, first_published_at__gte=now - timedelta(days=RECOMMENDATION_DAYS))
        .distinct()
        .order_by("-first_published_at")[:CANDIDATES_PER_KIND]
    )
    if facts.communities or facts.followed_authors:
        blocked = Block.objects.filter(Q(blocker=member.pk) | Q(blocked=member.pk))
        hidden = {a for pair in blocked.values_list("blocker_id", "blocked_id") for a in pair}
        hidden.discard(member.pk)
        found += load.posts(
            Post.objects.published()
            .filter(
                Q(community_id__in=facts.communities) | Q(author_id__in=facts.followed_authors),
                created_at__gte=now - timedelta(days=POST_DAYS),
            )
            .exclude(author_id=member.pk)
            .exclude(author_id__in=hidden)
            .order_by("-created_at")[:CANDIDATES_PER_KIND]
        )
    found += _suggestions(member)
    return found


def score_entries(
    member: ranking.MemberFacts, contents, now: datetime, *, audience: bool = True
) -> list[StoredEntry]:
    """Score `contents` for `member`, best first (with `audience`, only what is theirs)."""
    entries = []
    for content in contents:
        if audience and not ranking.in_audience(member, content):
            continue
        scored = ranking.score(member, content, now)
        if scored is None:
            continue
        entries.append(
            StoredEntry(
                kind=content.kind,
                object_id=content.pk,
                score=scored.score,
                reason=scored.reason,
                interest_id=scored.interest_id,
                community_id=scored.community_id,
                created_at=now,
            )
        )
    entries.sort(key=lambda e: e.score, reverse=True)
    return entries


def member_signature(member) -> str:
    """Changes when what the feed is built from changes (interests, place, communities)."""
    return signature_and_interests(member)[0]


@lru_cache(maxsize=1)
def _signature_sources():
    """The followed interests (source 0) and the joined communities (source 1) of every
    member, filtered per member by `signature_and_interests`. Built once per process
    (filtering a queryset clones it): building them was most of the cost of this query,
    which every feed page runs."""
    from community.models import FollowedInterest

    followed = (
        FollowedInterest.objects.annotate(source=Value(0))
        .values_list("source", "interest_id")
        .order_by()
    )
    joined = (
        Membership.objects.annotate(source=Value(1))
        .values_list("source", "community_id")
        .order_by()
    )
    return followed, joined


def signature_and_interests(member) -> tuple[str, bool]:
    """(the signature, whether the member follows any interest), in one query."""
    interests, communities = [], []
    followed, joined = _signature_sources()
    rows = followed.filter(user_id=member.pk).union(joined.filter(user_id=member.pk), all=True)
    for source, ref in rows:
        (communities if source else interests).append(ref)
    interests.sort()
    communities.sort()
    raw = json.dumps(
        [interests, communities, member.home_branch_id, member.latitude, member.longitude]
    )
    return hashlib.sha1(raw.encode()).hexdigest(), bool(interests)


def build_feed(member, *, now: datetime | None = None, signature: str | None = None) -> int:
    """Rebuild `member`'s feed from scratch; returns the number of entries written."""
    now = now or timezone.now()
    facts = load.members([member.pk])[member.pk]
    entries = score_entries(facts, candidates_for(member, facts, now), now)
    entries = entries[: settings.FEED_MAX_ENTRIES]
    written = get_store().replace_member(member.pk, entries)
    FeedState.objects.update_or_create(
        member_id=member.pk,
        defaults={
            "built_at": now,
            "signature": signature if signature is not None else member_signature(member),
        },
        create_defaults={
            "built_at": now,
            "last_seen": now,
            "signature": signature if signature is not None else member_signature(member),
        },
    )
    return written
